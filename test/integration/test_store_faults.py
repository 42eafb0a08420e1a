"""Store faults cost the reads that need the faulty bytes, never the mount.

One chunk of call_genotype (variant chunk 5 of 40 in a 2000-sample store: .bed bytes
[3 + 5 * 500,000, 3 + 6 * 500,000)) is made unreadable (EIO or EACCES injected with
BIOFUSE_TEST_STORE_FAULT, since root reads any file; a FIFO in its place), truncated or
undecodable.  A sequential reader gets every byte before the fault (a short read), then
EIO, never EOF mid-file and never wrong bytes; the page cache works in pages, so the
pages that straddle the chunk's ends fail too.  Every byte after the fault is served,
the .bim/.fam answer, the encoder server is the same process, and each failure is
logged with the store, the array and the chunk.  A stalling chunk read gives EIO at
the --read-timeout deadline while the sidecars and cached ranges keep answering.
"""

import errno
import os
import shutil
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mount_helpers as mh  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("fusermount3") is None or
                                not os.path.exists("/dev/fuse"),
                                reason="FUSE (fusermount3, /dev/fuse) not available")

CHUNK = "call_genotype/5.0.0"
BPV = 500  # 2000 samples
START, END = 3 + 5 * 1000 * BPV, 3 + 6 * 1000 * BPV
PAGE = 4096


@pytest.fixture(scope="module")
def bench(tmp_path_factory, biofuse_bin):
    root = tmp_path_factory.getbasetemp() / "mount_stores"
    store = mh.bench_store(root, "bench", 2000, 40000, variants_chunk=1000)
    ref = mh.reference_files(biofuse_bin, "mount-plink", store, os.path.join(str(root),
                                                                           "faults_ref"))
    return store, {k: mh.read_file(p) for k, p in ref.items()}


def make_fault(store, work, kind):
    """A copy of the store with chunk 5 broken as `kind`; returns (store, env)."""
    dst = os.path.join(str(work), "bench.vcz")
    shutil.copytree(store, dst)
    path = os.path.join(dst, CHUNK)
    env = dict(os.environ)
    data = open(path, "rb").read()
    if kind == "truncated":
        open(path, "wb").write(data[:len(data) // 2])
    elif kind == "undecodable":  # blosc header kept, compressed blocks scrambled
        open(path, "wb").write(data[:16] + bytes(b ^ 0x5A for b in data[16:]))
    elif kind == "fifo":
        os.unlink(path)
        os.mkfifo(path)
    elif kind in ("eio", "eacces"):
        env["BIOFUSE_TEST_STORE_FAULT"] = CHUNK + ":" + kind
    else:
        raise AssertionError(kind)
    return dst, env


def read_until_error(path, want, bs=1 << 20):
    """Sequential preads; returns the offset of the first error (asserting the bytes
    before it), or None if the whole file read."""
    fd = os.open(path, os.O_RDONLY)
    try:
        off = 0
        while True:
            try:
                b = os.pread(fd, bs, off)
            except OSError as e:
                assert e.errno == errno.EIO, e
                return off
            assert b == want[off:off + len(b)], "wrong bytes at %d" % off
            if not b:
                assert off == len(want), "EOF at %d of %d" % (off, len(want))
                return None
            off += len(b)
    finally:
        os.close(fd)


@pytest.mark.parametrize("kind", ["truncated", "undecodable", "fifo", "eio", "eacces"])
def test_chunk_fault_costs_only_its_bytes(bench, biofuse_bin, work_dir, kind):
    store, want = bench
    bad, env = make_fault(store, work_dir, kind)
    with mh.mounted(biofuse_bin, "mount-plink", bad, work_dir / "mnt", [],
                    mh.expected_files("mount-plink", "bench"), env=env) as m:
        srv = m.server_pid()
        bed = m.path("bench.bed")
        eo = read_until_error(bed, want["bed"])
        assert eo is not None, "the faulty chunk read without error"
        assert START - 65536 < eo <= START, (eo, START)
        # the fault's own bytes fail; every byte from the page after it is served
        fd = os.open(bed, os.O_RDONLY)
        try:
            for off in (START + 1000, (START + END) // 2, END - 10):
                with pytest.raises(OSError) as ei:
                    os.pread(fd, 100, off)
                assert ei.value.errno == errno.EIO
            tail = (END + PAGE - 1) // PAGE * PAGE
            got = bytearray()
            while tail + len(got) < len(want["bed"]):
                b = os.pread(fd, 1 << 20, tail + len(got))
                assert b, "EOF at %d" % (tail + len(got))
                got += b
            assert bytes(got) == want["bed"][tail:]
        finally:
            os.close(fd)
        assert mh.read_file(m.path("bench.bim")) == want["bim"]
        assert mh.read_file(m.path("bench.fam")) == want["fam"]
        assert m.server_pids() == [srv], "the encoder server did not survive"
        # one line per failed read, naming store, array and chunk
        lines = [ln for ln in m.stderr().splitlines() if CHUNK in ln]
        assert lines, m.stderr()
        for ln in lines:
            assert bad in ln and "array 'call_genotype'" in ln and "ERROR" in ln, ln
        assert "restarted" not in m.stderr()
        assert m.stop() == 0


def test_stalling_chunk_read_times_out(bench, biofuse_bin, work_dir):
    """A chunk read that stalls (60 s injected): EIO at the 2 s deadline; .bim/.fam and
    a cached range answer meanwhile; later reads of other ranges are served."""
    store, want = bench
    env = dict(os.environ, BIOFUSE_TEST_STORE_FAULT=CHUNK + ":stall=60")
    timeout = 2.0
    with mh.mounted(biofuse_bin, "mount-plink", store, work_dir / "mnt",
                    ["--read-timeout", str(timeout)],
                    mh.expected_files("mount-plink", "bench"), env=env) as m:
        bed = m.path("bench.bed")
        fd = os.open(bed, os.O_RDONLY)
        try:
            assert os.pread(fd, 65536, 100_000) == want["bed"][100_000:165_536]  # cached
            res = {}

            def reader():
                t = time.monotonic()
                try:
                    res["data"] = os.pread(fd, 4096, START + 100_000)
                except OSError as e:
                    res["errno"] = e.errno
                res["elapsed"] = time.monotonic() - t

            th = threading.Thread(target=reader)
            th.start()
            time.sleep(0.3)
            worst = 0.0
            while th.is_alive() and worst < 10:
                t = time.monotonic()
                assert os.listdir(m.dir) == mh.expected_files("mount-plink", "bench")
                for s in ("bim", "fam"):
                    mh.drop_cache(m.path("bench." + s))
                    assert mh.read_file(m.path("bench." + s)) == want[s]
                assert os.pread(fd, 65536, 100_000) == want["bed"][100_000:165_536]
                worst = max(worst, time.monotonic() - t)
                time.sleep(0.1)
            th.join(timeout + 15)
            assert not th.is_alive()
            assert worst < 1.0, worst
            assert res.get("errno") == errno.EIO, res
            assert timeout - 0.5 <= res["elapsed"] <= timeout + 3, res
        finally:
            os.close(fd)
        # a fresh handle reads other uncached ranges (served by the restarted server)
        fd = os.open(bed, os.O_RDONLY)
        try:
            off = 3 + 20 * 1000 * BPV
            assert os.pread(fd, 100_000, off) == want["bed"][off:off + 100_000]
        finally:
            os.close(fd)
        assert m.proc.poll() is None
        assert m.stop() == 0


def vm_size(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmSize")


@pytest.mark.parametrize("margin_mib", [16, 80])
def test_memory_pressure_correct_or_eio_then_recovers(bench, biofuse_bin, work_dir,
                                                      margin_mib):
    """The server's address space capped (RLIMIT_AS) MARGIN MiB above what it maps at
    rest (80: the 64 MiB budget and a little; 16: far below it) while 4 readers stream
    the .bed: every byte served is correct, failures are EIO, the server is never
    killed; once the cap is lifted every read succeeds again."""
    import resource
    store, want = bench
    with mh.mounted(biofuse_bin, "mount-plink", store, work_dir / "mnt",
                    ["--readahead-buffer-size", "64M"],
                    mh.expected_files("mount-plink", "bench")) as m:
        srv = m.server_pid()
        bed = m.path("bench.bed")
        assert os.pread(os.open(bed, os.O_RDONLY), 3, 0) == want["bed"][:3]
        time.sleep(3.5)  # idle release: cached pieces unmapped
        # the soft limit (raising a hard limit back needs CAP_SYS_RESOURCE)
        hard = resource.prlimit(srv, resource.RLIMIT_AS)[1]
        cap = vm_size(srv) + (margin_mib << 20)
        resource.prlimit(srv, resource.RLIMIT_AS, (cap, hard))
        stats = {"ok": 0, "eio": 0}
        lock = threading.Lock()

        def reader(i):
            fd = os.open(bed, os.O_RDONLY)
            try:
                off = i * 1_000_000
                while off < len(want["bed"]):
                    try:
                        b = os.pread(fd, 1 << 20, off)
                    except OSError as e:
                        assert e.errno == errno.EIO, e
                        with lock:
                            stats["eio"] += 1
                        off += 1 << 20
                        continue
                    assert b == want["bed"][off:off + len(b)], off
                    with lock:
                        stats["ok"] += 1
                    off += len(b)
            finally:
                os.close(fd)

        ths = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
        for t in ths:
            t.start()
        for t in ths:
            t.join(120)
        print("under pressure (+%d MiB): %d reads served, %d EIO"
              % (margin_mib, stats["ok"], stats["eio"]))
        assert m.server_pids() == [srv], m.stderr()
        resource.prlimit(srv, resource.RLIMIT_AS, (hard, hard))
        # recovered: a fresh handle (a failed page is read again) gets every byte
        for s in ("bed", "bim", "fam"):
            mh.drop_cache(m.path("bench." + s))
        assert mh.read_file(bed) == want["bed"]
        assert m.server_pids() == [srv]
        assert m.stop() == 0
