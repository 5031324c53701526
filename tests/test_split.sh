#!/usr/bin/env bash
# test_split.sh: the l1_vs_l2 split view from the command line (render to PNG, SVG and PDF,
# opened by standard tools; bad input named) and in the real window under its own Xvfb, where
# real J / K key presses change lambda (the saved scene and the screenshot follow).
# Usage: test_split.sh OPTISCOPE SRCDIR
set -u
OPT="$1"
SRC="$2"
T=$(mktemp -d)
# shellcheck source=tests/lib_window.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_window.sh"
cd "$T" || exit 1

# --- render: the split figure in every format
check "render --preset l1_vs_l2 (PNG)" "$OPT" render --preset l1_vs_l2 --size 1000x700 -o s.png
check "PNG is 1000x700" bash -c "identify -format '%wx%h' s.png | grep -qx 1000x700"
check "render SVG" "$OPT" render --preset l1_vs_l2 --size 1000x700 -o s.svg
check "rsvg-convert opens the SVG" rsvg-convert -o s-svg.png s.svg
check "render PDF" "$OPT" render --preset l1_vs_l2 --size 1000x700 -o s.pdf
check "pdftoppm opens the PDF" pdftoppm -png -r 36 s.pdf s-pdf
check "a larger lambda is another picture" bash -c "'$OPT' render --preset l1_vs_l2 --l1 4 --l2 4 --size 1000x700 -o s4.png && ! cmp -s s.png s4.png"
check "the preset is listed" bash -c "'$OPT' list presets | grep -q '^l1_vs_l2 '"
check "split = l1_vs_l2 in the help" bash -c "'$OPT' render --help | grep -q 'l1_vs_l2'"

# --- bad input: named, non-zero, nothing written
expect_error() {   # expect_error NAME TEXT ARGS...
  local name="$1" text="$2"
  shift 2
  if "$OPT" "$@" >out.txt 2>err.txt; then
    fail=$((fail + 1)); echo "not ok - $name (exit 0)"
  elif grep -qF -- "$text" err.txt; then
    pass=$((pass + 1)); echo "ok - $name"
  else
    fail=$((fail + 1)); echo "not ok - $name: $(head -2 err.txt)"
  fi
}
expect_error "split of a function that is no quadratic" "not a quadratic" \
  render --preset l1_vs_l2 --function rosenbrock -o bad.png
expect_error "split with no L2 weight" "needs l1 > 0 and l2 > 0" \
  render --preset l1_vs_l2 --l2 0 -o bad.png
expect_error "an unknown split" "split" render --preset l1_vs_l2 --split l1vsl2 -o bad.png
expect_error "split in 3-D" "two 2-D maps" render --preset l1_vs_l2 --view 3d -o bad.png
expect_error "trace of a split view" "split view" trace --preset l1_vs_l2
check "nothing half-written" bash -c "! ls bad.* *.tmp-* 2>/dev/null | grep -q ."

# --- the split view's GIF: both sides race; the last frame is the drawing render's PNG makes
check "render writes a split view's GIF" \
  "$OPT" render --preset l1_vs_l2 --size 800x500 -o split.gif
"$OPT" render --preset l1_vs_l2 --size 800x500 -o split.png >/dev/null 2>&1
check "gifsicle reads it: 61 frames" bash -c "gifsicle --info split.gif | grep -q '61 images'"
convert split.gif -coalesce split-%d.png
check "the GIF's last frame is the PNG's drawing (PSNR over 30 dB)" python3 -c "
import subprocess, sys
r = subprocess.run(['compare', '-metric', 'PSNR', 'split-60.png', 'split.png', 'null:'],
                   capture_output=True, text=True)
sys.exit(0 if float(r.stderr.split()[0]) > 30 else 1)"
for side in 0 1; do   # the left plot, then the right: each path grows over the frames
  convert split-0.png -crop "400x330+$((side * 400))+60" +repage "side$side-0.png"
  convert split-60.png -crop "400x330+$((side * 400))+60" +repage "side$side-60.png"
  check "side $side of the GIF moves between its first and last frame" bash -c \
    "[ \"\$(compare -metric AE -fuzz 5% side$side-0.png side$side-60.png null: 2>&1)\" -gt 200 ]"
done

# --- the window: real J and K
if tool=$(missing_tool Xvfb xdotool); then
  echo "# SKIP the window checks: $tool is not installed"
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
  exit
fi
start_xvfb 300 1280x1024x24
check "the window opens on l1_vs_l2" start_app --size 1000x700 --paused --preset l1_vs_l2
a=$(press_for s screenshot)
w0=$(press_for w scene)
check "W saves lambda 3" bash -c "grep -qx 'l1 = 3' '$w0' && grep -qx 'l2 = 3' '$w0' && grep -qx 'split = l1_vs_l2' '$w0'"
xdotool key k
sleep 0.4
b=$(press_for s screenshot)
w1=$(press_for w scene)
check "K: lambda * 1.25 on both sides" bash -c "grep -qx 'l1 = 3.75' '$w1' && grep -qx 'l2 = 3.75' '$w1'"
check "K: the screenshot changed" bash -c "test -s '$a' && test -s '$b' && ! cmp -s '$a' '$b'"
xdotool key j
sleep 0.4
xdotool key j
sleep 0.4
w2=$(press_for w scene)
check "J J: lambda / 1.25 twice" bash -c "grep -qx 'l1 = 2.4' '$w2' && grep -qx 'l2 = 2.4' '$w2'"
xdotool key a
g=""
for _ in $(seq 600); do
  g=$(sed -n 's/^gif //p' out.txt | tail -1)
  [ -n "$g" ] && break
  sleep 0.1
done
check "A records the split view's GIF and says where" test -s "$g"
check "gifsicle reads A's GIF: 61 frames" bash -c "gifsicle --info '$g' | grep -q '61 images'"
# the saved scene renders the same split headless
check "W's scene renders" "$OPT" render --scene "$w1" --size 500x350 -o w1.png
xdotool key q
for _ in $(seq 100); do
  kill -0 "$APID" 2>/dev/null || break
  sleep 0.1
done
wait "$APID"
st=$?
APID=""
check "Q quits with status 0" test "$st" -eq 0
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
