-- wrk script for bench/ledger_http.sh: every request is one transfer of 1 minor unit between two of
-- BENCH_ACCOUNTS accounts (ids 1..N), with its own transfer id and Idempotency-Key.
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local counter = 0
local accounts = tonumber(os.getenv("BENCH_ACCOUNTS") or "10000")
local token = os.getenv("BENCH_TOKEN")
local failures = 0

function init(args)
  math.randomseed(1000 + tid)
end

function request()
  counter = counter + 1
  local id = 1000000000000 + tid * 1000000000 + counter
  local debit = math.random(1, accounts)
  local credit = math.random(1, accounts - 1)
  if credit >= debit then credit = credit + 1 end
  local body = string.format(
    '{"transfers":[{"id":"%d","debit_account_id":"%d","credit_account_id":"%d","amount":1,"ledger":818,"code":1}]}',
    id, debit, credit)
  return wrk.format("POST", "/api/v1/ledger/transfers",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token, ["Idempotency-Key"] = "k" .. id},
    body)
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"result":"ok"', 1, true) then failures = failures + 1 end
end

function done(summary, latency, requests)
  print(string.format("completed %d requests", summary.requests))
end
