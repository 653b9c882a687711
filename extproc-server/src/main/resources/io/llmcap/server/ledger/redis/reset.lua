-- KEYS[1] caps index zset.
-- ARGV[1] now ms, ARGV[2] cap name, ARGV[3] '1' to reset one subject only, ARGV[4] that subject.
-- Sets spent to 0 on the live instances of the cap whose window has started (reserved is kept:
-- those calls still run and settle normally) and deletes their alert claims.
-- Returns how many instances were reset.
local keys = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')
local now = tonumber(ARGV[1])
local reset = 0
for _, key in ipairs(keys) do
  local v = redis.call('HMGET', key, 'n', 's', 'wsms')
  if v[1] == ARGV[2] and (ARGV[3] ~= '1' or v[2] == ARGV[4]) and (v[3] == false or tonumber(v[3]) <= now) then
    redis.call('HSET', key, 'spent', '0')
    for _, field in ipairs(redis.call('HKEYS', key)) do
      if string.sub(field, 1, 6) == 'alert:' then
        redis.call('HDEL', key, field)
      end
    end
    reset = reset + 1
  end
end
return reset
