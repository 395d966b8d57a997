// SPDX-License-Identifier: GPL-2.0
/*
 * pagealloc: every page allocation through the buddy allocator, by call
 * path, process, order, gfp flags, migratetype and allocator step, and
 * what of it is still allocated.
 *
 * An allocation is counted in a group (pa_group_key) and its block is
 * remembered in live[] under the address of its first struct page (the
 * pfn in the vmemmap), with the group and its page count.  A free looks
 * the block up and charges the pages back to that group.  Pages freed one
 * by one after split_page() or a THP split are found through the aligned
 * block that contains them.  Frees of blocks allocated before the start
 * (or not tracked: see the drops) are counted apart, never subtracted.
 *
 *   mm_page_alloc_path (patched kernels), fired at the allocator's exit:
 *	TP_PROTO(struct page *page, unsigned int order, gfp_t gfp_flags,
 *		 int migratetype, int path)
 *   mm_page_alloc: TP_PROTO(struct page *page, unsigned int order,
 *			     gfp_t gfp_flags, int migratetype)
 *   mm_page_free: TP_PROTO(struct page *page, unsigned int order)
 *
 * mm_page_free fires in free_pages_prepare(), which every freed block
 * passes, pages freed in batches (mm_page_free_batched) included: that
 * event is not needed and would count those pages twice.
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

MS_CONFIG_MAP(struct pa_cfg);

/* max_entries is set by the user side (-M). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PA_MAX_LIVE);
	__type(key, __u64);
	__type(value, struct pa_live);
} live SEC(".maps");

/* max_entries is set by the user side (-G). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PA_MAX_GROUPS);
	__type(key, struct pa_group_key);
	__type(value, struct pa_group);
} groups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PA_MAX_PROCS);
	__type(key, __u32);
	__type(value, char[TASK_COMM_LEN]);
} comms SEC(".maps");

MS_STACK_MAP(PA_MAX_STACKS);
MS_SCRATCH_MAP;

/* counts[enum pa_count]: per-CPU totals, drops included. */
MS_COUNTS_MAP(PA_NR_COUNTS);

/* The current call path's key in stacks[]; MS_NO_STACK is a drop. */
static __always_inline __u64 stack_key(void *ctx)
{
	__u64 key = ms_stack_key(ctx, &stacks, &scratch, 0,
				 MS_STACK_DEPTH);

	if (key == MS_NO_STACK)
		ms_percpu_add(&counts, PA_DROP_STACK, 1);
	return key;
}

/*
 * groups[key], created when missing (*@created set); NULL when the map
 * is full.
 */
static __always_inline struct pa_group *get_group(struct pa_group_key *key,
						  bool *created)
{
	struct pa_group zero = {}, *g;

	*created = false;
	g = bpf_map_lookup_elem(&groups, key);
	if (g)
		return g;
	*created = !bpf_map_update_elem(&groups, key, &zero, BPF_NOEXIST);
	g = bpf_map_lookup_elem(&groups, key);
	if (!g)
		ms_percpu_add(&counts, PA_DROP_GROUP, 1);
	return g;
}

/*
 * The name of @tgid, noted when it starts a new group: its first
 * allocation does (the group key holds the tgid), so no lookup is needed.
 */
static __always_inline void note_comm(__u32 tgid)
{
	char comm[TASK_COMM_LEN];

	bpf_get_current_comm(comm, sizeof(comm));
	if (bpf_map_update_elem(&comms, &tgid, comm, BPF_ANY) == -E2BIG)
		ms_percpu_add(&counts, PA_DROP_PROC, 1);
}

/* @pages of a block of @key are freed (or lost): charge them back. */
static __always_inline void charge_free(struct pa_group_key *key, __u64 pages)
{
	struct pa_group *g = bpf_map_lookup_elem(&groups, key);

	if (g)
		__sync_fetch_and_add(&g->free_pages, pages);
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
	struct pa_live rec = {}, *old;
	__u32 tgid = ms_tgid();
	struct pa_group *g;
	bool created;

	if (!c || !ms_traced(&c->filter, tgid))
		return 0;
	if (c->kernel_only && page && mt == MIGRATE_MOVABLE) {
		ms_percpu_add(&counts, PA_ALLOC_BLOCKS, 1);
		ms_percpu_add(&counts, PA_ALLOC_PAGES, pages);
		return 0;
	}
	if (!page && !entry)
		path = PA_PATH_FAIL;
	else if (path > PA_PATH_BULK && path != PA_PATH_ANY)
		path = PA_PATH_UNKNOWN;
	rec.group.tgid = tgid;
	rec.group.gfp = gfp;
	rec.group.order = order < MS_NR_ORDERS ? order : MS_NR_ORDERS - 1;
	rec.group.migratetype = mt;
	rec.group.path = path;
	rec.group.stack = c->stacks ? stack_key(ctx) : MS_NO_STACK;
	g = get_group(&rec.group, &created);
	if (!page && !entry) {
		ms_percpu_add(&counts, PA_FAIL, 1);
		if (g)
			__sync_fetch_and_add(&g->fail, 1);
		return 0;
	}
	ms_percpu_add(&counts, PA_ALLOC_BLOCKS, 1);
	ms_percpu_add(&counts, PA_ALLOC_PAGES, pages);
	if (!g) {
		if (!entry)
			ms_percpu_add(&counts, PA_UNTRACKED_PAGES, pages);
		return 0;
	}
	if (created)
		note_comm(tgid);
	__sync_fetch_and_add(&g->alloc_blocks, 1);
	__sync_fetch_and_add(&g->alloc_pages, pages);
	if (entry)
		return 0;
	rec.pages = pages;
	if (!bpf_map_update_elem(&live, &page, &rec, BPF_NOEXIST))
		return 0;
	/* A block still recorded here had pages we never saw freed. */
	old = bpf_map_lookup_elem(&live, &page);
	if (old && old->pages > 0) {
		ms_percpu_add(&counts, PA_STALE_PAGES, old->pages);
		charge_free(&old->group, old->pages);
	}
	if (bpf_map_update_elem(&live, &page, &rec, BPF_ANY)) {
		ms_percpu_add(&counts, PA_DROP_LIVE, 1);
		ms_percpu_add(&counts, PA_UNTRACKED_PAGES, pages);
		__sync_fetch_and_add(&g->untracked_pages, pages);
	}
	return 0;
}

/* Take @pages off tracked block @head; forget it when none remain. */
static __always_inline void put_pages(__u64 head, struct pa_live *blk,
				      __u64 pages)
{
	if (pages > (__u64)blk->pages)
		pages = blk->pages > 0 ? blk->pages : 0;
	__sync_fetch_and_add(&blk->pages, -(__s32)pages);
	charge_free(&blk->group, pages);
	ms_percpu_add(&counts, PA_FREE_TRACKED, pages);
	if (blk->pages <= 0)
		bpf_map_delete_elem(&live, &head);
}

SEC("raw_tracepoint/mm_page_free")
int pa_page_free(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 page = ctx->args[0], head;
	__u32 order = ctx->args[1];
	__u64 pages = 1ULL << (order & 31);
	struct pa_live *blk;
	int o;

	ms_percpu_add(&counts, PA_FREE_BLOCKS, 1);
	ms_percpu_add(&counts, PA_FREE_PAGES, pages);
	blk = bpf_map_lookup_elem(&live, &page);
	if (blk) {
		put_pages(page, blk, pages);
		return 0;
	}
	/* Part of a larger tracked block (split_page(), THP split)? */
#pragma clang loop unroll(full)
	for (o = 1; o < MAX_ORDER; o++) {
		if ((int)order >= o)
			continue;
		head = page & ~((sizeof(struct page) << o) - 1);
		if (head == page)
			continue;
		blk = bpf_map_lookup_elem(&live, &head);
		if (blk && blk->group.order >= o) {
			put_pages(head, blk, pages);
			return 0;
		}
	}
	ms_percpu_add(&counts, PA_FREE_UNTRACKED, pages);
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

/*
 * -A kprobe, to compare hooks: requests at the allocator entry (whose
 * name the user side chooses), before the allocator knows the page;
 * nothing is tracked.  The same work per event as the tracepoints,
 * minus live[].
 */
SEC("kprobe/__alloc_pages_nodemask")
int pa_alloc_entry(struct pt_regs *ctx)
{
	return on_alloc(ctx, 0, PT_REGS_PARM2(ctx), PT_REGS_PARM1(ctx), 0,
			PA_PATH_ANY, true);
}

char _license[] SEC("license") = "GPL";
