"""-i/-e errors as users see them: an expression bcftools 1.16 rejects is `Error: ...` with
the position or the field at fault, exit 1, and nothing is written; FORMAT fields (which
bcftools accepts) are refused naming the field; -i with -e is refused.  The variants kept
by valid expressions are checked by the bcftools-equality corpus
(selection_corpus_filter.txt, run by test_selection_corpus.py).
"""

import glob
import os
import shlex
import shutil
import subprocess

import pytest

from helpers_view import make_store

HERE = os.path.dirname(os.path.abspath(__file__))

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


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    if not shutil.which("bcftools"):
        pytest.skip("bcftools absent")
    d = tmp_path_factory.mktemp("filter_err")
    return make_store(d, "rich", dict(seed=5, samples=4, variants=40, contigs="chr1,chr2",
                                      multiallelic_rate=0.1, rich_info=True),
                      dict(variants_chunk=10))


def _view(biofuse_bin, store, out, *opts):
    return subprocess.run([biofuse_bin, "view-plink", "-M", "2", "-o", str(out), *opts, store],
                          capture_output=True, text=True)


@pytest.mark.parametrize("expr,msg", ERRORS)
def test_filter_errors(expr, msg, rich, biofuse_bin, tmp_path):
    vcf, store = rich
    out = tmp_path / "out"
    out.mkdir()
    p = _view(biofuse_bin, store, out / "o", "-i", expr)
    assert p.returncode == 1
    assert p.stderr.startswith("Error: ") and msg in p.stderr, p.stderr
    assert os.listdir(str(out)) == []
    b = subprocess.run(["bcftools", "view", "-H", "-i", expr, vcf], capture_output=True)
    assert b.returncode != 0 or b"rror" in b.stderr  # bcftools rejects it too


@pytest.mark.parametrize("expr,msg", [("POS>1>0", "cannot be chained"),
                                      ("DB", "not a condition"), ("1", "not a condition"),
                                      ("QUAL>1 && DP", "needs comparisons on both sides")])
def test_filter_not_a_condition(expr, msg, rich, biofuse_bin, tmp_path):
    """bcftools keeps no site for these (it tests nothing); we say why (docs/selection.md)."""
    vcf, store = rich
    p = _view(biofuse_bin, store, tmp_path / "o", "-i", expr)
    assert p.returncode == 1 and p.stderr.startswith("Error: ") and msg in p.stderr, p.stderr
    b = subprocess.run(["bcftools", "view", "-H", "-i", expr, vcf], capture_output=True)
    assert b.stdout == b""


@pytest.mark.parametrize("expr,field", [("FMT/DP>3", "FORMAT/DP"), ("GT=\"het\"", "FORMAT/GT"),
                                        ("FORMAT/GQ>3", "FORMAT/GQ")])
def test_filter_format_refused(expr, field, rich, biofuse_bin, tmp_path):
    _, store = rich
    out = tmp_path / "out"
    out.mkdir()
    p = _view(biofuse_bin, store, out / "o", "-e", expr)
    assert p.returncode == 1
    assert p.stderr.startswith("Error: ") and field in p.stderr, p.stderr
    assert os.listdir(str(out)) == []


def test_filter_empty(rich, biofuse_bin, tmp_path):
    """-i '' is an error (bcftools treats it as no filter; the reference errors too)."""
    _, store = rich
    p = _view(biofuse_bin, store, tmp_path / "o", "-i", "")
    assert p.returncode == 1 and "the expression is empty" in p.stderr


def test_include_and_exclude(rich, biofuse_bin, tmp_path):
    _, store = rich
    p = _view(biofuse_bin, store, tmp_path / "o", "-i", "QUAL>1", "-e", "QUAL>2")
    assert p.returncode == 1
    assert "Cannot handle both an include expression and an exclude expression." in p.stderr


def test_filter_corpus_size():
    """The corpus keeps at least 100 -i/-e option sets."""
    n = 0
    with open(os.path.join(HERE, "selection_corpus_filter.txt")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                w = shlex.split(line)
                n += "-i" in w or "-e" in w
    assert n >= 100
