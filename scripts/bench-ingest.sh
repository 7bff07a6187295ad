#!/usr/bin/env bash
# make bench-ingest: imports a generated 1,000,000-line declarations file into an empty database with the release
# precursorctl, and in the same run times psql \copy of the same file into an unindexed all-text table (the
# transport-and-parse floor). Prints both rates, the ratio importer/floor and the importer's peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${BENCH_LINES:-1000000}
SEED=${BENCH_SEED:-42}
PORT=${BENCH_PG_PORT:-5498}
BIN=${PRECURSORCTL:-.build/release/precursorctl}
[ -x "$BIN" ] || swift build -c release --product precursorctl
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }

WORK=$(mktemp -d /tmp/bench-ingest.XXXXXX)
chmod 755 "$WORK"
PGBIN=${PRECURSOR_PG_BINDIR:-$(pg_config --bindir 2>/dev/null || dirname "$(command -v initdb)")}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() { [ -n "${BENCH_LOG_MS:-}" ] && grep -o "duration: .*" "$WORK/pg/server.log" | cut -c1-200; as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

echo "generating $LINES declaration lines (seed $SEED)…"
python3 scripts/bench_ingest_gen.py "$WORK/data" "$LINES" "$SEED"
chmod -R a+rX "$WORK/data"

mkdir -p "$WORK/pg" "$WORK/sock"
[ "$(id -u)" = 0 ] && chown postgres: "$WORK/pg" "$WORK/sock"
as_pg "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w \
    -o "-k $WORK/sock -p $PORT -c listen_addresses='' -c max_wal_size=4GB -c shared_buffers=256MB -c log_min_duration_statement=${BENCH_LOG_MS:--1}" start >/dev/null
export PRECURSOR_LOG_LEVEL=error
export DATABASE_URL="postgres:///bench?host=$WORK/sock&port=$PORT&user=postgres"
psql "postgres:///postgres?host=$WORK/sock&port=$PORT&user=postgres" -qc "CREATE DATABASE bench" >/dev/null
"$BIN" admin db migrate >/dev/null
"$BIN" admin db seed >/dev/null
"$BIN" admin import firms "$WORK/data/firms.csv" >/dev/null
"$BIN" admin import licences "$WORK/data/licences.csv" >/dev/null

echo "importing declarations with precursorctl…"
/usr/bin/time -v -o "$WORK/time.txt" "$BIN" admin import declarations "$WORK/data/declarations.csv" --format json \
    > "$WORK/summary.json" || { cat "$WORK/summary.json"; exit 1; }
IMPORT_S=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['seconds'])" "$WORK/summary.json")
WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/time.txt")
RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
CPU_S=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$WORK/time.txt")
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
LOADED=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['rows_loaded'], 'loaded,', d['rows_rejected'], 'rejected')" "$WORK/summary.json")

COLS=$(head -1 "$WORK/data/declarations.csv" | sed 's/,/ text, /g; s/$/ text/')
psql "$DATABASE_URL" -qc "CREATE TABLE bench_floor ($COLS)" >/dev/null
echo "timing psql \\copy into an unindexed all-text table…"
START=$(date +%s.%N)
psql "$DATABASE_URL" -qc "\\copy bench_floor FROM '$WORK/data/declarations.csv' CSV HEADER" >/dev/null
END=$(date +%s.%N)

python3 - "$LINES" "$IMPORT_S" "$START" "$END" "$RSS_KB" "$WALL" "$LOADED" "$CPU_S" "$LOAD" <<'PY'
import sys
lines, importer, start, end, rss, wall, loaded = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
cpu, load = float(sys.argv[8]), sys.argv[9]
floor = end - start
print(f"lines                {lines:,}")
print(f"importer             {importer:.2f} s  {lines / importer:,.0f} rows/s  ({loaded}; process wall {wall})")
print(f"psql \\copy floor     {floor:.2f} s  {lines / floor:,.0f} rows/s")
print(f"ratio importer/floor {floor / importer:.2f}  (target >= 0.33)")
print(f"importer peak RSS    {rss / 1024:.0f} MB  (target < 150 MB)")
print(f"importer CPU         {cpu:.2f} s (user + system, the client process only)")
print(f"load average         {load}  (1, 5, 15 min, after the floor; the ratio is only comparable at similar load)")
PY
