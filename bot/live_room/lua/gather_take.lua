-- Take a room's due gatherings for posting: exactly one caller gets each.
-- KEYS[1] the room's due set (other keys derived from it, see gathering_keys.py)
-- ARGV[1] now (ms, bot clock)     ARGV[2] the poster's lease (ms)
-- ARGV[3] most gatherings taken   ARGV[4] no-repeat window (ms)
-- ARGV[5] how long keys outlive their due time (ms)
-- ARGV[6...] open gatherings to make due now (a process closing posts what it gathered)
-- Returns one array per gathering taken: {id, locale, answer, distinct askers, times
-- taken, named asker JSON...}.
-- A taken gathering stops taking askers (the next identical question opens a new one,
-- held back by the no-repeat window that starts now) and stays in the due set with the
-- end of the lease as its score: the poster removes it once Telegram has the message
-- (gather_done.lua); if the poster dies first it falls due again and another process
-- posts it under the same effect key, so the room still sees it once.
local base = string.sub(KEYS[1], 1, -5)
local now = tonumber(ARGV[1])
local lease, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
local rep, stale = tonumber(ARGV[4]), tonumber(ARGV[5])
for i = 6, #ARGV do
  local gid = ARGV[i]
  if redis.call('ZSCORE', KEYS[1], gid) and redis.call('HEXISTS', base .. ':g:' .. gid, 'taken') == 0 then
    redis.call('ZADD', KEYS[1], now, gid)
  end
end
local out = {}
for _, gid in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)) do
  local g = base .. ':g:' .. gid
  local f = redis.call('HMGET', g, 'locale', 'answer', 'digest', 'count')
  if not f[1] then
    redis.call('ZREM', KEYS[1], gid)  -- expired long ago: nothing left to post
  else
    local taken = redis.call('HINCRBY', g, 'taken', 1)
    if taken == 1 then
      local open_key = base .. ':open:' .. f[3]
      if redis.call('GET', open_key) == gid then
        redis.call('DEL', open_key)
      end
      redis.call('SET', base .. ':last:' .. f[3], ARGV[1], 'PX', rep + stale)
    end
    redis.call('ZADD', KEYS[1], now + lease, gid)
    redis.call('PEXPIRE', g, lease + stale)
    redis.call('PEXPIRE', g .. ':who', lease + stale)
    redis.call('PEXPIRE', g .. ':named', lease + stale)
    local item = {gid, f[1], f[2], tonumber(f[4]), taken}
    for _, asker in ipairs(redis.call('LRANGE', g .. ':named', 0, -1)) do
      item[#item + 1] = asker
    end
    out[#out + 1] = item
  end
end
return out
