-- wrk script for bench_registry.py: each request picks a random path from the file named by
-- JCSTAR_BENCH_PATHS (one path per line: label lookups, search queries, or the minimal endpoint),
-- and done() prints one JSON line the bench reads (requests/s, latency percentiles in µs, errors).

local paths = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(os.time() * 1000 + (seed or 0))
  local file = assert(io.open(os.getenv("JCSTAR_BENCH_PATHS"), "r"))
  for line in file:lines() do
    if #line > 0 then paths[#paths + 1] = line end
  end
  file:close()
  assert(#paths > 0, "JCSTAR_BENCH_PATHS names an empty file")
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
