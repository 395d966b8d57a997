// SPDX-License-Identifier: GPL-2.0
/*
 * pagealloc: every page allocation through the buddy allocator, by call
 * path, process, order, gfp flags, migratetype and allocator step, and
 * what of it is still allocated.
 *
 * An allocation counts in a group (a slot of groups[] found from a hash
 * of pa_group_key); live[], indexed by pfn, keeps its block's group, order
 * and pages, so a free charges them back in two array lookups (a page
 * freed after split_page() or a THP split: through the aligned block
 * holding it).  With cfg.sample N > 1 one allocation in N on average is
 * sampled: its call path walked, or without paths (-F 0) it counts in a
 * group at all, the others in the totals only (per CPU; frees in
 * unsampled[]).  Hooks: mm_page_alloc_path (patched kernels, at the
 * allocator's exit) or mm_page_alloc: (page, order, gfp, migratetype[,
 * path]); mm_page_free: (page, order), in free_pages_prepare(), which
 * every freed block passes (mm_page_free_batched would count twice).
 */
#include <linux/mm_types.h>
#include <linux/sched.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "pagealloc_common.h"
#include "memstat_kern.h"

/* Blocks are aligned to their size in pfns, so in struct page addresses. */
static_assert((sizeof(struct page) & (sizeof(struct page) - 1)) == 0,
	      "struct page size is a power of two");
static_assert(sizeof(struct pa_live) == 8, "live[]: 8 bytes a page frame");

MS_CONFIG_MAP(struct pa_cfg);

/* Both sized by the user side (pa_size_maps()). */
MS_MAP(live, ARRAY, __u32, struct pa_live, PA_MAX_LIVE);
MS_MAP(groups, ARRAY, __u32, struct pa_group, PA_MAX_GROUPS);
MS_MAP(comms, HASH, __u32, char[TASK_COMM_LEN], PA_MAX_PROCS);
MS_MAP(percpu, PERCPU_ARRAY, __u32, struct pa_percpu, 1);
MS_MAP(unsampled, ARRAY, __u32, struct pa_unsampled, 1);

MS_STACK_MAP(PA_MAX_STACKS);
MS_SCRATCH_MAP;

/* Per CPU, what no group counts: the common paths look nothing up. */
static __always_inline void count(__u32 idx, __u64 n)
{
	struct pa_percpu *pc = ms_map_elem(&percpu, 0);

	if (pc && idx < PA_NR_COUNTS)
		pc->count[idx] += n;
}

/* Sample it (see the top)?  One in cfg.sample on average. */
static __always_inline bool sample_now(struct pa_cfg *c, __u64 pages)
{
	struct pa_percpu *pc;

	/* Exact: no per-CPU lookup (a helper call on 5.10). */
	pc = c->sample > 1 ? ms_map_elem(&percpu, 0) : NULL;
	if (!pc)
		return true;
	if (pc->skip > 1) {
		pc->skip--;
		if (!c->stacks) {
			pc->count[PA_ALLOC_BLOCKS]++;
			pc->count[PA_ALLOC_PAGES] += pages;
		}
		return false;
	}
	/* The next gap: 1 to 2N - 1 allocations, N on average. */
	pc->skip = 1 + bpf_get_prandom_u32() % (2 * c->sample - 1);
	return true;
}

static_assert(sizeof(struct pa_group_key) == 3 * sizeof(__u64),
	      "group_of() hashes and compares the key as three words");

/*
 * @key's group, its slot + 1 into @gid (NULL, 0: none free).  A free
 * slot is taken by the CPU whose claim was its first (the others try the
 * next slot) and is ready once its key is written.  Two slots may end up
 * holding one key (a CPU passed a slot still being written): the user
 * side adds them up.  A new group notes its process's name (its tgid).
 */
static __always_inline struct pa_group *
group_of(struct pa_cfg *c, const struct pa_group_key *key, __u32 *gid)
{
	const __u64 *k = (const __u64 *)key, *gk;
	char comm[TASK_COMM_LEN];
	struct pa_group *g;
	__u32 slot, i;

	slot = (k[0] ^ (k[1] * 0x9e3779b97f4a7c15ULL) ^
		(k[2] * 0xc2b2ae3d27d4eb4fULL)) >> 20;
#pragma clang loop unroll(full)
	for (i = 0; i < PA_PROBES; i++) {
		__u32 idx = (slot + i) & c->group_mask;

		g = bpf_map_lookup_elem(&groups, &idx);
		if (!g)
			break;
		gk = (const __u64 *)&g->key;
		*gid = idx + 1;
		if (g->ready && gk[0] == k[0] && gk[1] == k[1] && gk[2] == k[2])
			return g;
		if (g->ready || g->claims)
			continue;
		__sync_fetch_and_add(&g->claims, 1);
		if (g->claims != 1)
			continue;
		g->key = *key;
		g->ready = 1;
		bpf_get_current_comm(comm, sizeof(comm));
		if (bpf_map_update_elem(&comms, &key->tgid, comm,
					BPF_ANY) == -E2BIG)
			count(PA_DROP_PROC, 1);
		return g;
	}
	*gid = 0;
	count(PA_DROP_GROUP, 1);
	return NULL;
}

/* The live[] entry of the block whose first struct page is at @page. */
static __always_inline struct pa_live *live_at(struct pa_cfg *c, __u64 page)
{
	__u32 idx = (page / sizeof(struct page)) & c->live_mask;

	return bpf_map_lookup_elem(&live, &idx);
}

/*
 * @pages of a block of group @gid (0: not sampled) are freed by @frees
 * mm_page_free events (0: lost, the block was reused): charge them back.
 */
static __always_inline void charge_free(__u32 gid, __u64 pages, __u64 frees)
{
	struct pa_unsampled *u = gid ? NULL : ms_map_elem(&unsampled, 0);
	__u32 idx = gid - 1;
	struct pa_group *g = gid ? bpf_map_lookup_elem(&groups, &idx) : NULL;

	/* Never an add of 0: clang makes it an atomic or, 5.10 has none. */
	if (g) {
		__sync_fetch_and_add(&g->free_pages, pages);
		if (frees)
			__sync_fetch_and_add(&g->free_blocks, frees);
	} else if (u) {
		__sync_fetch_and_add(&u->free_pages, pages);
		if (frees)
			__sync_fetch_and_add(&u->free_blocks, frees);
	}
}

/* Block @page of 2^@order pages is group @gid's now (0: not sampled). */
static __always_inline void live_set(struct pa_cfg *c, __u64 page, __u32 gid,
				     __u32 order)
{
	struct pa_live *l = live_at(c, page);

	if (!l)
		return;
	/* A block still recorded here had pages we never saw freed. */
	if (l->pages > 0) {
		count(PA_STALE_PAGES, l->pages);
		charge_free(l->gid, l->pages, 0);
	}
	*l = (struct pa_live){ .gid = gid, .order = order, .pages = 1 << order };
}

/*
 * An allocation of 2^@order pages at @page (0: it failed).  @entry: a
 * request seen at the allocator's entry, before any page or path is
 * known: counted, never failed nor tracked.
 */
static __always_inline int on_alloc(void *ctx, __u64 page, __u32 order,
				    __u32 gfp, __u32 mt, __u32 path,
				    bool entry)
{
	__u64 pages = 1ULL << (order & 31);
	struct pa_cfg *c = ms_cfg();
	struct pa_group_key key = {};
	struct pa_group *g;
	bool sampled;
	__u32 gid;

	/* No helper call before sampling unless there is a filter. */
	if (!c || ((c->filter.tgid || c->filter.cg_id) &&
		   !ms_traced(&c->filter, ms_tgid())))
		return 0;
	if (c->kernel_only && page && mt == MIGRATE_MOVABLE) {
		count(PA_ALLOC_BLOCKS, 1);
		count(PA_ALLOC_PAGES, pages);
		return 0;
	}
	/* Without paths failures are few: every one counts. */
	sampled = (!c->stacks && !page && !entry) || sample_now(c, pages);
	if (!sampled && !c->stacks) {
		if (!entry)
			live_set(c, page, 0, order);
		return 0;
	}
	if (!page && !entry)
		path = PA_PATH_FAIL;
	else if (path > PA_PATH_BULK && path != PA_PATH_ANY)
		path = PA_PATH_UNKNOWN;
	key.tgid = ms_tgid();
	key.gfp = gfp;
	key.order = order < MS_NR_ORDERS ? order : MS_NR_ORDERS - 1;
	key.migratetype = mt;
	key.path = path;
	if (c->stacks && sampled) {
		key.stack = ms_stack_key(ctx, &stacks, &scratch,
					 entry ? MS_STACK_ENTRY : 0, MS_STACK_DEPTH);
		if (key.stack == MS_NO_STACK)
			count(PA_DROP_STACK, 1);
	} else {
		key.unsampled = c->stacks;
	}
	g = group_of(c, &key, &gid);
	if (!page && !entry) {
		if (g)
			__sync_fetch_and_add(&g->fail, 1);
		else
			count(PA_FAIL, 1);
		return 0;
	}
	if (!g) {
		count(PA_ALLOC_BLOCKS, 1);
		count(PA_ALLOC_PAGES, pages);
		count(PA_UNTRACKED_PAGES, entry ? 0 : pages);
		return 0;
	}
	__sync_fetch_and_add(&g->alloc_blocks, 1);
	__sync_fetch_and_add(&g->alloc_pages, pages);
	if (!entry)
		live_set(c, page, gid, order);
	return 0;
}

SEC("raw_tracepoint/mm_page_free")
int pa_page_free(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 page = ctx->args[0], head, left;
	__u32 order = ctx->args[1];
	__u64 pages = 1ULL << (order & 31);
	struct pa_cfg *c = ms_cfg();
	struct pa_live *blk;
	int o;

	if (!c)
		return 0;
	/* A tracked block, or part of one (split_page(), THP split)? */
#pragma clang loop unroll(full)
	for (o = 0; o < MAX_ORDER; o++) {
		head = page & ~((sizeof(struct page) << o) - 1);
		if (o && ((int)order >= o || head == page))
			continue;
		blk = live_at(c, head);
		if (!blk || blk->pages <= 0 || blk->order < o)
			continue;
		left = blk->pages;
		/* More than it has left: the rest was never ours. */
		if (pages > left) {
			count(PA_FREE_UNTRACKED, pages - left);
			pages = left;
		}
		__sync_fetch_and_add(&blk->pages, -(__s32)pages);
		charge_free(blk->gid, pages, 1);
		return 0;
	}
	count(PA_FREE_BLOCKS, 1);
	count(PA_FREE_UNTRACKED, pages);
	return 0;
}

SEC("raw_tracepoint/mm_page_alloc_path")
int pa_alloc_path(struct bpf_raw_tracepoint_args *ctx)
{
	return on_alloc(ctx, ctx->args[0], ctx->args[1], ctx->args[2],
			ctx->args[3], ctx->args[4], false);
}

SEC("raw_tracepoint/mm_page_alloc")
int pa_page_alloc(struct bpf_raw_tracepoint_args *ctx)
{
	return on_alloc(ctx, ctx->args[0], ctx->args[1], ctx->args[2],
			ctx->args[3], PA_PATH_ANY, false);
}

/* -A kprobe, to compare hooks: requests at the allocator entry, untracked. */
SEC("kprobe/__alloc_pages_nodemask")
int pa_alloc_entry(struct pt_regs *ctx)
{
	return on_alloc(ctx, 0, PT_REGS_PARM2(ctx), PT_REGS_PARM1(ctx), 0,
			PA_PATH_ANY, true);
}

char _license[] SEC("license") = "GPL";
