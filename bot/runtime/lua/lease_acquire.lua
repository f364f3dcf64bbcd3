-- Take the lease if free, or extend it if we already hold it.
-- KEYS[1] lease; ARGV[1] holder token, ARGV[2] TTL (ms). Returns 1 when held by us.
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
