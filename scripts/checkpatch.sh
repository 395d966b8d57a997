#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the tree's scripts/checkpatch.pl --strict on every patch of the series.
# Ignored: FILE_PATH_CHANGES (new files without a MAINTAINERS hunk: the
# series leaves MAINTAINERS alone; openEuler's kernel.spec ignores it too)
# and CAMELCASE, whose only hits are elfutils' own type names (Dwfl,
# GElf_Sym) in libmemstat's user symbolizer, as in tools/perf.
# Prints one line per patch, exits 1 if any patch has an error, warning or check.
set -euo pipefail
. "$(dirname "$0")/common.sh"

series=${1:-$(series_view linux-5.10)}
tree=$("$MEMSTAT_TOP/scripts/prepare-tree.sh")
# checkpatch runs "python scripts/spdxcheck.py", which needs python3-ply:
# point "python" at the system python3 that has it.
pybin=$(mktemp -d)
trap 'rm -rf "$pybin"' EXIT
ln -s /usr/bin/python3 "$pybin/python"
export PATH=$pybin:$PATH
failed=0
for p in "$series"/0*.patch; do
	case $p in *0000-cover-letter.patch) continue ;; esac
	out=$(cd "$tree" && perl scripts/checkpatch.pl --strict --no-summary \
		--ignore FILE_PATH_CHANGES,CAMELCASE --show-types -q "$p" 2>&1) || true
	if [ -n "$out" ]; then
		echo "checkpatch: $(basename "$p"): not clean"
		printf '%s\n' "$out" | sed 's/^/    /'
		failed=1
	else
		echo "checkpatch: $(basename "$p"): clean"
	fi
done
exit $failed
