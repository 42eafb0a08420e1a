#!/bin/sh
# `make test-long`: the long reliability checks (docs/reliability.md), one line of
# figures each, then "N passed, N failed, N skipped".  Settings (seconds/ops):
#   BF_FIO_RUNTIME=30 BF_FSX_OPS=50000 BF_STRESS_SECONDS=30 BF_LIVENESS_SECONDS=30
#   BF_SOAK_SECONDS=1800 BF_LIFECYCLE_CYCLES=50
set -u
cd "$(dirname "$0")/.."
LOG=build/test-logs
mkdir -p "$LOG"
: "${BF_FIO_RUNTIME:=30}" "${BF_FSX_OPS:=50000}" "${BF_STRESS_SECONDS:=30}"
: "${BF_LIVENESS_SECONDS:=30}" "${BF_SOAK_SECONDS:=1800}" "${BF_LIFECYCLE_CYCLES:=50}"
export BF_FIO_RUNTIME BF_FSX_OPS BF_STRESS_SECONDS BF_LIVENESS_SECONDS BF_SOAK_SECONDS \
	BF_LIFECYCLE_CYCLES
out="$LOG/test-long.log"
BIOFUSE=${BIOFUSE:-build/biofuse} /usr/bin/python3 -m pytest -q -s -rs -p no:cacheprovider \
	test/integration/test_mount_fio.py \
	test/integration/test_mount_faults.py::test_lifecycle_cycles \
	test/integration/test_mount_posix.py::test_open_read_close_no_fd_leak \
	test/long >"$out" 2>&1
rc=$?
grep -oE '(fio |fsx_ro |stress-ng |liveness |soak |lifecycle:).*' "$out"
last=$(grep -E '[0-9]+ (passed|failed|skipped|error)' "$out" | tail -n 1)
p=$(echo "$last" | sed -n 's/.*\b\([0-9][0-9]*\) passed.*/\1/p')
f=$(echo "$last" | sed -n 's/.*\b\([0-9][0-9]*\) failed.*/\1/p')
e=$(echo "$last" | sed -n 's/.*\b\([0-9][0-9]*\) error.*/\1/p')
s=$(echo "$last" | sed -n 's/.*\b\([0-9][0-9]*\) skipped.*/\1/p')
[ "$rc" -ne 0 ] && grep -E '^(FAILED|ERROR)' "$out"
echo "${p:-0} passed, $(( ${f:-0} + ${e:-0} )) failed, ${s:-0} skipped (log: $out)"
[ "$rc" -eq 0 ]
