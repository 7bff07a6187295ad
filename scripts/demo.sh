#!/usr/bin/env bash
# `make demo`: builds release, starts precursord on its embedded PostgreSQL, loads the reference data and a generated
# demo world, sweeps it, prints the riskiest firms with their reasons and keeps the daemon serving until Ctrl-C
# (which stops the daemon and its PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release
BIN=$(swift build -c release --show-bin-path)
export PRECURSOR_DATA_DIR="${PRECURSOR_DATA_DIR:-$PWD/.precursor}"
# As root, PostgreSQL runs as an unprivileged user who must reach the data folder through every parent; a checkout
# under a private home folder (/root is 0700) cannot be reached, so the demo keeps its data in /var/tmp instead.
if [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$(dirname "$PRECURSOR_DATA_DIR")" 2>/dev/null; then
  export PRECURSOR_DATA_DIR="/var/tmp/precursor-demo"
  echo "note: $PWD is not reachable by the postgres user; the demo's data goes to $PRECURSOR_DATA_DIR" >&2
fi
export PRECURSOR_HTTP_HOST="${PRECURSOR_HTTP_HOST:-127.0.0.1}"
export PRECURSOR_HTTP_PORT="${PRECURSOR_HTTP_PORT:-8080}"
export PRECURSOR_LOG_FORMAT="${PRECURSOR_LOG_FORMAT:-text}"
unset DATABASE_URL

"$BIN/precursord" &
daemon=$!
trap 'kill -TERM "$daemon" 2>/dev/null || true; wait "$daemon" || true; exit 0' INT TERM

# Wait until the daemon's embedded PostgreSQL is up and its schema current (precursorctl finds the cluster in the
# same data folder), giving up if the daemon died.
until "$BIN/precursorctl" admin db status >/dev/null 2>&1; do
  if ! kill -0 "$daemon" 2>/dev/null; then
    wait "$daemon" || true
    echo "precursord exited before it became ready; see the log above" >&2
    exit 1
  fi
  sleep 0.5
done

"$BIN/precursorctl" admin db seed

# A synthetic world (issue #6): 300 firms over the 24 months before the current one, fixed seed, loaded through the
# importers; then monthly sweeps as of each of the last six month ends (the statistical rules judge the as-of month)
# and the riskiest firms with their reasons. Loading twice changes nothing (the importers are idempotent).
DEMO_FIRMS=${DEMO_FIRMS:-300} DEMO_MONTHS=${DEMO_MONTHS:-24} DEMO_SEED=${DEMO_SEED:-2026}
WORLD="$PRECURSOR_DATA_DIR/demo-world"
END=$(date -u -d "$(date -u +%Y-%m-01) -1 day" +%Y-%m)
"$BIN/precursorctl" admin demo generate --firms "$DEMO_FIRMS" --months "$DEMO_MONTHS" --seed "$DEMO_SEED" --end "$END" --out "$WORLD"
"$BIN/precursorctl" admin demo load "$WORLD"
for back in 5 4 3 2 1 0; do
  AS_OF=$(date -u -d "$(date -u -d "$END-01 -$back month +1 month" +%Y-%m-01) -1 day" +%F)
  "$BIN/precursorctl" admin sweep run --full --as-of "$AS_OF" --top 0
done
echo
echo "Riskiest firms (sum of the three strongest open alerts, x1.25 on a hot route):"
"$BIN/precursorctl" admin firms risk --top 10
cat <<TXT

  Precursor Registry demo is running.
    daemon:    http://$PRECURSOR_HTTP_HOST:$PRECURSOR_HTTP_PORT   (try /health/ready and /metrics)
    database:  embedded PostgreSQL in $PRECURSOR_DATA_DIR/pg
    CLI:       $BIN/precursorctl --help   (PRECURSOR_DATA_DIR=$PRECURSOR_DATA_DIR finds the database)
  Press Ctrl-C to stop the daemon and its PostgreSQL.

TXT
wait "$daemon"
