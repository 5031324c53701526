#!/usr/bin/env bash
# test_cli_cnn.sh: the CNN from the command line, as a user drives it: train (same seed, same
# numbers; bad input), proximal L1, landscape (CSV, figures, bad options) and render --cnn (the
# dashboard in every format, its numbers equal to train's). Split from test_cli.sh so that the
# two run side by side. Usage: test_cli_cnn.sh OPTISCOPE TESTS_SRCDIR
# (test_cli.sh: drives the optiscope binary as a user would: listings, traces against PyTorch,
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

# --- training the CNN from the command line (synthetic data: fast, no package needed)
"$OPT" train --data synthetic --limit 600 --optimizer "sgd(lr=0.1),adam" --no-progress \
  --log train.csv > train.txt 2>&1
check "train exit" [ $? -eq 0 ]
check "train epoch lines" [ "$(grep -c '^epoch 1/1' train.txt)" -eq 2 ]
check "train test accuracy per optimizer" [ "$(grep -c '^test .*accuracy' train.txt)" -eq 2 ]
check "train log rows" [ "$(wc -l < train.csv)" -eq 21 ]
check "train log header" [ "$(head -1 train.csv)" = "optimizer,epoch,step,loss,penalty,accuracy,lr,diverged" ]
# a racer that diverges: its last log row says so, no NaN or infinity anywhere, the other goes on
"$OPT" train --data synthetic --limit 256 --epochs 1 --optimizer 'sgd(lr=1e308),adam' --no-progress \
  --log div.csv > div.txt 2> div.err
check "train divergence exit 0" [ $? -eq 0 ]
check "train log: no NaN or infinity" bash -c "! grep -Eiq 'nan|inf' div.csv div.txt && ! grep -Eq '(^|[^a-z])-?(nan|inf)([^a-z]|\$)' div.err"
check "train log: diverged row is the racer's last" bash -c "grep '^sgd' div.csv | tail -1 | grep -q ',1\$' && [ \$(grep -c ',1\$' div.csv) -eq 1 ] && [ \$(grep '^sgd' div.csv | grep -c ',0\$') -ge 1 ]"
check "train log: the other racer goes on" bash -c "[ \$(grep -c '^adam,' div.csv) -eq 4 ]"
check "train divergence reported in words" grep -q 'diverged at step [0-9]* (its loss is NaN)' div.err
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
"$OPT" train --data synthetic --limit 300 --optimizer "sgd(lr=0.1)" --l1 2e-2 --no-progress \
  > l1s.txt 2>&1
"$OPT" train --data synthetic --limit 300 --optimizer "sgd(lr=0.1)" --l1 2e-2 --l1-mode proximal \
  --no-progress > l1p.txt 2>&1
check "train reports weights" grep -q '^weights sgd(lr=0.1) .* 9064 weights, 0 exact zeros, [0-9]* below 1e-3' l1s.txt
check "proximal l1: exact zeros" bash -c "grep '^weights ' l1p.txt | awk '{exit !(\$5 > 1000)}'"
check "proximal l1 said" grep -q '^regularization: l1 0.02 (proximal)' l1p.txt
expect_error "train bad l1-mode" "--l1-mode: expected one of subgradient, proximal, got 'ista'" train --l1-mode ista

# --- landscape: the slice as CSV, the paths beside it; bad options refused before training
"$OPT" landscape --data synthetic --limit 300 --grid 5 --images 32 -o ls.csv > ls.txt 2>&1
check "landscape exit" [ $? -eq 0 ]
check "landscape header" [ "$(head -1 ls.csv)" = "alpha,beta,loss" ]
check "landscape rows" [ "$(wc -l < ls.csv)" -eq 26 ]
check "landscape well-formed" awk -F, 'NR > 1 && (NF != 3 || $3 !~ /^[0-9.e+-]+$/ || $3 <= 0) {bad++} END {exit bad > 0}' ls.csv
check "landscape grid corners" bash -c "sed -n '2p;26p' ls.csv | cut -d, -f1,2 | tr '\n' ' ' | grep -qx -- '-1,-1 1,1 '"
check "landscape centre is the model's loss" bash -c "c=\$(awk -F, '\$1 == 0 && \$2 == 0 {print \$3}' ls.csv); grep -q \"loss at the centre \$(printf '%.6f' \$c)\" ls.txt"
check "landscape paths file" [ "$(head -1 ls-paths.csv)" = "optimizer,point,step,alpha,beta,loss" ]
check "landscape paths end at the centre" bash -c "tail -1 ls-paths.csv | grep -q '^adam,[0-9]*,[0-9]*,0,0,'"
"$OPT" landscape --data synthetic --limit 300 --grid 3 --images 32 --directions pca -o pca.csv > pca.txt 2>&1
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
expect_error "bench train --threads 0" "not a list of thread counts (1..256)" bench train --threads 0
expect_error "bench landscape --threads 1,x" "'1,x' is not a list of thread counts" bench landscape --threads 1,x
expect_error "bench train --data" "unknown dataset 'foo'" bench train --data foo
expect_error "bench landscape --data" "unknown dataset 'foo'" bench landscape --data foo
check "bench without arguments: exit 2, the usage on stderr" bash -c "'$OPT' bench > bo.txt 2> be.txt; [ \$? -eq 2 ] && [ ! -s bo.txt ] && grep -q 'which benchmark' be.txt && grep -q 'usage: optiscope bench train' be.txt"
# the PyTorch peer starts from an argument vector, never a shell: names with quotes and ; are
# names (a stand-in interpreter records what it was given and answers as the script would)
mkdir -p spawn && cd spawn
evil="x';touch INJECTED;'"
printf '#!/bin/sh\nprintf "%%s\\n" "$@" > args.txt\necho "torch 9.9 threads 1"\necho "images_per_s: 1234"\n' > "py$evil"
chmod +x "py$evil" && touch "$evil.py"
bench_small="--steps 2 --warmup 0 --rounds 1 --threads 1 --data synthetic"
"$OPT" bench train $bench_small --python "./py$evil" --torch-script "$evil.py" > bench.txt 2>&1
check "bench torch peer: exit 0" [ $? -eq 0 ]
check "bench torch peer: nothing injected" bash -c "! ls INJECTED* 2>/dev/null | grep -q ."
check "bench torch peer: the script name as one argument" [ "$(head -1 args.txt 2>/dev/null)" = "$evil.py" ]
check "bench torch peer: its arguments" [ "$(sed -n '2,4p' args.txt 2>/dev/null | tr '\n' ' ')" = "--bench --threads 1 " ]
check "bench torch peer: its rate read from its output" grep -q '^1 .* 1234 ' bench.txt
printf '#!/bin/sh\necho "no torch here" >&2\nexit 3\n' > failpy && chmod +x failpy
"$OPT" bench train $bench_small --python ./failpy --torch-script "$evil.py" > bench.txt 2>&1
check "bench failing peer: exit 1" [ $? -eq 1 ]
check "bench failing peer: its status and last line" grep -q 'PyTorch run failed (exit status 3): no torch here' bench.txt
# bench landscape's peer too (the stand-in answers a 3x3 grid)
printf '#!/bin/sh\nprintf "%%s\\n" "$@" > args.txt\necho "torch 9.9"\necho "seconds: 0.5"\necho "grid: 1 1 1 1 1 1 1 1 1"\n' > "lpy$evil"
chmod +x "lpy$evil" && rm -f args.txt
"$OPT" bench landscape --threads 1 --grid 3 --images 16 --train-steps 1 --data synthetic --python "./lpy$evil" --torch-script "$evil.py" > bench.txt 2>&1
check "bench landscape peer: exit 0" [ $? -eq 0 ]
check "bench landscape peer: nothing injected" bash -c "! ls INJECTED* 2>/dev/null | grep -q ."
check "bench landscape peer: the script name as one argument" [ "$(head -1 args.txt 2>/dev/null)" = "$evil.py" ]
check "bench landscape peer: its time read" grep -q '^1 .* 0.50 ' bench.txt
cd "$T"

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
expect_error "render --cnn refuses --log" "the CNN dashboard neither logs nor saves" render --cnn $CNN --log l.csv -o x.png
expect_error "view --cnn bad option (no window)" "unknown option '--dropuot'" view --cnn --dropuot 0.2
check "view --cnn --help" bash -c "'$OPT' view --cnn --help | grep -q 'N for the toy race'"
check "render --cnn --help" bash -c "'$OPT' render --cnn --help | grep -q -- '--compare-penalties'"

echo "cli_cnn: $pass checks, $fail failed"
[ "$fail" -eq 0 ]
