#!/bin/sh
# The main job on a small example store the project makes itself:
# generate a VCF, convert it to VCZ, mount it as PLINK and as BGEN, and run
# plink 2 on the mounted files.  Results go to demo/.
set -eu
cd "$(dirname "$0")/.."
BF=build/biofuse
PY=/usr/bin/python3
D=demo
rm -rf "$D"
mkdir -p "$D/mnt-plink" "$D/mnt-bgen" "$D/out"

echo "== generating an example store ($D/example.vcz: 200 samples x 5000 variants)"
$PY scripts/gen_vcf.py "$D/example.vcf" --seed 7 --samples 200 --variants 5000 \
	--contigs chr1,chr2 --missing-rate 0.01 --multiallelic-rate 0.02 --linkage
$PY scripts/vcf2vcz.py "$D/example.vcf" "$D/example.vcz" --variants-chunk 1000 --samples-chunk 100
$BF inspect "$D/example.vcz" | head -n 12

cleanup() {
	fusermount3 -u -z "$D/mnt-plink" 2>/dev/null || true
	fusermount3 -u -z "$D/mnt-bgen" 2>/dev/null || true
}
trap cleanup EXIT

echo "== mounting it as PLINK (biofuse mount-plink ... -M 2)"
$BF mount-plink "$D/example.vcz" "$D/mnt-plink" -M 2 --background
ls -l "$D/mnt-plink"
plink2 --bfile "$D/mnt-plink/example" --freq --out "$D/out/plink" >/dev/null
echo "plink2 --freq on the mount: $D/out/plink.afreq ($(($(wc -l <"$D/out/plink.afreq") - 1)) variants)"

echo "== mounting it as BGEN (biofuse mount-bgen ... -M 2)"
$BF mount-bgen "$D/example.vcz" "$D/mnt-bgen" -M 2 --background
ls -l "$D/mnt-bgen"
plink2 --bgen "$D/mnt-bgen/example.bgen" ref-first --sample "$D/mnt-bgen/example.sample" \
	--freq --out "$D/out/bgen" >/dev/null
echo "plink2 --freq on the BGEN mount: $D/out/bgen.afreq"

echo "== the same .bed written to a file (biofuse view-plink)"
$BF view-plink "$D/example.vcz" -o "$D/out/example" -M 2
if cmp -s "$D/out/example.bed" "$D/mnt-plink/example.bed"; then
	echo "mounted .bed == view-plink .bed"
else
	echo "mounted .bed differs from view-plink .bed" >&2
	exit 1
fi
echo "== unmounting"
cleanup
trap - EXIT
echo "done: results in $D/out/"
