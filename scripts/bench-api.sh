#!/usr/bin/env bash
# `make bench-api`: wrk on loopback against the alerts listing (and, as the same-run baseline, /health/live which
# touches no database), on a release build with 1,000 firms and 4,000 alerts. Prints req/s, p99 and the ratio.
# Targets on a 2-core machine: listing >= 2,000 req/s with p99 < 50 ms.
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
TOKEN=$("$BIN/precursorctl" admin token issue --role analyst --name bench --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')

run() {  # run NAME PATH → prints "NAME req/s p99_ms"
  local out
  out=$(wrk -t2 -c32 -d"${DURATION}s" --latency -H "Authorization: Bearer $TOKEN" "$DAEMON_URL$2")
  local rps p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  echo "$1 $rps $p99"
}
to_ms() { python3 -c "v='$1'; print(float(v[:-2]) if v.endswith('ms') else float(v[:-2])/1000 if v.endswith('us') else float(v[:-1])*1000)"; }

read -r _ base_rps base_p99 < <(run baseline /health/live)
read -r _ list_rps list_p99 < <(run listing "/v1/alerts?limit=50")
printf '\n%-34s %12s %10s\n' "endpoint (wrk -t2 -c32, ${DURATION}s)" "req/s" "p99"
printf '%-34s %12s %10s\n' "GET /health/live (baseline)" "$base_rps" "$base_p99"
printf '%-34s %12s %10s\n' "GET /v1/alerts?limit=50" "$list_rps" "$list_p99"
python3 - "$base_rps" "$list_rps" "$(to_ms "$list_p99")" <<'PY'
import sys
base, listing, p99 = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(f"listing/baseline ratio: {listing / base:.2f}")
ok = listing >= 2000 and p99 < 50
print(f"target (>= 2000 req/s, p99 < 50 ms): {'met' if ok else 'NOT met'}")
PY
