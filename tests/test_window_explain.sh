#!/usr/bin/env bash
# test_window_explain.sh: the explain mode and the hover readout in the real window under its
# own Xvfb, driven by real X events (xdotool): I, then a step, draws the caption (a dark card
# over the plot, in the GL frame and in the S screenshot); another step changes it; the mouse
# over the plot shows the readout; I again removes the caption. Usage: test_window_explain.sh
# OPTISCOPE SRCDIR
set -u
OPT="$1"
SRC="$2"
pass=0
fail=0
exec 3>&1
check() {   # check NAME CMD...: runs CMD, counts and reports
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

for tool in Xvfb xdotool python3 import; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool is not installed"
    exit 77
  fi
done

T=$(mktemp -d)
XPID=""
APID=""
cleanup() {
  [ -n "$APID" ] && kill "$APID" 2>/dev/null
  [ -n "$XPID" ] && kill "$XPID" 2>/dev/null
  [ -n "$XPID" ] && wait "$XPID" 2>/dev/null
  [ -n "${KEEP:-}" ] && echo "kept $T" && return
  rm -rf "$T"
}
trap cleanup EXIT
export LSAN_OPTIONS="suppressions=$SRC/tests/lsan_gl.supp:print_suppressions=0"

disp=$((300 + RANDOM % 200))
while [ -e "/tmp/.X11-unix/X$disp" ] || [ -e "/tmp/.X$disp-lock" ]; do
  disp=$((disp + 1))
done
Xvfb ":$disp" -screen 0 1280x1024x24 -nolisten tcp -noreset >"$T/xvfb.log" 2>&1 &
XPID=$!
export DISPLAY=":$disp"
for _ in $(seq 100); do
  xdotool getmouselocation >/dev/null 2>&1 && break
  sleep 0.1
done
check "Xvfb :$disp started" xdotool getmouselocation

# PNG width, height and pixel statistics, without image libraries.
cat >"$T/png.py" <<'PY'
import struct, sys, zlib
def load(path):
    d = open(path, 'rb').read()
    assert d[:8] == b'\x89PNG\r\n\x1a\n'
    pos, idat, w = 8, b'', 0
    while pos < len(d):
        n, kind = struct.unpack('>I4s', d[pos:pos + 8])
        body = d[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            bpp = {2: 3, 6: 4}[ctype]
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    raw, rows, prev = zlib.decompress(idat), [], bytearray(w * bpp)
    stride = w * bpp
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows
def region(img, fx0, fy0, fx1, fy1):
    w, h, bpp, rows = img
    for y in range(int(fy0 * h), int(fy1 * h), 2):
        for x in range(int(fx0 * w), int(fx1 * w), 2):
            yield rows[y][x * bpp:x * bpp + 3]
cmd = sys.argv[1]
if cmd == 'size':
    w, h, _, _ = load(sys.argv[2])
    print('%dx%d' % (w, h))
elif cmd == 'diff':   # mean absolute difference (0..255) over the top 80% (toasts live below)
    a, b = load(sys.argv[2]), load(sys.argv[3])
    if a[:2] != b[:2]:
        print(255.0)
        sys.exit()
    s = n = 0
    for p, q in zip(region(a, 0, 0, 1, 0.8), region(b, 0, 0, 1, 0.8)):
        s += abs(p[0] - q[0]) + abs(p[1] - q[1]) + abs(p[2] - q[2])
        n += 3
    print('%.3f' % (s / n))
elif cmd == 'diffr':   # mean absolute difference over a region given as fractions x0 y0 x1 y1
    a, b = load(sys.argv[2]), load(sys.argv[3])
    if a[:2] != b[:2]:
        print(255.0)
        sys.exit()
    r = list(map(float, sys.argv[4:8]))
    s = n = 0
    for p, q in zip(region(a, *r), region(b, *r)):
        s += abs(p[0] - q[0]) + abs(p[1] - q[1]) + abs(p[2] - q[2])
        n += 3
    print('%.3f' % (s / n))
elif cmd == 'count':   # pixels within 40 of colour R G B in a region x0 y0 x1 y1 (every pixel)
    w, h, bpp, rows = load(sys.argv[2])
    c = list(map(int, sys.argv[3:6]))
    x0, y0, x1, y1 = map(float, sys.argv[6:10])
    n = 0
    for y in range(int(y0 * h), int(y1 * h)):
        for x in range(int(x0 * w), int(x1 * w)):
            p = rows[y][x * bpp:x * bpp + 3]
            n += max(abs(p[0] - c[0]), abs(p[1] - c[1]), abs(p[2] - c[2])) <= 40
    print(n)
elif cmd == 'mean':   # mean brightness 0..255 of a region given as fractions x0 y0 x1 y1
    img = load(sys.argv[2])
    px = list(region(img, *map(float, sys.argv[3:7])))
    print('%.1f' % (sum(sum(p) for p in px) / (3 * len(px))))
PY
png() { python3 "$T/png.py" "$@"; }
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

shot() {   # shot: presses S, waits for one more screenshot line, prints the PNG's path
  local n0
  n0=$(grep -c '^screenshot ' "$T/out.txt")
  xdotool key s
  for _ in $(seq 100); do
    [ "$(grep -c '^screenshot ' "$T/out.txt")" -gt "$n0" ] && break
    sleep 0.1
  done
  sed -n 's/^screenshot //p' "$T/out.txt" | tail -1
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

check "window opens" start_app --size 1000x700 --paused --function rosenbrock \
  --start=-1.5,2 --optimizer "momentum(lr=0.0004),adam(lr=0.05)"
xdotool mousemove --window "$WID" 990 690   # the legend's corner: no readout over the plot
sleep 0.4
before=$(grab before)
s0=$(shot)
key i
key Right
on=$(grab on)
s1=$(shot)
key Right
on2=$(grab on2)
# the plot is the left 3/5 of the frame; the caption card sits in one of its corners
PLOT="0.08 0.1 0.6 0.9"
dark() { png count "$1" 22 24 30 0.05 0.05 0.62 0.95; }   # the caption card's colour
# shellcheck disable=SC2086
check "I and a step change the plot (GL frame)" gt "$(png diffr "$before" "$on" $PLOT)" 3
check "the caption's dark card is there" gt "$(dark "$on")" 20000
check "the S screenshot has the caption too" gt "$(dark "$s1")" 20000
check "no caption before I" lt "$(dark "$s0")" 2000
# shellcheck disable=SC2086
check "the next step changes the caption" gt "$(png diffr "$on" "$on2" $PLOT)" 0.2
xdotool mousemove --window "$WID" 250 250
sleep 0.6
hov=$(grab hover)
white() { png count "$1" 255 255 255 0.25 0.33 0.55 0.5; }   # the readout's card, by the cursor
check "the mouse over the plot shows the readout" gt "$(white "$hov")" "$(($(white "$on2") + 1500))"
key i
off=$(grab off)
check "I again removes the caption" lt "$(dark "$off")" 2000
xdotool key q
wait "$APID"
st=$?
APID=""
check "quits cleanly" quit_ok "$st"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
