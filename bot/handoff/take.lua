-- An agent takes a conversation: out of the queue, held by them, counted as open for them.
-- KEYS[1] seq   ARGV: 1 conversation id  2 agent id  3 now ms
-- Returns {outcome, holder ('' = none), HGETALL}; outcome as bot.handoff.model.TakeOutcome.

local id, agent, now = ARGV[1], ARGV[2], ARGV[3]
local ck = ckey(id)
local c = redis.call('HMGET', ck, 'status', 'agent_id', 'shop')
if not c[1] then return {'not_found', '', {}} end
if c[1] == 'closed' then return {'closed', c[2] or '', redis.call('HGETALL', ck)} end
if c[1] == 'held' then
  if c[2] == agent then return {'already_yours', agent, redis.call('HGETALL', ck)} end
  return {'held_by_other', c[2] or '', redis.call('HGETALL', ck)}
end
dequeue(id, c[3])
redis.call('HSET', ck, 'status', 'held', 'agent_id', agent, 'taken_at', now)
redis.call('SADD', heldkey(agent), id)
return {'taken', agent, redis.call('HGETALL', ck)}
