#!/usr/bin/python3
"""Filter benchmarks (issue 14, -i/-e): resolution time of a site-only filter and the rate of a
genotype-derived one against the decode-only rate of call_genotype.

usage: bench_filter.py [--root REPO] [--data DIR] [--tmp DIR] [--rounds N] [--only site,gt]
Also run by bench_all.py (--only filter).  Stores are generated into DATA (default
build/bench-data) when absent: bench_select.py's tall store (1,000 samples x 1,000,000
variants over 3 contigs with QUAL/FILTER/INFO/DP) and bench_memory.py's store A (100,000
samples x 20,000 variants, chunks 1,000 x 10,000).

Figures (medians over the rounds, as biofuse logs them: "resolved in X s"):
  * site: time to resolve `-i 'QUAL>30 && INFO/DP>10'` on the tall store, goal <= 0.5 s;
    and mount-plink ready time with it (goal <= 0.5 s beyond the resolution time);
  * gt: on store A, `-S HALF -i 'MAF>0.01 && F_MISSING<0.05'` where HALF is the first
    50,000 samples (5 of the 10 sample chunks): resolution rate in decoded genotype bytes
    of the selection (variants x 50,000 x 2) per second, as a ratio to the decode-only rate
    of the whole call_genotype (bench_decode --mode store, 2 threads, bytes per second),
    runs alternating in one process tree; goal >= 0.8.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench_all as ba  # noqa: E402
import bench_select as bs  # noqa: E402

STORE_A = ("store-100k-20k-c1000x10000",
           ["--samples", "100000", "--variants", "20000", "--variants-chunk", "1000",
            "--samples-chunk", "10000", "--seed", "1"])
RES_RE = re.compile(r"selection: (\d+) of (\d+) variants kept in (\d+) chunks.*resolved in "
                    r"([0-9.]+) s")
SITE_EXPR = "QUAL>30 && INFO/DP>10"
GT_EXPR = "MAF>0.01 && F_MISSING<0.05"


def resolve(a, store, opts):
    """Resolve the selection (build/tools/select_dump: options parsed as view-plink parses
    them, the selection resolved as every command resolves it, nothing encoded) and return
    (kept, seconds) as biofuse logs them."""
    r = subprocess.run([a.select_dump, store, "--log-level", "info", *opts],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    m = RES_RE.search(r.stderr)
    if not m:
        raise RuntimeError("no selection log line in: " + r.stderr[-500:])
    return int(m.group(1)), float(m.group(4))


def fig_site(a, store):
    ba.log(f"\n== 8. site filter -i '{SITE_EXPR}', 1,000 samples x 1,000,000 variants ==")
    ts = []
    kept = 0
    for _ in range(a.rounds):
        kept, t = resolve(a, store, ["-i", SITE_EXPR])
        ts.append(t)
    t = ba.med(ts)
    ba.log(f"-i '{SITE_EXPR}': {kept} of 1000000 variants kept")
    ba.log(f"FIGURE site filter resolution {t:.3f} s (runs: "
           f"{', '.join(f'{x:.3f}' for x in ts)})  goal <= 0.5 s  {ba.verdict(t, 0.5, False)}")
    mnt = tempfile.mkdtemp(prefix="bfbench-mnt-")
    try:
        rs = []
        for _ in range(a.rounds):
            with ba.Mount(a.biofuse, "mount-plink", store, mnt, ba.BASENAME + ".bed",
                          ["-i", SITE_EXPR]) as mo:
                rs.append(mo.ready_s)
        v = ba.med(rs)
        ba.log(f"FIGURE mount-plink ready with -i {v:.3f} s (runs: "
               f"{', '.join(f'{x:.3f}' for x in rs)}); beyond resolution {v - t:.3f} s  "
               f"goal <= 0.5 s beyond  {ba.verdict(v - t, 0.5, False)}")
    except RuntimeError as e:
        ba.log(f"FIGURE mount-plink ready with -i: not measured ({e})")
    finally:
        try:
            os.rmdir(mnt)
        except OSError:
            pass


def fig_gt(a, store):
    ba.log(f"\n== 9. genotype filter -S HALF -i '{GT_EXPR}', store A (100,000 samples x "
           f"20,000 variants) vs decode-only ==")
    tmp = tempfile.mkdtemp(prefix="bfbench-flt-", dir=a.tmp)
    half = os.path.join(tmp, "half.txt")
    with open(half, "w") as f:
        f.write("".join("s%d\n" % i for i in range(50000)))
    sel_bytes = 20000 * 50000 * 2
    dec, res = [], []
    kept = 0
    for r in range(a.rounds):
        dbytes, dt = ba.decode_seconds(a, store)
        dec.append(dbytes / dt)
        kept, t = resolve(a, store, ["-S", half, "-i", GT_EXPR])
        res.append(sel_bytes / t)
        ba.log(f"  round {r + 1}: decode-only {dbytes / dt / 1e9:.2f} GB/s, resolution "
               f"{t:.2f} s = {sel_bytes / t / 1e9:.2f} GB/s of selected genotypes")
    os.unlink(half)
    os.rmdir(tmp)
    d, g = ba.med(dec), ba.med(res)
    ba.log(f"-S HALF -i '{GT_EXPR}': {kept} of 20000 variants kept")
    ba.log(f"FIGURE genotype filter rate {g / 1e9:.2f} GB/s vs decode-only {d / 1e9:.2f} GB/s: "
           f"ratio {g / d:.3f}  goal >= 0.8  {ba.verdict(g / d, 0.8)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.dirname(HERE))
    ap.add_argument("--data", default=None)
    ap.add_argument("--tmp", default="/dev/shm" if os.path.isdir("/dev/shm") else None)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", default="site,gt")
    a = ap.parse_args()
    a.biofuse = os.environ.get("BIOFUSE", os.path.join(a.root, "build/biofuse"))
    a.bench = os.path.join(a.root, "build/bench")
    a.select_dump = os.path.join(a.root, "build/tools/select_dump")
    data = a.data or os.path.join(a.root, "build/bench-data")
    os.makedirs(data, exist_ok=True)
    only = set(a.only.split(","))
    if "site" in only:
        fig_site(a, bs.tall_store(a.root, data))
    if "gt" in only:
        fig_gt(a, ba.ensure_store(a.root, os.path.join(data, STORE_A[0]), STORE_A[1]))


if __name__ == "__main__":
    main()
