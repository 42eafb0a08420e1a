#!/usr/bin/python3
"""Run every biofuse benchmark and print each figure beside its goal.

usage: bench_all.py [--root REPO] [--data DIR] [--tmp DIR] [--rounds N]
                    [--only decode,kernel,view,mount,ready,memory,select,filter,fuse]

Every figure is a ratio of two things measured in this one run (rounds alternate
between them), or a time/size figure with its goal; medians over the rounds.
Stores are generated into DATA (default build/bench-data) when absent.
"""

import argparse
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PY = "/usr/bin/python3"
BASENAME = "B"


def log(msg):
    print(msg, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


CPU = {}  # command name -> list of child CPU seconds (user + sys)


def timed(cmd, **kw):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)
    t = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    name = os.path.basename(cmd[0]) + (" " + cmd[1] if len(cmd) > 1 else "")
    CPU.setdefault(name, []).append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
    return t


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def verdict(value, goal, higher_is_better=True):
    ok = value >= goal if higher_is_better else value <= goal
    return "meets goal" if ok else "BELOW GOAL" if higher_is_better else "ABOVE GOAL"


# ---- stores ----

def ensure_store(root, path, args):
    done = path + ".ok"
    if os.path.exists(done) and os.path.isdir(path):
        return path
    log(f"generating {path} ({' '.join(args)})")
    if os.path.exists(path):
        shutil.rmtree(path)
    run([PY, os.path.join(root, "scripts/make_bench_store.py"), path] + args,
        stdout=subprocess.DEVNULL)
    open(done, "w").close()
    return path


# ---- processes and mounts ----

def children_of(pid):
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read()
        except OSError:
            continue
        ppid = int(st[st.rindex(")") + 2:].split()[1])
        if ppid == pid:
            kids.append(int(d))
    return kids


def tree(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children_of(p))
    return out


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Mount:
    """A foreground biofuse mount started with Popen; `ready_s` is the time from
    the command start until the main file is visible."""

    def __init__(self, biofuse, kind, store, mnt, main_file, extra=()):
        self.mnt = mnt
        os.makedirs(mnt, exist_ok=True)
        path = os.path.join(mnt, main_file)
        t0 = time.perf_counter()
        self.p = subprocess.Popen([biofuse, kind, store, mnt, "--basename", BASENAME, *extra],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = t0 + 60
        while True:
            if os.path.exists(path):
                self.ready_s = time.perf_counter() - t0
                break
            if self.p.poll() is not None:
                err = self.p.stderr.read().decode(errors="replace").strip()
                raise RuntimeError(f"{kind} exited with {self.p.returncode}: {err}")
            if time.perf_counter() > deadline:
                self.close()
                raise RuntimeError(f"{kind}: {path} not visible after 60 s")
            time.sleep(0.001)

    def pids(self):
        return tree(self.p.pid)

    def rss_mib(self):
        return sum(rss_kib(p) for p in self.pids()) / 1024.0

    def close(self):
        pids = self.pids()
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        subprocess.run(["fusermount3", "-u", "-z", self.mnt], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        for p in pids[1:]:  # a server left behind
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def dd_seconds(path):
    return timed(["dd", f"if={path}", "of=/dev/null", "bs=1M", "status=none"])


# ---- figures ----

def fig_decode(a, store):
    log("\n== 1. decode: zarr API vs raw blosc (2 worker threads, 1 blosc thread each) ==")
    out = subprocess.run([a.bench + "/bench_decode", store, "--threads", "2", "--runs", "7"],
                         check=True, capture_output=True, text=True).stdout
    sys.stdout.write(out)
    res = {m.group(1): float(m.group(2))
           for m in re.finditer(r"RESULT mode=(\w+) .* ratio=([\d.]+)", out)}
    log(f"FIGURE decode ratio (store mode, files read each pass) {res['store']:.3f}  "
        f"goal >= 0.95  {verdict(res['store'], 0.95)}")
    log(f"FIGURE decode ratio (mem mode, preloaded)              {res['mem']:.3f}  "
        f"goal >= 0.95  {verdict(res['mem'], 0.95)}")


def fig_kernel(a):
    log("\n== 2. .bed kernel alone (one core) ==")
    out = subprocess.run([a.bench + "/bench_bed_kernel"], check=True, capture_output=True,
                         text=True).stdout
    sys.stdout.write(out)
    for m in re.finditer(r"samples: ([\d.]+) GB/s", out):
        log(f"FIGURE bed kernel {m.group(1)} GB/s per core (input genotype bytes)")


def decode_seconds(a, store):
    out = subprocess.run([a.bench + "/bench_decode", store, "--mode", "store", "--runs", "3",
                          "--no-verify"], check=True, capture_output=True, text=True).stdout
    m = re.search(r"RESULT mode=store decoded_bytes=(\d+) zarr_s=([\d.]+)", out)
    return int(m.group(1)), float(m.group(2))


def fig_view_mount(a, store, want_mount):
    log(f"\n== 3-5. view-plink (.bed to /dev/null through a symlink, .bim/.fam on {a.tmp}), "
        f"view-bgen --fixed-variant-size (stdout to /dev/null), mount-plink read; "
        f"{a.rounds} rounds alternating with decode-only ==")
    tmp = tempfile.mkdtemp(prefix="bfbench-", dir=a.tmp)
    mnt = tempfile.mkdtemp(prefix="bfbench-mnt-")
    dec, vp, vb, mr = [], [], [], []
    bed_bytes = bgen_bytes = dec_bytes = 0
    try:
        # the .bed size, once, outside the timed runs
        size_stem = os.path.join(tmp, "size")
        run([a.biofuse, "view-plink", store, "-o", size_stem, "--no-bim", "--no-fam"])
        bed_bytes = os.path.getsize(size_stem + ".bed")
        os.unlink(size_stem + ".bed")
        # view-plink writes the .bed to /dev/null (the figure): x.bed -> /dev/null,
        # which view-plink writes in place instead of renaming a temporary over it
        stem = os.path.join(tmp, "x")
        os.symlink(os.devnull, stem + ".bed")
        for r in range(a.rounds):
            dec_bytes, t = decode_seconds(a, store)
            dec.append(t)
            vp.append(timed([a.biofuse, "view-plink", store, "-o", stem]))
            if not os.path.islink(stem + ".bed"):
                raise RuntimeError("view-plink replaced the symlink %s.bed -> /dev/null" % stem)
            for e in (".bim", ".fam"):
                os.unlink(stem + e)
            if not bgen_bytes:  # the size, once, outside the timed runs
                bgen_bytes = len(subprocess.run(
                    [a.biofuse, "view-bgen", store, "--fixed-variant-size"],
                    check=True, stdout=subprocess.PIPE).stdout)
            # the .bgen streams to stdout, which is /dev/null (the figure)
            vb.append(timed([a.biofuse, "view-bgen", store, "--fixed-variant-size"]))
            if want_mount:
                with Mount(a.biofuse, "mount-plink", store, mnt, BASENAME + ".bed") as m:
                    mr.append(dd_seconds(os.path.join(mnt, BASENAME + ".bed")))
            log(f"  round {r + 1}: decode {dec[-1] * 1e3:.0f} ms, view-plink {vp[-1] * 1e3:.0f} ms"
                f", view-bgen {vb[-1] * 1e3:.0f} ms"
                + (f", mount .bed read {mr[-1] * 1e3:.0f} ms" if mr else ""))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            os.rmdir(mnt)
        except OSError:
            pass
    d, p, b = med(dec), med(vp), med(vb)
    log(f"medians: decode-only {d * 1e3:.0f} ms ({dec_bytes / d / 1e9:.2f} GB/s decoded), "
        f"view-plink {p * 1e3:.0f} ms ({bed_bytes / p / 1e6:.0f} MB/s of .bed), "
        f"view-bgen {b * 1e3:.0f} ms ({bgen_bytes / b / 1e6:.0f} MB/s of .bgen, "
        f"{bgen_bytes / 1e6:.0f} MB)")
    log(f"  CPU seconds (user+sys, medians): view-plink {med(CPU.get('biofuse view-plink', [])):.2f}"
        f", view-bgen {med(CPU.get('biofuse view-bgen', [])):.2f}; load average now "
        f"{os.getloadavg()[0]:.2f}")
    r3 = d / p
    log(f"FIGURE view-plink / decode-only (time ratio decode/view) {r3:.3f}  goal >= 0.85  "
        f"{verdict(r3, 0.85)}")
    r4 = (bgen_bytes / b) / (dec_bytes / d)
    log(f"FIGURE view-bgen fixed output B/s / decoded B/s {r4:.3f}  goal >= 1.2  "
        f"{verdict(r4, 1.2)}")
    if mr:
        m = med(mr)
        r5 = p / m
        log(f"  mount .bed read median {m * 1e3:.0f} ms ({bed_bytes / m / 1e6:.0f} MB/s)")
        log(f"FIGURE mount-plink .bed read / view-plink (rate ratio) {r5:.3f}  goal >= 0.9  "
            f"{verdict(r5, 0.9)}")


def fig_ready(a, store):
    log("\n== 5b. mount ready time (command start -> files visible), 200,000-variant store ==")
    mnt = tempfile.mkdtemp(prefix="bfbench-mnt-")
    try:
        for kind, main, goal in (("mount-plink", BASENAME + ".bed", 1.0),
                                 ("mount-bgen", BASENAME + ".bgen", 2.0)):
            ts = []
            try:
                for _ in range(a.rounds):
                    with Mount(a.biofuse, kind, store, mnt, main) as m:
                        ts.append(m.ready_s)
            except RuntimeError as e:
                log(f"FIGURE {kind} ready: not measured ({e})  goal <= {goal} s")
                continue
            v = med(ts)
            log(f"FIGURE {kind} ready {v:.3f} s (runs: "
                f"{', '.join(f'{t:.3f}' for t in ts)})  goal <= {goal} s  "
                f"{verdict(v, goal, False)}")
    finally:
        try:
            os.rmdir(mnt)
        except OSError:
            pass


def fig_memory(a, store):
    log("\n== 6. memory of a mount (front + encoder server, VmRSS) ==")
    mnt = tempfile.mkdtemp(prefix="bfbench-mnt-")
    idle, peak, base = [], [], []
    try:
        for _ in range(max(1, a.rounds // 2)):
            with Mount(a.biofuse, "mount-plink", store, mnt, BASENAME + ".bed") as m:
                bed = os.path.join(mnt, BASENAME + ".bed")
                time.sleep(0.2)
                base.append(m.rss_mib())
                for _ in range(5):
                    fd = os.open(bed, os.O_RDONLY)
                    try:
                        got = 0
                        while got < 16 << 20:
                            b = os.pread(fd, min(1 << 20, (16 << 20) - got), got)
                            if not b:
                                break
                            got += len(b)
                    finally:
                        os.close(fd)
                time.sleep(2.0)
                idle.append(m.rss_mib())
            with Mount(a.biofuse, "mount-plink", store, mnt, BASENAME + ".bed") as m:
                bed = os.path.join(mnt, BASENAME + ".bed")
                pids = m.pids()
                samples = []
                stop = threading.Event()

                def sampler():
                    while not stop.is_set():
                        samples.append(sum(rss_kib(p) for p in tree(m.p.pid)) / 1024.0)
                        stop.wait(0.05)

                th = threading.Thread(target=sampler)
                th.start()
                try:
                    run(["cat", bed], stdout=subprocess.DEVNULL)
                finally:
                    stop.set()
                    th.join()
                peak.append(max(samples) if samples else float("nan"))
                log(f"  processes: {len(pids)} (front pid {m.p.pid}), {len(samples)} samples "
                    f"during cat")
    finally:
        try:
            os.rmdir(mnt)
        except OSError:
            pass
    log(f"  RSS right after mount (before any read): {med(base):.1f} MiB")
    v = med(idle)
    log(f"FIGURE idle RSS after 5 x (open, read 16 MiB, close) + 2 s: {v:.1f} MiB  "
        f"goal <= 16 MiB  {verdict(v, 16, False)}")
    log(f"FIGURE peak RSS during cat of the whole .bed: {med(peak):.1f} MiB  (no goal yet)")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.dirname(here))
    ap.add_argument("--data", default=None)
    ap.add_argument("--tmp", default="/dev/shm" if os.path.isdir("/dev/shm") else None)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", default="decode,kernel,view,mount,ready,memory,select,filter,fuse")
    a = ap.parse_args()
    root = a.root
    a.biofuse = os.environ.get("BIOFUSE", os.path.join(root, "build/biofuse"))
    a.bench = os.path.join(root, "build/bench")
    data = a.data or os.path.join(root, "build/bench-data")
    os.makedirs(data, exist_ok=True)
    only = set(a.only.split(","))
    t_start = time.perf_counter()

    with open("/proc/cpuinfo") as f:
        cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?")
    log(f"machine: nproc {os.cpu_count()}, CPU {cpu}, kernel {os.uname().release}")
    log(f"biofuse {a.biofuse}; temporary outputs in {a.tmp}; {a.rounds} rounds")

    big = ensure_store(root, os.path.join(data, "store-10k-20k"), [])
    if only & {"ready"}:
        tall = ensure_store(root, os.path.join(data, "store-100-200k"),
                            ["--samples", "100", "--variants", "200000",
                             "--variants-chunk", "1000", "--samples-chunk", "100"])
    if "decode" in only:
        fig_decode(a, big)
    if "kernel" in only:
        fig_kernel(a)
    if only & {"view", "mount"}:
        fig_view_mount(a, big, "mount" in only)
    if "ready" in only:
        fig_ready(a, tall)
    if "memory" in only:
        fig_memory(a, big)
    if "select" in only:
        import bench_select
        bench_select.fig_select(a, bench_select.tall_store(root, data))
    if "filter" in only:
        import bench_filter
        a.select_dump = os.path.join(root, "build/tools/select_dump")
        bench_filter.fig_site(a, bench_select.tall_store(root, data))
        bench_filter.fig_gt(a, ensure_store(root, os.path.join(data, bench_filter.STORE_A[0]),
                                            bench_filter.STORE_A[1]))
    if "fuse" in only:
        import bench_fuse
        a.ceiling = os.path.join(root, "build/bench/bench_fuse_ceiling")
        a.reads = 2000
        bench_fuse.fig_fuse(a, big)
    log(f"\nbench total {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
