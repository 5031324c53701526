#!/usr/bin/env bash
# test_window_panel.sh: the settings panel (O) in the real window under its own Xvfb, driven by
# real X mouse and key events (xdotool through XTEST): a dragged learning rate changes the race
# (checked against SGD's closed form through X's CSV), a typed value, a refused one (message on
# screen, the old value kept, its keys no shortcut), an expression and a bad one. The race's
# state is read back through W (the scene as it stands) and X (the trajectories).
# Usage: test_window_panel.sh OPTISCOPE SRCDIR
set -u
OPT="$1"
SRC="$2"
pass=0
fail=0
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
    echo "SKIP: $tool is not installed (bash scripts/setup.sh installs it)"
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

# --- helpers (as test_window.sh's)
gt() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)" "$1" "$2"; }
# count R G B X0 Y0 X1 Y1 PNG: pixels within 40 of the colour in the pixel rectangle
count() {
  python3 - "$@" <<'PY'
import struct, sys, zlib
r, g, b, x0, y0, x1, y1 = map(int, sys.argv[1:8])
d = open(sys.argv[8], 'rb').read()
pos, idat = 8, b''
while pos < len(d):
    n, kind = struct.unpack('>I4s', d[pos:pos + 8])
    body = d[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
        bpp = {2: 3, 6: 4}[ctype]
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
raw, prev, rows, stride = zlib.decompress(idat), bytearray(w * bpp), [], w * bpp
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        up = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + up) & 255
        elif f == 3: line[i] = (line[i] + (a + up) // 2) & 255
        elif f == 4:
            p = a + up - c
            pa, pb, pc = abs(p - a), abs(p - up), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else up if pb <= pc else c)) & 255
    rows.append(line)
    prev = line
n = 0
for y in range(y0, y1):
    for x in range(x0, x1):
        p = rows[y][x * bpp:x * bpp + 3]
        n += max(abs(p[0] - r), abs(p[1] - g), abs(p[2] - b)) <= 40
print(n)
PY
}
grab() { timeout 20 import -window "$WID" "$T/$1.png" 2>/dev/null; echo "$T/$1.png"; }
key() { xdotool key "$@"; sleep 0.4; }
press_for() {   # press_for KEY WHAT: presses KEY, waits for one more "WHAT PATH" line
  local n0
  n0=$(grep -c "^$2 " "$T/out.txt")
  xdotool key "$1"
  for _ in $(seq 100); do
    [ "$(grep -c "^$2 " "$T/out.txt")" -gt "$n0" ] && break
    sleep 0.1
  done
  sed -n "s/^$2 //p" "$T/out.txt" | tail -1
}
quit_ok() {   # quit_ok STATUS: 0, or (sanitizer builds) only leaks inside an unloaded driver
  [ "$1" -eq 0 ] && return 0
  grep -q "LeakSanitizer: detected memory leaks" "$T/err.txt" || return 1
  ! grep -E '^ +#[1-9][0-9]* 0x' "$T/err.txt" | grep -qv '(<unknown module>)'
}
click_at() { xdotool mousemove --window "$WID" "$1" "$2" click 1; sleep 0.4; }

# --- the window: SGD and Adam on the bowl f = 0.1 x^2 + 2 y^2, ten steps taken
"$OPT" view --shot-dir "$T" --size 1000x700 --paused --function bowl \
  --optimizer "sgd(lr=0.002),adam(lr=0.05)" --start -8,3 --steps 40 >"$T/out.txt" 2>"$T/err.txt" &
APID=$!
WID=""
for _ in $(seq 300); do
  WID=$(xdotool search --name '^optiscope' 2>/dev/null | head -1)
  [ -n "$WID" ] && break
  sleep 0.1
done
check "window opens" test -n "$WID"
xdotool windowfocus --sync "$WID" 2>/dev/null || xdotool windowfocus "$WID"
sleep 0.5
key Right Right Right Right Right Right Right Right Right Right
g0=$(grab closed)
key o
g1=$(grab open)
# the panel's card on the right, its green restart button at the top
check "O opens the panel (its green restart button on the right)" \
  gt "$(count 45 164 78 632 10 992 45 "$g1")" "$(python3 -c "print(200 + $(count 45 164 78 632 10 992 45 "$g0"))")"

# Where the widgets are at 1000x700 (session/panel.c's layout): the card spans x 632..992;
# sgd's lr box is centred at (780, 262), adam's at (790, 336) (below sgd's label row), the
# expression at (840, 135).
xdotool mousemove --window "$WID" 770 262 mousedown 1
for x in 790 820 850 880 920; do
  xdotool mousemove --window "$WID" "$x" 263
  sleep 0.05
done
xdotool mouseup 1
sleep 0.5
w1=$(press_for w scene)
check "dragging sgd's lr 150 pixels right: a decade up (0.002 -> 0.02)" \
  grep -q '^optimizer = sgd(lr=0.02), adam(lr=0.05)' "$w1"
x1=$(press_for x csv)
check "the race recomputed to step 10 with it: SGD's closed form x = -8 (1 - 0.2 lr)^10" \
  python3 - "$x1" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r['optimizer'].startswith('sgd')]
last = rows[-1]
assert int(last['step']) == 10, last
x, y = float(last['x']), float(last['y'])
assert abs(x - (-8 * (1 - 0.2 * 0.02) ** 10)) < 1e-12, x
assert abs(y - 3 * (1 - 4 * 0.02) ** 10) < 1e-12, y
PY
g2=$(grab dragged)
check "the path on screen changed (sgd's red trail moved)" \
  bash -c "[ '$(count 230 60 50 80 60 600 480 "$g1")' != '$(count 230 60 50 80 60 600 480 "$g2")' ]"

# a typed value: click adam's lr, type, Enter
click_at 790 336
xdotool type --delay 30 "0.2"
key Return
w2=$(press_for w scene)
check "typed 0.2 into adam's lr" grep -q '^optimizer = sgd(lr=0.02), adam(lr=0.2)' "$w2"

# a bad value: refused with its reason on screen, the old value kept, its letters no shortcut
n_gif=$(grep -c '^gif ' "$T/out.txt")
click_at 780 262
xdotool type --delay 30 "abc"
key Return
g3=$(grab refused)
check "a refused value: its reason in red in the panel" \
  gt "$(count 207 34 46 632 232 992 362 "$g3")" 80
key Escape
w3=$(press_for w scene)
check "the old value kept (sgd lr 0.02)" grep -q '^optimizer = sgd(lr=0.02), adam(lr=0.2)' "$w3"
check "typed letters were no shortcuts (A records no GIF, C left the isolines on)" \
  bash -c "[ $(grep -c '^gif ' "$T/out.txt") -eq $n_gif ] && ! grep -q '^contours = false' '$w3'"

# an expression, then a bad one (its error at the position, the old surface kept)
click_at 840 135
n_shot=$(grep -c '^screenshot ' "$T/out.txt")
xdotool type --delay 20 "x^2 + 3*y^2 + cos(x)"
key Return
w4=$(press_for w scene)
check "typed an expression: the scene's f is it" grep -q '^expr = x^2 + 3\*y^2 + cos(x)' "$w4"
check "its letters no shortcuts (S saved no screenshot, O kept the panel)" \
  bash -c "[ $(grep -c '^screenshot ' "$T/out.txt") -eq $n_shot ] && \
  [ $(count 45 164 78 632 10 992 45 "$(grab typed-expr)") -gt 200 ]"
click_at 840 135
xdotool type --delay 20 "x^2 + sni(y)"
key Return
g4=$(grab bad-expr)
check "a bad expression: the error shown in red" gt "$(count 207 34 46 632 122 992 232 "$g4")" 80
key Escape
w5=$(press_for w scene)
check "and the good one stays" grep -q '^expr = x^2 + 3\*y^2 + cos(x)' "$w5"

key o
g5=$(grab closed-again)
check "O closes the panel" \
  gt "$(count 45 164 78 632 10 992 45 "$g1")" "$(python3 -c "print(200 + $(count 45 164 78 632 10 992 45 "$g5"))")"
check "no GL errors" bash -c "! grep -q 'GL error' '$T/err.txt'"
xdotool key q
for _ in $(seq 50); do kill -0 "$APID" 2>/dev/null || break; sleep 0.1; done
wait "$APID"
rc=$?
APID=""
check "Q quits cleanly (status $rc)" quit_ok "$rc"

# --- the panel repaints only when it changes: open over a running race, no input
"$OPT" view --shot-dir "$T" --size 1000x700 --stats --function bowl --steps 100000 \
  >"$T/out2.txt" 2>"$T/err2.txt" &
APID=$!
WID=""
for _ in $(seq 300); do
  WID=$(xdotool search --name '^optiscope' 2>/dev/null | head -1)
  [ -n "$WID" ] && break
  sleep 0.1
done
xdotool windowfocus --sync "$WID" 2>/dev/null || xdotool windowfocus "$WID"
sleep 0.5
xdotool mousemove --window "$WID" 300 300
key o
sleep 2
xdotool key q
wait "$APID"
APID=""
frames=$(sed -n 's/^frames \([0-9]*\).*/\1/p' "$T/out2.txt")
repaints=$(sed -n 's/^panel-repaints \([0-9]*\).*/\1/p' "$T/out2.txt")
echo "# $(grep '^panel-repaints' "$T/out2.txt"); frames $frames"
check "the race ran behind the open panel ($frames frames)" gt "${frames:-0}" 40
check "the panel painted once or twice, not every frame ($repaints times)" \
  bash -c "[ -n '$repaints' ] && [ '$repaints' -ge 1 ] && [ '$repaints' -le 3 ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
