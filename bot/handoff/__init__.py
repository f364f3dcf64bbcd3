"""Handoff to human agents (转人工): a durable queue and conversation store in Redis.

Pure parts (`model`, `policy`, `settings`, `codec`) decide priorities, waiting estimates,
when a buyer hears about their place in line again and which agent is next; `store` does
the Redis I/O, with every multi-key change in a Lua script (`*.lua` beside it) so a
process killed between two commands never leaves half a handoff behind.
"""
