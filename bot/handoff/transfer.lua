-- Hand a conversation to another agent (held by them) or to a shop's queue (keeping its
-- original queued_at, so it does not lose its place in line).
-- KEYS[1] seq   ARGV: 1 conversation id  2 by agent  3 to agent ('' = none)
--                     4 to shop ('' = none)  5 now ms
-- Returns {outcome, previous holder ('' = none), HGETALL}; outcome as TransferOutcome.

local id, by, to_agent, to_shop, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local ck = ckey(id)
local c = redis.call('HMGET', ck, 'status', 'agent_id', 'shop', 'priority', 'queued_at')
if not c[1] then return {'not_found', '', {}} end
local status, holder, shop = c[1], c[2], c[3]
if status == 'closed' then return {'closed', holder or '', redis.call('HGETALL', ck)} end
if status == 'held' and holder ~= by then
  return {'held_by_other', holder or '', redis.call('HGETALL', ck)}
end
local previous = ''
if status == 'held' then previous = holder end

if to_agent ~= '' then
  if status == 'held' and holder == to_agent then
    return {'unchanged', previous, redis.call('HGETALL', ck)}
  end
  if status == 'queued' then dequeue(id, shop) end
  if previous ~= '' then redis.call('SREM', heldkey(previous), id) end
  redis.call('HSET', ck, 'status', 'held', 'agent_id', to_agent, 'taken_at', now)
  redis.call('SADD', heldkey(to_agent), id)
  return {'transferred', previous, redis.call('HGETALL', ck)}
end

if status == 'queued' and shop == to_shop then
  return {'unchanged', previous, redis.call('HGETALL', ck)}
end
if status == 'queued' then dequeue(id, shop) end
if previous ~= '' then redis.call('SREM', heldkey(previous), id) end
redis.call('HDEL', ck, 'agent_id', 'taken_at')
redis.call('HSET', ck, 'status', 'queued', 'shop', to_shop)
enqueue(id, to_shop, c[4], c[5])
return {'transferred', previous, redis.call('HGETALL', ck)}
