#!/usr/bin/python3
"""Generate a random but valid VCF 4.2 (accepted by bcftools view and plink2 --vcf).

usage: gen_vcf.py OUT.vcf [--seed N] [--samples S] [--variants V]
                  [--contigs chr1:LEN,chr2,chrX,chrM] [--missing-rate R]
                  [--half-call-rate R] [--multiallelic-rate R] [--monomorphic-rate R]
                  [--indel-rate R] [--haploid-rate R] [--phased] [--linkage]
                  [--founders K] [--recombination-rate R] [--mutation-rate R]
                  [--rich-info]

Records are sorted by (contig in header order, position), (contig, pos) is unique, some
records carry rs IDs.  --linkage copies each haplotype from a small pool of founder
haplotypes, switching founder with probability --recombination-rate per record and
flipping alleles with probability --mutation-rate (haplotype blocks like real data).
--rich-info adds INFO fields of every type and Number (Integer/Float/String 1, A, R, G and
., Flag, stored AC/AN), missing values inside vectors, absent fields, "." INFO columns and
FILTER lists such as q10;s50 (for the filter tests); it draws from its own random stream, so
the other columns are the same with and without it.
OUT ending in .gz is written gzip-compressed (not BGZF).
"""

import argparse
import gzip

import numpy as np

DEFAULT_LENGTHS = {"chr1": 248956422, "chr2": 242193529, "chrX": 156040895, "chrM": 16569,
                   "1": 248956422, "2": 242193529, "X": 156040895, "MT": 16569}
BASES = np.array(list("ACGT"))


def parse_contigs(spec):
    out = []
    for item in spec.split(","):
        name, _, length = item.partition(":")
        out.append((name, int(length) if length else DEFAULT_LENGTHS.get(name, 10000000)))
    return out


def _random_seq(rng, n, exclude=None):
    while True:
        s = "".join(BASES[rng.integers(0, 4, n)])
        if s != exclude:
            return s


RICH_INFO = [("AC", "A", "Integer"), ("AN", "1", "Integer"), ("MQ", "1", "Float"),
             ("AFX", "A", "Float"), ("CNT", "R", "Integer"), ("GL3", "G", "Float"),
             ("TAGS", ".", "String"), ("GENE", "1", "String"), ("SCORES", ".", "Integer"),
             ("NEG", "1", "Integer"), ("HOT", "0", "Flag")]
GENES = ["BRCA1", "TP53", "egfr", "KRAS", "MYC.1", "ab,c"[:2]]


def _fmt_float(x):
    return ("%.4g" % x)


def _rich_info(rng, info, filt, nalt, hap, calls):
    """INFO fields of every type/Number, some absent, some with "." inside."""
    parts = [info]
    miss = rng.random() < 0.08          # the whole INFO column is "."
    if nalt and rng.random() < 0.7:     # stored AC/AN (from the genotypes, or stale)
        alleles = [int(a) for c in calls for a in c.split(":")[0].replace("|", "/").split("/")
                   if a not in (".", "")]
        ac = [sum(1 for a in alleles if a == k) for k in range(1, nalt + 1)]
        if rng.random() < 0.2:
            ac = [max(a - 1, 0) for a in ac]  # a stale annotation (AN >= sum(AC) still)
        parts.append("AC=" + ",".join(map(str, ac)))
        parts.append("AN=%d" % len(alleles))
    if rng.random() < 0.85:
        parts.append("MQ=" + _fmt_float(rng.uniform(0, 70)))
    if nalt and rng.random() < 0.8:
        vals = ["." if rng.random() < 0.15 else _fmt_float(rng.uniform(0, 0.6))
                for _ in range(nalt)]
        parts.append("AFX=" + ",".join(vals))
    if rng.random() < 0.8:
        parts.append("CNT=" + ",".join(str(int(rng.integers(0, 50))) for _ in range(nalt + 1)))
    if rng.random() < 0.5:
        ng = (nalt + 1) * (nalt + 2) // 2
        parts.append("GL3=" + ",".join(_fmt_float(-rng.uniform(0, 9)) for _ in range(ng)))
    if rng.random() < 0.6:
        k = int(rng.integers(1, 4))
        tags = ["." if rng.random() < 0.1 else str(rng.choice(["lof", "syn", "mis", "utr"]))
                for _ in range(k)]
        parts.append("TAGS=" + ",".join(tags))
    if rng.random() < 0.7:
        parts.append("GENE=" + str(rng.choice(GENES[:5])))
    if rng.random() < 0.6:
        k = int(rng.integers(1, 5))
        parts.append("SCORES=" + ",".join("." if rng.random() < 0.1 else str(int(rng.integers(0, 100)))
                                          for _ in range(k)))
    if rng.random() < 0.5:
        neg = int(rng.integers(-60, 60))
        parts.append("NEG=%d" % (neg - 2 if neg in (-1, -2) else neg))  # -1/-2 are VCZ sentinels
    if rng.random() < 0.2:
        parts.append("HOT")
    u = rng.random()
    if filt == "q10" and u < 0.4:
        filt = "q10;s50"
    elif filt == "PASS" and u < 0.1:
        filt = "s50"
    return ("." if miss else ";".join(parts)), filt


def generate(out, *, seed=1, samples=10, variants=100, contigs="chr1,chr2,chrX,chrM",
             missing_rate=0.0, half_call_rate=0.0, multiallelic_rate=0.0,
             monomorphic_rate=0.0, indel_rate=0.0, haploid_rate=0.0, phased=False,
             linkage=False, founders=8, recombination_rate=0.02, mutation_rate=0.002,
             rich_info=False):
    rng = np.random.default_rng(seed)
    rich = np.random.default_rng(seed + 7919)
    cl = parse_contigs(contigs)
    # split variants over contigs proportionally to (capped) length, at least 0
    weights = np.array([min(max(length, 5e6), 5e7) for _, length in cl], dtype=float)
    counts = rng.multinomial(variants, weights / weights.sum()) if variants else [0] * len(cl)
    records = []
    for (name, length), n in zip(cl, counts):
        n = min(int(n), max(0, length - 10))
        if length < 2e6:
            cand = np.arange(1, length - 5)
        else:
            cand = np.unique(rng.integers(1, length - 5, size=2 * n + 10))
        pos = np.sort(rng.choice(cand, size=n, replace=False))
        for p in pos:
            records.append((name, int(p)))

    S = samples
    H = 2 * S
    sep = "|" if phased else "/"
    pool = rng.random((founders,)) < 0.5
    assign = rng.integers(0, founders, H)
    lines = []
    lines.append("##fileformat=VCFv4.2")
    lines.append("##source=biofuse-gen_vcf.py seed=%d" % seed)
    for name, length in cl:
        lines.append("##contig=<ID=%s,length=%d>" % (name, length))
    lines.append('##FILTER=<ID=PASS,Description="All filters passed">')
    lines.append('##FILTER=<ID=q10,Description="Quality below 10">')
    lines.append('##INFO=<ID=DP,Number=1,Type=Integer,Description="Total Depth">')
    lines.append('##INFO=<ID=DB,Number=0,Type=Flag,Description="dbSNP membership">')
    if rich_info:
        lines.append('##FILTER=<ID=s50,Description="Less than 50% of samples have data">')
        for iid, num, typ in RICH_INFO:
            lines.append('##INFO=<ID=%s,Number=%s,Type=%s,Description="%s %s">'
                         % (iid, num, typ, num, typ))
    lines.append('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    lines.append('##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read Depth">')
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
                 + "\t".join("S%05d" % i for i in range(S)))
    rs = 1000
    for name, p in records:
        u = rng.random()
        kind = "snp"
        if u < monomorphic_rate:
            kind = "mono"
        elif u < monomorphic_rate + multiallelic_rate:
            kind = "multi"
        elif u < monomorphic_rate + multiallelic_rate + indel_rate:
            kind = "indel"
        ref = _random_seq(rng, 1)
        if kind == "mono":
            alts = []
        elif kind == "snp":
            alts = [_random_seq(rng, 1, ref)]
        elif kind == "indel":
            if rng.random() < 0.5:
                alts = [ref + _random_seq(rng, int(rng.integers(1, 4)))]
            else:
                alts = [ref]
                ref = ref + _random_seq(rng, int(rng.integers(1, 4)))
        else:
            alts = [b for b in "ACGT" if b != ref][:int(rng.integers(2, 4))]
        nalt = len(alts)
        # haplotype alleles
        if nalt == 0:
            hap = np.zeros(H, dtype=np.int64)
        elif linkage:
            switch = rng.random(H) < recombination_rate
            assign[switch] = rng.integers(0, founders, int(switch.sum()))
            if rng.random() < 0.3:
                pool = rng.random(founders) < rng.uniform(0.05, 0.6)
            hap = pool[assign].astype(np.int64)
            hap ^= (rng.random(H) < mutation_rate)
            if nalt > 1:
                hap = np.where(hap > 0, rng.integers(1, nalt + 1, H), 0)
        else:
            freq = rng.dirichlet(np.ones(nalt + 1))
            hap = rng.choice(nalt + 1, size=H, p=freq)
        hap = hap.reshape(S, 2)
        calls = []
        r_missing = rng.random(S)
        r_half = rng.random(S)
        r_hap = rng.random(S)
        dps = rng.integers(0, 60, S)
        for s in range(S):
            a, b = int(hap[s, 0]), int(hap[s, 1])
            if r_hap[s] < haploid_rate:
                gt = "." if r_missing[s] < missing_rate else str(a)
            elif r_missing[s] < missing_rate:
                gt = "./."
            elif r_half[s] < half_call_rate:
                gt = "%d/." % a if s % 2 else "./%d" % b
            else:
                gt = "%d%s%d" % (a, sep, b)
            calls.append(gt if s % 7 else gt + ":%d" % dps[s])
        fmt = "GT:DP"
        calls = [c if ":" in c else c + ":." for c in calls]
        vid = "."
        if rng.random() < 0.5:
            rs += int(rng.integers(1, 50))
            vid = "rs%d" % rs
        qual = "." if rng.random() < 0.1 else str(int(rng.integers(1, 100)))
        filt = "PASS" if rng.random() < 0.8 else ("." if rng.random() < 0.5 else "q10")
        info = "DP=%d" % int(rng.integers(1, 1000))
        if rng.random() < 0.3:
            info += ";DB"
        if rich_info:
            info, filt = _rich_info(rich, info, filt, nalt, hap, calls)
        lines.append("\t".join([name, str(p), vid, ref, ",".join(alts) if alts else ".",
                                qual, filt, info, fmt] + calls))
    text = "\n".join(lines) + "\n"
    if out.endswith(".gz"):
        with gzip.open(out, "wt") as f:
            f.write(text)
    else:
        with open(out, "w") as f:
            f.write(text)
    return len(records)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--samples", type=int, default=10)
    ap.add_argument("--variants", type=int, default=100)
    ap.add_argument("--contigs", default="chr1,chr2,chrX,chrM",
                    help="comma list of NAME[:LENGTH]")
    ap.add_argument("--missing-rate", type=float, default=0.0)
    ap.add_argument("--half-call-rate", type=float, default=0.0)
    ap.add_argument("--multiallelic-rate", type=float, default=0.0)
    ap.add_argument("--monomorphic-rate", type=float, default=0.0)
    ap.add_argument("--indel-rate", type=float, default=0.0)
    ap.add_argument("--haploid-rate", type=float, default=0.0)
    ap.add_argument("--phased", action="store_true")
    ap.add_argument("--linkage", action="store_true")
    ap.add_argument("--founders", type=int, default=8)
    ap.add_argument("--recombination-rate", type=float, default=0.02)
    ap.add_argument("--mutation-rate", type=float, default=0.002)
    ap.add_argument("--rich-info", action="store_true")
    a = ap.parse_args(argv)
    n = generate(a.out, seed=a.seed, samples=a.samples, variants=a.variants,
                 contigs=a.contigs, missing_rate=a.missing_rate,
                 half_call_rate=a.half_call_rate, multiallelic_rate=a.multiallelic_rate,
                 monomorphic_rate=a.monomorphic_rate, indel_rate=a.indel_rate,
                 haploid_rate=a.haploid_rate, phased=a.phased, linkage=a.linkage,
                 founders=a.founders, recombination_rate=a.recombination_rate,
                 mutation_rate=a.mutation_rate, rich_info=a.rich_info)
    print("wrote %s: %d records x %d samples" % (a.out, n, a.samples))


if __name__ == "__main__":
    main()
