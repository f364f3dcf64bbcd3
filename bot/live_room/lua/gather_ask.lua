-- One asker of an answer in a live room: join the answer's open gathering or open one.
-- KEYS[1] the room's due set (P:{room:R}:burst:due); the other keys of the room are
--         derived from it (see bot/live_room/gathering_keys.py)
-- ARGV[1] answer digest D         ARGV[2] now (ms, bot clock)
-- ARGV[3] gather window (ms)      ARGV[4] no-repeat window (ms)
-- ARGV[5] asker's user id         ARGV[6] asker as JSON {"u","n","m"}
-- ARGV[7] locale                  ARGV[8] the rendered answer
-- ARGV[9] most askers named       ARGV[10] most user ids tracked for de-duplication
-- ARGV[11] how long keys outlive their due time (ms)
-- Returns {created 0|1, due ms, distinct askers so far, this asker new 0|1, gathering id}.
-- A new gathering is due after the gather window, or when the no-repeat window of the
-- same answer ends if that is later. The same buyer asking again is counted once; past
-- the tracked ids (a storm of thousands) every further ask is counted, so memory stays
-- bounded at the price of counting a repeated asker twice.
local base = string.sub(KEYS[1], 1, -5)
local digest = ARGV[1]
local now = tonumber(ARGV[2])
local max_named, track, stale = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
local open_key = base .. ':open:' .. digest
local gid = redis.call('GET', open_key)
local due = false
if gid then
  due = redis.call('ZSCORE', KEYS[1], gid)
end
local created = 0
if due then
  due = tonumber(due)
else
  gid = digest .. ':' .. redis.call('INCR', base .. ':seq')
  due = now + tonumber(ARGV[3])
  local last = redis.call('GET', base .. ':last:' .. digest)
  if last and tonumber(last) + tonumber(ARGV[4]) > due then
    due = tonumber(last) + tonumber(ARGV[4])
  end
  redis.call('HSET', base .. ':g:' .. gid, 'locale', ARGV[7], 'answer', ARGV[8], 'digest', digest, 'count', 0)
  redis.call('ZADD', KEYS[1], due, gid)
  created = 1
end
local g = base .. ':g:' .. gid
local who = g .. ':who'
local added = 0
if redis.call('SCARD', who) < track then
  added = redis.call('SADD', who, ARGV[5])
elseif redis.call('SISMEMBER', who, ARGV[5]) == 0 then
  added = 1
end
local count = tonumber(redis.call('HGET', g, 'count') or '0')
if added == 1 then
  count = redis.call('HINCRBY', g, 'count', 1)
  if count <= max_named then
    redis.call('RPUSH', g .. ':named', ARGV[6])
  end
end
local ttl = math.floor(due - now + stale)
redis.call('SET', open_key, gid, 'PX', ttl)
redis.call('PEXPIRE', g, ttl)
redis.call('PEXPIRE', who, ttl)
redis.call('PEXPIRE', g .. ':named', ttl)
return {created, due, count, added, gid}
