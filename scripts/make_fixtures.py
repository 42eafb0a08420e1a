#!/usr/bin/python3
"""Write small Zarr/VCZ stores covering every variant the C reader must support, with the
values written, for C-side tests.

usage: make_fixtures.py OUT_DIR

OUT_DIR/manifest.json:
  {"version": 1, "stores": [{"name", "path" (relative to OUT_DIR), "zarr_format",
    "kind": "zarr"|"vcz", "notes", "arrays": {NAME: {"dtype", "shape", "chunks",
    "values": [flat C-order list]}}}]}
Each store also has a sidecar OUT_DIR/<name>.expected.json holding its manifest entry.
Value conventions: ints as ints, bools as true/false, finite floats as numbers, non-finite
floats as their IEEE bit pattern hex string ("0x7f800001"), strings as strings (|S bytes
decoded as latin-1, trailing NULs stripped).
"""

import argparse
import json
import os
import shutil
import sys

import numcodecs
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_vcf  # noqa: E402
import vcf2vcz  # noqa: E402
import vczlib  # noqa: E402

BLOSC_CNAMES = ("blosclz", "lz4", "lz4hc", "zlib", "zstd")


class Store:
    def __init__(self, out_dir, name, zarr_format=2, kind="zarr", notes="", path=None):
        self.out_dir = out_dir
        self.name = name
        self.path = path or name
        self.root = os.path.join(out_dir, self.path)
        self.zarr_format = zarr_format
        self.kind = kind
        self.notes = notes
        self.arrays = {}
        if kind == "zarr":
            if os.path.exists(self.root):
                shutil.rmtree(self.root)
            vczlib.write_group(self.root, {"fixture": name}, zarr_format)

    def add(self, name, data, chunks, expected=None, **kw):
        if not isinstance(data, np.ndarray):
            data = np.asarray(data)
        w = vczlib.write_array(self.root, name, data, chunks, zarr_format=self.zarr_format,
                               **kw)
        exp = data if expected is None else expected
        self.record(name, exp, w.chunks)
        return w

    def record(self, name, values, chunks):
        values = np.asarray(values) if not (isinstance(values, np.ndarray)) else values
        self.arrays[name] = {
            "dtype": "|O" if values.dtype.kind == "O" else values.dtype.str,
            "shape": list(values.shape), "chunks": list(chunks),
            "values": vczlib.json_values(values)}

    def entry(self):
        return {"name": self.name, "path": self.path, "zarr_format": self.zarr_format,
                "kind": self.kind, "notes": self.notes, "arrays": self.arrays}


def _ints(rng, shape, dtype):
    info = np.iinfo(np.dtype(dtype))
    lo, hi = max(info.min, -1000), min(info.max, 1000)
    out = rng.integers(lo, hi + 1, size=shape).astype(dtype)
    out.flat[0] = info.min
    out.flat[-1] = info.max
    return out


def dtype_store(out_dir, name, key_sep=".", consolidated=False, notes=""):
    """Every v2 dtype, 7x5 arrays in 3x2 chunks (edge chunks on both axes), one chunk
    equal to the fill value (not written)."""
    rng = np.random.default_rng(11)
    st = Store(out_dir, name, notes=notes)
    shape, chunks = (7, 5), (3, 2)
    for dt in ("|i1", "<i2", "<i4", "<i8", ">i2", ">i4", ">i8",
               "|u1", "<u2", "<u4", "<u8", ">u2", ">u4", ">u8"):
        d = _ints(rng, shape, dt)
        d[0:3, 2:4] = 0  # chunk (0,1) == default -> missing
        st.add("int_" + dt[1:] + ("_be" if dt[0] == ">" else ""), d, chunks, key_sep=key_sep)
    b = rng.random(shape) < 0.5
    b[3:6, 0:2] = False
    st.add("bool", b, chunks, key_sep=key_sep, compressor=vczlib.blosc("zstd", 7, 2))
    for dt in ("<f2", "<f4", "<f8", ">f4", ">f8"):
        d = (rng.standard_normal(shape) * 100).astype(dt)
        d[0:3, 0:2] = 0
        d.flat[5] = np.inf
        d.flat[6] = -np.inf
        if np.dtype(dt).itemsize == 4:
            d.flat[7] = np.array([0x7F800001], dtype="u4").view("f4")[0]  # VCZ missing
            d.flat[8] = np.array([0x7F800002], dtype="u4").view("f4")[0]  # VCZ fill
        else:
            d.flat[7] = np.nan
        st.add("float_" + dt[1:] + ("_be" if dt[0] == ">" else ""), d, chunks,
               key_sep=key_sep)
    s = np.array([["s%d_%d" % (i, j) if (i + j) % 4 else "" for j in range(5)]
                  for i in range(7)], dtype=object)
    s[0, 0] = "\u00e9t\u00e9"
    s[1, 1] = "\u65e5\u672c"
    s[3:6, 2:4] = ""
    st.add("str_O", s, chunks, key_sep=key_sep)
    u1 = np.array([[chr(65 + (i * 5 + j) % 26) if (i + j) % 3 else "" for j in range(5)]
                   for i in range(7)], dtype="<U1")
    u1[0:3, 0:2] = ""
    st.add("str_U1", u1, chunks, key_sep=key_sep)
    u4 = np.array([["ab"[: (i + j) % 3] + "xyz\u00e9"[: j % 4] for j in range(5)]
                   for i in range(7)], dtype="<U4")
    st.add("str_U4", u4, chunks, key_sep=key_sep)
    s5 = np.array([[("b%d%d" % (i, j)).encode()[: (i + 2 * j) % 6] for j in range(5)]
                   for i in range(7)], dtype="|S5")
    st.add("bytes_S5", s5, chunks, key_sep=key_sep)
    if consolidated:
        vczlib.consolidate_v2(st.root)
    return st


def compressor_store(out_dir):
    st = Store(out_dir, "v2_compressors",
               notes="<i4 10x6 in 4x4 chunks (and <i2/<f8/|b1 for blosc) per compressor")
    rng = np.random.default_rng(12)
    d = rng.integers(-5000, 5000, size=(10, 6)).astype("<i4")
    d2 = rng.integers(-300, 300, size=(10, 6)).astype("<i2")
    f8 = rng.standard_normal((10, 6))
    bl = rng.random((10, 6)) < 0.3
    for cname in BLOSC_CNAMES:
        for sh in (0, 1, 2):
            comp = vczlib.blosc(cname, 5, sh)
            st.add("blosc_%s_s%d" % (cname, sh), d, (4, 4), compressor=comp)
            st.add("blosc_%s_s%d_i2" % (cname, sh), d2, (4, 4), compressor=comp)
            st.add("blosc_%s_s%d_f8" % (cname, sh), f8, (4, 4), compressor=comp)
            st.add("blosc_%s_s%d_b1" % (cname, sh), bl, (4, 4), compressor=comp)
    big = np.tile(np.arange(64, dtype="<i4"), 200).reshape(200, 64)  # compressible
    st.add("blosc_zstd_big", big, (128, 64), compressor=vczlib.blosc("zstd", 7, 1))
    st.add("zstd", d, (4, 4), compressor={"id": "zstd", "level": 3})
    st.add("zlib", d, (4, 4), compressor={"id": "zlib", "level": 5})
    st.add("gzip", d, (4, 4), compressor={"id": "gzip", "level": 5})
    st.add("lz4", d, (4, 4), compressor={"id": "lz4", "acceleration": 1})
    st.add("bz2", d, (4, 4), compressor={"id": "bz2", "level": 9})
    st.add("lzma", d, (4, 4), compressor={"id": "lzma", "format": 1, "check": -1,
                                          "preset": None, "filters": None})
    st.add("none", d, (4, 4), no_compressor=True)
    st.add("str_none", np.array(["a", "", "ccc", "dd", "e"], dtype=object), (2,),
           no_compressor=True)
    return st


def filter_store(out_dir):
    st = Store(out_dir, "v2_filters", notes="expected values are the decoded (lossy) values")
    rng = np.random.default_rng(13)

    def roundtrip(filters, data):
        x = data
        codecs = [numcodecs.get_codec(dict(f)) for f in filters]
        for c in codecs:
            x = c.encode(x)
        for c in reversed(codecs):
            x = c.decode(x)
        return np.asarray(x).reshape(data.shape).astype(data.dtype)

    d = np.cumsum(rng.integers(0, 100, size=20)).astype("<i4")
    flt = [{"id": "delta", "dtype": "<i4"}]
    st.add("delta_i4", d, (6,), filters=flt)
    d8 = np.cumsum(rng.integers(-3, 4, size=(5, 4)), axis=1).astype("<i8")
    flt = [{"id": "delta", "dtype": "<i8", "astype": "<i8"}]
    st.add("delta_i8_2d", d8, (2, 4), filters=flt)
    f = np.round(rng.uniform(0, 100, size=15), 1)
    flt = [{"id": "fixedscaleoffset", "offset": 50, "scale": 10, "dtype": "<f8",
            "astype": "<i2"}]
    st.add("fixedscaleoffset_f8", f, (4,), filters=flt, expected=roundtrip(flt, f))
    q = rng.standard_normal(15).astype("<f4")
    flt = [{"id": "quantize", "digits": 3, "dtype": "<f4"}]
    st.add("quantize_f4", q, (4,), filters=flt, expected=roundtrip(flt, q))
    flt = [{"id": "bitround", "keepbits": 5}]
    st.add("bitround_f4", q, (4,), filters=flt, expected=roundtrip(flt, q))
    s = np.array(["x" * (i % 5) for i in range(11)], dtype=object)
    st.add("vlen_utf8", s, (4,))
    return st


def fill_store(out_dir):
    st = Store(out_dir, "v2_fill",
               notes="one chunk of every array equals the fill value and is not written")
    rng = np.random.default_rng(14)

    def arr(dt, fill, other):
        d = np.empty(10, dtype=dt) if np.dtype(dt).kind != "O" else np.empty(10, object)
        d[:] = other
        d[0:4] = fill  # chunk 0 (chunks of 4) == fill -> missing
        d[9] = fill    # edge chunk partially fill
        return d

    st.add("null_i4", arr("<i4", 0, 5), (4,), fill_value=None)
    st.add("zero_i4", arr("<i4", 0, 5), (4,), fill_value=0)
    st.add("seven_i2", arr("<i2", 7, -3), (4,), fill_value=7)
    st.add("neg_i1", arr("|i1", -1, 2), (4,), fill_value=-1)
    st.add("null_b1", arr("|b1", False, True), (4,), fill_value=None)
    st.add("false_b1", arr("|b1", False, True), (4,), fill_value=False)
    st.add("true_b1", arr("|b1", True, False), (4,), fill_value=True)
    st.add("null_f4", arr("<f4", 0.0, 1.5), (4,), fill_value=None)
    st.add("zero_f8", arr("<f8", 0.0, -2.25), (4,), fill_value=0.0)
    st.add("half_f4", arr("<f4", 0.5, 3.0), (4,), fill_value=0.5)
    st.add("nan_f4", arr("<f4", np.nan, 1.0), (4,), fill_value=np.nan)
    st.add("nan_f8", arr("<f8", np.nan, 1.0), (4,), fill_value=np.nan)
    st.add("nan_f2", arr("<f2", np.nan, 1.0), (4,), fill_value=np.nan)
    st.add("inf_f4", arr("<f4", np.inf, 1.0), (4,), fill_value=np.inf)
    st.add("ninf_f8", arr("<f8", -np.inf, 1.0), (4,), fill_value=-np.inf)
    st.add("empty_O", arr(object, "", "v"), (4,), fill_value="")
    st.add("null_O", arr(object, "", "w"), (4,), fill_value=None)
    st.add("abc_O", arr(object, "abc", "z"), (4,), fill_value="abc")
    st.add("empty_U2", arr("<U2", "", "hi"), (4,), fill_value="")
    st.add("base64_S3", arr("|S3", b"ab", b"xyz"), (4,), fill_value=b"ab")
    st.add("null_S3", arr("|S3", b"", b"q"), (4,), fill_value=None)
    del rng
    return st


def shape_store(out_dir, notes=""):
    st = Store(out_dir, "v2_shapes", notes=notes)
    st.add("chunk_larger", np.arange(1, 6, dtype="<i4"), (9,))
    st.add("chunk_larger_2d", np.arange(6, dtype="|i1").reshape(2, 3) + 1, (5, 7))
    st.add("zero_len", np.zeros(0, dtype="<i4"), (1,))
    st.add("zero_len_O", np.zeros(0, dtype=object), (10,))
    st.add("zero_rows_2d", np.zeros((0, 3), dtype="|b1"), (4, 3))
    st.add("edge_3d", (np.arange(5 * 7 * 2) % 11).astype("|i1").reshape(5, 7, 2) - 2,
           (2, 3, 2))
    st.add("one_chunk", np.arange(12, dtype="<i8").reshape(3, 4) + 1, (3, 4))
    m = np.zeros((8, 6), dtype="<i4")
    m[5, 5] = 9  # only chunk (1,1) of 4x3 chunks is written
    st.add("mostly_missing", m, (4, 3))
    st.add("all_missing", np.zeros((5, 4), dtype="<f4"), (2, 2))
    st.add("scalar", np.array(42, dtype="<i4"), ())
    return st


def v3_store(out_dir):
    st = Store(out_dir, "v3_codecs", zarr_format=3,
               notes="Zarr v3 by hand: codecs, key encodings, fill values")
    rng = np.random.default_rng(15)
    d = rng.integers(-1000, 1000, size=(7, 5)).astype("<i4")
    d[0:3, 0:2] = 0
    bl = lambda ts, sh="shuffle": {"name": "blosc", "configuration": {  # noqa: E731
        "typesize": ts, "cname": "zstd", "clevel": 5, "shuffle": sh, "blocksize": 0}}
    le = {"name": "bytes", "configuration": {"endian": "little"}}
    be = {"name": "bytes", "configuration": {"endian": "big"}}
    st.add("bytes_le", d, (3, 2), v3_codecs=[le])
    st.add("bytes_be", d, (3, 2), v3_codecs=[be])
    st.add("bytes_be_i8", d.astype("<i8"), (3, 2), v3_codecs=[be, bl(8)])
    st.add("bytes_be_f8", d.astype("<f8") / 8, (3, 2), v3_codecs=[be, bl(8)])
    st.add("bytes_be_f4", d.astype("<f4") / 4, (3, 2), v3_codecs=[be])
    for sh in ("noshuffle", "shuffle", "bitshuffle"):
        st.add("blosc_" + sh, d, (3, 2), v3_codecs=[le, bl(4, sh)])
    st.add("zstd", d, (3, 2), v3_codecs=[le, {"name": "zstd", "configuration": {
        "level": 3, "checksum": False}}])
    st.add("gzip", d, (3, 2), v3_codecs=[le, {"name": "gzip", "configuration": {"level": 5}}])
    st.add("crc32c", d, (3, 2), v3_codecs=[le, {"name": "crc32c"}])
    st.add("blosc_crc32c", d, (3, 2), v3_codecs=[le, bl(4), {"name": "crc32c"}])
    st.add("transpose", d, (3, 2), v3_codecs=[
        {"name": "transpose", "configuration": {"order": [1, 0]}}, le, bl(4)])
    d3 = (np.arange(4 * 3 * 2) % 7).astype("|i1").reshape(4, 3, 2)
    st.add("transpose_3d", d3, (3, 2, 2), v3_codecs=[
        {"name": "transpose", "configuration": {"order": [2, 0, 1]}}, {"name": "bytes"}])
    b = rng.random((7, 5)) < 0.4
    b[0:3, 0:2] = False
    st.add("bool", b, (3, 2), v3_codecs=[{"name": "bytes"}, bl(1, "bitshuffle")])
    st.add("int8", d.astype("|i1"), (3, 2), v3_codecs=[{"name": "bytes"}, bl(1)])
    st.add("float16", (d / 16).astype("<f2"), (3, 2), v3_codecs=[le, bl(2)])
    st.add("uint16", np.abs(d).astype("<u2"), (3, 2), v3_codecs=[le])
    s = np.array([["v%d" % (i * j) if (i + j) % 3 else "" for j in range(5)]
                  for i in range(7)], dtype=object)
    s[0:3, 0:2] = ""
    s[6, 4] = "\u00fc\u00df"
    st.add("string", s, (3, 2), v3_codecs=[{"name": "vlen-utf8", "configuration": {}},
                                          bl(1)])
    st.add("string_zstd", s, (3, 2), v3_codecs=[{"name": "vlen-utf8"}, {
        "name": "zstd", "configuration": {"level": 1, "checksum": False}}])
    u = np.array(["a", "bc", "", "\u00e9f", "xyz"], dtype="<U3")
    st.add("fixed_utf32", u, (2,), v3_codecs=[le])
    # key encodings
    for nm, enc in (("key_default_dot", {"name": "default", "configuration": {"separator": "."}}),
                    ("key_v2_dot", {"name": "v2", "configuration": {"separator": "."}}),
                    ("key_v2_slash", {"name": "v2", "configuration": {"separator": "/"}})):
        st.add(nm, d, (3, 2), v3_codecs=[le, bl(4)], v3_key_encoding=enc)
    st.add("scalar", np.array(7, dtype="<i4"), (), v3_codecs=[le])
    st.add("zero_len", np.zeros(0, dtype="<i4"), (4,), v3_codecs=[le])
    st.add("chunk_larger", np.arange(1, 6, dtype="<i2"), (9,), v3_codecs=[le])

    # fill values (chunk 0 of 4 elements == fill -> not written)
    def fv(dt, fill_json, fill_val, other):
        x = np.empty(10, dtype=dt)
        x[:] = other
        x[0:4] = fill_val
        x[9] = fill_val
        return x
    nan_bits = lambda bits, dt: np.array([bits], dtype="u%d" % np.dtype(dt).itemsize).view(  # noqa
        dt)[0]
    cases = [
        ("fill_int", "<i4", 7, 7, 1),
        ("fill_true", "|b1", True, True, False),
        ("fill_nan", "<f4", "NaN", np.float32("nan"), 1.0),
        ("fill_inf", "<f4", "Infinity", np.float32("inf"), 1.0),
        ("fill_ninf", "<f8", "-Infinity", -np.inf, 1.0),
        ("fill_hex_f4", "<f4", "0x7fc00000", nan_bits(0x7FC00000, "<f4"), 2.0),
        ("fill_hex_f4_vcz", "<f4", "0x7f800001", nan_bits(0x7F800001, "<f4"), 2.0),
        ("fill_hex_f8_vcz", "<f8", "0x7ff0000000000001",
         nan_bits(0x7FF0000000000001, "<f8"), 2.0),
        ("fill_hex_f2", "<f2", "0x7e00", nan_bits(0x7E00, "<f2"), 2.0),
        ("fill_float", "<f8", 0.25, 0.25, -1.0),
    ]
    for nm, dt, fj, fval, other in cases:
        x = fv(dt, fj, fval, other)
        codecs = [le] if np.dtype(dt).itemsize > 1 else [{"name": "bytes"}]
        st.add(nm, x, (4,), v3_codecs=codecs, fill_value=fj)
    sx = np.array(["zz"] * 4 + ["a", "b", "c", "d", "e", "zz"], dtype=object)
    st.add("fill_string", sx, (4,), v3_codecs=[{"name": "vlen-utf8"}], fill_value="zz")
    return st


def vcz_stores(out_dir, tmp):
    entries = []
    vcf = os.path.join(tmp, "fixture.vcf")
    gen_vcf.generate(vcf, seed=7, samples=13, variants=120,
                     contigs="chr1:5000000,chr2:3000000,chrX:2000000,chrM:16569",
                     missing_rate=0.05, half_call_rate=0.03, multiallelic_rate=0.05,
                     monomorphic_rate=0.05, indel_rate=0.1, haploid_rate=0.03)
    vcf_plain = os.path.join(tmp, "plain.vcf")
    gen_vcf.generate(vcf_plain, seed=8, samples=6, variants=40, contigs="1:100000,2:50000,MT",
                     phased=True, linkage=True)
    specs = [
        ("vcz_basic", vcf, dict(variants_chunk=16, samples_chunk=5),
         "v2 flat; missing, half-calls, multi-allelic, monomorphic, indels, haploid"),
        ("vcz_zip", vcf, dict(variants_chunk=16, samples_chunk=5, zip_output=True),
         "same as vcz_basic, STORED zip"),
        ("vcz_nested", vcf, dict(variants_chunk=32, samples_chunk=4, key_style="nested",
                                 consolidated=True),
         "v2 nested keys + .zmetadata"),
        ("vcz_v3", vcf, dict(variants_chunk=16, samples_chunk=5, zarr_format=3), "Zarr v3"),
        ("vcz_null_samples", vcf, dict(variants_chunk=16, samples_chunk=4,
                                       null_samples=(1, 4, 5, 6, 7)),
         "sample_id '' with all -1 genotypes at 1,4,5,6,7 (sample chunk 1 all null)"),
        ("vcz_proportional", vcf, dict(variants_chunk=10, samples_chunk=5,
                                       variant_chunk_multiplier=3),
         "call_* chunks 10 variants, variant-only arrays 30; region_index in 10-units"),
        ("vcz_plain_contigs", vcf_plain, dict(variants_chunk=8, samples_chunk=4),
         "contigs 1,2,MT; phased, linkage"),
    ]
    for name, src, kw, notes in specs:
        path = name + (".vcz.zip" if kw.get("zip_output") else ".vcz")
        out = os.path.join(out_dir, path)
        if os.path.isdir(out):
            shutil.rmtree(out)
        arrays = vcf2vcz.convert(src, out, **kw)
        st = Store(out_dir, name, zarr_format=kw.get("zarr_format", 2), kind="vcz",
                   notes=notes, path=path)
        reader = vczlib.StoreReader(out)
        for an in reader.array_names():
            vals = reader.read(an)
            if an in arrays:  # check the store against what was intended
                want = arrays[an][0]
                assert vals.dtype == want.dtype and vals.shape == want.shape and (
                    vals.tobytes() == want.tobytes() if vals.dtype.kind != "O"
                    else (vals == want).all()), (name, an)
            st.record(an, vals, _chunks_of(reader, an))
        entries.append(st)
    return entries


def _chunks_of(reader, name):
    if reader.zarr_format == 2:
        return json.loads(reader.get(name + "/.zarray"))["chunks"]
    return json.loads(reader.get(name + "/zarr.json"))["chunk_grid"]["configuration"][
        "chunk_shape"]


def make_all(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    tmp = os.path.join(out_dir, ".tmp")
    os.makedirs(tmp, exist_ok=True)
    stores = [
        dtype_store(out_dir, "v2_dtypes", notes="every dtype, flat keys"),
        dtype_store(out_dir, "v2_nested", key_sep="/", notes="nested keys"),
        dtype_store(out_dir, "v2_consolidated", consolidated=True,
                    notes="flat keys + .zmetadata"),
        compressor_store(out_dir),
        filter_store(out_dir),
        fill_store(out_dir),
        shape_store(out_dir, notes="edge/oversized/zero-length/missing chunks, 0-d"),
        v3_store(out_dir),
    ]
    stores += vcz_stores(out_dir, tmp)
    shutil.rmtree(tmp)
    manifest = {"version": 1, "stores": [s.entry() for s in stores]}
    for s in stores:
        with open(os.path.join(out_dir, s.name + ".expected.json"), "w") as f:
            json.dump(s.entry(), f)
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    return manifest


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    a = ap.parse_args(argv)
    m = make_all(a.out_dir)
    n = sum(len(s["arrays"]) for s in m["stores"])
    print("wrote %d stores, %d arrays, manifest %s" % (
        len(m["stores"]), n, os.path.join(a.out_dir, "manifest.json")))


if __name__ == "__main__":
    main()
