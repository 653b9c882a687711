-- KEYS[1] holds zset, KEYS[2] caps index zset.
-- ARGV[1] key prefix, ARGV[2] now ms, ARGV[3] ended TTL ms, ARGV[4] sweep limit,
-- ARGV[5] offset, ARGV[6] page size.
-- Sweeps (first page only), drops index entries of ended windows, then returns one page of live
-- cap instances as flat groups of 9: name, subject, window, window start, window end, limit,
-- action, spent, reserved. Instances whose hash already expired are skipped.
if ARGV[5] == '0' then
  sweep(ARGV[1], KEYS[1], ARGV[2], tonumber(ARGV[4]), ARGV[3])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
end
local keys = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[2], '+inf', 'LIMIT', ARGV[5], ARGV[6])
local out = {#keys}
for _, key in ipairs(keys) do
  local v = redis.call('HMGET', key, 'n', 's', 'w', 'ws', 'we', 'l', 'a', 'spent', 'reserved')
  if v[1] then
    for j = 1, 9 do
      out[#out + 1] = v[j] or '0'
    end
  end
end
return out
