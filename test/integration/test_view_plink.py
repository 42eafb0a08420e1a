"""`biofuse view-plink` against the golden files, plink2 and plink1.9.

Acceptance: `biofuse view-plink STORE -o A -M 2` is byte-identical in .bed/.bim/.fam to
`plink2 --vcf SOURCE --make-bed --double-id --max-alleles 2 --allow-extra-chr
--vcf-half-call m --out B`, for the real bio2zarr fixtures and for generated VCFs of
many shapes; sample selection matches --keep/--remove; plink1.9 --freq/--missing/--hardy
agree; errors exit 1 with one `Error:` line and leave no output files.

Contigs: plink2 2.00a3.5 accepts chrX without sex information (it only warns) and treats
chrM/MT like the reference writes it, so chrX and chrM are both covered; no exclusion.
"""

import os
import stat

import pytest

from helpers_view import (PLINK2_BED, FifoReader, assert_same_files, bed_matrix, bf, listdir,
                          make_store, need_tool, plink2, read, run)

PLINK_EXTS = (".bed", ".bim", ".fam")

BIO2ZARR = ["sample", "sample-split-alleles", "msprime_diploid", "chr22", "1kg_2020_chrM"]

# (name, gen_vcf kwargs, vcf2vcz kwargs)
GENERATED = [
    ("mix7_chunks7x3", dict(seed=11, samples=7, variants=60, contigs="chr1,2,chrM",
                            missing_rate=0.1, half_call_rate=0.08, multiallelic_rate=0.15,
                            monomorphic_rate=0.1, indel_rate=0.2),
     dict(variants_chunk=7, samples_chunk=3)),
    ("one_sample_zip", dict(seed=12, samples=1, variants=30, contigs="1,2,MT",
                            missing_rate=0.2, half_call_rate=0.1, multiallelic_rate=0.1,
                            monomorphic_rate=0.1),
     dict(zip_output=True, variants_chunk=8)),
    ("five_v3_nested", dict(seed=13, samples=5, variants=45, contigs="chr1,chr2,chrX",
                            missing_rate=0.05, half_call_rate=0.05, haploid_rate=0.1,
                            multiallelic_rate=0.1, indel_rate=0.1),
     dict(zarr_format=3, key_style="nested", variants_chunk=10, samples_chunk=2)),
    ("thirteen_phased_nested_zip",
     dict(seed=14, samples=13, variants=80, contigs="chr1,chrM", phased=True, linkage=True,
          missing_rate=0.02, multiallelic_rate=0.05, monomorphic_rate=0.05),
     dict(zip_output=True, key_style="nested", variants_chunk=16, samples_chunk=5,
          variant_chunk_multiplier=2)),
    ("eight_all_multiallelic_some", dict(seed=15, samples=8, variants=25, contigs="2",
                                         multiallelic_rate=0.5, indel_rate=0.3),
     dict(variants_chunk=3, samples_chunk=8)),
    # bi-allelic only, every sample: the .bed is encoded per sample chunk (a multiple of
    # 4 wide), without full-width rows; the last chunk is 2 samples (a partial byte)
    ("ten_blocks4", dict(seed=17, samples=10, variants=50, contigs="chr1,2",
                         missing_rate=0.1, half_call_rate=0.08, monomorphic_rate=0.1,
                         indel_rate=0.1),
     dict(variants_chunk=12, samples_chunk=4)),
    ("sixteen_blocks8_v3", dict(seed=18, samples=16, variants=40, contigs="1",
                                missing_rate=0.05, linkage=True),
     dict(zarr_format=3, variants_chunk=16, samples_chunk=8)),
]


@pytest.fixture(scope="module")
def gen_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("plink_gen")


@pytest.fixture(scope="module")
def generated(gen_dir):
    out = {}
    for name, g, c in GENERATED:
        out[name] = make_store(gen_dir, name, g, c)
    return out


def _compare_with_plink2(biofuse_bin, store, vcf, work, bf_args=(), p2_args=()):
    a, b = work / "A", work / "B"
    bf(biofuse_bin, "view-plink", store, "-o", a, "-M", "2", *bf_args)
    plink2("--vcf", vcf, *PLINK2_BED, *p2_args, out=b)
    assert_same_files(a, b, PLINK_EXTS)
    return a, b


# ---------------------------------------------------------------------------------------
# golden files

@pytest.mark.parametrize("store,golden", [("sample", "s"), ("msprime_diploid", "msprime/m")])
def test_golden(biofuse_bin, bio2zarr_fixtures, shared_fixtures, work_dir, store, golden):
    a = work_dir / "out"
    bf(biofuse_bin, "view-plink", os.path.join(bio2zarr_fixtures, store + ".vcz.zip"),
       "-o", a, "-M", "2")
    assert_same_files(a, os.path.join(shared_fixtures, "golden", golden), PLINK_EXTS)


def test_no_bim_no_fam(biofuse_bin, bio2zarr_fixtures, shared_fixtures, work_dir):
    bf(biofuse_bin, "view-plink", os.path.join(bio2zarr_fixtures, "sample.vcz.zip"),
       "-o", work_dir / "x", "-M", "2", "--no-bim", "--no-fam")
    assert listdir(work_dir) == ["x.bed"]
    assert read(work_dir / "x.bed") == read(os.path.join(shared_fixtures, "golden", "s.bed"))


# ---------------------------------------------------------------------------------------
# plink2 byte equality

@pytest.mark.parametrize("name", BIO2ZARR)
def test_bio2zarr_equals_plink2(biofuse_bin, bio2zarr_fixtures, work_dir, name):
    _compare_with_plink2(biofuse_bin, os.path.join(bio2zarr_fixtures, name + ".vcz.zip"),
                         os.path.join(bio2zarr_fixtures, name + ".vcf.gz"), work_dir)


@pytest.mark.parametrize("name", [g[0] for g in GENERATED])
def test_generated_equals_plink2(biofuse_bin, generated, work_dir, name):
    vcf, store = generated[name]
    a, _ = _compare_with_plink2(biofuse_bin, store, vcf, work_dir)
    assert os.path.getsize(str(a) + ".bim") > 0


def test_null_samples_are_left_out(biofuse_bin, gen_dir, work_dir):
    """A null sample ('' in sample_id) is not a column: same as plink2 --remove it."""
    vcf, store = make_store(gen_dir, "nulls", dict(seed=16, samples=6, variants=20,
                                                   contigs="chr1", missing_rate=0.1),
                            dict(null_samples=[1, 4], variants_chunk=6, samples_chunk=4))
    rm = work_dir / "remove.txt"
    rm.write_text("S00001\tS00001\nS00004\tS00004\n")
    _compare_with_plink2(biofuse_bin, store, vcf, work_dir, p2_args=("--remove", rm))


# ---------------------------------------------------------------------------------------
# sample selection vs --keep / --remove

def test_samples_file_equals_keep(biofuse_bin, generated, work_dir):
    vcf, store = generated["thirteen_phased_nested_zip"]
    keep = ["S00000", "S00003", "S00004", "S00009", "S00012"]  # store order
    sf = work_dir / "samples.txt"
    sf.write_text("\n".join(keep) + "\n")
    kf = work_dir / "keep.txt"
    kf.write_text("".join("%s\t%s\n" % (s, s) for s in keep))
    _compare_with_plink2(biofuse_bin, store, vcf, work_dir, ("-S", sf), ("--keep", kf))


def test_samples_complement_equals_remove(biofuse_bin, generated, work_dir):
    vcf, store = generated["mix7_chunks7x3"]
    rf = work_dir / "remove.txt"
    rf.write_text("S00005\tS00005\nS00001\tS00001\n")
    a, _ = _compare_with_plink2(biofuse_bin, store, vcf, work_dir, ("-s", "^S00005,S00001"),
                                ("--remove", rf))
    # complement keeps store order
    assert [l.split("\t")[0] for l in read(str(a) + ".fam").decode().splitlines()] == [
        "S00000", "S00002", "S00003", "S00004", "S00006"]


def test_samples_user_order(biofuse_bin, generated, work_dir):
    """-s C,A emits C first (plink2 --keep would keep file order): same genotypes,
    columns permuted."""
    vcf, store = generated["mix7_chunks7x3"]
    order = ["S00006", "S00002", "S00000"]
    bf(biofuse_bin, "view-plink", store, "-o", work_dir / "A", "-M", "2", "-s", ",".join(order))
    kf = work_dir / "keep.txt"
    kf.write_text("".join("%s\t%s\n" % (s, s) for s in order))
    plink2("--vcf", vcf, *PLINK2_BED, "--keep", kf, out=work_dir / "B")
    fam = read(work_dir / "A.fam").decode().splitlines()
    assert [l.split("\t")[1] for l in fam] == order
    assert read(work_dir / "A.bim") == read(work_dir / "B.bim")
    ma, mb = bed_matrix(work_dir / "A", 3), bed_matrix(work_dir / "B", 3)
    # B has file order S00000, S00002, S00006
    assert ma == [[r[2], r[1], r[0]] for r in mb]
    assert len(ma) > 0


# ---------------------------------------------------------------------------------------
# plink1.9 statistics

@pytest.mark.parametrize("which", ["chr22", "mix7_chunks7x3"])
def test_plink19_stats_identical(biofuse_bin, bio2zarr_fixtures, generated, work_dir, which):
    p19 = need_tool("plink1.9")
    if which in generated:
        vcf, store = generated[which]
    else:
        vcf = os.path.join(bio2zarr_fixtures, which + ".vcf.gz")
        store = os.path.join(bio2zarr_fixtures, which + ".vcz.zip")
    _compare_with_plink2(biofuse_bin, store, vcf, work_dir)
    outs = {}
    for stem in ("A", "B"):
        d = work_dir / ("p19" + stem)
        d.mkdir()
        run([p19, "--bfile", work_dir / stem, "--freq", "--missing", "--hardy",
             "--allow-extra-chr", "--allow-no-sex", "--out", d / "r"])
        outs[stem] = {f: read(d / f) for f in os.listdir(str(d)) if not f.endswith(".log")}
    assert {"r.frq", "r.lmiss", "r.imiss", "r.hwe"} <= set(outs["A"])
    assert outs["A"] == outs["B"]


# ---------------------------------------------------------------------------------------
# outputs that are not regular files: written in place, never renamed over

def test_bed_symlink_to_dev_null_kept(biofuse_bin, generated, work_dir):
    """`ln -s /dev/null A.bed` throws the .bed away: the symlink survives, and the .bim and
    .fam are the normal run's regular files."""
    _vcf, store = generated["mix7_chunks7x3"]
    bf(biofuse_bin, "view-plink", store, "-o", work_dir / "N", "-M", "2")
    out = work_dir / "o"
    out.mkdir()
    os.symlink("/dev/null", str(out / "A.bed"))
    bf(biofuse_bin, "view-plink", store, "-o", out / "A", "-M", "2")
    assert os.path.islink(str(out / "A.bed")) and os.readlink(str(out / "A.bed")) == "/dev/null"
    for ext in (".bim", ".fam"):
        assert stat.S_ISREG(os.lstat(str(out / "A") + ext).st_mode)
        assert read(str(out / "A") + ext) == read(str(work_dir / "N") + ext)
    assert listdir(out) == ["A.bed", "A.bim", "A.fam"]


def test_bed_fifo_streams(biofuse_bin, generated, work_dir):
    """A FIFO A.bed: a reader gets the normal run's .bed bytes and the FIFO stays one."""
    _vcf, store = generated["thirteen_phased_nested_zip"]
    bf(biofuse_bin, "view-plink", store, "-o", work_dir / "N", "-M", "2")
    out = work_dir / "o"
    out.mkdir()
    fifo = str(out / "A.bed")
    os.mkfifo(fifo)
    reader = FifoReader(fifo)
    bf(biofuse_bin, "view-plink", store, "-o", out / "A", "-M", "2", timeout=60)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert reader.result() == read(str(work_dir / "N") + ".bed")
    assert listdir(out) == ["A.bed", "A.bim", "A.fam"]


# ---------------------------------------------------------------------------------------
# errors

def _err_line(r):
    err = r.stderr.decode()
    assert "Traceback" not in err
    lines = [l for l in err.splitlines() if l.startswith("Error: ")]
    assert len(lines) == 1, err
    return lines[0]


def test_multiallelic_without_M2_leaves_nothing(biofuse_bin, bio2zarr_fixtures, work_dir):
    out = work_dir / "o"
    out.mkdir()
    r = bf(biofuse_bin, "view-plink", os.path.join(bio2zarr_fixtures, "sample.vcz.zip"),
           "-o", out / "A", rc=1)
    assert _err_line(r).startswith("Error: Multi-allelic variants are not supported in PLINK 1")
    assert listdir(out) == []


def test_multiallelic_in_late_chunk_leaves_nothing(biofuse_bin, generated, work_dir):
    """The multi-allelic record is found in a later chunk, not the first."""
    _vcf, store = generated["eight_all_multiallelic_some"]
    out = work_dir / "o"
    out.mkdir()
    r = bf(biofuse_bin, "view-plink", store, "-o", out / "A", rc=1)
    assert "Multi-allelic" in _err_line(r)
    assert listdir(out) == []


def test_whitespace_sample_id(biofuse_bin, gen_dir, work_dir):
    _vcf, store = make_store(
        gen_dir, "ws", dict(seed=17, samples=3, variants=5, contigs="1"),
        edit_vcf=lambda t: t.replace("\tS00001", "\thas space", 1))
    r = bf(biofuse_bin, "view-plink", store, "-o", work_dir / "A", rc=1)
    assert _err_line(r) == ("Error: Sample ID 'has space' contains whitespace; PLINK FAM is "
                            "whitespace-separated.")
    assert listdir(work_dir) == []
    # excluding that sample makes it fine
    bf(biofuse_bin, "view-plink", store, "-o", work_dir / "A", "-s", "^has space")
    assert read(work_dir / "A.fam") == b"S00000\tS00000\t0\t0\t0\t-9\nS00002\tS00002\t0\t0\t0\t-9\n"


@pytest.mark.parametrize("args,msg", [
    (["-s", "NA00001,FOO,BAR"], 'Error: subset called for sample(s) not in header: BAR,FOO. '
                                'Use "--force-samples" to ignore this error.'),
    (["-s", "NA00002,NA00002"], 'Error: Duplicate sample name "NA00002".'),
    (["-s", "^NA00001,NA00002,NA00003"], "Error: Empty sample set is not supported."),
    (["-S", "EMPTY"], "Error: Empty sample set is not supported."),
])
def test_sample_errors(biofuse_bin, bio2zarr_fixtures, work_dir, args, msg):
    args = [os.path.join(bio2zarr_fixtures, "samples_empty.txt") if a == "EMPTY" else a
            for a in args]
    out = work_dir / "o"
    out.mkdir()
    r = bf(biofuse_bin, "view-plink", os.path.join(bio2zarr_fixtures, "sample.vcz.zip"),
           "-o", out / "A", "-M", "2", *args, rc=1)
    assert _err_line(r).startswith(msg)
    assert listdir(out) == []


def test_sample_order_and_force(biofuse_bin, bio2zarr_fixtures, work_dir):
    store = os.path.join(bio2zarr_fixtures, "sample.vcz.zip")
    fam = lambda: [l.split("\t")[0] for l in read(work_dir / "A.fam").decode().splitlines()]
    bf(biofuse_bin, "view-plink", store, "-o", work_dir / "A", "-M", "2", "-s", "^NA00002")
    assert fam() == ["NA00001", "NA00003"]
    bf(biofuse_bin, "view-plink", store, "-o", work_dir / "A", "-M", "2", "-s",
       "NA00003,NA00001")
    assert fam() == ["NA00003", "NA00001"]
    bf(biofuse_bin, "view-plink", store, "-o", work_dir / "A", "-M", "2", "-S",
       os.path.join(bio2zarr_fixtures, "samples.txt"))
    assert fam() == ["NA00001", "NA00003"]
    r = bf(biofuse_bin, "view-plink", store, "-o", work_dir / "A", "-M", "2", "-s",
           "NA00003,FOO", "--force-samples")
    assert fam() == ["NA00003"]
    assert "FOO" in r.stderr.decode() and "Error" not in r.stderr.decode()
    # 6 variants x 1 sample: 3 + 6 bytes
    assert len(read(work_dir / "A.bed")) == 9


@pytest.mark.parametrize("args,frag", [
    ([], "Missing option '-o' / '--output'"),
    (["-o", "X", "--bogus"], "No such option"),
    (["-o", "X", "-M", "two"], "'two' is not a valid integer"),
])
def test_usage_errors(biofuse_bin, bio2zarr_fixtures, work_dir, args, frag):
    r = bf(biofuse_bin, "view-plink", os.path.join(bio2zarr_fixtures, "sample.vcz.zip"),
           *args, rc=2, cwd=str(work_dir))
    err = r.stderr.decode()
    assert err.startswith("Usage: biofuse view-plink") and frag in err, err
    assert listdir(work_dir) == []


def test_missing_store(biofuse_bin, work_dir):
    r = bf(biofuse_bin, "view-plink", work_dir / "nope.vcz", "-o", work_dir / "A", rc=1)
    assert _err_line(r)
    assert listdir(work_dir) == []


@pytest.mark.parametrize("cmd", [["view-plink", "-M", "2"], ["view-bgen", "-M", "2"],
                                 ["view-bgen", "-M", "2", "--fixed-variant-size"]])
def test_corrupt_chunk(biofuse_bin, gen_dir, work_dir, cmd):
    """A corrupt call_genotype chunk: exit 1, one Error naming the array and chunk, no
    output files."""
    _vcf, store = make_store(gen_dir, "corrupt_%d" % len(cmd),
                             dict(seed=19, samples=6, variants=30, contigs="chr1"),
                             dict(variants_chunk=10, samples_chunk=3))
    with open(os.path.join(store, "call_genotype", "2.1.0"), "wb") as f:
        f.write(b"this is not a blosc frame at all")
    out = work_dir / "o"
    out.mkdir()
    r = bf(biofuse_bin, cmd[0], store, "-o", out / "A", *cmd[1:], rc=1)
    line = _err_line(r)
    assert "call_genotype" in line and "2.1.0" in line, line
    assert listdir(out) == []


# ---------------------------------------------------------------------------------------
# .bed straight from blosc bit planes equals the byte path

# The same VCF converted twice: blosc with bit-shuffle (every .bed byte comes from the bit
# planes: one sample chunk, or several 4-aligned ones with a partial last byte) and plain
# zstd (no planes: the byte kernel).  1,000 samples x 200-row chunks are 400 KB, two blosc
# blocks, so rows also straddle blocks.
PLANES = [
    ("planes_one_chunk", dict(seed=41, samples=1000, variants=450, contigs="chr1,2",
                              missing_rate=0.05, half_call_rate=0.03, monomorphic_rate=0.05),
     dict(variants_chunk=200, samples_chunk=1000)),
    ("planes_blocks", dict(seed=42, samples=202, variants=90, contigs="1",
                           missing_rate=0.05, half_call_rate=0.03),
     dict(variants_chunk=40, samples_chunk=100)),
]


@pytest.mark.parametrize("name,gen,conv", PLANES, ids=[p[0] for p in PLANES])
def test_bit_planes_equal_byte_path(biofuse_bin, gen_dir, work_dir, name, gen, conv):
    _, planes = make_store(gen_dir, name + "_bitshuffle", gen, conv)
    _, plain = make_store(gen_dir, name + "_zstd", gen, dict(conv, compressor="zstd"))
    bf(biofuse_bin, "view-plink", planes, "-o", work_dir / "A", "-M", "2")
    bf(biofuse_bin, "view-plink", plain, "-o", work_dir / "B", "-M", "2")
    assert_same_files(work_dir / "A", work_dir / "B", [".bed", ".bim", ".fam"])
