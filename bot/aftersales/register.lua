-- Register one after-sales case atomically: allocate its id, write it, index it.
-- KEYS[1] seq, KEYS[2] the buyer's index, KEYS[3] the global index (all tagged {as}).
-- ARGV[1] the case key base (P:{as}:case:), ARGV[2] created time in ms,
-- ARGV[3..] field, value pairs of the case.
-- The case key is derived from ARGV[1] in the same {as} slot as the declared keys.
local n = redis.call('INCR', KEYS[1])
local id = 'AS' .. string.format('%06d', n)
local fields = {}
for i = 3, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', ARGV[1] .. id, 'id', id, unpack(fields))
redis.call('ZADD', KEYS[2], ARGV[2], id)
redis.call('ZADD', KEYS[3], ARGV[2], id)
return id
