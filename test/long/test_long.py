"""`make test-long`: the reference's fs_tests checks that take minutes.

All against default-options mounts of a 2000-sample x 40,000-variant store (a 20 MB
.bed, 40 variant chunks), with view-plink's output on disk as the oracle:
  - fsx: build/tools/fsx_ro, seeds 7, 23, 101 x BF_FSX_OPS (50,000) random pread and
    mmap reads of the .bed;
  - stress-ng (CPU and memory load) while 4, then 16 forked whole-file readers loop for
    BF_STRESS_SECONDS (30) each: zero errors, every pass byte-identical;
  - liveness: ls and 4 KiB .bim/.fam reads every 0.5 s, each within 100 ms, during
    the 16-thread fio job (BF_LIVENESS_SECONDS, 30);
  - soak: 8 readers of random ranges for BF_SOAK_SECONDS (1800), the page cache dropped
    every second so reads reach the server; front and server RSS sampled every 5 s,
    no growth beyond noise.
Each prints one line of figures for docs/reliability.md.  (The full 30 s fio jobs,
50 lifecycle cycles and 1,000 open/close cycles are the test/integration tests run
by `make test-long` with their long settings.)
"""

import hashlib
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

import mount_helpers as mh

pytestmark = pytest.mark.skipif(shutil.which("fusermount3") is None or
                                not os.path.exists("/dev/fuse"),
                                reason="FUSE (fusermount3, /dev/fuse) not available")

FIO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fio")


def env_int(name, default):
    return int(os.environ.get(name, default))


@pytest.fixture(scope="module")
def bench(tmp_path_factory, biofuse_bin):
    root = tmp_path_factory.getbasetemp() / "mount_stores"
    store = mh.bench_store(root, "bench", 2000, 40000, variants_chunk=1000)
    ref = mh.reference_files(biofuse_bin, "mount-plink", store,
                             os.path.join(str(root), "long_ref"))
    return store, ref


@pytest.fixture
def mount(bench, biofuse_bin, work_dir):
    store, ref = bench
    with mh.mounted(biofuse_bin, "mount-plink", store, work_dir / "mnt", [],
                    mh.expected_files("mount-plink", "bench")) as m:
        yield m, ref


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_fsx(mount, repo_root):
    m, ref = mount
    tool = os.path.join(repo_root, "build", "tools", "fsx_ro")
    if not os.access(tool, os.X_OK):
        pytest.skip("build/tools/fsx_ro absent (make tools)")
    ops = env_int("BF_FSX_OPS", 50000)
    for seed in (7, 23, 101):
        t = time.monotonic()
        r = subprocess.run([tool, m.path("bench.bed"), ref["bed"], str(seed), str(ops)],
                           capture_output=True, text=True, timeout=3600)
        print(r.stdout.strip(), "(%.1f s)" % (time.monotonic() - t))
        assert r.returncode == 0, r.stderr[-3000:]
    assert m.proc.poll() is None


def _whole_file_worker(path, digest, stop_at, q):
    passes = errors = mismatches = 0
    while time.time() < stop_at:
        try:
            h = hashlib.sha256()
            with open(path, "rb", buffering=0) as f:
                while True:
                    b = f.read(65536)
                    if not b:
                        break
                    h.update(b)
            passes += 1
            if h.hexdigest() != digest:
                mismatches += 1
        except OSError:
            errors += 1
    q.put((passes, errors, mismatches))


@pytest.mark.parametrize("readers", [4, 16])
def test_stress_ng_whole_file_readers(mount, readers):
    if shutil.which("stress-ng") is None:
        pytest.skip("stress-ng not installed")
    m, ref = mount
    secs = env_int("BF_STRESS_SECONDS", 30)
    digest = hashlib.sha256(mh.read_file(ref["bed"])).hexdigest()
    ncpu = max(2, (os.cpu_count() or 2) // 2)
    bg = subprocess.Popen(["stress-ng", "--cpu", str(ncpu), "--vm", "2", "--vm-bytes", "256M",
                           "-t", "%ds" % (secs + 5), "--metrics-brief"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(1)
        ctx = multiprocessing.get_context("fork")
        q = ctx.Queue()
        stop_at = time.time() + secs
        procs = [ctx.Process(target=_whole_file_worker,
                             args=(m.path("bench.bed"), digest, stop_at, q))
                 for _ in range(readers)]
        for p in procs:
            p.start()
        res = [q.get(timeout=secs + 600) for _ in procs]
        for p in procs:
            p.join(60)
        out, _ = bg.communicate(timeout=secs + 120)
    finally:
        if bg.poll() is None:
            bg.kill()
            bg.wait()
    passes = sum(r[0] for r in res)
    errors = sum(r[1] for r in res)
    bad = sum(r[2] for r in res)
    print("stress-ng + %d whole-file readers, %d s: %d passes (%d MB), %d errors, "
          "%d mismatches; stress-ng rc %d" % (readers, secs, passes,
                                              passes * os.path.getsize(ref["bed"]) // 10**6,
                                              errors, bad, bg.returncode))
    assert errors == 0 and bad == 0 and passes >= readers
    assert bg.returncode == 0, out[-2000:]
    assert "failed: 0" in out or " failed" not in out, out[-2000:]
    assert m.proc.poll() is None


def test_liveness_under_multithread_fio(mount, work_dir):
    if shutil.which("fio") is None:
        pytest.skip("fio not installed")
    m, ref = mount
    secs = env_int("BF_LIVENESS_SECONDS", 30)
    env = dict(os.environ, TARGET_FILE=m.path("bench.bed"), FIO_RUNTIME=str(secs))
    fio = subprocess.Popen(["fio", "--readonly", "--output-format=json",
                            "--output=" + str(work_dir / "fio.json"),
                            os.path.join(FIO_DIR, "multithread.fio")], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    worst = {"ls": 0.0, "bim": 0.0, "fam": 0.0}
    probes = errors = 0
    try:
        time.sleep(1.0)
        while fio.poll() is None:
            t0 = time.monotonic()
            for what in ("ls", "bim", "fam"):
                t = time.monotonic()
                try:
                    if what == "ls":
                        assert os.listdir(m.dir)
                    else:
                        p = m.path("bench." + what)
                        mh.drop_cache(p)
                        fd = os.open(p, os.O_RDONLY)
                        try:
                            assert os.pread(fd, 4096, 0) == mh.read_file(ref[what])[:4096]
                        finally:
                            os.close(fd)
                except (OSError, AssertionError):
                    errors += 1
                worst[what] = max(worst[what], time.monotonic() - t)
            probes += 1
            time.sleep(max(0.0, 0.5 - (time.monotonic() - t0)))
        _, err = fio.communicate(timeout=120)
    finally:
        if fio.poll() is None:
            fio.send_signal(signal.SIGINT)
            fio.wait(30)
    print("liveness during fio multithread (%d s): %d probes, %d errors, max latency "
          "ls %.1f ms, .bim %.1f ms, .fam %.1f ms"
          % (secs, probes, errors, worst["ls"] * 1e3, worst["bim"] * 1e3, worst["fam"] * 1e3))
    assert fio.returncode == 0, err
    assert errors == 0 and probes >= secs
    assert max(worst.values()) < 0.1, worst


def test_soak_random_readers_rss(mount):
    m, ref = mount
    secs = env_int("BF_SOAK_SECONDS", 1800)
    want = mh.read_file(ref["bed"])
    bed = m.path("bench.bed")
    srv = m.server_pid()
    stop = time.monotonic() + secs
    stats = {"ops": 0, "bytes": 0, "errors": 0, "bad": 0, "worst": 0.0}
    lock = threading.Lock()

    def reader(seed):
        rng = random.Random(seed)
        fd = os.open(bed, os.O_RDONLY)
        try:
            while time.monotonic() < stop:
                off = rng.randrange(len(want))
                n = rng.choice((4096, 65536, 1 << 20))
                t = time.monotonic()
                try:
                    b = os.pread(fd, n, off)
                    ok = b == want[off:off + n]
                    err = 0
                except OSError:
                    ok, err, b = True, 1, b""
                dt = time.monotonic() - t
                with lock:
                    stats["ops"] += 1
                    stats["bytes"] += len(b)
                    stats["errors"] += err
                    stats["bad"] += 0 if ok else 1
                    stats["worst"] = max(stats["worst"], dt)
        finally:
            os.close(fd)

    ths = [threading.Thread(target=reader, args=(i,)) for i in range(8)]
    for t in ths:
        t.start()
    samples = []
    while time.monotonic() < stop:
        mh.drop_cache(bed)  # so reads keep reaching the server
        samples.append((rss_kib(m.pid), rss_kib(srv)))
        time.sleep(min(5.0, max(0.0, stop - time.monotonic())) if len(samples) % 5 == 0
                   else 1.0)
    for t in ths:
        t.join(120)
    q = max(1, len(samples) // 4)
    first = sorted(s[0] + s[1] for s in samples[:q])[q // 2]
    last = sorted(s[0] + s[1] for s in samples[-q:])[q // 2]
    peak = max(s[0] + s[1] for s in samples)
    print("soak %d s, 8 random readers: %d ops, %d MB, %d errors, %d mismatches, slowest "
          "%.1f ms; RSS front+server median first quarter %.1f MiB, last quarter %.1f MiB, "
          "peak %.1f MiB (%d samples)"
          % (secs, stats["ops"], stats["bytes"] // 10**6, stats["errors"], stats["bad"],
             stats["worst"] * 1e3, first / 1024, last / 1024, peak / 1024, len(samples)))
    assert stats["errors"] == 0 and stats["bad"] == 0 and stats["ops"] > 0
    assert m.server_pids() == [srv]
    assert last <= first * 1.2 + 8 * 1024, (first, last)
