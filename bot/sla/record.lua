-- Record one SLA event atomically; the only Redis call of a message on the hot path.
-- KEYS[1] conversation state hash (for bot_* events: the shop's day counters hash)
-- KEYS[2] open-rounds zset (P:{shop:S}:sla:open)   KEYS[3] pending-holds zset
-- ARGV: 1 kind  2 now ms  3 local day  4 ISO week  5 in window (0|1)  6 conversation id
--       7 buyer id  8 agent id  9 reply text hash  10 is hold (0|1)
--       11 rating field (rat_sat|rat_neu|rat_dis) or bot latency ms
--       12 shop-local hour of now ('00'..'23')  13 shop-local UTC offset of now, ms
-- Returns a list of notes (e.g. 'repeated', 'hold_late', 'not_human').

local kind, now = ARGV[1], tonumber(ARGV[2])

if kind == 'bot_answer' or kind == 'bot_unanswered' then
  if kind == 'bot_answer' then
    redis.call('HINCRBY', KEYS[1], 'bot_ans', 1)
    redis.call('HINCRBY', KEYS[1], 'bot_lat_ms', ARGV[11])
  else
    redis.call('HINCRBY', KEYS[1], 'bot_unans', 1)
  end
  redis.call('EXPIRE', KEYS[1], CFG_COUNTER_TTL)
  return {}
end

local sk, open_z, hold_z = KEYS[1], KEYS[2], KEYS[3]
local base = string.sub(open_z, 1, -6)  -- strip ':open'
local unserved_z = base .. ':unserved'  -- human conversations (handed off in the window) not yet replied to
local day, week, inwin = ARGV[3], ARGV[4], ARGV[5]
local conv, buyer_arg, agent_arg = ARGV[6], ARGV[7], ARGV[8]

local hour, offset = ARGV[12], tonumber(ARGV[13])

local s = redis.call('HMGET', sk, 'b', 'h', 'hs', 'hd', 'ha', 'fr', 'ag',
  'rs', 'rd', 'rw', 'ra', 'rf', 'ho', 'hg', 'hk', 'rt', 'rk', 'rg', 'rh')
local st = {b = s[1], h = s[2], hs = s[3], hd = s[4], ha = s[5], fr = s[6], ag = s[7],
  rs = s[8], rd = s[9], rw = s[10], ra = s[11], rf = s[12], ho = s[13], hg = s[14], hk = s[15],
  rt = s[16], rk = s[17], rg = s[18], rh = s[19]}
local human = st.h == '1'
local notes = {}

local function open_round()
  redis.call('HSET', sk, 'rs', ARGV[2], 'rd', day, 'rw', week, 'ra', inwin, 'rh', hour, 'al', '0', 'mi', '0',
    'rf', '0')
  redis.call('ZADD', open_z, now + CFG_ALERT, conv)
end

local function close_round_fields()
  redis.call('HDEL', sk, unpack(ROUND_FIELDS))
  redis.call('ZREM', open_z, conv)
end

-- A 稍等 not followed up in time is flagged on the day it was said, against who said it.
local function settle_hold(force)
  if not st.ho then return end
  if force or now - tonumber(st.ho) >= CFG_HOLD then
    count(base, st.hk, st.hg, 'f_hold', 1)
    table.insert(notes, 'hold_late')
  end
  redis.call('HDEL', sk, 'ho', 'hg', 'hk')
  redis.call('ZREM', hold_z, conv)
end

if kind == 'handoff' then
  if human then
    redis.call('EXPIRE', sk, CFG_STATE_TTL)
    return {'already_human'}
  end
  redis.call('DEL', sk)  -- a new human session of this conversation starts clean
  redis.call('HSET', sk, 'b', buyer_arg, 'h', '1', 'hs', ARGV[2], 'hd', day, 'ha', inwin)
  if inwin == '1' then redis.call('ZADD', unserved_z, now, conv) end
  open_round()
  count_hour(base, day, hour, 'handoffs', 1)
  redis.call('EXPIRE', sk, CFG_STATE_TTL)
  expire_touched()
  return notes
end

if kind == 'buyer' then
  if not human then return {'not_human'} end
  if not st.rs then open_round() end
  redis.call('EXPIRE', sk, CFG_STATE_TTL)
  return notes
end

if kind == 'reply' then
  local agent = agent_arg
  local buyer = buyer_arg
  if buyer == '' then buyer = st.b or '' end
  mark_buyer(base, day, week, agent, buyer, 8)
  if human then
    if st.fr ~= '1' then
      local first = now - tonumber(st.hs)
      if first < 0 then first = 0 end
      if CFG_CAP_FIRST and first > CFG_CAP then first = CFG_CAP end
      if st.ha == '1' then
        count(base, st.hd, agent, 'fr_n', 1)
        count(base, st.hd, agent, 'fr_ms', first)
      end
      redis.call('HSET', sk, 'fr', '1')
      redis.call('ZREM', unserved_z, conv)
      count_wait(base, st.hd, tonumber(st.hs), now, offset)
    end
    if st.rs then
      if st.rf ~= '1' then
        finish_round(base, st.rd, st.rw, st.ra, agent, buyer, now - tonumber(st.rs), true, st.rh)
      end
      close_round_fields()
    end
  end
  settle_hold(false)
  if ARGV[10] == '1' then
    redis.call('HSET', sk, 'ho', ARGV[2], 'hg', agent, 'hk', day)
    redis.call('ZADD', hold_z, now + CFG_HOLD, conv)
  end
  if ARGV[9] ~= '' then
    local n = redis.call('HINCRBY', sk, 'x:' .. ARGV[9], 1)
    if n == CFG_REPEAT then
      count(base, day, agent, 'f_rep', 1)
      table.insert(notes, 'repeated')
    end
  end
  if st.b then redis.call('HSET', sk, 'ag', agent) else redis.call('HSET', sk, 'ag', agent, 'b', buyer) end
  if human then redis.call('EXPIRE', sk, CFG_STATE_TTL) else redis.call('EXPIRE', sk, CFG_CLOSED_TTL) end
  expire_touched()
  return notes
end

if kind == 'rating' then
  local field = ARGV[11]
  local agent = agent_arg
  if agent == '' then agent = st.ag or '' end
  if st.rt then  -- a changed vote replaces the earlier one, wherever it was counted
    count(base, st.rk, st.rg, 'rat_n', -1)
    count(base, st.rk, st.rg, st.rt, -1)
  end
  count(base, day, agent, 'rat_n', 1)
  count(base, day, agent, field, 1)
  redis.call('HSET', sk, 'rt', field, 'rk', day, 'rg', agent)
  if human then redis.call('EXPIRE', sk, CFG_STATE_TTL) else redis.call('EXPIRE', sk, CFG_CLOSED_TTL) end
  table.insert(notes, st.rt and 'rating_replaced' or 'rated')
  expire_touched()
  return notes
end

if kind == 'close' then
  if not human then return {'not_human'} end
  local holder = agent_arg
  if holder == '' then holder = st.ag or '' end
  if st.rs then
    if st.rf ~= '1' then
      finish_round(base, st.rd, st.rw, st.ra, holder, st.b, CFG_CAP, false, st.rh)
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
  if st.fr ~= '1' then count_wait(base, st.hd, tonumber(st.hs), now, offset) end
  settle_hold(true)
  redis.call('ZREM', unserved_z, conv)
  redis.call('HSET', sk, 'h', '0')
  redis.call('EXPIRE', sk, CFG_CLOSED_TTL)
  expire_touched()
  return notes
end

return redis.error_reply('unknown SLA event kind ' .. kind)
