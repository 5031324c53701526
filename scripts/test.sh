#!/usr/bin/env bash
# test.sh: sets up, builds with warnings as errors, runs every test, then builds again with
# AddressSanitizer and UndefinedBehaviorSanitizer and runs every test there too, then runs each
# libFuzzer target of tests/fuzz/ for 3 seconds (scripts/fuzz.sh). The last line is
# "N passed, N failed" over all of them.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
count() {   # count BUILDDIR: adds that build's test results to the totals
  local log="$1/meson-logs/testlog.json"
  if [ ! -f "$log" ]; then
    failed=$((failed + 1))
    return
  fi
  read -r p f < <(python3 - "$log" <<'PY'
import json, sys
p = f = 0
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r != "SKIP":
        f += 1
print(p, f)
PY
)
  passed=$((passed + p))
  failed=$((failed + f))
}

run_build() {   # run_build DIR MESON-ARGS...: configure, build, test
  local dir="$1"
  shift
  rm -f "$dir/meson-logs/testlog.json"
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >/dev/null || { failed=$((failed + 1)); return; }
  fi
  if ! ninja -C "$dir"; then
    echo "test: build in $dir failed" >&2
    failed=$((failed + 1))
    return
  fi
  meson test -C "$dir" --print-errorlogs --num-processes 2 || true
  count "$dir"
}

export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
run_build build-ci --werror --buildtype=debugoptimized
ASAN_OPTIONS="detect_leaks=1" LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0" \
  run_build build-asan --werror --buildtype=debug \
  -Db_sanitize=address,undefined -Db_lundef=false

# The fuzz targets, briefly, from their seed corpora: each one a counted entry, so a
# regression that a seed or a few seconds of fuzzing reach fails CI.
fuzz_log=build-fuzz/ci.log
mkdir -p build-fuzz
bash scripts/fuzz.sh 3 > "$fuzz_log" 2>&1
fuzz_rc=$?
cat "$fuzz_log"
fuzz_ok=$(grep -c '^fuzz: [a-z]* ok:' "$fuzz_log")
fuzz_bad=$(grep -c '^fuzz: [a-z]* FAILED' "$fuzz_log")
passed=$((passed + fuzz_ok))
failed=$((failed + fuzz_bad))
if [ $fuzz_rc -ne 0 ] && [ "$fuzz_bad" -eq 0 ]; then
  failed=$((failed + 1))   # the fuzz build itself failed
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
