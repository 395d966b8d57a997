// SPDX-License-Identifier: GPL-2.0
/*
 * paf: page allocation failures, as they happen.
 *
 * paf_alloc_exit: fexit of __alloc_pages_nodemask(gfp, order, preferred_nid,
 * nodemask) (5.10 LTS) or __alloc_pages() (OLK-5.10); it sees every NULL,
 * also those decided before kmem:mm_page_alloc (fault injection, order >=
 * MAX_ORDER).  The fallback: paf_page_alloc on that tracepoint, with
 * kprobes for those.  At a failure (rare, so it may cost) it reads the
 * zones the request could use in zonelist order, current's cpuset and
 * mempolicy, and the stack.  -S counts failures by (order, gfp, stack).
 */
#include <linux/mm.h>
#include <linux/mempolicy.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "paf_common.h"
#include "memstat_kern.h"

MS_CONFIG_MAP(struct paf_cfg);
MS_DROPS_MAP(PAF_NR_DROPS);
MS_RINGBUF_MAP(256 * 1024);

/* Work area: the record being built and raw copies of kernel structs. */
struct paf_scratch {
	struct paf_event ev;
	__u64 zone_addr[PAF_NR_ZONES];
	struct zoneref refs[PAF_NR_REFS];
	struct zone zone;
};

MS_MAP(work, PERCPU_ARRAY, __u32, struct paf_scratch, 1);
/* -S: failures per (order, gfp, stack hash); the frames in stacks. */
MS_MAP(counts, HASH, struct paf_key, __u64, PAF_MAX_KEYS);
MS_STACK_MAP(PAF_MAX_KEYS);
MS_SCRATCH_MAP;

#define read_u64(dst, addr) bpf_probe_read_kernel(dst, 8, (void *)(addr))

/* Is node @nid set in the nodemask at kernel address @mask? */
static __always_inline bool node_in_mask(__u64 mask, __u32 nid)
{
	__u64 word = ~0ULL;

	if (nid >= MAX_NUMNODES)
		return true;
	read_u64(&word, mask + (nid / 64) * sizeof(__u64));
	return (word >> (nid % 64)) & 1;
}

/*
 * The zones the zonelist walk would try: index <= highest_zoneidx, node in
 * the nodemask (and in current's cpuset unless atomic).  The count lives in
 * the map value so the verifier does not walk each combination.
 */
static __always_inline void find_zones(struct paf_scratch *s, __u64 zonelist,
				       __u64 nodemask, __u64 mems)
{
	struct paf_event *ev = &s->ev;
	int i;

	/* On failure the copy is zeroed: no zone. */
	if (bpf_probe_read_kernel(s->refs, sizeof(s->refs), (void *)zonelist))
		ev->flags |= PAF_F_READ_ERR;
	for (i = 0; i < PAF_NR_REFS; i++) {
		__u64 zone = (__u64)s->refs[i].zone, pgdat = 0;
		__u32 n = ev->nr_zones, nid = 0;

		if (!zone)
			break;
		if (s->refs[i].zone_idx > ev->highest_zoneidx)
			continue;
		read_u64(&pgdat, zone + offsetof(struct zone, zone_pgdat));
		bpf_probe_read_kernel(&nid, sizeof(nid), (void *)pgdat +
				      offsetof(struct pglist_data, node_id));
		if ((nodemask && !node_in_mask(nodemask, nid)) ||
		    (mems && !node_in_mask(mems, nid)))
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
	/* On failure the copy is zeroed, and so is what paf shows. */
	if (bpf_probe_read_kernel(zc, sizeof(*zc), (void *)addr))
		ev->flags |= PAF_F_READ_ERR;
	bpf_probe_read_kernel_str(z->name, sizeof(z->name), zc->name);
	pgdat = (__u64)zc->zone_pgdat;
	bpf_probe_read_kernel(&z->nid, sizeof(z->nid), (void *)pgdat +
			      offsetof(struct pglist_data, node_id));
	z->zone_idx = (addr - pgdat - offsetof(struct pglist_data, node_zones)) /
		      sizeof(struct zone);
	z->free = zc->vm_stat[NR_FREE_PAGES].counter;
#ifdef CONFIG_CMA
	z->free_cma = zc->vm_stat[NR_FREE_CMA_PAGES].counter;
#endif
	for (zi = WMARK_MIN; zi <= WMARK_HIGH; zi++)
		z->wmark[zi] = zc->_watermark[zi];
	z->boost = zc->watermark_boost;
	z->highatomic = zc->nr_reserved_highatomic;
	for (zi = 0; zi < MAX_NR_ZONES && zi < PAF_NR_ZONE_IDX; zi++)
		z->lowmem_reserve[zi] = zc->lowmem_reserve[zi];
	z->managed = zc->managed_pages.counter;
	z->present = zc->present_pages;
	/*
	 * Each flag straight to memory (no register of combinations for the
	 * verifier); what lies beyond MAX_ORDER or MIGRATE_TYPES stays 0.
	 */
	for (o = 0; o < MAX_ORDER && o < MS_NR_ORDERS; o++) {
		z->nr_free[o] = zc->free_area[o].nr_free;
		for (mt = 0; mt < MIGRATE_TYPES && mt < PAF_NR_MT; mt++) {
			__u64 head = addr + offsetof(struct zone, free_area) +
				     o * sizeof(struct free_area) +
				     mt * sizeof(struct list_head);

			/* free_area_empty(): the head points to itself. */
			z->lists[o][mt] =
				(__u64)zc->free_area[o].free_list[mt].next != head;
		}
	}
}

/* -S: one more failure of (order, gfp, stack). */
static __always_inline void count_failure(void *ctx, __u32 order, __u32 gfp, __u64 sf)
{
	struct paf_key key = { order, gfp, PAF_NO_STACK };
	__u64 one = 1, *n;

	key.stack = ms_stack_key(ctx, &stacks, &scratch, sf, MS_STACK_DEPTH);
	if (key.stack == MS_NO_STACK)
		count_drop(PAF_DROP_STACK);
	n = bpf_map_lookup_elem(&counts, &key);
	if (!n && !bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST))
		return;
	/* Another CPU may have added the key meanwhile. */
	if (!n)
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
	__u64 sf = flags & PAF_F_ENTRY ? MS_STACK_ENTRY :
		   flags & PAF_F_RETURN ? MS_STACK_RETURN : 0;
	struct paf_cfg *conf = ms_cfg();
	__u32 zero = 0, i, prio = 0;
	struct paf_scratch *s = bpf_map_lookup_elem(&work, &zero);
	struct paf_event *ev;

	if (!s || !conf || !ms_traced(&conf->filter, id >> 32) ||
	    order < conf->min_order || (conf->warn_only && (gfp & __GFP_NOWARN)))
		return 0;
	ev = &s->ev;
	if (conf->summary) {
		count_failure(ctx, order, gfp, sf);
		return 0;
	}
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
	if (nodemask && !read_u64(&ev->nodemask, nodemask))
		flags |= PAF_F_NODEMASK;
	task = bpf_get_current_task();
	bpf_probe_read_kernel(&prio, sizeof(prio),
			      (void *)task + offsetof(struct task_struct, prio));
	if ((gfp & __GFP_ATOMIC) ? !(gfp & __GFP_NOMEMALLOC) : prio < MAX_RT_PRIO)
		flags |= PAF_F_HARDER;
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

		bpf_probe_read_kernel(&mode, sizeof(mode), (void *)pol +
				      offsetof(struct mempolicy, mode));
		ev->mempolicy = mode;
	}
#endif
	ev->flags = flags;

	ev->nr_zones = 0;
	/* NODE_DATA(nid), from node_data or contig_page_data */
	pgdat = !conf->node_data && nid == 0 ? conf->contig_page_data : 0;
	if (conf->node_data && nid >= 0 && nid < MAX_NUMNODES)
		read_u64(&pgdat, conf->node_data + nid * sizeof(void *));
	if (pgdat)
		find_zones(s, pgdat + offsetof(struct pglist_data, node_zonelists) +
			   gfp_zonelist(gfp) * sizeof(struct zonelist),
			   nodemask, mems);
	for (i = 0; i < PAF_NR_ZONES && i < ev->nr_zones; i++)
		read_zone(s, i);

	ev->stack_bytes = bpf_get_stack(ctx, ev->stack, sizeof(ev->stack), 0);
	ev->stack_bytes = ms_stack_fix(ctx, ev->stack, ev->stack_bytes, sf);
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

/* With the tracepoint: what fails before it (order, fault injection). */
MS_RET_MAP(injecting);

SEC("kprobe/__alloc_pages_nodemask")
int paf_alloc_enter_kp(struct pt_regs *ctx)
{
	return PT_REGS_PARM2(ctx) < MAX_ORDER ? 0 :
	       report(ctx, PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx),
		      (int)PT_REGS_PARM3(ctx), PT_REGS_PARM4(ctx), PAF_F_ENTRY);
}

SEC("kprobe/should_fail_alloc_page")
int paf_inject_enter_kp(struct pt_regs *ctx)
{
	ms_ret_keep(&injecting, ctx, PT_REGS_PARM1(ctx) << 32 | (__u32)PT_REGS_PARM2(ctx));
	return 0;
}

SEC("kretprobe/should_fail_alloc_page")
int paf_inject_exit_kp(struct pt_regs *ctx)
{
	__u64 req;

	if (!ms_ret_take(&injecting, ctx, &req) || !(__u8)PT_REGS_RC(ctx))
		return 0;
	return report(ctx, req >> 32, (__u32)req, bpf_get_numa_node_id(), 0, PAF_F_RETURN);
}

/* Fallback: TP_PROTO(struct page *page, unsigned int order, gfp_t gfp, int mt) */
SEC("raw_tracepoint/mm_page_alloc")
int paf_page_alloc(struct bpf_raw_tracepoint_args *ctx)
{
	return ctx->args[0] ? 0 : report(ctx, ctx->args[2], ctx->args[1],
					 bpf_get_numa_node_id(), 0, 0);
}

char _license[] SEC("license") = "GPL";
