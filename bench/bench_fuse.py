#!/usr/bin/python3
"""Issue 18 figures: the mount against the FUSE ceiling, for .bgen and .bed.

usage: bench_fuse.py [--root REPO] [--data DIR] [--tmp DIR] [--rounds N]
                     [--only bgen,bed] [--reads N]
(also `sh bench/run.sh --only fuse`, part of `make bench`)

The ceiling is build/bench/bench_fuse_ceiling, a trivial libfuse daemon serving
a file of the same size from a memory buffer, mounted the way the front mounts
(max_read 1 MiB, keep_cache, multi-threaded loop), measured in the same run.
For each format, rounds alternate between the sides of each ratio:

  cold read      dd bs=1M of the file through a fresh mount, as a rate ratio to
                 the ceiling's dd of its file (fresh mount) and to view-* of
                 the same bytes to /dev/null
  4 KiB reads    p50/p99 of O_DIRECT 4 KiB preads at scattered 4 KiB-aligned
                 offsets in the first 16 MiB of the file (what the
                 front's window cache holds), on the second pass
                 over the same offsets (the first pass encoded them: "bytes
                 already encoded"), as ratios to the ceiling's
  plink 2        plink2 --bgen MNT/B.bgen ref-first --sample MNT/B.sample
                 --make-pgen (or --bfile MNT/B) from a fresh mount, as a time
                 ratio to the same import from view-*'s files on tmpfs; the
                 .pgen must be identical

Store: the 10,000-sample x 20,000-variant bench store (build/bench-data).
"""

import argparse
import mmap
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_all  # noqa: E402
from bench_all import BASENAME, Mount, log, med, timed, verdict  # noqa: E402

FMT = {
    "bgen": dict(mount="mount-bgen", view=["view-bgen", "--fixed-variant-size"],
                 main=BASENAME + ".bgen"),
    "bed": dict(mount="mount-plink", view=["view-plink"], main=BASENAME + ".bed"),
}


class Ceiling:
    """The trivial daemon mounted at a fresh directory, serving SIZE bytes as f."""

    def __init__(self, exe, size):
        self.mnt = tempfile.mkdtemp(prefix="bfbench-ceil-")
        self.path = os.path.join(self.mnt, "f")
        self.p = subprocess.Popen([exe, self.mnt, str(size)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        deadline = time.perf_counter() + 20
        while not os.path.exists(self.path):
            if self.p.poll() is not None or time.perf_counter() > deadline:
                self.close()
                raise RuntimeError("bench_fuse_ceiling did not mount")
            time.sleep(0.002)

    def close(self):
        subprocess.run(["fusermount3", "-u", "-z", self.mnt], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        try:
            os.rmdir(self.mnt)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def scattered_latencies(path, offsets):
    """Two passes of O_DIRECT 4 KiB preads at OFFSETS; the second pass's
    latencies in microseconds."""
    buf = mmap.mmap(-1, 4096)
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    try:
        for off in offsets:
            os.preadv(fd, [buf], off)
        lat = []
        clock = time.perf_counter_ns
        for off in offsets:
            t0 = clock()
            n = os.preadv(fd, [buf], off)
            lat.append((clock() - t0) / 1e3)
            if n != 4096:
                raise RuntimeError(f"short read at {off}: {n}")
    finally:
        os.close(fd)
        buf.close()
    lat.sort()
    return lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))]


def plink_import(fmt, src_stem, out_stem, threads):
    if fmt == "bgen":
        args = ["--bgen", src_stem + ".bgen", "ref-first", "--sample", src_stem + ".sample"]
    else:
        args = ["--bfile", src_stem]
    return timed(["plink2", *args, "--make-pgen", "--threads", str(threads), "--memory",
                  "2000", "--out", out_stem], stderr=subprocess.DEVNULL)


def same_file(a, b):
    return subprocess.run(["cmp", "-s", a, b]).returncode == 0


def fig_format(a, store, fmt):
    spec = FMT[fmt]
    log(f"\n== 18-{fmt}. {spec['mount']} against the FUSE ceiling, {a.rounds} rounds ==")
    tmp = tempfile.mkdtemp(prefix="bfbench-fuse-", dir=a.tmp)
    mnt = tempfile.mkdtemp(prefix="bfbench-mnt-")
    rng = random.Random(18)
    try:
        # view-*'s files on tmpfs, once: the plink 2 reference input and the size
        vstem = os.path.join(tmp, "v")
        if fmt == "bgen":
            bench_all.run([a.biofuse, *spec["view"], store, "-o", vstem, "--no-bgi"])
        else:
            bench_all.run([a.biofuse, "view-plink", store, "-o", vstem])
        size = os.path.getsize(vstem + "." + fmt)
        span = min(16 << 20, size) // 4096
        offsets = [4096 * rng.randrange(span) for _ in range(a.reads)]
        threads = os.cpu_count() or 2
        view_s, mount_s, ceil_s = [], [], []
        m_lat, c_lat = [], []
        imp_m, imp_f = [], []
        identical = True
        for r in range(a.rounds):
            with Ceiling(a.ceiling, size) as c:
                ceil_s.append(bench_all.dd_seconds(c.path))
                c_lat.append(scattered_latencies(c.path, offsets))
            if fmt == "bgen":
                view_s.append(timed([a.biofuse, *spec["view"], store]))
            else:
                vs = os.path.join(tmp, "dn")
                if not os.path.islink(vs + ".bed"):
                    os.symlink(os.devnull, vs + ".bed")
                view_s.append(timed([a.biofuse, "view-plink", store, "-o", vs]))
            with Mount(a.biofuse, spec["mount"], store, mnt, spec["main"]):
                mount_s.append(bench_all.dd_seconds(os.path.join(mnt, spec["main"])))
            with Mount(a.biofuse, spec["mount"], store, mnt, spec["main"]):
                m_lat.append(scattered_latencies(os.path.join(mnt, spec["main"]), offsets))
            fstem = os.path.join(tmp, "pf")
            imp_f.append(plink_import(fmt, vstem, fstem, threads))
            mstem = os.path.join(tmp, "pm")
            with Mount(a.biofuse, spec["mount"], store, mnt, spec["main"]):
                imp_m.append(plink_import(fmt, os.path.join(mnt, BASENAME), mstem, threads))
            if not same_file(fstem + ".pgen", mstem + ".pgen"):
                identical = False
            log(f"  round {r + 1}: dd ceiling {ceil_s[-1] * 1e3:.0f} ms, view {view_s[-1] * 1e3:.0f}"
                f" ms, dd mount {mount_s[-1] * 1e3:.0f} ms; 4 KiB p50/p99 ceiling "
                f"{c_lat[-1][0]:.1f}/{c_lat[-1][1]:.1f} us, mount {m_lat[-1][0]:.1f}/"
                f"{m_lat[-1][1]:.1f} us; plink2 file {imp_f[-1]:.2f} s, mount {imp_m[-1]:.2f} s"
                f"{'' if identical else ' (.pgen DIFFERS)'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            os.rmdir(mnt)
        except OSError:
            pass
    mb = size / 1e6
    c, v, m = med(ceil_s), med(view_s), med(mount_s)
    log(f"medians ({mb:.0f} MB): ceiling dd {c * 1e3:.0f} ms ({mb / c:.0f} MB/s), view "
        f"{v * 1e3:.0f} ms ({mb / v:.0f} MB/s), mount dd {m * 1e3:.0f} ms ({mb / m:.0f} MB/s); "
        f"load average now {os.getloadavg()[0]:.2f}")
    goal_rate = 0.7 if fmt == "bgen" else 0.9
    log(f"FIGURE {fmt} cold mount read / view-* (rate ratio) {v / m:.3f}  goal >= {goal_rate}  "
        f"{verdict(v / m, goal_rate)}")
    log(f"FIGURE {fmt} cold mount read / FUSE ceiling (rate ratio) {c / m:.3f}"
        + (f"  goal >= 0.7  {verdict(c / m, 0.7)}" if fmt == "bgen" else "  (no goal)"))
    p50 = med([x[0] for x in m_lat]) / med([x[0] for x in c_lat])
    p99 = med([x[1] for x in m_lat]) / med([x[1] for x in c_lat])
    log(f"  4 KiB O_DIRECT reads (medians): ceiling p50 {med([x[0] for x in c_lat]):.1f} us p99 "
        f"{med([x[1] for x in c_lat]):.1f} us; mount p50 {med([x[0] for x in m_lat]):.1f} us p99 "
        f"{med([x[1] for x in m_lat]):.1f} us")
    log(f"FIGURE {fmt} 4 KiB encoded reads p50 / ceiling p50 {p50:.2f}"
        + (f"  goal <= 2  {verdict(p50, 2, False)}" if fmt == "bgen" else "  (no goal)"))
    log(f"FIGURE {fmt} 4 KiB encoded reads p99 / ceiling p99 {p99:.2f}  (no goal)")
    fi, mi = med(imp_f), med(imp_m)
    log(f"  plink2 import medians: file {fi:.2f} s, fresh mount {mi:.2f} s; .pgen "
        f"{'identical every round' if identical else 'DIFFERENT'}")
    goal_imp = 1.3 if fmt == "bgen" else None
    log(f"FIGURE {fmt} plink2 import mount / file (time ratio) {mi / fi:.3f}"
        + (f"  goal <= {goal_imp}  {verdict(mi / fi, goal_imp, False)}" if goal_imp else
           "  (no goal)")
        + ("" if identical else "  PGEN DIFFERS"))


def fig_fuse(a, store, only=("bgen", "bed")):
    for fmt in only:
        fig_format(a, store, fmt)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.dirname(here))
    ap.add_argument("--data", default=None)
    ap.add_argument("--tmp", default="/dev/shm" if os.path.isdir("/dev/shm") else None)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reads", type=int, default=2000)
    ap.add_argument("--only", default="bgen,bed")
    a = ap.parse_args()
    a.biofuse = os.environ.get("BIOFUSE", os.path.join(a.root, "build/biofuse"))
    a.ceiling = os.path.join(a.root, "build/bench/bench_fuse_ceiling")
    data = a.data or os.path.join(a.root, "build/bench-data")
    os.makedirs(data, exist_ok=True)
    store = bench_all.ensure_store(a.root, os.path.join(data, "store-10k-20k"), [])
    log(f"machine: nproc {os.cpu_count()}, kernel {os.uname().release}, load average "
        f"{os.getloadavg()[0]:.2f}; biofuse {a.biofuse}")
    fig_fuse(a, store, [x for x in a.only.split(",") if x])


if __name__ == "__main__":
    main()
