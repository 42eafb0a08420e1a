"""POSIX behaviour of a PLINK mount (reference-biofuse.md §2, §5.3 "posix"); the oracle is
`biofuse view-plink` output on the host disk."""

import errno
import mmap
import os
import random
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mount_helpers as mh  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("fusermount3") is None or
                                not os.path.exists("/dev/fuse"),
                                reason="FUSE (fusermount3, /dev/fuse) not available")

NAMES = ["gen.bed", "gen.bim", "gen.fam"]
ROFS = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSYS}
NOXATTR = {errno.ENOTSUP, errno.ENODATA, errno.EOPNOTSUPP}


@pytest.fixture(scope="module")
def env(biofuse_bin, tmp_path_factory):
    root = tmp_path_factory.getbasetemp() / "mount_stores"
    store = mh.generated_store(root, "gen", 50, 3000, 100, 20, seed=7,
                               extra_vcf_args=["--multiallelic-rate", "0"])
    work = tmp_path_factory.mktemp("posix")
    ref = mh.reference_files(biofuse_bin, "mount-plink", store, work / "ref")
    oracle = {"gen." + s: mh.read_file(p) for s, p in ref.items()}
    m = mh.start_mount(biofuse_bin, "mount-plink", store, work / "mnt", [], NAMES)
    try:
        yield m, oracle
    finally:
        m.cleanup()


def expect_errno(allowed, fn, *args):
    with pytest.raises(OSError) as ei:
        r = fn(*args)
        if isinstance(r, int) and fn is os.open:
            os.close(r)
    assert ei.value.errno in allowed, (fn, args, ei.value)


def test_open_flags(env):
    m, _ = env
    bed = m.path("gen.bed")
    fd = os.open(bed, os.O_RDONLY)
    os.close(fd)
    fd = os.open(bed, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        import fcntl
        assert fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY
    finally:
        os.close(fd)
    for name in NAMES:
        for flags in (os.O_WRONLY, os.O_RDWR, os.O_RDONLY | os.O_APPEND,
                      os.O_RDONLY | os.O_TRUNC):
            expect_errno({errno.EROFS, errno.EACCES}, os.open, m.path(name), flags)
    expect_errno(ROFS, os.open, m.path("new.txt"), os.O_WRONLY | os.O_CREAT, 0o644)
    expect_errno(ROFS, os.open, m.path("new2.txt"), os.O_RDONLY | os.O_CREAT, 0o644)
    expect_errno({errno.ENOTDIR}, os.open, bed, os.O_RDONLY | os.O_DIRECTORY)
    os.close(os.open(m.dir, os.O_RDONLY | os.O_DIRECTORY))
    expect_errno({errno.ENOENT}, os.open, m.path("missing.bed"), os.O_RDONLY)
    expect_errno({errno.ENOTDIR}, os.open, bed + "/", os.O_RDONLY)
    expect_errno({errno.ENOTDIR}, os.stat, bed + "/")
    assert os.stat(m.dir + "/.//gen.bim").st_ino == os.stat(m.path("gen.bim")).st_ino


def test_reads_posix(env):
    m, oracle = env
    for name in NAMES:
        want = oracle[name]
        size = len(want)
        mh.drop_cache(m.path(name))
        fd = os.open(m.path(name), os.O_RDONLY)
        try:
            assert os.pread(fd, 100, size) == b""
            assert os.pread(fd, 100, size + 12345) == b""
            assert os.pread(fd, 1, size - 1) == want[-1:]
            assert os.pread(fd, 1000, size - 10) == want[-10:]
            assert os.pread(fd, 0, 0) == b""
            a, b = bytearray(100), bytearray(300)
            assert os.preadv(fd, [a, b], 50) == 400
            assert bytes(a) + bytes(b) == want[50:450]
            assert os.lseek(fd, 7, os.SEEK_SET) == 7
            c, d = bytearray(5), bytearray(9)
            assert os.readv(fd, [c, d]) == 14
            assert bytes(c) + bytes(d) == want[7:21]
            assert os.lseek(fd, 0, os.SEEK_CUR) == 21
            assert os.lseek(fd, 10, os.SEEK_CUR) == 31
            assert os.read(fd, 4) == want[31:35]
            assert os.lseek(fd, -5, os.SEEK_END) == size - 5
            assert os.read(fd, 100) == want[-5:]
            assert os.read(fd, 100) == b""
            with pytest.raises(OSError) as ei:
                os.lseek(fd, -1, os.SEEK_SET)
            assert ei.value.errno == errno.EINVAL
            assert os.lseek(fd, size + 100, os.SEEK_SET) == size + 100
            assert os.read(fd, 10) == b""
            rng = random.Random(len(name))
            for _ in range(64):
                off = rng.randrange(size)
                ln = rng.randrange(1, 8193)
                assert os.pread(fd, ln, off) == want[off:off + ln]
        finally:
            os.close(fd)
        # 4 KiB loop on a fresh fd
        mh.drop_cache(m.path(name))
        with open(m.path(name), "rb", buffering=0) as f:
            got = bytearray()
            while True:
                blk = f.read(4096)
                if not blk:
                    break
                got += blk
        assert bytes(got) == want


def test_independent_offsets(env):
    m, oracle = env
    fd1 = os.open(m.path("gen.bim"), os.O_RDONLY)
    fd2 = os.open(m.path("gen.bim"), os.O_RDONLY)
    try:
        assert os.read(fd1, 10) == oracle["gen.bim"][:10]
        assert os.read(fd1, 10) == oracle["gen.bim"][10:20]
        assert os.read(fd2, 10) == oracle["gen.bim"][:10]
    finally:
        os.close(fd1)
        os.close(fd2)


def test_stat_and_inodes(env):
    m, oracle = env
    root = os.stat(m.dir)
    assert root.st_ino == 1
    assert oct(root.st_mode & 0o7777) == oct(0o555)
    import stat as st
    assert st.S_ISDIR(root.st_mode)
    for i, name in enumerate(sorted(NAMES)):
        p = m.path(name)
        s, ls = os.stat(p), os.lstat(p)
        fd = os.open(p, os.O_RDONLY)
        try:
            fs = os.fstat(fd)
        finally:
            os.close(fd)
        for a in (ls, fs):
            assert (a.st_size, a.st_mode, a.st_ino, a.st_dev) == \
                   (s.st_size, s.st_mode, s.st_ino, s.st_dev)
        assert st.S_ISREG(s.st_mode) and (s.st_mode & 0o7777) == 0o444
        assert s.st_mode & 0o222 == 0
        assert s.st_size == len(oracle[name])
        assert s.st_ino == 2 + i
        assert s.st_dev == root.st_dev
        dfd = os.open(m.dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            assert os.stat(name, dir_fd=dfd).st_ino == s.st_ino
            fd = os.open(name, os.O_RDONLY, dir_fd=dfd)
            os.close(fd)
        finally:
            os.close(dfd)


def test_statvfs_access_listdir(env):
    m, oracle = env
    sv = os.statvfs(m.dir)
    assert sv.f_flag & os.ST_RDONLY
    assert sv.f_namemax > 0
    total = sum(len(v) for v in oracle.values())
    assert sv.f_bsize == 4096 or sv.f_frsize == 4096
    assert sv.f_blocks == (total + 4095) // 4096
    for name in NAMES:
        p = m.path(name)
        assert os.access(p, os.F_OK) and os.access(p, os.R_OK)
        assert not os.access(p, os.W_OK)
    assert not os.access(m.path("missing"), os.F_OK)
    assert os.listdir(m.dir) == sorted(NAMES)
    entries = list(os.scandir(m.dir))
    assert sorted(e.name for e in entries) == sorted(NAMES)
    assert all(e.is_file() and not e.is_dir() for e in entries)
    cwd = os.getcwd()
    os.chdir(m.dir)
    try:
        with open("gen.fam", "rb") as f:
            assert f.read() == oracle["gen.fam"]
    finally:
        os.chdir(cwd)


MMAP_CHILD = r"""
import mmap, sys
with open(sys.argv[1], 'rb') as f:
    with mmap.mmap(f.fileno(), 0, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ) as mm:
        sys.stdout.buffer.write(mm[:])
"""


def test_mmap(env):
    m, oracle = env
    for name in NAMES:
        mh.drop_cache(m.path(name))
        r = subprocess.run([sys.executable, "-c", MMAP_CHILD, m.path(name)],
                           capture_output=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert r.stdout == oracle[name]
    with open(m.path("gen.bed"), "rb") as f:
        with pytest.raises((OSError, PermissionError)):
            mmap.mmap(f.fileno(), 0, flags=mmap.MAP_SHARED,
                      prot=mmap.PROT_READ | mmap.PROT_WRITE)


def test_mutations_refused(env, tmp_path):
    m, oracle = env
    bed = m.path("gen.bed")
    expect_errno(ROFS, lambda: open(bed, "wb").write(b"x"))
    expect_errno(ROFS, os.unlink, bed)
    expect_errno(ROFS, os.rename, bed, m.path("x.bed"))
    expect_errno(ROFS, os.mkdir, m.path("d"))
    expect_errno(ROFS | {errno.EBUSY}, os.rmdir, m.dir)
    expect_errno(ROFS, os.symlink, "gen.bed", m.path("l"))
    expect_errno(ROFS | {errno.EXDEV}, os.link, bed, m.path("h"))
    expect_errno(ROFS, os.chmod, bed, 0o644)
    expect_errno(ROFS, os.utime, bed, (1, 1))
    expect_errno(ROFS, os.truncate, bed, 0)
    expect_errno(NOXATTR, os.getxattr, bed, "user.x")
    expect_errno(NOXATTR | ROFS, os.setxattr, bed, "user.x", b"1")
    assert os.path.getsize(bed) == len(oracle["gen.bed"])
    assert os.listdir(m.dir) == sorted(NAMES)


def count_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def test_open_read_close_no_fd_leak(env):
    m, oracle = env
    for name in ("gen.bed", "gen.bim"):
        # warm up, then count the front's and the server's descriptors
        for _ in range(5):
            fd = os.open(m.path(name), os.O_RDONLY)
            os.read(fd, 16)
            os.close(fd)
        srv = m.server_pid()
        before = (count_fds(m.pid), count_fds(srv))
        for i in range(1000):
            fd = os.open(m.path(name), os.O_RDONLY)
            try:
                assert os.read(fd, 16) == oracle[name][:16]
            finally:
                os.close(fd)
        # releases are asynchronous; give them a moment
        assert mh.wait_until(lambda: (count_fds(m.pid), count_fds(srv)) == before, 5), \
            (before, count_fds(m.pid), count_fds(srv))
    assert m.proc.poll() is None
