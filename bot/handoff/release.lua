-- Close a conversation (closed by an agent, handed back to the bot, or cancelled by the
-- buyer): out of the queue and the holder's open set, buyer mapping gone, keys retained
-- for CFG_CLOSED_TTL seconds.
-- KEYS[1] seq   ARGV: 1 conversation id  2 kind (closed|back|cancelled)  3 by ('' = none)
--                     4 now ms  5 expected holder ('*' = anyone, '' = nobody, else an agent id)
-- Returns {outcome (closed|already_closed|not_found|moved), HGETALL}; 'moved' when the
-- holder is not the expected one (someone took it since the caller decided it may close).

local id, kind, by, now, expect = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5] or '*'
local ck = ckey(id)
local c = redis.call('HMGET', ck, 'status', 'agent_id', 'shop', 'buyer_id', 'topic_id')
if not c[1] then return {'not_found', {}} end
if c[1] == 'closed' then return {'already_closed', redis.call('HGETALL', ck)} end
if expect ~= '*' and (c[2] or '') ~= expect then return {'moved', redis.call('HGETALL', ck)} end
if c[1] == 'queued' then dequeue(id, c[3]) end
if c[2] then redis.call('SREM', heldkey(c[2]), id) end
redis.call('HSET', ck, 'status', 'closed', 'closed_at', now, 'close_kind', kind)
if by ~= '' then redis.call('HSET', ck, 'closed_by', by) end
if redis.call('GET', bkey(c[4])) == id then redis.call('DEL', bkey(c[4])) end
if c[5] and redis.call('GET', tkey(c[5])) == id then
  redis.call('EXPIRE', tkey(c[5]), CFG_CLOSED_TTL)
end
retain(id)
return {'closed', redis.call('HGETALL', ck)}
