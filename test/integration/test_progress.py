"""The start-up progress line: a long start-up step (resolving the selection, the
metadata walk behind the .bim) shows "LABEL: N % (i of n)" on a terminal stderr,
erases it when done, and prints nothing when stderr is not a terminal.

A slow store makes the start-up long without a big fixture: the variant_allele
chunks come from an HTTP server that holds each answer back (remote_servers'
FaultServer), and -M 2 makes the resolution read every one of them.
"""

import os
import pty
import re
import select
import subprocess
import time

import pytest

import remote_servers as rs
from mount_helpers import generated_store


def _run_with_pty_stderr(args, timeout=120):
    """Run `args` with stderr on a pseudo-terminal; (returncode, bytes written to it)."""
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=slave)
    finally:
        os.close(slave)
    out = b""
    end = time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            r, _w, _x = select.select([master], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO once the child closed its end
                    chunk = b""
                if not chunk and p.poll() is not None:
                    break
                out += chunk
            elif p.poll() is not None:
                break
        rc = p.wait(timeout=max(1, end - time.monotonic()))
    finally:
        os.close(master)
        if p.poll() is None:
            p.kill()
            p.wait()
    return rc, out


STEP = re.compile(r"\r(resolving the selection|reading variant metadata): \d+ % "
                  r"\(\d+ of \d+\), \d+ s left")


@pytest.fixture
def slow_store(session_work_dir, tmp_path):
    store = generated_store(session_work_dir / "stores", "progress_src2", samples=6,
                            variants=160, variants_chunk=8, samples_chunk=6, seed=5)
    root = tmp_path / "www"
    root.mkdir()
    os.symlink(store, str(root / "p.vcz"))
    srv = rs.FaultServer(str(root))
    # the first fetch of each variant_allele chunk stalls: resolving the selection hints
    # them 8 ahead, so it still takes about a second; later reads are quick
    srv.rules = lambda path, n: ("stall", 0.25) if path.startswith(
        "p.vcz/variant_allele/") and n == 0 else None
    yield srv
    srv.stop()


def test_progress_line_on_a_terminal(biofuse_bin, slow_store, tmp_path):
    rc, out = _run_with_pty_stderr([biofuse_bin, "view-plink", slow_store.url("p.vcz"),
                                    "-M", "2", "-o", str(tmp_path / "x")])
    text = out.decode(errors="replace")
    assert rc == 0, text
    steps = list(STEP.finditer(text))
    assert steps, repr(text)
    # the line is erased at the end of its step: overwritten by spaces
    assert "\r" + " " * 20 in text[steps[-1].end():], repr(text[steps[-1].end():])
    assert os.path.getsize(str(tmp_path / "x.bed")) > 3


def test_no_progress_line_without_a_terminal(biofuse_bin, slow_store, tmp_path):
    r = subprocess.run([biofuse_bin, "view-plink", slow_store.url("p.vcz"), "-M", "2", "-o",
                        str(tmp_path / "y")], capture_output=True)
    assert r.returncode == 0, r.stderr
    assert b"resolving" not in r.stderr and b"reading variant" not in r.stderr
    assert b"\r" not in r.stderr


def test_progress_line_of_a_mount(biofuse_bin, slow_store, tmp_path):
    """A mount resolves its selection in the encoder server, which draws on the
    terminal it inherited before the front says "mounted at"."""
    from mount_helpers import force_cleanup, is_mounted, wait_until
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    master, slave = pty.openpty()
    p = subprocess.Popen([biofuse_bin, "mount-plink", slow_store.url("p.vcz"), str(mnt), "-M",
                          "2"], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                         start_new_session=True)
    os.close(slave)
    out = b""
    try:
        end = time.monotonic() + 60
        while b"mounted at" not in out and time.monotonic() < end and p.poll() is None:
            r, _w, _x = select.select([master], [], [], 0.2)
            if r:
                try:
                    out += os.read(master, 65536)
                except OSError:
                    break
        text = out.decode(errors="replace")
        assert "mounted at" in text, text
        assert is_mounted(str(mnt))
        first = STEP.search(text)
        assert first and first.start() < text.index("mounted at"), repr(text)
        subprocess.run(["fusermount3", "-u", str(mnt)], check=True)
        assert wait_until(lambda: p.poll() is not None, 15), "mount did not exit"
        assert p.returncode == 0
    finally:
        os.close(master)
        if p.poll() is None:
            p.kill()
            p.wait()
        force_cleanup(str(mnt), [p.pid])
