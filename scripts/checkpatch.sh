#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the tree's scripts/checkpatch.pl --strict on every patch of the series.
# Ignored: FILE_PATH_CHANGES (new files without a MAINTAINERS hunk: the
# series leaves MAINTAINERS alone; openEuler's kernel.spec ignores it too)
# and CAMELCASE, whose only hits are elfutils' own type names (Dwfl,
# GElf_Sym) in libmemstat's user symbolizer, as in tools/perf.
# Prints one line per patch, exits 1 if any patch has an error, warning or check.
#
# A clean verdict is cached under $MEMSTAT_CACHE/checkpatch, keyed by the
# patch and by checkpatch.pl and the files it reads: a patch checked clean
# once (in either target: 25 of 26 are common) is not checked again.
# The others run $MEMSTAT_JOBS at a time (about 7 s of CPU each).
set -euo pipefail
. "$(dirname "$0")/common.sh"

series=${1:-$(series_view linux-5.10)}
tree=$("$MEMSTAT_TOP/scripts/prepare-tree.sh")
opts=(--strict --no-summary --ignore FILE_PATH_CHANGES,CAMELCASE --show-types -q)
verdicts=$MEMSTAT_CACHE/checkpatch
mkdir -p "$verdicts"
checker=$(cd "$tree" && cat scripts/checkpatch.pl scripts/spelling.txt \
	scripts/const_structs.checkpatch scripts/spdxcheck.py | content_hash)
# checkpatch runs "python scripts/spdxcheck.py", which needs python3-ply:
# point "python" at the system python3 that has it.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin" "$tmp/out"
ln -s /usr/bin/python3 "$tmp/bin/python"
export PATH=$tmp/bin:$PATH

# key PATCH: the cache key of PATCH's verdict.
key() { { echo "$checker ${opts[*]}"; cat "$1"; } | content_hash; }

declare -A keys
todo=()
for p in "$series"/0*.patch; do
	case $p in *0000-cover-letter.patch) continue ;; esac
	keys[$p]=$(key "$p")
	[ -e "$verdicts/${keys[$p]}" ] || todo+=("$p")
done
# Each unchecked patch's findings into $tmp/out/NAME, in parallel.
if [ ${#todo[@]} -gt 0 ]; then
	printf '%s\0' "${todo[@]}" | (cd "$tree" && xargs -0 -I{} -P "$MEMSTAT_JOBS" \
		sh -c 'perl scripts/checkpatch.pl '"${opts[*]}"' "$1" > "$2/${1##*/}" 2>&1 ||
			echo "checkpatch.pl exited $?" >> "$2/${1##*/}"' sh {} "$tmp/out")
fi

failed=0
for p in "$series"/0*.patch; do
	case $p in *0000-cover-letter.patch) continue ;; esac
	out=$tmp/out/${p##*/}
	if [ -s "$out" ]; then
		echo "checkpatch: ${p##*/}: not clean"
		sed 's/^/    /' "$out"
		failed=1
	else
		[ -e "$out" ] || [ -e "$verdicts/${keys[$p]}" ] ||
			{ echo "checkpatch: ${p##*/}: not checked"; failed=1; continue; }
		[ -e "$out" ] && touch "$verdicts/${keys[$p]}"
		echo "checkpatch: ${p##*/}: clean$([ -e "$out" ] || echo ' (cached)')"
	fi
done
exit $failed
