"""Remote stores over HTTP(S): view-* through nginx (and a fault-injecting server
of our own) must write the same bytes as from the local store, for every store
style; errors name the URL and never a secret."""

import os
import shutil
import time

import pytest

import remote_servers as rs
from helpers_view import bf, make_store, read

STYLES = {
    "flat": dict(),
    "nested": dict(key_style="nested"),
    "v3": dict(zarr_format=3),
    "cons": dict(consolidated=True),
    "zip": dict(zip_output=True),
    "zip3": dict(zip_output=True, zarr_format=3),
}
GEN = dict(samples=37, variants=230, seed=7, missing_rate=0.05, phased=True)
CONV = dict(variants_chunk=40, samples_chunk=16)


def store_name(style):
    return "s_" + style + (".vcz.zip" if style.startswith("zip") else ".vcz")


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    if rs.nginx_path() is None:
        pytest.skip("nginx not installed")
    root = tmp_path_factory.mktemp("www")
    for style, conv in STYLES.items():
        make_store(root, "s_" + style, gen=GEN, conv=dict(CONV, **conv))
    certs = rs.make_certs(tmp_path_factory.mktemp("certs"))
    ng = rs.Nginx(root, tmp_path_factory.mktemp("nginx"), certs=certs)
    yield dict(root=str(root), ng=ng, ca=certs[0])
    ng.stop()


def outputs(biofuse, store, out, cmd, extra=(), env=None):
    os.makedirs(out, exist_ok=True)
    stem = os.path.join(out, "o")
    args = [cmd, store, "-o", stem] + list(extra)
    bf(biofuse, *args, env=env)
    return {f: read(os.path.join(out, f)) for f in sorted(os.listdir(out))}


@pytest.mark.parametrize("style", sorted(STYLES))
@pytest.mark.parametrize("cmd", ["view-plink", "view-bgen"])
def test_view_over_http_equals_local(biofuse_bin, web, tmp_path, style, cmd):
    local = os.path.join(web["root"], store_name(style))
    url = web["ng"].url(store_name(style))
    a = outputs(biofuse_bin, local, str(tmp_path / "local"), cmd)
    b = outputs(biofuse_bin, url, str(tmp_path / "remote"), cmd,
                extra=["--backend-storage", "fsspec"])
    assert sorted(a) == sorted(b) and len(a) >= 2
    for f in a:
        assert a[f] == b[f], f


def test_https_with_ca_bundle_and_untrusted(biofuse_bin, web, tmp_path):
    url = web["ng"].url(store_name("flat"), tls=True)
    env = dict(os.environ, CURL_CA_BUNDLE=web["ca"])
    a = outputs(biofuse_bin, os.path.join(web["root"], store_name("flat")),
                str(tmp_path / "l"), "view-plink")
    b = outputs(biofuse_bin, url, str(tmp_path / "r"), "view-plink", env=env)
    assert a == b
    env = dict(os.environ)
    for v in ("CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        env.pop(v, None)
    r = bf(biofuse_bin, "view-plink", url, "-o", str(tmp_path / "x"), rc=1, env=env)
    err = r.stderr.decode()
    assert err.startswith("Error: ") and "https://127.0.0.1:%d" % web["ng"].tls_port in err
    assert "certificate" in err.lower()


def test_server_down_is_an_error_naming_the_url(biofuse_bin, tmp_path):
    port = rs.free_port()
    url = "http://127.0.0.1:%d/x.vcz" % port
    t0 = time.monotonic()
    r = bf(biofuse_bin, "view-plink", url, "-o", str(tmp_path / "x"), rc=1)
    assert time.monotonic() - t0 < 10
    err = r.stderr.decode()
    assert err.startswith("Error: ") and url in err, err
    r = bf(biofuse_bin, "view-plink", url + ".zip", "-o", str(tmp_path / "x"), rc=1)
    assert url + ".zip" in r.stderr.decode()


def test_storage_options(biofuse_bin, web, tmp_path):
    url = web["ng"].url(store_name("flat"))
    r = bf(biofuse_bin, "view-plink", url, "-o", str(tmp_path / "x"), "--storage-option",
           "no_such_option=1", rc=1)
    assert r.stderr.decode().startswith("Error: ") and "'no_such_option'" in r.stderr.decode()
    r = bf(biofuse_bin, "view-plink", url, "-o", str(tmp_path / "x"), "--storage-option",
           'client_kwargs={"verify": false}', rc=1)
    assert "client_kwargs.verify" in r.stderr.decode()
    r = bf(biofuse_bin, "view-plink", url, "-o", str(tmp_path / "x"), "--backend-storage",
           "icechunk", rc=1)
    assert r.stderr.decode().startswith("Error: ") and "icechunk" in r.stderr.decode()
    # options that map are accepted (anon applies to S3 only)
    bf(biofuse_bin, "view-plink", url, "-o", str(tmp_path / "y"), "--backend-storage", "obstore",
       "--storage-option", "anon=true")


def test_inspect_over_http(biofuse_bin, web):
    import json
    a = json.loads(bf(biofuse_bin, "inspect", "--json",
                      os.path.join(web["root"], store_name("zip"))).stdout)
    b = json.loads(bf(biofuse_bin, "inspect", "--json", web["ng"].url(store_name("zip"))).stdout)
    assert (a.pop("store_kind"), b.pop("store_kind")) == ("zip", "http-zip")
    assert a == b
    t1 = bf(biofuse_bin, "inspect", os.path.join(web["root"], store_name("zip"))).stdout
    t2 = bf(biofuse_bin, "inspect", web["ng"].url(store_name("zip"))).stdout
    assert t1.replace(os.path.join(web["root"], "").encode(), b"") == \
        t2.replace(web["ng"].url("").encode(), b"").replace(b"http-zip store", b"zip store")
    c = json.loads(bf(biofuse_bin, "inspect", "--json", web["ng"].url(store_name("cons"))).stdout)
    assert c["num_samples"] == a["num_samples"] and c["num_variants"] == a["num_variants"]


def test_requests_are_concurrent_and_few(biofuse_bin, web, tmp_path):
    """Every object is fetched once, and each view costs one request per object
    (plus the probes of the metadata names that do not exist)."""
    ng = web["ng"]
    before = len(ng.requests())
    outputs(biofuse_bin, ng.url(store_name("flat")), str(tmp_path / "r"), "view-plink")
    lines = ng.requests()[before:]
    paths = [ln.split('"')[1].split()[1] for ln in lines]
    assert len(paths) == len(set(paths)), "an object was fetched twice"
    objects = sum(len(fs) for _, _, fs in os.walk(os.path.join(web["root"], store_name("flat"))))
    assert len(paths) <= objects + 4


@pytest.fixture
def faulty(web, tmp_path):
    srv = rs.FaultServer(web["root"])
    yield srv
    srv.stop()


@pytest.mark.parametrize("fault", ["500", "429", "cut", "503-zip"])
def test_transient_faults_are_ridden_out(biofuse_bin, web, faulty, tmp_path, fault):
    zip_ = fault.endswith("zip")
    name = store_name("zip" if zip_ else "flat")
    target = name if zip_ else name + "/call_genotype/2.1.0"

    def rules(path, attempt):
        if path != target:
            return None
        if zip_ and attempt in (2, 3):  # after the tail and directory reads
            return ("status", 503)
        if not zip_ and attempt < 3:
            return {"500": ("status", 500), "429": ("status", 429), "cut": ("cut",)}[fault]
        return None

    faulty.rules = rules
    a = outputs(biofuse_bin, os.path.join(web["root"], name), str(tmp_path / "l"), "view-plink")
    b = outputs(biofuse_bin, faulty.url(name), str(tmp_path / "r"), "view-plink")
    assert a == b
    assert faulty.hits.get(target, 0) >= 3


def test_missing_chunk_is_fill_value(biofuse_bin, web, tmp_path):
    """A chunk the server answers 404 for reads as the fill value, as a missing
    chunk file does locally; 403 likewise only with treat_403_as_missing."""
    src = os.path.join(web["root"], store_name("flat"))
    copy = str(tmp_path / "www" / "m.vcz")
    shutil.copytree(src, copy)
    os.unlink(os.path.join(copy, "call_genotype", "1.0.0"))
    srv = rs.FaultServer(str(tmp_path / "www"))
    try:
        a = outputs(biofuse_bin, copy, str(tmp_path / "l"), "view-plink")
        b = outputs(biofuse_bin, srv.url("m.vcz"), str(tmp_path / "r"), "view-plink")
        assert a == b
        srv.rules = lambda p, n: ("status", 403) if p == "m.vcz/call_genotype/1.0.0" else None
        r = bf(biofuse_bin, "view-plink", srv.url("m.vcz"), "-o", str(tmp_path / "x"), rc=1)
        assert "HTTP 403" in r.stderr.decode() and "m.vcz/call_genotype/1.0.0" in \
            r.stderr.decode()
        c = outputs(biofuse_bin, srv.url("m.vcz"), str(tmp_path / "r403"), "view-plink",
                    extra=["--storage-option", "treat_403_as_missing=true"])
        assert a == c
    finally:
        srv.stop()
