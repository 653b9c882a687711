-- KEYS[1] caps index zset, KEYS[2] hold hash of the call, KEYS[3] ended marker of the call,
-- KEYS[4..] cap hashes (distinct).
-- ARGV[1] ended TTL ms, ARGV[2] amount (decimal string), then per cap 9 values:
--   limit, action, name, subject, window, window start, window end, index score (ms or +inf),
--   key TTL ms (0: never expires), window start ms.
-- Adds spend metered without a reservation (the store was down, onFailure open). Idempotent per
-- call id through the ended marker. Returns 1 when charged, 0 when the call was already known
-- (it holds a reservation, or it already ended).
if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[3]) == 1 then
  return 0
end
local per_cap = 10
for i = 4, #KEYS do
  local base = 2 + (i - 4) * per_cap
  local key = KEYS[i]
  redis.call('HSETNX', key, 'spent', '0')
  redis.call('HSETNX', key, 'reserved', '0')
  redis.call('HINCRBY', key, 'spent', ARGV[2])
  redis.call('HSET', key, 'l', ARGV[base + 1], 'a', ARGV[base + 2], 'n', ARGV[base + 3],
      's', ARGV[base + 4], 'w', ARGV[base + 5], 'ws', ARGV[base + 6], 'we', ARGV[base + 7],
      'wsms', ARGV[base + 10])
  if ARGV[base + 9] ~= '0' then
    redis.call('PEXPIRE', key, ARGV[base + 9])
  end
  redis.call('ZADD', KEYS[1], ARGV[base + 8], key)
end
redis.call('SET', KEYS[3], '1', 'PX', ARGV[1])
return 1
