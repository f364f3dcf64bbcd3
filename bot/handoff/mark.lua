-- Set flags on an existing conversation without creating a stub hash for unknown ids.
-- KEYS[1] seq   ARGV: 1 conversation id  2 'once' | 'set'  3.. field value pairs
-- 'once' sets one field only if absent and returns 1 the first time, 0 after;
-- 'set' sets every pair and returns 1. -1 when the conversation does not exist.

local ck = ckey(ARGV[1])
if redis.call('EXISTS', ck) == 0 then return -1 end
if ARGV[2] == 'once' then return redis.call('HSETNX', ck, ARGV[3], ARGV[4]) end
redis.call('HSET', ck, unpack(ARGV, 3))
return 1
