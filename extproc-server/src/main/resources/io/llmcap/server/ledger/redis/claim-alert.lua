-- KEYS[1] the cap instance's hash.
-- ARGV[1] threshold name, ARGV[2] key TTL ms (0: never expires).
-- The claim is a field of the instance's own hash: it expires with the window's counter and a
-- reset deletes it. Returns 1 for the first claim, 0 after.
local claimed = redis.call('HSETNX', KEYS[1], 'alert:' .. ARGV[1], '1')
if claimed == 1 and ARGV[2] ~= '0' and redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return claimed
