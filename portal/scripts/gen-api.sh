#!/usr/bin/env bash
# Generates portal/src/api/schema.d.ts, the portal's API types, from the control plane's OpenAPI
# document (which is generated from the routes' zod schemas): one source of truth for both sides.
# The file is not tracked: the install step (stack/install.sh) runs this after the compiled build, and
# with --if-changed it rewrites the file only when the document changed, so the portal (whose build
# looks at the files' times) is rebuilt only then. `npm run portal:api` runs it by hand.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=portal/src/api/schema.d.ts
doc=node_modules/.cache/postwerk/openapi.json
mkdir -p "$(dirname "$doc")"
node stack/build.js
node build/portal/scripts/openapi.js >"$doc.new"
if [[ ${1:-} == --if-changed && -f $out && -f $doc ]] && cmp -s "$doc.new" "$doc"; then
  rm -f "$doc.new"
  exit 0
fi
node_modules/.bin/openapi-typescript "$doc.new" -o "$out" >/dev/null
node_modules/.bin/prettier --log-level warn --write "$out"
mv "$doc.new" "$doc"
