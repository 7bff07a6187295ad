#!/usr/bin/env bash
# `make bench-api`: wrk on loopback, on a release build with 1,000 firms and 4,000 alerts, against
#   - GET /health/live (touches no database: the same-run baseline),
#   - GET /v1/alerts?limit=50 as an analyst (target on a 2-core machine: >= 2,000 req/s with p99 < 50 ms),
#   - POST /v1/reports (`report submit`) as two enterprises, one report line per request, every request a new
#     period and substance with its own Idempotency-Key (a wrk Lua script), so that each one stores a report.
# Prints req/s, p99 and non-2xx counts, the listing/baseline ratio, and the load average before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib-daemon.sh
DURATION=${BENCH_SECONDS:-10}
command -v wrk >/dev/null || { apt-get update -q >&2 && apt-get install -y -q wrk >&2; }
swift build -c release --product precursord >&2
swift build -c release --product precursorctl >&2
BIN=$(swift build -c release --show-bin-path)
start_daemon "$BIN"
"$BIN/precursorctl" admin db seed >/dev/null
PSQL=$(command -v psql || echo "$(pg_config --bindir)/psql")
SOCKET="$PRECURSOR_DATA_DIR/pg"
"$PSQL" -q -h "$SOCKET" -p "$PRECURSOR_PG_PORT" -U postgres -d precursor -v ON_ERROR_STOP=1 <<'SQL'
WITH c AS (SELECT lpad((10000000 + i)::text, 9, '0') AS p FROM generate_series(1, 2000) i),
     d AS (SELECT p, (substr(p,1,1)::int*31 + substr(p,2,1)::int*29 + substr(p,3,1)::int*23 + substr(p,4,1)::int*19
                   + substr(p,5,1)::int*17 + substr(p,6,1)::int*13 + substr(p,7,1)::int*7 + substr(p,8,1)::int*5
                   + substr(p,9,1)::int*3) % 11 AS r FROM c)
INSERT INTO firm (tax_code, name, sector, province)
SELECT p || CASE WHEN r = 10 THEN 0 ELSE 10 - r END, 'Công ty ' || p, 'chemical_distributor', 'Hà Nội'
  FROM d WHERE r <> 0 AND substr(p, 3, 7) <> '0000000' LIMIT 1000;
INSERT INTO alert (firm_id, substance_id, rule_family, rule, severity, score, payload, evidence_key, last_raised_at)
SELECT f.id, s.id, fam, 'licence_overdrawn', 'high', (f.id % 50) + 1,
       jsonb_build_object('rule', 'licence_overdrawn', 'period', '2026-10', 'observed', 1200, 'expected', 1000,
                          'reason_en', 'declared 1,200 kg against 1,000 kg granted',
                          'reason_vi', 'Nhập khẩu 1.200 kg vượt 1.000 kg được cấp phép'),
       'bench-' || f.id || '-' || s.id || '-' || fam, now() - (f.id || ' minutes')::interval
  FROM firm f, (SELECT id FROM substance ORDER BY id LIMIT 2) s, unnest(ARRAY['licence', 'volume']) fam;
ANALYZE;
SQL
issue() { "$BIN/precursorctl" admin token issue "$@" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])'; }
sql() { "$PSQL" -qtA -h "$SOCKET" -p "$PRECURSOR_PG_PORT" -U postgres -d precursor -c "$1"; }
TOKEN=$(issue --role analyst --name bench)
ENTERPRISE_A=$(issue --role enterprise --firm "$(sql 'SELECT tax_code FROM firm ORDER BY id LIMIT 1')" --name bench-a)
ENTERPRISE_B=$(issue --role enterprise --firm "$(sql 'SELECT tax_code FROM firm ORDER BY id OFFSET 1 LIMIT 1')" --name bench-b)
SUBSTANCES=$(sql "SELECT string_agg('\"' || code || '\"', ',' ORDER BY code) FROM substance")
SUBMIT_LUA="$DAEMON_WORK/submit.lua"
cat > "$SUBMIT_LUA" <<LUA
-- Thread i submits as enterprise i; its request n reports a (period, substance) it has not reported before.
local tokens = {"$ENTERPRISE_A", "$ENTERPRISE_B"}
local substances = {$SUBSTANCES}
local header = "period,facility_code,substance,opening_kg,imported_kg,purchased_kg,produced_kg,used_kg,sold_kg,exported_kg,lost_kg,closing_kg,note\n"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
local counter = 0
function request()
  counter = counter + 1
  local k = math.floor(counter / #substances)
  local period = string.format("%04d-%02d", 1900 + math.floor(k / 12), k % 12 + 1)
  local line = period .. ",," .. substances[counter % #substances + 1] .. ",10,5,0,0,3,0,0,0,12,bench\n"
  return wrk.format("POST", "/v1/reports", {
    ["Authorization"] = "Bearer " .. tokens[id], ["Content-Type"] = "text/csv",
    ["Idempotency-Key"] = "bench-" .. id .. "-" .. counter }, header .. line)
end
LUA

load_average() { cut -d' ' -f1-3 /proc/loadavg; }
run() {  # run NAME CONNECTIONS PATH [wrk options…] → prints "NAME req/s p99 non-2xx"
  local name=$1 connections=$2 path=$3 out rps p99 bad
  shift 3
  out=$(wrk -t2 -c"$connections" -d"${DURATION}s" --latency "$@" "$DAEMON_URL$path")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  bad=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  echo "$name $rps $p99 ${bad:-0}"
}
to_ms() { python3 -c "v='$1'; print(float(v[:-2]) if v.endswith('ms') else float(v[:-2])/1000 if v.endswith('us') else float(v[:-1])*1000)"; }

LOAD_BEFORE=$(load_average)
# Warm-up (pool connections, prepared statements, token cache), not reported.
wrk -t2 -c32 -d2s -H "Authorization: Bearer $TOKEN" "$DAEMON_URL/v1/alerts?limit=50" >/dev/null
read -r _ base_rps base_p99 base_bad < <(run baseline 32 /health/live)
read -r _ list_rps list_p99 list_bad < <(run listing 32 "/v1/alerts?limit=50" -H "Authorization: Bearer $TOKEN")
SUBMIT_CONNECTIONS=${SUBMIT_CONNECTIONS:-8}
read -r _ sub_rps sub_p99 sub_bad < <(run submit "$SUBMIT_CONNECTIONS" /v1/reports -s "$SUBMIT_LUA")
STORED=$(sql "SELECT count(*) FROM self_report")
LOAD_AFTER=$(load_average)

printf '\n%-46s %10s %10s %8s\n' "endpoint (wrk -t2, ${DURATION}s)" "req/s" "p99" "non-2xx"
printf '%-46s %10s %10s %8s\n' "GET /health/live (baseline, -c32)" "$base_rps" "$base_p99" "$base_bad"
printf '%-46s %10s %10s %8s\n' "GET /v1/alerts?limit=50 (-c32)" "$list_rps" "$list_p99" "$list_bad"
printf '%-46s %10s %10s %8s\n' "POST /v1/reports, report submit (-c$SUBMIT_CONNECTIONS)" "$sub_rps" "$sub_p99" "$sub_bad"
echo "reports stored by the submit run: $STORED"
echo "load average (1, 5, 15 min) on $(nproc) cores: before $LOAD_BEFORE, after $LOAD_AFTER"
python3 - "$base_rps" "$list_rps" "$(to_ms "$list_p99")" "$list_bad" "$sub_bad" <<'PY'
import sys
base, listing, p99 = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
listing_bad, submit_bad = int(sys.argv[4]), int(sys.argv[5])
print(f"listing/baseline ratio: {listing / base:.2f}")
ok = listing >= 2000 and p99 < 50 and listing_bad == 0
print(f"listing target (>= 2000 req/s, p99 < 50 ms, no errors): {'met' if ok else 'NOT met'}")
if submit_bad:
    print(f"report submit: {submit_bad} requests did not answer 2xx (see the daemon log)")
PY
