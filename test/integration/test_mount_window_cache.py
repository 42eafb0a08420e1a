"""Small reads of bytes already fetched are answered by the front itself (issue 18).

A read of at most 32 KiB makes the front fetch the 1 MiB reply-slot window around it from
the encoder server (as much of it as lies in the pieces the read needs: here one variant
chunk of 3,000 variants, a few MB of .bgen, so the whole window) and keep it in shared
memory; later small reads inside that window never reach the server.  Proven the way a user would notice: with the server
stopped (SIGSTOP), O_DIRECT 4 KiB reads in the fetched window still return at once, with
view-bgen's bytes, while a read elsewhere waits until the server runs again.

Needs FUSE (fusermount3, /dev/fuse); skipped otherwise.
"""

import mmap
import os
import shutil
import signal
import sys
import threading

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mount_helpers as mh  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("fusermount3") is None or
                                not os.path.exists("/dev/fuse"),
                                reason="FUSE (fusermount3, /dev/fuse) not available")

WINDOW = 1 << 20


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return mh.bench_store(tmp_path_factory.getbasetemp() / "window_stores", "window",
                          1000, 3000, 3000, 1000, seed=7)


def direct_reads(path, offsets, out):
    buf = mmap.mmap(-1, 4096)
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    try:
        for off in offsets:
            n = os.preadv(fd, [buf], off)
            out.append((off, bytes(buf[:n])))
    finally:
        os.close(fd)
        buf.close()


def test_small_reads_in_a_fetched_window_skip_the_server(biofuse_bin, store, work_dir):
    ref = mh.reference_files(biofuse_bin, "mount-bgen", store, work_dir / "ref")
    with open(ref["bgen"], "rb") as f:
        want = f.read()
    assert len(want) > 3 * WINDOW
    mnt = work_dir / "mnt"
    with mh.mounted(biofuse_bin, "mount-bgen", store, mnt, ["--basename", "w"],
                    files=["w.bgen"]) as m:
        path = m.path("w.bgen")
        first = []
        direct_reads(path, [WINDOW + 8192], first)  # fetches window 1
        assert first == [(WINDOW + 8192, want[WINDOW + 8192:WINDOW + 8192 + 4096])]
        inside = [WINDOW, WINDOW + 4096 * 37, 2 * WINDOW - 4096]
        outside = [2 * WINDOW + 4096 * 5]
        srv = m.server_pid()
        got_in, got_out = [], []
        os.kill(srv, signal.SIGSTOP)
        try:
            t_in = threading.Thread(target=direct_reads, args=(path, inside, got_in))
            t_in.start()
            t_in.join(5)
            served_while_stopped = not t_in.is_alive()
            t_out = threading.Thread(target=direct_reads, args=(path, outside, got_out))
            t_out.start()
            t_out.join(0.5)
            waited_for_server = t_out.is_alive()
        finally:
            os.kill(srv, signal.SIGCONT)
        t_in.join(30)
        t_out.join(30)
        assert served_while_stopped, "reads inside a fetched window waited for the server"
        assert waited_for_server, "a read outside every fetched window did not need the server"
    assert got_in == [(o, want[o:o + 4096]) for o in inside]
    assert got_out == [(o, want[o:o + 4096]) for o in outside]
