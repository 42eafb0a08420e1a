"""Real servers for the remote-store tests, on 127.0.0.1 at free ports.

nginx (Debian) serves a directory over HTTP and HTTPS (a CA and a server
certificate made here with openssl); s3rver (npm, installed project-locally
into build/npm by ensure_s3rver) is an S3 server that checks access keys and
SigV4 signatures; FaultServer is our own HTTP server that answers from a
directory but can fail, cut or stall requests on demand.
"""

import http.server
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import threading
import time

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NPM_PREFIX = os.path.join(REPO_ROOT, "build", "npm")
S3RVER_BIN = os.path.join(NPM_PREFIX, "node_modules", ".bin", "s3rver")

S3_KEY = "S3RVER"  # s3rver's built-in account
S3_SECRET = "S3RVER"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=15.0, proc=None, host="127.0.0.1"):
    end = time.time() + timeout
    while time.time() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("server exited with %s" % proc.returncode)
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d did not open" % port)


def nginx_path():
    for p in ("/usr/sbin/nginx", shutil.which("nginx") or ""):
        if p and os.access(p, os.X_OK):
            return p
    return None


def make_certs(d):
    """A CA and a certificate for 127.0.0.1/localhost signed by it; returns paths."""
    d = str(d)
    os.makedirs(d, exist_ok=True)
    ca_key, ca_crt = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
    key, csr, crt = (os.path.join(d, n) for n in ("srv.key", "srv.csr", "srv.crt"))
    ext = os.path.join(d, "ext.cnf")
    q = dict(check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key,
                    "-out", ca_crt, "-days", "2", "-subj", "/CN=biofuse test CA"], **q)
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                    "-subj", "/CN=127.0.0.1"], **q)
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
                    "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", ext], **q)
    return ca_crt, crt, key


class Nginx:
    """nginx serving `root` on an HTTP port and (with certs) an HTTPS port."""

    def __init__(self, root, work, certs=None, host="127.0.0.1", prefix=()):
        """`prefix` runs nginx under another command (bench: `ip netns exec NS`)."""
        self.root, self.work, self.host = str(root), str(work), host
        os.makedirs(self.work, exist_ok=True)
        self.port = free_port()
        self.tls_port = free_port() if certs else None
        tls = ""
        if certs:
            _, crt, key = certs
            tls = """
    server {
        listen %s:%d ssl http2;
        ssl_certificate %s;
        ssl_certificate_key %s;
        root %s;
    }""" % (host, self.tls_port, crt, key, self.root)
        conf = os.path.join(self.work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(("user root;\n" if os.geteuid() == 0 else "") + """
daemon off;
worker_processes 1;
pid %(w)s/nginx.pid;
error_log %(w)s/error.log;
events { worker_connections 256; }
http {
    log_format timed '$msec $request_time "$request" $status $body_bytes_sent';
    access_log %(w)s/access.log timed;
    client_body_temp_path %(w)s/tmp;
    proxy_temp_path %(w)s/tmp;
    fastcgi_temp_path %(w)s/tmp;
    uwsgi_temp_path %(w)s/tmp;
    scgi_temp_path %(w)s/tmp;
    default_type application/octet-stream;
    keepalive_requests 100000;
    server {
        listen %(h)s:%(p)d;
        root %(r)s;
    }%(tls)s
}
""" % dict(w=self.work, h=host, p=self.port, r=self.root, tls=tls))
        os.makedirs(os.path.join(self.work, "tmp"), exist_ok=True)
        self.proc = subprocess.Popen(list(prefix) + [nginx_path(), "-c", conf, "-p", self.work],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, proc=self.proc, host=host)
        if self.tls_port:
            wait_port(self.tls_port, proc=self.proc, host=host)

    def url(self, rel, tls=False):
        if tls:
            return "https://%s:%d/%s" % (self.host, self.tls_port, rel)
        return "http://%s:%d/%s" % (self.host, self.port, rel)

    def requests(self):
        p = os.path.join(self.work, "access.log")
        return open(p).read().splitlines() if os.path.exists(p) else []

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def ensure_s3rver():
    """Install s3rver into build/npm when missing; returns its path or None."""
    if os.access(S3RVER_BIN, os.X_OK):
        return S3RVER_BIN
    if not shutil.which("npm"):
        return None
    os.makedirs(NPM_PREFIX, exist_ok=True)
    r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", NPM_PREFIX,
                        "s3rver@3"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return S3RVER_BIN if r.returncode == 0 and os.access(S3RVER_BIN, os.X_OK) else None


class S3rver:
    """s3rver with `buckets` ({name: local dir}) uploaded through its own S3 API."""

    def __init__(self, work, buckets):
        self.work = str(work)
        self.port = free_port()
        data = os.path.join(self.work, "s3data")
        os.makedirs(data, exist_ok=True)
        cmd = [ensure_s3rver(), "--address", "127.0.0.1", "--port", str(self.port),
               "--directory", data, "--silent"]
        for b in buckets:
            cmd += ["--configure-bucket", b]
        self.log = open(os.path.join(self.work, "s3rver.log"), "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log)
        wait_port(self.port, proc=self.proc)
        for b, src in buckets.items():
            for prefix, local in src:
                self.upload_tree(b, prefix, local)

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def upload_tree(self, bucket, prefix, local):
        """PUT every file under `local` (a directory or one file) at bucket/prefix/..."""
        import urllib.request
        files = []
        if os.path.isdir(local):
            for dp, _, fns in os.walk(local):
                for fn in fns:
                    p = os.path.join(dp, fn)
                    files.append((prefix + "/" + os.path.relpath(p, local), p))
        else:
            files.append((prefix, local))
        # s3rver accepts unsigned PUTs only with a signature; use curl's SigV4
        for key, p in files:
            subprocess.run(["curl", "-sf", "-X", "PUT", "--aws-sigv4", "aws:amz:us-east-1:s3",
                            "-u", "%s:%s" % (S3_KEY, S3_SECRET), "-H",
                            "x-amz-content-sha256: UNSIGNED-PAYLOAD", "--data-binary", "@" + p,
                            "%s/%s/%s" % (self.endpoint, bucket, key)],
                           check=True, stdout=subprocess.DEVNULL)
        del urllib

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class FaultServer:
    """HTTP/1.1 server of `root` whose behaviour per path is set by `rules`:
    a callable (path, attempt) -> None (serve normally), ("status", code),
    ("cut",) (send half the body and close), or ("stall", seconds)."""

    def __init__(self, root):
        self.root = str(root)
        self.rules = None
        self.hits = {}
        self.lock = threading.Lock()
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *a):
                pass

            def do_GET(self):
                path = self.path.split("?")[0].lstrip("/")
                with outer.lock:
                    n = outer.hits.get(path, 0)
                    outer.hits[path] = n + 1
                rule = outer.rules(path, n) if outer.rules else None
                if rule and rule[0] == "status":
                    self.send_response(rule[1])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if rule and rule[0] == "stall":
                    time.sleep(rule[1])
                fp = os.path.join(outer.root, path)
                if not os.path.isfile(fp):
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = open(fp, "rb").read()
                rng = self.headers.get("Range")
                if rng and rng.startswith("bytes="):
                    a, b = rng[6:].split("-")
                    total = len(data)
                    if a == "":
                        a, b = max(0, total - int(b)), total - 1
                    else:
                        a, b = int(a), min(int(b) if b else total - 1, total - 1)
                    data = data[a:b + 1]
                    self.send_response(206)
                    self.send_header("Content-Range", "bytes %d-%d/%d" % (a, b, total))
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if rule and rule[0] == "cut":
                    self.wfile.write(data[:len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(data)

        class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 256

            def handle_error(self, request, client_address):
                pass  # a client that hung up on a stalled or cut answer

        self.httpd = S(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, rel):
        return "http://127.0.0.1:%d/%s" % (self.port, rel)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
