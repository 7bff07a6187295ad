# Sourced by the fuzz and benchmark scripts: starts precursord on a throwaway embedded PostgreSQL and stops it
# (and its PostgreSQL) when the calling script exits.
#   start_daemon BIN_DIR   → sets DAEMON_URL, DAEMON_PID, PRECURSOR_DATA_DIR
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_daemon() {
  local bin=$1
  DAEMON_WORK=$(mktemp -d /tmp/precursor-run-XXXXXX)
  chmod 755 "$DAEMON_WORK"
  export PRECURSOR_DATA_DIR="$DAEMON_WORK"
  export PRECURSOR_PG_PORT=$(free_port)
  export PRECURSOR_HTTP_HOST=127.0.0.1
  export PRECURSOR_HTTP_PORT=$(free_port)
  export PRECURSOR_LOG_FORMAT=json
  export PRECURSOR_LOG_LEVEL=${PRECURSOR_LOG_LEVEL:-warning}
  # No scheduled sweeps: a sweep running under wrk or schemathesis would compete for the CPU being measured and
  # raise alerts of its own in the middle of a run.
  export PRECURSOR_SWEEPS=${PRECURSOR_SWEEPS:-off}
  unset DATABASE_URL
  "$bin/precursord" 2>"$DAEMON_WORK/daemon.log" &
  DAEMON_PID=$!
  trap stop_daemon EXIT
  until "$bin/precursorctl" admin db status >/dev/null 2>&1; do
    if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
      cat "$DAEMON_WORK/daemon.log" >&2
      echo "precursord exited before it became ready" >&2
      exit 1
    fi
    sleep 0.2
  done
  DAEMON_URL="http://127.0.0.1:$PRECURSOR_HTTP_PORT"
}

stop_daemon() {
  if [ -n "${DAEMON_PID:-}" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID"
    wait "$DAEMON_PID" || true
  fi
  [ -n "${DAEMON_WORK:-}" ] && rm -rf "$DAEMON_WORK"
}

# A Python virtual environment with one package, cached under /tmp by name and version.
venv_with() {
  local package=$1 dir="/tmp/precursor-venv-${1//[=<>]/-}"
  if [ ! -x "$dir/bin/python" ] || ! "$dir/bin/python" -c "import importlib.metadata as m, sys; sys.exit(0 if m.version('${package%%==*}') == '${package##*==}' else 1)" 2>/dev/null; then
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check "$package" >&2
  fi
  echo "$dir"
}
