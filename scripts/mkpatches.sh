#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate the series from this repo: each scripts/series/NN-*.txt
# becomes one commit on top of the pristine Debian tree, then
# `git format-patch` with a cover letter.  A spec's first line is the
# subject, the rest the message, with these directives:
#   Files: PATH...   copied from the repo as they are (paths or globs)
#   Edit: NAME       edit_NAME below changes an existing kernel file
#   Diff: NAME       a kernel change: the diff part of the stored patch
#                    of the same number in patches/linux-5.10 (its only
#                    copy; patches/OLK-5.10 has the OLK-5.10 variant)
#   Tool: NAME       one tool: samples/bpf/NAME_{kern.c,user.c,common.h},
#                    Documentation/memstat/NAME.rst, and its line in the
#                    tool list and the docs index
# The series is stored once (patches/README says how to apply it):
#   patches/0000-cover-letter.patch
#   patches/linux-5.10/0001-*.patch   the kernel change for 5.10 LTS
#   patches/OLK-5.10/0001-*.patch     the same change for OLK-5.10, written
#                                     against its own code (not buildable here)
#   patches/common/*.patch            every other patch, for both
# Identity and dates are fixed so the output is reproducible and CI can
# check it is in sync.
#
# Usage: mkpatches.sh            rewrite patches/
#        mkpatches.sh --check    fail if patches/ is out of sync
#        mkpatches.sh --out DIR  write DIR/patches (as stored) and each
#                                target's whole series, DIR/linux-5.10 and
#                                DIR/OLK-5.10, for the other scripts
#        mkpatches.sh --send DIR the same, to be sent: refused while the
#                                author or the bugzilla is a placeholder
# MEMSTAT_PATCH_AUTHOR="Name <email>" sets the author, Signed-off-by and
# the MAINTAINERS entry's M:; MEMSTAT_BUGZILLA the openEuler issue URL.
# The stored series (patches/) keeps placeholders; its cover letter says
# so.  The cover letter's Cc: is what scripts/get_maintainer.pl names.
set -euo pipefail
. "$(dirname "$0")/common.sh"

mode=${1:-write}
dest=
case $mode in
write|--check) ;;
--out|--send) dest=${2:?usage: mkpatches.sh $mode DIR} ;;
*) echo "usage: mkpatches.sh [--check | --out DIR | --send DIR]" >&2; exit 2 ;;
esac
series_dir=$MEMSTAT_TOP/scripts/series
author=${MEMSTAT_PATCH_AUTHOR:-memstat developers <memstat-devel@example.org>}
bugzilla=${MEMSTAT_BUGZILLA:-https://gitee.com/openeuler/kernel/issues}
if [ "$mode" = --send ]; then
	[[ $author =~ ^[^\<]+\ \<[^@\>]+@[^@\>]+\>$ ]] && [[ $author != *@example.* ]] ||
		{ echo "mkpatches: --send: set MEMSTAT_PATCH_AUTHOR=\"Name <email>\" (now: $author)" >&2; exit 2; }
	[[ $bugzilla =~ /issues/[A-Za-z0-9]+$ ]] ||
		{ echo "mkpatches: --send: set MEMSTAT_BUGZILLA to the issue's URL, .../issues/ID (now: $bugzilla)" >&2; exit 2; }
fi

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
# The index of a kernel tree is big: version 4 and the untracked cache
# take a fifth off the series' commits.
git config feature.manyFiles true
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

# The MAINTAINERS entry: every memstat file, by directory or by tool,
# before the first entry that sorts after it.
edit_maintainers() {
	local entry="MEMSTAT EBPF MEMORY ANALYSIS TOOLS" f
	grep -qx "$entry" MAINTAINERS && return
	{
		echo "$entry"
		echo "M:	$author"
		echo "L:	kernel@openeuler.org"
		echo "S:	Maintained"
		{
			for f in Documentation/memstat/ samples/bpf/Makefile.memstat \
				 samples/bpf/memstat_common.h samples/bpf/memstat_kern.h \
				 tools/memstat/ tools/testing/selftests/memstat/; do
				echo "$f"
			done
			sed -n 's/^MEMSTAT_TOOL.\([a-z0-9_]*\),.*/samples\/bpf\/\1_*/p' \
				"$MEMSTAT_TOP/tools/memstat/memstat_tools.h"
		} | LC_ALL=C sort | sed 's/^/F:	/'
		echo
	} > "$work/.entry"
	# Entries: a line of their own after a blank one, then "X:<tab>".
	awk -v name="$entry" -v file="$work/.entry" '
		list && !done && prev == "" && $0 ~ /^[A-Z0-9]/ && $0 > name {
			while ((getline l < file) > 0)
				print l
			done = 1
		}
		/^Maintainers List/ { list = 1 }
		{ print; prev = $0 }' MAINTAINERS > "$work/.maint"
	mv "$work/.maint" MAINTAINERS
	rm -f "$work/.entry"
	grep -qx "$entry" MAINTAINERS || die "MAINTAINERS: no place for the memstat entry"
}

# The tool list and the docs index of the series name only the tools
# added so far: each tool's patch adds its line, so every commit builds.
tools_added=
sync_lists() {
	local t keep='^$'
	for t in $tools_added; do keep="$keep|^$t\$"; done
	awk -v keep="$keep" '
		/^MEMSTAT_TOOL\(/ { name = $0; sub(/^MEMSTAT_TOOL\(/, "", name)
				    sub(/,.*/, "", name); if (name !~ keep) next }
		{ print }' "$MEMSTAT_TOP/tools/memstat/memstat_tools.h" \
		> tools/memstat/memstat_tools.h
	# Toctree entries are the indented lines after ":maxdepth:".
	awk -v keep="$keep" -v testing="$docs_testing" '
		/^\.\. toctree::/ { toc = 1 }
		toc && /^   [a-z_]+$/ { name = substr($0, 4)
				      if (name == "testing" ? !testing : name !~ keep) next }
		toc && /^[^ ]/ && !/^\.\. toctree::/ { toc = 0 }
		{ print }' "$MEMSTAT_TOP/Documentation/memstat/index.rst" \
		> Documentation/memstat/index.rst
	git add -f tools/memstat/memstat_tools.h Documentation/memstat/index.rst
}
docs_testing=0

# The work tree's files under each path as git sees them (tracked, or
# new and not ignored): build output (objects, man pages made) never
# goes into a patch.
copy_files() {
	local f g
	for f in "$@"; do
		[ -e "$MEMSTAT_TOP/$f" ] || die "$spec: $f does not exist"
		rm -rf "./$f"
		git -C "$MEMSTAT_TOP" ls-files --cached --others --exclude-standard -- "$f" |
		while read -r g; do
			[ -e "$MEMSTAT_TOP/$g" ] || continue	# deleted, not committed
			mkdir -p "$(dirname "./$g")"
			cp -a "$MEMSTAT_TOP/$g" "./$g"
		done
	done
	# One add for all: each rewrites the kernel tree's whole index.
	[ $# -eq 0 ] || git add -f -A -- "$@"
}

# kernel_diff TARGET: the diff of the stored patch for TARGET that the
# current spec (NN-*.txt: patch NN + 1) makes.
kernel_diff() {
	local nn p
	nn=$(basename "$spec" | cut -c1-2)
	p=$(ls "$MEMSTAT_TOP/patches/$1/$(printf %04d $((10#$nn + 1)))"-*.patch 2>/dev/null)
	[ -n "$p" ] || die "$spec: no stored kernel patch in patches/$1"
	sed -n '/^diff --git /,$p' "$p"
}

for spec in "$series_dir"/[0-9][0-9]-*.txt; do
	subject=$(sed -n 1p "$spec")
	files=$(cd "$MEMSTAT_TOP" && for g in $(sed -n 's/^Files: //p' "$spec"); do
		echo $g; done)
	edits=$(sed -n 's/^Edit: //p' "$spec")
	diffs=$(sed -n 's/^Diff: //p' "$spec")
	tool=$(sed -n 's/^Tool: //p' "$spec")
	copy_files $files
	if [ -n "$tool" ]; then
		# <tool>_kern.c and _user.c; report has no BPF programs of
		# its own (it loads the others') and a user side in three.
		copy_files $(cd "$MEMSTAT_TOP" && ls samples/bpf/${tool}_*.c) \
			samples/bpf/${tool}_common.h Documentation/memstat/$tool.rst
		tools_added="$tools_added $tool"
	fi
	if printf '%s\n' $files | grep -qx Documentation/memstat/testing.rst; then
		docs_testing=1
	fi
	[ -e tools/memstat/memstat_tools.h ] && sync_lists
	for e in $edits; do
		"edit_${e//-/_}"
		git add -f -A
	done
	for d in $diffs; do
		kernel_diff linux-5.10 | git apply --index --whitespace=error-all ||
			die "$spec: the linux-5.10 diff of $d does not apply"
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
		sed '1d; /^Files: /d; /^Edit: /d; /^Diff: /d; /^Tool: /d' "$spec" | sed '/./,$!d'
		echo
		echo "Signed-off-by: $author"
	} > "$work/.git-msg"
	git commit -q -F "$work/.git-msg"
	rm -f "$work/.git-msg"
done
# The last commit carries the repo's lists as they are.
cmp -s tools/memstat/memstat_tools.h "$MEMSTAT_TOP/tools/memstat/memstat_tools.h" &&
cmp -s Documentation/memstat/index.rst "$MEMSTAT_TOP/Documentation/memstat/index.rst" ||
	die "the series does not add every tool of tools/memstat/memstat_tools.h (a Tool: spec is missing)"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
git format-patch -q --cover-letter --zero-commit --no-signature \
	--subject-prefix="PATCH OLK-5.10" -o "$out/raw" pristine..HEAD
# Who the tree's MAINTAINERS says gets the series (no git history: the
# same answer on every machine).
export MEMSTAT_CC MEMSTAT_NOTE=
MEMSTAT_CC=$(perl scripts/get_maintainer.pl --no-rolestats --no-git \
	--no-git-fallback \
	$(ls "$out"/raw/*.patch | grep -v '/0000-'))
[ -n "$MEMSTAT_CC" ] || die "scripts/get_maintainer.pl named nobody"
[ "$mode" = --send ] ||
	MEMSTAT_NOTE="This series is the tested one: its author, Signed-off-by and bugzilla
lines are placeholders.  scripts/mkpatches.sh --send writes it to send."
mkdir -p "$out/patches/common" "$out/patches/linux-5.10" "$out/patches/OLK-5.10"

# Kernel patches ("Diff:") get a variant per target: the linux-5.10 one as
# built, the OLK-5.10 one with the body and diffstat of OLK-5.10's diff.
# The cover letter gets the diffstat of the OLK-5.10 series.
python3 - "$out" "$series_dir" "$MEMSTAT_TOP/patches" <<'PY'
import glob, os, re, subprocess, sys
out, series_dir, stored = sys.argv[1:4]
specs = sorted(glob.glob(os.path.join(series_dir, '[0-9][0-9]-*.txt')))
text = open(os.path.join(series_dir, 'cover.txt')).read().split('\n', 1)

def stat(diff):
    return subprocess.run(['git', 'apply', '--stat', '--summary', '-'], input=diff,
                          capture_output=True, text=True, check=True).stdout

def body_of(path):
    s = open(path).read()
    return s[s.index('\ndiff --git ') + 1:]

bodies = []
for path in sorted(glob.glob(os.path.join(out, 'raw', '*.patch'))):
    name = os.path.basename(path)
    s = open(path).read()
    num = int(name[:4])
    if not num:
        continue
    diffs = re.findall(r'^Diff: (.*)$', open(specs[num - 1]).read(), re.M)
    if not diffs:
        open(os.path.join(out, 'patches', 'common', name), 'w').write(s)
        bodies.append(s[s.index('\n---\n') + 5:])
        continue
    lts = s.replace('[PATCH OLK-5.10 ', '[PATCH 5.10 ', 1)
    open(os.path.join(out, 'patches', 'linux-5.10', name), 'w').write(lts)
    olk = glob.glob(os.path.join(stored, 'OLK-5.10', name[:5] + '*.patch'))
    if len(olk) != 1:
        sys.exit('mkpatches: no stored patches/OLK-5.10/%s*.patch' % name[:5])
    body = body_of(olk[0])
    s = s[:s.index('\n---\n') + 5] + stat(body) + '\n' + body
    open(os.path.join(out, 'patches', 'OLK-5.10', name), 'w').write(s)
    bodies.append(s[s.index('\n---\n') + 5:])

s = open(os.path.join(out, 'raw', '0000-cover-letter.patch')).read()
s = s.replace('*** SUBJECT HERE ***', text[0].strip())
s = s.replace('*** BLURB HERE ***', text[1].strip() +
              ('\n\n' + os.environ['MEMSTAT_NOTE'] if os.environ['MEMSTAT_NOTE'] else ''))
cc = ''.join('Cc: %s\n' % a for a in os.environ['MEMSTAT_CC'].split('\n') if a)
s = re.sub(r'^(Date: .*\n)', lambda m: m.group(1) + cc, s, count=1, flags=re.M)
head, _, _ = s.rpartition('\n\n ')
combined = ''.join(re.sub(r'\A.*?(?=^diff --git )', '', b, flags=re.S | re.M)
                   for b in bodies)
open(os.path.join(out, 'patches', '0000-cover-letter.patch'), 'w').write(
    head + '\n\n' + stat(combined) + '\n')
PY
cp "$MEMSTAT_TOP/scripts/series/README.patches" "$out/patches/README"

if [ "$mode" = --check ]; then
	if ! diff -r -q "$out/patches" "$MEMSTAT_TOP/patches" >/dev/null 2>&1; then
		diff -r "$MEMSTAT_TOP/patches" "$out/patches" | head -40 >&2 || true
		die "patches/ is out of sync with the repo: run scripts/mkpatches.sh"
	fi
	echo "patches/ in sync ($(find "$MEMSTAT_TOP/patches" -name '*.patch' | wc -l) patches)"
	exit 0
fi
if [ -n "$dest" ]; then
	rm -rf "${dest:?}/patches" "$dest/linux-5.10" "$dest/OLK-5.10"
	mkdir -p "$dest"
	cp -R "$out/patches" "$dest/patches"
	for target in linux-5.10 OLK-5.10; do
		mkdir -p "$dest/$target"
		cp "$out/patches/$target"/*.patch "$out/patches/common"/*.patch "$dest/$target/"
	done
	exit 0
fi
rm -rf "${MEMSTAT_TOP:?}/patches"
cp -R "$out/patches" "$MEMSTAT_TOP/patches"
find "$MEMSTAT_TOP/patches" -type f | sort
