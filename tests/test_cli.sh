#!/usr/bin/env bash
# test_cli.sh: drives the optiscope binary as a user would: listings, traces against PyTorch,
# divergence, every kind of bad input (exit 2, one clear line, no file left), figures in every
# format, bounded memory over a million steps, an uninstalled build outside the source tree,
# scripts/run.sh run from another folder, and an installed copy away from the source tree.
# Usage: test_cli.sh OPTISCOPE TESTS_SRCDIR
set -u
OPT="$1"
SRC="$2"
T=$(mktemp -d /tmp/optiscope-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { local what="$1"; shift; if "$@"; then ok; else bad "$what"; fi; }

# expect_error WHAT PATTERN ARGS...: exit 2, stderr one line matching PATTERN
expect_error() {
  local what="$1" pattern="$2"
  shift 2
  "$OPT" "$@" >out.txt 2>err.txt
  local rc=$?
  if [ $rc -ne 2 ]; then bad "$what: exit $rc, expected 2"; return; fi
  if ! grep -q -- "$pattern" err.txt; then bad "$what: stderr '$(cat err.txt)' lacks '$pattern'"; return; fi
  if [ "$(wc -l < err.txt)" -ne 1 ]; then bad "$what: expected one line on stderr"; return; fi
  ok
}

# --- basics
check "version" bash -c "'$OPT' --version | grep -q '^optiscope [0-9]'"
check "help" bash -c "'$OPT' --help | grep -q 'optiscope render'"
check "help names every render format" bash -c "'$OPT' --help | grep -q 'FILE.png|.svg|.pdf|.gif'"
for c in trace render list view; do
  check "$c --help" bash -c "'$OPT' $c --help >/dev/null"
done
check "list functions" bash -c "[ \$('$OPT' list functions | grep -c '^[a-z]') -ge 13 ]"
for f in bowl rosenbrock beale himmelblau saddle monkey_saddle rastrigin ackley booth \
         goldstein_price six_hump_camel styblinski_tang banana; do
  check "function $f listed" bash -c "'$OPT' list functions | grep -q '^$f '"
done
check "list optimizers" bash -c "[ \$('$OPT' list optimizers | wc -l) -eq 10 ]"
check "list schedules" bash -c "'$OPT' list schedules | grep -q inverse_time"
for p in beale rosenbrock saddle long_valley banana rastrigin himmelblau; do
  check "preset $p listed" bash -c "'$OPT' list presets | grep -q '^$p '"
done

# --- trace
"$OPT" trace --function rosenbrock --optimizer "sgd(lr=0.001),adam(lr=0.01)" --steps 20 \
  --start -2,2 > t.csv 2>err.txt
check "trace exit" [ $? -eq 0 ]
check "trace header" [ "$(head -1 t.csv)" = "optimizer,step,x,y,loss,lr" ]
check "trace rows" [ "$(wc -l < t.csv)" -eq $((1 + 2 * 21)) ]
check "trace start" grep -q '^"\?sgd(lr=0.001)"\?,0,-2,2,409,0.001$' t.csv
check "trace -o" bash -c "'$OPT' trace --function beale --steps 5 -o t2.csv && [ \$(wc -l < t2.csv) -gt 5 ]"
check "trace quoted label" bash -c "'$OPT' trace --optimizer 'adam(lr=0.1,beta1=0.8)' --steps 1 | grep -q '^\"adam(lr=0.1,beta1=0.8)\",1,'"
check "scene file overridden by option" bash -c "printf 'function = booth\nsteps = 3\n' > s.scene && [ \$('$OPT' trace --scene s.scene --steps 7 --optimizer sgd | wc -l) -eq 9 ]"
check "same seed same noise" bash -c "[ \"\$('$OPT' trace --noise 0.3 --seed 4 --steps 50 | md5sum)\" = \"\$('$OPT' trace --noise 0.3 --seed 4 --steps 50 | md5sum)\" ]"
check "other seed other noise" bash -c "[ \"\$('$OPT' trace --noise 0.3 --seed 4 --steps 50 | md5sum)\" != \"\$('$OPT' trace --noise 0.3 --seed 5 --steps 50 | md5sum)\" ]"

# --- values without keys, in the order --help shows (generated from the settings table)
check "positional specs" bash -c "[ \"\$('$OPT' trace --optimizer 'adam(0.01, beta1=0.8)' --schedule 'step(3, 0.5)' --steps 9 | md5sum)\" = \"\$('$OPT' trace --optimizer 'adam(lr=0.01,beta1=0.8)' --schedule 'step(step_size=3,gamma=0.5)' --steps 9 | md5sum)\" ]"
check "help shows positional order" bash -c "'$OPT' trace --help | grep -qF 'step(step_size, gamma=0.1, *, warmup=0)'"
check "help lists optimizer keys" bash -c "'$OPT' trace --help | grep -q '^  initial_accumulator_value'"
expect_error "positional after key" "come first" trace --schedule "step(gamma=0.5, 30)"
expect_error "too many positional" "usage: adam(lr=0.001, \*," trace --optimizer "adam(0.1, 0.9)"

# --- every optimizer, schedule and penalty against PyTorch's own numbers
check "trace agrees with PyTorch" python3 "$SRC/compare_trace.py" "$OPT" "$SRC/fixtures"

# --- L1's optimum has y at its kink 0, which subgradient steps rattle around (close, never
# exactly 0) while x settles at 2 - 2.5/2; L2 only shrinks y, to 0.25*4/(4+1.25) exactly
check "l1 preset: adam ends at y ~ 0" bash -c "'$OPT' trace --preset l1_sparsity | tail -1 | awk -F, '{exit !(\$4 < 0.01 && \$4 > -0.01)}'"
check "l1 preset: near the kink, not on it" bash -c "'$OPT' trace --preset l1_sparsity | awk -F, '\$2 == 300 {n++; if (\$4 == 0 || \$4 > 0.1 || \$4 < -0.1 || \$3 < 0.7499 || \$3 > 0.7501) bad++} END {exit !(n == 3 && !bad)}'"
check "l2 preset: sgd ends at y = 1/5.25" bash -c "'$OPT' trace --preset l2_shrinkage | grep '^sgd(lr=0.02),300,' | awk -F, '{exit !(\$4 > 0.190475 && \$4 < 0.190477)}'"

# --- divergence: normal, reported, the others go on
"$OPT" trace --function beale --optimizer "sgd(lr=100),adam(lr=0.01)" --steps 50 > d.csv 2>err.txt
check "divergence exit 0" [ $? -eq 0 ]
check "divergence reported" grep -q 'sgd(lr=100) diverged at step [0-9]' err.txt
check "others go on" grep -q '^adam(lr=0.01),50,' d.csv
check "no non-finite numbers" bash -c "! grep -Eiq 'nan|inf' d.csv"
check "render reports divergence" bash -c "'$OPT' render --function beale --optimizer 'sgd(lr=100),adam(lr=0.01)' --steps 20 --size 200x150 -o dv.png 2>&1 >/dev/null | grep -q '^optiscope render: sgd(lr=100) diverged at step [0-9]'"
check "render: leaving a saddle downhill is an escape, not divergence" bash -c "'$OPT' render --preset saddle --steps 400 --size 300x200 -o sd.png 2>&1 >/dev/null | grep -q 'left the view going downhill' && ! '$OPT' render --preset saddle --steps 400 --size 300x200 -o sd.png 2>&1 >/dev/null | grep -q 'diverged'"
check "gif reports divergence once" bash -c "[ \$('$OPT' render --function beale --optimizer 'sgd(lr=100),adam(lr=0.01)' --steps 20 --size 200x150 -o dv.gif 2>&1 >/dev/null | grep -c 'diverged at step') -eq 1 ]"

# --- bad input: one line, exit 2, nothing written
expect_error "unknown function" "unknown function 'bael' (did you mean beale?)" trace --function bael
expect_error "unknown optimizer" "did you mean adam?" trace --optimizer adom
expect_error "unknown key" "did you mean" trace --optimizer "adam(lrr=0.1)"
expect_error "inapplicable key" "adam" trace --optimizer "adam(momentum=0.9)"
expect_error "bad number" "steps" trace --steps 12x
expect_error "bad lr" "lr" trace --optimizer "sgd(lr=abc)"
expect_error "negative lr" "lr" trace --optimizer "sgd(lr=-1)"
expect_error "missing value" "missing value" trace --steps
expect_error "unknown option" "did you mean --optimizer?" trace --optimiser adam
expect_error "bad expression" "position" trace --expr "x^2 + * y"
expect_error "unknown identifier" "position" trace --expr "x + z"
expect_error "bad start" "start" trace --start 1
expect_error "bad schedule" "schedule" trace --schedule "cosine(tmax=3)"
expect_error "unknown command" "did you mean render?" rendr
expect_error "unknown preset" "did you mean beale?" render --preset beal -o p.png
expect_error "unknown list" "did you mean functions?" list functons
printf 'function = beale\n\noptimizer = adom\n' > broken.scene
expect_error "scene file line" "broken.scene:3: optimizer: .*did you mean adam?" trace --scene broken.scene
expect_error "missing scene" "nope.scene: cannot read" trace --scene nope.scene
expect_error "render without -o" "missing -o" render
expect_error "unknown format" "bmp" render --steps 5 -o fig.bmp
check "unknown format leaves nothing" bash -c "! ls fig.bmp* 2>/dev/null | grep -q ."
expect_error "unwritable" "no-such-dir/fig.png" render --steps 5 -o no-such-dir/fig.png
expect_error "trace unwritable" "no-such-dir/t.csv: cannot write" trace --steps 2 -o no-such-dir/t.csv
expect_error "bad size" "size" render --size 10by10 -o fig.png
expect_error "bad view" "view" render --view 4d -o fig.png
check "failed renders leave nothing" bash -c "! ls fig.png* 2>/dev/null | grep -q ."
mkdir ro && chmod 555 ro
if [ "$(id -u)" -ne 0 ]; then
  expect_error "read-only dir" "ro/t.csv" trace --steps 2 -o ro/t.csv
fi

# --- figures in every format, from the same drawing code
"$OPT" render --preset beale -o beale.png >/dev/null 2>&1
check "png written" bash -c "head -c 8 beale.png | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a'"
check "png size" bash -c "python3 -c \"import struct;d=open('beale.png','rb').read(24);w,h=struct.unpack('>II',d[16:24]);exit(0 if (w,h)==(1600,1000) else 1)\""
"$OPT" render --preset rosenbrock --size 800x600 -o r.svg >/dev/null 2>&1
check "svg written" grep -q '<svg' r.svg
"$OPT" render --preset banana -o b.pdf >/dev/null 2>&1
check "pdf written" bash -c "head -c 5 b.pdf | grep -q '%PDF-'"
"$OPT" render --preset banana --steps 30 --size 400x250 -o b.gif >/dev/null 2>&1
check "gif written" bash -c "head -c 6 b.gif | grep -q 'GIF89a'"
check "gif frames: one per step up to 60, plus the start" [ "$(identify b.gif 2>/dev/null | wc -l)" -eq 31 ]
"$OPT" render --preset banana --steps 150 --size 400x250 -o b2.gif >/dev/null 2>&1
check "gif frames capped at 60" [ "$(identify b2.gif 2>/dev/null | wc -l)" -eq 61 ]
check "gif last frame holds the race" bash -c "convert b2.gif -coalesce 'b2-%d.png' && [ \"\$(compare -metric AE b2-0.png b2-60.png null: 2>&1)\" -gt 1000 ]"
expect_error "gif unwritable" "no-such-dir/b.gif" render --steps 5 -o no-such-dir/b.gif

# --- what is shown is part of the scene: zoom, camera, view and display flags as keys, in a
# file or as options, the same figure either way (the window's W writes these keys)
SHOWN="--zoom 1,4,0,3 --contours no --trails no --arrows yes --scale linear"
"$OPT" render --preset beale $SHOWN --size 500x320 -o shown-opt.png >/dev/null 2>&1
printf 'function = beale\nstart = 3, 4\nsteps = 1500\noptimizer = sgd(lr=3e-5), momentum(lr=3e-5), nag(lr=1e-5), adagrad(lr=3)\noptimizer = adadelta(lr=10), rmsprop(lr=0.1), adam(lr=1), nadam(lr=2)\nzoom = 1, 4, 0, 3\ncontours = false\ntrails = false\narrows = true\nscale = linear\n' > shown.scene
"$OPT" render --scene shown.scene --size 500x320 -o shown-file.png >/dev/null 2>&1
check "display keys from a scene file draw what the options draw (cmp)" cmp shown-opt.png shown-file.png
"$OPT" render --preset beale --size 500x320 -o shown-none.png >/dev/null 2>&1
check "and they change the figure" bash -c "! cmp -s shown-opt.png shown-none.png"
for kv in "--zoom 1,4,0,3" "--contours no" "--trails no" "--arrows yes"; do
  "$OPT" render --preset beale $kv --size 500x320 -o one.png >/dev/null 2>&1
  check "render honours $kv" bash -c "! cmp -s one.png shown-none.png"
done
check "a GIF honours them too" "$OPT" render --scene shown.scene --steps 20 --size 320x200 -o shown.gif
check "a 3-D scene renders to SVG only as 2-D, and says so" bash -c "printf 'view = 3d\n' > v3.scene; ! '$OPT' render --scene v3.scene -o v3.svg 2>err3.txt && grep -q 'add --view 2d' err3.txt && '$OPT' render --scene v3.scene --view 2d --size 300x200 -o v3.svg >/dev/null"
expect_error "bad camera" "camera: pitch 2 out of range" render --camera 0,2,5 -o fig.png
expect_error "bad zoom" "zoom" render --zoom 1,0,0,1 -o fig.png
expect_error "bad flag" "contours" render --contours maybe -o fig.png
check "no temp files" bash -c "! ls *.tmp-* 2>/dev/null | grep -q ."
for p in rosenbrock saddle long_valley rastrigin himmelblau l1_sparsity l2_shrinkage; do
  check "preset $p renders" "$OPT" render --preset "$p" --size 400x300 -o "p-$p.png"
done
env -u DISPLAY -u WAYLAND_DISPLAY "$OPT" view --shot-dir "$T" > view.txt 2>/dev/null
check "view fallback renders" bash -c "f=\$(sed -n 's/^rendered //p' view.txt); [ -s \"\$f\" ]"

# --- training the CNN from the command line (synthetic data: fast, no package needed)
"$OPT" train --data synthetic --limit 600 --optimizer "sgd(lr=0.1),adam" --no-progress \
  --log train.csv > train.txt 2>&1
check "train exit" [ $? -eq 0 ]
check "train epoch lines" [ "$(grep -c '^epoch 1/1' train.txt)" -eq 2 ]
check "train test accuracy per optimizer" [ "$(grep -c '^test .*accuracy' train.txt)" -eq 2 ]
check "train log rows" [ "$(wc -l < train.csv)" -eq 21 ]
check "train log header" [ "$(head -1 train.csv)" = "optimizer,epoch,step,loss,penalty,accuracy,lr" ]
"$OPT" train --data synthetic --limit 600 --optimizer "sgd(lr=0.1),adam" --no-progress \
  --log train2.csv > /dev/null 2>&1
check "train same seed same numbers" cmp -s train.csv train2.csv
expect_error "train unknown optimizer" "did you mean adam?" train --optimizer adom
expect_error "train missing data dir" "/nonexistent: no such data directory" train --data-dir /nonexistent
expect_error "train bad epochs" "--epochs" train --epochs x
expect_error "train unwritable log" "nope/l.csv: cannot write" train --data synthetic --limit 100 --log nope/l.csv
mkdir -p baddata && echo garbage | gzip > baddata/train-images-idx3-ubyte.gz
expect_error "train corrupt data" "baddata/train-images-idx3-ubyte.gz: not an IDX image file" train --data-dir baddata
# train's options are the rows of settings_train(): --help lists each one (every spelling the
# command took before the table, plus eval-every), the parser takes --key VALUE, --key=VALUE and
# flags alone, and a bad value is refused naming the option, the value and the range
train_opts="--data --data-dir --model --batchnorm --dropout --hidden --optimizer --schedule --l1 --l1-mode --l2 --compare-penalties --early-stop --epochs --batch --limit --val --eval-every --threads --seed --log --save --no-progress"
check "train --help lists every option" bash -c "[ \"\$('$OPT' train --help | grep -oE '^  --[a-z0-9-]+' | tr -d ' ' | sort)\" = \"\$(printf '%s\n' $train_opts | sort)\" ]"
check "train --help gives defaults" bash -c "'$OPT' train --help | grep -q '^  --batch B .*default 64'"
"$OPT" train --data=synthetic --limit=600 --optimizer="sgd(lr=0.1),adam" --no-progress \
  --eval-every 3 --batchnorm=false --log=train3.csv > train3.txt 2>&1
check "train --key=VALUE, flag=false, eval-every: the same numbers" cmp -s train.csv train3.csv
"$OPT" train --data synthetic --limit 200 --batchnorm --no-progress --epochs 1 > bn.txt 2>&1
check "train flag alone" grep -q '^model: small +batchnorm,' bn.txt
expect_error "train bad epochs names range" "--epochs: expected a whole number from 1 to 100000, got 'x'" train --epochs x
expect_error "train bad dropout" "--dropout: expected a number in \[0, 1), got '1'" train --dropout=1
expect_error "train bad data" "--data: expected one of fashion-mnist, synthetic, got 'mnist'" train --data mnist
expect_error "train unknown option" "unknown option '--epoch' (did you mean --epochs?)" train --epoch 3
expect_error "train missing value" "--seed needs a value" train --seed
expect_error "train eval-every range" "--eval-every: expected a whole number from 0 to" train --eval-every -1
check "bench help" bash -c "'$OPT' bench --help | grep -q train"
check "bench help names landscape" bash -c "'$OPT' bench --help | grep -q landscape"

# --- L1 by its proximal step: exact zeros, which the subgradient never reaches
"$OPT" train --data synthetic --limit 600 --optimizer "sgd(lr=0.1)" --l1 1e-2 --no-progress \
  > l1s.txt 2>&1
"$OPT" train --data synthetic --limit 600 --optimizer "sgd(lr=0.1)" --l1 1e-2 --l1-mode proximal \
  --no-progress > l1p.txt 2>&1
check "train reports weights" grep -q '^weights sgd(lr=0.1) .* 9064 weights, 0 exact zeros, [0-9]* below 1e-3' l1s.txt
check "proximal l1: exact zeros" bash -c "grep '^weights ' l1p.txt | awk '{exit !(\$5 > 1000)}'"
check "proximal l1 said" grep -q '^regularization: l1 0.01 (proximal)' l1p.txt
expect_error "train bad l1-mode" "--l1-mode: expected one of subgradient, proximal, got 'ista'" train --l1-mode ista

# --- landscape: the slice as CSV, the paths beside it; bad options refused before training
"$OPT" landscape --data synthetic --limit 400 --grid 5 --images 64 -o ls.csv > ls.txt 2>&1
check "landscape exit" [ $? -eq 0 ]
check "landscape header" [ "$(head -1 ls.csv)" = "alpha,beta,loss" ]
check "landscape rows" [ "$(wc -l < ls.csv)" -eq 26 ]
check "landscape well-formed" awk -F, 'NR > 1 && (NF != 3 || $3 !~ /^[0-9.e+-]+$/ || $3 <= 0) {bad++} END {exit bad > 0}' ls.csv
check "landscape grid corners" bash -c "sed -n '2p;26p' ls.csv | cut -d, -f1,2 | tr '\n' ' ' | grep -qx -- '-1,-1 1,1 '"
check "landscape centre is the model's loss" bash -c "c=\$(awk -F, '\$1 == 0 && \$2 == 0 {print \$3}' ls.csv); grep -q \"loss at the centre \$(printf '%.6f' \$c)\" ls.txt"
check "landscape paths file" [ "$(head -1 ls-paths.csv)" = "optimizer,point,step,alpha,beta,loss" ]
check "landscape paths end at the centre" bash -c "tail -1 ls-paths.csv | grep -q '^adam,[0-9]*,[0-9]*,0,0,'"
"$OPT" landscape --data synthetic --limit 400 --grid 3 --images 64 --directions pca -o pca.csv > pca.txt 2>&1
check "landscape pca" grep -q '^directions: pca of adam.s [0-9]* checkpoints: explained variance' pca.txt
check "landscape pca paths start lower left" bash -c "sed -n 2p pca-paths.csv | awk -F, '{exit !(\$4 <= 0 && \$5 <= 0)}'"
"$OPT" train --data synthetic --limit 300 --no-progress --save net.bin > /dev/null 2>&1
"$OPT" landscape --data synthetic --limit 300 --load net.bin --grid 3 --images 32 -o ld.csv > /dev/null 2>&1
check "landscape --load" [ "$(wc -l < ld.csv)" -eq 10 ]
# (--threads also splits training's batches, which changes its sums: compare on a loaded net)
"$OPT" landscape --data synthetic --limit 300 --load net.bin --grid 3 --images 32 --threads 2 \
  -o ld2.csv > /dev/null 2>&1
check "landscape same numbers on 2 threads" cmp -s ld.csv ld2.csv
expect_error "landscape needs -o" "-o FILE.csv is required" landscape --data synthetic
check "landscape png" bash -c "'$OPT' landscape --data synthetic --limit 400 --grid 5 --images 64 --directions pca -o ls.png >/dev/null && identify ls.png | grep -q ' 1400x1000 '"
check "landscape svg" bash -c "'$OPT' landscape --data synthetic --limit 400 --grid 5 --images 64 -o ls.svg >/dev/null && grep -q '<svg' ls.svg"
check "landscape pdf" bash -c "'$OPT' landscape --data synthetic --limit 400 --grid 5 --images 64 -o ls.pdf >/dev/null && head -c 5 ls.pdf | grep -q '%PDF-'"
expect_error "landscape unknown format" "-o s.txt: unknown format (FILE.csv, .png, .svg or .pdf)" landscape --data synthetic -o s.txt
expect_error "landscape bad grid" "--grid: expected a whole number from 1 to 1001, got '0'" landscape --grid 0 -o s.csv
expect_error "landscape bad directions" "--directions: expected one of random, pca, got 'pcb'" landscape --directions pcb -o s.csv
expect_error "landscape unknown option" "unknown option '--grids' (did you mean --grid?)" landscape --grids 3 -o s.csv
expect_error "landscape pca with load" "--directions pca needs the trajectory" landscape --load net.bin --directions pca -o s.csv
expect_error "landscape load missing" "nope.bin: cannot open" landscape --data synthetic --limit 100 --load nope.bin -o s.csv
expect_error "landscape load other model" "not a saved network of this configuration" landscape --data synthetic --limit 100 --load net.bin --hidden 8 -o s.csv
expect_error "landscape train option checked" "--epochs: expected a whole number" landscape --epochs 0 -o s.csv
check "landscape no file on error" [ ! -e s.csv ]
check "landscape --help" bash -c "'$OPT' landscape --help | grep -q -- '--directions random|pca'"
check "help lists landscape" bash -c "'$OPT' --help | grep -q 'optiscope landscape'"
expect_error "bench unknown" "did you mean" bench trian

# --- a million steps in bounded memory (max RSS grows by less than 8 MB over 100x the steps)
rss() { python3 -c "
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)" "$@"; }
small=$(rss "$OPT" trace --function rosenbrock --optimizer "adam(lr=0.001)" --steps 10000)
big=$(rss "$OPT" trace --function rosenbrock --optimizer "adam(lr=0.001)" --steps 1000000)
check "trace 1e6 steps bounded ($small KB vs $big KB)" [ $((big - small)) -lt 8192 ]
small=$(rss "$OPT" render --function rosenbrock --optimizer "adam(lr=0.001)" --steps 10000 --size 200x150 -o m1.png)
big=$(rss "$OPT" render --function rosenbrock --optimizer "adam(lr=0.001)" --steps 1000000 --size 200x150 -o m2.png)
check "render 1e6 steps bounded ($small KB vs $big KB)" [ $((big - small)) -lt 8192 ]

# --- an uninstalled build configured outside the source tree still finds the source's assets/
# and shaders/ from any folder, and $OPTISCOPE_DATA still wins (configuring and building only
# the binary takes ~15 s; nothing cheaper catches a build folder the source tree does not hold)
ROOT=$(cd "$SRC/.." && pwd)
mkdir -p "$T/away"
if meson setup "$T/ob" "$ROOT" >/dev/null 2>&1 && ninja -C "$T/ob" optiscope >/dev/null 2>&1; then
  OB="$T/ob/optiscope"
  check "out-of-tree build lists presets" bash -c "cd / && '$OB' list presets | grep -q '^beale '"
  check "out-of-tree build renders a preset" bash -c "cd '$T/away' && '$OB' render --preset beale --size 300x200 -o ob.png >/dev/null && [ -s ob.png ]"
  # The 3-D view needs EGL; where this machine has it, the build must find its shaders too.
  if "$OPT" render --preset beale --view 3d --size 300x200 -o in3.png >/dev/null 2>&1; then
    check "out-of-tree build finds shaders" bash -c "cd '$T/away' && '$OB' render --preset beale --view 3d --size 300x200 -o ob3.png >/dev/null 2>&1 && [ -s ob3.png ]"
  fi
  mkdir -p "$T/data/presets" && cp "$ROOT/assets/presets/banana.scene" "$T/data/presets/"
  check "OPTISCOPE_DATA wins over the source tree" bash -c "[ \"\$(cd / && OPTISCOPE_DATA='$T/data' '$OB' list presets | cut -d' ' -f1)\" = banana ]"
else
  bad "out-of-tree meson setup and build"
fi

# --- scripts/run.sh builds in its repository but runs the binary from the caller's folder. A copy
# of it in a fake repository whose setup.sh, ninja and binary are stand-ins that say where they
# ran, so nothing is installed or built.
mkdir -p "$T/fake/scripts" "$T/fake/build" "$T/fake/bin" "$T/caller"
cp "$ROOT/scripts/run.sh" "$T/fake/scripts/"
echo 'exit 0' > "$T/fake/scripts/setup.sh"
touch "$T/fake/build/build.ninja"
printf '#!/bin/sh\n[ "$1" = -C ] && cd "$2" && pwd > "%s/ninja-dir"\n' "$T" > "$T/fake/bin/ninja"
printf '#!/bin/sh\necho "$(pwd) $*"\n' > "$T/fake/build/optiscope"
chmod +x "$T/fake/bin/ninja" "$T/fake/build/optiscope"
ran=$(cd "$T/caller" && PATH="$T/fake/bin:$PATH" bash ../fake/scripts/run.sh render -o r.png)
check "run.sh runs the binary in the caller's folder ($ran)" [ "$ran" = "$T/caller render -o r.png" ]
check "run.sh builds in its repository" [ "$(cat "$T/ninja-dir" 2>/dev/null)" = "$T/fake/build" ]

# --- the CNN dashboard headless (render --cnn) and the CNN mode's bad input (view --cnn)
CNN="--data synthetic --limit 256 --val 64 --epochs 1 --batch 32 --eval-every 4"
"$OPT" render --cnn $CNN -o cnn.png > out.txt 2>err.txt
check "render --cnn png" [ $? -eq 0 ]
check "render --cnn prints the path" grep -qx cnn.png out.txt
check "render --cnn is 1920x1080" bash -c "identify cnn.png 2>/dev/null | grep -q ' 1920x1080 '"
check "render --cnn svg" bash -c "'$OPT' render --cnn $CNN --size 1280x720 -o cnn.svg >/dev/null && grep -q '<svg' cnn.svg"
check "render --cnn pdf" bash -c "'$OPT' render --cnn $CNN -o cnn.pdf >/dev/null && head -c 5 cnn.pdf | grep -q '%PDF-'"
check "render --cnn same numbers as train" bash -c "'$OPT' train $CNN --optimizer sgd --optimizer adam --no-progress | grep '^test' > tr.txt && '$OPT' render --cnn $CNN --optimizer sgd --optimizer adam -o same.png | grep '^test' > rc.txt && [ \$(wc -l < tr.txt) -eq 2 ] && cmp -s tr.txt rc.txt"
check "render --cnn --view 3d differs from 2-D" bash -c "'$OPT' render --cnn $CNN --view 3d -o cnn3.png >/dev/null && [ -s cnn3.png ] && ! cmp -s cnn.png cnn3.png"
check "render --cnn --compare-penalties" bash -c "'$OPT' render --cnn $CNN --optimizer adam --compare-penalties -o pen.png >/dev/null && [ -s pen.png ]"
expect_error "render --cnn bad option" "unknown option '--epoch'" render --cnn --epoch 2 -o x.png
expect_error "render --cnn bad value" "epochs: expected a whole number" render --cnn --epochs x -o x.png
expect_error "render --cnn no output" "missing -o FILE" render --cnn $CNN
expect_error "render --cnn gif refused" "written as .png, .svg or .pdf" render --cnn $CNN -o x.gif
expect_error "render --cnn missing data" "/nonexistent: no such data directory" render --cnn --data-dir /nonexistent -o x.png
check "render --cnn left no file on bad input" [ ! -e x.png ]
expect_error "view --cnn missing data (no window)" "/nonexistent: no such data directory" view --cnn --data-dir /nonexistent
expect_error "view --cnn bad option (no window)" "unknown option '--dropuot'" view --cnn --dropuot 0.2
check "view --cnn --help" bash -c "'$OPT' view --cnn --help | grep -q 'N for the toy race'"
check "render --cnn --help" bash -c "'$OPT' render --cnn --help | grep -q -- '--compare-penalties'"

# --- installed copy: finds its presets with no source tree
BUILD=$(dirname "$OPT")
if meson install -C "$BUILD" --no-rebuild --destdir "$T/inst" >/dev/null 2>&1; then
  IBIN=$(find "$T/inst" -type f -name optiscope | head -1)
  check "installed list presets" bash -c "cd / && '$IBIN' list presets | grep -q beale"
  check "installed render preset" bash -c "cd '$T' && '$IBIN' render --preset banana --size 300x200 -o inst.png >/dev/null && [ -s inst.png ]"
  check "installed shaders" bash -c "ls '$T'/inst/usr/local/share/optiscope/shaders >/dev/null"
else
  bad "meson install"
fi

echo "cli: $pass checks, $fail failed"
[ "$fail" -eq 0 ]
