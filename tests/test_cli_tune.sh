#!/usr/bin/env bash
# test_cli_tune.sh: `optiscope tune` as a user runs it: the table, the same bytes on every run,
# never worse than the defaults, the tuned scene re-opened by render and trace (whose final
# losses are the table's), bad input (exit 2, one line naming what), and the lr_range preset.
# Usage: test_cli_tune.sh OPTISCOPE
set -u
OPT="$1"
T=$(mktemp -d /tmp/optiscope-tune-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { local what="$1"; shift; if "$@"; then ok; else bad "$what"; fi; }
expect_error() {   # expect_error WHAT PATTERN ARGS...: exit 2, one line on stderr matching
  local what="$1" pattern="$2"
  shift 2
  "$OPT" "$@" >out.txt 2>err.txt
  local rc=$?
  if [ $rc -ne 2 ]; then bad "$what: exit $rc, expected 2"; return; fi
  if ! grep -q -- "$pattern" err.txt; then bad "$what: stderr '$(cat err.txt)' lacks '$pattern'"; return; fi
  if [ "$(wc -l < err.txt)" -ne 1 ]; then bad "$what: expected one line on stderr"; return; fi
  ok
}

check "--help lists tune" bash -c "'$OPT' --help | grep -q 'optiscope tune   \[SCENE OPTIONS\] \[-o TUNED.scene\]'"
check "tune --help" bash -c "'$OPT' tune --help | grep -q -- '-o, --output FILE'"

# --- the default race of the beale preset, twice: the same table, the same file
"$OPT" tune --preset beale -o a.scene > a.txt 2> a.err
check "tune exit 0" [ $? -eq 0 ]
"$OPT" tune --preset beale -o b.scene > b.txt 2> /dev/null
check "the same scene file, byte for byte" cmp a.scene b.scene
check "the same table" cmp a.txt b.txt
check "table header" bash -c "head -1 a.txt | grep -q '^optimizer *default lr *default loss *tuned lr *tuned loss$'"
check "one row per optimizer" [ "$(wc -l < a.txt)" -eq 9 ]
check "tuned loss <= default loss, each row" awk 'NR > 1 && !($5 <= $3) {exit 1}' a.txt
check "most rows improve" [ "$(awk 'NR > 1 && $5 < $3' a.txt | wc -l)" -ge 6 ]
check "stderr says how long" grep -q '^optiscope tune: 8 optimizers, [0-9]* runs of 1500 steps in [0-9.]* s$' a.err
check "the file holds the tuned rates" bash -c "grep -q '^optimizer = sgd(lr=$(awk 'NR == 2 {print $4}' a.txt)), ' a.scene"
check "render --scene re-opens it" bash -c "'$OPT' render --scene a.scene --size 400x250 -o a.png >/dev/null 2>&1 && [ -s a.png ]"
# trace of the tuned scene ends at the table's tuned losses
"$OPT" trace --scene a.scene > a.csv 2>/dev/null
awk -F, 'NR > 1 {last[$1] = $5} END {for (k in last) printf "%.6g\n", last[k]}' a.csv | sort > trace-losses.txt
awk 'NR > 1 {print $5}' a.txt | sort > table-losses.txt
check "trace of the tuned scene ends at the tuned losses" cmp trace-losses.txt table-losses.txt
check "no temporary file left" bash -c "! ls | grep -q '\\.tmp-'"

# --- noisy gradients: the scene's seed makes the tune reproducible too; another seed, other rates
"$OPT" tune --preset lr_schedules -o n1.scene > n1.txt 2>/dev/null
"$OPT" tune --preset lr_schedules -o n2.scene > n2.txt 2>/dev/null
check "noisy scene: the same file twice" cmp n1.scene n2.scene
check "noisy scene: the same table twice" cmp n1.txt n2.txt
"$OPT" tune --preset lr_schedules --seed 4 > n3.txt 2>/dev/null
check "noisy scene, another seed: another table" bash -c "! cmp -s n1.txt n3.txt"
rm -f n1.scene n2.scene

# --- a diverging default (lr_range's sgd(lr=0.25)) is marked, and tuned to about 2/11
"$OPT" tune --preset lr_range > r.txt 2>/dev/null
check "lr_range: the diverging default is marked" grep -q 'sgd(lr=0.25,label=diverging) .* diverged (step 12) ' r.txt
"$OPT" tune --preset lr_range -o r.scene >/dev/null 2>&1
check "lr_range tuned: a label no longer true says what it was" grep -q 'sgd(lr=0.18,label=tuned · was too small), ' r.scene
check "lr_range: every rate tunes to 0.18 (2/11 to 2 digits)" [ "$(awk 'NR > 1 && $NF < 1e-15' r.txt | grep -c ' 0.18 ')" -eq 4 ]
check "tune without -o writes no file" bash -c "[ \$(ls *.scene | wc -l) -eq 3 ]"

# --- bad input: exit 2, one line, no file
expect_error "unknown option" "unknown option '--bogus'" tune --bogus
expect_error "bad steps" "steps" tune --steps abc
expect_error "unknown optimizer" "did you mean adam" tune --optimizer adom
expect_error "missing folder for -o" "/nonexistent-dir/t.scene" tune --preset beale -o /nonexistent-dir/t.scene
expect_error "-o without a value" "-o" tune -o
expect_error "unknown preset" "no-such-preset" tune --preset no-such-preset
check "nothing left by the refusals" bash -c "[ \$(ls *.scene | wc -l) -eq 3 ]"

# --- a runner's label: in the legend's spec, round-tripped, refused where it would end a value
check "label in trace's label" bash -c "'$OPT' trace --function bowl --optimizer 'sgd(lr=0.1, label=too small)' --steps 0 | grep -q '^\"sgd(lr=0.1,label=too small)\",0,'"
expect_error "label with #" "holds '#'; a label is text without" trace --optimizer "sgd(label=a#b)"
expect_error "label too long" "too long" trace --optimizer "sgd(label=$(printf 'x%.0s' $(seq 60)))"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
