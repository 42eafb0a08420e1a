#!/usr/bin/python3
"""Selection benchmarks (issue 14): resolution time of -r, chunks it reads, mount-ready time.

usage: bench_select.py [--root REPO] [--data DIR] [--tmp DIR] [--rounds N]
Also run by bench_all.py (--only select).  The store, 1,000 samples x 1,000,000 variants
over 3 contigs with QUAL/FILTER/INFO and region_index, is generated into DATA
(default build/bench-data) when absent.

Figures (medians over the rounds):
  * time to resolve `-r` of 1% of one contig, as biofuse logs it ("resolved in X s"),
    goal <= 0.05 s; and the chunks whose site arrays it read, which must equal the chunks
    region_index says overlap the region (counted here from the index itself);
  * mount-plink ready time with that -r (command start -> files visible), goal <= 0.5 s
    beyond the resolution time.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import numcodecs
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench_all as ba  # noqa: E402

TALL_ARGS = ["--samples", "1000", "--variants", "1000000", "--variants-chunk", "10000",
             "--samples-chunk", "1000", "--contigs", "3", "--site-fields"]
SEL_RE = re.compile(r"selection: (\d+) of (\d+) variants kept in (\d+) chunks; site arrays "
                    r"read for (\d+) of (\d+) chunks( \(region_index\))?; resolved in "
                    r"([0-9.]+) s")


def tall_store(root, data):
    return ba.ensure_store(root, os.path.join(data, "store-1k-1m-3c"), TALL_ARGS)


def region_index(store):
    meta = json.load(open(os.path.join(store, "region_index", ".zarray")))
    raw = open(os.path.join(store, "region_index", "0.0"), "rb").read()
    buf = numcodecs.get_codec(meta["compressor"]).decode(raw)
    return np.frombuffer(buf, dtype=meta["dtype"]).reshape(meta["chunks"])[:meta["shape"][0]]


def one_percent_region(store, contig=1):
    """1% of contig `contig`'s span, a third of the way in; and the index chunks it meets."""
    ri = region_index(store).astype(np.int64)
    rows = ri[ri[:, 1] == contig]
    first, last = int(rows[:, 2].min()), int(rows[:, 4].max())
    span = last - first + 1
    beg = first + span // 3
    end = beg + span // 100
    hit = rows[(rows[:, 2] <= end) & (rows[:, 4] >= beg)]
    return "chr%d:%d-%d" % (contig + 1, beg, end), sorted(set(int(c) for c in hit[:, 0]))


def resolve_once(a, store, region, out):
    r = subprocess.run([a.biofuse, "view-plink", store, "-o", out, "-r", region,
                        "--log-level", "info"], capture_output=True, text=True, check=True)
    m = SEL_RE.search(r.stderr)
    if not m:
        raise RuntimeError("no selection log line in: " + r.stderr[-500:])
    return m


def fig_select(a, store):
    ba.log("\n== 7. selection: -r of 1% of one contig, 1,000 samples x 1,000,000 variants, "
           "3 contigs ==")
    region, chunks = one_percent_region(store)
    out = os.path.join(a.tmp or tempfile.gettempdir(), "bfbench-sel")
    ts, m = [], None
    for _ in range(a.rounds):
        m = resolve_once(a, store, region, out)
        ts.append(float(m.group(7)))
    for ext in (".bed", ".bim", ".fam"):
        try:
            os.unlink(out + ext)
        except OSError:
            pass
    kept, read = int(m.group(1)), int(m.group(4))
    t = ba.med(ts)
    ba.log(f"-r {region}: {kept} variants kept in {m.group(3)} chunks; region_index "
           f"{'used' if m.group(6) else 'NOT used'}")
    ba.log(f"FIGURE -r resolution {t * 1e3:.1f} ms (runs: "
           f"{', '.join(f'{x * 1e3:.1f}' for x in ts)})  goal <= 50 ms  "
           f"{ba.verdict(t, 0.05, False)}")
    ba.log(f"FIGURE -r chunks read {read} of {m.group(5)}; overlapping per region_index "
           f"{len(chunks)}  goal: equal  {'meets goal' if read == len(chunks) else 'NOT EQUAL'}")
    mnt = tempfile.mkdtemp(prefix="bfbench-mnt-")
    try:
        rs = []
        for _ in range(a.rounds):
            with ba.Mount(a.biofuse, "mount-plink", store, mnt, ba.BASENAME + ".bed",
                          ["-r", region]) as mo:
                rs.append(mo.ready_s)
        v = ba.med(rs)
        ba.log(f"FIGURE mount-plink ready with -r {v:.3f} s (runs: "
               f"{', '.join(f'{x:.3f}' for x in rs)}); beyond resolution {v - t:.3f} s  "
               f"goal <= 0.5 s beyond  {ba.verdict(v - t, 0.5, False)}")
    except RuntimeError as e:
        ba.log(f"FIGURE mount-plink ready with -r: not measured ({e})")
    finally:
        try:
            os.rmdir(mnt)
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.dirname(HERE))
    ap.add_argument("--data", default=None)
    ap.add_argument("--tmp", default="/dev/shm" if os.path.isdir("/dev/shm") else None)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    a.biofuse = os.environ.get("BIOFUSE", os.path.join(a.root, "build/biofuse"))
    data = a.data or os.path.join(a.root, "build/bench-data")
    os.makedirs(data, exist_ok=True)
    fig_select(a, tall_store(a.root, data))


if __name__ == "__main__":
    main()
