"""The bcftools-equality corpus: our selection equals what `bcftools view` keeps.

Every line of test/integration/selection_corpus*.txt is one option set:

    DATASET [+MARKS] OPTIONS...

split like a shell line (shlex).  `{files}` in an option is replaced by the path of
test/integration/selection_files/ (region files).  DATASET is a name of DATASETS below
(generated VCFs of several shapes, converted to stores once per session) or of a bio2zarr
fixture under ../shared/fixtures/bio2zarr (skipped when absent).  MARKS (letters after
one `+`):
    p  also: .bed/.bim/.fam equal plink 2's conversion of the bcftools output
    m  also: mount-plink and mount-bgen serve the same bytes as view-plink/view-bgen
    s  bcftools emits regions in list order, we in store order (docs/selection.md):
       compare bcftools' records sorted into store order

For every option set the test runs `bcftools view OPTIONS` on the source VCF and checks
  1. the variants select_dump (test/tools) selects equal, in order, bcftools' records
     (every record, multi-allelic ones included);
  2. the .bim of `biofuse view-plink OPTIONS` lists, in order, bcftools' records with at
     most one ALT (`-M 2` is added when the dataset has multi-allelic sites and the line
     gives no -M, since PLINK 1 and BGEN outputs refuse them); when there are none, it
     fails with "Error: the selection keeps no variants";
  3. the .bgen.bgi of `biofuse view-bgen OPTIONS` lists the same variants;
and the checks its marks ask for.
"""

import glob
import os
import shlex
import shutil
import subprocess

import pytest

import mount_helpers as mh
from helpers_view import PLINK2_BED, bgi_rows, make_store, need_tool, plink2, read

HERE = os.path.dirname(os.path.abspath(__file__))
FILES_DIR = os.path.join(HERE, "selection_files")
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
EMPTY_MSG = b"Error: the selection keeps no variants"


def _haploid_x_missing_info(text, haploid=True):
    """chrX/X calls of the first 4 samples become haploid (unless not `haploid`); every
    9th record loses its INFO ('.'); every 11th its QUAL."""
    out = []
    n = 0
    for line in text.splitlines():
        if line.startswith("#"):
            out.append(line)
            continue
        f = line.split("\t")
        n += 1
        if haploid and f[0] in ("X", "chrX"):
            for j in range(9, min(13, len(f))):
                gt, _, rest = f[j].partition(":")
                a = gt.replace("|", "/").split("/")[0]
                f[j] = a + (":" + rest if rest else "")
        if n % 9 == 0:
            f[7] = "."
        if n % 11 == 0:
            f[5] = "."
        out.append("\t".join(f))
    return "\n".join(out) + "\n"


# Hand-made records around fixed positions: indels at region edges, MNPs, "other",
# symbolic and overlap alleles, ref-only sites, multi-allelic mixtures.
EDGE_RECORDS = [
    ("1", 100, "A", "C"), ("1", 105, "ACGTA", "A"), ("1", 110, "A", "AT"),
    ("1", 120, "AC", "GT"), ("1", 130, "ACG", "T"), ("1", 140, "A", "."),
    ("1", 150, "A", "C,T"), ("1", 160, "A", "C,AT"), ("1", 170, "ACG", "AT,A"),
    ("1", 180, "A", "<DEL>"), ("1", 190, "C", "C,*"), ("1", 195, "GT", "GA"),
    ("1", 199, "TTTTTTTTTTT", "T"), ("1", 200, "G", "A"), ("1", 201, "GA", "G"),
    ("1", 209, "C", "CA"), ("1", 210, "CAT", "CGG"), ("1", 220, "AAA", "AAT,AGA"),
    ("1", 230, "A", "<NON_REF>"), ("1", 240, "T", "G,<*>"), ("1", 250, "AT", "A,ATT"),
    ("1", 260, "C", "G,T,A"), ("1", 298, "CGTA", "C"), ("1", 300, "T", "TT"),
    ("1", 301, "A", "C"), ("1", 400, "A", "AAC,C"), ("1", 500, "TG", "CA,T"),
    ("2", 10, "A", "G"), ("2", 11, "AG", "A"), ("2", 12, "G", "GC"),
    ("2", 1000, "C", "."), ("2", 1001, "A", "T"), ("2", 5000, "GATTACA", "G"),
    ("2", 5003, "T", "C"), ("2", 5006, "C", "CC,A"), ("2", 9000, "A", "ATTT"),
]


def _edge_vcf(path):
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=1,length=10000>",
             "##contig=<ID=2,length=10000>",
             '##FILTER=<ID=PASS,Description="All filters passed">',
             '##FILTER=<ID=q10,Description="Quality below 10">',
             '##INFO=<ID=DP,Number=1,Type=Integer,Description="Total Depth">',
             '##ALT=<ID=DEL,Description="Deletion">',
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
             + "\t".join("S%d" % i for i in range(6))]
    for k, (c, p, ref, alt) in enumerate(EDGE_RECORDS):
        n_alt = 0 if alt == "." else len(alt.split(","))
        gts = []
        for s in range(6):
            a, b = (k + s) % (n_alt + 1), (k * 3 + s) % (n_alt + 1)
            gts.append("%d/%d" % (a, b) if s != 5 or k % 4 else "./.")
        qual = "." if k % 7 == 3 else str(10 + k)
        filt = "q10" if k % 5 == 2 else "PASS"
        info = "." if k % 6 == 1 else "DP=%d" % (k * 7)
        lines.append("\t".join([c, str(p), "v%d" % k if k % 3 else ".", ref, alt, qual, filt,
                                info, "GT"] + gts))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


# name -> (gen_vcf arguments or None for EDGE, vcf2vcz arguments, edit, drop region_index).
# Mount-checked sets (+m) need uniform ploidy (mount-bgen is fixed-size BGEN): not plain.
DATASETS = {
    "plain": (dict(seed=31, samples=12, variants=240, contigs="1:400000,2:300000,X:200000",
                   indel_rate=0.2, multiallelic_rate=0.1, monomorphic_rate=0.04,
                   missing_rate=0.05),
              dict(variants_chunk=16, samples_chunk=5), _haploid_x_missing_info, False),
    "chr": (dict(seed=32, samples=9, variants=200,
                 contigs="chr1:300000,chr2:200000,chrX:150000,chrM:16000",
                 indel_rate=0.25, multiallelic_rate=0.08, missing_rate=0.03, phased=True),
            dict(variants_chunk=8, variant_chunk_multiplier=3, zip_output=True),
            lambda t: _haploid_x_missing_info(t, haploid=False), False),
    "noidx": (dict(seed=33, samples=7, variants=150, contigs="chr1:200000,chr2:200000",
                   indel_rate=0.3, multiallelic_rate=0.1),
              dict(variants_chunk=10), None, True),
    "edge": (None, dict(variants_chunk=4), None, False),
    # the filter corpus (selection_corpus_filter.txt): INFO of every type and Number
    "rich": (dict(seed=11, samples=8, variants=300, contigs="chr1,chr2,chrX",
                  multiallelic_rate=0.2, indel_rate=0.2, missing_rate=0.08,
                  half_call_rate=0.03, haploid_rate=0.03, monomorphic_rate=0.05,
                  rich_info=True),
             dict(variants_chunk=50), None, False),
    "richz": (dict(seed=13, samples=7, variants=120, contigs="chr1,chr2",
                   multiallelic_rate=0.1, indel_rate=0.1, missing_rate=0.05, rich_info=True),
              dict(variants_chunk=7, variant_chunk_multiplier=3, samples_chunk=3,
                   zip_output=True), None, False),
}


def _index_vcf(src, dst):
    """bgzip + index a VCF for bcftools -r."""
    subprocess.run([need_tool("bcftools"), "view", "--no-version", "-Oz", "-o", dst, src],
                   check=True)
    subprocess.run(["bcftools", "index", "-f", dst], check=True)
    return dst


class Dataset:
    def __init__(self, vcf, store):
        self.vcf = vcf
        self.store = store
        out = subprocess.run(["bcftools", "view", "-H", vcf], check=True,
                             capture_output=True, text=True).stdout
        self.records = [_rec(line) for line in out.splitlines()]
        self.index = {r: i for i, r in enumerate(self.records)}
        self.multi = any(len(r[3]) > 1 for r in self.records)


def _rec(line):
    f = line.split("\t", 5)
    alts = () if f[4] == "." else tuple(f[4].split(","))
    return (f[0], int(f[1]), f[3], alts)


class Corpus:
    def __init__(self, root, bio2zarr):
        self.root = root
        self.bio2zarr = bio2zarr
        self.cache = {}

    def get(self, name):
        if name in self.cache:
            return self.cache[name]
        if name in DATASETS:
            gen, conv, edit, drop = DATASETS[name]
            d = os.path.join(self.root, name)
            os.makedirs(d, exist_ok=True)
            if gen is None:
                vcf = os.path.join(d, name + ".vcf")
                _edge_vcf(vcf)
                import vcf2vcz
                store = os.path.join(d, name + ".vcz")
                vcf2vcz.convert(vcf, store, **conv)
            else:
                vcf, store = make_store(d, name, gen, conv, edit)
            if drop:
                shutil.rmtree(os.path.join(store, "region_index"))
            ds = Dataset(_index_vcf(vcf, vcf + ".gz"), store)
        else:
            if self.bio2zarr is None or not os.path.exists(
                    os.path.join(self.bio2zarr, name + ".vcz.zip")):
                pytest.skip("bio2zarr fixture %s absent" % name)
            ds = Dataset(os.path.join(self.bio2zarr, name + ".vcf.gz"),
                         os.path.join(self.bio2zarr, name + ".vcz.zip"))
        self.cache[name] = ds
        return ds


def _load_corpus():
    items = []
    for path in sorted(glob.glob(os.path.join(HERE, "selection_corpus*.txt"))):
        with open(path) as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                toks = shlex.split(line)
                ds, marks = toks[0], ""
                toks = toks[1:]
                if toks and toks[0].startswith("+"):
                    marks, toks = toks[0][1:], toks[1:]
                opts = [t.replace("{files}", FILES_DIR) for t in toks]
                items.append(pytest.param(ds, marks, opts,
                                          id="%s:%d" % (os.path.basename(path), lineno)))
    return items


CORPUS = _load_corpus()


@pytest.fixture(scope="session")
def corpus(session_work_dir, shared_dir):
    need_tool("bcftools")
    b = os.path.join(shared_dir, "fixtures", "bio2zarr")
    return Corpus(str(session_work_dir / "corpus"), b if os.path.isdir(b) else None)


@pytest.fixture(scope="session")
def select_dump(biofuse_bin):
    path = os.path.join(os.path.dirname(biofuse_bin), "tools", "select_dump")
    if not os.access(path, os.X_OK):
        pytest.skip("%s absent (make tools)" % path)
    return path


def _norm_chrom(c):
    if c.startswith("chr"):
        s = c[3:]
        if s == "M":
            return "MT"
        if s in ("X", "Y", "MT") or (s.isdigit() and 1 <= int(s) <= 22 and s[0] != "0"):
            return s
    return c


def _empty_error(stderr):
    """The run ended with the empty-selection error (after any warning lines)."""
    return stderr.splitlines()[-1:] == [EMPTY_MSG]


class Rejected(Exception):
    """bcftools refused the options (e.g. a bad expression)."""


def _subset_first(opts):
    """-s/-S with -i/-e: the reference is `bcftools view -s X | bcftools view -i E` (the
    expression sees the subset, whose INFO/AC and AN bcftools rewrites)."""
    samp, rest, i = [], [], 0
    while i < len(opts):
        if opts[i] in ("-s", "-S", "--samples", "--samples-file", "--force-samples"):
            n = 1 if opts[i] == "--force-samples" else 2
            samp += opts[i:i + n]
            i += n
            continue
        rest.append(opts[i])
        i += 1
    if samp and any(o in ("-i", "-e", "--include", "--exclude") for o in rest):
        return samp, rest
    return None, opts


def _bcftools(ds, opts, marks):
    samp, rest = _subset_first(opts)
    if samp:
        a = subprocess.run(["bcftools", "view", "-Ou", *samp, ds.vcf], capture_output=True)
        r = subprocess.run(["bcftools", "view", "-H", *rest, "-"], input=a.stdout,
                           capture_output=True)
        r.stdout, r.stderr = r.stdout.decode(), r.stderr.decode()
    else:
        r = subprocess.run(["bcftools", "view", "-H", *opts, ds.vcf], capture_output=True,
                           text=True)
    if r.returncode != 0 and any(o in ("-i", "-e") for o in opts):
        raise Rejected(r.stderr)
    assert r.returncode == 0, (opts, r.stderr)
    recs = [_rec(line) for line in r.stdout.splitlines()]
    if "s" in marks:
        recs.sort(key=lambda x: ds.index[x])
    return recs


def test_selection_equals_bcftools(corpus, select_dump, biofuse_bin, work_dir, ds_name, marks,
                                   opts):
    ds = corpus.get(ds_name)
    try:
        want = _bcftools(ds, opts, marks)
    except Rejected:
        # an expression bcftools rejects: Error, exit 1, nothing written
        r = subprocess.run([select_dump, ds.store, *opts], capture_output=True)
        assert r.returncode == 1 and r.stderr.startswith(b"Error: "), r.stderr
        a = work_dir / "a"
        r = subprocess.run([biofuse_bin, "view-plink", ds.store, "-o", str(a), "-M", "2",
                            *opts], capture_output=True)
        assert r.returncode == 1 and r.stderr.startswith(b"Error: "), r.stderr
        assert not os.path.exists(str(a) + ".bed")
        return

    # 1. the whole selection
    r = subprocess.run([select_dump, ds.store, *opts], capture_output=True)
    if want:
        assert r.returncode == 0, r.stderr.decode()
        got = [ds.records[int(x)] for x in r.stdout.split()]
        assert got == want
    else:
        assert r.returncode == 1 and _empty_error(r.stderr), (r.returncode, r.stderr)

    # 2. .bim and 3. .bgi: the records with at most one ALT
    bopts = list(opts)
    if ds.multi and "-M" not in opts and "--max-alleles" not in opts:
        bopts += ["-M", "2"]
    bi = [x for x in want if len(x[3]) <= 1]
    a = work_dir / "a"
    r = subprocess.run([biofuse_bin, "view-plink", ds.store, "-o", str(a), *bopts],
                       capture_output=True)
    g = work_dir / "g"
    rg = subprocess.run([biofuse_bin, "view-bgen", ds.store, "-o", str(g), *bopts],
                        capture_output=True)
    if not bi:
        for res in (r, rg):
            assert res.returncode == 1 and _empty_error(res.stderr), res.stderr
            assert not os.path.exists(str(a) + ".bed")
        return
    assert r.returncode == 0, r.stderr.decode()
    assert rg.returncode == 0, rg.stderr.decode()
    bim = [line.split("\t") for line in read(str(a) + ".bim").decode().splitlines()]
    assert [(b[0], int(b[3]), b[5], b[4]) for b in bim] == [
        (_norm_chrom(c), p, ref, alts[0] if alts else ".") for c, p, ref, alts in bi]
    rows = bgi_rows(str(g) + ".bgen.bgi")
    assert [(row[1], row[4]) for row in rows] == [(p, ref) for _c, p, ref, _a in bi]

    if "p" in marks:
        sel = work_dir / "sel.vcf.gz"
        samp, rest = _subset_first(opts)
        if samp:
            a1 = subprocess.run(["bcftools", "view", "-Ou", *samp, ds.vcf], check=True,
                                capture_output=True)
            subprocess.run(["bcftools", "view", "--no-version", "-Oz", "-o", str(sel), *rest,
                            "-"], input=a1.stdout, check=True, capture_output=True)
        else:
            subprocess.run(["bcftools", "view", "--no-version", "-Oz", "-o", str(sel), *opts,
                            ds.vcf], check=True, capture_output=True)
        b = work_dir / "b"
        plink2("--vcf", sel, *PLINK2_BED, out=b)
        for ext in (".bed", ".bim", ".fam"):
            assert read(str(a) + ext) == read(str(b) + ext), ext

    if "m" in marks:
        for command in ("mount-plink", "mount-bgen"):
            ref = mh.reference_files(biofuse_bin, command, ds.store, work_dir / ("r" + command),
                                     bopts)
            base = "x"
            mnt = work_dir / ("mnt-" + command)
            with mh.mounted(biofuse_bin, command, ds.store, mnt, ["--basename", base, *bopts],
                            mh.expected_files(command, base)) as m:
                for suffix, path in ref.items():
                    assert mh.read_file(m.path(base + "." + suffix)) == read(path), suffix


def pytest_generate_tests(metafunc):
    if "ds_name" in metafunc.fixturenames:
        metafunc.parametrize("ds_name,marks,opts", CORPUS)
