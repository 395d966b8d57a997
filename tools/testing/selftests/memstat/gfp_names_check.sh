#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host check: libmemstat's gfp decoder against the kernel tree it is built
# in.  The tree's own __def_gfpflag_names (include/trace/events/mmflags.h,
# values from include/linux/gfp.h under the tree's .config) is expanded by
# the preprocessor into a table; a small program compares it, entry by
# entry, with ms_gfp_names[] and compares ms_gfp_decode() with the
# kernel's __print_flags() algorithm over that table for every single bit,
# every table mask, every pair of masks and random values.  TAP output.
#
# Usage: gfp_names_check.sh TREE   (a configured tree: include/generated)
# Not a VM selftest (no compiler or tree there): run-vm.sh runs it on the host.
tree=${1:?usage: gfp_names_check.sh TREE}
top=$(cd "$(dirname "$0")/../../../.." && pwd)
lib=$top/tools/memstat/lib
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ -r "$tree/include/generated/autoconf.h" ] ||
	{ echo "1..0 # SKIP $tree is not configured"; exit 4; }

cat > "$tmp/names.c" <<'C'
#include <linux/gfp.h>
#include <trace/events/mmflags.h>
MEMSTAT_TABLE_BEGIN __def_gfpflag_names MEMSTAT_TABLE_END
C
arch=x86
if ! (cd "$tree" && $CC -E -P -D__KERNEL__ -nostdinc \
	-isystem "$($CC -print-file-name=include)" \
	-I./arch/$arch/include -I./arch/$arch/include/generated -I./include \
	-I./arch/$arch/include/uapi -I./arch/$arch/include/generated/uapi \
	-I./include/uapi -I./include/generated/uapi \
	-include ./include/linux/kconfig.h "$tmp/names.c") > "$tmp/names.i" 2> "$tmp/cpp.err"
then
	echo "1..1"
	echo "not ok 1 preprocessing mmflags.h of $tree"
	sed 's/^/# /' "$tmp/cpp.err" | head -n 20
	exit 1
fi
tr '\n' ' ' < "$tmp/names.i" |
	sed -n 's/.*MEMSTAT_TABLE_BEGIN\(.*\)MEMSTAT_TABLE_END.*/\1/p' > "$tmp/table.h"
[ -s "$tmp/table.h" ] || { echo "1..1"; echo "not ok 1 no __def_gfpflag_names in $tree"; exit 1; }

cat > "$tmp/check.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "libmemstat.h"
/* gfp_t comes from tools/include/linux/types.h, as in the kernel. */

static const struct { unsigned long mask; const char *name; } tree[] = {
#include "table.h"
	, { 0, NULL }
};

static int n_tap, failed;

static void tap(int ok, const char *fmt, const char *what)
{
	printf("%sok %d ", ok ? "" : "not ", ++n_tap);
	printf(fmt, what);
	putchar('\n');
	failed += !ok;
}

/* The kernel's trace_print_flags_seq() with "|", and show_gfp_flags()'s "none". */
static const char *kernel_decode(unsigned long flags, char *buf, size_t len)
{
	size_t pos = 0;
	int i;

	buf[0] = '\0';
	if (!flags)
		return strcpy(buf, "none");
	for (i = 0; tree[i].name && flags; i++) {
		if ((flags & tree[i].mask) != tree[i].mask)
			continue;
		flags &= ~tree[i].mask;
		pos += snprintf(buf + pos, len - pos, "%s%s", pos ? "|" : "",
				tree[i].name);
	}
	if (flags)
		snprintf(buf + pos, len - pos, "%s0x%lx", pos ? "|" : "", flags);
	return buf;
}

static int decode_same(unsigned long v)
{
	char a[512], b[512];

	kernel_decode(v, a, sizeof(a));
	ms_gfp_decode(v, b, sizeof(b));
	if (!strcmp(a, b))
		return 1;
	printf("# 0x%lx: kernel %s, libmemstat %s\n", v, a, b);
	return 0;
}

int main(void)
{
	size_t n = 0, m = 0, i, j;
	unsigned long x = 12345;
	int ok;

	while (tree[n].name)
		n++;
	while (ms_gfp_names[m].name)
		m++;
	printf("1..%zu\n", n + 5);
	for (i = 0; i < n; i++) {
		ok = i < m && !strcmp(tree[i].name, ms_gfp_names[i].name) &&
		     tree[i].mask == ms_gfp_names[i].mask;
		if (!ok)
			printf("# tree 0x%lx, libmemstat %s 0x%lx\n", tree[i].mask,
			       i < m ? ms_gfp_names[i].name : "(none)",
			       i < m ? ms_gfp_names[i].mask : 0);
		tap(ok, "entry %s: same name, value and place", tree[i].name);
	}
	tap(n == m, "%s", "same number of names");
	ok = decode_same(0);
	for (i = 0; i < 32; i++)
		ok &= decode_same(1UL << i);
	tap(ok, "%s", "every single bit and 0 decode the same");
	ok = 1;
	for (i = 0; i < n; i++)
		ok &= decode_same(tree[i].mask);
	tap(ok, "%s", "every table mask decodes the same");
	ok = 1;
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			ok &= decode_same(tree[i].mask | tree[j].mask |
					  (i == j ? 1UL << 27 : 0));
	tap(ok, "%s", "every pair of masks (and a stray bit) decodes the same");
	ok = 1;
	for (i = 0; i < 20000; i++) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		ok &= decode_same((x >> 33) & (i % 2 ? 0x7fffff : 0xffffffff));
	}
	tap(ok, "%s", "20000 random values decode the same");
	return failed != 0;
}
C
if ! $CC -O2 -Wall -I"$tmp" -I"$lib" -iquote "$top/samples/bpf" -I"$tree/tools/include" \
	-I"$tree/usr/include" "$tmp/check.c" "$lib/ms_gfp.c" \
	-o "$tmp/check" 2> "$tmp/cc.err"; then
	echo "1..1"
	echo "not ok 1 building the check"
	sed 's/^/# /' "$tmp/cc.err" | head -n 20
	exit 1
fi
"$tmp/check"
