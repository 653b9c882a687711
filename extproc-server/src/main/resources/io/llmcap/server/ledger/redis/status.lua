-- KEYS[1] holds zset, KEYS[2..] cap hashes.
-- ARGV[1] key prefix, ARGV[2] now ms, ARGV[3] ended TTL ms, ARGV[4] sweep limit.
-- Returns per cap: spent, reserved (zeroes for caps never touched).
sweep(ARGV[1], KEYS[1], ARGV[2], tonumber(ARGV[4]), ARGV[3])
local out = {}
for i = 2, #KEYS do
  local spent, reserved = counter(KEYS[i])
  out[#out + 1] = spent
  out[#out + 1] = reserved
end
return out
