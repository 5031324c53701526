#!/usr/bin/env bash
# test_classroom.sh: in front of a class: the light and dark themes and large text from the
# command line and scene files (bad values refused), Korean text in PNG, SVG and PDF figures
# (read back by poppler and librsvg: no missing glyph), and the window under its own Xvfb
# taking F5 and F6 as real key presses in both modes. Usage: test_classroom.sh OPTISCOPE SRCDIR
set -u
OPT="$1"
SRC="$2"
T=$(mktemp -d /tmp/optiscope-classroom-XXXXXX)
# shellcheck source=tests/lib_window.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_window.sh"
cd "$T" || exit 1
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }

# expect_error WHAT PATTERN ARGS...: exit 2, stderr one line matching PATTERN
expect_error() {
  local what="$1" pattern="$2"
  shift 2
  "$OPT" "$@" >out.txt 2>err.txt
  local rc=$?
  if [ $rc -ne 2 ]; then bad "$what: exit $rc, expected 2"; return; fi
  if ! grep -q -- "$pattern" err.txt; then bad "$what: stderr '$(cat err.txt)' lacks '$pattern'"; return; fi
  if [ "$(wc -l < err.txt)" -ne 1 ]; then bad "$what: expected one line on stderr"; return; fi
  ok "$what"
}

require_tools convert pdffonts pdftotext rsvg-convert

# mean brightness 0..1 of a region WxH+X+Y of an image
mean() { convert "$1" -crop "$2" +repage -colorspace Gray -format '%[fx:mean]' info:; }
# mean absolute difference 0..1 between two images of one size
diffm() { compare -metric MAE "$1" "$2" null: 2>&1 | sed 's/.*(\(.*\))/\1/'; }

# --- bad values, where they are given
expect_error "--theme bad" "--theme: expected one of dark, light, got 'purple'" \
  render --theme purple -o x.png
expect_error "--large-text bad" "--large-text" render --large-text=maybe -o x.png
printf 'function = booth\ntheme = sepia\n' > bad.scene
expect_error "scene file: bad theme" "bad.scene:2: theme: expected one of dark, light" \
  render --scene bad.scene -o x.png
expect_error "render --cnn --theme bad" "--theme: expected one of dark, light" \
  render --cnn --data synthetic --theme grey -o x.png
expect_error "landscape --theme bad" "theme" landscape --data synthetic --theme x -o l.png
check "no file left by bad input" test ! -e x.png

# --- both themes render, each as it says
"$OPT" render --preset beale --size 640x400 -o dark.png >/dev/null 2>&1
check "render dark" test -s dark.png
"$OPT" render --preset beale --size 640x400 --theme light -o light.png >/dev/null 2>&1
check "render light" test -s light.png
# the plot (inside its frame, away from the legend): the light map is light, viridis darker
pd=$(mean dark.png 300x250+60+60)
pl=$(mean light.png 300x250+60+60)
check "light theme's plot is light ($pl)" gt "$pl" 0.62
check "dark theme's plot is darker ($pd < $pl - 0.15)" gt "$pl" "$(awk -v a="$pd" 'BEGIN{print a + 0.15}')"
check "both pages paper white" bash -c "gt() { awk -v a=\"\$1\" -v b=\"\$2\" 'BEGIN { exit !(a > b) }'; }; \
  gt $(mean dark.png 8x8+0+0) 0.99 && gt $(mean light.png 8x8+0+0) 0.99"
# (the paths' colours in each theme: test_theme, on exact pixels)

# --- scene files carry the look; the option alone means yes
printf 'theme = light\nlarge-text = yes\n' > look.scene
"$OPT" render --preset beale --scene look.scene --size 640x400 -o s.png >/dev/null 2>&1
"$OPT" render --preset beale --theme light --large-text --size 640x400 -o o.png >/dev/null 2>&1
check "scene file theme=light, large-text=yes: the same PNG as the options (cmp)" cmp s.png o.png
"$OPT" render --preset beale --theme light --large-text yes --size 640x400 -o o2.png >/dev/null 2>&1
check "--large-text alone is --large-text yes (cmp)" cmp o.png o2.png
"$OPT" render --preset beale --theme light --size 640x400 --large-text no -o o3.png >/dev/null 2>&1
check "--large-text no is the default (cmp)" cmp light.png o3.png
check "large text differs" bash -c "! cmp -s light.png o.png"

# --- Korean: PDF (fonts embedded, text extracted back), SVG (librsvg draws it), PNG (ink)
K="경사 하강법, 모멘텀, 학습률 감소"
"$OPT" render --preset beale --title "$K" --size 800x500 -o k.pdf >/dev/null 2>&1
check "Korean title PDF" test -s k.pdf
check "PDF embeds a Korean font" bash -c "pdffonts k.pdf | grep -Eq 'Nanum|NotoSansCJK|Noto Sans CJK'"
check "PDF text is the title, every character" bash -c "pdftotext k.pdf - | grep -qF '$K'"
"$OPT" render --preset beale --title "$K" --size 800x500 -o k.svg >/dev/null 2>&1
check "Korean title SVG opens in librsvg" rsvg-convert k.svg -o ksvg.png
"$OPT" render --preset beale --title "$K" --size 800x500 -o k.png >/dev/null 2>&1
"$OPT" render --preset beale --title " " --size 800x500 -o blank.png >/dev/null 2>&1
# the title band holds ink where the blank title has none
kt=$(mean k.png 400x30+120+8)
bt=$(mean blank.png 400x30+120+8)
check "PNG: the Korean title is drawn ($kt < $bt)" gt "$bt" "$(awk -v a="$kt" 'BEGIN{print a + 0.01}')"
check "SVG: the Korean title is drawn" gt "$(mean blank.png 400x30+120+8)" \
  "$(convert ksvg.png -resize 800x500! png:- | convert - -crop 400x30+120+8 +repage -colorspace Gray -format '%[fx:mean]' info:)"

# --- the CNN dashboard headless in the light theme
CNN="--data synthetic --limit 128 --val 32 --epochs 1 --batch 32 --eval-every 4"
"$OPT" render --cnn $CNN --theme light --large-text --size 960x540 -o cnn.png >/dev/null 2>&1
check "render --cnn --theme light --large-text" test -s cnn.png

# --- the window: F5 and F6 as real key presses, in both modes
if missing_tool Xvfb xdotool >/dev/null; then
  echo "classroom: $pass passed, $fail failed (no Xvfb/xdotool: window part skipped)"
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
  exit
fi
start_xvfb 300 1920x1080x24
check "window opens" start_app --size 1280x720 --paused --preset beale
s0=$(press_for s screenshot 15)
xdotool key F5
sleep 0.6
s1=$(press_for s screenshot 15)
xdotool key F6
sleep 0.6
s2=$(press_for s screenshot 15)
w=$(press_for w scene 15)
check "S before and after F5" test -s "$s0" -a -s "$s1" -a "$s0" != "$s1"
check "F5: the plot turns light ($(mean "$s1" 400x300+150+150) > $(mean "$s0" 400x300+150+150))" \
  gt "$(mean "$s1" 400x300+150+150)" "$(awk -v a="$(mean "$s0" 400x300+150+150)" 'BEGIN{print a + 0.15}')"
check "F6: large text changes the picture ($(diffm "$s1" "$s2"))" gt "$(diffm "$s1" "$s2")" 0.01
check "W writes the look" grep -qx 'theme = light' "$w"
check "W writes large text" grep -qx 'large-text = true' "$w"
"$OPT" render --scene "$w" --size 640x400 -o wl.png >/dev/null 2>&1
check "render of W's scene is light" gt "$(mean wl.png 300x250+60+80)" 0.62
# the CNN mode: F5 back to dark recolours the dashboard's backdrop; F6 its text
xdotool key n
sleep 3
c0=$(press_for s screenshot 15)
xdotool key F5
sleep 1
c1=$(press_for s screenshot 15)
check "CNN mode: S before and after F5" test -s "$c0" -a -s "$c1" -a "$c0" != "$c1"
check "CNN mode: F5 changes the dashboard ($(diffm "$c0" "$c1"))" gt "$(diffm "$c0" "$c1")" 0.002
check "CNN mode: light backdrop before F5, grey after" \
  gt "$(mean "$c0" 6x6+0+714)" "$(mean "$c1" 6x6+0+714)"
xdotool key q
for _ in $(seq 100); do
  kill -0 "$APID" 2>/dev/null || break
  sleep 0.1
done
wait "$APID"
rc=$?
APID=""
check "window quits cleanly" test "$rc" -eq 0

echo "classroom: $pass checks, $fail failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
