-- wrk script for bench/: every request a different body (a different person), answers counted by status.
-- wrk -s bench/wrk_requests.lua URL -- BODIES_FILE THREADS METHOD PATH EXPECTED_STATUS "Header: value"...
-- BODIES_FILE is "-" for a request without a body; otherwise one body per line, split between wrk's
-- threads by line number, so no two threads send the same person. A thread that runs out of bodies
-- starts again from its first (those answers are then counted as "bad": already checked in).
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  method, path, expected = args[3], args[4], tonumber(args[5])
  for i = 6, #args do
    local k, v = args[i]:match("^([^:]+):%s*(.*)$")
    wrk.headers[k] = v
  end
  bodies = {}
  if file ~= "-" then
    local n = 0
    for line in io.lines(file) do
      if n % nthreads == id - 1 then
        table.insert(bodies, line)
      end
      n = n + 1
    end
  end
  index, good, bad, wrapped = 0, 0, 0, 0
end

function request()
  if #bodies == 0 then
    return wrk.format(method, path)
  end
  index = index + 1
  if index > #bodies then
    index, wrapped = 1, wrapped + 1
  end
  return wrk.format(method, path, nil, bodies[index])
end

function response(status, headers, body)
  if status == expected then
    good = good + 1
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local g, b, w = 0, 0, 0
  for _, thread in ipairs(threads) do
    g, b, w = g + thread:get("good"), b + thread:get("bad"), w + thread:get("wrapped")
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON{"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,' ..
    '"status_errors":%d,"timeouts":%d,"good":%d,"bad":%d,"wrapped":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, g, b, w,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
