-- Write one update into its partition stream unless it was written before.
-- KEYS[1] seen marker, KEYS[2] stream; ARGV[1] marker TTL (s), ARGV[2] update id, ARGV[3] raw JSON
-- Returns the new entry id, or false when the update was a duplicate delivery.
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], '*', 'update_id', ARGV[2], 'update', ARGV[3])
end
return false
