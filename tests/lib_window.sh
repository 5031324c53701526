# shellcheck shell=bash
# lib_window.sh: what the window tests share, sourced by them: counting checks, their own Xvfb on a
# free display, the window started and driven with xdotool, and PNG probes (png_probe.py).
# Source it after setting OPT (the binary), SRC (the source root) and T (the test's own folder):
# it traps EXIT to stop the window and the X servers and to remove T (KEEP=1 keeps it).

LIB_WINDOW_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pass=0
fail=0
XPID=""   # our Xvfb
APID=""   # the window under test
GPID=""   # a second Xvfb a test may start (and kill) itself
exec 3>&1   # diagnostics from inside a check (whose own output is hidden) go here

check() {   # check NAME CMD...: runs CMD, counts and reports
  [ -n "${VERBOSE:-}" ] && echo "# $*"
  local name="$1"
  shift
  if "$@" >/dev/null 2>&1; then
    pass=$((pass + 1))
    echo "ok - $name"
  else
    fail=$((fail + 1))
    echo "not ok - $name"
  fi
}

cleanup() {
  [ -n "$APID" ] && kill "$APID" 2>/dev/null
  [ -n "$XPID" ] && kill "$XPID" 2>/dev/null
  [ -n "$XPID" ] && wait "$XPID" 2>/dev/null
  [ -n "$GPID" ] && kill "$GPID" 2>/dev/null
  [ -n "${KEEP:-}" ] && echo "kept $T" && return
  [ -n "${T:-}" ] && rm -rf "$T"
}
trap cleanup EXIT

# Mesa and the X libraries keep driver allocations for the life of the process; only those
# are ignored, our own leaks still fail the sanitizer run.
export LSAN_OPTIONS="suppressions=$SRC/tests/lsan_gl.supp:print_suppressions=0"

missing_tool() {   # missing_tool TOOL...: prints the first one not installed (status 0), if any
  local tool
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "$tool"
      return 0
    fi
  done
  return 1
}

require_tools() {   # require_tools TOOL...: skips the whole test (exit 77) when one is missing
  local tool
  if tool=$(missing_tool "$@"); then
    echo "SKIP: $tool is not installed (bash scripts/setup.sh installs it)"
    exit 77
  fi
}

free_display() {   # free_display N: the first display number from N on with no server or lock
  local d="$1"
  while [ -e "/tmp/.X11-unix/X$d" ] || [ -e "/tmp/.X$d-lock" ]; do
    d=$((d + 1))
  done
  echo "$d"
}

start_xvfb() {   # start_xvfb BASE WxHxD: our own X server on a free display from BASE + 0..199
  # (tests that may run side by side start from different bases); sets disp, XPID, DISPLAY,
  # and waits until it answers
  disp=$(free_display $(($1 + RANDOM % 200)))
  # -noreset: an X server whose last client left resets, and a window opened during the reset
  # fails ("x11 not available"); the first launch after the readiness probe raced with it.
  Xvfb ":$disp" -screen 0 "$2" -nolisten tcp -noreset >"$T/xvfb.log" 2>&1 &
  XPID=$!
  export DISPLAY=":$disp"
  for _ in $(seq 100); do
    xdotool getmouselocation >/dev/null 2>&1 && break
    sleep 0.1
  done
}

# --- numbers and pictures
png() { python3 "$LIB_WINDOW_DIR/png_probe.py" "$@"; }
gt() {
  python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)" "$1" "$2"
}
lt() { gt "$2" "$1"; }

# --- the window
start_app() {   # start_app ARGS...: runs the window, waits for it, focuses it
  : >"$T/out.txt"
  "$OPT" view --shot-dir "$T" "$@" >"$T/out.txt" 2>>"$T/err.txt" &
  APID=$!
  WID=""
  # A first launch may compile every shader into Mesa's cache (slow under the sanitizers).
  for _ in $(seq 300); do
    WID=$(xdotool search --name '^optiscope' 2>/dev/null | head -1)
    [ -n "$WID" ] && break
    kill -0 "$APID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$WID" ]; then
    echo "# the window did not appear; its stderr:" >&3
    sed 's/^/#   /' "$T/err.txt" | tail -20 >&3
    return 1
  fi
  xdotool windowfocus --sync "$WID" 2>/dev/null || xdotool windowfocus "$WID"
  sleep 0.5
}

press_for() {   # press_for KEY WHAT [TIMEOUT_S]: presses KEY, waits for one more "WHAT PATH" line
  local n0
  n0=$(grep -c "^$2 " "$T/out.txt")
  xdotool key "$1"
  for _ in $(seq $((${3:-10} * 10))); do
    [ "$(grep -c "^$2 " "$T/out.txt")" -gt "$n0" ] && break
    sleep 0.1
  done
  sed -n "s/^$2 //p" "$T/out.txt" | tail -1
}

shot() {   # shot: presses S, waits for one more screenshot line, prints the PNG's path
  press_for s screenshot
}

quit_ok() {   # quit_ok STATUS: 0, or (sanitizer builds) only leaks inside an unloaded driver
  [ "$1" -eq 0 ] && return 0
  grep -q "LeakSanitizer: detected memory leaks" "$T/err.txt" || return 1
  # Every leak's stack must end in a module already unloaded at exit (Mesa's driver): any
  # named frame (our code, or a library still loaded) keeps the failure.
  ! grep -E '^ +#[1-9][0-9]* 0x' "$T/err.txt" | grep -qv '(<unknown module>)'
}

grab() {   # grab NAME: what the X server shows in the window (the GL frame), as a PNG path
  [ -n "$WID" ] && timeout 20 import -window "$WID" "$T/$1.png" 2>/dev/null
  echo "$T/$1.png"
}

key() {   # key NAME...: real key presses, then time to draw
  xdotool key "$@"
  sleep 0.4
}
