#!/usr/bin/env bash
# test_window_explain.sh: the explain mode and the hover readout in the real window under its
# own Xvfb, driven by real X events (xdotool): I, then a step, draws the caption (a dark card
# over the plot, in the GL frame and in the S screenshot); another step changes it; the mouse
# over the plot shows the readout; I again removes the caption. Usage: test_window_explain.sh
# OPTISCOPE SRCDIR
set -u
OPT="$1"
SRC="$2"
T=$(mktemp -d)
# shellcheck source=tests/lib_window.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_window.sh"
require_tools Xvfb xdotool python3 import

start_xvfb 300 1280x1024x24
check "Xvfb :$disp started" xdotool getmouselocation

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
