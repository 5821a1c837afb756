#!/usr/bin/env bash
# Benchmark dispatcher: `bash bench/run.sh <name>` (or `npm run bench -- <name>`) runs bench/<name>.ts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
name=${1:-}
if [[ -z $name || ! -f bench/$name.ts ]]; then
  echo "usage: npm run bench -- <name>   (available: $(cd bench && ls *.ts 2>/dev/null | sed 's/\.ts$//' | tr '\n' ' '))" >&2
  exit 2
fi
shift
exec node --import tsx "bench/$name.ts" "$@"
