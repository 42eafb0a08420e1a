#!/bin/sh
# Run every benchmark (called by `make bench`; the Makefile has built
# build/biofuse and build/bench/*).  Stores are generated into
# build/bench-data when absent.  Extra arguments go to bench/bench_all.py,
# e.g. `sh bench/run.sh --rounds 3 --only decode,view`.
set -e
cd "$(dirname "$0")/.."
for b in build/biofuse build/bench/bench_decode build/bench/bench_bed_kernel build/bench/bench_fuse_ceiling; do
	if [ ! -x "$b" ]; then
		echo "bench: $b is missing; run 'make bench' (or make && make $b)" >&2
		exit 1
	fi
done
# Issue 6 (memory) figures: `sh bench/run.sh --only memory6 [bench_memory.py options]`.
if [ "$1" = "--only" ] && [ "$2" = "memory6" ]; then
	shift 2
	exec /usr/bin/python3 bench/bench_memory.py "$@"
fi
exec /usr/bin/python3 bench/bench_all.py "$@"
