-- Put a dead letter back at the end of its partition stream.
-- KEYS[1] dead-letter stream, KEYS[2] stream; ARGV[1] dead-letter entry id
local rows = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #rows == 0 then return false end
local fields = rows[1][2]
local update_id, update
for i = 1, #fields, 2 do
  if fields[i] == 'update_id' then update_id = fields[i + 1] end
  if fields[i] == 'update' then update = fields[i + 1] end
end
local id = redis.call('XADD', KEYS[2], '*', 'update_id', update_id, 'update', update, 'retried', ARGV[1])
redis.call('XDEL', KEYS[1], ARGV[1])
return id
