#!/usr/bin/env bash
# `make eval`: detection quality of the sweep rules on generated worlds (issue #6). Builds release, then for each seed
# generates a world, loads it into a throwaway embedded PostgreSQL, sweeps month by month as of each month's end
# (reports loaded as they were filed) and prints precision@k, recall per scenario, look-alikes, top-reason accuracy
# and alert volume against two naive baselines computed in the same run.
#   EVAL_SEEDS (default 11,12,13,14,15: reporting seeds; 1–10 were used for tuning), EVAL_FIRMS (300),
#   EVAL_MONTHS (24), EVAL_END (2026-09).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release >&2
BIN=$(swift build -c release --show-bin-path)
exec python3 scripts/eval_sweeps.py --bin "$BIN" --seeds "${EVAL_SEEDS:-11,12,13,14,15}" --firms "${EVAL_FIRMS:-300}" \
  --months "${EVAL_MONTHS:-24}" --end "${EVAL_END:-2026-09}" "$@"
