"""Ploidy-1 stores (haploid organisms, chrY/chrM-only stores) as PLINK and BGEN.

`plink2 --vcf X --make-bed` imports a haploid call as homozygous ('0' -> hom ref,
'1' -> hom alt, '.' -> missing); `biofuse view-plink` and `mount-plink` of the same VCF
converted to a ploidy-1 store must give the same .bed/.bim/.fam bytes.  A diploid store
with some haploid calls (mixed ploidy: fills in slot 1) keeps today's path, and BGEN of a
ploidy-1 store is served by the mount as view-bgen writes it.
"""

import os

import pytest

from helpers_view import PLINK2_BED, assert_same_files, bf, make_store, plink2, read
from mount_helpers import expected_files, mounted

PLINK_EXTS = (".bed", ".bim", ".fam")

HAPLOID = [
    # 13 samples: a partial last .bed byte; several variant chunks, missing calls
    ("hap13", dict(seed=31, samples=13, variants=120, contigs="chr1,chrX,chrY,chrM",
                   haploid_rate=1.0, missing_rate=0.1, monomorphic_rate=0.1, indel_rate=0.1),
     dict(variants_chunk=17, samples_chunk=5)),
    # 70 samples in one sample chunk, zip, zarr v3
    ("hap70_zip_v3", dict(seed=32, samples=70, variants=64, contigs="chrM",
                          haploid_rate=1.0, missing_rate=0.05, linkage=True),
     dict(zip_output=True, zarr_format=3, variants_chunk=16)),
    # multi-allelic rows dropped with -M 2 / --max-alleles 2
    ("hap9_multi", dict(seed=33, samples=9, variants=50, contigs="1,2", haploid_rate=1.0,
                        missing_rate=0.1, multiallelic_rate=0.2),
     dict(variants_chunk=8, samples_chunk=4)),
]


@pytest.fixture(scope="module")
def gen_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("ploidy_gen")


@pytest.fixture(scope="module")
def stores(gen_dir):
    return {name: make_store(gen_dir, name, g, c) for name, g, c in HAPLOID}


def test_generator_makes_ploidy_1(stores):
    import json
    _vcf, store = stores["hap13"]
    meta = json.load(open(os.path.join(store, "call_genotype", ".zarray")))
    assert meta["shape"][2] == 1


@pytest.mark.parametrize("name", [n for n, _, _ in HAPLOID])
def test_haploid_view_plink_equals_plink2(biofuse_bin, stores, work_dir, name):
    vcf, store = stores[name]
    bf(biofuse_bin, "view-plink", store, "-o", work_dir / "A", "-M", "2")
    plink2("--vcf", vcf, *PLINK2_BED, out=work_dir / "B")
    assert_same_files(work_dir / "A", work_dir / "B", PLINK_EXTS)
    # not vacuous: hom ref, hom alt and missing codes all occur
    codes = set()
    for byte in read(work_dir / "A.bed")[3:]:
        codes.update((byte >> s) & 3 for s in (0, 2, 4, 6))
    assert {0, 1, 3} <= codes


def test_haploid_samples_subset_equals_keep(biofuse_bin, stores, work_dir):
    vcf, store = stores["hap13"]
    keep = work_dir / "keep.txt"
    keep.write_text("S00003\tS00003\nS00007\tS00007\nS00011\tS00011\n")
    bf(biofuse_bin, "view-plink", store, "-o", work_dir / "A", "-M", "2",
       "-s", "S00003,S00007,S00011")
    plink2("--vcf", vcf, *PLINK2_BED, "--keep", keep, out=work_dir / "B")
    assert_same_files(work_dir / "A", work_dir / "B", PLINK_EXTS)


def test_haploid_mount_plink_equals_plink2(biofuse_bin, stores, work_dir):
    vcf, store = stores["hap13"]
    plink2("--vcf", vcf, *PLINK2_BED, out=work_dir / "B")
    base = os.path.basename(store)[:-len(".vcz")]
    with mounted(biofuse_bin, "mount-plink", store, work_dir / "mnt", ["-M", "2"],
                 expected_files("mount-plink", base)) as m:
        for ext in PLINK_EXTS:
            assert read(m.path(base + ext)) == read(str(work_dir / "B") + ext), ext


def test_haploid_mount_bgen_equals_view_bgen(biofuse_bin, stores, work_dir):
    _vcf, store = stores["hap13"]
    bf(biofuse_bin, "view-bgen", store, "--fixed-variant-size", "-o", work_dir / "A")
    base = os.path.basename(store)[:-len(".vcz")]
    with mounted(biofuse_bin, "mount-bgen", store, work_dir / "mnt", [],
                 expected_files("mount-bgen", base)) as m:
        assert read(m.path(base + ".bgen")) == read(work_dir / "A.bgen")
        assert read(m.path(base + ".sample")) == read(work_dir / "A.sample")


def test_mixed_ploidy_diploid_store_unchanged(biofuse_bin, gen_dir, work_dir):
    """A diploid store with haploid calls in it (ploidy 2, fill in slot 1) equals plink2."""
    vcf, store = make_store(gen_dir, "mixed", dict(seed=34, samples=11, variants=60,
                                                   contigs="chr1,chrX", haploid_rate=0.3,
                                                   missing_rate=0.1),
                            dict(variants_chunk=9, samples_chunk=4))
    bf(biofuse_bin, "view-plink", store, "-o", work_dir / "A", "-M", "2")
    plink2("--vcf", vcf, *PLINK2_BED, out=work_dir / "B")
    assert_same_files(work_dir / "A", work_dir / "B", PLINK_EXTS)
