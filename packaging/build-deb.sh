#!/bin/sh
# Build the biofuse Debian package: build/biofuse_VERSION_ARCH.deb.
#
#   sh packaging/build-deb.sh                 hardened build (dpkg-buildflags) in
#                                             build/deb-build, package, lintian
#   sh packaging/build-deb.sh --from DIR --out DIR2 --no-lintian
#                                             package an existing build (DIR holds
#                                             biofuse, biofuse.1, biofuse.bash); the
#                                             install test uses this to stay quick
#
# The package is assembled with `make install DESTDIR=... PREFIX=/usr` and
# dpkg-deb; Depends comes from dpkg-shlibdeps, plus fuse3 for fusermount3
# (a program, not a library) and libcurl4 (loaded with dlopen, for remote
# stores only), which shlibdeps cannot see.  lintian
# must report no error and no warning; the overrides it may use are in
# packaging/debian/biofuse.lintian-overrides, each with its reason.
set -eu
cd "$(dirname "$0")/.."
from="" out=build lint=1
while [ $# -gt 0 ]; do
	case $1 in
	--from) from=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--no-lintian) lint=0; shift ;;
	*) echo "build-deb.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
for t in dpkg-deb dpkg-shlibdeps dpkg-architecture; do
	command -v $t >/dev/null || { echo "Error: $t not found (apt-get install dpkg-dev)" >&2; exit 1; }
done
version=$(sed -n 's/^#define BF_VERSION "\(.*\)"$/\1/p' src/util/bf_config.h)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
if [ -z "$from" ]; then
	from=build/deb-build
	# Debian's hardening flags, all of them (stack protector, fortify, PIE, relro, bindnow)
	export DEB_BUILD_MAINT_OPTIONS=hardening=+all
	cflags="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
	ldflags=$(dpkg-buildflags --get LDFLAGS)
	# make does not see flags change: start over when they did
	stamp="$cflags | $ldflags"
	if [ "$(cat "$from/flags" 2>/dev/null)" != "$stamp" ]; then
		rm -rf "$from"
		mkdir -p "$from"
		printf '%s\n' "$stamp" >"$from/flags"
	fi
	make --no-print-directory -j"$(nproc)" BUILD="$from" OPT="$cflags" \
		EXTRA_LDFLAGS="$ldflags" "$from/biofuse" "$from/biofuse.1" "$from/biofuse.bash"
fi
mkdir -p "$out"
stage=$(mktemp -d "$out/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/debian/biofuse # where dpkg-shlibdeps expects a package's files
make --no-print-directory -o "$from/biofuse" -o "$from/biofuse.1" -o "$from/biofuse.bash" \
	BUILD="$from" DESTDIR="$root" PREFIX=/usr install >/dev/null
doc=$root/usr/share/doc/biofuse
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
	"$root/usr/bin/biofuse"
gzip -9n "$root/usr/share/man/man1/biofuse.1"
for f in "$doc"/*.md; do
	[ "$(wc -c <"$f")" -gt 4096 ] && gzip -9n "$f"
done
install -m 644 packaging/debian/copyright "$doc/copyright"
gzip -9nc packaging/debian/changelog >"$doc/changelog.gz"
chmod 644 "$doc/changelog.gz"
if grep -qv '^#' packaging/debian/biofuse.lintian-overrides; then
	install -d "$root/usr/share/lintian/overrides"
	install -m 644 packaging/debian/biofuse.lintian-overrides \
		"$root/usr/share/lintian/overrides/biofuse"
fi

# dpkg-shlibdeps reads debian/control from the current directory and finds
# the package root by its DEBIAN directory
mkdir -p "$root/DEBIAN"
printf 'Source: biofuse\n\nPackage: biofuse\nArchitecture: any\n' >"$stage/debian/control"
deps=$(cd "$stage" && dpkg-shlibdeps -O debian/biofuse/usr/bin/biofuse | sed -n 's/^shlibs:Depends=//p')
[ -n "$deps" ] || { echo "Error: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@DEPENDS@/$deps, fuse3, libcurl4/" \
	-e "s/@SIZE@/$size/" packaging/debian/control.in >"$root/DEBIAN/control"
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
deb=$out/biofuse_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
if [ "$lint" = 1 ]; then
	command -v lintian >/dev/null || { echo "Error: lintian not found (apt-get install lintian)" >&2; exit 1; }
	# --fail-on error,warning: a warning fails the build as an error does
	lintian --fail-on error,warning --display-info "$deb"
	echo "lintian: no errors, no warnings"
fi
