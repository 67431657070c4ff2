#!/usr/bin/env bash
# Builds the chunk store's file-mapping binding (native/file-mapping.c → native/build/file-mapping.node) with gcc
# against the N-API headers of the Node that runs the project (<prefix>/include/node). Idempotent: rebuilt only
# when the source, the compiler flags or the Node version changed. N-API is ABI-stable, so no node-gyp and no
# download. Without the binding the store reads with pread (chunkstore/file-mapping.ts says why).
set -euo pipefail
cd "$(dirname "$0")/.."
src=native/file-mapping.c
out=native/build/file-mapping.node
flags=(-O2 -Wall -Wextra -Werror -shared -fPIC)
include="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")/include/node"
if [[ ! -f "$include/node_api.h" ]]; then
  echo "build-native: no N-API headers at $include (they ship with Node's own package)" >&2
  exit 1
fi
want=$( { sha256sum "$src"; echo "${flags[*]}"; node --version; } | sha256sum | cut -d' ' -f1)
stamp=native/build/.source-hash
[[ -f "$out" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && exit 0
mkdir -p native/build
gcc "${flags[@]}" -I"$include" -o "$out.tmp" "$src"
mv "$out.tmp" "$out"
echo "$want" > "$stamp"
printf '[setup] built %s\n' "$out"
