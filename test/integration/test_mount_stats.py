"""The mount's shared chunk cache, proven by the server's own statistics (issue 6):
with 4 concurrent sequential readers of one .bed, every chunk is encoded exactly once,
the cache hit/miss counts add up to the chunk lookups the readers' requests imply, and
every reader gets the bytes of view-plink's .bed.

The readers are `dd iflag=direct` processes started together: O_DIRECT bypasses the
kernel page cache, so each reader's requests really reach the server (with plain reads
the page cache would serve most of the other readers).  The statistics come from the
server's SIGUSR1 log line ("stats (SIGUSR1): cache hits N, misses N, chunk encodes N,
cached X MiB, ...") in --log-file.

Needs FUSE (fusermount3, /dev/fuse); skipped otherwise.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mount_helpers as mh  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("fusermount3") is None or
                                not os.path.exists("/dev/fuse"),
                                reason="FUSE (fusermount3, /dev/fuse) not available")

SAMPLES, VARIANTS, VCHUNK, SCHUNK = 2000, 3000, 100, 500
N_CHUNKS = VARIANTS // VCHUNK  # 30 variant chunks; each is one stream chunk (< 32 MiB)
BPV = SAMPLES // 4  # .bed bytes per variant
CHUNK_BYTES = VCHUNK * BPV
BED_MAGIC = 3
READERS = 4
BS = 64 << 10  # below the 1 MiB reply slot: one server read per request

STATS_RE = re.compile(r"stats \(SIGUSR1\): cache hits (\d+), misses (\d+), chunk encodes "
                      r"(\d+), cached ([\d.]+) MiB")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return mh.bench_store(tmp_path_factory.getbasetemp() / "stats_stores", "stats",
                          SAMPLES, VARIANTS, VCHUNK, SCHUNK, seed=5)


def read_log(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def server_stats(m, log_path):
    """SIGUSR1 the server; the new stats line as (hits, misses, encodes, cached MiB)."""
    before = len(STATS_RE.findall(read_log(log_path)))
    os.kill(m.server_pid(), signal.SIGUSR1)
    found = mh.wait_until(lambda: len(STATS_RE.findall(read_log(log_path))) > before, 10)
    assert found, "no stats line after SIGUSR1; log:\n" + read_log(log_path)
    h, mi, e, c = STATS_RE.findall(read_log(log_path))[-1]
    return int(h), int(mi), int(e), float(c)


def lookups_of(access_log, name):
    """Chunk lookups the server made for the reads of `name` in the access log: one per
    stream chunk each read request overlaps (the 3-byte magic is not a chunk)."""
    n = reads = 0
    with open(access_log) as f:
        for line in f:
            r = json.loads(line)
            if r.get("kind") != "read" or not r.get("path", "").endswith(name):
                continue
            off, size = r["offset"], r["size"]
            reads += 1
            lo, hi = max(off, BED_MAGIC), off + size
            if hi > lo:
                n += (hi - 1 - BED_MAGIC) // CHUNK_BYTES - (lo - BED_MAGIC) // CHUNK_BYTES + 1
    return n, reads


def test_four_sequential_readers_encode_each_chunk_once(biofuse_bin, store, work_dir):
    ref = mh.reference_files(biofuse_bin, "mount-plink", store, work_dir / "ref")
    with open(ref["bed"], "rb") as f:
        want = f.read()
    assert len(want) == BED_MAGIC + VARIANTS * BPV
    log_path = str(work_dir / "mount.log")
    access = str(work_dir / "access.jsonl")
    mnt = work_dir / "mnt"
    with mh.mounted(biofuse_bin, "mount-plink", store, mnt,
                    ["--basename", "st", "--log-file", log_path, "--log-level", "debug",
                     "--access-log", access], files=["st.bed"]) as m:
        # start from an empty cache: the chunks encoded ahead at open are dropped
        # after a second without reads
        assert mh.wait_until(lambda: "idle: released" in read_log(log_path), 15), \
            read_log(log_path)
        h0, m0, e0, c0 = server_stats(m, log_path)
        assert c0 == 0.0, "cache not empty after the idle release: %s MiB" % c0
        outs = [str(work_dir / ("out%d" % i)) for i in range(READERS)]
        procs = [subprocess.Popen(["dd", "if=" + m.path("st.bed"), "of=" + o, "bs=%d" % BS,
                                   "iflag=direct", "status=none"], stderr=subprocess.PIPE)
                 for o in outs]
        for p in procs:
            _, err = p.communicate(timeout=120)
            assert p.returncode == 0, err.decode()
        h1, m1, e1, c1 = server_stats(m, log_path)
    for o in outs:
        with open(o, "rb") as f:
            assert f.read() == want, "reader %s differs from view-plink" % o
    # each chunk encoded once for all four readers
    assert e1 - e0 == N_CHUNKS, "chunk encodes %d, want %d" % (e1 - e0, N_CHUNKS)
    # every lookup is a hit or a miss, and the lookups are exactly those the requests imply
    lookups, reads = lookups_of(access, "st.bed")
    assert reads >= READERS * (len(want) // BS)
    assert (h1 - h0) + (m1 - m0) == lookups
    assert lookups >= READERS * N_CHUNKS
    # a chunk is waited for (a miss) by at most every reader; the rest are hits
    assert 1 <= m1 - m0 <= READERS * N_CHUNKS
    assert h1 - h0 >= lookups - READERS * N_CHUNKS
    assert c1 > 0.0
