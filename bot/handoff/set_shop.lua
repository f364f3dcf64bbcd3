-- Route a conversation to another shop (the product discussed belongs there); a queued one
-- moves to that shop's queue keeping its queued_at. Holders are not changed.
-- KEYS[1] seq   ARGV: 1 conversation id  2 shop
-- Returns {outcome (ok|closed|not_found), HGETALL}.

local id, shop = ARGV[1], ARGV[2]
local ck = ckey(id)
local c = redis.call('HMGET', ck, 'status', 'shop', 'priority', 'queued_at')
if not c[1] then return {'not_found', {}} end
if c[1] == 'closed' then return {'closed', redis.call('HGETALL', ck)} end
if c[2] ~= shop then
  if c[1] == 'queued' then dequeue(id, c[2]) end
  redis.call('HSET', ck, 'shop', shop)
  if c[1] == 'queued' then enqueue(id, shop, c[3], c[4]) end
end
return {'ok', redis.call('HGETALL', ck)}
