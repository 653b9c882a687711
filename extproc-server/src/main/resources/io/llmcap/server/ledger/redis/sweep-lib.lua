-- Shared head of every LLMCap ledger script (prepended when the scripts are loaded).
--
-- Key layout, all under one hash tag so that Redis Cluster accepts every script:
--   <p>c:<cap key>  hash  spent, reserved (integers, updated only with HINCRBY: exact int64),
--                         n, s, w, ws, we, l, a (the cap instance as last reserved: latest wins)
--   <p>h:<call id>  hash  amt (reserved nano-USD), n (cap count), c1..cn (cap hash keys)
--   <p>e:<call id>  string  the call ended; expires after the hold TTL (duplicate-id guard)
--   <p>holds        zset  open call ids scored by deadline (epoch ms)
--   <p>caps         zset  cap hash keys scored by window end (epoch ms, +inf for total windows)
--
-- Money never passes through a Lua number on its way into Redis: amounts arrive as decimal
-- strings and go to HINCRBY as strings. Lua numbers (doubles) are used only to compare, which is
-- exact while limits stay below 2^53 nano-USD (checked by the Java side).

-- Ends every hold whose deadline is at or before now_ms (at most `limit` of them): each is
-- charged its full amount on every cap hash that still exists and released. The hold hash and
-- its zset entry go in the same atomic script, so no hold can be charged twice.
local function sweep(p, holds_key, now_ms, limit, ended_ttl_ms)
  local ids = redis.call('ZRANGEBYSCORE', holds_key, '-inf', now_ms, 'LIMIT', 0, limit)
  for _, id in ipairs(ids) do
    local hold_key = p .. 'h:' .. id
    local amt = redis.call('HGET', hold_key, 'amt')
    if amt then
      local n = tonumber(redis.call('HGET', hold_key, 'n'))
      if amt ~= '0' then
        for i = 1, n do
          local cap_key = redis.call('HGET', hold_key, 'c' .. i)
          if redis.call('EXISTS', cap_key) == 1 then
            redis.call('HINCRBY', cap_key, 'reserved', '-' .. amt)
            redis.call('HINCRBY', cap_key, 'spent', amt)
          end
        end
      end
      redis.call('DEL', hold_key)
      redis.call('SET', p .. 'e:' .. id, '1', 'PX', ended_ttl_ms)
    end
    redis.call('ZREM', holds_key, id)
  end
  return #ids
end

local function counter(cap_key)
  local v = redis.call('HMGET', cap_key, 'spent', 'reserved')
  return v[1] or '0', v[2] or '0'
end
