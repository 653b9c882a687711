-- KEYS[1] the audit stream. ARGV[1] approximate maximum length, ARGV[2] the record (one JSON line).
-- Appends one audit record, trimming the oldest beyond the maximum (MAXLEN ~: cheap, approximate).
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'record', ARGV[2])
