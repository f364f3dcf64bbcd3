-- Record one SLA event atomically; the only Redis call of a message on the hot path.
-- KEYS[1] conversation state hash (for bot_* events: the shop's day counters hash)
-- KEYS[2] open-rounds zset   KEYS[3] pending-holds zset
-- ARGV: 1 shop base  2 kind  3 now ms  4 local day  5 ISO week  6 in window (0|1)
--       7 conversation id  8 buyer id  9 agent id  10 reply text hash  11 is hold (0|1)
--       12 rating (satisfied|neutral|dissatisfied)  13 bot latency ms
--       14 cap ms  15 fast ms  16 slow ms  17 alert ms  18 hold follow-up ms
--       19 repeat times  20 state ttl s  21 closed state ttl s  22 counter ttl s
--       23 cap first response (0|1)
-- Returns a list of notes (e.g. 'repeated', 'hold_late', 'not_human').

local base, kind, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local day, week, inwin = ARGV[4], ARGV[5], ARGV[6]
local conv, buyer_arg, agent_arg = ARGV[7], ARGV[8], ARGV[9]
local cap, fast, slow = tonumber(ARGV[14]), tonumber(ARGV[15]), tonumber(ARGV[16])
local alert_ms, hold_ms, repeat_n = tonumber(ARGV[17]), tonumber(ARGV[18]), tonumber(ARGV[19])
local state_ttl, closed_ttl, counter_ttl = ARGV[20], ARGV[21], ARGV[22]
local cap_first = ARGV[23] == '1'

if kind == 'bot_answer' or kind == 'bot_unanswered' then
  if kind == 'bot_answer' then
    bump(KEYS[1], 'bot_ans', 1)
    bump(KEYS[1], 'bot_lat_ms', tonumber(ARGV[13]))
  else
    bump(KEYS[1], 'bot_unans', 1)
  end
  expire_touched(counter_ttl)
  return {}
end

local sk, open_z, hold_z = KEYS[1], KEYS[2], KEYS[3]
local s = redis.call('HMGET', sk, 'b', 'h', 'hs', 'hd', 'ha', 'fr', 'ag',
  'rs', 'rd', 'rw', 'ra', 'rf', 'ho', 'hg', 'hk', 'rt', 'rk', 'rg')
local st = {b = s[1], h = s[2], hs = s[3], hd = s[4], ha = s[5], fr = s[6], ag = s[7],
  rs = s[8], rd = s[9], rw = s[10], ra = s[11], rf = s[12], ho = s[13], hg = s[14], hk = s[15],
  rt = s[16], rk = s[17], rg = s[18]}
local human = st.h == '1'
local notes = {}

local function open_round()
  redis.call('HDEL', sk, unpack(ROUND_FIELDS))
  redis.call('HSET', sk, 'rs', ARGV[3], 'rd', day, 'rw', week, 'ra', inwin)
  redis.call('ZADD', open_z, now + alert_ms, conv)
end

local function close_round_fields()
  redis.call('HDEL', sk, unpack(ROUND_FIELDS))
  redis.call('ZREM', open_z, conv)
end

-- A 稍等 not followed up in time is flagged on the day it was said, against who said it.
local function settle_hold(force)
  if not st.ho then return end
  if force or now - tonumber(st.ho) >= hold_ms then
    count(base, st.hk, st.hg, 'f_hold', 1)
    table.insert(notes, 'hold_late')
  end
  redis.call('HDEL', sk, 'ho', 'hg', 'hk')
  redis.call('ZREM', hold_z, conv)
end

if kind == 'handoff' then
  if human then
    redis.call('EXPIRE', sk, state_ttl)
    return {'already_human'}
  end
  redis.call('DEL', sk)  -- a new human session of this conversation starts clean
  redis.call('HSET', sk, 'b', buyer_arg, 'h', '1', 'hs', ARGV[3], 'hd', day, 'ha', inwin)
  open_round()
  redis.call('EXPIRE', sk, state_ttl)
  return notes
end

if kind == 'buyer' then
  if not human then return {'not_human'} end
  if not st.rs then open_round() end
  redis.call('EXPIRE', sk, state_ttl)
  return notes
end

if kind == 'reply' then
  local agent = agent_arg
  local buyer = buyer_arg
  if buyer == '' then buyer = st.b or '' end
  if buyer ~= '' then buyer_in(base, day, week, agent, 'srv', buyer) end
  if human then
    if st.fr ~= '1' then
      local first = now - tonumber(st.hs)
      if first < 0 then first = 0 end
      if cap_first and first > cap then first = cap end
      if st.ha == '1' then
        count(base, st.hd, agent, 'fr_n', 1)
        count(base, st.hd, agent, 'fr_ms', first)
      end
      redis.call('HSET', sk, 'fr', '1')
    end
    if st.rs then
      if st.rf ~= '1' then
        finish_round(base, st.rd, st.rw, st.ra, agent, buyer, now - tonumber(st.rs), true,
          cap, fast, slow)
      end
      close_round_fields()
    end
  end
  settle_hold(false)
  if ARGV[11] == '1' then
    redis.call('HSET', sk, 'ho', ARGV[3], 'hg', agent, 'hk', day)
    redis.call('ZADD', hold_z, now + hold_ms, conv)
  end
  if ARGV[10] ~= '' then
    local n = redis.call('HINCRBY', sk, 'x:' .. ARGV[10], 1)
    if n == repeat_n then
      count(base, day, agent, 'f_rep', 1)
      table.insert(notes, 'repeated')
    end
  end
  redis.call('HSET', sk, 'ag', agent)
  if buyer ~= '' and not st.b then redis.call('HSET', sk, 'b', buyer) end
  if human then redis.call('EXPIRE', sk, state_ttl) else redis.call('EXPIRE', sk, closed_ttl) end
  expire_touched(counter_ttl)
  return notes
end

if kind == 'rating' then
  local field = ({satisfied = 'rat_sat', neutral = 'rat_neu', dissatisfied = 'rat_dis'})[ARGV[12]]
  if not field then return redis.error_reply('unknown rating ' .. ARGV[12]) end
  local agent = agent_arg
  if agent == '' then agent = st.ag or '' end
  if st.rt then  -- a changed vote replaces the earlier one, wherever it was counted
    count(base, st.rk, st.rg, 'rat_n', -1)
    count(base, st.rk, st.rg, st.rt, -1)
  end
  count(base, day, agent, 'rat_n', 1)
  count(base, day, agent, field, 1)
  redis.call('HSET', sk, 'rt', field, 'rk', day, 'rg', agent)
  if human then redis.call('EXPIRE', sk, state_ttl) else redis.call('EXPIRE', sk, closed_ttl) end
  table.insert(notes, st.rt and 'rating_replaced' or 'rated')
  expire_touched(counter_ttl)
  return notes
end

if kind == 'close' then
  if not human then return {'not_human'} end
  local holder = agent_arg
  if holder == '' then holder = st.ag or '' end
  if st.rs then
    if st.rf ~= '1' then
      finish_round(base, st.rd, st.rw, st.ra, holder, st.b, cap, false, cap, fast, slow)
      table.insert(notes, 'unanswered_round')
    end
    close_round_fields()
  end
  if st.ha == '1' then
    count(base, st.hd, holder, 'convs', 1)
    if st.fr ~= '1' then
      count(base, st.hd, holder, 'nonserv', 1)
      table.insert(notes, 'non_service')
    end
  end
  settle_hold(true)
  redis.call('HSET', sk, 'h', '0')
  redis.call('EXPIRE', sk, closed_ttl)
  expire_touched(counter_ttl)
  return notes
end

return redis.error_reply('unknown SLA event kind ' .. kind)
