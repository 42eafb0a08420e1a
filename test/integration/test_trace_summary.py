"""`biofuse trace-summary ACCESS_LOG`: per-file figures of a --access-log trace.

Oracle: the figures recomputed here in Python from the JSONL records, with the
definitions of `biofuse trace-summary --help` (sequential = starts where the
previous read of the same handle, by t_start, ended; re-read = bytes read minus
the union of the read intervals; nearest-rank percentiles), and what the mount
served (file sizes).  Logs come from hand-written records and from plink2 --freq
run on a real mount (a generated store and, when present, the bio2zarr chr22).
"""

import json
import math
import os
import shutil
import subprocess
import tempfile

import pytest

from helpers_view import bf, need_tool, plink2
from mount_helpers import expected_files, generated_store, mounted


def _oracle(lines):
    files = {}
    for ln in lines:
        if not ln.strip():
            continue
        r = json.loads(ln)
        f = files.setdefault(r["path"], dict(opens=0, reads=[]))
        if r["kind"] == "open":
            f["opens"] += 1
        elif r["kind"] == "read":
            f["reads"].append(r)
    out = {}
    for path, f in files.items():
        reads = f["reads"]
        by_fh = {}
        for r in reads:
            by_fh.setdefault(r["fh"], []).append(r)
        seq = base = 0
        for rs in by_fh.values():
            rs.sort(key=lambda r: (r["t_start"], r["offset"]))
            for a, b in zip(rs, rs[1:]):
                base += 1
                seq += a["offset"] + a["size"] == b["offset"]
        covered = set()
        for r in reads:
            covered.update(range(r["offset"], r["offset"] + r["size"]))
        total = sum(r["size"] for r in reads)
        lat = sorted(max(0.0, r["t_end"] - r["t_start"]) for r in reads)

        def pct(q):
            return lat[max(1, min(len(lat), math.ceil(q * len(lat)))) - 1] if lat else None

        hist = [0] * 13
        for r in reads:
            k = 0
            while k < 12 and r["size"] > (512 << k):
                k += 1
            hist[k] += 1
        out[path] = dict(opens=f["opens"], reads=len(reads), bytes_read=total,
                         unique_bytes=len(covered), reread_bytes=total - len(covered),
                         sequential_reads=seq, sequential_base=base, hist=hist,
                         lat=[pct(0.5), pct(0.9), pct(0.99), lat[-1] if lat else None])
    return out


def _check_json(got, lines):
    want = _oracle(lines)
    assert [f["path"] for f in got["files"]] == sorted(want)
    assert got["records"] == sum(1 for ln in lines if ln.strip())
    for f in got["files"]:
        w = want[f["path"]]
        for k in ("opens", "reads", "bytes_read", "unique_bytes", "reread_bytes",
                  "sequential_reads", "sequential_base"):
            assert f[k] == w[k], (f["path"], k, f[k], w[k])
        assert [b["count"] for b in f["read_sizes"]] == w["hist"], f["path"]
        if w["reads"]:
            lat = f["read_latency_s"]
            for k, v in zip(("p50", "p90", "p99", "max"), w["lat"]):
                assert lat[k] == pytest.approx(v, abs=1e-9), (f["path"], k)
    return want


def _summary(biofuse_bin, log):
    text = bf(biofuse_bin, "trace-summary", log).stdout.decode()
    got = json.loads(bf(biofuse_bin, "trace-summary", "--json", log).stdout)
    return text, got


def _rec(path, fh, off, size, t0, t1, kind):
    return json.dumps(dict(path=path, fh=fh, offset=off, size=size, t_start=t0, t_end=t1,
                           kind=kind))


def test_hand_written(biofuse_bin, work_dir):
    """Two handles, a tail probe, a re-read range and interleaved start times."""
    lines = [
        _rec("x.bed", 1, 0, 0, 1.0, 1.001, "open"),
        _rec("x.bed", 1, 99000, 1000, 1.01, 1.02, "read"),       # tail probe
        _rec("x.bed", 1, 0, 4096, 1.03, 1.031, "read"),
        _rec("x.bed", 1, 8192, 131072, 1.05, 1.25, "read"),      # logged before the 4096
        _rec("x.bed", 1, 4096, 4096, 1.04, 1.041, "read"),       # started earlier
        _rec("x.bed", 2, 0, 0, 2.0, 2.0, "open"),
        _rec("x.bed", 2, 0, 8192, 2.1, 2.3, "read"),             # re-read by a 2nd handle
        _rec("x.bim", 3, 0, 0, 1.0, 1.0, "open"),
        _rec("x.bim", 3, 0, 300, 1.0, 1.000005, "read"),
        _rec("x.bim", 3, 300, 0, 1.1, 1.100001, "read"),         # EOF read
        _rec("x.bed", 1, 0, 0, 3.0, 3.0, "release"),
        "",
    ]
    log = work_dir / "a.jsonl"
    log.write_text("\n".join(lines) + "\n")
    text, got = _summary(biofuse_bin, log)
    want = _check_json(got, lines)
    assert want["x.bed"]["sequential_reads"] == 2 and want["x.bed"]["sequential_base"] == 3
    assert want["x.bed"]["reread_bytes"] == 8192 + 1000  # 2nd handle + the probed tail
    assert got["duration_s"] == pytest.approx(2.0)
    # the text says the same
    assert "x.bed\n  opens 2, reads 5\n" in text
    assert "re-read 9.0 KiB" in text
    assert "sequential 66.7 % (2 of 3 reads" in text
    assert "x.bim\n  opens 1, reads 2\n" in text
    for p in ("p50", "p90", "p99", "max"):
        assert "    %7s  " % p in text
    assert "<=128K" in text and "200.00 ms" in text


def test_empty_and_stdin(biofuse_bin, work_dir):
    log = work_dir / "e.jsonl"
    log.write_text("")
    got = json.loads(bf(biofuse_bin, "trace-summary", "--json", log).stdout)
    assert got["records"] == 0 and got["files"] == []
    r = bf(biofuse_bin, "trace-summary", "-", input=_rec("a", 1, 0, 10, 0.5, 0.6, "read").encode())
    assert b"a\n  opens 0, reads 1\n" in r.stdout


@pytest.mark.parametrize("content,where", [
    ('{"path": "a", "fh": 1, "offset": 0, "size": 1, "t_start": 0, "t_end": 0, "kind": "read"}'
     '\nnot json\n', "line 2"),
    ('{"path": "a", "fh": 1}\n', "line 1"),
    ('[1, 2]\n', "line 1"),
    ('{"path": "a", "fh": -1, "offset": 0, "size": 1, "t_start": 0, "t_end": 0, '
     '"kind": "read"}\n', "line 1"),
])
def test_bad_lines(biofuse_bin, work_dir, content, where):
    log = work_dir / "bad.jsonl"
    log.write_text(content)
    r = bf(biofuse_bin, "trace-summary", log, rc=1)
    err = r.stderr.decode()
    assert err.startswith("Error: ") and where in err and "bad.jsonl" in err, err
    assert r.stdout == b"" and len(err.splitlines()) == 1


def test_missing_log(biofuse_bin, work_dir):
    r = bf(biofuse_bin, "trace-summary", work_dir / "absent.jsonl", rc=1)
    assert r.stderr.decode().startswith("Error: cannot open access log")


def _freq_on_mount(biofuse_bin, store, work_dir, basename, args=()):
    """plink2 --freq on a mount-plink of `store` with --access-log; the log's lines and
    the sizes of the served files."""
    need_tool("plink2")
    log = work_dir / "access.jsonl"
    mnt = work_dir / "mnt"
    files = expected_files("mount-plink", basename)
    with mounted(biofuse_bin, "mount-plink", store, mnt,
                 args=["--access-log", str(log)] + list(args), files=files):
        sizes = {f: os.path.getsize(os.path.join(str(mnt), f)) for f in files}
        plink2("--bfile", os.path.join(str(mnt), basename), "--freq", out=work_dir / "freq")
    assert os.path.exists(str(work_dir / "freq.afreq"))
    return log, log.read_text().splitlines(), sizes


def _check_plink_shape(got, sizes, basename):
    by = {f["path"]: f for f in got["files"]}
    for name, size in sizes.items():
        f = by[name]
        assert f["opens"] >= 1
        assert f["unique_bytes"] == size, (name, f["unique_bytes"], size)  # read whole
        assert f["bytes_read"] >= size
    bed = by[basename + ".bed"]
    if bed["sequential_base"] >= 10:
        # one forward pass after plink's tail probe
        assert bed["sequential_fraction"] > 0.8, bed


def test_plink2_freq_generated(biofuse_bin, work_dir, session_work_dir):
    store = generated_store(session_work_dir / "stores", "trace_freq", samples=400,
                            variants=6000, variants_chunk=500, samples_chunk=400, seed=7)
    log, lines, sizes = _freq_on_mount(biofuse_bin, store, work_dir, "trace_freq")
    text, got = _summary(biofuse_bin, log)
    _check_json(got, lines)
    _check_plink_shape(got, sizes, "trace_freq")
    assert sizes["trace_freq.bed"] > 500000
    for name in sizes:
        assert "\n%s\n  opens " % name in text
    assert "read latency (log scale from 1 us):" in text


def test_plink2_freq_bio2zarr(biofuse_bin, bio2zarr_fixtures, work_dir):
    store = os.path.join(bio2zarr_fixtures, "chr22.vcz.zip")
    log, lines, sizes = _freq_on_mount(biofuse_bin, store, work_dir, "chr22", ["-M", "2"])
    _text, got = _summary(biofuse_bin, log)
    _check_json(got, lines)
    _check_plink_shape(got, sizes, "chr22")


# ---------------------------------------------------------------------------- --allow-other

def test_allow_other_needs_fuse_conf(biofuse_bin, work_dir, session_work_dir):
    """A user other than root without user_allow_other in /etc/fuse.conf gets a clear
    Error: before anything is mounted."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to run as another user")
    with open("/etc/fuse.conf") as f:
        if any(ln.strip() == "user_allow_other" for ln in f):
            pytest.skip("/etc/fuse.conf already allows other users")
    store = generated_store(session_work_dir / "stores", "trace_small", samples=4,
                            variants=20, variants_chunk=10, samples_chunk=4, seed=3)
    d = tempfile.mkdtemp(prefix="bf-allow-other-")  # pytest's tmp is private to root
    try:
        os.chmod(d, 0o777)
        os.mkdir(os.path.join(d, "mnt"))
        os.chmod(os.path.join(d, "mnt"), 0o777)
        shutil.copytree(store, os.path.join(d, "s.vcz"))
        subprocess.run(["chmod", "-R", "a+rX", d], check=True)
        r = bf("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", biofuse_bin,
               "mount-plink", os.path.join(d, "s.vcz"), os.path.join(d, "mnt"),
               "--allow-other", rc=1)
        err = r.stderr.decode()
        assert err.startswith("Error: ") and "user_allow_other" in err, err
        assert "/etc/fuse.conf" in err and len(err.splitlines()) == 1, err
        assert not os.path.ismount(os.path.join(d, "mnt"))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_allow_other_mount(biofuse_bin, work_dir, session_work_dir):
    """As root the mount carries allow_other and another user can read it."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to read as another user")
    store = generated_store(session_work_dir / "stores", "trace_small", samples=4,
                            variants=20, variants_chunk=10, samples_chunk=4, seed=3)
    d = tempfile.mkdtemp(prefix="bf-allow-other-")  # pytest's tmp is private to root
    try:
        os.chmod(d, 0o755)
        mnt = os.path.join(d, "mnt")
        with mounted(biofuse_bin, "mount-plink", store, mnt, args=["--allow-other"],
                     files=expected_files("mount-plink", "trace_small"),
                     stderr_path=str(work_dir / "mount.stderr")):
            with open("/proc/mounts") as f:
                opts = [ln.split()[3] for ln in f if ln.split()[1] == mnt]
            assert opts and "allow_other" in opts[0].split(","), opts
            fam = os.path.join(mnt, "trace_small.fam")
            r = bf("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "cat", fam)
            with open(fam, "rb") as f:
                assert r.stdout == f.read() and len(r.stdout) > 0
    finally:
        shutil.rmtree(d, ignore_errors=True)
