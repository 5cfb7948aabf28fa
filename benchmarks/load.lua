-- wrk script for benchmarks/load.py: each wrk thread drives ONE connection (wrk -t N -c N),
-- so requests and responses of a thread alternate strictly and every response is matched to
-- the answer it acknowledges. Each thread saves one Likert answer per request for its own
-- candidate (token), cycling through the items with changing values.
--
-- Environment: LOAD_TOKENS (file, one token per line), LOAD_ITEMS (comma-separated item ids),
-- LOAD_PATH (e.g. /api/v1/sessions/%s/answers), LOAD_OUT (file for the JSON result),
-- LOAD_MIN, LOAD_MAX (the Likert range).

local threads = {}
local next_id = 0

function setup(thread)
   next_id = next_id + 1
   thread:set("id", next_id)
   table.insert(threads, thread)
end

local function split(text, sep)
   local out = {}
   for part in string.gmatch(text, "([^" .. sep .. "]+)") do
      table.insert(out, part)
   end
   return out
end

function init(args)
   local tokens = {}
   for line in io.lines(os.getenv("LOAD_TOKENS")) do
      if #line > 0 then table.insert(tokens, line) end
   end
   items = split(os.getenv("LOAD_ITEMS"), ",")
   token = tokens[id]
   path = string.format(os.getenv("LOAD_PATH"), token)
   low = tonumber(os.getenv("LOAD_MIN"))
   span = tonumber(os.getenv("LOAD_MAX")) - low + 1
   n = 0
   pending_item = nil
   pending_value = nil
   statuses = {}
   acked = {}     -- item -> acknowledged saves
   last = {}      -- item -> last acknowledged value, or -1 when the last save was not acknowledged
   sent = 0
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   if pending_item ~= nil then
      last[pending_item] = -1  -- no response came (a socket error): its outcome is unknown
   end
   n = n + 1
   local item = items[(n - 1) % #items + 1]
   local value = low + ((n + id) % span)
   pending_item, pending_value = item, value
   sent = sent + 1
   local body = string.format('{"answers":{"%s":%d}}', item, value)
   return wrk.format("PUT", path, nil, body)
end

function response(status, headers, body)
   local key = tostring(status)
   statuses[key] = (statuses[key] or 0) + 1
   if pending_item ~= nil then
      if status == 200 then
         acked[pending_item] = (acked[pending_item] or 0) + 1
         last[pending_item] = pending_value
      else
         last[pending_item] = -1
      end
   end
   pending_item, pending_value = nil, nil
end

local function encode(value)
   if type(value) == "table" then
      local parts = {}
      for k, v in pairs(value) do
         table.insert(parts, string.format("%q:%s", tostring(k), encode(v)))
      end
      return "{" .. table.concat(parts, ",") .. "}"
   elseif type(value) == "string" then
      return string.format("%q", value)
   elseif value == nil then
      return "null"
   end
   return tostring(value)
end

function done(summary, latency, requests)
   local per_thread = {}
   for _, thread in ipairs(threads) do
      local pending = thread:get("pending_item")
      local last_values = thread:get("last") or {}
      if pending ~= nil then last_values[pending] = -1 end  -- still in flight at the end
      table.insert(per_thread, encode({
         token = thread:get("token"),
         statuses = thread:get("statuses") or {},
         acked = thread:get("acked") or {},
         last = last_values,
         sent = thread:get("sent") or 0,
      }))
   end
   local result = string.format(
      '{"duration_us":%d,"requests":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"p50":%d,"p95":%d,"p99":%d,"max":%d,"mean":%f},"threads":[%s]}',
      summary.duration, summary.requests, summary.bytes,
      summary.errors.connect, summary.errors.read, summary.errors.write,
      summary.errors.status, summary.errors.timeout,
      latency:percentile(50), latency:percentile(95), latency:percentile(99),
      latency.max, latency.mean, table.concat(per_thread, ","))
   local file = io.open(os.getenv("LOAD_OUT"), "w")
   file:write(result)
   file:close()
end
