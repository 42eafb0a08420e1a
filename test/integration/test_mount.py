"""FUSE mounts (mount-plink, mount-bgen): file contents equal the view-* output under every
read pattern and concurrency, plink1.9/plink2 give the same answers on the mount as on the
view-* files, the access log, and start-up errors / --background.

Needs root or fuse access, fusermount3; plink tests need plink1.9/plink2 (skipped if absent).
"""

import filecmp
import json
import mmap
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mount_helpers as mh  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("fusermount3") is None or
                                not os.path.exists("/dev/fuse"),
                                reason="FUSE (fusermount3, /dev/fuse) not available")


@pytest.fixture(scope="session")
def store_root(tmp_path_factory):
    return tmp_path_factory.getbasetemp() / "mount_stores"


@pytest.fixture(scope="session")
def gen_store(store_root):
    """50 samples x 3000 variants, chunks 100 x 20 (30 x 3 chunks), biallelic."""
    return mh.generated_store(store_root, "gen", 50, 3000, 100, 20, seed=7,
                              extra_vcf_args=["--multiallelic-rate", "0"])


@pytest.fixture(scope="session")
def multi_store(store_root):
    return mh.generated_store(store_root, "multi", 12, 200, 50, 5, seed=3,
                              extra_vcf_args=["--multiallelic-rate", "0.2"])


STORES = {
    # name: (how to find it, mount args, basename)
    "gen": ("gen", [], "gen"),
    "sample": ("bio2zarr/sample.vcz.zip", ["-M", "2"], "sample"),
    "msprime": ("bio2zarr/msprime_diploid.vcz.zip", ["-M", "2"], "msprime_diploid"),
}


def store_path(request, key):
    where = STORES[key][0]
    if where == "gen":
        return request.getfixturevalue("gen_store")
    path = os.path.join(request.getfixturevalue("shared_fixtures"), where)
    if not os.path.exists(path):
        pytest.skip("fixture %s absent" % path)
    return path


# ---------------------------------------------------------------------------- readers

def read_whole(path):
    return mh.read_file(path)


def read_4k(path):
    out = bytearray()
    fd = os.open(path, os.O_RDONLY)
    try:
        while True:
            b = os.read(fd, 4096)
            if not b:
                break
            out += b
    finally:
        os.close(fd)
    return bytes(out)


def read_random(path, size, seed, n=64):
    """n random preads (some spanning EOF) assembled into {offset: bytes}."""
    rng = random.Random(seed)
    got = []
    fd = os.open(path, os.O_RDONLY)
    try:
        for _ in range(n):
            off = rng.randrange(0, size)
            ln = rng.choice([1, 7, 512, 4096, 5000, 65536, 300000])
            got.append((off, ln, os.pread(fd, ln, off)))
    finally:
        os.close(fd)
    return got


def read_backwards(path, size, step=70000):
    fd = os.open(path, os.O_RDONLY)
    parts = []
    try:
        off = (size - 1) // step * step
        while off >= 0:
            parts.append(os.pread(fd, step, off))
            off -= step
    finally:
        os.close(fd)
    return b"".join(reversed(parts))


def read_mmap(path):
    with open(path, "rb") as f:
        with mmap.mmap(f.fileno(), 0, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ) as mm:
            return bytes(mm[:])


def check_random(got, want):
    for off, ln, b in got:
        assert b == want[off:off + ln], "pread(%d, %d) differs" % (off, ln)


def check_file_all_patterns(path, want):
    size = len(want)
    assert os.stat(path).st_size == size
    mh.drop_cache(path)
    assert read_whole(path) == want, "whole-file read differs"
    mh.drop_cache(path)
    assert read_4k(path) == want, "4 KiB reads differ"
    mh.drop_cache(path)
    check_random(read_random(path, size, seed=size), want)
    mh.drop_cache(path)
    assert read_backwards(path, size) == want, "backwards preads differ"
    mh.drop_cache(path)
    assert read_mmap(path) == want, "mmap differs"


def check_file_concurrent(path, want, n=8):
    """n threads at once, each with its own fd and its own pattern."""
    size = len(want)
    mh.drop_cache(path)
    results = [None] * n
    errors = []
    barrier = threading.Barrier(n)

    def worker(i):
        try:
            barrier.wait(10)
            kind = i % 4
            if kind == 0:
                results[i] = ("whole", read_4k(path) if i >= 4 else read_whole(path))
            elif kind == 1:
                results[i] = ("random", read_random(path, size, seed=1000 + i))
            elif kind == 2:
                results[i] = ("whole", read_backwards(path, size))
            else:
                results[i] = ("whole", read_mmap(path))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    for kind, r in results:
        if kind == "whole":
            assert r == want
        else:
            check_random(r, want)


# ---------------------------------------------------------------------------- 1. contents

@pytest.mark.parametrize("command", ["mount-plink", "mount-bgen"])
@pytest.mark.parametrize("key", ["gen", "sample", "msprime"])
def test_mount_contents_equal_view(request, biofuse_bin, work_dir, key, command):
    store = store_path(request, key)
    args, base = STORES[key][1], STORES[key][2]
    ref = mh.reference_files(biofuse_bin, command, store, work_dir / "ref", args)
    with mh.mounted(biofuse_bin, command, store, work_dir / "mnt", args,
                    mh.expected_files(command, base)) as m:
        assert sorted(os.listdir(m.dir)) == sorted(mh.expected_files(command, base))
        for suffix, refpath in ref.items():
            want = mh.read_file(refpath)
            path = m.path(base + "." + suffix)
            check_file_all_patterns(path, want)
            check_file_concurrent(path, want, 8)
        # 8 concurrent reader processes over every file
        mh.drop_cache(m.path(base + "." + list(ref)[0]))
        procs = []
        for i in range(8):
            suffix = list(ref)[i % len(ref)] if i % 2 else list(ref)[0]
            procs.append(subprocess.Popen(["cmp", m.path(base + "." + suffix), ref[suffix]]))
        assert [p.wait(120) for p in procs] == [0] * 8
        assert m.proc.poll() is None, m.stderr()
        assert m.stop() == 0


# ---------------------------------------------------------------------------- 2. plink tools

def run_in(outdir, cmd):
    os.makedirs(outdir, exist_ok=True)
    return subprocess.run(cmd, cwd=outdir, capture_output=True, text=True, timeout=300)


def compare_outputs(dir_a, dir_b, must_have):
    names_a = sorted(n for n in os.listdir(dir_a) if not n.endswith(".log"))
    names_b = sorted(n for n in os.listdir(dir_b) if not n.endswith(".log"))
    assert names_a == names_b
    for ext in must_have:
        assert any(n.endswith(ext) for n in names_a), (ext, names_a)
    for n in names_a:
        assert filecmp.cmp(os.path.join(dir_a, n), os.path.join(dir_b, n), shallow=False), n


PLINK_RUNS = [
    ("plink1.9", "mount-plink", ["--freq"], [".frq"]),
    ("plink1.9", "mount-plink", ["--missing"], [".imiss", ".lmiss"]),
    ("plink1.9", "mount-plink", ["--hardy"], [".hwe"]),
    ("plink2", "mount-plink", ["--freq"], [".afreq"]),
    ("plink2", "mount-bgen", ["--freq"], [".afreq"]),
]


@pytest.fixture(scope="module")
def tool_mounts(request, biofuse_bin, gen_store, tmp_path_factory):
    """One PLINK and one BGEN mount of the generated store, with their view-* references."""
    root = tmp_path_factory.mktemp("tools")
    out = {}
    mounts = []
    try:
        for command in ("mount-plink", "mount-bgen"):
            ref = mh.reference_files(biofuse_bin, command, gen_store, root / ("ref_" + command))
            m = mh.start_mount(biofuse_bin, command, gen_store, root / ("mnt_" + command), [],
                               mh.expected_files(command, "gen"))
            mounts.append(m)
            out[command] = (m, ref)
        yield root, out
    finally:
        for m in mounts:
            m.cleanup()


@pytest.mark.parametrize("tool,command,args,exts", PLINK_RUNS,
                         ids=["%s-%s-%s" % (r[0], r[1], r[2][0].strip("-")) for r in PLINK_RUNS])
def test_plink_tools_same_output(tool_mounts, tool, command, args, exts):
    if shutil.which(tool) is None:
        pytest.skip("%s not installed" % tool)
    root, mounts = tool_mounts
    m, ref = mounts[command]
    tag = "%s_%s_%s" % (tool, command, args[0].strip("-"))

    def cmd(bgen, sample=None, bfile=None):
        c = [tool]
        if command == "mount-plink":
            c += ["--bfile", bfile]
        else:
            c += ["--bgen", bgen, "ref-first", "--sample", sample]
        return c + args + ["--out", "out", "--threads", "1"]

    stem = os.path.join(m.dir, "gen")
    ref_stem = ref[list(ref)[0]].rsplit(".", 1)[0]
    if command == "mount-bgen":
        ref_stem = ref["bgen"][:-len(".bgen")]
        a = run_in(root / tag / "mnt", cmd(stem + ".bgen", stem + ".sample"))
        b = run_in(root / tag / "ref", cmd(ref_stem + ".bgen", ref_stem + ".sample"))
    else:
        a = run_in(root / tag / "mnt", cmd(None, bfile=stem))
        b = run_in(root / tag / "ref", cmd(None, bfile=ref_stem))
    assert b.returncode == 0, b.stdout + b.stderr
    assert a.returncode == 0, a.stdout + a.stderr
    compare_outputs(root / tag / "mnt", root / tag / "ref", exts)
    assert m.proc.poll() is None


# ---------------------------------------------------------------------------- 5. access log

FIELDS = ["path", "fh", "offset", "size", "t_start", "t_end", "kind"]


def test_access_log(biofuse_bin, gen_store, work_dir):
    log = work_dir / "access.jsonl"
    log.write_text("")  # appended to, not truncated
    t_before = time.monotonic()
    with mh.mounted(biofuse_bin, "mount-plink", gen_store, work_dir / "mnt",
                    ["--access-log", str(log)], mh.expected_files("mount-plink", "gen")) as m:
        want = {s: mh.read_file(p) for s, p in
                mh.reference_files(biofuse_bin, "mount-plink", gen_store, work_dir / "ref").items()}
        with open(m.path("gen.bed"), "rb", buffering=0) as f:
            assert f.read(4096) == want["bed"][:4096]
            f.seek(20000)
            assert f.read(4096) == want["bed"][20000:24096]
        assert mh.read_file(m.path("gen.bim")) == want["bim"]
        # releases are asynchronous: wait until both are logged
        assert mh.wait_until(lambda: log.read_text().count('"release"') >= 2, 10)
        t_after = time.monotonic()
        assert m.stop() == 0
    lines = log.read_text().splitlines()
    recs = [json.loads(line, object_pairs_hook=lambda kv: kv) for line in lines]
    for r in recs:
        assert [k for k, _ in r] == FIELDS
    recs = [dict(r) for r in recs]
    for r in recs:
        assert t_before <= r["t_start"] <= r["t_end"] <= t_after, r
        assert isinstance(r["fh"], int) and isinstance(r["offset"], int)
    by_fh = {}
    for r in recs:
        by_fh.setdefault(r["fh"], []).append(r)
    bed = [v for v in by_fh.values() if v[0]["path"] == "gen.bed"]
    bim = [v for v in by_fh.values() if v[0]["path"] == "gen.bim"]
    assert len(bed) == 1 and len(bim) == 1, by_fh
    bed, bim = bed[0], bim[0]
    kinds = [r["kind"] for r in bed]
    assert kinds[:2] == ["limiter_wait", "open"] and kinds[-2:] == ["aclose", "release"], kinds
    assert set(kinds[2:-2]) == {"read"} and len(kinds) > 4, kinds
    kinds = [r["kind"] for r in bim]
    assert kinds[0] == "open" and kinds[-1] == "release" and set(kinds[1:-1]) == {"read"}, kinds
    for r in bed + bim:
        assert r["path"] in ("gen.bed", "gen.bim")
        if r["kind"] != "read":
            assert r["offset"] == 0 and r["size"] == 0
    # the reads returned the bytes asked for: each record matches the reference length
    for r in bed:
        if r["kind"] == "read":
            assert r["size"] == min(r["size"], len(want["bed"]) - r["offset"]) and r["size"] > 0
    covered = set()
    for r in bed:
        if r["kind"] == "read":
            covered.update(range(r["offset"], r["offset"] + r["size"], 4096))
    assert 0 in covered and 20480 in covered
    assert sum(r["size"] for r in bim if r["kind"] == "read") == len(want["bim"])


def test_server_argv_holds_no_user_arguments(biofuse_bin, gen_store, work_dir):
    """The encoder server gets its configuration over its socket: its argv names only its
    descriptors and the mount, never the store or any option (a storage option's credential
    would otherwise show in `ps`), and the configuration still arrives whole: the basename,
    the sidecar choice and the BGEN layout options all show in what the mount serves."""
    mnt = work_dir / "mnt-argv"
    shape = ["-M", "2", "--variant-id-field", "varid", "--total-string-length", "80"]
    args = ["--basename", "viaconfig", "--no-bgi", "--log-level", "info"] + shape
    with mh.mounted(biofuse_bin, "mount-bgen", gen_store, mnt, args,
                    ["viaconfig.bgen", "viaconfig.sample"]) as m:
        argv = mh.proc_cmdline(m.server_pid())
        assert argv[1:3] == ["__server", "--ipc-fd"] and argv[4] == "--shm-fd", argv
        assert argv[6:] == ["--mount-dir", os.path.abspath(str(mnt))], argv
        assert not any("viaconfig" in a or str(gen_store) in a for a in argv), argv
        assert "viaconfig" in mh.proc_cmdline(m.pid)  # the front's own argv has it
        assert sorted(os.listdir(mnt)) == ["viaconfig.bgen", "viaconfig.sample"]
        ref = mh.reference_files(biofuse_bin, "mount-bgen", gen_store, work_dir / "ref-argv",
                                 shape)
        plain = mh.reference_files(biofuse_bin, "mount-bgen", gen_store, work_dir / "ref-plain")
        got = mh.read_file(m.path("viaconfig.bgen"))
        assert got == mh.read_file(ref["bgen"]) and got != mh.read_file(plain["bgen"])
        assert m.stop() == 0


# ---------------------------------------------------------------------------- 6. start-up

def run_mount(biofuse_bin, args, env=None, timeout=60):
    return subprocess.run([biofuse_bin] + args, capture_output=True, text=True,
                          timeout=timeout, env=env, stdin=subprocess.DEVNULL)


def test_missing_mount_dir(biofuse_bin, gen_store, work_dir):
    d = str(work_dir / "nope")
    r = run_mount(biofuse_bin, ["mount-plink", gen_store, d])
    assert r.returncode == 1
    assert "Error: mount directory does not exist: %s" % d in r.stderr
    assert not os.path.exists(d)


def test_mount_dir_is_a_file(biofuse_bin, gen_store, work_dir):
    f = work_dir / "file"
    f.write_text("x")
    r = run_mount(biofuse_bin, ["mount-plink", gen_store, str(f)])
    assert r.returncode == 2, r.stderr
    assert "Error" in r.stderr and "Traceback" not in r.stderr
    assert not mh.is_mounted(f)


@pytest.mark.parametrize("command", ["mount-plink", "mount-bgen"])
def test_bad_store(biofuse_bin, work_dir, command):
    mnt = work_dir / "mnt"
    mnt.mkdir()
    env = dict(os.environ, TMPDIR=str(work_dir / "tmp"))
    os.mkdir(env["TMPDIR"])
    for store in [work_dir / "absent.vcz", work_dir / "empty.vcz"]:
        if store.name == "empty.vcz":
            store.mkdir()
        r = run_mount(biofuse_bin, [command, str(store), str(mnt)], env=env)
        assert r.returncode == 1, r.stderr
        assert r.stderr.startswith("Error:") or "\nError:" in r.stderr, r.stderr
        assert not mh.is_mounted(mnt)
        assert mh.mount_pids(mnt) == []
    assert os.listdir(env["TMPDIR"]) == []


@pytest.mark.parametrize("command", ["mount-plink", "mount-bgen"])
def test_multiallelic_needs_max_alleles(biofuse_bin, multi_store, work_dir, command):
    mnt = work_dir / "mnt"
    mnt.mkdir()
    env = dict(os.environ, TMPDIR=str(work_dir / "tmp"))
    os.mkdir(env["TMPDIR"])
    r = run_mount(biofuse_bin, [command, multi_store, str(mnt)], env=env)
    assert r.returncode == 1
    assert "Error:" in r.stderr and "Multi-allelic" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert not mh.is_mounted(mnt) and mh.mount_pids(mnt) == []
    assert os.listdir(env["TMPDIR"]) == []
    # the workaround mounts, with only the biallelic sites
    ref = mh.reference_files(biofuse_bin, command, multi_store, work_dir / "ref", ["-M", "2"])
    with mh.mounted(biofuse_bin, command, multi_store, mnt, ["-M", "2"],
                    mh.expected_files(command, "multi"), env=env) as m:
        for suffix, p in ref.items():
            assert mh.read_file(m.path("multi." + suffix)) == mh.read_file(p)
    if command == "mount-plink":
        n_bi = len(mh.read_file(ref["bim"]).splitlines())
        assert 0 < n_bi < 200
        assert os.path.getsize(ref["bed"]) == 3 + n_bi * 3  # 12 samples -> 3 bytes


SUBREAPER = r"""
import ctypes, os, subprocess, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER
rc = subprocess.call(sys.argv[1:])
print("rc", rc, flush=True)
while True:
    try:
        pid, st = os.wait()
    except ChildProcessError:
        break
    print("exit", pid, os.waitstatus_to_exitcode(st), flush=True)
"""


def test_background_then_fusermount(biofuse_bin, gen_store, work_dir):
    """--background returns 0 once the files are visible; fusermount3 -u ends the mount:
    the front exits 0, the server is gone and the runtime directory is removed."""
    mnt = work_dir / "mnt"
    mnt.mkdir()
    tmp = work_dir / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp))
    # a subreaper parent adopts the detached front so its exit status can be seen
    helper = subprocess.Popen([sys.executable, "-c", SUBREAPER, biofuse_bin, "mount-plink",
                               gen_store, str(mnt), "--background"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    front = []
    try:
        line = helper.stdout.readline()
        assert line.strip() == "rc 0", (line, helper.stderr.read() if helper.poll() else "")
        # visible right away, without polling
        assert sorted(os.listdir(mnt)) == mh.expected_files("mount-plink", "gen")
        front = [p for p in mh.mount_pids(mnt) if "__server" not in mh.proc_cmdline(p)]
        assert len(front) == 1
        servers = mh.server_pids_of(front[0])
        assert len(servers) == 1
        assert len(os.listdir(tmp)) == 1 and os.listdir(tmp)[0].startswith("biofuse-")
        ref = mh.reference_files(biofuse_bin, "mount-plink", gen_store, work_dir / "ref")
        assert mh.read_file(mnt / "gen.bed") == mh.read_file(ref["bed"])
        time.sleep(0.3)
        assert mh.alive(front[0])  # lives on
        r = subprocess.run(["fusermount3", "-u", str(mnt)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        exits = []
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            line = helper.stdout.readline()
            if not line:
                break
            exits.append(line.split())
            if ["exit", str(front[0]), "0"] in exits:
                break
        assert ["exit", str(front[0]), "0"] in exits, exits
        assert not mh.alive(servers[0])
        assert not mh.is_mounted(mnt)
        assert mh.wait_until(lambda: mh.mount_pids(mnt) == [], 5)
        assert os.listdir(tmp) == []
    finally:
        mh.force_cleanup(mnt, front)
        helper.kill()
        helper.wait()
