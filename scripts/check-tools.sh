#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Keep everything that lists the tools in step with the one list,
# tools/memstat/memstat_tools.h, and every tool within the shape a
# newcomer reads in five minutes: for each tool its three files, a
# Documentation page in the index, a selftest, a patch of its own
# (scripts/series/*.txt "Tool:") and a line in the README; _kern.c at
# most 300 lines, _user.c (and any other user file) at most 500 (report,
# which loads the other tools' BPF objects, has no _kern.c and a user
# side in three files); no page size written into user code (4096,
# << 12, PAGE_SHIFT: the kernel's is 64 KiB on arm64).
# Prints what is wrong; exits 1 if anything is.
set -euo pipefail
. "$(dirname "$0")/common.sh"

cd "$MEMSTAT_TOP"
bad=0
fail() { echo "check-tools: $*"; bad=1; }
tools=$(make -s -C tools/memstat list)
[ -n "$tools" ] || fail "no tools in tools/memstat/memstat_tools.h"
for t in $tools; do
	for f in samples/bpf/${t}_user.c \
		 samples/bpf/${t}_common.h Documentation/memstat/$t.rst \
		 tools/testing/selftests/memstat/${t}_test.sh; do
		[ -f "$f" ] || fail "$t: $f is missing"
	done
	grep -qx "   $t" Documentation/memstat/index.rst ||
		fail "$t: not in the toctree of Documentation/memstat/index.rst"
	grep -qx "Tool: $t" scripts/series/*.txt ||
		fail "$t: no scripts/series/NN-$t.txt with \"Tool: $t\""
	grep -q "^  $t " README || fail "$t: not in the README's tool list"
	n=0
	[ ! -f samples/bpf/${t}_kern.c ] || n=$(wc -l < samples/bpf/${t}_kern.c)
	[ "$n" -le 300 ] || fail "$t: ${t}_kern.c has $n lines (budget 300)"
	# The user side: _user.c, and report's other two.
	for f in samples/bpf/${t}_*.c; do
		case $f in *_kern.c) continue ;; esac
		n=$(wc -l < "$f")
		[ "$n" -le 500 ] || fail "$t: $f has $n lines (budget 500)"
	done
done
for f in samples/bpf/*_kern.c; do
	t=$(basename "$f" _kern.c)
	echo " $tools " | grep -q " $t " || fail "$f: $t is not in tools/memstat/memstat_tools.h"
done
if grep -n -E '\b4096\b|<< *12\b|PAGE_SHIFT' samples/bpf/*_user.c tools/memstat/*.c \
	tools/memstat/lib/*.c; then
	fail "a page size is written into user code: use ms_page_kib()"
fi
exit $bad
