// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: gfp flags and migratetypes decoded the way the kernel
 * prints them (show_gfp_flags() in include/trace/events/mmflags.h).
 *
 * The table is the kernel's __def_gfpflag_names in its order: composite
 * masks first, so GFP_KERNEL|__GFP_NOWARN rather than a list of bits.
 * Values are those of include/linux/gfp.h in 5.10 without CONFIG_LOCKDEP;
 * tools/testing/selftests/memstat/gfp_names_check.sh compares this table
 * and the decoded strings with the tree the tools are built in.
 */
#include <stdio.h>
#include <string.h>

#include "libmemstat.h"

#define G_DMA			0x01u
#define G_HIGHMEM		0x02u
#define G_DMA32			0x04u
#define G_MOVABLE		0x08u
#define G_RECLAIMABLE		0x10u
#define G_HIGH			0x20u
#define G_IO			0x40u
#define G_FS			0x80u
#define G_ZERO			0x100u
#define G_ATOMIC		0x200u
#define G_DIRECT_RECLAIM	0x400u
#define G_KSWAPD_RECLAIM	0x800u
#define G_WRITE			0x1000u
#define G_NOWARN		0x2000u
#define G_RETRY_MAYFAIL		0x4000u
#define G_NOFAIL		0x8000u
#define G_NORETRY		0x10000u
#define G_MEMALLOC		0x20000u
#define G_COMP			0x40000u
#define G_NOMEMALLOC		0x80000u
#define G_HARDWALL		0x100000u
#define G_THISNODE		0x200000u
#define G_ACCOUNT		0x400000u

#define G_RECLAIM		(G_DIRECT_RECLAIM | G_KSWAPD_RECLAIM)
#define G_KERNEL		(G_RECLAIM | G_IO | G_FS)
#define G_USER			(G_KERNEL | G_HARDWALL)
#define G_HIGHUSER		(G_USER | G_HIGHMEM)
#define G_HIGHUSER_MOVABLE	(G_HIGHUSER | G_MOVABLE)
#define G_TRANSHUGE_LIGHT	((G_HIGHUSER_MOVABLE | G_COMP | G_NOMEMALLOC | \
				  G_NOWARN) & ~G_RECLAIM)

const struct ms_flag_name ms_gfp_names[] = {
	{ G_TRANSHUGE_LIGHT | G_DIRECT_RECLAIM,	"GFP_TRANSHUGE" },
	{ G_TRANSHUGE_LIGHT,			"GFP_TRANSHUGE_LIGHT" },
	{ G_HIGHUSER_MOVABLE,			"GFP_HIGHUSER_MOVABLE" },
	{ G_HIGHUSER,				"GFP_HIGHUSER" },
	{ G_USER,				"GFP_USER" },
	{ G_KERNEL | G_ACCOUNT,			"GFP_KERNEL_ACCOUNT" },
	{ G_KERNEL,				"GFP_KERNEL" },
	{ G_RECLAIM | G_IO,			"GFP_NOFS" },
	{ G_HIGH | G_ATOMIC | G_KSWAPD_RECLAIM,	"GFP_ATOMIC" },
	{ G_RECLAIM,				"GFP_NOIO" },
	{ G_KSWAPD_RECLAIM,			"GFP_NOWAIT" },
	{ G_DMA,				"GFP_DMA" },
	{ G_HIGHMEM,				"__GFP_HIGHMEM" },
	{ G_DMA32,				"GFP_DMA32" },
	{ G_HIGH,				"__GFP_HIGH" },
	{ G_ATOMIC,				"__GFP_ATOMIC" },
	{ G_IO,					"__GFP_IO" },
	{ G_FS,					"__GFP_FS" },
	{ G_NOWARN,				"__GFP_NOWARN" },
	{ G_RETRY_MAYFAIL,			"__GFP_RETRY_MAYFAIL" },
	{ G_NOFAIL,				"__GFP_NOFAIL" },
	{ G_NORETRY,				"__GFP_NORETRY" },
	{ G_COMP,				"__GFP_COMP" },
	{ G_ZERO,				"__GFP_ZERO" },
	{ G_NOMEMALLOC,				"__GFP_NOMEMALLOC" },
	{ G_MEMALLOC,				"__GFP_MEMALLOC" },
	{ G_HARDWALL,				"__GFP_HARDWALL" },
	{ G_THISNODE,				"__GFP_THISNODE" },
	{ G_RECLAIMABLE,			"__GFP_RECLAIMABLE" },
	{ G_MOVABLE,				"__GFP_MOVABLE" },
	{ G_ACCOUNT,				"__GFP_ACCOUNT" },
	{ G_WRITE,				"__GFP_WRITE" },
	{ G_RECLAIM,				"__GFP_RECLAIM" },
	{ G_DIRECT_RECLAIM,			"__GFP_DIRECT_RECLAIM" },
	{ G_KSWAPD_RECLAIM,			"__GFP_KSWAPD_RECLAIM" },
	{ 0, NULL },
};

/* Append @s to buf at *pos, "|" first unless it is the first name. */
static void append(char *buf, size_t len, size_t *pos, const char *s)
{
	int n;

	if (*pos >= len)
		return;
	n = snprintf(buf + *pos, len - *pos, "%s%s", *pos ? "|" : "", s);
	if (n > 0)
		*pos += n;
}

const char *ms_flags_decode(const struct ms_flag_name *table,
			    unsigned long flags, char *buf, size_t len)
{
	size_t pos = 0;
	char hex[24];

	if (!len)
		return buf;
	buf[0] = '\0';
	if (!flags) {
		snprintf(buf, len, "none");
		return buf;
	}
	/* As trace_print_flags_seq(): whole masks in table order. */
	for (; table->name && flags; table++) {
		if ((flags & table->mask) != table->mask)
			continue;
		flags &= ~table->mask;
		append(buf, len, &pos, table->name);
	}
	if (flags) {
		snprintf(hex, sizeof(hex), "0x%lx", flags);
		append(buf, len, &pos, hex);
	}
	return buf;
}

const char *ms_gfp_decode(unsigned long gfp, char *buf, size_t len)
{
	return ms_flags_decode(ms_gfp_names, gfp, buf, len);
}

/* migratetype_names[] of mm/page_alloc.c; CMA and Isolate are config-dependent. */
const char *ms_migratetype_name(int migratetype)
{
	static const char *const names[] = {
		"Unmovable", "Movable", "Reclaimable", "HighAtomic",
	};

	if (migratetype < 0 || migratetype >= (int)ARRAY_SIZE(names))
		return "unknown";
	return names[migratetype];
}
