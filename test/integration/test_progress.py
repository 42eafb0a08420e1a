"""The start-up progress line: a long selection resolution shows "resolving the
selection: N % (i of n)" on a terminal stderr, erases it when done, and prints
nothing when stderr is not a terminal.

A slow store makes the start-up long without a big fixture: the variant_allele
chunks come from an HTTP server that holds each answer back (remote_servers'
FaultServer), and -M 2 makes the resolution read every one of them.
"""

import os
import pty
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


@pytest.fixture
def slow_store(session_work_dir, tmp_path):
    store = generated_store(session_work_dir / "stores", "progress_src", samples=6,
                            variants=240, variants_chunk=8, samples_chunk=6, seed=5)
    root = tmp_path / "www"
    root.mkdir()
    os.symlink(store, str(root / "p.vcz"))
    srv = rs.FaultServer(str(root))
    srv.rules = lambda path, n: ("stall", 0.06) if path.startswith(
        "p.vcz/variant_allele/") else None
    yield srv
    srv.stop()


def test_progress_line_on_a_terminal(biofuse_bin, slow_store, tmp_path):
    rc, out = _run_with_pty_stderr([biofuse_bin, "view-plink", slow_store.url("p.vcz"),
                                    "-M", "2", "-o", str(tmp_path / "x")])
    text = out.decode(errors="replace")
    assert rc == 0, text
    assert "\rresolving the selection: " in text, text
    assert "% (" in text and " of 30), " in text, text
    # the line is erased at the end: the last step's line is overwritten by spaces
    last = text.rindex("resolving the selection")
    assert "\r" + " " * 20 in text[last:], repr(text[last:])
    assert os.path.getsize(str(tmp_path / "x.bed")) > 3


def test_no_progress_line_without_a_terminal(biofuse_bin, slow_store, tmp_path):
    r = subprocess.run([biofuse_bin, "view-plink", slow_store.url("p.vcz"), "-M", "2", "-o",
                        str(tmp_path / "y")], capture_output=True)
    assert r.returncode == 0, r.stderr
    assert b"resolving" not in r.stderr and b"\r" not in r.stderr
