-- Give the head of a shop's queue to the agent policy.next_agent chose, if nothing it
-- decided on changed in between (compare-and-set; the caller re-reads and retries). The
-- head check also covers the round-robin pointer: it only moves when the head is served.
-- KEYS[1] seq   ARGV: 1 shop  2 expected head id  3 agent  4 cap  5 now ms
-- Returns {'assigned', HGETALL} or {'retry', {}}.

local shop, head_seen, agent, cap, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local q = qkey(shop)
local head = redis.call('ZRANGE', q, 0, 0)[1]
if head ~= head_seen then return {'retry', {}} end
if redis.call('SCARD', heldkey(agent)) >= cap then return {'retry', {}} end
if (redis.call('HGET', PRESENCE, agent) or 'offline') ~= 'online' then return {'retry', {}} end
local ck = ckey(head)
if redis.call('HGET', ck, 'status') ~= 'queued' then
  dequeue(head, shop)  -- a member without a queued conversation behind it: drop it
  return {'retry', {}}
end
dequeue(head, shop)
redis.call('HSET', ck, 'status', 'held', 'agent_id', agent, 'taken_at', now)
redis.call('SADD', heldkey(agent), head)
redis.call('HSET', RR, shop, agent)
return {'assigned', redis.call('HGETALL', ck)}
