-- Map a forum topic to a conversation both ways, dropping the old topic's mapping (a
-- deleted topic replaced by a new one).
-- KEYS[1] seq   ARGV: 1 conversation id  2 topic id
-- Returns {outcome (ok|not_found), HGETALL}.

local id, topic = ARGV[1], ARGV[2]
local ck = ckey(id)
local c = redis.call('HMGET', ck, 'status', 'topic_id')
if not c[1] then return {'not_found', {}} end
if c[2] and c[2] ~= topic and redis.call('GET', tkey(c[2])) == id then
  redis.call('DEL', tkey(c[2]))
end
redis.call('SET', tkey(topic), id)
redis.call('HSET', ck, 'topic_id', topic)
if c[1] == 'closed' then redis.call('EXPIRE', tkey(topic), CFG_CLOSED_TTL) end
return {'ok', redis.call('HGETALL', ck)}
