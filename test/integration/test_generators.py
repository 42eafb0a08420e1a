"""Tests for the fixture generators in scripts/ (vcf2vcz, gen_vcf, make_fixtures,
make_bench_store).  Run: /usr/bin/python3 -m pytest test/integration/test_generators.py
"""

import gzip
import json
import os
import shutil
import subprocess
import zipfile

import numpy as np
import pytest
import zarr

import gen_vcf
import make_bench_store
import vcf2vcz
import vczlib


def _same(a, b):
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert vczlib.json_values(a) == vczlib.json_values(b)


def _open_v2(path):
    if zipfile.is_zipfile(path):
        return zarr.open_group(zarr.ZipStore(path, mode="r"), mode="r")
    if os.path.exists(os.path.join(path, ".zmetadata")):
        return zarr.open_consolidated(path, mode="r")
    return zarr.open_group(path, mode="r")


@pytest.fixture(scope="module")
def manifest(generated_fixtures):
    with open(generated_fixtures / "manifest.json") as f:
        return json.load(f)


def _stores(manifest, fmt):
    return [s for s in manifest["stores"] if s["zarr_format"] == fmt]


# --------------------------------------------------------------------------- make_fixtures

def test_manifest_covers_the_matrix(manifest, generated_fixtures):
    names = {s["name"] for s in manifest["stores"]}
    assert {"v2_dtypes", "v2_nested", "v2_consolidated", "v2_compressors", "v2_filters",
            "v2_fill", "v2_shapes", "v3_codecs", "vcz_basic", "vcz_zip", "vcz_v3",
            "vcz_null_samples", "vcz_proportional"} <= names
    for s in manifest["stores"]:
        assert os.path.exists(generated_fixtures / s["path"])
        assert os.path.exists(generated_fixtures / (s["name"] + ".expected.json"))
    comp = next(s for s in manifest["stores"] if s["name"] == "v2_compressors")
    for cname in ("blosclz", "lz4", "lz4hc", "zlib", "zstd"):
        for sh in (0, 1, 2):
            assert "blosc_%s_s%d" % (cname, sh) in comp["arrays"]
    dt = next(s for s in manifest["stores"] if s["name"] == "v2_dtypes")["arrays"]
    assert dt["float_f4"]["values"][7] == "0x7f800001"
    assert dt["float_f4"]["values"][8] == "0x7f800002"
    assert dt["float_f4"]["values"][5] == "0x7f800000"
    assert dt["int_i8_be"]["dtype"] == ">i8"
    assert dt["int_i8_be"]["values"][0] == -2**63


def test_v2_fixtures_read_back_with_zarr213(manifest, generated_fixtures):
    checked = 0
    for st in _stores(manifest, 2):
        g = _open_v2(str(generated_fixtures / st["path"]))
        for name, exp in st["arrays"].items():
            a = vczlib.zarr2_read(g[name])
            assert list(a.shape) == exp["shape"], (st["name"], name)
            assert ("|O" if a.dtype.kind == "O" else a.dtype.str) == exp["dtype"]
            assert vczlib.json_values(a) == exp["values"], (st["name"], name)
            checked += 1
    assert checked > 250


def test_v3_fixtures_read_back(manifest, generated_fixtures):
    for st in _stores(manifest, 3):
        r = vczlib.StoreReader(str(generated_fixtures / st["path"]))
        assert r.zarr_format == 3
        for name, exp in st["arrays"].items():
            a = r.read(name)
            assert list(a.shape) == exp["shape"]
            assert vczlib.json_values(a) == exp["values"], (st["name"], name)


def test_missing_chunks_are_not_written(generated_fixtures):
    root = generated_fixtures
    assert not os.path.exists(root / "v2_fill" / "null_i4" / "0")
    assert os.path.exists(root / "v2_fill" / "null_i4" / "1")
    assert not os.path.exists(root / "v2_fill" / "seven_i2" / "0")
    assert sorted(os.listdir(root / "v2_shapes" / "mostly_missing")) == [
        ".zarray", ".zattrs", "1.1"]
    assert sorted(os.listdir(root / "v2_shapes" / "all_missing")) == [".zarray", ".zattrs"]
    assert os.listdir(root / "v3_codecs" / "fill_hex_f4" / "c") != []
    assert not os.path.exists(root / "v3_codecs" / "fill_hex_f4" / "c" / "0")
    assert os.path.exists(root / "v3_codecs" / "key_v2_slash" / "1" / "0")
    assert os.path.exists(root / "v3_codecs" / "key_default_dot" / "c.1.0")
    assert os.path.exists(root / "v2_nested" / "int_i4" / "2" / "1")
    assert os.path.exists(root / "v2_dtypes" / "int_i4" / "2.1")
    meta = json.load(open(root / "v2_fill" / "base64_S3" / ".zarray"))
    assert meta["fill_value"] == "YWI="
    meta = json.load(open(root / "v2_fill" / "nan_f4" / ".zarray"))
    assert meta["fill_value"] == "NaN"
    meta = json.load(open(root / "v3_codecs" / "fill_hex_f8_vcz" / "zarr.json"))
    assert meta["fill_value"] == "0x7ff0000000000001"


def test_crc32c_and_v3_chunk_bytes(generated_fixtures):
    assert vczlib.crc32c(b"123456789") == 0xE3069283
    raw = open(generated_fixtures / "v3_codecs" / "crc32c" / "c" / "1" / "0", "rb").read()
    body = raw[:-4]
    assert int.from_bytes(raw[-4:], "little") == vczlib.crc32c(body)
    le = np.frombuffer(body, "<i4")
    be = np.frombuffer(open(generated_fixtures / "v3_codecs" / "bytes_be" / "c" / "1" / "0",
                            "rb").read(), ">i4")
    assert le.tolist() == be.tolist() and len(le) == 6


def test_vcz_fixture_semantics(manifest):
    st = {s["name"]: s for s in manifest["stores"]}
    nul = st["vcz_null_samples"]["arrays"]
    ids = nul["sample_id"]["values"]
    assert [i for i, v in enumerate(ids) if v == ""] == [1, 4, 5, 6, 7]
    S = nul["call_genotype"]["shape"][1]
    gt = np.array(nul["call_genotype"]["values"]).reshape(-1, S, 2)
    assert (gt[:, [1, 4, 5, 6, 7]] == -1).all()
    prop = st["vcz_proportional"]["arrays"]
    assert prop["call_genotype"]["chunks"][0] == 10
    assert prop["variant_position"]["chunks"][0] == 30
    ri = np.array(prop["region_index"]["values"]).reshape(-1, 6)
    V = prop["variant_position"]["shape"][0]
    assert ri[:, 5].sum() == V and ri[:, 0].max() == (V - 1) // 10
    basic = st["vcz_basic"]["arrays"]
    g = np.array(basic["call_genotype"]["values"])
    assert (g == -2).any() and (g == -1).any()  # haploid fill and missing present
    assert "chrM" in basic["contig_id"]["values"]


def test_vcz_zip_is_stored(generated_fixtures):
    with zipfile.ZipFile(generated_fixtures / "vcz_zip.vcz.zip") as zf:
        infos = zf.infolist()
        assert infos and all(i.compress_type == zipfile.ZIP_STORED for i in infos)
        assert ".zgroup" in zf.namelist() and "call_genotype/0.0.0" in zf.namelist()


# --------------------------------------------------------------------------- vcf2vcz

HAND_VCF = """##fileformat=VCFv4.2
##contig=<ID=chr1,length=1000>
##contig=<ID=chrM,length=16569>
##FILTER=<ID=q10,Description="Quality below 10">
##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">
##INFO=<ID=F,Number=0,Type=Flag,Description="Flag">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\tC\tD\tE
chr1\t10\trs1\tA\tG\t30\tPASS\tDP=5;F\tGT\t0/1\t./.\t0/.\t1|1\t.|1
chr1\t20\t.\tAT\tA,ATT\t.\tq10\t.\tGT\t1/2\t2|2\t0/0\t0/1\t./.
chr1\t300\t.\tC\t.\t5\t.\tDP=300\tGT\t0/0\t0/0\t0/0\t0/0\t0/0
chrM\t7\trs9\tG\tC\t50\tPASS\t.\tGT\t1\t0\t.\t1\t0
"""


def test_vcf2vcz_hand_written_cases(work_dir):
    src = work_dir / "hand.vcf.gz"
    with gzip.open(src, "wt") as f:
        f.write(HAND_VCF)
    out = str(work_dir / "hand.vcz")
    vcf2vcz.convert(str(src), out, variants_chunk=2, samples_chunk=4)
    g = zarr.open_group(out, mode="r")
    rd = lambda n: vczlib.zarr2_read(g[n])  # noqa: E731
    assert rd("sample_id").tolist() == ["A", "B", "C", "D", "E"]
    assert rd("contig_id").tolist() == ["chr1", "chrM"]
    assert rd("contig_length").tolist() == [1000, 16569]
    assert rd("filter_id").tolist() == ["PASS", "q10"]
    assert rd("variant_position").dtype == np.int16
    assert rd("variant_position").tolist() == [10, 20, 300, 7]
    assert rd("variant_length").tolist() == [1, 2, 1, 1]
    assert rd("variant_allele").tolist() == [["A", "G", ""], ["AT", "A", "ATT"],
                                             ["C", "", ""], ["G", "C", ""]]
    assert rd("variant_id").tolist() == ["rs1", ".", ".", "rs9"]
    assert rd("variant_id_mask").tolist() == [False, True, True, False]
    q = rd("variant_quality").view("<u4")
    assert q[1] == 0x7F800001 and rd("variant_quality")[0] == 30
    assert rd("variant_filter").tolist() == [[True, False], [False, True], [False, False],
                                             [True, False]]
    assert rd("variant_DP").tolist() == [5, -1, 300, -1]
    assert rd("variant_F").tolist() == [True, False, False, False]
    gt = rd("call_genotype")
    assert gt.dtype == np.int8 and gt.shape == (4, 5, 2)
    assert gt[0].tolist() == [[0, 1], [-1, -1], [0, -1], [1, 1], [-1, 1]]
    assert gt[1].tolist() == [[1, 2], [2, 2], [0, 0], [0, 1], [-1, -1]]
    assert gt[3].tolist() == [[1, -2], [0, -2], [-1, -2], [1, -2], [0, -2]]
    ph = rd("call_genotype_phased")
    assert ph[0].tolist() == [False, False, False, True, True]
    assert ph[3].tolist() == [True] * 5
    assert (rd("call_genotype_mask") == (gt < 0)).all()
    assert rd("region_index").tolist() == [[0, 0, 10, 20, 21, 2], [1, 0, 300, 300, 300, 1],
                                           [1, 1, 7, 7, 7, 1]]
    meta = json.load(open(os.path.join(out, "call_genotype", ".zarray")))
    assert meta["fill_value"] is None and meta["compressor"]["shuffle"] == 2
    assert meta["compressor"]["cname"] == "zstd" and meta["compressor"]["clevel"] == 7
    assert meta["chunks"] == [2, 4, 2] and meta["dimension_separator"] == "."
    # chunks equal to the default value are not written (variant_F rows 2-3 all false)
    assert os.path.exists(os.path.join(out, "variant_F", "0"))
    assert not os.path.exists(os.path.join(out, "variant_F", "1"))
    assert os.path.exists(os.path.join(out, "call_genotype_mask", "1.1.0"))
    ri = json.load(open(os.path.join(out, "region_index", ".zarray")))
    assert ri["compressor"]["clevel"] == 9 and ri["compressor"]["shuffle"] == 0
    assert json.load(open(os.path.join(out, ".zattrs")))["vcf_zarr_version"] == "0.4"


def test_vcf2vcz_v3_layout(work_dir):
    src = work_dir / "hand.vcf"
    src.write_text(HAND_VCF)
    out = str(work_dir / "hand3.vcz")
    vcf2vcz.convert(str(src), out, zarr_format=3, variants_chunk=2, samples_chunk=4)
    meta = json.load(open(os.path.join(out, "call_genotype", "zarr.json")))
    assert meta["codecs"][1]["configuration"]["shuffle"] == "bitshuffle"
    assert meta["dimension_names"] == ["variants", "samples", "ploidy"]
    assert os.path.exists(os.path.join(out, "call_genotype", "c", "1", "1", "0"))
    pos = json.load(open(os.path.join(out, "variant_position", "zarr.json")))
    assert pos["data_type"] == "int16"
    assert pos["codecs"][0] == {"name": "bytes", "configuration": {"endian": "little"}}
    r = vczlib.StoreReader(out)
    assert r.read("variant_allele")[1].tolist() == ["AT", "A", "ATT"]
    assert r.read("call_genotype")[3, :, 1].tolist() == [-2] * 5


CORE = ("sample_id", "contig_id", "variant_position", "variant_allele", "variant_id",
        "call_genotype", "call_genotype_phased", "region_index", "call_genotype_mask",
        "variant_contig", "variant_length", "variant_quality", "filter_id", "variant_id_mask",
        "contig_length")


@pytest.mark.parametrize("name", ["sample", "sample-split-alleles", "msprime_diploid",
                                  "1kg_2020_chrM", "chr22"])
def test_vcf2vcz_matches_bio2zarr(name, bio2zarr_fixtures, work_dir):
    real = _open_v2(os.path.join(bio2zarr_fixtures, name + ".vcz.zip"))
    vc, sc = real["call_genotype"].chunks[:2]
    out = str(work_dir / (name + ".vcz.zip"))
    vcf2vcz.convert(os.path.join(bio2zarr_fixtures, name + ".vcf.gz"), out, zip_output=True,
                    variants_chunk=vc, samples_chunk=sc)
    mine = _open_v2(out)
    compared = 0
    for arr in CORE:
        if arr not in real:
            continue
        _same(vczlib.zarr2_read(mine[arr]), vczlib.zarr2_read(real[arr]))
        compared += 1
    assert compared >= 12
    # arrays bio2zarr wrote directly (not re-created by vcztools) have identical metadata
    for arr in ("call_genotype", "call_genotype_phased", "call_genotype_mask", "sample_id",
                "contig_id", "filter_id", "region_index", "variant_id_mask"):
        a, b = mine[arr], real[arr]
        assert (a.dtype, a.fill_value, a.chunks, a.compressor, a.filters) == (
            b.dtype, b.fill_value, b.chunks, b.compressor, b.filters), arr
        assert a.attrs["_ARRAY_DIMENSIONS"] == b.attrs["_ARRAY_DIMENSIONS"]


def test_vcf2vcz_info_fields_match_bio2zarr(bio2zarr_fixtures, work_dir):
    """field_type_combos: no GT; every INFO Integer/Float/Flag/String(1) array we write
    must equal bio2zarr's (Character, multi-valued String and FORMAT are skipped)."""
    out = str(work_dir / "ftc.vcz")
    vcf2vcz.convert(os.path.join(bio2zarr_fixtures, "field_type_combos.vcf.gz"), out,
                    variants_chunk=100, samples_chunk=2)
    real = vczlib.StoreReader(os.path.join(bio2zarr_fixtures, "field_type_combos.vcz.zip"))
    mine = vczlib.StoreReader(out)
    common = set(mine.array_names()) & set(real.array_names())
    assert set(mine.array_names()) <= set(real.array_names())
    assert len([n for n in common if n.startswith("variant_I")]) >= 12
    for arr in sorted(common):
        _same(mine.read(arr), real.read(arr))


def test_vcf2vcz_v3_matches_bio2zarr_v3(bio2zarr_fixtures, work_dir):
    out = str(work_dir / "s3.vcz")
    vcf2vcz.convert(os.path.join(bio2zarr_fixtures, "sample.vcf.gz"), out, zarr_format=3,
                    variants_chunk=4, samples_chunk=3)
    real = vczlib.StoreReader(os.path.join(bio2zarr_fixtures, "sample.vcz3.zip"))
    mine = vczlib.StoreReader(out)
    for arr in CORE:
        if arr in real.array_names():
            _same(mine.read(arr), real.read(arr))
    for arr in ("call_genotype", "sample_id", "region_index", "call_genotype_phased"):
        a = json.loads(mine.get(arr + "/zarr.json"))
        b = json.loads(real.get(arr + "/zarr.json"))
        for k in ("data_type", "chunk_grid", "chunk_key_encoding", "fill_value", "codecs",
                  "dimension_names", "storage_transformers", "node_type"):
            assert a[k] == b[k], (arr, k)


# --------------------------------------------------------------------------- gen_vcf

def _have(*tools):
    return all(shutil.which(t) for t in tools)


def test_gen_vcf_accepted_by_bcftools_and_plink2(work_dir):
    if not _have("bcftools", "plink2"):
        pytest.skip("bcftools/plink2 absent")
    vcf = str(work_dir / "g.vcf")
    n = gen_vcf.generate(vcf, seed=5, samples=11, variants=200, missing_rate=0.05,
                         half_call_rate=0.05, multiallelic_rate=0.05, monomorphic_rate=0.05,
                         indel_rate=0.1, haploid_rate=0.02)
    assert n == 200
    res = subprocess.run(["bcftools", "view", "-H", vcf], capture_output=True, text=True,
                         check=True)
    lines = res.stdout.splitlines()
    assert len(lines) == 200
    keys = [(l.split("\t")[0], int(l.split("\t")[1])) for l in lines]
    assert len(set(keys)) == 200
    order = {"chr1": 0, "chr2": 1, "chrX": 2, "chrM": 3}
    assert keys == sorted(keys, key=lambda k: (order[k[0]], k[1]))
    multi = sum(1 for l in lines if "," in l.split("\t")[4])
    assert multi > 0 and any(l.split("\t")[4] == "." for l in lines)
    assert any(l.split("\t")[2].startswith("rs") for l in lines)
    prefix = str(work_dir / "g")
    subprocess.run(["plink2", "--vcf", vcf, "--make-bed", "--double-id", "--max-alleles",
                    "2", "--allow-extra-chr", "--vcf-half-call", "m", "--out", prefix],
                   capture_output=True, check=True)
    assert len(open(prefix + ".bim").read().splitlines()) == 200 - multi
    assert len(open(prefix + ".fam").read().splitlines()) == 11


def test_gen_vcf_linkage_roundtrip(work_dir):
    vcf = str(work_dir / "l.vcf.gz")
    gen_vcf.generate(vcf, seed=2, samples=9, variants=150, linkage=True, phased=True,
                     contigs="1:200000,MT")
    out = str(work_dir / "l.vcz")
    arrays = vcf2vcz.convert(vcf, out, variants_chunk=50, samples_chunk=4)
    g = zarr.open_group(out, mode="r")
    gt = vczlib.zarr2_read(g["call_genotype"])
    assert gt.shape == (150, 9, 2) and set(np.unique(gt)) <= {0, 1}
    assert vczlib.zarr2_read(g["call_genotype_phased"]).all()
    assert vczlib.zarr2_read(g["contig_id"]).tolist() == ["1", "MT"]
    _same(gt, arrays["call_genotype"][0])
    # linkage: neighbouring variants are correlated far more than independent draws
    h = gt.reshape(150, -1).astype(float)
    h = h[(h.std(axis=1) > 0)]
    c = np.corrcoef(h)
    assert np.nanmean(np.abs(np.diag(c, 1))) > 0.3


# --------------------------------------------------------------------------- bench store

def test_bench_store_small(work_dir):
    out = str(work_dir / "bench.vcz")
    r = make_bench_store.make_store(out, samples=3000, variants=2500, variants_chunk=1000,
                                    samples_chunk=1024, seed=3, verbose=False)
    assert 8 < r["ratio"] < 60
    g = zarr.open_group(out, mode="r")
    gt = g["call_genotype"]
    assert gt.shape == (2500, 3000, 2) and gt.chunks == (1000, 1024, 2)
    assert gt.dtype == np.int8 and gt.compressor.shuffle == 2
    vals = vczlib.zarr2_read(gt)
    assert set(np.unique(vals)) <= {0, 1} and vals.mean() > 0.01
    ri = vczlib.zarr2_read(g["region_index"])
    assert ri[:, 5].tolist() == [1000, 1000, 500]
    pos = vczlib.zarr2_read(g["variant_position"])
    assert (np.diff(pos) > 0).all() and ri[1, 2] == pos[1000]
    assert vczlib.zarr2_read(g["sample_id"])[[0, 2999]].tolist() == ["s0", "s2999"]
    assert g["sample_id"].chunks == (1024,)
    # deterministic values (blosc block order may differ with threads, values may not)
    out2 = str(work_dir / "bench2.vcz")
    make_bench_store.make_store(out2, samples=3000, variants=2500, variants_chunk=1000,
                                samples_chunk=1024, seed=3, verbose=False)
    assert (vczlib.zarr2_read(zarr.open_group(out2, mode="r")["call_genotype"]) == vals).all()
