"""`biofuse inspect --json STORE`: one JSON object describing a VCZ store (and
`biofuse inspect STORE`, the same facts as a text summary; see also the summary
tests at the end).

Oracles: zarr 2.13 (shape/chunks/dtype of v2 stores, sample_id, contig_id), the raw
zarr.json documents of v3 stores, and a plain listing of the store's objects for
chunk_files.  Errors: one `Error:` line, exit 1, nothing on stdout, no traceback/crash.
"""

import json
import os
import zipfile

import pytest
import zarr

from helpers_view import bf, chunk_file_counts, make_store, store_keys

KEYS = {"zarr_format", "vcf_zarr_version", "num_samples", "num_variants", "ploidy",
        "contigs", "arrays",
        # added with the text summary
        "store_kind", "source", "null_samples", "biallelic_variants",
        "multiallelic_variants", "variants_chunk", "samples_chunk", "phasing",
        "contig_variants", "info_fields", "filters", "format_fields", "stored_bytes", "mount"}
ARRAY_KEYS = {"shape", "chunks", "dtype", "codecs", "chunk_files", "stored_bytes", "nbytes"}

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
    r = bf(biofuse_bin, "inspect", "--json", store)
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
    before = _inspect(biofuse_bin, store)["arrays"]["call_genotype"]
    gone = [os.path.join(store, "call_genotype", k) for k in ("1.0.0", "3.0.0")]
    gone_bytes = sum(os.path.getsize(p) for p in gone)
    for p in gone:
        os.remove(p)
    after = _inspect(biofuse_bin, store)["arrays"]["call_genotype"]
    assert (before["chunk_files"], after["chunk_files"]) == (4, 2)
    assert before["stored_bytes"] - after["stored_bytes"] == gone_bytes


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
    _one_error(bf(biofuse_bin, "inspect", "--json", work_dir / "absent.vcz", rc=None))


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


# ---------------------------------------------------------------------------------------
# the summary facts (--json) and the text a person reads

def _chunk_bytes(store):
    """{array: bytes of its chunk objects} from a plain listing of the store."""
    out = {}
    if zipfile.is_zipfile(store):
        with zipfile.ZipFile(store) as z:
            items = [(i.filename, i.file_size) for i in z.infolist()
                     if not i.filename.endswith("/")]
    else:
        items = []
        for root, _dirs, files in os.walk(store):
            for f in files:
                p = os.path.join(root, f)
                items.append((os.path.relpath(p, store).replace(os.sep, "/"),
                              os.path.getsize(p)))
    for k, n in items:
        parts = k.split("/")
        if len(parts) < 2 or parts[-1] in {".zarray", ".zattrs", ".zgroup", ".zmetadata",
                                           "zarr.json"}:
            continue
        out[parts[0]] = out.get(parts[0], 0) + n
    return out


def _vcf_header_info(vcf_gz):
    import gzip
    import re
    info = {}
    with gzip.open(vcf_gz, "rt") as f:
        for ln in f:
            if not ln.startswith("##"):
                break
            m = re.match(r"##INFO=<ID=([^,]+),Number=([^,]+),Type=([^,]+)", ln)
            if m:
                info[m.group(1)] = (m.group(2), m.group(3))
    return info


def _site_oracle(store):
    """Per-contig counts and ranges, allele counts and first-chunk phasing from zarr."""
    g = _open_v2(store)
    contigs = list(g["contig_id"][:])
    vc = g["variant_contig"][:]
    vp = g["variant_position"][:]
    al = g["variant_allele"][:]
    per = {}
    for c, p in zip(vc, vp):
        n, lo, hi = per.get(int(c), (0, None, None))
        per[int(c)] = (n + 1, p if lo is None else min(lo, p), p if hi is None else max(hi, p))
    cv = [dict(id=contigs[c], variants=n, min_position=int(lo), max_position=int(hi))
          for c, (n, lo, hi) in sorted(per.items())]
    multi = sum(1 for row in al if any(a != "" for a in row[2:]))
    phasing = None
    if "call_genotype_phased" in g:
        a = g["call_genotype_phased"]
        block = a[:a.chunks[0], :a.chunks[1]]
        # an absent chunk is the fill value: null means False (zarr 2.13 gives garbage)
        present = {"call_genotype_phased/0.0", "call_genotype_phased/0/0"} & set(
            store_keys(store))
        phasing = (int(block.size), int(block.sum()) if present else 0)
    return cv, len(al) - multi, multi, phasing


SUMMARY = ["sample", "sample-split-alleles", "msprime_diploid", "chr22", "1kg_2020_chrM",
           "1kg_2020_chr20_annotations"]


@pytest.mark.parametrize("name", SUMMARY)
def test_summary_facts_bio2zarr(biofuse_bin, bio2zarr_fixtures, name, work_dir):
    store = os.path.join(bio2zarr_fixtures, name + ".vcz.zip")
    got = _inspect(biofuse_bin, store)
    cv, bi, multi, phasing = _site_oracle(store)
    assert got["contig_variants"] == cv
    assert (got["biallelic_variants"], got["multiallelic_variants"]) == (bi, multi)
    assert got["mount"]["needs_max_alleles_2"] == (multi > 0)
    if phasing is None:
        assert got["phasing"]["array"] is False
    else:
        assert (got["phasing"]["first_chunk_calls"], got["phasing"]["first_chunk_phased"]) == \
            phasing
    # stored sizes: the chunk objects of each array, as a listing of the zip says
    sizes = _chunk_bytes(store)
    for a, facts in got["arrays"].items():
        assert facts["stored_bytes"] == sizes.get(a, 0), a
    assert got["stored_bytes"] == sum(sizes.get(a, 0) for a in got["arrays"])
    # INFO fields and their Type/Number against the VCF header the store came from
    header = _vcf_header_info(os.path.join(bio2zarr_fixtures, name + (".bcf" if name.endswith(
        "annotations") else ".vcf.gz"))) if not name.endswith("annotations") else None
    g = _open_v2(store)
    want = sorted(n[len("variant_"):] for n, _ in g.arrays() if n.startswith("variant_") and n
                  not in {"variant_contig", "variant_position", "variant_allele", "variant_id",
                          "variant_id_mask", "variant_quality", "variant_filter",
                          "variant_length"})
    assert sorted(f["name"] for f in got["info_fields"]) == want
    if header:
        for f in got["info_fields"]:
            num, typ = header[f["name"]]
            assert f["type"] == typ, f
            if num in ("0", "1", "A", "R", "G"):
                assert f["number"] == num, (f, num)
            else:
                assert f["number"] == "." and (num == "." or int(num) == f["max_values"]), f
    assert got["filters"] == list(g["filter_id"][:])
    # the sizes a mount would serve are the sizes view-* writes (-M 2 when needed)
    if bi and got["num_samples"] and got["ploidy"]:
        sel = ["-M", "2"] if multi else []
        bf(biofuse_bin, "view-plink", store, "-o", work_dir / "p", *sel)
        assert got["mount"]["bed_bytes"] == os.path.getsize(str(work_dir / "p.bed"))
        r = bf(biofuse_bin, "view-bgen", store, "--fixed-variant-size", "-o", work_dir / "b",
               *sel, rc=None)
        if r.returncode == 0:  # the fixed layout refuses mixed ploidy (sample-split-alleles)
            assert got["mount"]["bgen_bytes"] == os.path.getsize(str(work_dir / "b.bgen"))
    else:
        assert got["mount"]["bed_bytes"] is None


def test_summary_generated_v2_v3(biofuse_bin, generated, work_dir):
    """Dir and zip, v2 and v3: the facts agree with what view-* writes."""
    for name in ("flat_v2", "nested_v2_zip", "v3_dir", "v3_zip_nulls", "haploid"):
        store = generated[name]
        got = _inspect(biofuse_bin, store)
        assert sum(c["variants"] for c in got["contig_variants"]) == got["num_variants"]
        sel = ["-M", "2"] if got["multiallelic_variants"] else []
        bf(biofuse_bin, "view-plink", store, "-o", work_dir / name, *sel)
        assert got["mount"]["bed_bytes"] == os.path.getsize(str(work_dir / (name + ".bed")))
        assert got["null_samples"] == (2 if name == "v3_zip_nulls" else 0)
        sizes = _chunk_bytes(store)
        for a, facts in got["arrays"].items():
            assert facts["stored_bytes"] == sizes.get(a, 0), (name, a)


def _group(n):
    return "{:,}".format(n)


@pytest.mark.parametrize("name", ["sample", "chr22"])
def test_summary_text(biofuse_bin, bio2zarr_fixtures, name):
    store = os.path.join(bio2zarr_fixtures, name + ".vcz.zip")
    got = _inspect(biofuse_bin, store)
    r = bf(biofuse_bin, "inspect", store)
    assert r.stderr == b""
    text = r.stdout.decode()
    assert text.startswith(store + "\n  zip store, Zarr v2, VCF Zarr ")
    assert "\n  samples   %s\n" % _group(got["num_samples"]) in text
    assert "\n  variants  %s" % _group(got["num_variants"]) in text
    assert "\n  ploidy    %d\n" % got["ploidy"] in text
    for c in got["contig_variants"]:
        line = "  %-12s %12s variant%s  %s - %s\n" % (
            c["id"], _group(c["variants"]), " " if c["variants"] == 1 else "s",
            _group(c["min_position"]), _group(c["max_position"]))
        assert line in text, line
    for f in got["info_fields"]:
        assert "%s (%s, " % (f["name"], f["type"]) in text
    for fid in got["filters"]:
        assert " %s" % fid in text
    assert "  mount-plink  .bed   " in text and "(%s bytes)" % _group(
        got["mount"]["bed_bytes"]) in text
    assert "(%s bytes, %s a variant" % (_group(got["mount"]["bgen_bytes"]),
                                        _group(got["mount"]["bgen_bytes_per_variant"])) in text
    largest = max(got["arrays"], key=lambda a: got["arrays"][a]["stored_bytes"])
    assert "\n  %-22s " % largest in text
    assert max(len(ln) for ln in text.splitlines()[1:]) <= 80


def test_summary_over_http(biofuse_bin, generated):
    """A directory store over plain HTTP cannot be listed: the same facts, with the
    chunk counts and stored sizes left null (and said so in the text)."""
    import remote_servers as rs
    store = generated["consolidated"]
    srv = rs.FaultServer(os.path.dirname(store))
    try:
        url = srv.url(os.path.basename(store))
        local = _inspect(biofuse_bin, store)
        remote = _inspect(biofuse_bin, url)
        text = bf(biofuse_bin, "inspect", url).stdout.decode()
    finally:
        srv.stop()
    for k in ("num_samples", "num_variants", "contig_variants", "info_fields", "filters",
              "mount", "biallelic_variants", "multiallelic_variants"):
        assert remote[k] == local[k], k
    assert remote["stored_bytes"] is None and local["stored_bytes"] > 0
    for name, a in remote["arrays"].items():
        assert a["chunk_files"] is None and a["stored_bytes"] is None, name
        assert a["shape"] == local["arrays"][name]["shape"]
    assert "the store cannot list its keys" in text
