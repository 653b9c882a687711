-- KEYS[1] holds zset, KEYS[2] hold hash, KEYS[3] ended marker.
-- ARGV[1] key prefix, ARGV[2] now ms, ARGV[3] ended TTL ms, ARGV[4] sweep limit,
-- ARGV[5] actual cost (decimal string), ARGV[6] call id.
-- Returns 1 when the hold was settled, 0 when there was none (settled, expired or unknown).
local p = ARGV[1]
sweep(p, KEYS[1], ARGV[2], tonumber(ARGV[4]), ARGV[3])
local amt = redis.call('HGET', KEYS[2], 'amt')
if not amt then
  return 0
end
local n = tonumber(redis.call('HGET', KEYS[2], 'n'))
local actual = ARGV[5]
for i = 1, n do
  local cap_key = redis.call('HGET', KEYS[2], 'c' .. i)
  if redis.call('EXISTS', cap_key) == 1 then
    if amt ~= '0' then
      redis.call('HINCRBY', cap_key, 'reserved', '-' .. amt)
    end
    if actual ~= '0' then
      redis.call('HINCRBY', cap_key, 'spent', actual)
    end
  end
end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[6])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[3])
return 1
