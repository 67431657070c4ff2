#!/usr/bin/env bash
# Prints the path of a Schemathesis CLI (`st`), the API fuzzer test/fuzz/ runs, installing it from
# PyPI into a venv of its own on first use: ~/.cache/blockflow/schemathesis-<ver>/bin/st.
# Pinned, so a run's cases depend on the seed only. Needs python3 with venv (Debian: python3-venv).
set -euo pipefail
VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/blockflow/schemathesis-$VERSION"
if [[ -x "$venv/bin/st" ]] && "$venv/bin/st" --version 2>/dev/null | grep -q "$VERSION"; then
  echo "$venv/bin/st"; exit 0
fi
command -v python3 >/dev/null 2>&1 || { echo "[setup] python3 is needed for Schemathesis" >&2; exit 1; }
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"; flock 9   # two concurrent first runs install once
if ! { [[ -x "$venv/bin/st" ]] && "$venv/bin/st" --version 2>/dev/null | grep -q "$VERSION"; }; then
  echo "[setup] installing Schemathesis $VERSION into $venv (first run only)" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION" >&2
fi
echo "$venv/bin/st"
