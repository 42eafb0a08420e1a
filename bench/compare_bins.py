#!/usr/bin/python3
"""Compare biofuse binaries on one command, runs interleaved (A B A B ...), so a busy
machine slows every binary alike; prints each binary's median wall and CPU time (user+sys of
the child) and the ratio of each median to the first binary's.

    /usr/bin/python3 bench/compare_bins.py [--runs N] [--store S] BIN [BIN ...] [-- ARGS]

ARGS default to `view-bgen {store} --fixed-variant-size` (stdout to /dev/null); `{store}`
is replaced by --store (default build/bench-data/store-10k-20k, made by `make bench`).
Used for the step-by-step timings in docs/performance.md (a binary per commit, built with
`make BUILD=/tmp/b-X /tmp/b-X/biofuse`)."""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import time


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--store", default="build/bench-data/store-10k-20k")
    ap.add_argument("bins", nargs="+")
    a = ap.parse_args(argv)
    args = extra or ["view-bgen", "{store}", "--fixed-variant-size"]
    args = [x.replace("{store}", a.store) for x in args]
    wall = [[] for _ in a.bins]
    cpu = [[] for _ in a.bins]
    with open(os.devnull, "wb") as null:
        for _ in range(a.runs):
            for i, b in enumerate(a.bins):
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                t = time.perf_counter()
                subprocess.run([b] + args, stdout=null, check=True)
                wall[i].append(time.perf_counter() - t)
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[i].append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
    base = statistics.median(wall[0])
    for i, b in enumerate(a.bins):
        w = statistics.median(wall[i])
        print("%-40s wall %7.1f ms (min %6.1f)  cpu %7.1f ms  wall / first %.3f" % (
            b, w * 1e3, min(wall[i]) * 1e3, statistics.median(cpu[i]) * 1e3, w / base))


if __name__ == "__main__":
    main()
