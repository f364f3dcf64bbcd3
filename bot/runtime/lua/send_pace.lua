-- May one message go to Telegram now? Shared by every process (GCRA buckets in Redis).
-- KEYS[1] the bot's overall bucket (theoretical arrival time, microseconds)
-- KEYS[2] the chat's bucket
-- KEYS[3] the chat's 429 hold (exists while Telegram asked us to wait)
-- ARGV[1] overall emission interval (us)   ARGV[2] overall burst allowance for this lane (us)
-- ARGV[3] chat emission interval (us)      ARGV[4] chat burst allowance for this lane (us)
-- Returns 0 when the message may go (both buckets charged), else milliseconds to wait.
-- A lower lane gets a smaller burst allowance: it stops while a higher lane still has
-- room, so buyers' answers keep headroom however many cards are waiting.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local hold = redis.call('PTTL', KEYS[3])
if hold > 0 then
  return hold
end
local function tat(key)
  local v = redis.call('GET', key)
  if v then
    return math.max(tonumber(v), now)
  end
  return now
end
local g_interval, g_tau = tonumber(ARGV[1]), tonumber(ARGV[2])
local c_interval, c_tau = tonumber(ARGV[3]), tonumber(ARGV[4])
local g = tat(KEYS[1])
local c = tat(KEYS[2])
local wait = math.max(g - g_tau - now, c - c_tau - now)
if wait > 0 then
  return math.floor(wait / 1000) + 1
end
g = g + g_interval
c = c + c_interval
redis.call('SET', KEYS[1], string.format('%d', math.floor(g)), 'PX', math.floor((g - now) / 1000) + 1000)
redis.call('SET', KEYS[2], string.format('%d', math.floor(c)), 'PX', math.floor((c - now) / 1000) + 1000)
return 0
