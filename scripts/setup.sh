#!/usr/bin/env bash
# setup.sh: installs what optiscope needs to build, run and test on Debian 12 (as root, or
# through sudo), skipping packages that are already there.
set -euo pipefail
packages=(
  build-essential meson ninja-build pkg-config python3
  libsdl2-dev libx11-dev libcairo2-dev libopenblas-dev libepoxy-dev zlib1g-dev libgif-dev
  libegl-dev libgl-dev libegl1-mesa-dev libgl1-mesa-dri
  fonts-dejavu-core dataset-fashion-mnist
  xvfb xdotool x11-apps imagemagick
  gettext locales gifsicle poppler-utils librsvg2-bin libpango1.0-dev fonts-nanum
)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Korean locale, so that LANG=ko_KR.UTF-8 works (the interface follows it).
if ! locale -a 2>/dev/null | grep -ix 'ko_KR.utf8' >/dev/null; then
  echo "setup: generating the ko_KR.UTF-8 locale" >&2
  if ! grep -q '^ko_KR.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null; then
    echo 'ko_KR.UTF-8 UTF-8' | $SUDO tee -a /etc/locale.gen >/dev/null
  fi
  $SUDO locale-gen >/dev/null
fi
