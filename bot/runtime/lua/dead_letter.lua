-- Give up on an update: copy it to the dead-letter stream, then acknowledge and remove it.
-- KEYS[1] stream, KEYS[2] dead-letter stream; ARGV[1] group, ARGV[2] entry id,
-- ARGV[3] update id, ARGV[4] raw JSON, ARGV[5] reason, ARGV[6] attempts
local id = redis.call('XADD', KEYS[2], '*', 'update_id', ARGV[3], 'update', ARGV[4],
                      'reason', ARGV[5], 'attempts', ARGV[6], 'entry', ARGV[2])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return id
