#!/usr/bin/python3
"""Remote-store figures (issue 15), printed as ratios from one run.

Store A of the memory benchmark (100,000 samples x 20,000 variants, call_genotype
chunks 1,000 x 10,000; made by scripts/make_bench_store.py into DATA the first
time, ~5 minutes) is served by nginx, and its .bed is read through mount-plink:

  R1  sequential .bed (dd bs=1M of a fresh mount) from nginx on loopback vs the
      local store, rounds interleaved; ratio = local time / remote time.  Goal >= 0.8.
  R2  the same with 20 ms of added round-trip time: nginx runs in a network
      namespace behind a veth pair with `tc netem delay 10ms` on each end (needs
      root, iproute2 and the kernel's netem; without it bench/delay_proxy.py, a
      TCP proxy holding each block 10 ms each way), --readahead-workers 32.
      Goal >= 0.5.
  R3  mount-ready time over that 20 ms link (command start until B.bed is
      visible).  Goal <= 2 s.
  R4  idle RSS (front + server, VmRSS summed) after the memory benchmark's probe
      (fresh mount; 5 x read 16 MiB at 0 in 1 MiB reads; sleep 2 s) with an HTTPS
      store (nginx, TLS, a test CA) and an S3 store (s3rver).  Goal <= 16 MiB.

Run: make bench-remote  (or /usr/bin/python3 bench/bench_remote.py [--rounds N])
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "test", "integration"))
import bench_all as ba  # noqa: E402
import remote_servers as rs  # noqa: E402

STORE_A = ("store-100k-20k-c1000x10000",
           ["--samples", "100000", "--variants", "20000", "--variants-chunk", "1000",
            "--samples-chunk", "10000", "--seed", "1"])
MIB = 1 << 20
NS = "bfbench%d" % os.getpid()
HOST_IP, NS_IP = "10.213.77.1", "10.213.77.2"


def log(msg=""):
    print(msg, flush=True)


def sh(*cmd, check=True):
    return subprocess.run(list(cmd), check=check, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)


class DelayedLink:
    """A network namespace reached over a veth pair, each end delayed by
    `one_way_ms` with netem (so the round trip gains twice that)."""

    def __init__(self, one_way_ms):
        """Raises CalledProcessError (after cleaning up) when a step fails."""
        self.ok = False
        a, b = "bfbA%d" % (os.getpid() % 10000), "bfbB%d" % (os.getpid() % 10000)
        self.a = a
        sh("ip", "netns", "add", NS)
        try:
            self._build(a, b, one_way_ms)
        except subprocess.CalledProcessError:
            self.close()
            raise

    def _build(self, a, b, one_way_ms):
        sh("ip", "link", "add", a, "type", "veth", "peer", "name", b)
        sh("ip", "link", "set", b, "netns", NS)
        sh("ip", "addr", "add", HOST_IP + "/30", "dev", a)
        sh("ip", "link", "set", a, "up")
        ns = ["ip", "netns", "exec", NS]
        sh(*ns, "ip", "addr", "add", NS_IP + "/30", "dev", b)
        sh(*ns, "ip", "link", "set", b, "up")
        sh(*ns, "ip", "link", "set", "lo", "up")
        delay = "%dms" % one_way_ms
        sh("tc", "qdisc", "add", "dev", a, "root", "netem", "delay", delay, "limit", "100000")
        sh(*ns, "tc", "qdisc", "add", "dev", b, "root", "netem", "delay", delay, "limit",
           "100000")
        self.prefix = ns
        self.ok = True

    def rtt_ms(self):
        r = subprocess.run(["ping", "-c", "3", "-q", NS_IP], capture_output=True, text=True)
        for line in r.stdout.splitlines():
            if "rtt" in line or "round-trip" in line:
                return float(line.split("=")[1].split("/")[1])
        return float("nan")

    def close(self):
        sh("ip", "link", "del", self.a, check=False)
        sh("ip", "netns", "del", NS, check=False)


class Env:
    """os.environ replaced by `env` (None: unchanged) while the block runs."""

    def __init__(self, env):
        self.env, self.saved = env, None

    def __enter__(self):
        if self.env is not None:
            self.saved = dict(os.environ)
            os.environ.clear()
            os.environ.update(self.env)

    def __exit__(self, *exc):
        if self.saved is not None:
            os.environ.clear()
            os.environ.update(self.saved)


def mount(biofuse, store, mnt, extra=(), env=None):
    with Env(env):
        return ba.Mount(biofuse, "mount-plink", store, mnt, "B.bed", extra)


def dd_mount(biofuse, store, mnt, extra=(), env=None):
    """(dd seconds of the whole .bed of a fresh mount, its size, ready seconds)."""
    with mount(biofuse, store, mnt, extra, env) as m:
        path = os.path.join(mnt, "B.bed")
        size = os.path.getsize(path)
        return ba.dd_seconds(path), size, m.ready_s


def probe_rss(biofuse, store, mnt, env=None, extra=()):
    with mount(biofuse, store, mnt, extra, env) as m:
        path = os.path.join(mnt, "B.bed")
        for _ in range(5):
            fd = os.open(path, os.O_RDONLY)
            try:
                for off in range(0, 16 * MIB, MIB):
                    os.pread(fd, MIB, off)
            finally:
                os.close(fd)
        time.sleep(2.0)
        return m.rss_mib()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--biofuse", default=os.path.join(ROOT, "build", "biofuse"))
    ap.add_argument("--data", default=os.path.join(ROOT, "build", "bench-data"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default="R1,R2,R3,R4")
    a = ap.parse_args()
    only = set(a.only.split(","))
    os.makedirs(a.data, exist_ok=True)
    store = ba.ensure_store(ROOT, os.path.join(a.data, STORE_A[0]), STORE_A[1])
    work = tempfile.mkdtemp(prefix="bf_bench_remote_")
    mnt = os.path.join(work, "mnt")
    www = os.path.join(work, "www")
    os.makedirs(www)
    os.symlink(store, os.path.join(www, "A.vcz"))
    res = []
    log("store A: %s" % store)

    if only & {"R1"}:
        ng = rs.Nginx(www, os.path.join(work, "ng"))
        try:
            url = ng.url("A.vcz")
            loc, rem = [], []
            for _ in range(a.rounds):
                t, size, _ = dd_mount(a.biofuse, store, mnt)
                loc.append(t)
                t, size2, _ = dd_mount(a.biofuse, url, mnt)
                assert size2 == size
                rem.append(t)
            lm, rm = ba.med(loc), ba.med(rem)
            ratio = lm / rm
            log("FIGURE R1 sequential .bed (%d MiB) local %.2f s (%s), nginx loopback %.2f s "
                "(%s): ratio %.2f  goal >= 0.8  %s"
                % (size // MIB, lm, ", ".join("%.2f" % x for x in loc), rm,
                   ", ".join("%.2f" % x for x in rem), ratio, ba.verdict(ratio, 0.8)))
            res.append(("R1", ratio))
        finally:
            ng.stop()

    if only & {"R2", "R3"}:
        link, proxy, ng = None, None, None
        try:
            link = DelayedLink(10)
            ng = rs.Nginx(www, os.path.join(work, "ng2"), host=NS_IP, prefix=link.prefix)
            how = "netns + tc netem, ping RTT %.1f ms" % link.rtt_ms()
        except subprocess.CalledProcessError as e:
            if link is not None:
                link.close()
            link = None
            log("no tc netem here (%s): a delaying proxy adds the 20 ms instead"
                % e.stderr.decode().strip())
            ng = rs.Nginx(www, os.path.join(work, "ng2"))
            pport = rs.free_port()
            proxy = subprocess.Popen([sys.executable, os.path.join(HERE, "delay_proxy.py"),
                                      str(pport), "127.0.0.1", str(ng.port), "10"],
                                     stdout=subprocess.PIPE)
            proxy.stdout.readline()
            how = "delay_proxy.py, 10 ms each way"
        try:
            url = ng.url("A.vcz")
            if proxy is not None:
                url = "http://127.0.0.1:%d/A.vcz" % pport
            log("20 ms link: " + how)
            loc, rem, ready = [], [], []
            for _ in range(a.rounds):
                t, size, _ = dd_mount(a.biofuse, store, mnt)
                loc.append(t)
                t, _, r = dd_mount(a.biofuse, url, mnt, ["--readahead-workers", "32"])
                rem.append(t)
                ready.append(r)
            lm, rm = ba.med(loc), ba.med(rem)
            ratio = lm / rm
            if "R2" in only:
                log("FIGURE R2 sequential .bed over 20 ms RTT, 32 in flight: local %.2f s, "
                    "remote %.2f s (%s): ratio %.2f  goal >= 0.5  %s"
                    % (lm, rm, ", ".join("%.2f" % x for x in rem), ratio,
                       ba.verdict(ratio, 0.5)))
                res.append(("R2", ratio))
            if "R3" in only:
                rd = ba.med(ready)
                log("FIGURE R3 mount-ready over 20 ms RTT: %.2f s (%s)  goal <= 2 s  %s"
                    % (rd, ", ".join("%.2f" % x for x in ready),
                       ba.verdict(rd, 2.0, higher_is_better=False)))
                res.append(("R3", rd))
        finally:
            if proxy is not None:
                proxy.kill()
                proxy.wait()
            if ng is not None:
                ng.stop()
            if link is not None:
                link.close()

    if only & {"R4"}:
        v = max(probe_rss(a.biofuse, store, mnt) for _ in range(a.rounds))
        log("R4 for comparison, the local store with the same probe: %.1f MiB" % v)
        certs = rs.make_certs(os.path.join(work, "certs"))
        ng = rs.Nginx(www, os.path.join(work, "ng3"), certs=certs)
        env = dict(os.environ, CURL_CA_BUNDLE=certs[0])
        try:
            v = max(probe_rss(a.biofuse, ng.url("A.vcz", tls=True), mnt, env=env)
                    for _ in range(a.rounds))
            log("FIGURE R4 idle RSS after the probe, HTTPS store: %.1f MiB  goal <= 16 MiB  %s"
                % (v, ba.verdict(v, 16, higher_is_better=False)))
            res.append(("R4 https", v))
        finally:
            ng.stop()
        if rs.ensure_s3rver() is None:
            log("R4 S3 not measured: s3rver (npm) not available")
        else:
            s3 = rs.S3rver(os.path.join(work, "s3"), {"bench": [("A.vcz", store)]})
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            env.update(AWS_ACCESS_KEY_ID=rs.S3_KEY, AWS_SECRET_ACCESS_KEY=rs.S3_SECRET,
                       AWS_ENDPOINT_URL=s3.endpoint)
            try:
                v = max(probe_rss(a.biofuse, "s3://bench/A.vcz", mnt, env=env)
                        for _ in range(a.rounds))
                log("FIGURE R4 idle RSS after the probe, S3 store: %.1f MiB  goal <= 16 MiB  %s"
                    % (v, ba.verdict(v, 16, higher_is_better=False)))
                res.append(("R4 s3", v))
            finally:
                s3.stop()
    subprocess.run(["rm", "-rf", work])
    return 0


if __name__ == "__main__":
    sys.exit(main())
