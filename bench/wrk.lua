-- wrk script for bench/load.py: optional headers, optional form posts, and a JSON summary.
--   WRK_HEADERS  "name: value|name: value"      sent with every request
--   WRK_POSTERS  file of "path<TAB>cookie<TAB>csrf" lines: POST a reply per request,
--                each connection cycling through the posters (one member per line)
-- A posted reply counts as done only when answered 303 (the redirect to the new post).

local headers = {}
for pair in string.gmatch(os.getenv("WRK_HEADERS") or "", "[^|]+") do
  local name, value = pair:match("^%s*([^:]+):%s*(.*)$")
  if name then headers[name] = value end
end

local posters = nil
local posters_file = os.getenv("WRK_POSTERS")
if posters_file and posters_file ~= "" then
  posters = {}
  for line in io.lines(posters_file) do
    local path, cookie, csrf = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)$")
    if path then posters[#posters + 1] = {path, cookie, csrf} end
  end
end

local threads = {}
local thread_number = 0
local thread_count = tonumber(os.getenv("WRK_THREADS") or "1")

function setup(thread)
  thread_number = thread_number + 1
  thread:set("number", thread_number)
  threads[#threads + 1] = thread
end

sent = 0
failed = 0
statuses = {}

function init(args)
  math.randomseed(os.time() + (number or 0) * 7919)
end

function request()
  if not posters then
    return wrk.format(nil, nil, headers)
  end
  sent = sent + 1
  -- Threads interleave through the posters so no two share a member at the same moment.
  local index = ((sent * thread_count + (number or 1)) % #posters) + 1
  local poster = posters[index]
  local body = "csrf_token=" .. poster[3] .. "&body=Benchmark+reply+" .. (number or 0) .. "-" ..
    sent .. "-" .. math.random(1, 1000000000) .. "+with+enough+words+to+pass+the+checks."
  local post_headers = {}
  for name, value in pairs(headers) do post_headers[name] = value end
  post_headers["Cookie"] = poster[2]
  post_headers["Content-Type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", poster[1], post_headers, body)
end

function response(status, hdrs, body)
  statuses[status] = (statuses[status] or 0) + 1
  if posters and status ~= 303 then failed = failed + 1 end
end

function done(summary, latency, requests)
  local failures = 0
  local codes = {}
  for _, thread in ipairs(threads) do
    failures = failures + (thread:get("failed") or 0)
    local seen = thread:get("statuses") or {}
    for code, count in pairs(seen) do codes[tostring(code)] = (codes[tostring(code)] or 0) + count end
  end
  local errors = summary.errors
  local parts = {}
  for code, count in pairs(codes) do parts[#parts + 1] = string.format('"%s": %d', code, count) end
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_ms": %.3f, "p90_ms": %.3f, ' ..
    '"p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "socket_errors": %d, "non_2xx_3xx": %d, ' ..
    '"failed_posts": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000,
    latency.max / 1000,
    errors.connect + errors.read + errors.write + errors.timeout, errors.status,
    failures, table.concat(parts, ", ")))
end
