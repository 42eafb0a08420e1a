#!/bin/sh
# Runs the test suite and prints one closing line "N passed, N failed[, N skipped]".
#   sh test/run_tests.sh            everything (unit, asan unit, fuzz smoke, integration)
#   sh test/run_tests.sh unit       unit tests of build/ only
#   sh test/run_tests.sh integration
#   sh test/run_tests.sh asan-integration   mount/view/fault tests on build-asan/biofuse
# Counts come from cmocka's and pytest's own summaries.
set -u
cd "$(dirname "$0")/.."
what=${1:-all}
PASS=0; FAIL=0; SKIP=0
LOG=build/test-logs
mkdir -p "$LOG"

count_cmocka() { # file
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$1" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$1" | tail -n 1)
	PASS=$((PASS + ${p:-0})); FAIL=$((FAIL + ${f:-0}))
}

run_unit() { # builddir label
	for t in "$1"/test/test_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		out="$LOG/$2-$name.log"
		if ! BF_TEST_SHARED=../shared timeout 300 "$t" >"$out" 2>&1; then
			if ! grep -q '^\[  FAILED  \]' "$out"; then
				echo "FAIL $2 $name (crashed or timed out; see $out)"; FAIL=$((FAIL + 1))
				tail -n 20 "$out"
				continue
			fi
			echo "FAIL $2 $name (see $out)"; grep -E '^\[  (FAILED|  ERROR) \]|^\[  ERROR   \]' "$out" | head -20
		fi
		count_cmocka "$out"
	done
}

run_fuzz_smoke() {
	# Each fuzz target runs briefly over its checked-in seeds; a crash fails.
	[ -d test/fuzz ] || return 0
	command -v clang >/dev/null || { echo "skip fuzz smoke: no clang"; return 0; }
	# the instrumented library once, on every core; each target is then a link
	make --no-print-directory -j"$(nproc)" build-fuzz/libbiofuse-fuzz.a >"$LOG/fuzz-build-lib.log" 2>&1 ||
		{ echo "FAIL fuzz library build (see $LOG/fuzz-build-lib.log)"; tail -n 20 "$LOG/fuzz-build-lib.log"; }
	for src in test/fuzz/fuzz_*.c; do
		[ -f "$src" ] || continue
		f=$(basename "$src" .c)
		if ! make --no-print-directory "build-fuzz/$f" >"$LOG/fuzz-build-$f.log" 2>&1; then
			echo "FAIL fuzz build $f (see $LOG/fuzz-build-$f.log)"; FAIL=$((FAIL + 1)); continue
		fi
		mkdir -p "build-fuzz/corpus-$f"
		seeds="test/fuzz/corpus/$f"; [ -d "$seeds" ] || seeds=""
		if timeout 120 "build-fuzz/$f" -max_total_time=${FUZZ_SMOKE_SECONDS:-15} \
			"build-fuzz/corpus-$f" $seeds >"$LOG/fuzz-$f.log" 2>&1; then
			PASS=$((PASS + 1))
		else
			echo "FAIL fuzz $f (see $LOG/fuzz-$f.log)"; tail -n 30 "$LOG/fuzz-$f.log"; FAIL=$((FAIL + 1))
		fi
		# crashes found by `make fuzz-long` stay fixed: each input runs once
		if [ -d "test/fuzz/regress/$f" ] && [ -n "$(ls "test/fuzz/regress/$f")" ]; then
			if timeout 120 "build-fuzz/$f" "test/fuzz/regress/$f"/* \
				>"$LOG/fuzz-regress-$f.log" 2>&1; then
				PASS=$((PASS + 1))
			else
				echo "FAIL fuzz regression $f (see $LOG/fuzz-regress-$f.log)"
				tail -n 30 "$LOG/fuzz-regress-$f.log"; FAIL=$((FAIL + 1))
			fi
		fi
	done
}

run_integration() { # [log name, binary, pytest arguments...]
	out="$LOG/${1:-pytest}.log"
	bin=${2:-build/biofuse}
	[ $# -ge 2 ] && shift 2
	[ $# -eq 0 ] && set -- test/integration
	BIOFUSE=$bin /usr/bin/python3 -m pytest -q -rs -p no:cacheprovider "$@" >"$out" 2>&1
	tail -n 40 "$out"
	last=$(grep -E '[0-9]+ (passed|failed|skipped|error)' "$out" | tail -n 1)
	p=$(echo "$last" | sed -n 's/.*[^0-9]\([0-9][0-9]*\) passed.*/\1/p;s/^\([0-9][0-9]*\) passed.*/\1/p' | head -n 1)
	f=$(echo "$last" | sed -n 's/.*[^0-9]\([0-9][0-9]*\) failed.*/\1/p;s/^\([0-9][0-9]*\) failed.*/\1/p' | head -n 1)
	e=$(echo "$last" | sed -n 's/.*[^0-9]\([0-9][0-9]*\) error.*/\1/p;s/^\([0-9][0-9]*\) error.*/\1/p' | head -n 1)
	s=$(echo "$last" | sed -n 's/.*[^0-9]\([0-9][0-9]*\) skipped.*/\1/p;s/^\([0-9][0-9]*\) skipped.*/\1/p' | head -n 1)
	[ -z "$last" ] && { echo "FAIL pytest produced no summary"; FAIL=$((FAIL + 1)); }
	PASS=$((PASS + ${p:-0})); FAIL=$((FAIL + ${f:-0} + ${e:-0})); SKIP=$((SKIP + ${s:-0}))
}

# The mount, view and fault tests once more against the ASan+UBSan binary
# (built by `make test` in build-asan/; LeakSanitizer on, so a leak fails the
# exit status the tests check).  The RLIMIT_AS test is left out: ASan
# reserves terabytes of address space.
run_integration_asan() {
	[ -x build-asan/biofuse ] || { echo "skip asan integration: no build-asan/biofuse"; return 0; }
	echo "integration tests against build-asan/biofuse"
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/test/lsan.supp:print_suppressions=0} \
		run_integration pytest-asan build-asan/biofuse test/integration/test_mount.py \
		test/integration/test_store_faults.py test/integration/test_mount_signals.py \
		test/integration/test_view_plink.py -k "not pressure"
}

case $what in
unit) run_unit build unit ;;
integration) run_integration ;;
all)
	run_unit build unit
	run_unit build-asan asan
	run_fuzz_smoke
	run_integration
	run_integration_asan
	;;
asan-integration) run_integration_asan ;;
esac
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" -eq 0 ]
