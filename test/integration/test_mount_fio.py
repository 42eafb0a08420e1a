"""The reference's fs_tests fio jobs (test/fio/*.fio) against a default-options mount.

Every job is gated at 0 errors (the reference waived mmap-read and multithread as
"informational": its open limiter made them end in EAGAIN) and must read bytes; the
jobs the reference checked for concurrency must show overlapping reads in the access
log (sweep-line maximum over the job's time slice).  Each job runs BF_FIO_RUNTIME
seconds (default 2; `make test-long` sets 30).  Figures (bytes, ops, errors, latency
maximum) are printed for docs/reliability.md.
"""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mount_helpers as mh  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("fusermount3") is None or
                                not os.path.exists("/dev/fuse") or shutil.which("fio") is None,
                                reason="FUSE or fio not available")

FIO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fio")
RUNTIME = os.environ.get("BF_FIO_RUNTIME", "2")

# (job file, mounted file, minimum concurrency: (overlap, distinct handles) or None)
JOBS = [
    ("seq-read", "bench.bed", None),
    ("rand-read", "bench.bed", None),
    ("mmap-read", "bench.bed", None),
    ("parallel-seq-read", "bench.bed", (2, 2)),
    ("multithread", "bench.bed", (2, 1)),
    ("static-stress", "bench.bim", None),
    ("static-stress", "bench.fam", None),
]


@pytest.fixture(scope="module")
def fio_mount(tmp_path_factory, biofuse_bin):
    root = tmp_path_factory.getbasetemp() / "mount_stores"
    store = mh.bench_store(root, "bench", 2000, 40000, variants_chunk=1000)
    work = tmp_path_factory.mktemp("fio")
    log = str(work / "access.jsonl")
    with mh.mounted(biofuse_bin, "mount-plink", store, work / "mnt", ["--access-log", log],
                    mh.expected_files("mount-plink", "bench")) as m:
        yield m, log, work


def run_fio(job, target, out_json, runtime=RUNTIME):
    env = dict(os.environ, TARGET_FILE=target, FIO_RUNTIME=str(runtime))
    r = subprocess.run(["fio", "--readonly", "--output-format=json", "--output=" + out_json,
                        os.path.join(FIO_DIR, job + ".fio")], env=env, capture_output=True,
                       text=True, timeout=600)
    with open(out_json) as f:
        text = f.read()
    # fio may print notes before the JSON object
    data = json.loads(text[text.index("{"):])
    return r.returncode, data


def max_overlap(log, path_suffix, t0, t1):
    """(max concurrent reads, distinct handles) of reads in [t0, t1] on one file."""
    ev, fhs = [], set()
    with open(log) as f:
        for line in f:
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if r.get("kind") != "read" or not r["path"].endswith(path_suffix):
                continue
            if r["t_start"] < t0 or r["t_end"] > t1:
                continue
            ev.append((r["t_start"], 1))
            ev.append((r["t_end"], 0))  # ends sort before starts at equal times
            fhs.add(r["fh"])
    cur = best = 0
    for _t, kind in sorted(ev):
        cur += 1 if kind else -1
        best = max(best, cur)
    return best, len(fhs)


@pytest.mark.parametrize("job,name,conc", JOBS, ids=["%s:%s" % (j, n) for j, n, _ in JOBS])
def test_fio_job(fio_mount, job, name, conc):
    m, log, work = fio_mount
    t0 = time.monotonic()
    rc, data = run_fio(job, m.path(name), str(work / ("%s-%s.json" % (job, name))))
    t1 = time.monotonic()
    errors = sum(j["error"] for j in data["jobs"])
    nbytes = sum(j["read"]["io_bytes"] for j in data["jobs"])
    ios = sum(j["read"]["total_ios"] for j in data["jobs"])
    lat_max_ms = max(j["read"]["clat_ns"]["max"] for j in data["jobs"]) / 1e6
    print("fio %s %s: %ss, errors %d, %d ops, %d bytes, max latency %.1f ms"
          % (job, name, RUNTIME, errors, ios, nbytes, lat_max_ms))
    assert rc == 0 and errors == 0, (rc, [(j["jobname"], j["error"]) for j in data["jobs"]])
    assert nbytes > 0 and ios > 0
    if conc is not None:
        overlap, handles = max_overlap(log, name, t0, t1)
        assert overlap >= conc[0] and handles >= conc[1], (overlap, handles)
    assert m.proc.poll() is None, m.stderr()


def test_leaked_mappings_never_refuse_opens(fio_mount):
    """300 handles kept alive by mappings (opened, mapped, closed, never unmapped, as
    fio's mmap engine does) and 300 plain open fds: the next open and read are prompt."""
    import mmap
    m, _log, _work = fio_mount
    bed = m.path("bench.bed")
    maps, fds = [], []
    try:
        for _ in range(300):
            fd = os.open(bed, os.O_RDONLY)
            maps.append(mmap.mmap(fd, 1 << 20, prot=mmap.PROT_READ))
            os.close(fd)
            fds.append(os.open(bed, os.O_RDONLY))
        t = time.monotonic()
        fd = os.open(bed, os.O_RDONLY)
        try:
            assert os.pread(fd, 3, 0) == b"\x6c\x1b\x01"
        finally:
            os.close(fd)
        assert time.monotonic() - t < 2.0
        assert all(mp[:3] == b"\x6c\x1b\x01" for mp in maps[::50])
    finally:
        for mp in maps:
            mp.close()
        for fd in fds:
            os.close(fd)
