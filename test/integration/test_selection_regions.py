"""-r/-R/-t/-T/-v/-V beyond the bcftools corpus: errors, the warning for absent contigs,
region_index pruning as the log reports it, the region-file forms where we differ from
bcftools on purpose (docs/selection.md), and the corpus' own size."""

import os
import shutil
import subprocess

import pytest

import mount_helpers as mh
import test_selection_corpus as corpus_mod
from helpers_view import make_store, need_tool, read

HERE = os.path.dirname(os.path.abspath(__file__))


def test_corpus_size():
    """>= 150 option sets in all corpus files, >= 20 checked against plink 2, >= 20 mounted."""
    items = corpus_mod.CORPUS
    assert len(items) >= 150, len(items)
    assert sum("p" in p.values[1] for p in items) >= 20
    assert sum("m" in p.values[1] for p in items) >= 20


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """3 contigs, 16-variant chunks, region_index; and a copy without region_index."""
    d = tmp_path_factory.mktemp("regions")
    vcf, st = make_store(d, "r", dict(seed=41, samples=5, variants=160,
                                      contigs="1:500000,2:500000,3:500000", indel_rate=0.2),
                         dict(variants_chunk=16))
    noidx = str(d / "noidx.vcz")
    shutil.copytree(st, noidx)
    shutil.rmtree(os.path.join(noidx, "region_index"))
    gz = vcf + ".gz"
    subprocess.run([need_tool("bcftools"), "view", "--no-version", "-Oz", "-o", gz, vcf],
                   check=True)
    subprocess.run(["bcftools", "index", gz], check=True)
    return {"vcf": gz, "store": st, "noidx": noidx, "dir": d}


def _view(biofuse_bin, store, out, *args):
    return subprocess.run([biofuse_bin, "view-plink", store, "-o", str(out), *args],
                          capture_output=True, text=True)


def _bim_positions(stem):
    return [(l.split("\t")[0], int(l.split("\t")[3]))
            for l in read(str(stem) + ".bim").decode().splitlines()]


def _bcftools_positions(vcf, *args):
    out = subprocess.run(["bcftools", "view", "-H", *args, vcf], check=True,
                         capture_output=True, text=True).stdout
    return [(l.split("\t")[0], int(l.split("\t")[1])) for l in out.splitlines()]


@pytest.mark.parametrize("args,msg", [
    (["-r", "1:x"], "Error: could not parse the region(s): 1:x"),
    (["-r", "1:100-200x,2"], "Error: could not parse the region(s): 1:100-200x,2"),
    (["-t", "^1:"], "Error: could not parse the region(s): 1:"),
    (["-R", "/nonexistent/r.txt"],
     "Error: -R/--regions-file: cannot open '/nonexistent/r.txt': No such file or directory"),
    (["-T", "^/nonexistent/t.bed"],
     "Error: -T/--targets-file: cannot open '/nonexistent/t.bed': No such file or directory"),
    (["-v", "snps,indel"], "Error: Invalid type(s) ['indel'] in --types; valid types are: "
                           "snps, indels, mnps, other, ref, bnd."),
    (["-V", ""], "Error: Invalid type(s) [''] in --exclude-types; valid types are: "
                 "snps, indels, mnps, other, ref, bnd."),
    (["-r", "9"], "Error: the selection keeps no variants"),
    (["-r", "1:1-10"], "Error: the selection keeps no variants"),
    (["-t", "^1,2,3"], "Error: the selection keeps no variants"),
])
def test_errors(biofuse_bin, store, tmp_path, args, msg):
    for command in ("view-plink", "view-bgen"):
        r = subprocess.run([biofuse_bin, command, store["store"], "-o", str(tmp_path / "o"),
                            *args], capture_output=True, text=True)
        assert r.returncode == 1, r.stderr
        assert r.stderr.splitlines()[-1] == msg
        assert os.listdir(str(tmp_path)) == []


def test_bad_region_file_line(biofuse_bin, store, tmp_path):
    f = tmp_path / "r.txt"
    f.write_text("1\t100\t200\n1 300 400\n")
    r = _view(biofuse_bin, store["store"], tmp_path / "o", "-R", str(f))
    assert r.returncode == 1
    assert r.stderr.strip() == (
        "Error: -R/--regions-file: could not parse line 2 of '%s': expected CHROM<TAB>POS or "
        "CHROM<TAB>BEG<TAB>END" % f)


@pytest.mark.parametrize("command", ["mount-plink", "mount-bgen"])
def test_mount_refuses_empty_selection(biofuse_bin, store, tmp_path, command):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    r = subprocess.run([biofuse_bin, command, store["store"], str(mnt), "-r", "2:1-5"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr.splitlines()[-1] == "Error: the selection keeps no variants"
    assert not mh.is_mounted(str(mnt))


def test_absent_contig_warns_once(biofuse_bin, store, tmp_path):
    """Contigs the store lacks select nothing (bcftools is silent); one warning names them."""
    r = _view(biofuse_bin, store["store"], tmp_path / "o", "-r", "chr1,2:1-250000,Y,chr1,Y:5")
    assert r.returncode == 0, r.stderr
    warn = [l for l in r.stderr.splitlines() if "not in the store" in l]
    assert len(warn) == 1 and warn[0].endswith(
        "-r/--regions: contigs not in the store (selecting nothing): 'chr1', 'Y'"), warn
    assert _bim_positions(tmp_path / "o") == _bcftools_positions(
        store["vcf"], "-r", "chr1,2:1-250000,Y,chr1,Y:5")


def _selection_log(stderr):
    lines = [l for l in stderr.splitlines() if "selection:" in l]
    assert len(lines) == 1, stderr
    return lines[0]


def test_region_index_reads_only_overlapping_chunks(biofuse_bin, store, tmp_path):
    """-r reads the site arrays of the chunks region_index names, and no others."""
    pos = _bcftools_positions(store["vcf"])
    # a region inside chunk 3 (rows 48..63) and one across chunks 5 and 6
    a, b = pos[50][1], pos[52][1]
    c, d = pos[5 * 16 + 14][1], pos[6 * 16 + 1][1]
    reg = "%s:%d-%d,%s:%d-%d" % (pos[50][0], a, b, pos[94][0], c, d)
    want = _bcftools_positions(store["vcf"], "-r", reg)
    chunks = {pos.index(x) // 16 for x in want}
    for st, read_note in ((store["store"], "(region_index)"), (store["noidx"], "")):
        r = _view(biofuse_bin, st, tmp_path / "o", "-r", reg, "--log-level", "info")
        assert r.returncode == 0, r.stderr
        assert _bim_positions(tmp_path / "o") == want
        line = _selection_log(r.stderr)
        n = len(chunks) if read_note else 10
        assert "%d of %d variants kept in %d chunks; site arrays read for %d of 10 chunks%s;" % (
            len(want), len(pos), len(chunks), n, " " + read_note if read_note else "") in line
        assert " resolved in " in line


def test_region_file_blank_lines_and_leading_comment(biofuse_bin, store, tmp_path):
    """bcftools stops at a blank line and lets a leading '#' line force 3 columns; we skip
    both kinds of line: the result equals bcftools on the file without them."""
    pos = _bcftools_positions(store["vcf"])
    f = tmp_path / "r.txt"
    f.write_text("# CHROM POS\n%s\t%d\n\n%s\t%d\n\n" % (pos[3] + pos[120]))
    clean = tmp_path / "clean.txt"
    clean.write_text("%s\t%d\n%s\t%d\n" % (pos[3] + pos[120]))
    r = _view(biofuse_bin, store["store"], tmp_path / "o", "-R", str(f))
    assert r.returncode == 0, r.stderr
    assert _bim_positions(tmp_path / "o") == _bcftools_positions(store["vcf"], "-R", str(clean))
    assert _bim_positions(tmp_path / "o") == [pos[3], pos[120]]


def test_gzipped_bed_targets(biofuse_bin, store, tmp_path):
    """-T reads a gzipped .bed.gz with BED starts, as bcftools does."""
    import gzip
    pos = _bcftools_positions(store["vcf"])
    f = tmp_path / "t.bed.gz"
    with gzip.open(str(f), "wt") as g:
        g.write("%s\t%d\t%d\n" % (pos[10][0], pos[10][1] - 1, pos[30][1]))
    for t in (str(f), "^" + str(f)):
        r = _view(biofuse_bin, store["store"], tmp_path / "o", "-T", t)
        assert r.returncode == 0, r.stderr
        assert _bim_positions(tmp_path / "o") == _bcftools_positions(store["vcf"], "-T", t)
