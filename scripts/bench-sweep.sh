#!/usr/bin/env bash
# make bench-sweep: how long a full sweep takes over a large world, and an incremental one after 1 % new lines.
#
# Starts a throwaway PostgreSQL cluster, migrates and seeds it with precursorctl, writes the world of
# scripts/bench_sweep_world.sql (FIRMS firms, 24 months, LINES declaration lines, licences and reports), then:
#   1. precursorctl admin sweep run --full   (the first sweep: every finding stored, alerts raised)
#   2. inserts 1 % more declaration lines (last month of the window)
#   3. precursorctl admin sweep run          (incremental: only the pairs those lines touch)
# and prints both times and their ratio. Targets on this 2-core machine: full ≤ 15 s, incremental ≤ 10 % of full.
# Usage: scripts/bench-sweep.sh [precursorctl]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CTL=${1:-${PRECURSORCTL:-$ROOT/.build/debug/precursorctl}}
FIRMS=${FIRMS:-5000}
LINES=${LINES:-1000000}
MONTHS=24
START=${START:-2024-11-01}
AS_OF=${AS_OF:-2026-10-31}
PORT=${PORT:-55493}
BIN=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
[ -x "$CTL" ] || { echo "bench-sweep: $CTL not found; run 'swift build' first" >&2; exit 2; }

WORK=$(mktemp -d /tmp/pqsweep.XXXXXX)
RUNAS=()
if [ "$(id -u)" = 0 ]; then chown postgres "$WORK"; chmod 755 "$WORK"; RUNAS=(runuser -u postgres --); fi
# REPEAT=N times the incremental sweep N times on copies of the same database and reports the median (below).
# KEEP=1 leaves the cluster running afterwards (for EXPLAIN); it prints how to reach it and how to stop it, and keeps
# the database as it was right before the incremental sweep as sweep_before_incremental (a template: copy it with
# CREATE DATABASE x TEMPLATE sweep_before_incremental to time that sweep again). BENCH_LOG_MS=N logs every statement
# that takes N ms or more to pg.log.
cleanup() {
    if [ "${KEEP:-0}" = 1 ]; then
        echo "bench-sweep: kept: psql 'host=$WORK port=$PORT user=postgres dbname=sweep'; stop: ${RUNAS[*]} $BIN/pg_ctl -D $WORK/data stop"
        return
    fi
    "${RUNAS[@]}" "$BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$WORK"
}
trap cleanup EXIT

# The embedded cluster's locale (EmbeddedPostgres.initialise): byte-order collation, C.UTF-8 case mapping.
"${RUNAS[@]}" "$BIN/initdb" -D "$WORK/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --lc-collate=C >/dev/null
"${RUNAS[@]}" "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/pg.log" -w start \
    -o "-c listen_addresses='' -k $WORK -p $PORT -c shared_buffers=512MB -c work_mem=64MB -c maintenance_work_mem=256MB -c max_wal_size=4GB -c log_min_duration_statement=${BENCH_LOG_MS:--1}" >/dev/null
export PGHOST=$WORK PGPORT=$PORT PGUSER=postgres
psql -qAt -d postgres -c "CREATE DATABASE sweep"
export DATABASE_URL="postgres://postgres@/sweep?host=$WORK&port=$PORT" PRECURSOR_SQL_DIR=$ROOT/sql
"$CTL" admin db migrate >/dev/null
(cd "$ROOT" && "$CTL" admin db seed >/dev/null)

echo "bench-sweep: writing $FIRMS firms, $MONTHS months, $LINES declaration lines (load average $(cut -d' ' -f1-3 /proc/loadavg))"
t0=$(date +%s.%N)
psql -qAt -d sweep -v ON_ERROR_STOP=1 -v firms="$FIRMS" -v lines="$LINES" -v months="$MONTHS" -v start="$START" \
    -f "$ROOT/scripts/bench_sweep_world.sql" >/dev/null
t1=$(date +%s.%N)
psql -qAt -d sweep -c "SELECT 'world: ' || (SELECT count(*) FROM firm) || ' firms, ' || (SELECT count(*) FROM licence) || ' licences, ' || (SELECT count(*) FROM declaration_line) || ' declaration lines, ' || (SELECT count(*) FROM self_report) || ' reports'"
printf 'world written in %.1f s\n' "$(echo "$t1 - $t0" | bc)"

# Prints seconds, findings, alerts, pairs; the time per rule query goes to stderr.
seconds() { python3 -c '
import json, sys
r = json.load(sys.stdin)
print("  per rule: " + ", ".join("%s %.2f s" % kv for kv in sorted(r["rule_seconds"].items())), file=sys.stderr)
print("%.2f %d %d %s" % (r["seconds"], sum(r["findings"].values()), sum(r["alerts"].values()), r.get("scope_entries") or "-"))'; }

read -r FULL FULL_FINDINGS FULL_ALERTS _ < <("$CTL" admin sweep run --full --as-of "$AS_OF" --format json | seconds)
echo "full sweep:        ${FULL} s  ($FULL_FINDINGS findings, $FULL_ALERTS alerts raised)"

NEW=$((LINES / 100))
# Each new line repeats a line of the world (the one the generator wrote as its line number 1 + g × 7919 mod LINES,
# declaration TK…) with its firm and substance, dated in the last four weeks: each of the 10,000 pairs gets one.
psql -qAt -d sweep -v ON_ERROR_STOP=1 <<SQL >/dev/null
SELECT setseed(0.7);
INSERT INTO declaration_line (firm_id, declaration_no, line_no, declared_on, direction, customs_office_id, transport_mode,
                              country, hs_code, substance_id, quantity, unit, concentration_pct, kg_pure, licence_no,
                              licence_id, value_usd)
SELECT d.firm_id, 'NEW' || g, 1, DATE '$AS_OF' - (g % 28), 'import', d.customs_office_id, d.transport_mode, d.country, d.hs_code,
       d.substance_id, d.quantity, 'KGM', 100, d.kg_pure, l.licence_no, l.id, d.value_usd
  FROM generate_series(1, $NEW) g
  JOIN declaration_line d ON d.declaration_no = 'TK' || (1 + (g * 7919) % $LINES) AND d.line_no = 1
  JOIN licence l ON l.firm_id = d.firm_id AND l.licence_no LIKE 'GP-%/' || extract(year FROM DATE '$AS_OF')
  JOIN licence_line ll ON ll.licence_id = l.id AND ll.substance_id = d.substance_id;
ANALYZE declaration_line;
SQL
REPEAT=${REPEAT:-1}
if [ "${KEEP:-0}" = 1 ] || [ "$REPEAT" -gt 1 ]; then
    psql -qAt -d postgres -c "CHECKPOINT" -c "CREATE DATABASE sweep_before_incremental TEMPLATE sweep STRATEGY FILE_COPY"
fi

read -r INCR INCR_FINDINGS INCR_ALERTS PAIRS < <("$CTL" admin sweep run --as-of "$AS_OF" --format json | seconds)
echo "incremental sweep: ${INCR} s  ($PAIRS scope entries (pair-months, pairs, firm-months) after $NEW new lines; $INCR_FINDINGS findings, $INCR_ALERTS alerts raised)"
# REPEAT=N runs the same incremental sweep N-1 more times, each on a fresh copy of the database as it was before the
# first, and takes the median of the N: the machine's noise moves single runs by a third.
RUNS=("$INCR")
for ((i = 2; i <= REPEAT; i++)); do
    psql -qAt -d postgres -c "CREATE DATABASE sweep_repeat TEMPLATE sweep_before_incremental STRATEGY FILE_COPY"
    read -r AGAIN AGAIN_FINDINGS AGAIN_ALERTS _ < <(DATABASE_URL="postgres://postgres@/sweep_repeat?host=$WORK&port=$PORT" \
        "$CTL" admin sweep run --as-of "$AS_OF" --format json | seconds)
    [ "$AGAIN_FINDINGS $AGAIN_ALERTS" = "$INCR_FINDINGS $INCR_ALERTS" ] ||
        { echo "bench-sweep: run $i found $AGAIN_FINDINGS findings and $AGAIN_ALERTS alerts, not $INCR_FINDINGS and $INCR_ALERTS" >&2; exit 1; }
    psql -qAt -d postgres -c "DROP DATABASE sweep_repeat"
    RUNS+=("$AGAIN")
done
if [ "$REPEAT" -gt 1 ]; then
    INCR=$(printf '%s\n' "${RUNS[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    echo "incremental sweep, $REPEAT runs: ${RUNS[*]} s; median ${INCR} s"
fi
[ "${KEEP:-0}" = 1 ] || [ "$REPEAT" -le 1 ] || psql -qAt -d postgres -c "DROP DATABASE sweep_before_incremental"
python3 - "$FULL" "$INCR" <<'PY'
import sys
full, incr = float(sys.argv[1]), float(sys.argv[2])
print(f"ratio incremental/full: {incr / full:.3f}  (targets: full <= 15 s {'met' if full <= 15 else 'NOT met'}; "
      f"incremental <= 10 % of full {'met' if incr <= 0.1 * full else 'NOT met'})")
PY
