#!/usr/bin/python3
"""Convert a VCF (plain or gzip) to a VCF Zarr (VCZ) store with bio2zarr's schema and
on-disk conventions (see shared/spec/vcz-input.md).  Replaces bio2zarr for tests.

usage: vcf2vcz.py IN.vcf[.gz] OUT [--zip] [--zarr-format 2|3] [--variants-chunk N]
                  [--samples-chunk N] [--key-style flat|nested] [--consolidated]
                  [--compressor NAME] [--variant-chunk-multiplier K]
                  [--null-samples I,J,...] [--no-info]

With --zip, OUT is the .zip file written (members STORED); otherwise OUT is a directory.
"""

import argparse
import gzip
import os
import re
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vczlib  # noqa: E402

F32_MISSING = np.array([0x7F800001], dtype="<u4").view("<f4")[0]
F32_FILL = np.array([0x7F800002], dtype="<u4").view("<f4")[0]

DESCRIPTIONS = {
    "variant_contig": "An identifier from the reference genome or an angle-bracketed ID "
                      "string pointing to a contig in the assembly file",
    "variant_position": "The reference position",
    "variant_length": "The length of the variant measured in bases",
    "variant_allele": "List of the reference and alternate alleles",
    "variant_id": "List of unique identifiers where applicable",
    "variant_id_mask": "",
    "variant_quality": "Phred-scaled quality score",
    "variant_filter": "Filter status of the variant",
    "call_genotype": "",
    "call_genotype_phased": "",
    "call_genotype_mask": "",
}


def _parse_struct(value):
    """'<ID=x,Number=1,Description="a, b">' -> dict."""
    body = value.strip()[1:-1]
    out = {}
    for m in re.finditer(r'([A-Za-z_]+)=("(?:[^"\\]|\\.)*"|[^,]*)', body):
        v = m.group(2)
        if v.startswith('"'):
            v = v[1:-1].replace('\\"', '"')
        out.setdefault(m.group(1), v)
    return out


class VcfData:
    def __init__(self):
        self.meta = []          # (key, value) excluding contig/FILTER/INFO/FORMAT
        self.contigs = []       # (id, length or None)
        self.filters = []       # (id, description)
        self.info = []          # dicts
        self.samples = []
        self.records = []       # tuples of text fields (first 8 + sample GT strings)
        self.has_gt = False


def read_vcf(path):
    opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    vcf = VcfData()
    gt_cache = {}
    with opener(path, "rt") as f:
        for line in f:
            line = line.rstrip("\n").rstrip("\r")
            if line.startswith("##"):
                key, _, value = line[2:].partition("=")
                if key == "contig":
                    d = _parse_struct(value)
                    vcf.contigs.append((d["ID"], int(d["length"]) if "length" in d else None))
                elif key == "FILTER":
                    d = _parse_struct(value)
                    vcf.filters.append((d["ID"], d.get("Description", "")))
                elif key == "INFO":
                    vcf.info.append(_parse_struct(value))
                elif key == "FORMAT":
                    pass
                else:
                    vcf.meta.append((key, value))
                continue
            if line.startswith("#"):
                vcf.samples = line.split("\t")[9:]
                continue
            if not line:
                continue
            cols = line.split("\t")
            fixed = cols[:8]
            calls = None
            if len(cols) > 9:
                fmt = cols[8].split(":")
                if fmt[0] == "GT":
                    vcf.has_gt = True
                    calls = []
                    for s in cols[9:]:
                        g = gt_cache.get(s)
                        if g is None:
                            g = _parse_gt(s.split(":", 1)[0])
                            if len(gt_cache) < 100000:
                                gt_cache[s] = g
                        calls.append(g)
            vcf.records.append((fixed, calls))
    return vcf


def _parse_gt(s):
    if s.startswith("|") or s.startswith("/"):
        s = s[1:]
    parts = re.split(r"[/|]", s)
    alleles = tuple(-1 if a in (".", "") else int(a) for a in parts)
    phased = "|" in s or len(alleles) == 1
    return alleles, phased


def _parse_info(text):
    out = {}
    if text in (".", ""):
        return out
    for item in text.split(";"):
        k, eq, v = item.partition("=")
        out[k] = v if eq else True
    return out


def build_arrays(vcf, null_samples=(), with_info=True):
    """Returns an ordered dict name -> (data, dims, kind, extra) where kind is one of
    root, samples, variants, call, region."""
    V = len(vcf.records)
    S = len(vcf.samples)
    arrays = {}

    # contigs: header order, then any unseen in order of appearance
    contig_ids = [c for c, _ in vcf.contigs]
    contig_index = {c: i for i, c in enumerate(contig_ids)}
    for fixed, _ in vcf.records:
        if fixed[0] not in contig_index:
            contig_index[fixed[0]] = len(contig_ids)
            contig_ids.append(fixed[0])
    # filters: PASS first
    filt = [("PASS", "All filters passed")]
    for fid, desc in vcf.filters:
        if fid == "PASS":
            filt[0] = ("PASS", desc)
        else:
            filt.append((fid, desc))
    filter_index = {f: i for i, (f, _) in enumerate(filt)}
    for fixed, _ in vcf.records:
        for f in fixed[6].split(";"):
            if f not in (".", "") and f not in filter_index:
                filter_index[f] = len(filt)
                filt.append((f, ""))

    sample_ids = np.array(list(vcf.samples), dtype=object).reshape(S)
    for i in null_samples:
        sample_ids[i] = ""
    arrays["sample_id"] = (sample_ids, ["samples"], "samples", {})
    arrays["contig_id"] = (np.array(contig_ids, dtype=object).reshape(len(contig_ids)),
                           ["contigs"], "root", {})
    lengths = dict(vcf.contigs)
    if contig_ids and all(lengths.get(c) is not None for c in contig_ids):
        arrays["contig_length"] = (np.array([lengths[c] for c in contig_ids], dtype="<i8"),
                                   ["contigs"], "root", {"fill": 0})
    arrays["filter_id"] = (np.array([f for f, _ in filt], dtype=object), ["filters"], "root", {})
    arrays["filter_description"] = (np.array([d for _, d in filt], dtype=object),
                                    ["filters"], "root", {})

    contig = np.zeros(V, dtype=np.int64)
    pos = np.zeros(V, dtype=np.int64)
    rlen = np.zeros(V, dtype=np.int64)
    ids = np.empty(V, dtype=object)
    qual = np.zeros(V, dtype="<f4")
    nalleles = max([2] + [1 + (0 if r[0][4] == "." else r[0][4].count(",") + 1)
                          for r in vcf.records])
    alleles = vczlib.full((V, nalleles), "", object)
    filters = np.zeros((V, len(filt)), dtype=bool)
    infos = []
    for v, (fixed, _calls) in enumerate(vcf.records):
        chrom, p, vid, ref, alt, q, fl, info = fixed
        contig[v] = contig_index[chrom]
        pos[v] = int(p)
        ids[v] = vid if vid not in ("", ".") else "."
        alts = [] if alt == "." else alt.split(",")
        alleles[v, 0] = ref
        for j, a in enumerate(alts):
            alleles[v, j + 1] = a
        qual[v] = F32_MISSING if q == "." else np.float32(q)
        for f in fl.split(";"):
            if f not in (".", ""):
                filters[v, filter_index[f]] = True
        inf = _parse_info(info)
        infos.append(inf)
        rlen[v] = int(inf["END"]) - pos[v] + 1 if isinstance(inf.get("END"), str) else len(ref)

    # dtype from the number of contigs (bio2zarr), not from the indexes used
    arrays["variant_contig"] = (contig.astype(vczlib.smallest_int_dtype(
        0, max(len(contig_ids) - 1, 0))), ["variants"], "variants", {})
    pos_dtype = vczlib.smallest_int_dtype(min(pos.min(initial=0), 0), pos.max(initial=0))
    arrays["variant_position"] = (pos.astype(pos_dtype), ["variants"], "variants", {})
    arrays["variant_length"] = (rlen.astype(vczlib.smallest_int_dtype(
        min(rlen.min(initial=0), 0), rlen.max(initial=0))), ["variants"], "variants", {})
    arrays["variant_allele"] = (alleles, ["variants", "alleles"], "variants", {})
    arrays["variant_id"] = (ids, ["variants"], "variants", {})
    arrays["variant_id_mask"] = (ids == ".", ["variants"], "variants", {"shuffle": 2})
    arrays["variant_quality"] = (qual, ["variants"], "variants", {})
    arrays["variant_filter"] = (filters, ["variants", "filters"], "variants", {"shuffle": 2})

    if with_info:
        for d in vcf.info:
            _info_array(arrays, d, infos, V)

    if vcf.has_gt:
        ploidy = 1
        max_allele = 0
        for _, calls in vcf.records:
            if calls:
                for a, _ph in calls:
                    ploidy = max(ploidy, len(a))
                    max_allele = max(max_allele, max(a))
        gt = np.full((V, S, ploidy), -2, dtype=np.int64)
        phased = np.zeros((V, S), dtype=bool)
        for v, (_, calls) in enumerate(vcf.records):
            if not calls:
                gt[v] = -1
                continue
            for s, (a, ph) in enumerate(calls):
                gt[v, s, :len(a)] = a
                phased[v, s] = ph
        for i in null_samples:
            gt[:, i, :] = -1
            phased[:, i] = False
        gt = gt.astype(vczlib.smallest_int_dtype(-2, max_allele))
        arrays["call_genotype"] = (gt, ["variants", "samples", "ploidy"], "call",
                                   {"shuffle": 2})
        arrays["call_genotype_phased"] = (phased, ["variants", "samples"], "call",
                                          {"shuffle": 2})
        arrays["call_genotype_mask"] = (gt < 0, ["variants", "samples", "ploidy"], "call",
                                        {"shuffle": 2})
    return arrays


def _info_array(arrays, d, infos, V):
    iid, typ, num = d.get("ID"), d.get("Type"), d.get("Number", "1")
    name = "variant_" + iid
    if name in arrays or iid is None:
        return
    desc = {"description": d.get("Description", "")}
    if typ == "Flag":
        data = np.array([inf.get(iid) is True for inf in infos], dtype=bool)
        arrays[name] = (data, ["variants"], "variants", {"attrs": desc})
        return
    if typ not in ("Integer", "Float", "String"):
        return
    vals = []
    for inf in infos:
        x = inf.get(iid)
        vals.append(None if x is None or x is True else x.split(","))
    if typ == "String":
        if num == "1":
            data = np.array([",".join(v) if v else "." for v in vals] if V else [],
                            dtype=object)
            arrays[name] = (data.reshape(V), ["variants"], "variants", {"attrs": desc})
            return
        # Number != 1 (as bio2zarr): one column per value, "" pads, an absent field is "."
        # in every column
        width = max([1] + [len(v) for v in vals if v])
        data = vczlib.full((V, width), "", object)
        for i, v in enumerate(vals):
            if v is None:
                data[i, :] = "."
            else:
                for j, x in enumerate(v):
                    data[i, j] = x
        arrays[name] = (data, ["variants", "INFO_%s_dim" % iid], "variants", {"attrs": desc})
        return
    width = 1 if num == "1" else max([1] + [len(v) for v in vals if v])
    if typ == "Integer":
        data = np.full((V, width), -2, dtype=np.int64)
        for i, v in enumerate(vals):
            if v is None:
                data[i] = -1
            else:
                for j, x in enumerate(v):
                    data[i, j] = -1 if x == "." else int(x)
        data = data.astype(vczlib.smallest_int_dtype(min(data.min(initial=0), -2),
                                                     data.max(initial=0)))
    else:
        data = np.full((V, width), F32_FILL, dtype="<f4")
        for i, v in enumerate(vals):
            if v is None:
                data[i] = F32_MISSING
            else:
                for j, x in enumerate(v):
                    data[i, j] = F32_MISSING if x == "." else np.float32(x)
    if num == "1":
        arrays[name] = (data[:, 0].copy(), ["variants"], "variants", {"attrs": desc})
    else:
        arrays[name] = (data, ["variants", "INFO_%s_dim" % iid], "variants", {"attrs": desc})


def region_index(contig, pos, rlen, chunk):
    rows = []
    V = len(pos)
    for c, start in enumerate(range(0, V, chunk)):
        end = min(start + chunk, V)
        cc = contig[start:end]
        breaks = [0] + list(np.nonzero(np.diff(cc))[0] + 1) + [end - start]
        for a, b in zip(breaks[:-1], breaks[1:]):
            p = pos[start + a:start + b].astype(np.int64)
            e = p + rlen[start + a:start + b].astype(np.int64) - 1
            rows.append((c, int(cc[a]), int(p[0]), int(p[-1]), int(e.max()), b - a))
    return np.array(rows, dtype=np.int64).reshape(len(rows), 6)


def write_vcz(arrays, meta_info, out_dir, *, zarr_format=2, variants_chunk=1000,
              samples_chunk=10000, key_sep=".", compressor_name="blosc-zstd",
              variant_chunk_multiplier=1, source="vcf2vcz.py (biofuse fixtures)"):
    comp_base = vczlib.COMPRESSOR_CHOICES[compressor_name]
    vczlib.write_group(out_dir, {
        "vcf_zarr_version": "0.4", "source": source,
        "vcf_meta_information": [[k, v] for k, v in meta_info]}, zarr_format)

    pos = arrays["variant_position"][0]
    ri = region_index(arrays["variant_contig"][0], pos, arrays["variant_length"][0],
                      variants_chunk)
    ri_dtype = pos.dtype
    if ri.size and not (np.iinfo(ri_dtype).min <= ri.min() and ri.max() <= np.iinfo(ri_dtype).max):
        ri_dtype = vczlib.smallest_int_dtype(ri.min(), ri.max())
    arrays = dict(arrays)
    arrays["region_index"] = (ri.astype(ri_dtype),
                              ["region_index_values", "region_index_fields"], "region",
                              {"shuffle": 0, "clevel": 9})
    writers = {}
    for name in sorted(arrays):
        data, dims, kind, extra = arrays[name]
        shape = data.shape
        if kind == "root" or kind == "region":
            chunks = [max(1, s) for s in shape]
        elif kind == "samples":
            chunks = [samples_chunk]
        elif kind == "variants":
            chunks = [variants_chunk * variant_chunk_multiplier] + [max(1, s) for s in shape[1:]]
        else:
            chunks = [variants_chunk, samples_chunk] + [max(1, s) for s in shape[2:]]
        comp = comp_base
        if comp is not None and comp["id"] == "blosc":
            comp = dict(comp)
            comp["shuffle"] = extra.get("shuffle", 1)
            if "clevel" in extra:
                comp["clevel"] = extra["clevel"]
        fill = extra.get("fill")
        if fill is None and data.dtype.kind == "O" and kind in ("root", "samples"):
            fill = ""
        attrs = extra.get("attrs")
        if attrs is None and name in DESCRIPTIONS:
            attrs = {"description": DESCRIPTIONS[name]}
        if zarr_format == 2:
            w = vczlib.ArrayWriter(out_dir, name, shape, chunks, data.dtype, zarr_format=2,
                                   key_sep=key_sep, compressor=comp, fill_value=fill,
                                   dims=dims, attrs=attrs, no_compressor=comp is None)
        else:
            if comp is None:
                codecs = vczlib.v3_codecs_for(data.dtype, None)
            else:
                codecs = vczlib.v3_codecs_for(data.dtype, comp)
            w = vczlib.ArrayWriter(out_dir, name, shape, chunks, data.dtype, zarr_format=3,
                                   fill_value=fill, dims=dims, attrs=attrs or {},
                                   v3_codecs=codecs)
        w.write_all(data)
        writers[name] = w
    return writers


def convert(vcf_path, out, *, zip_output=False, zarr_format=2, variants_chunk=1000,
            samples_chunk=10000, key_style="flat", consolidated=False,
            compressor="blosc-zstd", variant_chunk_multiplier=1, null_samples=(),
            with_info=True):
    vcf = read_vcf(vcf_path)
    arrays = build_arrays(vcf, null_samples=null_samples, with_info=with_info)
    target = out + ".tmpdir" if zip_output else out
    if os.path.exists(target):
        shutil.rmtree(target)
    write_vcz(arrays, vcf.meta, target, zarr_format=zarr_format,
              variants_chunk=variants_chunk, samples_chunk=samples_chunk,
              key_sep="/" if key_style == "nested" else ".", compressor_name=compressor,
              variant_chunk_multiplier=variant_chunk_multiplier)
    if consolidated:
        if zarr_format != 2:
            raise SystemExit("--consolidated is only supported for Zarr v2")
        vczlib.consolidate_v2(target)
    if zip_output:
        if os.path.exists(out):
            os.unlink(out)
        vczlib.zip_store(target, out)
        shutil.rmtree(target)
    return arrays


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("vcf")
    ap.add_argument("out")
    ap.add_argument("--zip", action="store_true", help="write OUT as a STORED zip")
    ap.add_argument("--zarr-format", type=int, choices=(2, 3), default=2)
    ap.add_argument("--variants-chunk", type=int, default=1000)
    ap.add_argument("--samples-chunk", type=int, default=10000)
    ap.add_argument("--key-style", choices=("flat", "nested"), default="flat")
    ap.add_argument("--consolidated", action="store_true")
    ap.add_argument("--compressor", choices=sorted(vczlib.COMPRESSOR_CHOICES),
                    default="blosc-zstd")
    ap.add_argument("--variant-chunk-multiplier", type=int, default=1,
                    help="variant-only arrays get chunks K x variants-chunk (proportional "
                         "chunking); region_index stays in call-chunk units")
    ap.add_argument("--null-samples", default="",
                    help="comma-separated sample indexes to null out (sample_id '' and "
                         "all genotypes -1)")
    ap.add_argument("--no-info", action="store_true", help="skip INFO fields")
    a = ap.parse_args(argv)
    nulls = [int(x) for x in a.null_samples.split(",") if x != ""]
    arrays = convert(a.vcf, a.out, zip_output=a.zip, zarr_format=a.zarr_format,
                     variants_chunk=a.variants_chunk, samples_chunk=a.samples_chunk,
                     key_style=a.key_style, consolidated=a.consolidated,
                     compressor=a.compressor,
                     variant_chunk_multiplier=a.variant_chunk_multiplier,
                     null_samples=nulls, with_info=not a.no_info)
    print("wrote %s: %d variants x %d samples" % (
        a.out, len(arrays["variant_position"][0]), len(arrays["sample_id"][0])))


if __name__ == "__main__":
    main()
