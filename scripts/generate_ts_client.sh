#!/usr/bin/env bash
# The TypeScript client's types, generated from the OpenAPI schema.
#
#   scripts/generate_ts_client.sh          regenerate clients/typescript/src/schema.d.ts
#   scripts/generate_ts_client.sh --check  fail if the checked-in copy differs, if a hand-written
#                                          file says `any`, or if the journey does not compile
#
# The schema comes from `manage.py spectacular` with DJANGO_ENV=test (validated, warnings are
# errors: a warning means drf-spectacular guessed a type), the types from openapi-typescript,
# both pinned (requirements/, clients/typescript/package-lock.json). Needs `npm ci` done in
# clients/typescript (make test does it).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-write}
case "$mode" in
    write | --check) ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

PY=${PY:-.venv/bin/python}
CLIENT=clients/typescript
TYPES=$CLIENT/src/schema.d.ts
BIN=$CLIENT/node_modules/.bin
if [ ! -x "$BIN/openapi-typescript" ] || [ ! -x "$BIN/tsc" ]; then
    echo "$CLIENT/node_modules is missing: run 'npm ci' in $CLIENT (or make test)" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. The schema, exactly as /api/schema/ serves it (minus the format).
if ! DJANGO_ENV=test "$PY" manage.py spectacular --format openapi-json --validate --fail-on-warn \
    --file "$work/openapi.json" 2>"$work/spectacular.log"; then
    grep -v '"level": "debug"' "$work/spectacular.log" >&2 || true
    echo "exporting the OpenAPI schema failed (manage.py spectacular, above)" >&2
    exit 1
fi

# 2. The types. --default-non-nullable=false: a request field with a default (register's
# timezone) stays optional, as the schema says; by default openapi-typescript makes every field
# with a default required, which is right for responses only.
"$BIN/openapi-typescript" "$work/openapi.json" --default-non-nullable=false \
    --output "$work/schema.d.ts" >"$work/openapi-typescript.log" 2>&1 \
    || { cat "$work/openapi-typescript.log" >&2; exit 1; }

if [ "$mode" = write ]; then
    cp "$work/schema.d.ts" "$TYPES"
    echo "wrote $TYPES"
    exit 0
fi

# --check
if ! cmp -s "$work/schema.d.ts" "$TYPES"; then
    diff -u "$TYPES" "$work/schema.d.ts" | head -60 >&2 || true
    echo "" >&2
    echo "$TYPES is stale: the API schema changed. Run scripts/generate_ts_client.sh" >&2
    echo "(or make ts-client), check that src/journey.ts still compiles, and commit the result." >&2
    exit 1
fi

# Hand-written TypeScript says what it means: no `any` (generated code is checked by tsc only).
if grep -nwE 'any' --include='*.ts' -r "$CLIENT/src" | grep -v "^$TYPES:"; then
    echo "the lines above use \`any\` (avoid the word in comments too): type them from the schema" >&2
    exit 1
fi

"$BIN/tsc" -p "$CLIENT/tsconfig.json" --strict --noEmit
echo "TypeScript client: $TYPES is current; src/ compiles with tsc --strict"
