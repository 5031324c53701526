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
T=$(mktemp -d)
# shellcheck source=tests/lib_window.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_window.sh"
require_tools Xvfb xdotool python3 import

start_xvfb 300 1280x1024x24
check "Xvfb :$disp started" xdotool getmouselocation

# count R G B X0 Y0 X1 Y1 PNG: pixels within 40 of the colour in the pixel rectangle
count() { png countpx "$8" "$1" "$2" "$3" "$4" "$5" "$6" "$7"; }
click_at() { xdotool mousemove --window "$WID" "$1" "$2" click 1; sleep 0.4; }

# --- the window: SGD and Adam on the bowl f = 0.1 x^2 + 2 y^2, ten steps taken
check "window opens" start_app --size 1000x700 --paused --function bowl \
  --optimizer "sgd(lr=0.002),adam(lr=0.05)" --start -8,3 --steps 40
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
start_app --size 1000x700 --stats --function bowl --steps 100000
xdotool mousemove --window "$WID" 300 300
key o
sleep 2
xdotool key q
wait "$APID"
APID=""
frames=$(sed -n 's/^frames \([0-9]*\).*/\1/p' "$T/out.txt")
repaints=$(sed -n 's/^panel-repaints \([0-9]*\).*/\1/p' "$T/out.txt")
echo "# $(grep '^panel-repaints' "$T/out.txt"); frames $frames"
check "the race ran behind the open panel ($frames frames)" gt "${frames:-0}" 40
check "the panel painted once or twice, not every frame ($repaints times)" \
  bash -c "[ -n '$repaints' ] && [ '$repaints' -ge 1 ] && [ '$repaints' -le 3 ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
