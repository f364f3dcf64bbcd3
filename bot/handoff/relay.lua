-- The relay outbox: enqueue, claim with a lease, settle, and release claims.
-- KEYS[1] seq   ARGV[1] operation, then:
--   enqueue  2 conversation id  3 direction  4 message id  5 payload JSON  6 now ms
--            -> relay id (the existing one when this message was enqueued before), or
--               'not_found' when the conversation is unknown
--   note     2 conversation id  3 payload JSON  4 now ms  5 dedup key ('' = none)
--            -> relay id of a note to the conversation's topic (message id 0: nothing was
--               logged); the same dedup key again returns the first note's relay id
--   claim    2 now ms  3 lease ms  4 limit
--            -> HGETALLs of due relays, now invisible until now + lease
--   settle   2 relay id  3 'delivered'|'dropped'|'set_aside'  4 copy Telegram id | reason
--            5 now ms -> 'ok' the first time, 'already' after, 'not_found' for unknown ids;
--            a relay set aside is also appended to the set-aside list (P:{hd}:aside)
--   release  2 now ms  3 lease end ms ('' = none): release claims ending before it
--            4.. relay ids to keep -> how many claimed relays became due again (later
--            claims and listed relays stay claimed: the caller's own, still being delivered)
--   retry    2 relay id  3 now ms -> 'ok' when the unsettled relay is due again at once

local op = ARGV[1]

if op == 'enqueue' then
  local cid = ARGV[2]
  local status = redis.call('HGET', ckey(cid), 'status')
  if not status then return 'not_found' end
  local rid = add_relay(cid, ARGV[3], ARGV[4], ARGV[5], ARGV[6])
  if status == 'closed' then retain(cid) end
  return tostring(rid)
end

if op == 'note' then
  local cid = ARGV[2]
  local status = redis.call('HGET', ckey(cid), 'status')
  if not status then return 'not_found' end
  local field = ''
  if ARGV[5] ~= '' then field = 'note:' .. ARGV[5] end
  local rid = add_relay(cid, 'to_agents', 0, ARGV[3], ARGV[4], field)
  if status == 'closed' then retain(cid) end
  return tostring(rid)
end

if op == 'claim' then
  local now, lease, limit = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
  local due = redis.call('ZRANGEBYSCORE', RDUE, '-inf', int(now), 'LIMIT', 0, limit)
  local out = {}
  for _, rid in ipairs(due) do
    local rk = rkey(rid)
    if redis.call('EXISTS', rk) == 1 and not redis.call('HGET', rk, 'settled_at') then
      redis.call('ZADD', RDUE, int(now + lease), rid)
      redis.call('HINCRBY', rk, 'attempts', 1)
      table.insert(out, redis.call('HGETALL', rk))
    else
      redis.call('ZREM', RDUE, rid)
    end
  end
  return out
end

if op == 'settle' then
  local rid, how, value, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
  local rk = rkey(rid)
  local r = redis.call('HMGET', rk, 'conversation_id', 'message_id', 'settled_at')
  if not r[1] then return 'not_found' end
  if r[3] then return 'already' end
  redis.call('ZREM', RDUE, rid)
  redis.call('HSET', rk, 'settled_at', now, how, value)
  if how == 'delivered' then
    local ck = ckey(r[1])
    if r[2] ~= '0' then redis.call('HSET', ck .. ':copies', r[2], value) end  -- a note copies nothing
    if redis.call('HGET', ck, 'status') == 'closed' then retain(r[1]) end
  end
  if how == 'set_aside' then
    redis.call('RPUSH', BASE .. ':aside', rid)
    redis.call('PERSIST', rk)  -- kept until someone deals with it
    return 'ok'
  end
  redis.call('EXPIRE', rk, CFG_DELIVERED_TTL)
  return 'ok'
end

if op == 'retry' then
  local rid, now = ARGV[2], ARGV[3]
  local rk = rkey(rid)
  if redis.call('EXISTS', rk) == 0 or redis.call('HGET', rk, 'settled_at') then return 'not_found' end
  redis.call('ZADD', RDUE, int(now), rid)
  return 'ok'
end

if op == 'release' then
  local now = tonumber(ARGV[2])
  local upto = '+inf'
  if ARGV[3] ~= '' then upto = '(' .. int(tonumber(ARGV[3])) end
  local keep = {}
  for i = 4, #ARGV do keep[ARGV[i]] = true end
  local released = 0
  for _, rid in ipairs(redis.call('ZRANGEBYSCORE', RDUE, '(' .. int(now), upto)) do
    if not keep[rid] then
      redis.call('ZADD', RDUE, int(now), rid)
      released = released + 1
    end
  end
  return released
end

return redis.error_reply('unknown relay operation ' .. tostring(op))
