-- Shared helpers of the SLA scripts; prepended to record.lua and sweep.lua at load time.
-- Key suffixes mirror bot/sla/keys.py (the documented layout): base = P:{shop:S}:sla.

local touched = {}

local function bump(key, field, by)
  redis.call('HINCRBY', key, field, by)
  touched[key] = true
end

local function add(key, member)
  redis.call('SADD', key, member)
  touched[key] = true
end

-- Counters and buyer sets live counter_ttl seconds after their last write.
local function expire_touched(ttl)
  for key, _ in pairs(touched) do
    redis.call('EXPIRE', key, ttl)
  end
end

local function day_hash(base, day, agent)
  local key = base .. ':d:' .. day
  if agent ~= nil and agent ~= '' then key = key .. ':a:' .. agent end
  return key
end

local function week_base(base, week, agent)
  local key = base .. ':w:' .. week
  if agent ~= nil and agent ~= '' then key = key .. ':a:' .. agent end
  return key
end

-- Add to the shop's counter and, when the agent is known, to the agent's.
local function count(base, day, agent, field, by)
  bump(day_hash(base, day, nil), field, by)
  if agent ~= nil and agent ~= '' then
    bump(day_hash(base, day, agent), field, by)
    add(base .. ':d:' .. day .. ':agents', agent)
  end
end

-- Add a buyer to a distinct set for the day and the week, shop scope and agent scope.
local function buyer_in(base, day, week, agent, kind, buyer)
  add(day_hash(base, day, nil) .. ':s:' .. kind, buyer)
  add(week_base(base, week, nil) .. ':s:' .. kind, buyer)
  if agent ~= nil and agent ~= '' then
    add(day_hash(base, day, agent) .. ':s:' .. kind, buyer)
    add(week_base(base, week, agent) .. ':s:' .. kind, buyer)
    add(base .. ':d:' .. day .. ':agents', agent)
  end
end

-- Count one finished round in the bucket of the day it started (only if it started in the
-- window). answered=false means unanswered: it counts at the cap and late on both rates.
local function finish_round(base, day, week, assessed, agent, buyer, dur, answered, cap, fast, slow)
  if assessed ~= '1' then return end
  if dur < 0 then dur = 0 end
  if dur > cap or not answered then dur = cap end
  local on_fast = answered and dur < fast
  local on_slow = answered and dur < slow
  count(base, day, agent, 'rounds', 1)
  count(base, day, agent, 'dur_ms', dur)
  if on_fast then count(base, day, agent, 'on30', 1) end
  if on_slow then count(base, day, agent, 'on3m', 1) end
  if not answered then count(base, day, agent, 'unans', 1) end
  if buyer ~= nil and buyer ~= '' then
    buyer_in(base, day, week, agent, 'rb', buyer)
    if not on_fast then buyer_in(base, day, week, agent, 'l30', buyer) end
    if not on_slow then buyer_in(base, day, week, agent, 'l3m', buyer) end
  end
end

local ROUND_FIELDS = {'rs', 'rd', 'rw', 'ra', 'al', 'mi', 'rf'}
