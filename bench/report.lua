-- wrk script: send the session cookie and the browser name it was signed in with, and print
-- one machine-readable summary line.
local cookie = os.getenv("BENCH_COOKIE")
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
local user_agent = os.getenv("BENCH_USER_AGENT")
if user_agent and user_agent ~= "" then
  wrk.headers["User-Agent"] = user_agent
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1000000
  local non2xx = summary.errors.status
  local failed = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    "BENCH requests=%d seconds=%.3f p50_us=%d p95_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, seconds, latency:percentile(50), latency:percentile(95), non2xx, failed))
end
