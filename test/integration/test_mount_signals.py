"""A mount ends cleanly on SIGINT, SIGTERM and SIGHUP whatever it inherited.

A script's background job (`biofuse mount-plink S D &` from sh) starts with SIGINT and
SIGQUIT ignored; libfuse leaves an ignored signal alone, so such a mount used to stay up
after `kill -INT`.  Each case starts the mount with SIGINT, SIGTERM and SIGHUP ignored
*and* blocked, in the foreground and with --background, sends one signal to the front
and requires: exit status 0 (foreground), nothing mounted, no process of the mount
left, the runtime directory removed.  Ctrl-C (SIGINT to the whole process group) must
end the mount without the encoder server dying first and being restarted.
"""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mount_helpers as mh  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("fusermount3") is None or
                                not os.path.exists("/dev/fuse"),
                                reason="FUSE (fusermount3, /dev/fuse) not available")

END_SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    root = tmp_path_factory.getbasetemp() / "mount_stores"
    return mh.generated_store(root, "small", 10, 100, 10, 7, seed=5,
                              extra_vcf_args=["--multiallelic-rate", "0"])


def hostile_start():
    """In the child before exec: the end signals ignored and blocked."""
    for s in END_SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, END_SIGNALS)


def front_pid_of(mnt):
    """The front of a --background mount: the mount process that is not a server."""
    pids = [p for p in mh.mount_pids(mnt) if "__server" not in mh.proc_cmdline(p)]
    return pids[0] if len(pids) == 1 else None


def sig_state(pid):
    """(SigIgn, SigBlk) of a process as ints."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("SigIgn", "SigBlk"):
                out[k] = int(v.strip(), 16)
    return out.get("SigIgn", 0), out.get("SigBlk", 0)


def check_gone(mnt, tmp, pids):
    assert mh.wait_until(lambda: not mh.is_mounted(mnt), 15), "still mounted"
    assert mh.wait_until(lambda: not any(mh.alive(p) for p in pids), 15), \
        [p for p in pids if mh.alive(p)]
    assert mh.mount_pids(mnt) == []
    assert mh.wait_until(lambda: os.listdir(tmp) == [], 5), os.listdir(tmp)


@pytest.mark.parametrize("sig", END_SIGNALS, ids=[s.name for s in END_SIGNALS])
def test_foreground_ends_on_signal(biofuse_bin, small_store, work_dir, sig):
    mnt, tmp = work_dir / "mnt", work_dir / "tmp"
    mnt.mkdir()
    tmp.mkdir()
    errf = open(work_dir / "stderr", "wb")
    proc = subprocess.Popen([biofuse_bin, "mount-plink", small_store, str(mnt)],
                            stdin=subprocess.DEVNULL, stdout=errf, stderr=errf,
                            preexec_fn=hostile_start, start_new_session=True,
                            env=dict(os.environ, TMPDIR=str(tmp)))
    errf.close()
    try:
        assert mh.wait_until(lambda: os.path.exists(mnt / "small.bed"), 30), \
            open(work_dir / "stderr").read()
        ign, _blk = sig_state(proc.pid)
        assert not ign & (1 << (sig - 1)), "the front still ignores %s" % sig.name
        srv = mh.server_pids_of(proc.pid)
        assert len(srv) == 1
        assert mh.read_file(str(mnt / "small.bed"))[:3] == b"\x6c\x1b\x01"
        proc.send_signal(sig)
        assert proc.wait(15) == 0, open(work_dir / "stderr").read()
        check_gone(mnt, tmp, [proc.pid] + srv)
        assert "unmounting" in open(work_dir / "stderr").read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        mh.force_cleanup(mnt)


@pytest.mark.parametrize("sig", END_SIGNALS, ids=[s.name for s in END_SIGNALS])
def test_background_ends_on_signal(biofuse_bin, small_store, work_dir, sig):
    mnt, tmp = work_dir / "mnt", work_dir / "tmp"
    mnt.mkdir()
    tmp.mkdir()
    front = None
    try:
        # output to a file: the detached processes keep the caller's stderr
        with open(work_dir / "stderr", "wb") as errf:
            r = subprocess.run([biofuse_bin, "mount-plink", small_store, str(mnt),
                                "--background"], stdin=subprocess.DEVNULL, stdout=errf,
                               stderr=errf, timeout=60, preexec_fn=hostile_start,
                               env=dict(os.environ, TMPDIR=str(tmp)))
        assert r.returncode == 0, open(work_dir / "stderr").read()
        assert mh.is_mounted(mnt)
        front = mh.wait_until(lambda: front_pid_of(mnt), 10)
        assert front, mh.mount_pids(mnt)
        srv = mh.server_pids_of(front)
        assert mh.read_file(str(mnt / "small.fam"))
        os.kill(front, sig)
        check_gone(mnt, tmp, [front] + srv)
    finally:
        mh.force_cleanup(mnt, [front] if front else [])


def test_ctrl_c_to_process_group(biofuse_bin, small_store, work_dir):
    """SIGINT to the whole group (Ctrl-C at a terminal): the front ends the mount; the
    server does not die first (which would be counted as a crash and restarted)."""
    mnt, tmp = work_dir / "mnt", work_dir / "tmp"
    mnt.mkdir()
    tmp.mkdir()
    errf = open(work_dir / "stderr", "wb")
    proc = subprocess.Popen([biofuse_bin, "mount-plink", small_store, str(mnt)],
                            stdin=subprocess.DEVNULL, stdout=errf, stderr=errf,
                            start_new_session=True, env=dict(os.environ, TMPDIR=str(tmp)))
    errf.close()
    try:
        assert mh.wait_until(lambda: os.path.exists(mnt / "small.bed"), 30)
        srv = mh.server_pids_of(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(15) == 0
        check_gone(mnt, tmp, [proc.pid] + srv)
        err = open(work_dir / "stderr").read()
        assert "restarted" not in err and "Error" not in err, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        mh.force_cleanup(mnt)
        time.sleep(0)
