/* SPDX-License-Identifier: GPL-2.0 */
/* pagealloc: records shared by pagealloc_kern.c and pagealloc_user.c. */
#ifndef __PAGEALLOC_COMMON_H
#define __PAGEALLOC_COMMON_H

#include "memstat_common.h"

#define PA_MAX_STACKS	8192	/* distinct call paths */
#define PA_MAX_GROUPS	16384	/* distinct (path, process, gfp, order, ...) */
#define PA_MAX_PROCS	4096	/* process names */
#define PA_MAX_LIVE	262144	/* pfns covered until sized (1 GiB) */
#define PA_PROBES	8	/* group slots tried per key */
#define PA_SAMPLE	16	/* default: one call path walked in 16 */

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
 * remembers its group so its free is charged back to it.  A group's slot
 * is found from a hash of its key (open addressing, PA_PROBES slots
 * tried): a free reaches its group in one array lookup.
 */
struct pa_group_key {
	__u64 stack;		/* its call path: key in stacks[], or MS_NO_STACK */
	__u32 tgid;		/* current at allocation (0: idle/interrupt) */
	__u32 gfp;
	__u8 order;
	__u8 migratetype;
	__u8 path;		/* enum pa_path */
	__u8 unsampled;		/* sampling: this call path was not walked */
	__u8 pad[4];
};

struct pa_group {
	struct pa_group_key key;
	__u32 claims;		/* CPUs that tried to take the slot */
	__u32 ready;		/* key written: the slot is this group's */
	__u64 alloc_blocks;	/* successful allocations */
	__u64 alloc_pages;
	__u64 untracked_pages;	/* of these, not tracked (see the drops) */
	__u64 free_pages;	/* of the tracked ones, freed since */
	__u64 free_blocks;	/* mm_page_free events that freed them */
	__u64 fail;		/* allocations that returned no page */
};

/*
 * live[index of a block's first struct page, modulo the map's size (a
 * power of two at least the highest pfn, so no two pages share one)].
 */
struct pa_live {
	__u32 gid:28;		/* its group's slot + 1; 0: not sampled */
	__u32 order:4;		/* of the block as allocated */
	__s32 pages;		/* of the block still allocated */
};

/*
 * Totals since the start.  The BPF side counts per CPU only what no
 * group counts; pa_counts_read() adds the groups' sums.
 */
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
	PA_DROP_GROUP,		/* no group slot free: block not tracked */
	PA_DROP_STACK,		/* stack not stored (walk failed or map full) */
	PA_DROP_PROC,		/* process name not stored */
	PA_NR_COUNTS,
};

/* -F 0 -R N: the frees of blocks not sampled (their allocations: per CPU). */
struct pa_unsampled {
	__u64 free_pages;
	__u64 free_blocks;
};

/* Per CPU: the counts, and where sampling stands. */
struct pa_percpu {
	__u64 count[PA_NR_COUNTS];
	__u64 skip;		/* allocations until the next walk */
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
	__u32 sample;		/* sample one allocation in N (1: every one) */
	__u32 group_mask;	/* groups[] slots - 1 (a power of two) */
	__u64 live_mask;	/* live[] entries - 1 (a power of two) */
};

#ifndef __KERNEL__
/*
 * The user sides that load pagealloc's object (pagealloc, kleak,
 * report): its hooks, its maps' sizes, and reading its groups and counts.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "libmemstat.h"

enum pa_attach { PA_ATTACH_PATH, PA_ATTACH_TP, PA_ATTACH_KPROBE };

/* Per -A: frees first, so a block allocated meanwhile is never missed. */
#define PA_TP(prog, event)	{ prog, MS_HOOK_TRACEPOINT, "kmem:" event }
static const struct ms_hook pa_hooks[][2] __maybe_unused = {
	[PA_ATTACH_PATH] = { PA_TP("pa_page_free", "mm_page_free"),
			     PA_TP("pa_alloc_path", "mm_page_alloc_path") },
	[PA_ATTACH_TP] = { PA_TP("pa_page_free", "mm_page_free"),
			   PA_TP("pa_page_alloc", "mm_page_alloc") },
	[PA_ATTACH_KPROBE] = { {}, { "pa_alloc_entry", MS_HOOK_KPROBE,
				     "__alloc_pages_nodemask" } },
	/* OLK-5.10 (and 5.13 on) name the allocator entry __alloc_pages(). */
	[PA_ATTACH_KPROBE + 1] = { {}, { "pa_alloc_entry", MS_HOOK_KPROBE,
					 "__alloc_pages" } },
};

/*
 * Before loading: live[] covers every pfn (8 bytes a page frame, a
 * power of two of them), groups[] gets @groups slots rounded up to a
 * power of two; their masks go into @cfg.
 */
static inline int pa_size_maps(struct ms_bpf *b, struct pa_cfg *cfg,
			       unsigned long groups)
{
	long long pfns = ms_max_pfn();
	unsigned long live = 1, slots = 1;
	int err;

	if (pfns < 0)
		return pfns;
	while ((long long)live < pfns)
		live <<= 1;
	while (slots < groups)
		slots <<= 1;
	cfg->live_mask = live - 1;
	cfg->group_mask = slots - 1;
	err = ms_bpf_resize(b, "live", live);
	return err ? err : ms_bpf_resize(b, "groups", slots);
}

/*
 * The groups (slots with a key) into @g, room for cfg->group_mask + 1;
 * how many, or -errno.
 */
static inline ssize_t pa_groups_read(struct ms_bpf *b,
				     const struct pa_cfg *cfg,
				     struct pa_group *g)
{
	size_t slots = cfg->group_mask + 1, i, n = 0;
	int err = ms_array_read(ms_bpf_map(b, "groups"), g, sizeof(*g), slots);

	if (err)
		return err;
	for (i = 0; i < slots; i++)
		if (g[i].ready)
			g[n++] = g[i];
	return n;
}

/*
 * The totals into @c[PA_NR_COUNTS]: the per-CPU counts of what no group
 * counts, and the frees of blocks not sampled, plus the sums of groups
 * @g[0..@n - 1].
 */
static inline int pa_counts_read(struct ms_bpf *b, const struct pa_group *g,
				 size_t n, __u64 *c)
{
	__u64 sum[sizeof(struct pa_percpu) / sizeof(__u64)];
	int err = ms_percpu_read(ms_bpf_map(b, "percpu"), 0, sum,
				 ARRAY_SIZE(sum));
	struct pa_unsampled u;
	__u32 zero = 0;
	size_t i;

	if (!err && bpf_map_lookup_elem(ms_bpf_map(b, "unsampled"), &zero, &u))
		err = -errno;
	if (err)
		return err;
	memcpy(c, sum, PA_NR_COUNTS * sizeof(*c));
	c[PA_FREE_BLOCKS] += u.free_blocks;
	c[PA_FREE_TRACKED] += u.free_pages;
	for (i = 0; i < n; i++) {
		c[PA_ALLOC_BLOCKS] += g[i].alloc_blocks;
		c[PA_ALLOC_PAGES] += g[i].alloc_pages;
		c[PA_FAIL] += g[i].fail;
		c[PA_FREE_BLOCKS] += g[i].free_blocks;
		c[PA_FREE_TRACKED] += g[i].free_pages;
	}
	/* Pages of reused blocks were charged back but not freed. */
	c[PA_FREE_TRACKED] -= c[PA_STALE_PAGES];
	c[PA_FREE_PAGES] = c[PA_FREE_TRACKED] + c[PA_FREE_UNTRACKED];
	return 0;
}
#endif /* !__KERNEL__ */

#endif /* __PAGEALLOC_COMMON_H */
