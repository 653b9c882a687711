-- KEYS[1] holds zset. ARGV[1] key prefix, ARGV[2] now ms, ARGV[3] ended TTL ms, ARGV[4] limit.
-- Returns how many expired holds were charged and released.
return sweep(ARGV[1], KEYS[1], ARGV[2], tonumber(ARGV[4]), ARGV[3])
