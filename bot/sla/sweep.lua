-- Find what is due in one shop: alert pings, missed marks, rounds reaching the cap
-- unanswered, and 稍等 promises not followed up. Each happens once: its flag is set here.
-- KEYS[1] open-rounds zset (P:{shop:S}:sla:open)  KEYS[2] pending-holds zset
-- ARGV: 1 now ms  2 limit per zset
-- Returns {kind, conversation, buyer, agent, since ms} rows; kind is ping | missed |
-- unanswered | hold.

local base = string.sub(KEYS[1], 1, -6)  -- strip ':open'
local now, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local out = {}

for _, conv in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)) do
  local sk = base .. ':c:' .. conv
  local s = redis.call('HMGET', sk, 'b', 'h', 'rs', 'rd', 'rw', 'ra', 'al', 'mi', 'rf', 'ag', 'rh')
  local b, h, rs, rd, rw, ra, al, mi, rf, ag = s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10]
  local rh = s[11]
  if h ~= '1' or not rs then
    redis.call('ZREM', KEYS[1], conv)  -- state expired or round already over
  else
    local start = tonumber(rs)
    local age = now - start
    if al ~= '1' and age >= CFG_ALERT then
      al = '1'
      redis.call('HSET', sk, 'al', '1')
      table.insert(out, {'ping', conv, b or '', ag or '', rs})
    end
    if mi ~= '1' and age >= CFG_MISSED then
      mi = '1'
      redis.call('HSET', sk, 'mi', '1')
      table.insert(out, {'missed', conv, b or '', ag or '', rs})
    end
    if rf ~= '1' and age >= CFG_CAP then
      rf = '1'
      redis.call('HSET', sk, 'rf', '1')
      finish_round(base, rd, rw, ra, ag or '', b, CFG_CAP, false, rh)
      table.insert(out, {'unanswered', conv, b or '', ag or '', rs})
    end
    if al ~= '1' then redis.call('ZADD', KEYS[1], start + CFG_ALERT, conv)
    elseif mi ~= '1' then redis.call('ZADD', KEYS[1], start + CFG_MISSED, conv)
    elseif rf ~= '1' then redis.call('ZADD', KEYS[1], start + CFG_CAP, conv)
    else redis.call('ZREM', KEYS[1], conv) end
  end
end

for _, conv in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit)) do
  local sk = base .. ':c:' .. conv
  local s = redis.call('HMGET', sk, 'ho', 'hg', 'hk', 'b')
  local ho, hg, hk, b = s[1], s[2], s[3], s[4]
  if not ho then
    redis.call('ZREM', KEYS[2], conv)
  elseif now - tonumber(ho) >= CFG_HOLD then
    count(base, hk, hg, 'f_hold', 1)
    redis.call('HDEL', sk, 'ho', 'hg', 'hk')
    redis.call('ZREM', KEYS[2], conv)
    table.insert(out, {'hold', conv, b or '', hg or '', ho})
  else
    redis.call('ZADD', KEYS[2], tonumber(ho) + CFG_HOLD, conv)
  end
end

expire_touched()
return out
