"""-i/-e filter expressions: the variants we keep equal, in order, the records bcftools 1.16
keeps from the source VCF (test/integration/selection_corpus_filter.txt), on generated VCFs
with INFO fields of every type and Number, missing QUAL/INFO, multi-allelic sites, indels,
haploid calls, and on the bio2zarr fixtures.  With -s/-S the reference is
`bcftools view -s X | bcftools view -i E` (subset first; bcftools rewrites INFO/AC/AN).

The variant lists come from build/tools/select_dump (the selection code every command uses)
so multi-allelic stores can be checked; test_filter_plink_bim checks view-plink's .bim for a
subset.  Error cases: an expression bcftools rejects is `Error:` with a position, exit 1,
and nothing is written.
"""

import os
import shlex
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
SCRIPTS = os.path.join(REPO, "scripts")
CORPUS = os.path.join(HERE, "selection_corpus_filter.txt")
DUMP = os.path.join(REPO, "build", "tools", "select_dump")

GEN = {
    "rich": (["--seed", "11", "--samples", "8", "--variants", "300", "--contigs",
              "chr1,chr2,chrX", "--multiallelic-rate", "0.2", "--indel-rate", "0.2",
              "--missing-rate", "0.08", "--half-call-rate", "0.03", "--haploid-rate", "0.03",
              "--monomorphic-rate", "0.05", "--rich-info"], ["--variants-chunk", "50"]),
    "plain": (["--seed", "12", "--samples", "8", "--variants", "300", "--contigs", "1,2,X",
               "--multiallelic-rate", "0.15", "--indel-rate", "0.2", "--missing-rate", "0.06",
               "--half-call-rate", "0.02", "--monomorphic-rate", "0.05"],
              ["--variants-chunk", "64"]),
    "chunky": (["--seed", "13", "--samples", "7", "--variants", "120", "--contigs",
                "chr1,chr2", "--multiallelic-rate", "0.1", "--indel-rate", "0.1",
                "--missing-rate", "0.05", "--rich-info"],
               ["--variants-chunk", "7", "--variant-chunk-multiplier", "3",
                "--samples-chunk", "3", "--zip"]),
}


def corpus_lines():
    out = []
    with open(CORPUS) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            store, _, opts = line.partition("\t")
            out.append(pytest.param(store, opts, id="%d:%s:%s" % (n, store, opts)))
    return out


@pytest.fixture(scope="session")
def gen_stores(tmp_path_factory):
    if not shutil.which("bcftools"):
        pytest.skip("bcftools absent")
    d = tmp_path_factory.mktemp("filter_gen")
    out = {}
    for name, (gargs, cargs) in GEN.items():
        vcf = str(d / (name + ".vcf"))
        subprocess.run([sys.executable, os.path.join(SCRIPTS, "gen_vcf.py"), vcf] + gargs,
                       check=True, stdout=subprocess.DEVNULL)
        store = str(d / (name + (".vcz.zip" if "--zip" in cargs else ".vcz")))
        subprocess.run([sys.executable, os.path.join(SCRIPTS, "vcf2vcz.py"), vcf, store] + cargs,
                       check=True, stdout=subprocess.DEVNULL)
        out[name] = (vcf, store)
    return out


def resolve(store, gen_stores, shared_dir):
    kind, _, name = store.partition(":")
    if kind == "gen":
        return gen_stores[name]
    base = os.path.join(shared_dir, "fixtures", "bio2zarr", name)
    vcf = base + ".vcf.gz" if os.path.exists(base + ".vcf.gz") else base + ".bcf"
    zstore = base + ".vcz.zip"
    if not (os.path.exists(vcf) and os.path.exists(zstore)):
        pytest.skip("fixture %s absent" % name)
    return vcf, zstore


class Rejected(Exception):
    pass


def run_checked(args, data=None):
    p = subprocess.run(args, input=data, capture_output=True)
    if p.returncode != 0:
        raise Rejected(p.stderr.decode(errors="replace"))
    return p.stdout


def bcftools_keep(vcf, words):
    """CHROM POS REF ALT lines of what bcftools keeps with these options (Rejected when
    bcftools refuses them)."""
    samples = None
    rest = []
    i = 0
    while i < len(words):
        if words[i] in ("-s", "-S"):
            samples = words[i:i + 2]
            i += 2
            continue
        rest.append(words[i])
        i += 1
    fmt = ["bcftools", "query", "-f", "%CHROM\\t%POS\\t%REF\\t%ALT\\n"]
    if samples:
        first = run_checked(["bcftools", "view", "-Ou"] + samples + [vcf])
        second = run_checked(["bcftools", "view", "-Ou"] + rest + ["-"], first)
    else:
        second = run_checked(["bcftools", "view", "-Ou"] + rest + [vcf])
    return run_checked(fmt + ["-"], second).decode().splitlines()


def our_keep(store, words):
    p = subprocess.run([DUMP, store] + words, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout.splitlines()


@pytest.fixture(scope="session")
def dump_tool():
    if not os.access(DUMP, os.X_OK):
        pytest.skip("build/tools/select_dump absent (run make)")
    return DUMP


@pytest.mark.parametrize("store,opts", corpus_lines())
def test_filter_corpus(store, opts, gen_stores, shared_dir, dump_tool):
    vcf, zstore = resolve(store, gen_stores, shared_dir)
    words = shlex.split(opts)
    try:
        want = bcftools_keep(vcf, words)
    except Rejected:
        p = subprocess.run([DUMP, zstore] + words, capture_output=True, text=True)
        assert p.returncode == 1 and p.stderr.startswith("Error: "), p.stderr
        return
    got = our_keep(zstore, words)
    assert got == want


def test_corpus_size():
    """The corpus keeps at least 100 -i/-e option sets."""
    n = sum(1 for p in corpus_lines() if "-i" in shlex.split(p.values[1])
            or "-e" in shlex.split(p.values[1]))
    assert n >= 100


# view-plink end to end: the .bim lists exactly bcftools' records (biallelic via -M 2).
BIM_CASES = [
    ("gen:rich", "-M 2 -i 'QUAL>30 && INFO/DP>100'"),
    ("gen:rich", "-M 2 -e 'FILTER!=\"PASS\"'"),
    ("gen:rich", "-M 2 -s S00001,S00004 -i 'MAF>0.1'"),
    ("gen:plain", "-M 2 -i 'MAF>0.01 && F_MISSING<0.05'"),
    ("gen:plain", "-M 2 -s ^S00002 -e 'AC==0'"),
    ("fx:chr22", "-M 2 -i 'INFO/AF>0.1'"),
]


@pytest.mark.parametrize("store,opts", BIM_CASES)
def test_filter_plink_bim(store, opts, gen_stores, shared_dir, biofuse_bin, tmp_path):
    vcf, zstore = resolve(store, gen_stores, shared_dir)
    words = shlex.split(opts)
    want = [l.split("\t")[1] for l in bcftools_keep(vcf, words)]
    out = str(tmp_path / "o")
    subprocess.run([biofuse_bin, "view-plink", "-o", out] + words + [zstore], check=True,
                   capture_output=True)
    with open(out + ".bim") as f:
        got = [l.split("\t")[3] for l in f]
    assert got == want


ERRORS = [
    ("POS>", "at position 5"),
    ("(POS>1", "at position 7"),
    ("POS>>1", "at position 5"),
    ("DP>1 DP<3", "at position 6"),
    ("XX>1", "the tag \"XX\" is not defined"),
    ("CHROM=1", "cannot compare a string with a number"),
    ("POS==\"100\"", "cannot compare a string with a number"),
    ("ID=rs1", "the tag \"rs1\" is not defined"),
    ("FILTER=\"nope\"", "the filter \"nope\" is not in the store"),
    ("TYPE=\"foo\"", "the type \"foo\" is not recognised"),
    ("ID~\"[\"", "could not compile the regular expression"),
    ("FILTER<\"PASS\"", "FILTER supports only"),
    ("\"^A\"~REF", "~ and !~ need a field on the left"),
    ("REF<\"A\"", "strings can be compared only"),
]


@pytest.mark.parametrize("expr,msg", ERRORS)
def test_filter_errors(expr, msg, gen_stores, biofuse_bin, tmp_path):
    _, zstore = gen_stores["rich"]
    out = str(tmp_path / "o")
    p = subprocess.run([biofuse_bin, "view-plink", "-M", "2", "-o", out, "-i", expr, zstore],
                       capture_output=True, text=True)
    assert p.returncode == 1
    assert p.stderr.startswith("Error: ")
    assert msg in p.stderr
    assert os.listdir(str(tmp_path)) == []
    # bcftools rejects it too (so ours is not stricter)
    vcf, _ = gen_stores["rich"]
    b = subprocess.run(["bcftools", "view", "-H", "-i", expr, vcf], capture_output=True)
    assert b.returncode != 0 or b"rror" in b.stderr


@pytest.mark.parametrize("expr,field", [("FMT/DP>3", "FORMAT/DP"), ("GT=\"het\"", "FORMAT/GT"),
                                        ("FORMAT/GQ>3", "FORMAT/GQ")])
def test_filter_format_refused(expr, field, gen_stores, biofuse_bin, tmp_path):
    """FORMAT fields (which bcftools accepts) are refused with a message naming the field."""
    _, zstore = gen_stores["rich"]
    p = subprocess.run([biofuse_bin, "view-plink", "-M", "2", "-o", str(tmp_path / "o"), "-i",
                        expr, zstore], capture_output=True, text=True)
    assert p.returncode == 1
    assert p.stderr.startswith("Error: ") and field in p.stderr
    assert os.listdir(str(tmp_path)) == []


def test_include_and_exclude(gen_stores, biofuse_bin, tmp_path):
    _, zstore = gen_stores["rich"]
    p = subprocess.run([biofuse_bin, "view-plink", "-M", "2", "-o", str(tmp_path / "o"), "-i",
                        "QUAL>1", "-e", "QUAL>2", zstore], capture_output=True, text=True)
    assert p.returncode == 1
    assert "Cannot handle both an include expression and an exclude expression." in p.stderr
