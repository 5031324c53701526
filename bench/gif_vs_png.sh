#!/usr/bin/env bash
# gif_vs_png.sh: what a GIF of a race costs against a PNG of the same scene, as a user times
# it (`time optiscope render --preset beale -o b.png` and `-o b.gif`): the median wall and CPU
# seconds of RUNS runs of each, alternated, and their ratio. A benchmark figure, not a test.
# Usage: bench/gif_vs_png.sh [OPTISCOPE] [RUNS] [SCENE OPTIONS...]   (default: build/optiscope 5
# --preset beale)
set -eu
OPT="${1:-build/optiscope}"
RUNS="${2:-5}"
shift $(($# > 2 ? 2 : $#))
[ $# -gt 0 ] || set -- --preset beale
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for _ in $(seq "$RUNS"); do
  for ext in png gif; do
    /usr/bin/time -f "$ext %e %U %S" -a -o "$T/times" "$OPT" render "$@" -o "$T/b.$ext" >/dev/null
  done
done
python3 - "$T/times" "$RUNS" "$*" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l[:3] in ('png', 'gif')]
med = {}
for ext in ('png', 'gif'):
    r = [(float(w), float(u) + float(s)) for e, w, u, s in rows if e == ext]
    med[ext] = (statistics.median(x[0] for x in r), statistics.median(x[1] for x in r))
print('render %s, median of %s runs each' % (sys.argv[3], sys.argv[2]))
for ext in ('png', 'gif'):
    print('  %s: %.2f s wall, %.2f s CPU' % (ext, *med[ext]))
print('  gif / png: %.1fx wall, %.1fx CPU' % (med['gif'][0] / med['png'][0],
                                             med['gif'][1] / med['png'][1]))
PY
