-- Shared helpers of the SLA scripts; a settings header (CFG_*) and this file are prepended
-- to record.lua and sweep.lua at load time. Key suffixes mirror bot/sla/keys.py.
-- base = P:{shop:S}:sla. Counters of an agent live in the shop's hash as 'a:<agent>:<field>'.

local touched = {}
local touched_masks = {}

local function day_counters(base, day) return base .. ':d:' .. day end
local function day_buyers(base, day) return base .. ':d:' .. day .. ':b' end
local function week_counters(base, week) return base .. ':w:' .. week end
local function week_buyers(base, week) return base .. ':w:' .. week .. ':b' end
local function hour_counters(base, day) return base .. ':d:' .. day .. ':h' end

-- Hourly counters of the shop (no agent scopes): '<HH>:<field>' in the day's ':h' hash, HH
-- the shop-local hour ('00'..'23'); the reply-time histogram is 'rt:<bucket>' of the day.
local function count_hour(base, day, hour, field, by)
  if day == nil or day == '' or hour == nil or hour == '' then return end
  local key = hour_counters(base, day)
  redis.call('HINCRBY', key, hour .. ':' .. field, by)
  touched[key] = true
end

-- Reply-time buckets (upper bounds in ms); a round over the last bound or unanswered is 'gt3m'.
local RT_BUCKETS = {{10000, 'lt10'}, {30000, '10_30'}, {60000, '30_60'}, {180000, '1_3m'}}

local function reply_bucket(dur, answered)
  if answered then
    for _, b in ipairs(RT_BUCKETS) do
      if dur < b[1] then return b[2] end
    end
  end
  return 'gt3m'
end

-- Buyers waiting for a person: the ms from a handoff to the first agent reply (or the close),
-- spread over the shop-local hours it covered, within the handoff's day (the day's last hour
-- takes nothing past midnight). Waiting ms in an hour / 3 600 000 = the hour's mean queue length.
local HOUR_MS = 3600000
local function count_wait(base, day, from_ms, to_ms, offset_ms)
  if day == nil or day == '' or from_ms == nil or to_ms <= from_ms then return end
  local t = from_ms + offset_ms
  local stop = to_ms + offset_ms
  local day_end = (math.floor(t / 86400000) + 1) * 86400000
  if stop > day_end then stop = day_end end
  while t < stop do
    local hour_end = (math.floor(t / HOUR_MS) + 1) * HOUR_MS
    local upto = hour_end
    if upto > stop then upto = stop end
    count_hour(base, day, string.format('%02d', math.floor(t / HOUR_MS) % 24), 'wait_ms', upto - t)
    t = upto
  end
end

-- Add to a counter of the agent ('a:<agent>:<field>') or, when no agent is known, of the
-- shop itself ('<field>'); a shop's total is the sum over its scopes, so one call suffices.
local function count(base, day, agent, field, by)
  local key = day_counters(base, day)
  if agent ~= nil and agent ~= '' then
    redis.call('HINCRBY', key, 'a:' .. agent .. ':' .. field, by)
  else
    redis.call('HINCRBY', key, field, by)
  end
  touched[key] = true
end

-- Distinct buyers without sets to count at report time: each buyer has a bit mask per scope
-- and period (1 had an assessed round, 2 a round late for 30 s, 4 late for 3 min, 8 served);
-- the first time a bit is set, the matching u_* counter of that scope and period goes up.
-- Bits are tested with plain arithmetic, not Lua's `bit` library: the embedded store of the
-- sandbox (fakeredis' Lua) has no `bit`, and the scripts must run the same on both.
local BITS = {{1, 'u_rb'}, {2, 'u_l30'}, {4, 'u_l3m'}, {8, 'u_srv'}}

local function has_bit(mask, b)
  return math.floor(mask / b) % 2 == 1
end

local function mark_period(bkey, ckey, agent, buyer, bits)
  local fields = {buyer}
  local scopes = {''}
  if agent ~= nil and agent ~= '' then
    fields[2] = 'a:' .. agent .. ':' .. buyer
    scopes[2] = 'a:' .. agent .. ':'
  end
  local old = redis.call('HMGET', bkey, unpack(fields))
  for i = 1, #fields do
    local before = tonumber(old[i]) or 0
    local after = before
    local newly = {}
    for _, b in ipairs(BITS) do
      if has_bit(bits, b[1]) and not has_bit(before, b[1]) then
        after = after + b[1]
        newly[#newly + 1] = b[2]
      end
    end
    if after ~= before then
      redis.call('HSET', bkey, fields[i], after)
      for _, name in ipairs(newly) do
        redis.call('HINCRBY', ckey, scopes[i] .. name, 1)
      end
      touched_masks[bkey] = true
      touched[ckey] = true
    end
  end
end

local function mark_buyer(base, day, week, agent, buyer, bits)
  if buyer == nil or buyer == '' then return end
  mark_period(day_buyers(base, day), day_counters(base, day), agent, buyer, bits)
  mark_period(week_buyers(base, week), week_counters(base, week), agent, buyer, bits)
end

-- Counters live CFG_COUNTER_TTL seconds after their last write; buyer masks only
-- CFG_MASK_TTL (their counts are already in the counters once the period is over).
local function expire_touched()
  for key, _ in pairs(touched) do
    redis.call('EXPIRE', key, CFG_COUNTER_TTL)
  end
  for key, _ in pairs(touched_masks) do
    redis.call('EXPIRE', key, CFG_MASK_TTL)
  end
end

-- Count one finished round in the bucket of the day it started (only if it started in the
-- window). answered=false: unanswered, counted at the cap and late on both rates.
-- `hour`: the shop-local hour the round started ('HH'), for the hourly counters.
local function finish_round(base, day, week, assessed, agent, buyer, dur, answered, hour)
  if assessed ~= '1' then return end
  if dur < 0 then dur = 0 end
  if dur > CFG_CAP or not answered then dur = CFG_CAP end
  local on_fast = answered and dur < CFG_FAST
  local on_slow = answered and dur < CFG_SLOW
  count(base, day, agent, 'rounds', 1)
  count(base, day, agent, 'dur_ms', dur)
  count_hour(base, day, hour, 'rounds', 1)
  if on_fast then count_hour(base, day, hour, 'on30', 1) end
  count_hour(base, day, 'rt', reply_bucket(dur, answered), 1)
  if on_fast then count(base, day, agent, 'on30', 1) end
  if on_slow then count(base, day, agent, 'on3m', 1) end
  if not answered then count(base, day, agent, 'unans', 1) end
  local bits = 1
  if not on_fast then bits = bits + 2 end
  if not on_slow then bits = bits + 4 end
  mark_buyer(base, day, week, agent, buyer, bits)
end

local ROUND_FIELDS = {'rs', 'rd', 'rw', 'ra', 'rh', 'al', 'mi', 'rf'}
