-- wrk script of the reliability suite: rotate over REL_PATHS, count statuses per thread and print
-- one "RELSTATS {json}" line at the end. A 503 is "documented" when its body is the error
-- envelope with a code the docs name for it (health_unhealthy, job_queue_unavailable).
local threads = {}
local paths = {}
for p in string.gmatch(os.getenv("REL_PATHS") or "/ping/", "[^,]+") do
  table.insert(paths, p)
end

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok = 0; r429 = 0; r503doc = 0; r5xx = 0; other = 0
  idx = 0
end

function request()
  idx = idx % #paths + 1
  return wrk.format("GET", paths[idx])
end

function response(status, headers, body)
  if status < 400 then
    ok = ok + 1
  elseif status == 429 then
    r429 = r429 + 1
  elseif status == 503 and body and (string.find(body, "health_unhealthy", 1, true)
      or string.find(body, "job_queue_unavailable", 1, true)) then
    r503doc = r503doc + 1
  elseif status >= 500 then
    r5xx = r5xx + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local t = {ok = 0, r429 = 0, r503doc = 0, r5xx = 0, other = 0}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do
      t[k] = t[k] + (thread:get(k) or 0)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'RELSTATS {"requests": %d, "ok": %d, "r429": %d, "r503doc": %d, "r5xx": %d, "other": %d, ' ..
    '"socket_errors": %d, "timeouts": %d, "p99_ms": %.1f}\n',
    summary.requests, t.ok, t.r429, t.r503doc, t.r5xx, t.other,
    e.connect + e.read + e.write, e.timeout, latency:percentile(99) / 1000))
end
