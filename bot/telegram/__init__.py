"""The Telegram edge: sending under Telegram's limits, the API session, webhook, filters, keyboards, middlewares."""
