#!/bin/sh
# `make fuzz-long`: every fuzz target for FUZZ_LONG_SECONDS (600) from its corpus in
# the tree; then the inputs that add coverage are merged into test/fuzz/corpus/NAME
# (-merge=1: a minimal set)
# and any crash input is kept as test/fuzz/regress/NAME/crash-* (replayed by
# `make test`).  One line of figures a target: executions, exec/s, corpus, crashes.
set -u
cd "$(dirname "$0")/.."
secs=${FUZZ_LONG_SECONDS:-600}
only=${FUZZ_TARGETS:-}
fail=0
for src in test/fuzz/fuzz_*.c; do
	f=$(basename "$src" .c)
	[ -n "$only" ] && ! echo " $only " | grep -q " $f " && continue
	bin=build-fuzz/$f
	work=build-fuzz/long-$f
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/crash" "test/fuzz/corpus/$f"
	log=$work/fuzz.log
	"$bin" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$work/crash/" \
		-close_fd_mask=1 "$work/corpus" "test/fuzz/corpus/$f" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	before=$(ls "test/fuzz/corpus/$f" | wc -l)
	# only inputs that add coverage join the tree's corpus (the named seeds stay)
	"$bin" -merge=1 "test/fuzz/corpus/$f" "$work/corpus" >"$work/merge.log" 2>&1
	after=$(ls "test/fuzz/corpus/$f" | wc -l)
	crashes=$(ls "$work/crash" | wc -l)
	if [ "$crashes" -gt 0 ]; then
		mkdir -p "test/fuzz/regress/$f"
		cp "$work/crash/"* "test/fuzz/regress/$f/"
		fail=1
	fi
	echo "$f: ${secs} s, ${execs:-?} execs (${eps:-?}/s), corpus $before -> $after files, $crashes crash(es), rc $rc"
	[ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ] && { tail -n 20 "$log"; fail=1; }
done
exit $fail
