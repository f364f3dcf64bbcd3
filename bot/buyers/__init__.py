"""What the bot knows about buyers beyond the shop's data: whether it may message them."""
