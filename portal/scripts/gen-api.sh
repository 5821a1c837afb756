#!/usr/bin/env bash
# Regenerates portal/src/api/schema.d.ts, the portal's API types, from the control plane's OpenAPI
# document (which is generated from the routes' zod schemas): one source of truth for both sides.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp --suffix=.json)
trap 'rm -f "$tmp"' EXIT
node --import tsx portal/scripts/openapi.ts >"$tmp"
node_modules/.bin/openapi-typescript "$tmp" -o portal/src/api/schema.d.ts >/dev/null
node_modules/.bin/prettier --log-level warn --write portal/src/api/schema.d.ts
