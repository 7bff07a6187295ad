#!/usr/bin/env bash
# `make fuzz-api`: schemathesis (from PyPI) against the served OpenAPI document, with a bounded number of examples
# per operation (FUZZ_EXAMPLES, default 50; CI uses a small budget through `make test`). Fails on any 5xx and on
# any response that violates the schema.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib-daemon.sh
EXAMPLES=${FUZZ_EXAMPLES:-50}
swift build --product precursord >&2
swift build --product precursorctl >&2
BIN=$(swift build --show-bin-path)
VENV=$(venv_with schemathesis==4.32.5)
start_daemon "$BIN"
"$BIN/precursorctl" admin db seed >/dev/null
TOKEN=$("$BIN/precursorctl" admin token issue --role admin --name fuzz --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
echo "fuzzing $DAEMON_URL with $EXAMPLES examples per operation" >&2
"$VENV/bin/st" run "$DAEMON_URL/openapi.yaml" \
  --checks not_a_server_error,response_schema_conformance,content_type_conformance \
  --max-examples "$EXAMPLES" --seed 20261129 --workers 2 \
  --header "Authorization: Bearer $TOKEN" \
  --request-timeout 10
