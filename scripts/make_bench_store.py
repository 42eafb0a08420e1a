#!/usr/bin/python3
"""Write a benchmark VCZ store (Zarr v2, bio2zarr layout) with realistic linkage, generated
directly with numpy one (variant chunk x sample chunk) block at a time (bounded memory).

usage: make_bench_store.py OUT_DIR [--samples 10000] [--variants 20000]
                           [--variants-chunk 1000] [--samples-chunk 10000] [--seed 1]
                           [--founders 24] [--common-fraction 0.45] [--missing-rate 0]
                           [--unphased] [--zip] [--contigs N] [--site-fields]

Genotype model: per variant chunk a small pool of founder haplotypes carries the common
variants; every sample haplotype copies one founder per segment (segments ~60 variants
long, i.e. recombination), plus rare variants (frequency 10^U(-3.7,-1.7)) sprinkled at
random and a little mutation noise.  call_genotype is |i1 [V,S,2], blosc zstd clevel 7
bitshuffle, like bio2zarr.  Prints the call_genotype compression ratio achieved.
--contigs N spreads the variants evenly over N contigs (chr20 alone by default; then
chr1..chrN), positions restarting on each; region_index has one row per (chunk, contig)
run.  --site-fields adds QUAL spread over 0..100 with some missing, FILTER PASS/q10 and an
INFO/DP Integer field with some missing values (the selection benchmarks' filters).
"""

import argparse
import os
import shutil
import sys
import time

import numcodecs
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vczlib  # noqa: E402


def variant_chunk_model(rng, n_v, founders, common_fraction):
    common = rng.random(n_v) < common_fraction
    p_common = rng.uniform(0.02, 0.5, n_v)
    founder_alleles = (rng.random((n_v, founders)) < p_common[:, None]) & common[:, None]
    p_rare = np.where(common, 0.0, 10.0 ** rng.uniform(-3.7, -1.7, n_v))
    # segment boundaries (shared by all haplotypes of this chunk)
    cuts = np.cumsum(rng.geometric(1.0 / 60, size=n_v))
    cuts = cuts[cuts < n_v]
    bounds = np.concatenate([[0], cuts, [n_v]]).astype(np.int64)
    return founder_alleles.astype(np.uint8), p_rare, bounds


def genotype_block(rng, model, n_s, founders, mutation_rate, missing_rate):
    founder_alleles, p_rare, bounds = model
    n_v = founder_alleles.shape[0]
    H = 2 * n_s
    g = np.empty((n_v, H), dtype=np.int8)
    nseg = len(bounds) - 1
    assign = rng.integers(0, founders, size=(nseg, H), dtype=np.int16)
    for k in range(nseg):
        a, b = bounds[k], bounds[k + 1]
        g[a:b] = np.take(founder_alleles[a:b], assign[k], axis=1)
    flat = g.reshape(-1)
    # rare variants: binomial carrier counts at random haplotypes
    counts = rng.binomial(H, p_rare)
    tot = int(counts.sum())
    if tot:
        rows = np.repeat(np.arange(n_v, dtype=np.int64), counts)
        flat[rows * H + rng.integers(0, H, tot)] = 1
    nmut = rng.binomial(flat.size, mutation_rate)
    if nmut:
        idx = rng.integers(0, flat.size, nmut)
        flat[idx] ^= 1
    gt = g.reshape(n_v, n_s, 2)
    if missing_rate > 0:
        miss = rng.random((n_v, n_s)) < missing_rate
        gt[miss] = -1
    return gt


def make_store(out, *, samples=10000, variants=20000, variants_chunk=1000,
               samples_chunk=10000, seed=1, founders=24, common_fraction=0.45,
               mutation_rate=2e-4, missing_rate=0.0, phased=True, zip_output=False,
               verbose=True, contigs=1, site_fields=False):
    numcodecs.blosc.set_nthreads(max(1, min(2, os.cpu_count() or 1)))
    t0 = time.time()
    target = out + ".tmpdir" if zip_output else out
    if os.path.exists(target):
        shutil.rmtree(target)
    vczlib.write_group(target, {
        "vcf_zarr_version": "0.4", "source": "make_bench_store.py (biofuse)",
        "vcf_meta_information": [["fileformat", "VCFv4.2"]]})
    rng = np.random.default_rng([seed, 0])
    V, S = variants, samples
    gaps = rng.integers(1, 300, V)
    contig_of = (np.arange(V, dtype=np.int64) * contigs // max(V, 1)).astype(np.int64)
    pos = np.empty(V, dtype=np.int64)
    names, lengths = [], []
    for c in range(contigs):
        sel = contig_of == c
        pos[sel] = 10000 + np.cumsum(gaps[sel])
        names.append("chr20" if contigs == 1 else "chr%d" % (c + 1))
        lengths.append(int(pos[sel].max(initial=0)) + 1000)
    pos_dtype = vczlib.smallest_int_dtype(0, int(pos.max(initial=0)))
    pos = pos.astype(pos_dtype)
    zs1 = vczlib.blosc("zstd", 7, 1)
    zs2 = vczlib.blosc("zstd", 7, 2)
    vc = variants_chunk

    def root(name, data, fill, dims, comp=zs1):
        vczlib.write_array(target, name, data, [max(1, len(data))], fill_value=fill,
                           dims=dims, compressor=comp)

    # sample_id is chunked by the samples chunk size
    vczlib.write_array(target, "sample_id", np.array(["s%d" % i for i in range(S)],
                                                     dtype=object),
                       [samples_chunk], fill_value="", dims=["samples"], compressor=zs1)
    root("contig_id", np.array(names, dtype=object), "", ["contigs"])
    root("contig_length", np.array(lengths, dtype="<i8"), 0, ["contigs"])
    fids = ["PASS", "q10"] if site_fields else ["PASS"]
    root("filter_id", np.array(fids, dtype=object), "", ["filters"])
    root("filter_description", np.array(["All filters passed", "Quality below 10"][:len(fids)],
                                        dtype=object), "", ["filters"])

    def var(name, data, dims, comp=zs1, desc=""):
        chunks = [vc] + [max(1, s) for s in data.shape[1:]]
        vczlib.write_array(target, name, data, chunks, fill_value=None, dims=dims,
                           compressor=comp, attrs={"description": desc})

    var("variant_contig", contig_of.astype("|i1"), ["variants"])
    var("variant_position", pos, ["variants"], desc="The reference position")
    var("variant_length", np.ones(V, dtype="|i1"), ["variants"])
    bases = np.array(list("ACGT"), dtype=object)
    ref = rng.integers(0, 4, V)
    alt = (ref + rng.integers(1, 4, V)) % 4
    var("variant_allele", np.stack([bases[ref], bases[alt]], axis=1), ["variants", "alleles"])
    var("variant_id", np.array(["rs%d" % (100000 + i) for i in range(V)], dtype=object),
        ["variants"])
    var("variant_id_mask", np.zeros(V, dtype=bool), ["variants"], comp=zs2)
    if site_fields:
        q = rng.uniform(0, 100, V).astype("<f4")
        q[rng.random(V) < 0.05] = np.array([0x7F800001], dtype="<u4").view("<f4")[0]
        var("variant_quality", q, ["variants"])
        passed = rng.random(V) < 0.8
        var("variant_filter", np.stack([passed, ~passed], axis=1), ["variants", "filters"],
            comp=zs2)
        dp = rng.integers(0, 60, V).astype("<i4")
        dp[rng.random(V) < 0.05] = -1
        var("variant_DP", dp, ["variants"], desc="Total Depth")
    else:
        var("variant_quality", rng.uniform(10, 100, V).astype("<f4"), ["variants"])
        var("variant_filter", np.ones((V, 1), dtype=bool), ["variants", "filters"], comp=zs2)
    ri = []
    for c, a in enumerate(range(0, V, vc)):
        b = min(a + vc, V)
        k = a
        while k < b:
            e = k
            while e < b and contig_of[e] == contig_of[k]:
                e += 1
            ri.append((c, int(contig_of[k]), int(pos[k]), int(pos[e - 1]), int(pos[e - 1]),
                       e - k))
            k = e
    vczlib.write_array(target, "region_index", np.array(ri, dtype=pos_dtype).reshape(-1, 6),
                       None, fill_value=None,
                       dims=["region_index_values", "region_index_fields"],
                       compressor=vczlib.blosc("zstd", 9, 0))

    gt_w = vczlib.ArrayWriter(target, "call_genotype", (V, S, 2), (vc, samples_chunk, 2),
                              "|i1", compressor=zs2, dims=["variants", "samples", "ploidy"],
                              attrs={"description": ""})
    ph_w = vczlib.ArrayWriter(target, "call_genotype_phased", (V, S), (vc, samples_chunk),
                              "|b1", compressor=zs2, dims=["variants", "samples"],
                              attrs={"description": ""})
    mk_w = vczlib.ArrayWriter(target, "call_genotype_mask", (V, S, 2), (vc, samples_chunk, 2),
                              "|b1", compressor=zs2, dims=["variants", "samples", "ploidy"],
                              attrs={"description": ""})
    for c, a in enumerate(range(0, V, vc)):
        n_v = min(vc, V - a)
        model = variant_chunk_model(np.random.default_rng([seed, 1, c]), n_v, founders,
                                    common_fraction)
        for s, sa in enumerate(range(0, S, samples_chunk)):
            n_s = min(samples_chunk, S - sa)
            gt = genotype_block(np.random.default_rng([seed, 2, c, s]), model, n_s, founders,
                                mutation_rate, missing_rate)
            gt_w.write_chunk((c, s, 0), gt)
            ph_w.write_chunk((c, s), np.full((n_v, n_s), phased, dtype=bool))
            if missing_rate > 0:
                mk_w.write_chunk((c, s, 0), gt < 0)
        if verbose and (c + 1) % 10 == 0:
            print("  variant chunk %d/%d  %.1fs" % (c + 1, -(-V // vc), time.time() - t0),
                  file=sys.stderr)
    raw = V * S * 2
    ratio = raw / max(1, gt_w.stored_bytes)
    if zip_output:
        if os.path.exists(out):
            os.unlink(out)
        vczlib.zip_store(target, out)
        shutil.rmtree(target)
    elapsed = time.time() - t0
    if verbose:
        print("wrote %s: %d variants x %d samples, chunks %d x %d, %.1fs" % (
            out, V, S, vc, samples_chunk, elapsed))
        print("call_genotype: %d chunks, raw %.1f MiB, stored %.1f MiB, compression ratio "
              "%.1fx" % (gt_w.chunks_written, raw / 2**20, gt_w.stored_bytes / 2**20, ratio))
    return {"ratio": ratio, "stored": gt_w.stored_bytes, "raw": raw, "seconds": elapsed}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--samples", type=int, default=10000)
    ap.add_argument("--variants", type=int, default=20000)
    ap.add_argument("--variants-chunk", type=int, default=1000)
    ap.add_argument("--samples-chunk", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--founders", type=int, default=24)
    ap.add_argument("--common-fraction", type=float, default=0.45)
    ap.add_argument("--missing-rate", type=float, default=0.0)
    ap.add_argument("--unphased", action="store_true")
    ap.add_argument("--zip", action="store_true")
    ap.add_argument("--contigs", type=int, default=1)
    ap.add_argument("--site-fields", action="store_true")
    a = ap.parse_args(argv)
    make_store(a.out, samples=a.samples, variants=a.variants,
               variants_chunk=a.variants_chunk, samples_chunk=a.samples_chunk, seed=a.seed,
               founders=a.founders, common_fraction=a.common_fraction,
               missing_rate=a.missing_rate, phased=not a.unphased, zip_output=a.zip,
               contigs=a.contigs, site_fields=a.site_fields)


if __name__ == "__main__":
    main()
