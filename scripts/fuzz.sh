#!/usr/bin/env bash
# fuzz.sh: builds the libFuzzer targets of tests/fuzz/ with clang (AddressSanitizer and
# UndefinedBehaviorSanitizer on) and runs each for SECONDS (default 60) from its checked-in
# seed corpus (tests/fuzz/corpus/TARGET; the corpus is only read, new inputs go to a scratch
# folder). Prints, per target, "fuzz: TARGET ok: N executions, coverage C edges, F features"
# or "fuzz: TARGET FAILED ..." with the saved input under build-fuzz/findings/, and exits
# non-zero on any finding or build failure. Installs clang-14 and libfuzzer-14-dev with apt-get
# when they are missing.
# Usage: bash scripts/fuzz.sh [SECONDS] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(expr spec scene idx)
out=build-fuzz

# ---- the compiler: clang with libFuzzer's runtime
CC=""
for c in clang-14 clang; do
  if command -v "$c" >/dev/null && echo 'int LLVMFuzzerTestOneInput(const char *d, long n)
{ (void)d; (void)n; return 0; }' | "$c" -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
    CC="$c"
    break
  fi
done
if [ -z "$CC" ]; then
  echo "fuzz: installing clang-14 and libfuzzer-14-dev" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends \
      clang-14 libfuzzer-14-dev >/dev/null; } || { echo "fuzz: cannot install clang" >&2; exit 1; }
  CC=clang-14
fi

# ---- build: the sim sources and the IDX loader once, then one executable per target
flags=(-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -Isrc -Itests/fuzz
       -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
       -Wall -Wextra -Werror)
mkdir -p "$out/obj" "$out/findings"
sources=(src/sim/*.c src/nn/dataset.c)
build_failed=0
pids=()
for s in "${sources[@]}"; do
  o="$out/obj/$(echo "$s" | tr / _).o"
  if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ -n "$(find src/sim src/nn/dataset.h -newer "$o" -name '*.h')" ]; then
    "$CC" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$s" -o "$o" &
    pids+=($!)
    # two at a time: this machine is shared
    if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}" || build_failed=1; pids=("${pids[@]:1}"); fi
  fi
done
for p in "${pids[@]}"; do wait "$p" || build_failed=1; done
if [ $build_failed -ne 0 ]; then
  echo "fuzz: build FAILED" >&2
  exit 1
fi
for t in "${targets[@]}"; do
  libs=(-lm -lz)
  if ! "$CC" "${flags[@]}" -fsanitize=fuzzer "tests/fuzz/fuzz_$t.c" "$out"/obj/*.o \
       "${libs[@]}" -o "$out/fuzz_$t"; then
    echo "fuzz: $t build FAILED" >&2
    exit 1
  fi
done

# ---- run
status=0
for t in "${targets[@]}"; do
  work=$(mktemp -d "/tmp/optiscope-fuzz-$t-XXXXXX")
  log="$out/fuzz_$t.log"
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" ASAN_OPTIONS="detect_leaks=1" \
    "$out/fuzz_$t" "$work" "tests/fuzz/corpus/$t" -max_total_time="$seconds" -timeout=20 \
    -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
    -artifact_prefix="$out/findings/$t-" > "$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*')
  ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*')
  corp=$(echo "$last" | grep -o 'corp: [0-9]*' | grep -o '[0-9]*')
  if [ $rc -eq 0 ]; then
    echo "fuzz: $t ok: ${execs:-?} executions in ${seconds} s, coverage ${cov:-?} edges, ${ft:-?} features, corpus ${corp:-?} inputs"
  else
    echo "fuzz: $t FAILED (exit $rc, log $log):"
    grep -E 'ERROR|oracle failed|SUMMARY|Test unit written' "$log" | head -5 | sed 's/^/  /'
    status=1
  fi
  rm -rf "$work"
done
exit $status
