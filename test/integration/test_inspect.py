"""`biofuse inspect STORE`: one JSON object describing a VCZ store.

Oracles: zarr 2.13 (shape/chunks/dtype of v2 stores, sample_id, contig_id), the raw
zarr.json documents of v3 stores, and a plain listing of the store's objects for
chunk_files.  Errors: one `Error:` line, exit 1, nothing on stdout, no traceback/crash.
"""

import json
import os
import zipfile

import pytest
import zarr

from helpers_view import bf, chunk_file_counts, make_store

KEYS = {"zarr_format", "vcf_zarr_version", "num_samples", "num_variants", "ploidy",
        "contigs", "arrays"}
ARRAY_KEYS = {"shape", "chunks", "dtype", "codecs", "chunk_files"}

BIO2ZARR = ["sample", "sample.vcz3", "sample-split-alleles", "msprime_diploid", "chr22",
            "1kg_2020_chrM", "1kg_2020_chr20_annotations", "field_type_combos"]

GENERATED = [
    ("flat_v2", dict(seed=31, samples=7, variants=50, contigs="chr1,2,chrM",
                     multiallelic_rate=0.1, missing_rate=0.1),
     dict(variants_chunk=7, samples_chunk=3)),
    ("nested_v2_zip", dict(seed=32, samples=5, variants=40, contigs="chr1,chrX"),
     dict(zip_output=True, key_style="nested", variants_chunk=9, samples_chunk=2,
          variant_chunk_multiplier=2)),
    ("v3_dir", dict(seed=33, samples=13, variants=30, contigs="1", phased=True),
     dict(zarr_format=3, variants_chunk=8, samples_chunk=4)),
    ("v3_zip_nulls", dict(seed=34, samples=6, variants=20, contigs="chr2"),
     dict(zarr_format=3, zip_output=True, null_samples=[0, 3], variants_chunk=5)),
    ("haploid", dict(seed=35, samples=4, variants=12, contigs="1", haploid_rate=1.0),
     dict(variants_chunk=5, compressor="zlib")),
    ("consolidated", dict(seed=36, samples=3, variants=10, contigs="chr1"),
     dict(consolidated=True, compressor="none")),
]


@pytest.fixture(scope="module")
def gen_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("inspect_gen")


@pytest.fixture(scope="module")
def generated(gen_dir):
    return {name: make_store(gen_dir, name, g, c)[1] for name, g, c in GENERATED}


def _inspect(biofuse_bin, store):
    r = bf(biofuse_bin, "inspect", store)
    assert r.stderr == b""
    return json.loads(r.stdout)


def _v3_meta(store):
    """{array name: zarr.json dict} and the root zarr.json of a v3 store."""
    docs = {}
    if zipfile.is_zipfile(store):
        with zipfile.ZipFile(store) as z:
            for n in z.namelist():
                if n.endswith("zarr.json"):
                    docs[n[:-len("zarr.json")].rstrip("/")] = json.loads(z.read(n))
    else:
        for root, _d, files in os.walk(store):
            if "zarr.json" in files:
                with open(os.path.join(root, "zarr.json")) as f:
                    docs[os.path.relpath(root, store).replace(os.sep, "/").lstrip(".")] = \
                        json.load(f)
    root = docs.pop("", None)
    return {k: v for k, v in docs.items() if v.get("node_type") == "array"}, root


def _open_v2(store):
    if zipfile.is_zipfile(store):
        return zarr.open_group(zarr.ZipStore(store, mode="r"), mode="r")
    return zarr.open_group(store, mode="r")


def _check(got, store, *, num_samples=None):
    assert set(got) == KEYS
    counts = chunk_file_counts(store)
    for name, a in got["arrays"].items():
        assert set(a) == ARRAY_KEYS, name
        assert a["chunk_files"] == counts.get(name, 0), (name, a["chunk_files"], counts.get(name))
        assert isinstance(a["codecs"], list)
    if got["zarr_format"] == 2:
        g = _open_v2(store)
        names = sorted(n for n, _ in g.arrays())
        assert sorted(got["arrays"]) == names
        for name in names:
            z = g[name]
            a = got["arrays"][name]
            assert tuple(a["shape"]) == z.shape, name
            assert tuple(a["chunks"]) == z.chunks, name
            assert a["dtype"] == z.dtype.str, (name, a["dtype"], z.dtype.str)
        assert got["vcf_zarr_version"] == g.attrs["vcf_zarr_version"]
        sample_ids = [s for s in g["sample_id"][:]]
        contigs = list(g["contig_id"][:])
        nv = g["variant_position"].shape[0]
        ploidy = g["call_genotype"].shape[2] if "call_genotype" in g else None
    else:
        meta, root = _v3_meta(store)
        assert sorted(got["arrays"]) == sorted(meta)
        for name, m in meta.items():
            a = got["arrays"][name]
            assert a["shape"] == m["shape"], name
            assert a["chunks"] == m["chunk_grid"]["configuration"]["chunk_shape"], name
            assert a["dtype"] == m["data_type"], name
            assert a["codecs"] == m["codecs"], name
        assert got["vcf_zarr_version"] == root["attributes"]["vcf_zarr_version"]
        sample_ids = None
        contigs = None
        nv = meta["variant_position"]["shape"][0]
        ploidy = meta["call_genotype"]["shape"][2] if "call_genotype" in meta else None
    assert got["num_variants"] == nv
    assert got["ploidy"] == ploidy
    if sample_ids is not None:
        assert got["num_samples"] == sum(1 for s in sample_ids if s != "")
    if num_samples is not None:
        assert got["num_samples"] == num_samples
    if contigs is not None:
        assert got["contigs"] == contigs


@pytest.mark.parametrize("name", BIO2ZARR)
def test_bio2zarr(biofuse_bin, bio2zarr_fixtures, name):
    store = os.path.join(bio2zarr_fixtures, name + (".zip" if name.endswith("vcz3")
                                                   else ".vcz.zip"))
    got = _inspect(biofuse_bin, store)
    _check(got, store)
    if name.startswith("sample"):
        assert got["contigs"] == ["19", "20", "X"] and got["num_samples"] == 3


def test_sample_v2_v3_agree(biofuse_bin, bio2zarr_fixtures):
    a = _inspect(biofuse_bin, os.path.join(bio2zarr_fixtures, "sample.vcz.zip"))
    b = _inspect(biofuse_bin, os.path.join(bio2zarr_fixtures, "sample.vcz3.zip"))
    assert (a["zarr_format"], b["zarr_format"]) == (2, 3)
    for k in ("num_samples", "num_variants", "ploidy", "contigs", "vcf_zarr_version"):
        assert a[k] == b[k], k
    for name in set(a["arrays"]) & set(b["arrays"]):
        assert a["arrays"][name]["shape"] == b["arrays"][name]["shape"]


@pytest.mark.parametrize("name", [g[0] for g in GENERATED])
def test_generated(biofuse_bin, generated, name):
    expect = {"flat_v2": 7, "nested_v2_zip": 5, "v3_dir": 13, "v3_zip_nulls": 4,
              "haploid": 4, "consolidated": 3}[name]
    got = _inspect(biofuse_bin, generated[name])
    _check(got, generated[name], num_samples=expect)
    assert got["ploidy"] == (1 if name == "haploid" else 2)
    assert got["zarr_format"] == (3 if name.startswith("v3") else 2)


def test_absent_chunks_not_counted(biofuse_bin, gen_dir):
    """Removing chunk files (they then read as the fill value) lowers chunk_files."""
    _vcf, store = make_store(gen_dir, "sparse", dict(seed=37, samples=4, variants=20,
                                                     contigs="chr1"),
                             dict(variants_chunk=5))
    before = _inspect(biofuse_bin, store)["arrays"]["call_genotype"]["chunk_files"]
    os.remove(os.path.join(store, "call_genotype", "1.0.0"))
    os.remove(os.path.join(store, "call_genotype", "3.0.0"))
    after = _inspect(biofuse_bin, store)["arrays"]["call_genotype"]["chunk_files"]
    assert (before, after) == (4, 2)


# ---------------------------------------------------------------------------------------
# errors

def _one_error(r):
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert r.stdout == b""
    err = r.stderr.decode()
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    return lines[0]


def test_missing_store(biofuse_bin, work_dir):
    line = _one_error(bf(biofuse_bin, "inspect", work_dir / "absent.vcz", rc=None))
    assert "absent.vcz" in line


def test_not_a_store_dir(biofuse_bin, work_dir):
    (work_dir / "plain").mkdir()
    (work_dir / "plain" / "x.txt").write_text("hello\n")
    _one_error(bf(biofuse_bin, "inspect", work_dir / "plain", rc=None))


def test_not_a_store_file(biofuse_bin, work_dir):
    (work_dir / "a.txt").write_text("hello\n")
    _one_error(bf(biofuse_bin, "inspect", work_dir / "a.txt", rc=None))


def test_zip_without_store(biofuse_bin, work_dir):
    with zipfile.ZipFile(str(work_dir / "e.zip"), "w") as z:
        z.writestr("readme.txt", "no store here")
    _one_error(bf(biofuse_bin, "inspect", work_dir / "e.zip", rc=None))


def test_truncated_zip(biofuse_bin, bio2zarr_fixtures, work_dir):
    with open(os.path.join(bio2zarr_fixtures, "sample.vcz.zip"), "rb") as f:
        data = f.read()
    (work_dir / "t.vcz.zip").write_bytes(data[:len(data) // 2])
    _one_error(bf(biofuse_bin, "inspect", work_dir / "t.vcz.zip", rc=None))


@pytest.mark.parametrize("what", ["array_json", "group_json", "missing_array"])
def test_corrupt_metadata(biofuse_bin, gen_dir, what):
    _vcf, store = make_store(gen_dir, "meta_" + what, dict(seed=38, samples=3, variants=8,
                                                          contigs="1"))
    if what == "array_json":
        with open(os.path.join(store, "call_genotype", ".zarray"), "w") as f:
            f.write('{"shape": [8, 3, 2], "chunks": ')
    elif what == "group_json":
        with open(os.path.join(store, ".zattrs"), "w") as f:
            f.write("not json")
    else:
        import shutil
        shutil.rmtree(os.path.join(store, "variant_position"))
    r = bf(biofuse_bin, "inspect", store, rc=None)
    line = _one_error(r)
    if what == "array_json":
        assert "call_genotype" in line, line
    if what == "missing_array":
        assert "variant_position" in line, line
