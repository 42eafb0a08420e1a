"""Helpers for the FUSE mount integration tests (test_mount*.py).

`mounted()` runs `biofuse mount-plink|mount-bgen STORE DIR ...` in the foreground as a
subprocess, waits for the expected files, yields a `Mount`, and always cleans up: SIGTERM
(15 s grace), `fusermount3 -u -z DIR`, and SIGKILL of any process of this mount that is
still alive (the front and its `__server` children, found through /proc).
"""

import contextlib
import os
import signal
import subprocess
import sys
import time

SCRIPTS_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
FUSERMOUNT = "fusermount3"


# ---------------------------------------------------------------------------- processes

def proc_stat(pid):
    """(state, ppid) of a process, or None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read()
    except OSError:
        return None
    rest = data[data.rindex(b")") + 2:].split()
    return rest[0].decode(), int(rest[1])


def proc_cmdline(pid):
    """argv of a process as a list of str ([] when it is gone or a zombie)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            data = f.read()
    except OSError:
        return []
    return [a.decode(errors="replace") for a in data.split(b"\0") if a]


def alive(pid):
    st = proc_stat(pid)
    return st is not None and st[0] != "Z"


def all_pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def children(pid):
    out = []
    for p in all_pids():
        st = proc_stat(p)
        if st is not None and st[1] == pid:
            out.append(p)
    return out


def server_pids_of(front_pid):
    """Live `__server` children of a mount front."""
    return [p for p in children(front_pid)
            if alive(p) and "__server" in proc_cmdline(p)]


def mount_pids(mount_dir):
    """Every live biofuse process (front or server) whose argv names `mount_dir`."""
    mount_dir = os.path.abspath(str(mount_dir))
    out = []
    for p in all_pids():
        if p == os.getpid():
            continue
        argv = proc_cmdline(p)
        # front: biofuse mount-* ... DIR; server: biofuse __server ... --mount-dir DIR
        if len(argv) < 2 or argv[1] not in ("mount-plink", "mount-bgen", "__server"):
            continue
        if any(os.path.isabs(a) and os.path.abspath(a) == mount_dir for a in argv):
            if alive(p):
                out.append(p)
    return out


def is_mounted(mount_dir):
    target = os.path.realpath(str(mount_dir))
    with open("/proc/mounts") as f:
        for line in f:
            fields = line.split()
            if len(fields) > 1 and fields[1].replace("\\040", " ") == target:
                return True
    return False


def wait_until(pred, timeout, interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def force_cleanup(mount_dir, pids=()):
    """Lazy-unmount `mount_dir` and SIGKILL the given and any leftover processes of it."""
    subprocess.run([FUSERMOUNT, "-u", "-z", str(mount_dir)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    victims = set(p for p in pids if alive(p)) | set(mount_pids(mount_dir))
    for p in victims:
        try:
            os.kill(p, signal.SIGCONT)
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass
    wait_until(lambda: not any(alive(p) for p in victims), 5)


# ---------------------------------------------------------------------------- mounts

class MountError(RuntimeError):
    pass


class Mount:
    def __init__(self, proc, mount_dir, stderr_path, files):
        self.proc = proc
        self.dir = str(mount_dir)
        self.stderr_path = stderr_path
        self.files = list(files)
        self.returncode = None
        self._seen = set()

    @property
    def pid(self):
        return self.proc.pid

    def path(self, name):
        return os.path.join(self.dir, name)

    def server_pids(self):
        pids = server_pids_of(self.proc.pid)
        self._seen.update(pids)
        return pids

    def server_pid(self, timeout=10):
        """The (single) current server pid; waits for it to exist."""
        pids = wait_until(self.server_pids, timeout)
        if len(pids) != 1:
            raise MountError("expected one encoder server, found %r" % (pids,))
        return pids[0]

    def stderr(self):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Signal the front and wait for it; returns its exit code (None on timeout)."""
        self.server_pids()
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
            except OSError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                return None
        self.returncode = self.proc.returncode
        return self.returncode

    def cleanup(self):
        if self.proc.poll() is None:
            self.stop()
        force_cleanup(self.dir, [self.proc.pid] + list(self._seen))
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def start_mount(biofuse, command, store, mount_dir, args=(), files=(), timeout=30, env=None,
                stderr_path=None):
    """Start a foreground mount and wait until every name in `files` exists in it."""
    mount_dir = os.path.abspath(str(mount_dir))
    os.makedirs(mount_dir, exist_ok=True)
    if stderr_path is None:
        stderr_path = mount_dir + ".stderr"
    errf = open(stderr_path, "wb")
    try:
        proc = subprocess.Popen([biofuse, command, str(store), mount_dir] + list(args),
                                stdin=subprocess.DEVNULL, stdout=errf, stderr=errf,
                                start_new_session=True, env=env)
    finally:
        errf.close()
    m = Mount(proc, mount_dir, stderr_path, files)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise MountError("mount exited early with %s: %s" % (proc.returncode, m.stderr()))
            if is_mounted(mount_dir) and all(os.path.exists(os.path.join(mount_dir, f))
                                             for f in files):
                break
            if time.monotonic() > deadline:
                raise MountError("mount not ready after %ss: %s" % (timeout, m.stderr()))
            time.sleep(0.02)
        m.server_pids()
    except BaseException:
        m.cleanup()
        raise
    return m


@contextlib.contextmanager
def mounted(biofuse, command, store, mount_dir, args=(), files=(), timeout=30, env=None,
            stderr_path=None):
    m = start_mount(biofuse, command, store, mount_dir, args, files, timeout, env, stderr_path)
    try:
        yield m
    finally:
        m.cleanup()


def expected_files(command, basename):
    if command == "mount-plink":
        return [basename + ".bed", basename + ".bim", basename + ".fam"]
    return [basename + ".bgen", basename + ".bgen.bgi", basename + ".sample"]


def reference_files(biofuse, command, store, out_stem, args=()):
    """Write the view-* output that a mount with `args` must reproduce; returns
    {suffix: path} with suffixes bed/bim/fam or bgen/bgen.bgi/sample."""
    out_stem = str(out_stem)
    if command == "mount-plink":
        cmd = [biofuse, "view-plink", str(store), "-o", out_stem] + list(args)
        suffixes = ["bed", "bim", "fam"]
    else:
        cmd = [biofuse, "view-bgen", str(store), "--fixed-variant-size", "-o",
               out_stem] + list(args)
        suffixes = ["bgen", "bgen.bgi", "sample"]
    subprocess.run(cmd, check=True, capture_output=True)
    return {s: out_stem + "." + s for s in suffixes}


# ---------------------------------------------------------------------------- stores

def generated_store(root, name, samples, variants, variants_chunk, samples_chunk, seed=1,
                    extra_vcf_args=()):
    """A gen_vcf + vcf2vcz store under `root`, built once (cached on disk)."""
    root = str(root)
    out = os.path.join(root, name + ".vcz")
    if os.path.isdir(out):
        return out
    os.makedirs(root, exist_ok=True)
    vcf = os.path.join(root, name + ".vcf")
    subprocess.run([PY, os.path.join(SCRIPTS_DIR, "gen_vcf.py"), vcf, "--seed", str(seed),
                    "--samples", str(samples), "--variants", str(variants)]
                   + list(extra_vcf_args), check=True, stdout=subprocess.DEVNULL)
    tmp = out + ".tmp"
    subprocess.run([PY, os.path.join(SCRIPTS_DIR, "vcf2vcz.py"), vcf, tmp, "--variants-chunk",
                    str(variants_chunk), "--samples-chunk", str(samples_chunk)],
                   check=True, stdout=subprocess.DEVNULL)
    os.rename(tmp, out)
    return out


def bench_store(root, name, samples, variants, variants_chunk=1000, samples_chunk=10000,
                seed=1):
    root = str(root)
    out = os.path.join(root, name + ".vcz")
    if os.path.isdir(out):
        return out
    os.makedirs(root, exist_ok=True)
    tmp = out + ".tmp"
    subprocess.run([PY, os.path.join(SCRIPTS_DIR, "make_bench_store.py"), tmp, "--samples",
                    str(samples), "--variants", str(variants), "--variants-chunk",
                    str(variants_chunk), "--samples-chunk", str(samples_chunk), "--seed",
                    str(seed)], check=True, stdout=subprocess.DEVNULL)
    os.rename(tmp, out)
    return out


def read_file(path, bufsize=1 << 20):
    with open(path, "rb", buffering=0) as f:
        out = bytearray()
        while True:
            b = f.read(bufsize)
            if not b:
                return bytes(out)
            out += b


def drop_cache(path):
    """Evict a file's pages so the next read goes to the filesystem again."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
