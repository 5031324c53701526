#!/usr/bin/env bash
# run.sh: sets up, builds and runs optiscope (the default demo unless arguments are given).
# It builds in the repository's build/ but runs from the caller's folder, so relative paths
# in the arguments and the no-display fallback PNG land where the user is.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/setup.sh"
if [ ! -f "$root/build/build.ninja" ]; then
  meson setup "$root/build" "$root" --buildtype=release >/dev/null
fi
ninja -C "$root/build" >/dev/null
exec "$root/build/optiscope" "$@"
