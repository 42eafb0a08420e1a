"""Every array of every bio2zarr fixture: zarr_dump's values == zarr-python 2.13's.

The fixtures are zips; each is extracted to a temporary directory.  zarr 2.13
cannot open the v3 store (sample.vcz3), so its arrays are compared with the
v2 twin sample.vcz read by zarr-python.  Float formatting follows
test/tools/zarr_dump.c: "%.9g" ("%.17g" for 8-byte floats), "NaN" for the
canonical quiet NaN, "0x<bits>" for other NaNs, "Infinity"/"-Infinity".
"""
import json
import os
import subprocess
import zipfile

import pytest

np = pytest.importorskip("numpy")
zarr = pytest.importorskip("zarr")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("BF_TEST_SHARED", os.path.join(ROOT, "..", "shared"))
FIXTURES = os.path.join(SHARED, "fixtures", "bio2zarr")
TOOLS = os.environ.get("BIOFUSE_TOOLS", os.path.join(ROOT, "build", "tools"))
DUMP = os.path.join(TOOLS, "zarr_dump")

V3_TWIN = {"sample.vcz3.zip": "sample.vcz.zip"}
V3_DTYPES = {
    "|b1": "bool", "|i1": "int8", "<i2": "int16", "<i4": "int32", "<i8": "int64",
    "|u1": "uint8", "<u2": "uint16", "<u4": "uint32", "<u8": "uint64",
    "<f2": "float16", "<f4": "float32", "<f8": "float64", "|O": "string",
}


def zips():
    if not os.path.isdir(FIXTURES):
        return []
    return sorted(f for f in os.listdir(FIXTURES) if f.endswith(".zip"))


def canon_nan(size):
    return {2: 0x7E00, 4: 0x7FC00000, 8: 0x7FF8000000000000}[size]


def read_with_defaults(arr):
    """arr[...] with every absent chunk set to the fill value.

    zarr-python 2 leaves absent chunks of a fill_value-null array
    uninitialised (np.empty); the Zarr rule (spec 1.6) is the dtype default.
    """
    import itertools
    a = np.array(arr[...])
    if a.size == 0:
        return a
    fill = arr.fill_value
    if fill is None:
        fill = "" if a.dtype.kind in "OUS" else 0
    grid = [range(-(-s // c)) for s, c in zip(arr.shape, arr.chunks)]
    for idx in itertools.product(*grid):
        key = arr._chunk_key(idx)
        if key in arr.chunk_store:
            continue
        sl = tuple(slice(i * c, min((i + 1) * c, s)) for i, c, s in zip(idx, arr.chunks, arr.shape))
        if a.dtype.kind == "O":
            sub = a[sl]
            for j in np.ndindex(sub.shape):
                sub[j] = fill
        else:
            a[sl] = fill
    return a


def expected_values(arr):
    a = read_with_defaults(arr)
    flat = a.reshape(-1)
    kind = a.dtype.kind
    if kind == "b":
        return [bool(x) for x in flat]
    if kind in "iu":
        return [int(x) for x in flat]
    if kind == "f":
        size = a.dtype.itemsize
        bits = flat.astype(a.dtype.newbyteorder("=")).view("u%d" % size)
        out = []
        for x, b in zip(flat, bits):
            x = float(x)
            if np.isnan(x):
                out.append("NaN" if int(b) == canon_nan(size) else "0x%0*x" % (size * 2, int(b)))
            elif np.isinf(x):
                out.append("Infinity" if x > 0 else "-Infinity")
            else:
                out.append(float(("%.17g" if size == 8 else "%.9g") % x))
        return out
    if kind == "U":
        return [str(x) for x in flat]
    if kind == "S":
        return [x.decode("utf-8") for x in flat]
    if kind == "O":
        return ["" if x is None or (not isinstance(x, str) and x == 0) else str(x) for x in flat]
    raise AssertionError("unexpected dtype %s" % a.dtype)


def dump(store_dir, name):
    r = subprocess.run([DUMP, store_dir, name], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, "zarr_dump %s %s failed: %s" % (store_dir, name, r.stderr)
    return json.loads(r.stdout)


def extract(tmp_path_factory, zname):
    d = tmp_path_factory.mktemp(zname.replace(".", "_"))
    with zipfile.ZipFile(os.path.join(FIXTURES, zname)) as z:
        z.extractall(d)
    return str(d)


def array_names(store_dir):
    names = []
    for n in sorted(os.listdir(store_dir)):
        if os.path.exists(os.path.join(store_dir, n, ".zarray")) or \
                os.path.exists(os.path.join(store_dir, n, "zarr.json")):
            names.append(n)
    return names


@pytest.fixture(scope="module")
def tool():
    if not os.path.isdir(FIXTURES):
        pytest.skip("fixtures not found at %s" % FIXTURES)
    if not os.access(DUMP, os.X_OK):
        pytest.skip("%s not built (make build/tools/zarr_dump)" % DUMP)
    return DUMP


@pytest.mark.parametrize("zname", zips() or ["(no fixtures)"])
def test_store_values(tool, tmp_path_factory, zname):
    if zname not in zips():
        pytest.skip("fixtures not found at %s" % FIXTURES)
    store_dir = extract(tmp_path_factory, zname)
    ref_dir = extract(tmp_path_factory, V3_TWIN[zname]) if zname in V3_TWIN else store_dir
    ref = zarr.open_group(ref_dir, mode="r")
    names = array_names(store_dir)
    assert names, "no arrays in %s" % zname
    checked = 0
    for name in names:
        got = dump(store_dir, name)
        arr = ref[name]
        assert got["shape"] == list(arr.shape), name
        want_dtype = arr.dtype.str
        if zname in V3_TWIN:
            want_dtype = V3_DTYPES.get(want_dtype, want_dtype)
        assert got["dtype"] == want_dtype, name
        want = expected_values(arr)
        assert len(got["values"]) == len(want), name
        assert got["values"] == want, "%s/%s differs" % (zname, name)
        checked += 1
    assert checked == len(names)


def synth_store(path):
    """A v2 store written by zarr-python 2.13 with codecs, dtypes and key styles
    the bio2zarr fixtures lack.  Returns the array names."""
    from numcodecs import (BZ2, LZ4, Blosc, Delta, FixedScaleOffset, GZip, PackBits,
                           Quantize, Zlib, Zstd)
    from numcodecs import AsType
    g = zarr.open_group(str(path), mode="w")
    rng = np.random.default_rng(7)
    ints = rng.integers(-100, 100, size=(23, 7))
    specs = {
        "blosc_lz4": dict(data=ints.astype("<i4"), compressor=Blosc("lz4", 5, 1)),
        "blosc_lz4hc": dict(data=ints.astype("<i8"), compressor=Blosc("lz4hc", 5, 2)),
        "blosc_zlib": dict(data=ints.astype("<i2"), compressor=Blosc("zlib", 5, 0)),
        "blosc_blosclz": dict(data=ints.astype("|i1"), compressor=Blosc("blosclz", 5, 1)),
        "zstd_be": dict(data=ints.astype(">i4"), compressor=Zstd(3)),
        "zlib_u2": dict(data=np.abs(ints).astype("<u2"), compressor=Zlib(1)),
        "gzip_f8": dict(data=ints.astype("<f8") / 7, compressor=GZip(1)),
        "lz4_f2": dict(data=ints.astype("<f2") / 4, compressor=LZ4()),
        "bz2_bef4": dict(data=(ints / 3).astype(">f4"), compressor=BZ2(1)),
        "delta": dict(data=np.cumsum(ints, axis=None).reshape(23, 7).astype("<i4"),
                      compressor=None, filters=[Delta(dtype="<i4", astype="<i2")]),
        "fso": dict(data=(ints / 10.0).astype("<f8"), compressor=Zstd(1),
                    filters=[FixedScaleOffset(offset=0, scale=10, dtype="<f8", astype="<i2")]),
        "quantize": dict(data=(ints / 3.0).astype("<f4"), compressor=Blosc("zstd", 5, 1),
                         filters=[Quantize(digits=3, dtype="<f4")]),
        "astype": dict(data=ints.astype("<f8"), compressor=None,
                       filters=[AsType(encode_dtype="<i2", decode_dtype="<f8")]),
        "packbits": dict(data=(ints % 3 == 0), compressor=None, filters=[PackBits()]),
        "fixed_u": dict(data=np.array([["ab", "", "\u00e9x", "q"][i % 4] for i in range(23 * 7)],
                                      dtype="<U2").reshape(23, 7), compressor=Zlib(1)),
        "fixed_s": dict(data=np.array([[b"ab", b"", b"c"][i % 3] for i in range(23 * 7)],
                                      dtype="|S2").reshape(23, 7), compressor=None),
        "nested": dict(data=ints.astype("<i4"), compressor=Blosc("zstd", 5, 1),
                       dimension_separator="/"),
        "fill_nan": dict(data=None, dtype="<f4", fill_value=np.nan, compressor=None),
        "fill_int": dict(data=None, dtype="<i2", fill_value=-9, compressor=None),
        "bool_true": dict(data=None, dtype="|b1", fill_value=True, compressor=None),
    }
    for name, s in specs.items():
        data = s.pop("data")
        kw = dict(chunks=(5, 3), overwrite=True)
        kw.update(s)
        if data is None:
            a = g.create(name, shape=(23, 7), **kw)
            a[:6, :4] = 1  # one stored chunk, the rest absent
        else:
            a = g.create(name, shape=data.shape, dtype=data.dtype, **kw)
            a[...] = data
    return sorted(specs)


def test_synthetic_values(tool, tmp_path):
    names = synth_store(tmp_path / "s.zarr")
    ref = zarr.open_group(str(tmp_path / "s.zarr"), mode="r")
    for name in names:
        got = dump(str(tmp_path / "s.zarr"), name)
        arr = ref[name]
        assert got["shape"] == list(arr.shape), name
        assert got["dtype"] == arr.dtype.str, name
        assert got["values"] == expected_values(arr), name
