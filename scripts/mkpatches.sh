#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate the two series from this repo: each scripts/series/NN-*.txt
# becomes one commit on top of the pristine Debian tree (its "Files:"
# copied from the repo as they are, its "Edit:" steps applied to existing
# kernel files, its "Diff: NAME" applied from scripts/series/linux-5.10/
# NAME.diff), then `git format-patch` with a cover letter: that is
# patches/linux-5.10.  patches/OLK-5.10 is the same series except that a
# "Diff:" commit carries scripts/series/OLK-5.10/NAME.diff instead, the
# variant of a kernel change written against OLK-5.10's own code (which
# cannot be built here).  Identity and dates are fixed so the output is
# reproducible and CI can check it is in sync.
#
# Usage: mkpatches.sh            rewrite patches/linux-5.10 and patches/OLK-5.10
#        mkpatches.sh --check    fail if either is out of sync
#        mkpatches.sh --out DIR  write both series of the work tree to
#                                DIR/linux-5.10 and DIR/OLK-5.10
# "Files:" entries are paths or globs relative to the repo.
# MEMSTAT_PATCH_AUTHOR="Name <email>" sets the author and Signed-off-by.
set -euo pipefail
. "$(dirname "$0")/common.sh"

mode=${1:-write}
dest=$MEMSTAT_TOP/patches
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

# One writer at a time: runs of several work trees share $work.
exec 8> "$MEMSTAT_CACHE/series.lock"
flock 8
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
	diffs=$(sed -n 's/^Diff: //p' "$spec")
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
	for d in $diffs; do
		for target in linux-5.10 OLK-5.10; do
			[ -f "$series_dir/$target/$d.diff" ] ||
				die "$spec: scripts/series/$target/$d.diff does not exist"
		done
		git apply --index --whitespace=error-all "$series_dir/linux-5.10/$d.diff" ||
			die "$spec: scripts/series/linux-5.10/$d.diff does not apply"
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
		sed '1d; /^Files: /d; /^Edit: /d; /^Diff: /d' "$spec" | sed '/./,$!d'
		echo
		echo "Signed-off-by: $author"
	} > "$work/.git-msg"
	git commit -q -F "$work/.git-msg"
	rm -f "$work/.git-msg"
done

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir "$out/linux-5.10" "$out/OLK-5.10"
git format-patch -q --cover-letter --zero-commit --no-signature \
	--subject-prefix="PATCH 5.10" -o "$out/linux-5.10" pristine..HEAD

# The OLK-5.10 series: the same patches with the OLK-5.10 subject prefix;
# a "Diff:" commit gets the OLK-5.10 variant of its diff and diffstat, and
# the cover letter the diffstat of the whole OLK-5.10 series.
python3 - "$out" "$series_dir" <<'PY'
import glob, os, re, subprocess, sys
out, series_dir = sys.argv[1], sys.argv[2]
src, dst = os.path.join(out, 'linux-5.10'), os.path.join(out, 'OLK-5.10')
specs = sorted(glob.glob(os.path.join(series_dir, '[0-9][0-9]-*.txt')))
text = open(os.path.join(series_dir, 'cover.txt')).read().split('\n', 1)

def stat(diff):
    return subprocess.run(['git', 'apply', '--stat', '--summary', '-'], input=diff,
                          capture_output=True, text=True, check=True).stdout

bodies = []
for path in sorted(glob.glob(os.path.join(src, '*.patch'))):
    name = os.path.basename(path)
    s = open(path).read().replace('[PATCH 5.10 ', '[PATCH OLK-5.10 ', 1)
    num = int(name[:4])
    if num:
        spec = open(specs[num - 1]).read()
        diffs = re.findall(r'^Diff: (.*)$', spec, re.M)
        if diffs:
            body = ''.join(open(os.path.join(series_dir, 'OLK-5.10', d + '.diff')).read()
                           for d in diffs.pop().split())
            s = s[:s.index('\n---\n') + 5] + stat(body) + '\n' + body
        bodies.append(s[s.index('\n---\n') + 5:])
    open(os.path.join(dst, name), 'w').write(s)

cover = os.path.join(dst, '0000-cover-letter.patch')
s = open(cover).read()
s = s.replace('*** SUBJECT HERE ***', text[0].strip())
s = s.replace('*** BLURB HERE ***', text[1].strip())
head, _, _ = s.rpartition('\n\n ')
combined = ''.join(re.sub(r'\A.*?(?=^diff --git )', '', b, flags=re.S | re.M)
                   for b in bodies)
open(cover, 'w').write(head + '\n\n' + stat(combined) + '\n')

cover = os.path.join(src, '0000-cover-letter.patch')
s = open(cover).read()
s = s.replace('*** SUBJECT HERE ***', text[0].strip())
s = s.replace('*** BLURB HERE ***', text[1].strip())
open(cover, 'w').write(s)
PY

if [ "$mode" = --check ]; then
	for target in linux-5.10 OLK-5.10; do
		if ! diff -r -q "$out/$target" "$dest/$target" >/dev/null 2>&1; then
			diff -r "$dest/$target" "$out/$target" | head -40 >&2 || true
			die "patches/$target is out of sync with the repo: run scripts/mkpatches.sh"
		fi
		echo "patches/$target in sync ($(ls "$dest/$target" | wc -l) files)"
	done
	exit 0
fi
for target in linux-5.10 OLK-5.10; do
	rm -rf "${dest:?}/$target"
	mkdir -p "$dest/$target"
	cp "$out/$target"/*.patch "$dest/$target/"
done
ls "$dest"/*
