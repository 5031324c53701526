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
check "list optimizers" bash -c "[ \$('$OPT' list optimizers | wc -l) -eq 11 ]"
check "list optimizers: ista" bash -c "'$OPT' list optimizers | grep -q '^ista .*soft-threshold'"
check "help: ista's usage and lr row" bash -c "'$OPT' trace --help | grep -q '^  ista(lr=0.01' && '$OPT' trace --help | grep -q 'ista: learning'"
check "list schedules" bash -c "'$OPT' list schedules | grep -q inverse_time"
for p in beale rosenbrock saddle long_valley banana rastrigin himmelblau; do
  check "preset $p listed" bash -c "'$OPT' list presets | grep -q '^$p '"
done

# --- trace
"$OPT" trace --function rosenbrock --optimizer "sgd(lr=0.001),adam(lr=0.01)" --steps 20 \
  --start -2,2 > t.csv 2>err.txt
check "trace exit" [ $? -eq 0 ]
check "trace header" [ "$(head -1 t.csv)" = "optimizer,step,x,y,loss,lr,diverged" ]
check "trace rows" [ "$(wc -l < t.csv)" -eq $((1 + 2 * 21)) ]
check "trace start" grep -q '^"\?sgd(lr=0.001)"\?,0,-2,2,409,0.001,0$' t.csv
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

# --- a schedule per optimizer: each runner's lr column follows its own, the others --schedule
"$OPT" trace --function bowl --optimizer "sgd(lr=0.1,schedule=step(5,0.5)),sgd(lr=0.1,schedule=cosine(t_max=200,warmup=10))" \
  --optimizer "sgd(lr=0.2)" --schedule "exponential(0.5)" --steps 12 > own.csv
check "own schedule rows" [ "$(wc -l < own.csv)" -eq $((1 + 3 * 13)) ]
check "own schedule: step's lr" bash -c "grep '^\"sgd(lr=0.1,schedule=step(step_size=5,gamma=0.5))\",11,' own.csv | grep -q ',0.025000000000000001,0$'"
check "own schedule: cosine's warmup" bash -c "grep '^\"sgd(lr=0.1,schedule=cosine(t_max=200,warmup=10))\",1,' own.csv | grep -q ',0.010000000000000002,0$'"
check "own schedule: the race's for the rest" bash -c "grep '^sgd(lr=0.2),3,' own.csv | grep -q ',0.050000000000000003,0$'"
check "own schedule in a scene file" bash -c "printf 'function = bowl\nsteps = 6\noptimizer = adam(lr=0.1, schedule=step(2, 0.5))\n' > own.scene && '$OPT' trace --scene own.scene | tail -1 | grep -q ',0.025000000000000001,0$'"
check "own schedule in train" bash -c "'$OPT' train --data synthetic --limit 700 --optimizer 'sgd(lr=0.1,schedule=step(5,0.5))' --no-progress --log own-train.csv >/dev/null 2>&1 && [ \"\$(awk -F, 'NR > 1 {printf \"%s \", \$(NF-1)}' own-train.csv)\" = '0.1 0.1 0.1 0.1 0.1 0.05 0.05 0.05 0.05 0.05 0.025 ' ]"
expect_error "bad own schedule" "sgd: invalid schedule=cosine(tmax=3): .*did you mean t_max?" trace --optimizer "sgd(schedule=cosine(tmax=3))"

# the lr_schedules preset says what it shows: six runners, a schedule each; the constant lr
# rattles in its noise ball (mean loss of the last 50 steps 0.86), every decay ends in a
# smaller one (at most 0.07)
"$OPT" trace --preset lr_schedules > lrs.csv
awk -F, 'NR > 1 && $(NF-5) > 150 {k = $0; sub(/,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*$/, "", k); s[k] += $(NF-2); n[k]++} END {for (k in s) print k, s[k] / n[k]}' lrs.csv > lrs.txt
check "lr_schedules: six schedules" [ "$(grep -c 'schedule=' lrs.txt)" -eq 6 ]
check "lr_schedules: constant rattles" bash -c "grep -F 'schedule=constant)' lrs.txt | awk '{exit !(\$2 > 0.5)}'"
check "lr_schedules: decays settle" bash -c "[ \$(grep -vF 'schedule=constant)' lrs.txt | awk '\$2 < 0.07' | wc -l) -eq 5 ]"

# --- every optimizer, schedule and penalty against PyTorch's own numbers
check "trace agrees with PyTorch" python3 "$SRC/compare_trace.py" "$OPT" "$SRC/fixtures"

# --- L1's optimum has y at its kink 0, which subgradient steps rattle around (close, never
# exactly 0) while x settles at 2 - 2.5/2; L2 only shrinks y, to 0.25*4/(4+1.25) exactly
check "l1 preset: adam ends at y ~ 0" bash -c "'$OPT' trace --preset l1_sparsity | tail -1 | awk -F, '{exit !(\$4 < 0.01 && \$4 > -0.01)}'"
check "l1 preset: near the kink, not on it" bash -c "'$OPT' trace --preset l1_sparsity | awk -F, '\$2 == 300 {n++; if (\$4 == 0 || \$4 > 0.1 || \$4 < -0.1 || \$3 < 0.7499 || \$3 > 0.7501) bad++} END {exit !(n == 3 && !bad)}'"
# ista: the L1 term as a proximal step lands y on exactly 0 (and x on the closed form's 0.75),
# where sgd on the same scene still sits at y = 0.064
"$OPT" trace --preset l1_sparsity --optimizer "sgd(lr=0.02),ista(lr=0.05)" --l1 2.5 > ista.csv
check "ista trace rows" [ "$(grep -c '^ista(lr=0.05),' ista.csv)" -eq 301 ]
check "ista reaches y = 0 exactly" bash -c "grep '^ista(lr=0.05),300,' ista.csv | awk -F, '{exit !(\$4 == \"0\" && \$3 > 0.7499999 && \$3 < 0.7500001)}'"
check "sgd does not" bash -c "grep '^sgd(lr=0.02),300,' ista.csv | awk -F, '{exit !(\$4 > 0.06 && \$4 < 0.07)}'"
check "ista renders" "$OPT" render --preset l1_sparsity --optimizer "ista(lr=0.05)" --l1 2.5 --size 300x200 -o ista.png
check "ista in a scene file" bash -c "printf 'expr = (x-2)^2 + 4*(y-0.25)^2\nl1 = 2.5\nsteps = 100\noptimizer = ista(lr=0.05)\n' > ista.scene && '$OPT' trace --scene ista.scene | tail -1 | grep -q '^ista(lr=0.05),100,0.7[0-9]*,0,'"
check "l2 preset: sgd ends at y = 1/5.25" bash -c "'$OPT' trace --preset l2_shrinkage | grep '^sgd(lr=0.02),300,' | awk -F, '{exit !(\$4 > 0.190475 && \$4 < 0.190477)}'"

# --- divergence: normal, reported, the others go on
"$OPT" trace --function beale --optimizer "sgd(lr=100),adam(lr=0.01)" --steps 50 > d.csv 2>err.txt
check "divergence exit 0" [ $? -eq 0 ]
check "divergence reported" grep -q 'sgd(lr=100) diverged at step [0-9]' err.txt
check "others go on" grep -q '^adam(lr=0.01),50,' d.csv
check "no non-finite numbers" bash -c "! grep -Eiq 'nan|inf' d.csv"
check "diverged runner's last row says so" bash -c "grep '^sgd(lr=100),' d.csv | tail -1 | grep -Eq '^sgd\(lr=100\),[0-9]+,,,,100,1$'"
check "diverged runner's rows stop" bash -c "[ \$(grep -c ',1$' d.csv) -eq 1 ] && [ \$(grep '^adam' d.csv | grep -vc ',0$') -eq 0 ]"
check "render reports divergence" bash -c "'$OPT' render --function beale --optimizer 'sgd(lr=100),adam(lr=0.01)' --steps 20 --size 200x150 -o dv.png 2>&1 >/dev/null | grep -q '^optiscope render: sgd(lr=100) diverged at step [0-9]'"
check "render: leaving a saddle downhill is an escape, not divergence" bash -c "'$OPT' render --preset saddle --steps 400 --size 300x200 -o sd.png 2>&1 >/dev/null | grep -q 'left the view going downhill' && ! '$OPT' render --preset saddle --steps 400 --size 300x200 -o sd.png 2>&1 >/dev/null | grep -q 'diverged'"
check "gif reports divergence once" bash -c "[ \$('$OPT' render --function beale --optimizer 'sgd(lr=100),adam(lr=0.01)' --steps 20 --size 200x150 -o dv.gif 2>&1 >/dev/null | grep -c 'diverged at step') -eq 1 ]"

# --- non-finite numbers: a start where the objective or its gradient is not finite is refused,
# naming the point and the value, in every command that resolves a scene
expect_error "start: log of a negative" "start (-1.5, 1.5): the objective is NaN there" trace --expr 'log(x)' --steps 3
expect_error "start: overflow" "start (1e+200, 1e+200): the objective is infinity there" trace --start 1e200,1e200 --function bowl
expect_error "start: huge l2" "start (3, 4): the objective is infinity there" trace --l2 1e308
expect_error "start: overflow in the expression" "the objective is minus infinity there" trace --expr '1e308*x*1e308'
expect_error "start: infinite gradient" "start (0, 1): the gradient is (infinity, 0) there" trace --expr 'sqrt(x)' --start 0,1
expect_error "render: non-finite start" "start (-1.5, 1.5): the objective is NaN" render --expr 'log(x)' --size 100x80 -o nf.png
check "render: non-finite start writes nothing" [ ! -e nf.png ]
printf 'expr = log(x)\n' > nf.scene
expect_error "scene file: non-finite start" "start (-1.5, 1.5): the objective is NaN" trace --scene nf.scene
check "view: non-finite start refused before a window" bash -c "DISPLAY= WAYLAND_DISPLAY= '$OPT' view --expr 'log(x)' --start -1,1 --frames 1 2>&1 >/dev/null | grep -q 'start (-1, 1): the objective is NaN there'"
check "trace: a finite start on the same function runs" bash -c "'$OPT' trace --expr 'log(x)' --start 1,1 --steps 3 --optimizer sgd | tail -1 | grep -q '^sgd,3,'"
check "trace: a schedule that overflows the lr: diverged row without inf" bash -c "'$OPT' trace --schedule 'exponential(gamma=5.99)' --optimizer 'sgd(1e-9)' --function bowl --start 0,0 --steps 600 > ov.csv && grep -q '^sgd(lr=1e-09),[0-9]*,,,,,1\$' ov.csv && ! grep -qi 'inf\|nan' ov.csv"
expect_error "subnormal lr says so" "lr=1e-320: expected a number > 0; the value is too close to zero for a double (a subnormal" trace --optimizer 'sgd(lr=1e-320)'
expect_error "subnormal l2 says so" "got '1e-320', which is too close to zero" trace --l2 1e-320
expect_error "overflowing start says so" "which is too large for a double" trace --start 1,1e999

# --- text: user bytes in messages are escaped, scene files are checked where they enter
printf 'function = beale\n\033]0;TITLE\007\n' > osc.scene
expect_error "scene line escaped" "osc.scene:2: expected 'key = value', got '\\\\x1b]0;TITLE\\\\x07'" trace --scene osc.scene
check "no escape byte reaches stderr" bash -c "! grep -q \$'\\x1b' err.txt && ! grep -q \$'\\x07' err.txt"
printf '\033]52;c;aGk=\007 = 1\n' > osc52.scene
expect_error "unknown key escaped" "osc52.scene:1: unknown key '\\\\x1b]52;c;aGk'" trace --scene osc52.scene
expect_error "unknown function escaped" "unknown function '\\\\x1b\\[31mred'" trace --function $'\033[31mred'
expect_error "unknown optimizer escaped" "\\\\x1b" trace --optimizer $'ad\033am'
expect_error "option value escaped" "got '\\\\x1b\\[2J'" trace --steps $'\033[2J'
expect_error "unknown option escaped" "unknown option '--\\\\x1b\\[2J'" trace --$'\033[2J'
expect_error "unknown command escaped" "unknown command '\\\\x1b\\[2J'" $'\033[2J'
expect_error "expression escaped" "\\\\x1b" trace --expr $'x+\033'
check "no control byte in any of these messages" bash -c "for a in \$'--function=\\e]0;T\\a' \$'--optimizer=\\e]0;T\\a' \$'--schedule=\\e]0;T\\a' \$'--scale=\\e]0;T\\a' \$'--start=\\e]0;T\\a' \$'--title=\\e]0;T\\a' \$'--\\e]0;T\\a'; do '$OPT' trace \"\$a\" 2>&1 | grep -q \$'[\\x01-\\x08\\x0b-\\x1f\\x7f]' && exit 1; done; exit 0"
expect_error "title: invalid UTF-8 refused" "--title: '\\\\xff\\\\xfeab' is not valid UTF-8 text" trace --title $'\xff\xfeab'
expect_error "title: control character refused" "holds a control character" trace --title $'a\tb'
expect_error "title: too long, in bytes" "too long (128 bytes; at most 127 bytes" trace --title "$(printf 'a%.0s' $(seq 128))"
printf 'title = caf\xc3\n' > badutf.scene
expect_error "scene title: invalid UTF-8 with file:line" "badutf.scene:1: title: .*not valid UTF-8" trace --scene badutf.scene
t63=$(printf '\xc3\xa9%.0s' $(seq 63))
check "title: 126 bytes of 2-byte characters render in 2-D" "$OPT" render --title "$t63" --steps 2 --size 200x150 -o u8.png
check "title: 128 bytes of 2-byte characters refused, not cut" bash -c "! '$OPT' render --title '$t63'\$'\\xc3\\xa9' --steps 2 --size 200x150 -o u8b.png 2>/dev/null && [ ! -e u8b.png ]"
printf 'steps = 3\n\0function = bowl\n' > nul.scene
expect_error "NUL byte in a scene file" "nul.scene:2: a NUL byte" trace --scene nul.scene
expect_error "scene from /dev/zero" "/dev/zero: scene file too large (more than 1048576 bytes)" trace --scene /dev/zero
head -c 1048577 /dev/zero | tr '\0' '#' > big.scene
expect_error "scene file over 1 MiB" "big.scene: scene file too large (1048577 bytes; at most 1048576)" trace --scene big.scene
head -c 1048576 /dev/zero | tr '\0' '#' > max.scene
check "scene file of exactly 1 MiB reads" bash -c "'$OPT' trace --scene max.scene --steps 1 >/dev/null"
mkdir -p scene.dir
expect_error "scene is a directory" "scene.dir: is a directory, not a scene file" trace --scene scene.dir
expect_error "option value is never an option: scene" "unexpected argument" trace --title --scene=/etc/hostname x
check "option value is never an option: the title is the next argument" bash -c "'$OPT' trace --title --scene=/etc/hostname --function bowl --steps 1 --optimizer sgd > tv.csv && [ \$(wc -l < tv.csv) -eq 3 ]"
expect_error "option value is never an option: -o" "missing value" trace --steps 1 -o
expect_error "option at the end without its value" "--title: missing value" trace --steps 1 --title

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
for p in rosenbrock saddle long_valley rastrigin himmelblau l1_sparsity l2_shrinkage lr_schedules; do
  check "preset $p renders" "$OPT" render --preset "$p" --size 400x300 -o "p-$p.png"
done
# Under AddressSanitizer (ASAN_OPTIONS means nothing to other builds) the 3-D render exits 0 with
# leak checking on and only tests/lsan.supp: the GL driver stays loaded to the end, so what it
# keeps for the process's life is still reachable, not a leak from "<unknown module>".
if ASAN_OPTIONS=detect_leaks=0 "$OPT" render --preset beale --view 3d --size 200x150 -o egl.png >/dev/null 2>&1; then
  check "3-D render: no leak report" bash -c "ASAN_OPTIONS=detect_leaks=1 '$OPT' render --preset beale --view 3d --size 200x150 -o egl.png >/dev/null"
fi
env -u DISPLAY -u WAYLAND_DISPLAY "$OPT" view --shot-dir "$T" > view.txt 2>/dev/null
check "view fallback renders" bash -c "f=\$(sed -n 's/^rendered //p' view.txt); [ -s \"\$f\" ]"

# --- outputs: -o follows what the path leads to. Never the real /dev/null: a FIFO, links, files
# of our own, /dev/full, and /dev/stdout into a file or a pipe stand for devices.
mkdir -p outs && cd outs
mkfifo fifo
(timeout 60 cat fifo > fifo.txt) & reader=$!
timeout 60 "$OPT" trace --steps 2 -o fifo 2>err.txt
check "trace into a FIFO: exit 0" [ $? -eq 0 ]
wait $reader
check "trace into a FIFO: the reader gets every row" [ "$(wc -l < fifo.txt)" -eq 25 ]
check "trace into a FIFO: it stays a FIFO" [ -p fifo ]
"$OPT" trace --steps 2 -o /dev/stdout > stdout.txt
check "trace -o /dev/stdout into a file" [ "$(wc -l < stdout.txt)" -eq 25 ]
check "trace -o /dev/stdout into a pipe" [ "$("$OPT" trace --steps 2 -o /dev/stdout | wc -l)" -eq 25 ]
printf 'old\n' > real.csv && chmod 604 real.csv && ln -s real.csv link.csv
"$OPT" trace --steps 2 -o link.csv
check "trace -o symlink: the link is kept" [ -L link.csv ]
check "trace -o symlink: its target is written" [ "$(wc -l < real.csv)" -eq 25 ]
check "trace -o symlink: the target keeps its mode" [ "$(stat -c %a real.csv)" = 604 ]
(umask 027 && "$OPT" trace --steps 1 -o masked.csv)
check "new file: 0666 minus the umask" [ "$(stat -c %a masked.csv)" = 640 ]
"$OPT" render --steps 5 --size 200x150 -o real.png >/dev/null && ln -s real.png link.png
"$OPT" render --steps 5 --size 200x150 -o link.png >/dev/null
check "render -o symlink: link kept, target a PNG" bash -c "[ -L link.png ] && head -c 4 real.png | grep -q PNG"
mkdir folder folder.png m-2.bin
expect_error "trace -o folder" "folder: is a folder" trace --steps 2 -o folder
expect_error "render -o folder" "folder.png: is a folder" render --steps 2 -o folder.png
expect_error "trace -o ''" "trace: the output path is empty" trace --steps 2 -o ''
expect_error "render -o ''" "render: the output path is empty" render --steps 2 -o ''
expect_error "render 3d -o ''" "render: the output path is empty" render --view 3d -o ''
# a path that cannot be written is refused before the work (train prints nothing first)
expect_error "train --save folder" "--save: folder: is a folder" train --data synthetic --limit 100 --save folder
check "train --save folder: before training" [ ! -s out.txt ]
expect_error "train --save second racer's path" "--save: m-2.bin: is a folder" train --data synthetic --limit 100 --optimizer sgd,adam --save m.bin
check "train --save second racer's path: before training" [ ! -s out.txt ]
expect_error "train --save missing folder" "--save: nope/m.bin: cannot write" train --data synthetic --limit 100 --save nope/m.bin
check "train --save missing folder: before training" [ ! -s out.txt ]
expect_error "landscape -o missing folder" "landscape: nope/s.csv: cannot write" landscape --data synthetic --limit 100 -o nope/s.csv
check "landscape -o missing folder: before training" [ ! -s out.txt ]
mkdir s-paths.csv
expect_error "landscape: its paths file a folder" "landscape: s-paths.csv: is a folder" landscape --data synthetic --limit 100 -o s.csv
check "trace -o folder: at once, before a long run" timeout 20 bash -c "'$OPT' trace --steps 100000000 -o folder 2>/dev/null; [ \$? -eq 2 ]"
# a write that fails during the work (a full disk; /dev/full behind links) exits 1 everywhere
for f in full.csv full.png full.gif full.svg; do ln -s /dev/full "$f"; done
expect_full() {   # expect_full WHAT PATTERN ARGS...: exit 1, one line on stderr matching PATTERN
  local what="$1" pattern="$2"; shift 2
  timeout 120 "$OPT" "$@" >"${STDOUT:-out.txt}" 2>err.txt
  local rc=$?
  if [ $rc -ne 1 ]; then bad "$what: exit $rc, expected 1"; return; fi
  if ! grep -q -- "$pattern" err.txt; then bad "$what: stderr '$(cat err.txt)' lacks '$pattern'"; return; fi
  if [ "$(wc -l < err.txt)" -ne 1 ]; then bad "$what: expected one line on stderr"; return; fi
  ok
}
nospc="No space left on device"
expect_full "trace, disk full" "trace: full.csv: cannot write: $nospc" trace --steps 100000000 -o full.csv
expect_full "render png, disk full" "$nospc" render --steps 5 --size 200x150 -o full.png
expect_full "render svg, disk full" "$nospc" render --steps 5 --size 200x150 -o full.svg
expect_full "render gif, disk full" "full.gif: cannot write" render --steps 5 --size 200x150 -o full.gif
expect_full "train --log, disk full" "full.csv.*$nospc" train --data synthetic --limit 200 --no-progress --log full.csv
check "/dev/full is still a device" [ -c /dev/full ]
# standard output: every failed write is said, and a long trace stops at the first
stdout_full="standard output: write failed: $nospc"
STDOUT=/dev/full expect_full "trace > /dev/full" "^optiscope trace: $stdout_full" trace --steps 100000000
STDOUT=/dev/full expect_full "list > /dev/full" "^optiscope list: $stdout_full" list functions
STDOUT=/dev/full expect_full "--help > /dev/full" "$stdout_full" --help
STDOUT=/dev/full expect_full "render's printed path > /dev/full" "$stdout_full" render --steps 5 --size 200x150 -o ok.png
check "render > /dev/full still writes the figure" [ -s ok.png ]
check "no temp files from outputs" bash -c "! ls *.tmp-* 2>/dev/null | grep -q ."
# SIGINT, SIGTERM and SIGHUP mid-write remove the temporary file and end the process by that
# signal (a shell sees 128+N). Job control (set -m) so background jobs do not ignore SIGINT;
# a signal the test itself was started ignoring (nohup) stays ignored, so is not tested.
sig_ignored() { local bit=$(( $(kill -l "$1") - 1 )); (( (0x$(awk '/^SigIgn/ {print $2}' /proc/$$/status) >> bit) & 1 )); }
interrupt() {   # interrupt WHAT SIGNAL OUTPUT ARGS...: kill once OUTPUT.tmp-* exists
  local what="$1" sig="$2" outp="$3"; shift 3
  if sig_ignored "$sig"; then echo "note: SIG$sig ignored by the caller; $what not tested" >&2; return; fi
  rm -f "$outp" "$outp".tmp-*
  local rc
  rc=$(set -m; "$OPT" "$@" >/dev/null 2>&1 & pid=$!
       for _ in $(seq 600); do ls "$outp".tmp-* >/dev/null 2>&1 && break; sleep 0.1; done
       kill -"$sig" $pid; wait $pid; echo $?)
  local want=$((128 + $(kill -l "$sig")))
  if [ "$rc" -ne "$want" ]; then bad "$what: exit $rc, expected $want"; return; fi
  if ls "$outp".tmp-* >/dev/null 2>&1; then bad "$what: left $(ls "$outp".tmp-*)"; return; fi
  if [ -e "$outp" ]; then bad "$what: $outp written"; return; fi
  ok
}
interrupt "trace, SIGINT" INT big.csv trace --steps 100000000 -o big.csv
interrupt "trace, SIGTERM" TERM big.csv trace --steps 100000000 -o big.csv
interrupt "render gif, SIGTERM" TERM big.gif render --steps 2000 --size 2000x1250 -o big.gif
interrupt "train --log, SIGHUP" HUP log.csv train --data synthetic --epochs 1000 --no-progress --log log.csv
interrupt "train --log, SIGINT" INT log.csv train --data synthetic --epochs 1000 --no-progress --log log.csv
cd "$T"

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
