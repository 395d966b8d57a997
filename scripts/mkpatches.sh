#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate patches/OLK-5.10 from this repo: each scripts/series/NN-*.txt
# becomes one commit on top of the pristine tree (its "Files:" copied from
# the repo as they are, its "Edit:" steps applied to existing kernel
# files), then `git format-patch` with a cover letter.  Identity and dates
# are fixed so the output is reproducible and CI can check it is in sync.
#
# Usage: mkpatches.sh            rewrite patches/OLK-5.10
#        mkpatches.sh --check    fail if patches/OLK-5.10 is out of sync
#        mkpatches.sh --out DIR  write the series of the work tree to DIR
# "Files:" entries are paths or globs relative to the repo.
# MEMSTAT_PATCH_AUTHOR="Name <email>" sets the author and Signed-off-by.
set -euo pipefail
. "$(dirname "$0")/common.sh"

mode=${1:-write}
dest=$MEMSTAT_TOP/patches/OLK-5.10
case $mode in
write|--check) ;;
--out) dest=${2:?usage: mkpatches.sh --out DIR} ;;
*) echo "usage: mkpatches.sh [--check | --out DIR]" >&2; exit 2 ;;
esac
series_dir=$MEMSTAT_TOP/scripts/series
author=${MEMSTAT_PATCH_AUTHOR:-memstat developers <memstat-devel@example.org>}
bugzilla=${MEMSTAT_BUGZILLA:-https://gitee.com/openeuler/kernel/issues}

load_vars "$MEMSTAT_TOP/scripts/fetch-kernel.sh"
pristine=$("$MEMSTAT_TOP/scripts/prepare-tree.sh")
work=$MEMSTAT_CACHE/trees/series-$KVER

export GIT_AUTHOR_NAME=${author% <*} GIT_AUTHOR_EMAIL=${author##*<}
GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL%>}
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_DATE='2026-11-01T00:00:00Z' GIT_COMMITTER_DATE='2026-11-01T00:00:00Z'

if [ ! -e "$work/.git" ]; then
	git -C "$pristine" worktree prune
	git -C "$pristine" worktree add -q --detach "$work" pristine
fi
cd "$work"
git checkout -q --detach -f pristine

# One include line in samples/bpf/Makefile, after the per-sample link
# libraries: that context is the same in 5.10 LTS and OLK-5.10, whose own
# sample lines sit in the tprogs-y/always-y lists above it.
edit_samples_makefile() {
	grep -q 'Makefile.memstat' samples/bpf/Makefile && return
	sed -i '/^TPROGLDLIBS_xsk_fwd/a -include $(BPF_SAMPLES_PATH)/Makefile.memstat' \
		samples/bpf/Makefile
	grep -q 'Makefile.memstat' samples/bpf/Makefile ||
		die "samples/bpf/Makefile: anchor TPROGLDLIBS_xsk_fwd not found"
}

for spec in "$series_dir"/[0-9][0-9]-*.txt; do
	subject=$(sed -n 1p "$spec")
	files=$(cd "$MEMSTAT_TOP" && for g in $(sed -n 's/^Files: //p' "$spec"); do
		echo $g; done)
	edits=$(sed -n 's/^Edit: //p' "$spec")
	for f in $files; do
		[ -e "$MEMSTAT_TOP/$f" ] || die "$spec: $f does not exist"
		rm -rf "./$f"
		mkdir -p "$(dirname "./$f")"
		cp -a "$MEMSTAT_TOP/$f" "./$f"
		# Build output never goes into a patch.
		find "./$f" \( -name '*.o' -o -name '.output' -o -name '*.a' \) -prune \
			-exec rm -rf {} + 2>/dev/null || true
		git add -f -A -- "$f"
	done
	for e in $edits; do
		"edit_${e//-/_}"
		git add -f -A
	done
	{
		echo "$subject"
		echo
		echo "hulk inclusion"
		echo "category: feature"
		echo "bugzilla: $bugzilla"
		echo "CVE: NA"
		echo
		echo "--------------------------------"
		echo
		sed '1d; /^Files: /d; /^Edit: /d' "$spec" | sed '/./,$!d'
		echo
		echo "Signed-off-by: $author"
	} > "$work/.git-msg"
	git commit -q -F "$work/.git-msg"
	rm -f "$work/.git-msg"
done

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
git format-patch -q --cover-letter --zero-commit --no-signature \
	--subject-prefix="PATCH OLK-5.10" -o "$out" pristine..HEAD
cover=$out/0000-cover-letter.patch
python3 - "$cover" "$series_dir/cover.txt" <<'PY'
import sys
cover, text = sys.argv[1], open(sys.argv[2]).read().split('\n', 1)
s = open(cover).read()
s = s.replace('*** SUBJECT HERE ***', text[0].strip())
s = s.replace('*** BLURB HERE ***', text[1].strip())
open(cover, 'w').write(s)
PY

if [ "$mode" = --check ]; then
	if ! diff -r -q "$out" "$dest" >/dev/null 2>&1; then
		diff -r "$dest" "$out" | head -40 >&2 || true
		die "patches/OLK-5.10 is out of sync with the repo: run scripts/mkpatches.sh"
	fi
	echo "patches/OLK-5.10 in sync ($(ls "$dest" | wc -l) files)"
	exit 0
fi
rm -rf "$dest"
mkdir -p "$dest"
cp "$out"/*.patch "$dest/"
ls "$dest"
