#!/usr/bin/env bash
# make bench-queue: our alert queue against real pgmq, same server, same run.
#
# Starts a throwaway PostgreSQL cluster (defaults: fsync and synchronous_commit on), creates two databases: `ours`
# (migrated with `precursorctl admin db migrate`) and `peer` (pgmq's SQL as bundled by the PyPI package `pgmq`,
# installed with its installer at benchmark time, never committed). Then, with pgbench, for each side:
#   enqueue 100 000 alert-sized messages in batches of 100 (1 client),
#   claim + ack (ours: queue_claim + queue_ack, which archives every message) versus read + delete (pgmq) with
#   4 concurrent clients at batch sizes 1, 10 and 100,
# and prints messages/s and our/pgmq ratios. Each figure is the best of ROUNDS runs (default 3). Usage: scripts/bench-queue.sh [precursorctl]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CTL=${1:-${PRECURSORCTL:-$ROOT/.build/debug/precursorctl}}
PGMQ_VERSION=1.1.4
ROUNDS=${ROUNDS:-3}
MESSAGES=${MESSAGES:-100000}
SINGLE_MESSAGES=${SINGLE_MESSAGES:-8000}   # batch size 1 runs at commit speed; fewer messages keep the run short
PORT=${PORT:-55491}
BIN=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
PGBENCH=$(command -v pgbench || echo "$BIN/pgbench")
[ -x "$CTL" ] || { echo "bench-queue: $CTL not found; run 'swift build' first" >&2; exit 2; }
[ -x "$PGBENCH" ] || { echo "bench-queue: pgbench not found (install postgresql-contrib)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/pqbench.XXXXXX)
RUNAS=()
if [ "$(id -u)" = 0 ]; then chown postgres "$WORK"; chmod 755 "$WORK"; RUNAS=(runuser -u postgres --); fi
cleanup() { "${RUNAS[@]}" "$BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

"${RUNAS[@]}" "$BIN/initdb" -D "$WORK/data" -U postgres --auth=trust >/dev/null
"${RUNAS[@]}" "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/pg.log" -w start \
    -o "-c listen_addresses='' -k $WORK -p $PORT -c max_connections=50" >/dev/null
export PGHOST=$WORK PGPORT=$PORT PGUSER=postgres
psql -qAt -d postgres -c "CREATE DATABASE ours" -c "CREATE DATABASE peer"

PRECURSOR_SQL_DIR=$ROOT/sql DATABASE_URL="postgres://postgres@/ours?host=$WORK&port=$PORT" "$CTL" admin db migrate >/dev/null

VENV=/tmp/precursor-pgmq-venv-$PGMQ_VERSION
if ! "$VENV/bin/python" -c "import pgmq" 2>/dev/null; then
    python3 -m venv "$VENV" && "$VENV/bin/pip" install -q --disable-pip-version-check "pgmq==$PGMQ_VERSION" \
        || { echo "bench-queue: cannot install pgmq==$PGMQ_VERSION from PyPI" >&2; exit 3; }
fi
"$VENV/bin/python" -c "from pgmq.install import install_pgmq_from_sql as i; i(dsn='host=$WORK port=$PORT dbname=peer user=postgres')" >/dev/null
psql -qAt -d peer -c "SELECT pgmq.create('bench')" >/dev/null

A="jsonb_build_object('alert_id', gen_random_uuid(), 'rule', 'sanctions.screening.hit', 'severity', 'high', 'subject', jsonb_build_object('account', 'ACC-' || g, 'country', 'DE'), 'score', 0.93, 'seq', g)"
echo "SELECT count(*) FROM queue_enqueue_batch('alerts', ARRAY(SELECT $A FROM generate_series(1, 100) g));" > "$WORK/ours_send.sql"
echo "SELECT count(*) FROM pgmq.send_batch('bench', ARRAY(SELECT $A FROM generate_series(1, 100) g));" > "$WORK/peer_send.sql"
printf '%s\n' \
    "SELECT coalesce(array_agg(id), '{}') AS ids, coalesce(array_agg(lease_token), '{}') AS leases FROM queue_claim('alerts', :qty, interval '30 seconds') \gset" \
    "SELECT count(*) FROM queue_ack(:ids::bigint[], :leases::uuid[]);" > "$WORK/ours_consume.sql"
printf '%s\n' \
    "SELECT coalesce(array_agg(msg_id), '{}') AS ids FROM pgmq.read('bench', 30, :qty::int) \gset" \
    "SELECT count(*) FROM pgmq.delete('bench', :ids::bigint[]);" > "$WORK/peer_consume.sql"

# Runs pgbench; prints transactions per second.
tps() { "$PGBENCH" -n "$@" 2>&1 | awk '/^tps = / { print $3; exit }'; }
table() { [ "$1" = ours ] && echo queue_message || echo pgmq.q_bench; }
fill() { # side, messages: enqueue in batches of 100; prints msg/s
    local t; t=$(tps -c 1 -t $(($2 / 100)) -f "$WORK/$1_send.sql" "$1")
    psql -qAt -d "$1" -c "VACUUM ANALYZE"   # whole database: no autovacuum backlog from the last phase
    awk -v t="$t" 'BEGIN { printf "%.0f", t * 100 }'
}
drain() { # side, qty, messages: 4 clients claim+ack / read+delete; prints msg/s over the messages actually done
    local per=$(($3 / 4 / $2)) t left
    t=$(tps -c 4 -j 2 -M extended -t "$per" -D qty="$2" -f "$WORK/$1_consume.sql" "$1")
    left=$(psql -qAt -d "$1" -c "SELECT count(*) FROM $(table "$1")")
    if [ "$left" != 0 ]; then
        echo "bench-queue: $1 qty $2: $left messages left (short claims under contention); not counted" >&2
        [ "$1" = ours ] && psql -qAt -d ours -c "SELECT queue_purge('alerts')" >/dev/null
        [ "$1" = peer ] && psql -qAt -d peer -c "SELECT pgmq.purge_queue('bench')" >/dev/null
    fi
    awk -v t="$t" -v n="$3" -v l="$left" -v x="$((per * 4))" 'BEGIN { printf "%.0f", (n - l) * t / x }'
}
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > a ? b : a) }'; }

# The two sides of each comparison run back to back, and which goes first alternates between rounds, so that load
# from other processes that comes and goes during a run falls on both sides alike.
declare -A R
for round in $(seq "$ROUNDS"); do
    sides="ours peer"; [ $((round % 2)) = 0 ] && sides="peer ours"
    for qty in 100 10 1; do
        for side in $sides; do
            n=$MESSAGES; [ "$qty" = 1 ] && n=$SINGLE_MESSAGES
            s=$(fill "$side" "$n"); [ "$qty" = 100 ] && R[$side,send]=$(best "${R[$side,send]:-0}" "$s")
            d=$(drain "$side" "$qty" "$n"); R[$side,$qty]=$(best "${R[$side,$qty]:-0}" "$d")
            echo "round $round $side: qty $qty ${d} msg/s (enqueue ${s} msg/s)" >&2
        done
    done
done

load=$(awk '{ print $1 }' /proc/loadavg)
printf '\nQueue benchmark (PostgreSQL %s, %s msgs of ~190 B, best of %s rounds, load average %s)\n' \
    "$(psql -qAt -d postgres -c 'SHOW server_version' | cut -d' ' -f1)" "$MESSAGES" "$ROUNDS" "$load"
printf '%-38s %12s %12s %8s\n' "operation" "ours msg/s" "pgmq msg/s" "ratio"
row() { printf '%-38s %12s %12s %8s\n' "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.2f", a / b }')"; }
row "enqueue, batches of 100, 1 client" "${R[ours,send]}" "${R[peer,send]}"
for qty in 1 10 100; do
    row "claim+ack vs read+delete, batch $qty, 4c" "${R[ours,$qty]}" "${R[peer,$qty]}"
done
echo "(ours archives every acked message; pgmq deletes it)"
