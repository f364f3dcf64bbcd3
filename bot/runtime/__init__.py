"""Assembling and running the bot: the Dispatcher and its services, the Redis connection, logging."""
