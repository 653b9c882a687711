-- KEYS[1] holds zset, KEYS[2] caps index zset, KEYS[3] hold hash, KEYS[4] ended marker,
-- KEYS[5..] cap hashes (distinct).
-- ARGV[1] key prefix, ARGV[2] now ms, ARGV[3] ended TTL ms, ARGV[4] sweep limit,
-- ARGV[5] amount (decimal string), ARGV[6] hold deadline ms, then per cap 10 values:
--   limit, action (ENFORCE|SHADOW), name, subject, window, window start, window end,
--   index score (ms or +inf), key TTL ms (0: never expires), window start ms.
-- Returns {code, blocking index or 0, then per cap: spent, reserved, shadow lacked room (0|1)}.
-- code: 'G' granted, 'D' denied (nothing changed), 'DUP' the call id is already known.
local p = ARGV[1]
sweep(p, KEYS[1], ARGV[2], tonumber(ARGV[4]), ARGV[3])
if redis.call('EXISTS', KEYS[3]) == 1 or redis.call('EXISTS', KEYS[4]) == 1 then
  return {'DUP', 0}
end
local amount_str = ARGV[5]
local amount = tonumber(amount_str)
local ncaps = #KEYS - 4
local rooms = {}
local out = {'G', 0}
local per_cap = 10
local blocking, blocking_room = 0, nil
for i = 1, ncaps do
  local base = 6 + (i - 1) * per_cap
  local spent, reserved = counter(KEYS[4 + i])
  local room = tonumber(ARGV[base + 1]) - tonumber(spent) - tonumber(reserved)
  rooms[i] = room
  if ARGV[base + 2] == 'ENFORCE' and amount > room and (blocking_room == nil or room < blocking_room) then
    blocking, blocking_room = i, room
  end
  out[#out + 1] = spent
  out[#out + 1] = reserved
  out[#out + 1] = 0
end
if blocking > 0 then
  out[1] = 'D'
  out[2] = blocking
  return out
end
redis.call('HSET', KEYS[3], 'amt', amount_str, 'n', ncaps)
for i = 1, ncaps do
  local base = 6 + (i - 1) * per_cap
  local key = KEYS[4 + i]
  redis.call('HSETNX', key, 'spent', '0')
  redis.call('HINCRBY', key, 'reserved', amount_str)
  redis.call('HSET', key, 'l', ARGV[base + 1], 'a', ARGV[base + 2], 'n', ARGV[base + 3],
      's', ARGV[base + 4], 'w', ARGV[base + 5], 'ws', ARGV[base + 6], 'we', ARGV[base + 7],
      'wsms', ARGV[base + 10])
  if ARGV[base + 9] ~= '0' then
    redis.call('PEXPIRE', key, ARGV[base + 9])
  end
  redis.call('ZADD', KEYS[2], ARGV[base + 8], key)
  redis.call('HSET', KEYS[3], 'c' .. i, key)
  local spent, reserved = counter(key)
  local o = 2 + (i - 1) * 3
  out[o + 1] = spent
  out[o + 2] = reserved
  if ARGV[base + 2] ~= 'ENFORCE' and amount > rooms[i] then
    out[o + 3] = 1
  end
end
redis.call('ZADD', KEYS[1], ARGV[6], string.sub(KEYS[3], #p + 3))
return out
