"""livedesk: a customer-service bot for livestream shops on Telegram."""
