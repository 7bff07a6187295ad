#!/usr/bin/env bash
# `make fuzz-api`: schemathesis (from PyPI) against the served OpenAPI document, with a bounded number of examples
# per operation (FUZZ_EXAMPLES, default 50; CI uses a small budget through `make test`). Fails on any 5xx and on
# any response that violates the schema.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib-daemon.sh
EXAMPLES=${FUZZ_EXAMPLES:-50}
# The same build as `make test` (with --build-tests), so that after it this is a no-op rather than a second build.
swift build --build-tests >&2
BIN=$(swift build --show-bin-path)
VENV=$(venv_with schemathesis==4.32.5)
start_daemon "$BIN"
"$BIN/precursorctl" admin db seed >/dev/null
TOKEN=$("$BIN/precursorctl" admin token issue --role admin --name fuzz --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
# A firm with a licence, so that the enterprise operations are exercised with a token that may use them.
FIRMS="$DAEMON_WORK/firms.csv"; LICENCES="$DAEMON_WORK/licences.csv"
printf 'tax_code,name,sector,province,registered_on,status,key_enterprise\n0100233488,Công ty Dược phẩm Hà Nội,pharma_manufacturer,Hà Nội,2020-01-15,active,true\n' > "$FIRMS"
printf 'licence_no,tax_code,authority,activity,substance,concentration_pct,quantity_kg,valid_from,valid_until,status\n12/GP-HC,0100233488,MOIT,import,EPHEDRINE,100,1000,2026-01-01,2026-12-31,active\n' > "$LICENCES"
"$BIN/precursorctl" admin import firms "$FIRMS" >/dev/null
"$BIN/precursorctl" admin import licences "$LICENCES" >/dev/null
ENTERPRISE=$("$BIN/precursorctl" admin token issue --role enterprise --firm 0100233488 --name fuzz-firm --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
fuzz() {  # fuzz TOKEN [filters…]
  local token=$1; shift
  # Run from the throwaway folder: schemathesis writes a cache folder where it runs.
  (cd "$DAEMON_WORK" && "$VENV/bin/st" run "$DAEMON_URL/openapi.yaml" \
    --checks not_a_server_error,response_schema_conformance,content_type_conformance \
    --max-examples "$EXAMPLES" --seed 20261129 --workers 2 \
    --header "Authorization: Bearer $token" --request-timeout 10 "$@")
}
echo "fuzzing $DAEMON_URL with $EXAMPLES examples per operation: admin token, then an enterprise token" >&2
fuzz "$TOKEN" --exclude-path-regex '^/v1/reports'
fuzz "$ENTERPRISE" --include-path-regex '^/v1/(me|reports)'
