#!/usr/bin/python3
"""Issue 6 (memory): print every figure of the issue beside its goal.

usage: bench_memory.py [--root REPO] [--data DIR] [--rounds N] [--rss-rounds N]
                       [--only probe,peak,drift,seq,once] [--stores A,B]
                       [--bgen-prefix BYTES] [--cycles N]

Stores (generated into DATA, default build/bench-data, the first time; ~30 s each):
  A  100,000 samples x 20,000 variants, call_genotype chunks 1,000 x 10,000
  B  the same generator and seed, chunks 5,000 x 100,000 (1 GiB decoded per chunk)
  S  the small bench store of bench_all.py (10,000 x 20,000), for figure d only

Figures (all RSS values are VmRSS summed over the mount front and every descendant,
i.e. the encoder server; the front and the server share the reply-slot memfd, so its
resident pages count twice, as the issue's "sum the RSS of every biofuse process" does):
  a  probe:  fresh mount; 5 x (open, pread 16 MiB at 0 in 1 MiB reads, close); sleep 2 s;
             RSS.  mount-plink (.bed) and mount-bgen (.bgen), A and B, --readahead-workers
             32 and 4.  Goal <= 16 MiB.  Max over --rss-rounds rounds.
  b  peak:   RSS sampled every 25 ms while 1 or 4 `cat` processes (started together)
             stream the whole .bed / .bgen.  Goal <= budget + 32 MiB (budget =
             --readahead-buffer-size, default 256 MiB).  Max over rounds.
  c  drift:  fresh mount; 5 cycles; sleep 2 s; RSS5.  995 more cycles (1,000 in all),
             each open / pread 1 MiB / close: 9 of 10 cycles read 1 MiB past the previous
             one (a walk through the file: cache hits, prefetch, eviction), every 10th at a
             pseudo-random offset (a miss); a 1.5 s pause after every 100 cycles (so the
             idle release runs 9 times in between);
             sleep 2 s; RSS1000.  Goal |RSS1000 - RSS5| <= 1 MiB.
  d  seq:    decode-only time of the store (bench_decode --mode store --runs 3
             --no-verify, median zarr-side time, 2 threads) vs `dd bs=1M` of the .bed of a
             fresh mount (cold server cache); ratio = decode time / dd time (both process
             the same decoded genotype bytes).  Goal >= 0.85.  Medians of --rounds rounds.
             On every store given (A and B) and, unless --no-seq-small, on S.
  e  once:   the server's statistics (SIGUSR1 -> "stats (SIGUSR1): cache hits N, misses N,
             chunk encodes N, ..." in --log-file) after 4 concurrent sequential readers of
             one file: chunk encodes must equal the number of stream chunks ("pieces": the
             encoder splits each store variant chunk into pieces of <= 32 MiB of decoded
             rows).  Shown for the `cat` runs of b and for 4 `dd iflag=direct` readers
             (O_DIRECT bypasses the kernel page cache, so the server really serves 4 readers).
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_all as ba  # noqa: E402

BASENAME = "B"
MIB = 1 << 20
BUDGET_MIB = 256  # --readahead-buffer-size default
PIECE_BYTES = 32 << 20  # EXPORT_PIECE_BYTES (src/engine/export.h)

STORES = {
    "A": ("store-100k-20k-c1000x10000",
          ["--samples", "100000", "--variants", "20000", "--variants-chunk", "1000",
           "--samples-chunk", "10000", "--seed", "1"]),
    "B": ("store-100k-20k-c5000x100000",
          ["--samples", "100000", "--variants", "20000", "--variants-chunk", "5000",
           "--samples-chunk", "100000", "--seed", "1"]),
    "S": ("store-10k-20k", []),  # bench_all.py's store
}

MAIN = {"mount-plink": BASENAME + ".bed", "mount-bgen": BASENAME + ".bgen"}


def log(msg=""):
    print(msg, flush=True)


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def verdict(ok):
    return "meets goal" if ok else "MISSES GOAL"


# ---------------------------------------------------------------- stores

def store_shape(store):
    """(samples, variants, variants_chunk, samples_chunk) of call_genotype."""
    with open(os.path.join(store, "call_genotype", ".zarray")) as f:
        z = json.load(f)
    return z["shape"][1], z["shape"][0], z["chunks"][0], z["chunks"][1]


def n_pieces(store, variant_limit=None, span=None):
    """Stream chunks of an unfiltered export: source_plan_pieces splits every variant
    chunk into pieces of at most `span` rows (the server's statistics say it; without
    them PIECE_BYTES / row bytes, row = 2 bytes per sample for diploid int8 genotypes,
    the most any budget gives).  variant_limit: pieces holding the first N variants."""
    S, V, vc, _ = store_shape(store)
    if not span:
        span = max(1, min(vc, PIECE_BYTES // (2 * S)))
    n = 0
    for a in range(0, V if variant_limit is None else min(V, variant_limit), vc):
        rows = min(vc, V - a)
        if variant_limit is not None:
            rows = min(rows, variant_limit - a)
        n += -(-rows // span)
    return n


# ---------------------------------------------------------------- mounts

class Mount:
    """A foreground mount with its log in a file; stats() asks the server for its
    statistics with SIGUSR1."""

    def __init__(self, biofuse, kind, store, mnt, extra=(), timeout=120):
        self.kind, self.mnt = kind, mnt
        os.makedirs(mnt, exist_ok=True)
        self.logpath = mnt.rstrip("/") + ".log"
        if os.path.exists(self.logpath):
            os.unlink(self.logpath)
        self.path = os.path.join(mnt, MAIN[kind])
        self.errf = open(self.logpath + ".out", "wb")
        self.p = subprocess.Popen([biofuse, kind, store, mnt, "--basename", BASENAME,
                                   "--log-file", self.logpath, *extra],
                                  stdin=subprocess.DEVNULL, stdout=self.errf,
                                  stderr=self.errf)
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.path):
            if self.p.poll() is not None:
                raise RuntimeError(f"{kind} exited with {self.p.returncode}: "
                                   f"{self.text(self.logpath + '.out')} {self.text()}")
            if time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"{kind}: {self.path} not visible after {timeout} s")
            time.sleep(0.005)
        self.size = os.path.getsize(self.path)

    @staticmethod
    def text(path=None):
        try:
            with open(path, errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    def pids(self):
        return ba.tree(self.p.pid)

    def rss_mib(self):
        return sum(ba.rss_kib(p) for p in self.pids()) / 1024.0

    def server_pid(self):
        for p in ba.children_of(self.p.pid):
            try:
                with open(f"/proc/{p}/cmdline", "rb") as f:
                    if b"__server" in f.read():
                        return p
            except OSError:
                pass
        return None

    def stats(self, timeout=5.0):
        """Send SIGUSR1 to the server and return the new stats line as a dict."""
        before = self.text(self.logpath).count("stats (SIGUSR1)")
        sp = self.server_pid()
        if sp is None:
            return None
        os.kill(sp, signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = [ln for ln in self.text(self.logpath).splitlines()
                     if "stats (SIGUSR1)" in ln]
            if len(lines) > before:
                return parse_stats(lines[-1])
            time.sleep(0.05)
        return None

    def close(self):
        pids = self.pids()
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        subprocess.run(["fusermount3", "-u", "-z", self.mnt], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        for p in pids[1:]:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        self.errf.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def parse_stats(line):
    out = {}
    for key, pat in (("hits", r"cache hits (\d+)"), ("misses", r"misses (\d+)"),
                     ("encodes", r"chunk encodes (\d+)"), ("cached", r"cached ([\d.]+) MiB"),
                     ("mapped", r"mapped buffers ([\d.]+) MiB"),
                     ("pieces", r"stream chunks (\d+)"),
                     ("span", r"of up to (\d+) variants")):
        m = re.search(pat, line)
        if m:
            out[key] = float(m.group(1)) if "." in m.group(1) else int(m.group(1))
    return out


class Sampler:
    """Samples the summed VmRSS of a mount's processes every `interval` seconds."""

    def __init__(self, mount, interval=0.025):
        self.m, self.interval = mount, interval
        self.samples = []
        self.at_peak = []
        self.stop = threading.Event()
        self.th = threading.Thread(target=self.run)

    def run(self):
        pids, n = self.m.pids(), 0
        best = -1
        while not self.stop.is_set():
            if n % 20 == 0:
                pids = self.m.pids()  # a restarted server shows up within 0.5 s
            n += 1
            parts = [rss_parts(p) for p in pids]
            tot = sum(x[0] for x in parts) / 1024.0
            self.samples.append(tot)
            if tot > best:
                best, self.at_peak = tot, parts
            self.stop.wait(self.interval)

    def breakdown(self):
        return fmt_parts(self.at_peak)


    def __enter__(self):
        self.th.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.th.join()

    def peak(self):
        return max(self.samples) if self.samples else float("nan")


def fmt_parts(parts):
    """'front 4.1 (anon 0.5, shmem 0.0, file 3.6) + server ...' (MiB)."""
    return " + ".join(
        f"{'front' if i == 0 else 'server'} {v / 1024:.1f} (anon {an / 1024:.1f}, shmem "
        f"{sh / 1024:.1f}, file {fi / 1024:.1f})" for i, (v, an, fi, sh) in enumerate(parts))


def rss_parts(pid):
    """(VmRSS, RssAnon, RssFile, RssShmem) of a process in KiB (zeros when gone)."""
    out = dict.fromkeys(("VmRSS", "RssAnon", "RssFile", "RssShmem"), 0)
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k = line.split(":", 1)[0]
                if k in out:
                    out[k] = int(line.split()[1])
    except OSError:
        pass
    return out["VmRSS"], out["RssAnon"], out["RssFile"], out["RssShmem"]


def read_range(path, off, length, bs=MIB):
    fd = os.open(path, os.O_RDONLY)
    try:
        got = 0
        while got < length:
            b = os.pread(fd, min(bs, length - got), off + got)
            if not b:
                break
            got += len(b)
    finally:
        os.close(fd)
    return got


def run_readers(cmds):
    """Start every command at once, wait for all; returns wall seconds."""
    t0 = time.perf_counter()
    ps = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for c in cmds]
    for p in ps:
        _, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmds[0])}: exit {p.returncode}: {err.decode()}")
    return time.perf_counter() - t0


# ---------------------------------------------------------------- figures

def fig_probe(a, stores, res):
    log("\n== a. reference probe: fresh mount, 5 x (open, read 16 MiB at 0 in 1 MiB "
        "preads, close), sleep 2 s, sum VmRSS ==")
    for name, store in stores.items():
        for kind in ("mount-plink", "mount-bgen"):
            for workers in (32, 4):
                base, idle, later, brk = [], [], [], ""
                for _ in range(a.rss_rounds):
                    with Mount(a.biofuse, kind, store, a.mnt,
                               ["--readahead-workers", str(workers)]) as m:
                        time.sleep(0.1)
                        base.append(m.rss_mib())
                        for _ in range(5):
                            read_range(m.path, 0, 16 * MIB)
                        time.sleep(2.0)
                        idle.append(m.rss_mib())
                        if idle[-1] == max(idle):
                            brk = fmt_parts([rss_parts(p) for p in m.pids()])
                        time.sleep(2.0)  # not the figure: does it settle later?
                        later.append(m.rss_mib())
                v = max(idle)
                res.append(("a", f"probe {kind:11s} store {name} workers {workers:2d}", v,
                            "<= 16 MiB", v <= 16))
                log(f"FIGURE a probe {kind:11s} store {name} --readahead-workers {workers:2d}: "
                    f"{v:6.1f} MiB (rounds {', '.join(f'{x:.1f}' for x in idle)}; right "
                    f"after mount {max(base):.1f})  goal <= 16 MiB  {verdict(v <= 16)}")
                log(f"    MiB: {brk}; 2 s later {max(later):.1f}")


def fig_peak(a, stores, res, once):
    log(f"\n== b. peak RSS (sampled every 25 ms) while cat streams the file; budget "
        f"{BUDGET_MIB} MiB (default) ==")
    goal = BUDGET_MIB + 32
    for kind in ("mount-plink", "mount-bgen"):
        for name, store in stores.items():
            for nr in (1, 4):
                peaks, secs, st, brk = [], [], None, ""
                for _ in range(a.peak_rounds):
                    with Mount(a.biofuse, kind, store, a.mnt) as m:
                        limit = m.size
                        if kind == "mount-bgen" and a.bgen_prefix:
                            limit = min(m.size, a.bgen_prefix)
                        if limit == m.size:
                            cmd = ["cat", m.path]
                        else:
                            cmd = ["head", "-c", str(limit), m.path]
                        with Sampler(m) as smp:
                            secs.append(run_readers([cmd] * nr))
                        if not peaks or smp.peak() > max(peaks):
                            brk = smp.breakdown()
                        peaks.append(smp.peak())
                        st = m.stats()
                v = max(peaks)
                what = "whole file" if limit == m.size else f"first {limit / 1e9:.2f} GB"
                res.append(("b", f"peak {kind:11s} store {name} {nr} reader(s)", v,
                            f"<= {goal} MiB", v <= goal))
                log(f"FIGURE b peak {kind:11s} store {name} {nr} x cat ({what} of "
                    f"{m.size / 1e9:.2f} GB): {v:6.1f} MiB  ({med(secs):.1f} s, "
                    f"{limit / med(secs) / 1e6:.0f} MB/s per reader)  goal <= {goal} MiB  "
                    f"{verdict(v <= goal)}")
                log(f"    at the peak, MiB: {brk}")
                if st:
                    vlim = None
                    if limit != m.size:
                        # variants held by the prefix (fixed-size blocks)
                        bpv = (m.size - first_block_offset(m)) / store_shape(store)[1]
                        vlim = int(-(-(limit - first_block_offset(m)) // bpv))
                    want = n_pieces(store, vlim, st.get("span"))
                    once.append((kind, name, nr, "cat", st, want, vlim))
                    log(f"    server stats: hits {st.get('hits')}, misses {st.get('misses')}, "
                        f"encodes {st.get('encodes')} (stream pieces read: {want}"
                        f"{'' if vlim is None else ', + up to 3 prefetched'}), cached "
                        f"{st.get('cached')} MiB, mapped {st.get('mapped')} MiB")


def first_block_offset(m):
    """Bytes before the first variant block: .bed magic (3) or the .bgen header."""
    if m.kind == "mount-plink":
        return 3
    with open(m.path, "rb") as f:
        head = f.read(4)
    return int.from_bytes(head, "little") + 4


def fig_drift(a, stores, res):
    log(f"\n== c. idle drift: RSS after 5 vs after {a.cycles} cycles (open, pread 1 MiB at "
        f"1 MiB further than the previous cycle, every 10th at a pseudo-random offset, close;\n"
        f"   1.5 s pause every 100 cycles so the idle release runs in between), each + 2 s ==")
    for name, store in stores.items():
        for kind in ("mount-plink", "mount-bgen"):
            with Mount(a.biofuse, kind, store, a.mnt) as m:
                rng = random.Random(6)
                last = max(0, m.size - MIB)
                pos = [0]

                def cycle(i):
                    # 9 of 10 cycles walk the file 1 MiB further (cache hits, prefetch,
                    # eviction), every 10th reads at a random offset (a cache miss)
                    if i % 10 == 9:
                        off = rng.randrange(0, last + 1)
                    else:
                        off = pos[0]
                        pos[0] = pos[0] + MIB if pos[0] + MIB <= last else 0
                    read_range(m.path, off, MIB)

                for i in range(5):
                    cycle(i)
                time.sleep(2.0)
                p5 = [rss_parts(p) for p in m.pids()]
                r5, b5 = sum(x[0] for x in p5) / 1024.0, fmt_parts(p5)
                t0 = time.perf_counter()
                st5 = m.stats()
                for i in range(5, a.cycles):
                    cycle(i)
                    if (i + 1) % 100 == 0 and i + 1 < a.cycles:
                        time.sleep(1.5)
                t = time.perf_counter() - t0
                time.sleep(2.0)
                p1000 = [rss_parts(p) for p in m.pids()]
                r1000, b1000 = sum(x[0] for x in p1000) / 1024.0, fmt_parts(p1000)
                st = m.stats()
            d = r1000 - r5
            res.append(("c", f"drift {kind:11s} store {name}", d, "|d| <= 1 MiB", abs(d) <= 1))
            log(f"FIGURE c drift {kind:11s} store {name}: after 5 {r5:.2f} MiB, after "
                f"{a.cycles} {r1000:.2f} MiB, difference {d:+.2f} MiB  goal within 1 MiB  "
                f"{verdict(abs(d) <= 1)}  ({t:.0f} s of cycles; server chunk encodes "
                f"{st5.get('encodes') if st5 else '?'} after 5, "
                f"{st.get('encodes') if st else '?'} after {a.cycles})")
            log(f"    MiB after 5: {b5}\n    MiB after {a.cycles}: {b1000}")
            ns = (sum(x[0] - x[3] for x in p1000) - sum(x[0] - x[3] for x in p5)) / 1024.0
            log(f"    difference without the shared reply slots (RssShmem): {ns:+.2f} MiB")


def fig_seq(a, stores, res):
    log(f"\n== d. sequential .bed through a fresh mount (dd bs=1M) vs decode-only; "
        f"{a.rounds} rounds ==")
    for name, store in stores.items():
        dec, mr = [], []
        dec_bytes = size = 0
        for r in range(a.rounds):
            dec_bytes, t = ba.decode_seconds(a, store)
            dec.append(t)
            with Mount(a.biofuse, "mount-plink", store, a.mnt) as m:
                size = m.size
                mr.append(ba.dd_seconds(m.path))
            log(f"  store {name} round {r + 1}: decode-only {dec[-1]:.2f} s, mount dd "
                f"{mr[-1]:.2f} s")
        d, m_ = med(dec), med(mr)
        v = d / m_
        res.append(("d", f"seq .bed / decode-only store {name}", v, ">= 0.85", v >= 0.85))
        log(f"FIGURE d store {name}: decode-only {d:.2f} s ({dec_bytes / d / 1e9:.2f} GB/s "
            f"decoded), mount .bed dd {m_:.2f} s ({size / m_ / 1e6:.0f} MB/s of .bed, "
            f"{dec_bytes / m_ / 1e9:.2f} GB/s decoded): ratio {v:.3f}  goal >= 0.85  "
            f"{verdict(v >= 0.85)}")


def fig_once(a, stores, res, once):
    log("\n== e. decode once: 4 concurrent sequential readers of one .bed, server statistics ==")
    for name, store in stores.items():
        with Mount(a.biofuse, "mount-plink", store, a.mnt) as m:
            cmd = ["dd", f"if={m.path}", "of=/dev/null", "bs=1M", "iflag=direct",
                   "status=none"]
            t = run_readers([cmd] * 4)
            st = m.stats()
        if st:
            once.append(("mount-plink", name, 4, "dd iflag=direct", st,
                         n_pieces(store, None, st.get("span")), None))
        log(f"  store {name}: 4 x dd iflag=direct took {t:.1f} s")
    for name, store in stores.items():
        # random readers should get only what they asked for: no prefetch
        with Mount(a.biofuse, "mount-plink", store, a.mnt) as m:
            time.sleep(1.6)  # the warm-up chunks are released after 1 s idle
            st0 = m.stats()
            S, V, vc, sc = store_shape(store)
            npc = n_pieces(store, None, (st0 or {}).get("span"))
            bpv = (m.size - 3) / V
            rng = random.Random(7)
            picks = rng.sample(range(npc), min(20, npc))
            for p in picks:  # 1 MiB in the middle of piece p, a fresh open each
                v0 = p * V // npc
                read_range(m.path, 3 + int(v0 * bpv) + MIB, MIB)
                time.sleep(0.05)
            st1 = m.stats()
        if st0 and st1:
            log(f"  store {name}: {len(picks)} random 1 MiB reads (one per piece, fresh open "
                f"each) after the idle release (cached {st0.get('cached')} MiB): "
                f"{st1['encodes'] - st0['encodes']} chunk encodes (ideal {len(picks)}: "
                f"random readers should get no prefetch)")
    for kind, name, nr, how, st, want, vlim in once:
        S, V, vc, sc = store_shape(stores_all(a)[name])
        enc = st.get("encodes", -1)
        if vlim is None:
            ok = enc == want
            goal = f"== {want}"
        else:
            ok = want <= enc <= want + 3
            goal = f"{want}..{want + 3}"
        looks = st.get("hits", 0) + st.get("misses", 0)
        line = (f"encodes {kind:11s} store {name} {nr} x {how}")
        if nr == 4:
            res.append(("e", line, enc, goal, ok))
        log(f"FIGURE e {line}: chunk encodes {enc} vs stream pieces {want} "
            f"({-(-min(V, vlim or V) // vc)} store variant chunks); lookups {looks} (hits "
            f"{st.get('hits')}, misses {st.get('misses')})  goal {goal}  {verdict(ok)}")


def stores_all(a):
    return a.store_paths


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=os.path.dirname(here))
    ap.add_argument("--data", default=None)
    ap.add_argument("--rounds", type=int, default=3, help="rounds of rate figures (d)")
    ap.add_argument("--rss-rounds", type=int, default=2, help="rounds of the probe (a)")
    ap.add_argument("--peak-rounds", type=int, default=1, help="rounds of the peak (b)")
    ap.add_argument("--only", default="probe,peak,drift,seq,once")
    ap.add_argument("--stores", default="A,B")
    ap.add_argument("--bgen-prefix", type=float, default=0,
                    help="stream only the first N bytes of the .bgen in b (0: whole file)")
    ap.add_argument("--cycles", type=int, default=1000)
    ap.add_argument("--no-seq-small", dest="seq_small", action="store_false",
                    help="figure d on the stores A and B only (not also on the small store S)")
    a = ap.parse_args()
    a.bgen_prefix = int(a.bgen_prefix)
    root = a.root
    a.biofuse = os.environ.get("BIOFUSE", os.path.join(root, "build/biofuse"))
    a.bench = os.path.join(root, "build/bench")
    data = a.data or os.path.join(root, "build/bench-data")
    os.makedirs(data, exist_ok=True)
    only = set(a.only.split(","))
    t_start = time.perf_counter()

    with open("/proc/cpuinfo") as f:
        cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?")
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 1024 / 1024
    log(f"machine: nproc {os.cpu_count()}, CPU {cpu}, RAM {mem:.1f} GiB, kernel "
        f"{os.uname().release}, load average {os.getloadavg()[0]:.2f}")
    log(f"biofuse {a.biofuse}; budget {BUDGET_MIB} MiB (default --readahead-buffer-size)")

    names = [s for s in a.stores.split(",") if s]
    a.store_paths = {}
    for n in names + (["S"] if "seq" in only else []):
        d, args = STORES[n]
        a.store_paths[n] = ba.ensure_store(root, os.path.join(data, d), args)
    for n, p in a.store_paths.items():
        S, V, vc, sc = store_shape(p)
        log(f"store {n}: {p}: {S} samples x {V} variants, chunks {vc} x {sc}, "
            f"{n_pieces(p)} stream pieces")
    stores = {n: a.store_paths[n] for n in names}
    a.mnt = tempfile.mkdtemp(prefix="bfmem-mnt-")
    res, once = [], []
    try:
        if "probe" in only:
            fig_probe(a, stores, res)
        if "peak" in only:
            fig_peak(a, stores, res, once)
        if "drift" in only:
            fig_drift(a, {n: stores[n] for n in names[:1]}, res)
        if "seq" in only:
            seq = dict(stores)  # every store of the issue, and the small one
            if a.seq_small:
                seq["S"] = a.store_paths["S"]
            fig_seq(a, seq, res)
        if "once" in only or "peak" in only:
            fig_once(a, stores if "once" in only else {}, res, once)
    finally:
        for suffix in (".log", ".log.out"):
            try:
                os.unlink(a.mnt + suffix)
            except OSError:
                pass
        shutil.rmtree(a.mnt, ignore_errors=True)
    log("\n== summary ==")
    for fig, what, v, goal, ok in res:
        vs = f"{v:.3f}" if isinstance(v, float) else str(v)
        log(f"  {fig}  {what:45s} {vs:>9s}  goal {goal:14s} {verdict(ok)}")
    miss = sum(1 for r in res if not r[4])
    log(f"{len(res)} figures, {miss} miss their goal; bench total "
        f"{time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
