/* SPDX-License-Identifier: GPL-2.0 */
/* pagealloc: records shared by pagealloc_kern.c and pagealloc_user.c. */
#ifndef __PAGEALLOC_COMMON_H
#define __PAGEALLOC_COMMON_H

#include "memstat_common.h"

#define PA_MAX_STACKS	8192	/* distinct call paths */
#define PA_MAX_GROUPS	16384	/* distinct (path, process, gfp, order, ...) */
#define PA_MAX_PROCS	4096	/* process names */
#define PA_MAX_LIVE	131072	/* outstanding blocks tracked (default) */

/*
 * The allocator step of mm_page_alloc_path (enum mm_alloc_path of the
 * patched kmem.h).  kmem:mm_page_alloc gives only PA_PATH_ANY or FAIL.
 */
enum pa_path {
	PA_PATH_FAST,
	PA_PATH_SLOW,
	PA_PATH_COMPACT,
	PA_PATH_RECLAIM,
	PA_PATH_OOM,
	PA_PATH_NOFAIL,
	PA_PATH_FAIL,
	PA_PATH_DHUGETLB,	/* OLK-5.10: dynamic hugetlb pool */
	PA_PATH_BULK,		/* OLK-5.10: __alloc_pages_bulk(), a page each */
	PA_PATH_ANY = 14,	/* no path information (mm_page_alloc) */
	PA_PATH_UNKNOWN = 15,	/* a value this tool does not know */
	PA_NR_PATHS,
};

/*
 * groups[]: allocations are counted per group, and every tracked block
 * remembers its group so its free is charged back to it.
 */
struct pa_group_key {
	__u64 stack;		/* its call path: key in stacks[], or MS_NO_STACK */
	__u32 tgid;		/* current at allocation (0: idle/interrupt) */
	__u32 gfp;
	__u8 order;
	__u8 migratetype;
	__u8 path;		/* enum pa_path */
	__u8 pad[5];
};

struct pa_group {
	__u64 alloc_blocks;	/* successful allocations */
	__u64 alloc_pages;
	__u64 untracked_pages;	/* of these, not tracked (live[] full) */
	__u64 free_pages;	/* of the tracked ones, freed since */
	__u64 fail;		/* allocations that returned no page */
};

/* live[struct page address of the block's first page] */
struct pa_live {
	struct pa_group_key group;
	__s32 pages;		/* of the block still allocated */
	__u32 pad;
};

enum pa_count {
	PA_ALLOC_BLOCKS,	/* every allocation seen */
	PA_ALLOC_PAGES,
	PA_FAIL,
	PA_FREE_BLOCKS,		/* every mm_page_free seen */
	PA_FREE_PAGES,
	PA_FREE_TRACKED,	/* pages freed of blocks tracked */
	PA_FREE_UNTRACKED,	/* pages freed, allocated before the start */
	PA_UNTRACKED_PAGES,	/* allocated pages not tracked: see drops */
	PA_STALE_PAGES,		/* tracked pages whose block was reused */
	PA_DROP_LIVE,		/* live map full: block not tracked */
	PA_DROP_GROUP,		/* groups map full: block not tracked */
	PA_DROP_STACK,		/* stack not stored (walk failed or map full) */
	PA_DROP_PROC,		/* process name not stored */
	PA_NR_COUNTS,
};

struct pa_cfg {
	struct ms_filter filter;	/* -p */
	__u32 stacks;		/* record call paths (-F N, N > 0) */
	/*
	 * report: count movable pages served (user and page cache pages,
	 * zsmalloc's), but neither walk their stack nor track them; only
	 * the kernel's own and the failures are followed.
	 */
	__u32 kernel_only;
};

#endif /* __PAGEALLOC_COMMON_H */
