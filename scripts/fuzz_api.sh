#!/usr/bin/env bash
# Fuzz every operation of the OpenAPI schema against a running server with schemathesis: no 5xx,
# and every answer documented (status code, content type, headers, body schema). Usage, with
# `make run` up (raise the throttles for the run):
#   THROTTLE_ANON=1000000/min THROTTLE_USER=1000000/min make run      # in one terminal
#   scripts/fuzz_api.sh instructor1@demo.gigsy.local '<password>'      # in another
# Environment: BASE_URL (default http://127.0.0.1:8000), MAX_EXAMPLES (default 60), CHECKS
# (default: server errors and conformance to the schema), REPORT (a JSON report path, optional).
# schemathesis lives in its own virtualenv under var/ (it is a tool, not a dependency).
set -euo pipefail
cd "$(dirname "$0")/.."
email=${1:?usage: scripts/fuzz_api.sh EMAIL PASSWORD}
password=${2:?usage: scripts/fuzz_api.sh EMAIL PASSWORD}
base=${BASE_URL:-http://127.0.0.1:8000}
venv=var/fuzz-venv
if [[ ! -x $venv/bin/st ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "schemathesis==4.32.5"
fi
token=$(curl -sf -X POST "$base/api/v1/auth/token" -H 'Content-Type: application/json' \
    -d "{\"email\": \"$email\", \"password\": \"$password\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access"])')
conformance=not_a_server_error,status_code_conformance,content_type_conformance
conformance+=,response_headers_conformance,response_schema_conformance
# Logging out or changing the password would end the fuzzing session itself.
exec "$venv/bin/st" run "$base/api/schema/" --url "$base" \
    -H "Authorization: Bearer $token" --checks "${CHECKS:-$conformance}" \
    ${REPORT:+--report json --report-json-path "$REPORT"} \
    --max-examples "${MAX_EXAMPLES:-60}" --exclude-path-regex '/auth/(password|logout)' --workers 2
