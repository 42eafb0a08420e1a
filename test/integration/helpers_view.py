"""Helpers shared by test_view_plink.py, test_view_bgen.py and test_inspect.py.

Generated inputs are made in-process with scripts/gen_vcf.py and scripts/vcf2vcz.py
(conftest puts scripts/ on sys.path).  Nothing here depends on the code under test.
"""

import ast
import os
import shutil
import sqlite3
import struct
import subprocess
import threading
import zipfile
import zlib

import pytest

import gen_vcf
import vcf2vcz

# Multi-allelic VCF records survive in the VCF; plink2 drops them with --max-alleles 2
PLINK2_BED = ["--make-bed", "--double-id", "--max-alleles", "2", "--allow-extra-chr",
              "--vcf-half-call", "m"]


def need_tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.skip("%s not installed" % name)
    return path


def run(args, *, rc=0, **kw):
    """Run a command; assert its exit status (None = any) and return the result."""
    kw.setdefault("capture_output", True)
    r = subprocess.run([str(a) for a in args], **kw)
    if rc is not None:
        assert r.returncode == rc, (args, r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    return r


def bf(biofuse_bin, *args, rc=0, **kw):
    return run([biofuse_bin, *args], rc=rc, **kw)


def plink2(*args, out):
    """plink2 with --out; fails the test with the log tail if plink2 fails."""
    r = run([need_tool("plink2"), *args, "--out", out], rc=None)
    if r.returncode != 0:
        log = open(str(out) + ".log").read() if os.path.exists(str(out) + ".log") else ""
        raise AssertionError("plink2 %s failed:\n%s\n%s" % (args, r.stderr.decode(), log))
    return r


def make_store(dirpath, name, gen=None, conv=None, edit_vcf=None):
    """Generate NAME.vcf with gen_vcf.generate(**gen), optionally pass its text through
    edit_vcf, convert to NAME.vcz[.zip] with vcf2vcz.convert(**conv).
    Returns (vcf_path, store_path)."""
    gen = dict(gen or {})
    conv = dict(conv or {})
    vcf = os.path.join(str(dirpath), name + ".vcf")
    gen_vcf.generate(vcf, **gen)
    if edit_vcf is not None:
        with open(vcf) as f:
            text = f.read()
        with open(vcf, "w") as f:
            f.write(edit_vcf(text))
    store = os.path.join(str(dirpath), name + (".vcz.zip" if conv.get("zip_output") else ".vcz"))
    vcf2vcz.convert(vcf, store, **conv)
    return vcf, store


def read(path):
    with open(path, "rb") as f:
        return f.read()


def assert_same_files(a_stem, b_stem, exts):
    for ext in exts:
        a, b = read(str(a_stem) + ext), read(str(b_stem) + ext)
        assert a == b, "%s%s differs from %s%s (%d vs %d bytes)" % (
            a_stem, ext, b_stem, ext, len(a), len(b))


def listdir(d):
    return sorted(os.listdir(str(d)))


class FifoReader(threading.Thread):
    """Reads the FIFO `path` to its end in a daemon thread (its open waits for the writer,
    so create it before running the writer; a thread left blocked does not hold up exit)."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path = path
        self.data = None
        self.start()

    def run(self):
        with open(self.path, "rb") as f:
            self.data = f.read()

    def result(self, timeout=30):
        self.join(timeout)
        assert not self.is_alive(), "nothing finished writing the FIFO %s" % self.path
        return self.data


# ---------------------------------------------------------------------------------------
# .bed decoding (for order checks)

def bed_matrix(stem, n_samples):
    """Decode a variant-major .bed into a list of rows of 2-bit codes."""
    data = read(str(stem) + ".bed")
    assert data[:3] == b"\x6c\x1b\x01"
    bpv = (n_samples + 3) // 4
    body = data[3:]
    assert len(body) % bpv == 0 if bpv else len(body) == 0
    rows = []
    for v in range(len(body) // bpv if bpv else 0):
        row = body[v * bpv:(v + 1) * bpv]
        rows.append([(row[j // 4] >> (2 * (j % 4))) & 3 for j in range(n_samples)])
    return rows


# ---------------------------------------------------------------------------------------
# BGEN

def bgi_rows(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return con.execute("SELECT * FROM Variant ORDER BY rowid").fetchall()
    finally:
        con.close()


def golden_rows(path):
    with open(path) as f:
        return [ast.literal_eval(line) for line in f if line.strip()]


def _str16(buf, off):
    (n,) = struct.unpack_from("<H", buf, off)
    return buf[off + 2:off + 2 + n].decode(), off + 2 + n


def _str32(buf, off):
    (n,) = struct.unpack_from("<I", buf, off)
    return buf[off + 4:off + 4 + n].decode(), off + 4 + n


def parse_bgen_header(buf):
    offset, hlen, nvar, nsamp = struct.unpack_from("<IIII", buf, 0)
    assert buf[16:20] == b"bgen"
    (flags,) = struct.unpack_from("<I", buf, 20)
    assert hlen == 20
    assert flags & 3 == 1 and (flags >> 2) & 0xF == 2, hex(flags)
    return {"first": 4 + offset, "n_variants": nvar, "n_samples": nsamp,
            "sample_ids": bool(flags >> 31)}


def parse_bgen_block(buf, off):
    """Parse one layout-2 variant block at `off`; returns (fields dict, end offset).
    The zlib payload must decompress to exactly D bytes."""
    varid, p = _str16(buf, off)
    rsid, p = _str16(buf, p)
    chrom, p = _str16(buf, p)
    pos, k = struct.unpack_from("<IH", buf, p)
    p += 6
    alleles = []
    for _ in range(k):
        a, p = _str32(buf, p)
        alleles.append(a)
    c, d = struct.unpack_from("<II", buf, p)
    p += 8
    payload = buf[p:p + c - 4]
    assert len(payload) == c - 4, "block at %d runs past the end of the file" % off
    geno = zlib.decompress(payload)
    assert len(geno) == d, (off, len(geno), d)
    return {"varid": varid, "rsid": rsid, "chrom": chrom, "pos": pos, "alleles": alleles,
            "geno": geno}, p + c - 4


def check_bgen_against_bgi(bgen_path, bgi_path, n_samples=None):
    """Every .bgi row points at a block that parses as the variant the row names; the
    blocks tile the file from the first variant to EOF.  Returns the rows."""
    buf = read(bgen_path)
    hdr = parse_bgen_header(buf)
    rows = bgi_rows(bgi_path)
    assert len(rows) == hdr["n_variants"]
    expect = hdr["first"]
    for row in rows:
        chrom, pos, rsid, nall, a1, a2, start, size = row
        assert start == expect, (row, expect)
        blk, end = parse_bgen_block(buf, start)
        assert end - start == size, (row, end - start)
        assert (blk["chrom"], blk["pos"], blk["alleles"]) == (chrom, pos, [a1, a2]), (row, blk)
        assert blk["rsid"] == rsid and nall == 2
        (n,) = struct.unpack_from("<I", blk["geno"], 0)
        assert n == hdr["n_samples"]
        if n_samples is not None:
            assert n == n_samples
        expect = end
    assert expect == len(buf), (expect, len(buf))
    return rows


# ---------------------------------------------------------------------------------------
# Store listings (inspect oracle)

META_NAMES = {".zarray", ".zattrs", ".zgroup", ".zmetadata", "zarr.json"}


def store_keys(store):
    """All object keys of a dir or zip store, '/'-separated."""
    if zipfile.is_zipfile(store):
        with zipfile.ZipFile(store) as z:
            return [n for n in z.namelist() if not n.endswith("/")]
    keys = []
    for root, _dirs, files in os.walk(store):
        for f in files:
            keys.append(os.path.relpath(os.path.join(root, f), store).replace(os.sep, "/"))
    return keys


def chunk_file_counts(store):
    counts = {}
    for k in store_keys(store):
        parts = k.split("/")
        if len(parts) < 2 or parts[-1] in META_NAMES:
            continue
        counts[parts[0]] = counts.get(parts[0], 0) + 1
    return counts


def bgen_phased_flags(bgen_path, bgi_path):
    """The per-variant phased flag of every block (layout 2: byte 8 + N of the block)."""
    buf = read(bgen_path)
    flags = []
    for row in bgi_rows(bgi_path):
        blk, _ = parse_bgen_block(buf, row[6])
        (n,) = struct.unpack_from("<I", blk["geno"], 0)
        flags.append(blk["geno"][8 + n])
    return flags
