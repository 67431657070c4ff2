#!/usr/bin/env bash
# Writes a new migration prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that takes
# the schema as last committed (git HEAD) to the working copy of prisma/schema.prisma.
# Prisma 7's CLI needs a native schema engine that cannot be downloaded here, so this uses
# Prisma 6.19's WASM engine (npm alias "prisma6"). That engine opens a connection even for a
# datamodel diff, so DATABASE_URL must point at a reachable PostgreSQL (e.g. the one `npm start` runs).
# Usage: npm run db:diff -- <name> [--from-empty]
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: npm run db:diff -- <name> [--from-empty]}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
with_url() { sed 's/^\(\s*provider\s*=\s*"postgresql"\)/\1\n  url = env("DATABASE_URL")/' "$1"; }
with_url prisma/schema.prisma > "$tmp/to.prisma"
if [[ "${2:-}" == "--from-empty" ]]; then from=(--from-empty)
else git show HEAD:prisma/schema.prisma > "$tmp/from-raw.prisma"; with_url "$tmp/from-raw.prisma" > "$tmp/from.prisma"; from=(--from-schema-datamodel "$tmp/from.prisma"); fi
dir="prisma/migrations/$(date -u +%Y%m%d%H%M%S)_${name}"
mkdir -p "$dir"
PRISMA_CLIENT_ENGINE_TYPE=client \
  PRISMA6_SCHEMA="$tmp/to.prisma" node node_modules/prisma6/build/index.js migrate diff --config scripts/prisma6/prisma6.config.ts "${from[@]}" --to-schema-datamodel "$tmp/to.prisma" --script > "$dir/migration.sql"
echo "wrote $dir/migration.sql"
