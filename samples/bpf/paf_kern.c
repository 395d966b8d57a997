// SPDX-License-Identifier: GPL-2.0
/*
 * paf: page allocation failures, as they happen.
 *
 * paf_alloc_exit runs at the return of the allocator's entry point
 * (fexit, a BTF trampoline): __alloc_pages_nodemask() on 5.10 LTS,
 * __alloc_pages() on OLK-5.10, chosen by the user side at run time.
 *
 *   struct page *__alloc_pages_nodemask(gfp_t gfp_mask, unsigned int order,
 *					 int preferred_nid, nodemask_t *nodemask)
 *
 * It returns at once when a page was allocated.  The return sees every
 * NULL, also those decided before kmem:mm_page_alloc fires (fault
 * injection in prepare_alloc_pages(), order >= MAX_ORDER).  Where fexit
 * cannot attach, paf_page_alloc on kmem:mm_page_alloc (page == NULL) is
 * the fallback: no preferred node or nodemask there, and it misses those
 * early failures.
 *
 * At a failure (rare, so it may cost) the program reads the zones the
 * request could use, in zonelist order from the preferred node: free
 * pages, watermarks, boost, lowmem_reserve, free CMA pages, managed and
 * present pages, nr_free per order and which free lists are not empty;
 * plus current's cpuset nodes and mempolicy, and the kernel stack.  Struct
 * layouts come from the tree this file is built in; node_data or
 * contig_page_data from /proc/kallsyms.
 */
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/gfp.h>
#include <linux/sched.h>
#include <linux/mempolicy.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "paf_common.h"

#define PAF_NR_REFS	8	/* zonelist entries looked at */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct paf_cfg);
} cfg SEC(".maps");

/* Per-failure records for the user side. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Work area: the record being built and raw copies of kernel structs. */
struct paf_scratch {
	struct paf_event ev;
	__u64 zone_addr[PAF_NR_ZONES];
	struct zoneref refs[PAF_NR_REFS];
	struct zone zone;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct paf_scratch);
} scratch SEC(".maps");

/* -s: failures per (order, gfp, stack id), stacks in stack_traces. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PAF_MAX_KEYS);
	__type(key, struct paf_key);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, PAF_MAX_KEYS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PAF_STACK_DEPTH * sizeof(__u64));
} stack_traces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PAF_NR_DROPS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline void count_drop(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&drops, &reason);

	if (n)
		*n += 1;
}

static __always_inline long read_u64(__u64 *dst, __u64 addr)
{
	return bpf_probe_read_kernel(dst, sizeof(*dst), (void *)addr);
}

/* Node @nid's pglist_data, as NODE_DATA() does. */
static __always_inline __u64 node_pgdat(const struct paf_cfg *conf, int nid)
{
	__u64 pgdat = 0;

	if (!conf->node_data)
		return nid == 0 ? conf->contig_page_data : 0;
	if (nid < 0 || nid >= MAX_NUMNODES)
		return 0;
	read_u64(&pgdat, conf->node_data + nid * sizeof(void *));
	return pgdat;
}

/* Is node @nid set in the nodemask at kernel address @mask? */
static __always_inline bool node_in_mask(__u64 mask, int nid)
{
	__u32 bit = nid;
	__u64 word = ~0ULL;

	if (bit >= MAX_NUMNODES)
		return true;
	read_u64(&word, mask + (bit / 64) * sizeof(__u64));
	return (word >> (bit % 64)) & 1;
}

/*
 * The zones first_zones_zonelist() and the zonelist walk would try:
 * index <= highest_zoneidx, node in the nodemask (and in current's cpuset
 * unless the request is atomic).  The count lives in the map value, not a
 * register, so the verifier does not walk each combination of matches.
 */
static __always_inline void find_zones(struct paf_scratch *s, __u64 zonelist,
				       __u64 nodemask, __u64 mems)
{
	struct paf_event *ev = &s->ev;
	int i;

	ev->nr_zones = 0;
	if (bpf_probe_read_kernel(s->refs, sizeof(s->refs), (void *)zonelist)) {
		ev->flags |= PAF_F_READ_ERR;
		return;
	}
	for (i = 0; i < PAF_NR_REFS; i++) {
		__u64 zone = (__u64)s->refs[i].zone, pgdat = 0;
		__u32 n = ev->nr_zones;
		int nid = 0;

		if (!zone)
			break;
		if (s->refs[i].zone_idx > ev->highest_zoneidx)
			continue;
		read_u64(&pgdat, zone + offsetof(struct zone, zone_pgdat));
		bpf_probe_read_kernel(&nid, sizeof(nid),
				      (void *)pgdat +
				      offsetof(struct pglist_data, node_id));
		if (nodemask && !node_in_mask(nodemask, nid))
			continue;
		if (mems && !node_in_mask(mems, nid))
			continue;
		if (n >= PAF_NR_ZONES)
			break;
		s->zone_addr[n] = zone;
		ev->nr_zones = n + 1;
	}
}

/* Copy one zone (one read of struct zone) into the record. */
static __always_inline void read_zone(struct paf_scratch *s, __u32 i)
{
	struct paf_event *ev = &s->ev;
	struct zone *zc = &s->zone;
	struct paf_zone *z;
	__u64 addr, pgdat;
	int o, mt, zi;

	if (i >= PAF_NR_ZONES)
		return;
	z = &ev->zones[i];
	addr = s->zone_addr[i];
	if (bpf_probe_read_kernel(zc, sizeof(*zc), (void *)addr)) {
		ev->flags |= PAF_F_READ_ERR;
		return;
	}
	bpf_probe_read_kernel_str(z->name, sizeof(z->name), zc->name);
	pgdat = (__u64)zc->zone_pgdat;
	z->nid = -1;
	bpf_probe_read_kernel(&z->nid, sizeof(z->nid),
			      (void *)pgdat +
			      offsetof(struct pglist_data, node_id));
	z->zone_idx = (addr - pgdat - offsetof(struct pglist_data, node_zones)) /
		      sizeof(struct zone);
	z->free = zc->vm_stat[NR_FREE_PAGES].counter;
#ifdef CONFIG_CMA
	z->free_cma = zc->vm_stat[NR_FREE_CMA_PAGES].counter;
#else
	z->free_cma = 0;
#endif
	z->wmark[0] = zc->_watermark[WMARK_MIN];
	z->wmark[1] = zc->_watermark[WMARK_LOW];
	z->wmark[2] = zc->_watermark[WMARK_HIGH];
	z->boost = zc->watermark_boost;
	z->highatomic = zc->nr_reserved_highatomic;
	for (zi = 0; zi < PAF_NR_ZONE_IDX; zi++)
		z->lowmem_reserve[zi] = zi < MAX_NR_ZONES ?
					zc->lowmem_reserve[zi] : 0;
	z->managed = zc->managed_pages.counter;
	z->present = zc->present_pages;
	/*
	 * Each flag goes straight to memory: a register accumulating them
	 * would make the verifier walk every combination.
	 */
	for (o = 0; o < PAF_NR_ORDERS; o++) {
		z->nr_free[o] = o < MAX_ORDER ? zc->free_area[o].nr_free : 0;
		for (mt = 0; mt < PAF_NR_MT; mt++) {
			__u64 head = addr + offsetof(struct zone, free_area) +
				     o * sizeof(struct free_area) +
				     mt * sizeof(struct list_head);

			/* free_area_empty(): the head points to itself. */
			z->lists[o][mt] = o < MAX_ORDER && mt < MIGRATE_TYPES &&
				(__u64)zc->free_area[o].free_list[mt].next != head;
		}
	}
}

static __always_inline bool filtered(const struct paf_cfg *conf, __u32 order,
				     __u32 gfp, __u32 tgid)
{
	if (order < conf->min_order)
		return true;
	if (conf->tgid && tgid != conf->tgid)
		return true;
	return conf->warn_only && (gfp & __GFP_NOWARN);
}

static __always_inline void count_failure(void *ctx, __u32 order, __u32 gfp)
{
	struct paf_key key = { .order = order, .gfp = gfp };
	__u64 one = 1, *n;

	key.stack_id = bpf_get_stackid(ctx, &stack_traces, 0);
	if (key.stack_id < 0)
		count_drop(PAF_DROP_STACK);
	n = bpf_map_lookup_elem(&counts, &key);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return;
	}
	if (!bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST))
		return;
	/* Another CPU may have added the key meanwhile. */
	n = bpf_map_lookup_elem(&counts, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		count_drop(PAF_DROP_KEYS);
}

static __always_inline int report(void *ctx, __u32 gfp, __u32 order, int nid,
				  __u64 nodemask, __u32 flags)
{
	__u64 id = bpf_get_current_pid_tgid(), task, mems = 0, pol = 0, pgdat;
	struct paf_scratch *s;
	struct paf_cfg *conf;
	struct paf_event *ev;
	__u32 zero = 0;
	int prio = 0;
	__u32 i;

	conf = bpf_map_lookup_elem(&cfg, &zero);
	if (!conf || filtered(conf, order, gfp, id >> 32))
		return 0;
	if (conf->summary) {
		count_failure(ctx, order, gfp);
		return 0;
	}
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	ev = &s->ev;
	ev->ts_ns = bpf_ktime_get_ns();
	ev->pid = id >> 32;
	ev->tid = (__u32)id;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->order = order;
	ev->gfp = gfp;
	ev->preferred_nid = nid;
	ev->migratetype = (gfp & (__GFP_RECLAIMABLE | __GFP_MOVABLE)) >>
			  ilog2(___GFP_MOVABLE);
	ev->highest_zoneidx = gfp_zone(gfp);
	ev->max_order = MAX_ORDER;
	ev->migrate_cma = MIGRATE_TYPES;
#ifdef CONFIG_CMA
	ev->migrate_cma = MIGRATE_CMA;
	flags |= PAF_F_CMA;
	if (ev->migratetype == MIGRATE_MOVABLE)
		flags |= PAF_F_ALLOC_CMA;
#endif
	/* gfp_to_alloc_flags(), with this tree's gfp bits. */
	if (gfp & __GFP_HIGH)
		flags |= PAF_F_HIGH;
	ev->nodemask = ~0ULL;
	if (nodemask) {
		flags |= PAF_F_NODEMASK;
		read_u64(&ev->nodemask, nodemask);
	}

	task = bpf_get_current_task();
	bpf_probe_read_kernel(&prio, sizeof(prio),
			      (void *)task + offsetof(struct task_struct, prio));
	if (gfp & __GFP_ATOMIC) {
		if (!(gfp & __GFP_NOMEMALLOC))
			flags |= PAF_F_HARDER;
	} else if (prio < MAX_RT_PRIO) {
		flags |= PAF_F_HARDER;
	}
	ev->mems_allowed = ~0ULL;
#ifdef CONFIG_CPUSETS
	flags |= PAF_F_CPUSETS;
	mems = task + offsetof(struct task_struct, mems_allowed);
	read_u64(&ev->mems_allowed, mems);
	/* GFP_ATOMIC ignores the cpuset (gfp_to_alloc_flags()). */
	if (gfp & __GFP_ATOMIC)
		mems = 0;
#endif
	ev->mempolicy = -1;
#ifdef CONFIG_NUMA
	flags |= PAF_F_NUMA;
	read_u64(&pol, task + offsetof(struct task_struct, mempolicy));
	if (pol) {
		unsigned short mode = 0;

		bpf_probe_read_kernel(&mode, sizeof(mode),
				      (void *)pol +
				      offsetof(struct mempolicy, mode));
		ev->mempolicy = mode;
	}
#endif
	ev->flags = flags;

	ev->nr_zones = 0;
	pgdat = node_pgdat(conf, nid);
	if (pgdat)
		find_zones(s, pgdat + offsetof(struct pglist_data,
					       node_zonelists) +
			   gfp_zonelist(gfp) * sizeof(struct zonelist),
			   nodemask, mems);
	for (i = 0; i < PAF_NR_ZONES; i++) {
		if (i >= ev->nr_zones)
			break;
		read_zone(s, i);
	}

	ev->stack_bytes = bpf_get_stack(ctx, ev->stack, sizeof(ev->stack), 0);
	if (bpf_ringbuf_output(&events, ev, sizeof(*ev), 0))
		count_drop(PAF_DROP_RINGBUF);
	return 0;
}

/* The attach target is set by the user side before loading. */
SEC("fexit/__alloc_pages_nodemask")
int paf_alloc_exit(__u64 *ctx)
{
	__u64 nodemask = 0;

	/* ctx: gfp, order, preferred_nid, nodemask, returned page */
	if (ctx[4])
		return 0;
	/* Read as a number: the verifier types ctx[3] as a BTF pointer. */
	bpf_probe_read_kernel(&nodemask, sizeof(nodemask), &ctx[3]);
	return report(ctx, ctx[0], ctx[1], (int)ctx[2], nodemask, PAF_F_FEXIT);
}

/* Fallback: TP_PROTO(struct page *page, unsigned int order, gfp_t gfp, int mt) */
SEC("raw_tracepoint/mm_page_alloc")
int paf_page_alloc(struct bpf_raw_tracepoint_args *ctx)
{
	if (ctx->args[0])
		return 0;
	return report(ctx, ctx->args[2], ctx->args[1], bpf_get_numa_node_id(),
		      0, 0);
}

char _license[] SEC("license") = "GPL";
