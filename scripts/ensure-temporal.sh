#!/usr/bin/env bash
# Prints the path of a Temporal CLI binary (which embeds the full dev server + Web UI),
# building it from its Go module on first use. Order of preference:
#   $TEMPORAL_CLI_PATH  >  `temporal` on PATH  >  cache ~/.cache/blockflow/temporal-<ver>/temporal  >  go install
# v1.5.1 is the newest release whose go.mod has no `replace`, so plain `go install …@v1.5.1` works.
set -euo pipefail
VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
if [[ -n "${TEMPORAL_CLI_PATH:-}" && -x "$TEMPORAL_CLI_PATH" ]]; then echo "$TEMPORAL_CLI_PATH"; exit 0; fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
cache="${XDG_CACHE_HOME:-$HOME/.cache}/blockflow/temporal-$VERSION"
if [[ -x "$cache/temporal" ]]; then echo "$cache/temporal"; exit 0; fi

command -v go >/dev/null 2>&1 || { echo "[setup] Temporal CLI missing and no Go toolchain to build it (set TEMPORAL_CLI_PATH)" >&2; exit 1; }
mkdir -p "$cache"
exec 9>"$cache.lock"; flock 9   # two concurrent first runs build once
if [[ ! -x "$cache/temporal" ]]; then
  echo "[setup] building Temporal CLI $VERSION from its Go module (first run only; several minutes on 2 cores)" >&2
  start=$(date +%s)
  tmp=$(mktemp -d)
  GOBIN="$tmp" CGO_ENABLED=0 go install "github.com/temporalio/cli/cmd/temporal@$VERSION" >&2
  mv "$tmp/temporal" "$cache/temporal"; rmdir "$tmp"
  echo "[setup] Temporal CLI built in $(( $(date +%s) - start )) s: $cache/temporal" >&2
fi
echo "$cache/temporal"
