"""Remote stores over S3: s3rver (npm, project-local) holds generated stores in a
bucket; view-* and inspect through s3:// URLs must equal the local store, with
credentials from the environment, storage options or an AWS profile; a bad
access key is an Error naming the URL, and no secret is ever printed."""

import json
import os

import pytest

import remote_servers as rs
from helpers_view import bf, make_store, read

STYLES = {
    "flat": dict(),
    "nested": dict(key_style="nested"),
    "v3": dict(zarr_format=3),
    "zip": dict(zip_output=True),
}
GEN = dict(samples=21, variants=150, seed=11, missing_rate=0.05, phased=True)
CONV = dict(variants_chunk=40, samples_chunk=8)
SECRET = rs.S3_SECRET


def name(style):
    return "t_" + style + (".vcz.zip" if style == "zip" else ".vcz")


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    if rs.ensure_s3rver() is None:
        pytest.skip("s3rver (npm) not available")
    root = tmp_path_factory.mktemp("s3src")
    objs = []
    for style, conv in STYLES.items():
        make_store(root, "t_" + style, gen=GEN, conv=dict(CONV, **conv))
        objs.append(("data/" + name(style), os.path.join(str(root), name(style))))
    srv = rs.S3rver(tmp_path_factory.mktemp("s3rver"), {"vcz": objs})
    yield dict(root=str(root), srv=srv)
    srv.stop()


def s3_env(srv, **extra):
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("AWS_"):
            del env[k]
    env.update(AWS_ACCESS_KEY_ID=rs.S3_KEY, AWS_SECRET_ACCESS_KEY=SECRET,
               AWS_ENDPOINT_URL=srv.endpoint, AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
               AWS_CONFIG_FILE="/nonexistent")
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def outputs(biofuse, store, out, cmd, extra=(), env=None, rc=0):
    os.makedirs(out, exist_ok=True)
    r = bf(biofuse, cmd, store, "-o", os.path.join(out, "o"), *extra, env=env, rc=rc)
    if rc:
        return r
    return {f: read(os.path.join(out, f)) for f in sorted(os.listdir(out))}


@pytest.mark.parametrize("style", sorted(STYLES))
@pytest.mark.parametrize("cmd", ["view-plink", "view-bgen"])
def test_view_over_s3_equals_local(biofuse_bin, s3, tmp_path, style, cmd):
    a = outputs(biofuse_bin, os.path.join(s3["root"], name(style)), str(tmp_path / "l"), cmd)
    b = outputs(biofuse_bin, "s3://vcz/data/" + name(style), str(tmp_path / "r"), cmd,
                extra=["--backend-storage", "fsspec"], env=s3_env(s3["srv"]))
    assert len(a) >= 2 and a == b


def test_credentials_from_options_and_profiles(biofuse_bin, s3, tmp_path):
    srv = s3["srv"]
    url = "s3://vcz/data/" + name("flat")
    want = outputs(biofuse_bin, os.path.join(s3["root"], name("flat")), str(tmp_path / "l"),
                   "view-plink")
    bare = s3_env(srv, AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_ENDPOINT_URL=None)
    # storage options, fsspec's spelling (client_kwargs) and obstore's
    got = outputs(biofuse_bin, url, str(tmp_path / "o1"), "view-plink", env=bare, extra=[
        "--storage-option", "key=" + rs.S3_KEY, "--storage-option", "secret=" + SECRET,
        "--storage-option", 'client_kwargs={"endpoint_url": "%s", "region_name": "us-east-1"}'
        % srv.endpoint])
    assert got == want
    got = outputs(biofuse_bin, url, str(tmp_path / "o2"), "view-plink", env=bare,
                  extra=["--backend-storage", "obstore",
                         "--storage-option", "aws_access_key_id=" + rs.S3_KEY,
                         "--storage-option", "aws_secret_access_key=" + SECRET,
                         "--storage-option", "aws_endpoint=" + srv.endpoint,
                         "--storage-option", "aws_region=us-east-1"])
    assert got == want
    # AWS_PROFILE with ~/.aws-style files
    cred, conf = tmp_path / "credentials", tmp_path / "config"
    cred.write_text("[default]\naws_access_key_id = NOPE\naws_secret_access_key = x\n"
                    "[lab]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                    % (rs.S3_KEY, SECRET))
    conf.write_text("[profile lab]\nregion = us-east-1\nendpoint_url = %s\n" % srv.endpoint)
    env = dict(bare, AWS_SHARED_CREDENTIALS_FILE=str(cred), AWS_CONFIG_FILE=str(conf),
               AWS_PROFILE="lab")
    got = outputs(biofuse_bin, url, str(tmp_path / "o3"), "view-plink", env=env)
    assert got == want
    # anonymous (s3rver serves anonymous GETs)
    got = outputs(biofuse_bin, url, str(tmp_path / "o4"), "view-plink", env=bare,
                  extra=["--storage-option", "anon=true",
                         "--storage-option", "endpoint_url=" + srv.endpoint])
    assert got == want


def test_bad_key_is_an_error_without_secrets(biofuse_bin, s3, tmp_path):
    srv = s3["srv"]
    url = "s3://vcz/data/" + name("flat")
    secret = "very-secret-value-1234"
    token = "session-token-abcdef"
    env = s3_env(srv, AWS_ACCESS_KEY_ID="NOSUCHKEY", AWS_SECRET_ACCESS_KEY=secret,
                 AWS_SESSION_TOKEN=token)
    r = outputs(biofuse_bin, url, str(tmp_path / "x"), "view-plink", env=env, rc=1,
                extra=["--log-level", "DEBUG"])
    err = r.stderr.decode()
    assert "Error: " in err and "HTTP 403" in err and srv.endpoint + "/vcz/data/" in err, err
    assert secret not in err and token not in err
    r = outputs(biofuse_bin, url, str(tmp_path / "y"), "view-plink", rc=1,
                env=s3_env(srv, AWS_SECRET_ACCESS_KEY=None), extra=[])
    assert "secret" in r.stderr.decode()
    r = outputs(biofuse_bin, "s3://vcz/nothing-here.vcz", str(tmp_path / "z"), "view-plink",
                env=s3_env(srv), rc=1)
    assert r.stderr.decode().startswith("Error: ")


def test_inspect_lists_through_s3(biofuse_bin, s3):
    """Without consolidated metadata inspect lists keys (ListObjectsV2)."""
    a = json.loads(bf(biofuse_bin, "inspect", "--json",
                      os.path.join(s3["root"], name("nested"))).stdout)
    b = json.loads(bf(biofuse_bin, "inspect", "--json", "s3://vcz/data/" + name("nested"),
                      env=s3_env(s3["srv"])).stdout)
    assert (a.pop("store_kind"), b.pop("store_kind")) == ("dir", "s3")
    assert a == b
