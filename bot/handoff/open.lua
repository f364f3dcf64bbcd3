-- Open a handoff, or return the buyer's open one (raising its priority, adding the reason).
-- KEYS[1] seq   ARGV: 1 buyer  2 name  3 language  4 shop  5 reason  6 priority  7 now ms
--                     8 stage sku ('' = none)
-- Returns {created (0|1), HGETALL of the conversation}.

local buyer, shop, reason, prio, now, sku = ARGV[1], ARGV[4], ARGV[5], tonumber(ARGV[6]), ARGV[7], ARGV[8]

local function has_reason(all, one)
  for part in string.gmatch(all .. '; ', '(.-); ') do
    if part == one then return true end
  end
  return false
end

local existing = redis.call('GET', bkey(buyer))
if existing then
  local ck = ckey(existing)
  local c = redis.call('HMGET', ck, 'status', 'priority', 'shop', 'queued_at', 'reason', 'stage_sku')
  if c[1] and c[1] ~= 'closed' then
    if prio < tonumber(c[2]) then
      redis.call('HSET', ck, 'priority', prio)
      if c[1] == 'queued' then enqueue(existing, c[3], prio, c[4]) end
    end
    if reason ~= '' then
      local old = c[5] or ''
      if old == '' then
        redis.call('HSET', ck, 'reason', reason)
      elseif not has_reason(old, reason) then
        redis.call('HSET', ck, 'reason', old .. '; ' .. reason)
      end
    end
    if sku ~= '' and not c[6] then redis.call('HSET', ck, 'stage_sku', sku) end
    return {0, redis.call('HGETALL', ck)}
  end
  -- a stale mapping (closed or expired conversation): open a new one below
end

local id = redis.call('HINCRBY', SEQ, 'conv', 1)
local ck = ckey(id)
redis.call('HSET', ck, 'id', id, 'buyer_id', buyer, 'buyer_name', ARGV[2],
  'language_code', ARGV[3], 'shop', shop, 'reason', reason, 'priority', prio,
  'status', 'queued', 'created_at', now, 'queued_at', now)
if sku ~= '' then redis.call('HSET', ck, 'stage_sku', sku) end
redis.call('SET', bkey(buyer), id)
enqueue(id, shop, prio, now)
return {1, redis.call('HGETALL', ck)}
