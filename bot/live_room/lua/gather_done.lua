-- A gathering's post reached Telegram (or was refused for good): forget it.
-- KEYS[1] the room's due set (other keys derived from it, see gathering_keys.py)
-- ARGV[1] the gathering id
local base = string.sub(KEYS[1], 1, -5)
local g = base .. ':g:' .. ARGV[1]
redis.call('ZREM', KEYS[1], ARGV[1])
return redis.call('DEL', g, g .. ':who', g .. ':named')
