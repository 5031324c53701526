#!/usr/bin/env bash
# test_window.sh: the real window under its own Xvfb, driven by real X input events (xdotool
# through XTEST), checked by the screenshots it saves with S. Usage: test_window.sh OPTISCOPE SRCDIR
set -u
OPT="$1"
SRC="$2"
T=$(mktemp -d)
# shellcheck source=tests/lib_window.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_window.sh"
require_tools Xvfb xdotool python3

# --- our own X server on a free display number
start_xvfb 97 1280x1024x24
check "Xvfb :$disp started" xdotool getmouselocation

check "window opens" start_app --size 800x600 --paused --preset beale
a=$(shot)
check "S saves a PNG" test -s "$a"
check "screenshot has the window's size (800x600)" [ "$(png size "$a")" = "800x600" ]
check "the window shows a picture (not blank)" gt "$(png mean "$a" 0.3 0.3 0.6 0.7)" 20

key c
b=$(shot)
check "C (isolines off) changes the picture" gt "$(png diff "$a" "$b")" 0.5
key c
c=$(shot)
check "C again restores it exactly (paused: nothing else moves)" lt "$(png diff "$a" "$c")" 0.3

key Right Right Right period
d=$(shot)
check "Right and . step the race" gt "$(png diff "$c" "$d")" 0.02

key t
e=$(shot)
check "T hides the trails" gt "$(png diff "$d" "$e")" 0.05
key t

key v
f=$(shot)
check "V: 3-D differs from 2-D" gt "$(png diff "$d" "$f")" 10
check "3-D: the surface fills the plot (not the white page)" lt "$(png mean "$f" 0.35 0.4 0.45 0.6)" 200
fg=$(grab f3d)
check "3-D in the window: the GL frame holds the surface too" lt "$(png mean "$fg" 0.35 0.4 0.45 0.6)" 200
key v

key h
g=$(shot)
check "H shows the help overlay (a large light card)" gt "$(png mean "$g" 0.25 0.35 0.75 0.65)" 170
key Escape
sleep 0.3
check "Esc closes the help, the window stays" kill -0 "$APID"
h=$(shot)
check "help gone after Esc" lt "$(png diff "$d" "$h")" 1.0

key space
sleep 1.0
i=$(shot)
key space
check "Space runs the race (the picture moves)" gt "$(png diff "$h" "$i")" 0.05

key bracketright bracketright minus equal Down Up 2 2 g l
j=$(shot)
check "lr, speed, selection, toggles, arrows, log scale keys respond" gt "$(png diff "$i" "$j")" 0.5

key Tab
k=$(shot)
check "Tab shows the next function" gt "$(png diff "$j" "$k")" 5
key shift+Tab p
check "Shift+Tab and P keep the window alive" kill -0 "$APID"

xdotool mousemove --window "$WID" 300 300 click 1
sleep 0.4
xdotool mousemove --window "$WID" 300 300 mousedown 1 mousemove --window "$WID" 380 340 \
  mouseup 1
sleep 0.4
xdotool mousemove --window "$WID" 400 300 click 4 click 4
sleep 0.4
l=$(shot)
check "click, drag and wheel respond" gt "$(png diff "$k" "$l")" 1

xdotool windowsize "$WID" 1000 700
sleep 1.0
m=$(shot)
check "resized: the screenshot is 1000x700" [ "$(png size "$m")" = "1000x700" ]
mg=$(grab resized)
check "resized: the GL frame is 1000x700 too" [ "$(png size "$mg")" = "1000x700" ]
check "resized: the window shows what S saved (title and axes)" lt "$(png diffr "$m" "$mg" 0 0 1 0.08)" 3
check "resized: the window shows what S saved (the plot)" lt "$(png diffr "$m" "$mg" 0.1 0.1 0.6 0.9)" 25
check "resized: the window shows what S saved (legend, loss plot)" lt "$(png diffr "$m" "$mg" 0.7 0.1 1 0.8)" 3

# F11 without a window manager: the window covers the screen, panels and all, and back
key F11
sleep 1.0
fs=$(shot)
check "F11: the screenshot is the screen's size (1280x1024)" [ "$(png size "$fs")" = "1280x1024" ]
fsg=$(grab fs)
check "F11: the GL frame fills the screen" [ "$(png size "$fsg")" = "1280x1024" ]
check "F11: panels shown (legend as S saved it)" lt "$(png diffr "$fs" "$fsg" 0.7 0.05 1 0.5)" 3
check "F11: the plot fills the frame, not a corner" lt "$(png diffr "$fs" "$fsg" 0.1 0.1 0.6 0.9)" 25
key F11
sleep 1.0
fb=$(shot)
check "F11 again: back to 1000x700" [ "$(png size "$fb")" = "1000x700" ]

check "no GL errors" bash -c "! grep -q 'GL error' '$T/err.txt'"
key q
for _ in $(seq 50); do kill -0 "$APID" 2>/dev/null || break; sleep 0.1; done
wait "$APID"
rc=$?
APID=""
check "Q quits cleanly (status $rc)" quit_ok "$rc"

# --- one figure: what S saves from the window and what `render` draws for the same scene
# and size hold the same elements in the same places (banana's 150 steps: the window stops
# there, as render does)
check "window opens on banana" start_app --size 1000x640 --preset banana
key equal equal equal
sleep 3
wb=$(shot)
wbg=$(grab banana)
"$OPT" render --preset banana --size 1000x640 -o "$T/rb.png" >/dev/null 2>&1
check "render of the same scene" test -s "$T/rb.png"
check "same size" [ "$(png size "$wb")" = "$(png size "$T/rb.png")" ]
check "title and settings line in the same place" lt "$(png diffr "$wb" "$T/rb.png" 0 0 1 0.09)" 0.5
check "axes and tick labels in the same place" lt "$(png diffr "$wb" "$T/rb.png" 0 0.09 0.075 1)" 0.5
check "x axis in the same place" lt "$(png diffr "$wb" "$T/rb.png" 0.075 0.93 0.6 1)" 0.5
check "plot: same surface, same paths (the window ran exactly the scene's 150 steps)" lt "$(png diffr "$wb" "$T/rb.png" 0.075 0.09 0.6 0.93)" 4
check "loss plot in the same place, same curves" lt "$(png diffr "$wb" "$T/rb.png" 0.69 0.45 1 0.9)" 4
check "the window's GL frame shows the same figure (plot)" lt "$(png diffr "$wbg" "$T/rb.png" 0.075 0.09 0.6 0.93)" 25
check "the window's GL frame shows the same figure (title, axes)" lt "$(png diffr "$wbg" "$T/rb.png" 0 0 1 0.09)" 3
key q
wait "$APID"
APID=""

# --- SGD's zig-zag of long steps is a thick line in the window, as in the figure (it drew as
# hairlines: the joins of a sharp zig-zag collapsed the strip)
check "window opens on long_valley" start_app --size 1000x640 --preset long_valley
key equal equal equal
sleep 2.5
lv=$(shot)
lvg=$(grab lv)
red_s=$(png count "$lv" 255 64 54 0.07 0.09 0.6 0.93)
red_g=$(png count "$lvg" 255 64 54 0.07 0.09 0.6 0.93)
check "SGD's zig-zag has its width in the GL frame ($red_g vs $red_s red pixels)" \
  gt "$red_g" "$(python3 -c "print(0.5 * $red_s)")"
check "and the figure shows it thick too" gt "$red_s" 1500
key q
wait "$APID"
APID=""

# --- a huge learning rate diverges without harm
check "window opens with sgd(lr=1e6)" start_app --size 640x480 --paused --function rosenbrock \
  --optimizer "sgd(lr=1e6),adam(lr=0.05)"
key Right Right Right
n=$(shot)
check "diverged runner reported" grep -q "diverged at step" "$T/err.txt"
check "still alive and drawing after divergence" test -s "$n"
key space
sleep 1
key Escape
for _ in $(seq 50); do kill -0 "$APID" 2>/dev/null || break; sleep 0.1; done
wait "$APID"
rc=$?
APID=""
check "Esc quits cleanly after divergence (status $rc)" quit_ok "$rc"
check "no GL errors after divergence" bash -c "! grep -q 'GL error' '$T/err.txt'"

# --- W, E, A, X: scene, vector figure, animated GIF and CSV from the window, each a file the
# standard tools open
check "window opens for exports" start_app --size 900x600 --paused --preset beale \
  --zoom 1,4,0,3 --contours no
w0=$(press_for w scene)
check "W saves a scene file" test -s "$w0"
"$OPT" render --scene "$w0" --size 640x400 -o "$T/w0.png" >/dev/null 2>&1
"$OPT" render --preset beale --zoom 1,4,0,3 --contours no --size 640x400 -o "$T/o0.png" \
  >/dev/null 2>&1
check "render of W's scene is the render of the options the window opened with (cmp)" \
  cmp "$T/w0.png" "$T/o0.png"
key bracketright Down bracketleft bracketleft l t Right Right Right Right Right
xdotool mousemove --window "$WID" 300 300 mousedown 1 mousemove --window "$WID" 340 320 \
  mouseup 1
sleep 0.4
w1=$(press_for w scene)
check "W after [ ], L, T and a drag saves another scene" test -s "$w1"
check "the scene carries the live learning rates, zoom, trails and scale" \
  bash -c "grep -q '^optimizer = ' '$w1' && grep -q '^zoom = ' '$w1' && \
  grep -q '^trails = false' '$w1' && grep -q '^scale = linear' '$w1' && ! cmp -s '$w0' '$w1'"
x1=$(press_for x csv)
check "X writes a CSV" test -s "$x1"
"$OPT" trace --scene "$w1" --steps 5 -o "$T/trace5.csv" >/dev/null 2>&1
check "X's CSV is what optiscope trace writes for W's scene to the same step (cmp)" \
  cmp "$x1" "$T/trace5.csv"
e1=$(press_for e pdf)
e1svg=$(sed -n 's/^svg //p' "$T/out.txt" | tail -1)
check "E writes an SVG that rsvg-convert opens" rsvg-convert -d 72 -p 72 -o "$T/e1.png" "$e1svg"
check "the SVG is the window's size (900x600)" [ "$(png size "$T/e1.png")" = "900x600" ]
check "E writes a PDF that pdftoppm opens" pdftoppm -png -r 36 -singlefile "$e1" "$T/e1p"
check "the PDF page is drawn (not blank)" lt "$(png mean "$T/e1p.png" 0.1 0.1 0.6 0.9)" 240
t0=$(date +%s.%N)
xdotool key a
sleep 0.3
check "A: the window answers while it records (S during A)" test -s "$(shot)"
t1=$(date +%s.%N)
check "S during A within 3 s" lt "$(python3 -c "print($t1 - $t0)")" 3
a1=""
for _ in $(seq 600); do
  a1=$(sed -n 's/^gif //p' "$T/out.txt" | tail -1)
  [ -n "$a1" ] && break
  sleep 0.1
done
check "A records a GIF and says where" test -s "$a1"
check "gifsicle reads it: 61 frames" bash -c "gifsicle --info '$a1' | grep -q '61 images'"
check "identify reads it: 1280x800 frames" \
  bash -c "[ \"\$(identify -format '%wx%h\n' '$a1' | head -1)\" = 1280x800 ]"
key q
wait "$APID"
APID=""
# the scene reopens exactly: open it, save it again, the same file
check "view --scene opens W's scene" start_app --size 900x600 --paused --scene "$w1"
w2=$(press_for w scene)
check "reopened and saved again: the same scene file (cmp)" cmp "$w1" "$w2"
check "no temporary files left by the exports" bash -c "! ls '$T' | grep -q '\\.tmp-'"
key q
wait "$APID"
APID=""

# --- U: every learning rate tuned on a worker while the window answers, the tuned race shown
# (the same rates as `optiscope tune`), W saves it, U again: the defaults
check "window opens for the tune" start_app --size 900x600 --paused --preset beale
u0=$(shot)
ut=$(press_for u tuned 30)
check "U tunes every optimizer and says so ($ut)" bash -c "echo '$ut' | grep -q '^8 optimizers in '"
check "the window answers after U" test -s "$(shot)"
u1=$(shot)
check "U shows the tuned race (legend and subtitle change)" gt "$(png diffr "$u0" "$u1" 0.65 0 1 0.5)" 0.3
uw=$(press_for w scene)
"$OPT" tune --preset beale -o "$T/cli-tuned.scene" >/dev/null 2>&1
check "W saves the rates optiscope tune finds" \
  bash -c "[ \"\$(grep '^optimizer' '$uw')\" = \"\$(grep '^optimizer' '$T/cli-tuned.scene')\" ]"
key u
ud=$(press_for w scene)
check "U again: the defaults (W saves the preset's rates)" \
  bash -c "grep -q '^optimizer = sgd(lr=3e-05), momentum(lr=3e-05)' '$ud'"
key q
wait "$APID"
APID=""

# --- the CNN mode: training live behind a window that keeps answering
title() { xdotool getwindowname "$WID" 2>/dev/null; }
check "window opens in the CNN mode" start_app --cnn --size 1000x640 --data synthetic \
  --limit 3000 --val 200 --batch 32 --epochs 4 --eval-every 10
check "the title says the CNN mode" bash -c "xdotool getwindowname $WID | grep -q CNN"
sleep 3
c1=$(shot)
sleep 3
c2=$(shot)
check "CNN screenshot has the window's size" [ "$(png size "$c1")" = "1000x640" ]
check "the curves grow between two screenshots" gt "$(png diffr "$c1" "$c2" 0 0.08 0.35 0.9)" 0.05
check "the weight panels are drawn (not blank)" lt "$(png mean "$c2" 0.37 0.15 0.64 0.6)" 250
t0=$(date +%s.%N)
key h
c3=$(shot)
t1=$(date +%s.%N)
check "H answers while training (help card)" gt "$(png mean "$c3" 0.25 0.35 0.75 0.65)" 170
check "within 3 s" lt "$(python3 -c "print($t1 - $t0)")" 3
key Escape
sleep 0.3
check "Esc closes the CNN help, the window stays" kill -0 "$APID"
key k
sleep 0.6
ck=$(shot)
check "K: the landscape panel starts computing" gt "$(png diffr "$c2" "$ck" 0.67 0.08 1 0.55)" 0.3
key o
check "O (directions) keeps the window alive" kill -0 "$APID"
key d
sleep 0.5
c4=$(shot)
check "D: dropout on, shown in the status line" gt "$(png diffr "$c2" "$c4" 0 0.92 1 1)" 0.2
check "D restarts the race (the curves start again)" gt "$(png diffr "$c2" "$c4" 0 0.08 0.35 0.9)" 0.2
key n
sleep 0.5
check "N: the toy race" bash -c "! xdotool getwindowname $WID | grep -q 'CNN'"
n1=$(shot)
check "N: the toy race's figure (its title band differs)" gt "$(png diffr "$c4" "$n1" 0 0 1 0.1)" 1
key n
sleep 0.5
check "N again: back to the CNN mode" bash -c "xdotool getwindowname $WID | grep -q 'CNN'"
key b p e f
check "B, P, E, F keep the window alive" kill -0 "$APID"
sleep 1
t0=$(date +%s.%N)
xdotool key q
for _ in $(seq 100); do kill -0 "$APID" 2>/dev/null || break; sleep 0.05; done
t1=$(date +%s.%N)
wait "$APID"
rc=$?
APID=""
check "Q quits cleanly mid-epoch (status $rc)" quit_ok "$rc"
check "Q quits promptly mid-epoch ($(python3 -c "print(round($t1 - $t0, 2))") s)" lt "$(python3 -c "print($t1 - $t0)")" 3
check "no GL errors in the CNN mode" bash -c "! grep -q 'GL error' '$T/err.txt'"

# --- 3-D at start, and the headless paths
check "window opens in 3-D" start_app --size 640x480 --paused --view 3d
o=$(shot)
check "3-D start screenshot 640x480" [ "$(png size "$o")" = "640x480" ]
key q
wait "$APID"
APID=""

( cd "$T" && env -u DISPLAY -u WAYLAND_DISPLAY "$OPT" view --shot-dir "$T" >"$T/nd.out" \
  2>"$T/nd.err" )
rc=$?
check "no display: non-zero exit" [ "$rc" -ne 0 ]
check "no display: says what is missing" grep -q "no display" "$T/nd.err"
check "no display: suggests optiscope render" grep -q "optiscope render" "$T/nd.err"
check "no display: renders the PNG and says where" \
  bash -c "f=\$(sed -n 's/^rendered //p' '$T/nd.out'); [ -s \"\$f\" ]"

env -u DISPLAY -u WAYLAND_DISPLAY "$OPT" render --view 3d --preset beale --size 480x320 \
  -o "$T/r3.png" >/dev/null 2>"$T/r3.err"
check "render --view 3d without X" [ "$(png size "$T/r3.png" 2>/dev/null)" = "480x320" ]
env -u DISPLAY -u WAYLAND_DISPLAY "$OPT" render --preset beale --size 480x320 \
  -o "$T/r2.png" >/dev/null 2>&1
check "render --view 3d has no window status (the place stays blank)" gt "$(png mean "$T/r3.png" 0.69 0.94 1 1)" 250
check "3-D render differs from 2-D render" gt "$(png diff "$T/r2.png" "$T/r3.png")" 10
check "render --view 3d refuses SVG" bash -c "! '$OPT' render --view 3d -o '$T/x.svg' 2>/dev/null"
check "no temporary files left" bash -c "! ls '$T' | grep -q '\\.tmp-'"

# --- the display goes away under an open window (the X server killed): the window ends with a
# message and exit 1, neither hanging (the timeout would say 124 or 137) nor crashing (a signal
# status, or a core file: core dumps are allowed in the subshell, and cores land in its folder)
gone=$(free_display $((disp + 1)))
Xvfb ":$gone" -screen 0 800x600x24 -nolisten tcp -noreset >"$T/xvfb-gone.log" 2>&1 &
GPID=$!
for _ in $(seq 100); do
  DISPLAY=":$gone" xdotool getmouselocation >/dev/null 2>&1 && break
  sleep 0.1
done
mkdir -p "$T/gone"
( cd "$T/gone" && ulimit -c unlimited 2>/dev/null
  DISPLAY=":$gone" exec timeout -s KILL 120 "$OPT" view --size 400x300 >out.txt 2>err.txt ) &
GAPP=$!
for _ in $(seq 300); do
  [ -n "$(DISPLAY=":$gone" xdotool search --name '^optiscope' 2>/dev/null | head -1)" ] && break
  kill -0 "$GAPP" 2>/dev/null || break
  sleep 0.1
done
check "display gone: the window was open" kill -0 "$GAPP"
sleep 1
kill -KILL "$GPID"
wait "$GPID" 2>/dev/null
wait "$GAPP"
rc=$?
[ "$rc" -eq 1 ] || echo "# display gone: exit $rc; stderr: $(tail -3 "$T/gone/err.txt")" >&3
check "display gone: exit 1 (no hang, no crash)" [ "$rc" -eq 1 ]
check "display gone: says so" grep -q "lost the connection to the display :$gone" "$T/gone/err.txt"
check "display gone: no core dump" bash -c "! ls '$T/gone' | grep -q '^core'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
