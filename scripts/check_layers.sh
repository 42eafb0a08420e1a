#!/bin/sh
# check_layers.sh [SRC_DIR] - fail on any #include that points up the layer
# order of src/README.md, or outside what a layer's README line allows.
#
# Rules (src/README.md is the source of truth for the order):
#   1. a file in layer L includes only L and layers listed before L;
#   2. "(util only)" and "(util, server/ipc.h only)" lines narrow that to what
#      they name (format, fs);
#   3. engine/, server/ and fs/ never include zarr/ (the genotype path reaches
#      them through vcz's blocks only).
# Prints one line per violation ("file:line: ...") and exits 1 if any.
set -u
src=${1:-src}
readme="$src/README.md"
[ -f "$readme" ] || { echo "check_layers: no $readme" >&2; exit 2; }

# the layer names, in order: the first word of each line of the fenced block
layers=$(awk '/^```/ { inblk = !inblk; next } inblk && NF { print $1 }' "$readme")
[ -n "$layers" ] || { echo "check_layers: no layer table in $readme" >&2; exit 2; }

rank() { # layer -> its position, or empty
	echo "$layers" | awk -v l="$1" '$1 == l { print NR; exit }'
}

# allowed includes of a layer with an "only" clause: "dir/" or "dir/file.h" tokens
only_of() {
	awk -v l="$1" '/^```/ { inblk = !inblk; next }
		inblk && $1 == l && /only\)/ {
			s = $0; sub(/.*\(/, "", s); sub(/ only\).*/, "", s); gsub(/,/, " ", s); print s
		}' "$readme"
}

bad=0
for dir in $layers; do
	[ -d "$src/$dir" ] || continue
	me=$(rank "$dir")
	only=$(only_of "$dir")
	for f in "$src/$dir"/*.c "$src/$dir"/*.h; do
		[ -f "$f" ] || continue
		grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[a-z0-9_]*/' "$f" |
		while IFS= read -r line; do
			n=${line%%:*}
			path=$(echo "$line" | sed 's/.*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/')
			to=${path%%/*}
			them=$(rank "$to")
			if [ -z "$them" ]; then
				echo "$f:$n: includes \"$path\": '$to' is not a layer of $readme"
			elif [ "$them" -gt "$me" ]; then
				echo "$f:$n: includes \"$path\": $to is above $dir in $readme"
			elif [ -n "$only" ] && [ "$to" != "$dir" ]; then
				ok=0
				for a in $only; do
					[ "$a" = "$to" ] || [ "$a" = "$path" ] && ok=1
				done
				[ $ok = 1 ] || echo "$f:$n: includes \"$path\": $dir may include only $only"
			fi
			case "$dir:$to" in
			engine:zarr | server:zarr | fs:zarr)
				echo "$f:$n: includes \"$path\": $dir must not include zarr/ (use vcz)" ;;
			esac
		done
	done
done >"${TMPDIR:-/tmp}/check_layers.$$"
if [ -s "${TMPDIR:-/tmp}/check_layers.$$" ]; then
	cat "${TMPDIR:-/tmp}/check_layers.$$"
	bad=1
fi
rm -f "${TMPDIR:-/tmp}/check_layers.$$"
if [ $bad = 0 ]; then
	echo "check-layers: every include points down the order of $readme"
fi
exit $bad
