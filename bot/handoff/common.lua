-- Shared helpers of the handoff scripts; a settings header (CFG_*) and this file are
-- prepended to every script at load time. KEYS[1] is always P:{hd}:seq (the id counters);
-- every other key is built from its base with the suffixes of bot/handoff/keys.py, all
-- under the one hash tag {hd}, so each script touches a single Cluster slot.

local SEQ = KEYS[1]
local BASE = string.sub(SEQ, 1, -5)  -- strip ':seq'
local QSHOPS = BASE .. ':qshops'
local WAITING = BASE .. ':waiting'
local PRESENCE = BASE .. ':presence'
local RR = BASE .. ':rr'
local RDUE = BASE .. ':rdue'

local function ckey(id) return BASE .. ':c:' .. id end
local function qkey(shop) return BASE .. ':q:' .. shop end
local function heldkey(agent) return BASE .. ':held:' .. agent end
local function bkey(buyer) return BASE .. ':b:' .. buyer end
local function tkey(topic) return BASE .. ':t:' .. topic end
local function rkey(rid) return BASE .. ':r:' .. rid end

-- Integers as decimal strings: Lua numbers are doubles and tostring keeps only 14 digits.
local function int(x) return string.format('%.0f', tonumber(x)) end

-- policy.queue_score: priority first, then waiting time (both exact below 2^53).
local function score(prio, queued) return int(tonumber(prio) * CFG_PRIORITY_STEP + tonumber(queued)) end

local function enqueue(id, shop, prio, queued)
  redis.call('ZADD', qkey(shop), score(prio, queued), id)
  redis.call('ZADD', WAITING, queued, id)
  redis.call('SADD', QSHOPS, shop)
end

local function dequeue(id, shop)
  redis.call('ZREM', qkey(shop), id)
  redis.call('ZREM', WAITING, id)
  if redis.call('ZCARD', qkey(shop)) == 0 then redis.call('SREM', QSHOPS, shop) end
end

-- A closed conversation's keys expire together; called again after each late write.
local function retain(id)
  local ck = ckey(id)
  for _, k in ipairs({ck, ck .. ':log', ck .. ':tg', ck .. ':relays', ck .. ':copies'}) do
    redis.call('EXPIRE', k, CFG_CLOSED_TTL)
  end
end

-- One relay per (conversation, direction, message): enqueueing again returns the first.
-- `field` overrides that index field (a note's dedup key); '' indexes nothing (no dedup).
local function add_relay(cid, dir, mid, payload, now, field)
  local index = ckey(cid) .. ':relays'
  field = field or (dir .. ':' .. mid)
  if field ~= '' then
    local existing = redis.call('HGET', index, field)
    if existing then return existing end
  end
  local rid = redis.call('HINCRBY', SEQ, 'relay', 1)
  redis.call('HSET', rkey(rid), 'id', rid, 'conversation_id', cid, 'direction', dir,
    'message_id', mid, 'payload', payload, 'created_at', now, 'attempts', 0)
  redis.call('ZADD', RDUE, now, rid)
  if field ~= '' then redis.call('HSET', index, field, rid) end
  return rid
end
