#!/bin/sh
# check_layers_test.sh - scripts/check_layers.sh must catch each kind of
# violation (up the order, outside an "only" list, zarr/ from engine, server
# or fs) in a small tree laid out by src/README.md, and pass a clean one.
set -u
cd "$(dirname "$0")/.."
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail=0
mk() { # file, include lines...
	f=$1; shift
	mkdir -p "$t/src/$(dirname "$f")"
	: >"$t/src/$f"
	for i in "$@"; do echo "#include \"$i\"" >>"$t/src/$f"; done
}
expect() { # what, grep pattern, wanted status
	out=$(sh scripts/check_layers.sh "$t/src" 2>&1); rc=$?
	if [ $rc != "$3" ] || ! echo "$out" | grep -q -- "$2"; then
		echo "FAIL check_layers: $1 (rc $rc)"; echo "$out"; fail=1
	fi
}
mkdir -p "$t/src"
cp src/README.md "$t/src/README.md"
mk util/a.h util/b.h
mk store/s.c util/a.h store/s.h
mk engine/e.c select/p.h format/f.h vcz/v.h
mk fs/front.c util/a.h server/ipc.h fs/x.h
mk cli/m.c fs/front.h zarr/z.h
expect "a clean tree" "every include points down" 0
mk store/bad.c engine/export.h
expect "an include up the order" "store/bad.c:1: .*engine is above store" 1
rm "$t/src/store/bad.c"
mk format/bad.h select/plan.h
expect "format takes util only" "format/bad.h:1: .*format may include only util" 1
rm "$t/src/format/bad.h"
mk fs/bad.c server/server.h
expect "fs takes server/ipc.h only" "fs/bad.c:1: .*fs may include only" 1
rm "$t/src/fs/bad.c"
mk server/bad.c zarr/zarr.h
expect "no zarr/ from server" "server/bad.c:1: .*must not include zarr/" 1
rm "$t/src/server/bad.c"
mk engine/bad.c util/a.h zarr/zarr.h
expect "no zarr/ from engine" "engine/bad.c:2: .*must not include zarr/" 1
rm "$t/src/engine/bad.c"
mk vcz/bad.c nope/x.h
expect "an unknown folder" "is not a layer" 1
[ $fail = 0 ] && echo "check_layers_test: 7 cases pass"
exit $fail
