-- How many askers a room's open gatherings hold (not yet taken for posting), across all
-- processes. KEYS[1] the room's due set (other keys derived from it).
local base = string.sub(KEYS[1], 1, -5)
local n = 0
for _, gid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local f = redis.call('HMGET', base .. ':g:' .. gid, 'count', 'taken')
  if f[1] and not f[2] then
    n = n + tonumber(f[1])
  end
end
return n
