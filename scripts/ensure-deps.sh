#!/usr/bin/env bash
# Idempotent set-up shared by `npm start` and `npm test`: `ensure-deps.sh --for start|test` (default test);
# `--for bench`: steps 1 and 2 only, for bench.txt and native.txt (bench/lib/ensure-fio.ts).
#   1. Debian packages listed in scripts/apt-packages.d/*.txt ("<probe> <package>" per line;
#      the probe is a command name or an absolute path; the package is installed when the probe is missing).
#      start: start.txt and native.txt; test: every list (the contract peer's ~280 packages, QEMU, Prometheus, …)
#   2. the chunk store's file-mapping binding (scripts/build-native.sh; gcc from native.txt)
#   3. node_modules (npm ci when package-lock.json changed since the last install); start: without the
#      devDependencies (test tools, linters, the browser driver) unless they are already there
#   4. the Prisma client (generated when prisma/schema.prisma changed)
#   5. the Temporal CLI binary (scripts/ensure-temporal.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[setup] %s\n' "$*"; }

purpose=test
if [[ "${1:-}" == "--for" ]]; then purpose="${2:-}"; fi
case "$purpose" in
  start) lists=(scripts/apt-packages.d/start.txt scripts/apt-packages.d/native.txt) ;;
  test) lists=(scripts/apt-packages.d/*.txt) ;;
  bench) lists=(scripts/apt-packages.d/bench.txt scripts/apt-packages.d/native.txt) ;;
  *) echo "usage: $0 [--for start|test|bench]" >&2; exit 2 ;;
esac

missing=()
for list in "${lists[@]}"; do
  while read -r probe pkg; do
    [[ -z "${probe:-}" || "$probe" == \#* ]] && continue
    if [[ "$probe" == /* ]]; then [[ -e "$probe" ]] && continue
    else command -v "$probe" >/dev/null 2>&1 && continue; fi
    missing+=("$pkg")
  done < "$list"
done
if (( ${#missing[@]} )); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  log "installing Debian packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  # policy-rc.d keeps package scripts from starting system services; we start our own.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null; $SUDO chmod +x /usr/sbin/policy-rc.d; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

bash scripts/build-native.sh
[[ "$purpose" == bench ]] && exit 0

# The stamp says which lock was installed and whether with the devDependencies ("all") or without ("prod").
stamp=node_modules/.blockflow-lock-hash
lock=$(sha256sum package-lock.json | cut -d' ' -f1)
have_lock=""; have_set=""
if [[ -f "$stamp" ]]; then read -r have_lock have_set < "$stamp" || true; fi
if [[ "$have_lock" != "$lock" || ( "$purpose" == test && "${have_set:-all}" != all ) ]]; then
  if [[ "$purpose" == start ]]; then
    log "installing npm dependencies for start (npm ci --omit=dev)"
    npm ci --omit=dev --no-audit --no-fund --loglevel=error
    echo "$lock prod" > "$stamp"
  else
    log "installing npm dependencies (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$lock all" > "$stamp"
  fi
fi

gen_stamp=generated/.schema-hash
want=$(cat prisma/schema.prisma prisma.config.ts | sha256sum | cut -d' ' -f1)
if [[ ! -f "$gen_stamp" || "$(cat "$gen_stamp")" != "$want" ]]; then
  log "generating the Prisma client"
  # The dummy engine path stops `prisma generate` from downloading a schema engine it does not need.
  PRISMA_SCHEMA_ENGINE_BINARY=/dev/null npx prisma generate >/dev/null
  echo "$want" > "$gen_stamp"
fi

bash scripts/ensure-temporal.sh >/dev/null
