-- bench/soak.lua: the request mix of bench/soak, for wrk. Read bench/soak first.
--
-- No HEAD: wrk's parser then waits for the body Content-Length announces and the
-- connection stalls (tests/data/crafted-requests.tsv covers HEAD).
-- Each wrk thread rotates through MIX; every 20th request names the fault target, the
-- one video whose upstream calls bench/soak's fault thread breaks in turn. A thread
-- stops after SOAK_REQUESTS / SOAK_THREADS answers and leaves a file in SOAK_DONE_DIR,
-- so bench/soak knows when to end the run. done() prints one JSON line (SOAK_RESULT ...)
-- with the counts and the latencies bench/soak reports.

local MIX = {
  {"GET",  "/watch?id=vi5fG2hPr1vAtEpr1vAtE001"},                -- private, MP4
  {"GET",  "/watch?id=vi7PuBL1cPuBL1cPuBL1c001"},                -- public
  {"GET",  "/watch?id=vi3N0Mp4Pr1vAtEN0Mp4x001"},                -- private, HLS only
  {"GET",  "/watch?id=nope"},                                    -- bad id: 400
  {"GET",  "/watch?id=vi9MarkUpT1tLeMarkUpT001"},                -- markup in the title
  {"GET",  "/watch?id=vi000000000000000000000Z"},                -- unknown: 404
  {"GET",  "/watch?id=vi5fG2hPr1vAtEpr1vAtE001&format=json"},    -- the JSON answer
  {"GET",  "/watch?id=lx5fG2hPr1vAtEpr1vAtE001"},                -- wrong prefix: 400
  {"GET",  "/watch?id=li5fG2hPr1vAtEL1vEStr001&player=hlsjs"},   -- private live stream, on air
  {"GET",  "/watch?id=liWa1t1nGPr1vAtEL1vE0001"},                -- live stream off air: the page that waits
  {"GET",  "/watch?id=%ff%00"},                                  -- invalid bytes: 400
  {"GET",  "/watch?id=vi4blUQJFrYWbaG44NChkH27"},                -- says private, no token
  {"POST", "/watch?id=vi5fG2hPr1vAtEpr1vAtE001"},                -- 405
  {"GET",  "/watch?id=viDocsExamp1eAABBCC00000&player=native"},  -- docs example, native player
  {"GET",  "/watch"},                                            -- no id: 400
  {"GET",  "/watch?id=vi5fG2hPr1vAtEpr1vAtE001&player=hlsjs&utm_source=soak"},
  {"GET",  "/watch?id=vi7PuBL1cPuBL1cPuBL1c001&player=embed"},
  {"GET",  "/watch?id=vi5fG2hPr1vAtEpr1vAtE001&id=vi7PuBL1cPuBL1cPuBL1c001"},  -- id twice: 400
  {"GET",  "/watch?id=vi5fG2hPr1vAtEpr1vAtE001&player=videojs"},
  {"GET",  "/watch?id=vi3N0Mp4Pr1vAtEN0Mp4x001&format=json"},
}

local fault_target = os.getenv("SOAK_FAULT_ID")
local quota = math.floor(tonumber(os.getenv("SOAK_REQUESTS")) / tonumber(os.getenv("SOAK_THREADS")))
local done_dir = os.getenv("SOAK_DONE_DIR")

local requests = {}
local counter = 0

-- Per thread, read back by done() through thread:get().
answered = 0
statuses = {}
nginx_5xx = 0  -- 5xx without the handler's headers: nginx could not reach the handler
id = 0

-- setup() and done() run in wrk's main environment, which sees every thread.
threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  for i, m in ipairs(MIX) do requests[i] = wrk.format(m[1], m[2]) end
  fault_request = wrk.format("GET", "/watch?id=" .. fault_target)
end

function request()
  counter = counter + 1
  if counter % 20 == 0 then return fault_request end
  return requests[(counter % #requests) + 1]
end

function response(status, headers, body)
  answered = answered + 1
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 500 and headers["Content-Security-Policy"] == nil then nginx_5xx = nginx_5xx + 1 end
  if answered == quota then
    local f = io.open(done_dir .. "/thread-" .. id, "w")
    f:write(answered)
    f:close()
    wrk.thread:stop()
  end
end

-- Requests slower than limit_us: wrk keeps a histogram, not a list, so find the largest
-- percentile still within the limit (binary search) and count the rest. Exact when none.
local function count_above(latency, total, limit_us)
  if total == 0 or latency.max <= limit_us then return 0 end
  local lo, hi = 0.0, 100.0
  for _ = 1, 40 do
    local mid = (lo + hi) / 2
    if latency:percentile(mid) <= limit_us then lo = mid else hi = mid end
  end
  local within = math.floor(lo / 100 * total + 0.5)
  return math.max(total - within, 1)
end

function done(summary, latency, reqs)
  local all, n5 = {}, 0
  for _, t in ipairs(threads) do
    for s, n in pairs(t:get("statuses")) do all[tostring(s)] = (all[tostring(s)] or 0) + n end
    n5 = n5 + t:get("nginx_5xx")
  end
  local parts = {}
  for s, n in pairs(all) do table.insert(parts, string.format('"%s":%d', s, n)) end
  local e = summary.errors
  io.write(string.format(
    'SOAK_RESULT {"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
    '"statuses":{%s},"nginx_5xx":%d,"latency_us":{"p50":%d,"p99":%d,"p999":%d,"max":%d},"slow":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, table.concat(parts, ","), n5,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max,
    count_above(latency, summary.requests, tonumber(os.getenv("SOAK_HANG_US")))))
end
