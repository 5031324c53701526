#!/usr/bin/env bash
# run.sh: sets up, builds and runs optiscope (the default demo unless arguments are given).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ ! -f build/build.ninja ]; then
  meson setup build --buildtype=release >/dev/null
fi
ninja -C build >/dev/null
exec ./build/optiscope "$@"
