-- Append a message to a conversation's log (capped), index its Telegram id, and optionally
-- enqueue its relay in the same step, so a stored message always has its relay.
-- KEYS[1] seq   ARGV: 1 conversation id  2 message JSON without id ('{...}')
--                     3 Telegram index field '<role>:<telegram id>' ('' = none)
--                     4 relay direction ('' = no relay)  5 relay payload JSON  6 now ms
--                     (ARGV[3] may also be a dedup key such as 'agent:q:<id>')
-- Returns {'ok', message id, relay id ('' = none)}, {'seen', message id} when ARGV[3] was
-- indexed before (a redelivered update: nothing is logged or relayed again; the check and
-- the write are this one step), or {'not_found'}.

local id = ARGV[1]
local ck = ckey(id)
local status = redis.call('HGET', ck, 'status')
if not status then return {'not_found'} end
if ARGV[3] ~= '' then
  local seen = redis.call('HGET', ck .. ':tg', ARGV[3])
  if seen then return {'seen', seen} end
end
local mid = redis.call('HINCRBY', SEQ, 'msg', 1)
local entry = '{"id":' .. mid .. ',' .. string.sub(ARGV[2], 2)
redis.call('RPUSH', ck .. ':log', entry)
redis.call('LTRIM', ck .. ':log', -CFG_LOG_CAP, -1)
if ARGV[3] ~= '' then redis.call('HSET', ck .. ':tg', ARGV[3], mid) end
local rid = ''
if ARGV[4] ~= '' then rid = add_relay(id, ARGV[4], mid, ARGV[5], ARGV[6]) end
if status == 'closed' then retain(id) end
return {'ok', mid, rid}
