#!/bin/sh
# Install the Debian 12 packages biofuse needs to build, test and demo.
# As root it runs apt-get; otherwise it prints the one command to run.
set -e
PKGS="pkg-config clang libfuse3-dev fuse3 libblosc-dev libzstd-dev liblz4-dev libbz2-dev \
libsqlite3-dev libjansson-dev libcmocka-dev zlib1g-dev python3-zarr python3-numcodecs \
python3-numpy python3-pytest plink1.9 plink2 bcftools tabix sqlite3 fio stress-ng \
lintian dpkg-dev man-db bash-completion libcurl4-openssl-dev nginx openssl curl nodejs"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
# s3rver (the remote-store tests' S3 server) lives in the project, never globally
s3rver() {
	[ -x build/npm/node_modules/.bin/s3rver ] && return 0
	command -v npm >/dev/null 2>&1 || return 0
	mkdir -p build/npm
	npm install --no-audit --no-fund --prefix build/npm s3rver@3 >/dev/null 2>&1 ||
		echo "warning: npm could not install s3rver; the S3 tests will skip" >&2
}
if [ -z "$missing" ]; then
	s3rver
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "biofuse needs:$missing" >&2
	echo "run: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q $missing >/dev/null
s3rver
