"""Mounts of remote stores: both mounts over HTTP (nginx) and S3 (s3rver) give
the bytes of the local store's view-*; plink2 on an S3 mount equals plink2 on
the local files; 4 KiB random preads equal the local file; a chunk the server
keeps failing or stalls on gets EIO at the deadline while other files answer,
and the mount recovers; secrets reach neither the server's command line nor
the logs nor the access log."""

import os
import random
import shutil
import time

import pytest

import remote_servers as rs
from helpers_view import make_store, need_tool, plink2, read
from mount_helpers import expected_files, mounted, proc_cmdline, reference_files

GEN = dict(samples=150, variants=1500, seed=5, missing_rate=0.02, phased=True)
CONV = dict(variants_chunk=200, samples_chunk=64)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    if rs.nginx_path() is None:
        pytest.skip("nginx not installed")
    root = tmp_path_factory.mktemp("mnt_www")
    make_store(root, "m", gen=GEN, conv=CONV)
    make_store(root, "mz", gen=GEN, conv=dict(CONV, zip_output=True))
    ng = rs.Nginx(root, tmp_path_factory.mktemp("mnt_nginx"))
    yield dict(root=str(root), ng=ng)
    ng.stop()


@pytest.fixture(scope="module")
def s3srv(stores, tmp_path_factory):
    if rs.ensure_s3rver() is None:
        pytest.skip("s3rver (npm) not available")
    srv = rs.S3rver(tmp_path_factory.mktemp("mnt_s3"),
                    {"b": [("x/m.vcz", os.path.join(stores["root"], "m.vcz"))]})
    yield srv
    srv.stop()


def s3_env(srv):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=rs.S3_KEY, AWS_SECRET_ACCESS_KEY=rs.S3_SECRET,
               AWS_ENDPOINT_URL=srv.endpoint, AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
               AWS_CONFIG_FILE="/nonexistent")
    return env


def check_mount_equals(biofuse, cmd, local, url, mnt, ref_stem, env=None, args=()):
    ref = reference_files(biofuse, cmd, local, ref_stem)
    with mounted(biofuse, cmd, url, mnt, args=["--basename", "B"] + list(args),
                 files=expected_files(cmd, "B"), env=env) as m:
        for suf, path in ref.items():
            assert read(m.path("B." + suf)) == read(path), suf
        return m.stderr()


@pytest.mark.parametrize("cmd", ["mount-plink", "mount-bgen"])
@pytest.mark.parametrize("kind", ["http-dir", "http-zip"])
def test_mount_over_http_equals_local(biofuse_bin, stores, tmp_path, cmd, kind):
    store = "m.vcz" if kind == "http-dir" else "mz.vcz.zip"
    check_mount_equals(biofuse_bin, cmd, os.path.join(stores["root"], store),
                       stores["ng"].url(store), tmp_path / "mnt", tmp_path / "ref")


@pytest.mark.parametrize("cmd", ["mount-plink", "mount-bgen"])
def test_mount_over_s3_equals_local(biofuse_bin, stores, s3srv, tmp_path, cmd):
    check_mount_equals(biofuse_bin, cmd, os.path.join(stores["root"], "m.vcz"), "s3://b/x/m.vcz",
                       tmp_path / "mnt", tmp_path / "ref", env=s3_env(s3srv))


def test_plink2_freq_and_random_preads_on_s3_mount(biofuse_bin, stores, s3srv, tmp_path):
    need_tool("plink2")
    ref = reference_files(biofuse_bin, "mount-plink", os.path.join(stores["root"], "m.vcz"),
                          tmp_path / "ref")
    plink2("--bfile", str(tmp_path / "ref"), "--freq", out=str(tmp_path / "local"))
    with mounted(biofuse_bin, "mount-plink", "s3://b/x/m.vcz", tmp_path / "mnt",
                 args=["--basename", "B"], files=expected_files("mount-plink", "B"),
                 env=s3_env(s3srv)) as m:
        plink2("--bfile", m.path("B"), "--freq", out=str(tmp_path / "remote"))
        want = read(ref["bed"])
        rng = random.Random(3)
        fd = os.open(m.path("B.bed"), os.O_RDONLY)
        try:
            for _ in range(300):
                off = rng.randrange(0, len(want))
                assert os.pread(fd, 4096, off) == want[off:off + 4096], off
        finally:
            os.close(fd)
    a = read(str(tmp_path / "local.afreq"))
    b = read(str(tmp_path / "remote.afreq"))
    assert a == b and len(a) > 1000


def test_failing_and_stalled_chunks(biofuse_bin, stores, tmp_path):
    """A chunk answered 500 (or stalled) past the deadline: that read gets EIO
    with one log line naming the URL, another file still answers at once,
    and the same read succeeds once the server is well again."""
    srv = rs.FaultServer(stores["root"])
    bpv = (150 + 3) // 4
    cases = [  # (chunk key, rule, a .bed offset inside that chunk)
        ("m.vcz/call_genotype/3.1.0", ("status", 500), 3 + 3 * 200 * bpv + 20),
        ("m.vcz/call_genotype/5.0.0", ("stall", 15), 3 + 5 * 200 * bpv + 200 * bpv // 2),
    ]
    rules = {key: rule for key, rule, _ in cases}
    srv.rules = lambda p, n: rules.get(p)
    ref = reference_files(biofuse_bin, "mount-plink", os.path.join(stores["root"], "m.vcz"),
                          tmp_path / "ref")
    want = read(ref["bed"])
    try:
        with mounted(biofuse_bin, "mount-plink", srv.url("m.vcz"), tmp_path / "mnt",
                     args=["--basename", "B", "--read-timeout", "3"],
                     files=expected_files("mount-plink", "B")) as m:
            for key, rule, off in cases:
                fd = os.open(m.path("B.bed"), os.O_RDONLY)
                t0 = time.monotonic()
                with pytest.raises(OSError) as ei:
                    os.pread(fd, 512, off)
                took = time.monotonic() - t0
                assert ei.value.errno == 5 and took < 6.5, (rule, took)  # deadline 3 s + load
                t1 = time.monotonic()  # another file answers at once
                assert read(m.path("B.fam")) == read(ref["fam"])
                assert time.monotonic() - t1 < 1.5
                del rules[key]
                assert os.pread(fd, 512, off) == want[off:off + 512]
                os.close(fd)
                assert srv.url(key) in m.stderr(), m.stderr()
    finally:
        srv.stop()


def test_secrets_stay_off_argv_and_access_log(biofuse_bin, stores, s3srv, tmp_path):
    env = s3_env(s3srv)
    del env["AWS_SECRET_ACCESS_KEY"]
    secret = rs.S3_SECRET + "-not-printed"
    alog = tmp_path / "access.log"
    with mounted(biofuse_bin, "mount-plink", "s3://b/x/m.vcz", tmp_path / "mnt",
                 args=["--basename", "B", "--storage-option", "secret=" + secret,
                       "--access-log", str(alog), "--log-level", "DEBUG"],
                 files=expected_files("mount-plink", "B"), env=env) as m:
        read(m.path("B.bed"))
        pids = m.server_pids()
        assert pids
        for pid in pids + [m.pid]:
            with open("/proc/%d/environ" % pid, "rb") as f:
                assert secret.encode() not in f.read()
        for pid in pids:
            assert secret not in " ".join(proc_cmdline(pid))
        log = m.stderr()
    assert secret not in log
    assert alog.exists() and "B.bed" in alog.read_text() and secret not in alog.read_text()
    shutil.rmtree(str(tmp_path / "mnt"), ignore_errors=True)
