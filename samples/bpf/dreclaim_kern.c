// SPDX-License-Identifier: GPL-2.0
/*
 * dreclaim: direct reclaim per process, from the vmscan tracepoints.
 *
 * mm_vmscan_direct_reclaim_begin/_end bracket try_to_free_pages() (global
 * direct reclaim: one allocstall each), mm_vmscan_memcg_reclaim_begin/_end
 * bracket try_to_free_mem_cgroup_pages() (a cgroup over its limit).  The
 * two never nest in one thread (reclaim runs with PF_MEMALLOC), so a begin
 * is kept per thread id until its end.  mm_vmscan_lru_shrink_inactive
 * charges the LRU pages a thread reclaims to the reclaim it is in, and
 * counts them system wide as pgsteal_direct and pgsteal_kswapd do (global
 * reclaim only), mm_vmscan_wakeup_kswapd counts who asks kswapd to run,
 * mm_vmscan_kswapd_wake each balance_pgdat() run (pageoutrun).
 *
 *   TP_PROTO(int order, gfp_t gfp_flags)		begin events
 *   TP_PROTO(unsigned long nr_reclaimed)		end events
 *   TP_PROTO(int nid, unsigned long nr_scanned, unsigned long nr_reclaimed,
 *	      struct reclaim_stat *stat, int priority, int file)
 *   TP_PROTO(int nid, int zid, int order, gfp_t gfp_flags) wakeup_kswapd
 *   TP_PROTO(int nid, int zid, int order)		kswapd_wake
 */
#include <linux/sched.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "dreclaim_common.h"
#include "memstat_kern.h"

MS_CONFIG_MAP(struct dr_cfg);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DR_MAX_INFLIGHT);
	__type(key, __u32);
	__type(value, struct dr_inflight);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DR_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct dr_proc);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dr_totals);
} totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MS_MAX_NODES);
	__type(key, __u32);
	__type(value, struct dr_node);
} kswapd SEC(".maps");

MS_RINGBUF_MAP(256 * 1024);

MS_DROPS_MAP(DR_NR_DROPS);

/* A zeroed record to insert: too large for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dr_proc);
} proc_zero SEC(".maps");

/* procs[tgid], created on first use; NULL (and a drop) when full. */
static __always_inline struct dr_proc *get_proc(__u32 tgid)
{
	return ms_proc_get(&procs, tgid, ms_map_elem(&proc_zero, 0), DR_DROP_PROC);
}

static __always_inline int reclaim_begin(struct bpf_raw_tracepoint_args *ctx,
					 __u32 kind)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct dr_inflight rec = {};
	__u32 tid = id;

	/*
	 * Every reclaim is tracked, -p or not: the system-wide LRU page
	 * counts need to know which pages memcg reclaim took.
	 */
	rec.start_ns = bpf_ktime_get_ns();
	rec.order = ctx->args[0];
	rec.gfp = ctx->args[1];
	rec.kind = kind;
	if (bpf_map_update_elem(&inflight, &tid, &rec, BPF_ANY))
		count_drop(DR_DROP_INFLIGHT);
	return 0;
}

static __always_inline void send_event(struct dr_inflight *rec, __u64 id,
				       __u64 now, __u64 latency,
				       __u64 reclaimed)
{
	struct dr_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(DR_DROP_EVENT);
		return;
	}
	e->end_ns = now;
	e->latency_ns = latency;
	e->reclaimed = reclaimed;
	e->lru_pages = rec->lru_pages;
	e->pid = id >> 32;
	e->tid = id;
	e->order = rec->order;
	e->gfp = rec->gfp;
	e->kind = rec->kind;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

static __always_inline int reclaim_end(struct bpf_raw_tracepoint_args *ctx,
				       __u32 kind)
{
	__u64 id = bpf_get_current_pid_tgid(), now, latency;
	__u64 reclaimed = ctx->args[0];
	struct dr_cfg *cfg = ms_cfg();
	struct dr_inflight *rec;
	struct dr_reclaim *r;
	struct dr_totals *t;
	struct dr_proc *p;
	__u32 tid = id, zero = 0;

	rec = bpf_map_lookup_elem(&inflight, &tid);
	if (!rec || rec->kind != kind) {
		if (ms_traced(&cfg->filter, id >> 32))
			count_drop(DR_UNPAIRED);
		return 0;
	}
	if (!ms_traced(&cfg->filter, id >> 32)) {
		bpf_map_delete_elem(&inflight, &tid);
		return 0;
	}
	now = bpf_ktime_get_ns();
	latency = now - rec->start_ns;
	t = bpf_map_lookup_elem(&totals, &zero);
	if (t && kind < DR_NR_KINDS) {
		t->count[kind]++;
		t->total_ns[kind] += latency;
		t->reclaimed[kind] += reclaimed;
		t->lru_pages[kind] += rec->lru_pages;
	}
	p = get_proc(id >> 32);
	if (p && kind < DR_NR_KINDS) {
		r = &p->kind[kind];
		__sync_fetch_and_add(&r->count, 1);
		__sync_fetch_and_add(&r->total_ns, latency);
		__sync_fetch_and_add(&r->reclaimed, reclaimed);
		__sync_fetch_and_add(&r->lru_pages, rec->lru_pages);
		/* Racy between threads of one process, as any max. */
		if (latency > r->max_ns)
			r->max_ns = latency;
		ms_hist_add_atomic(&r->hist, latency / 1000);
	}
	if (cfg && cfg->events)
		send_event(rec, id, now, latency, reclaimed);
	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}

SEC("raw_tracepoint/mm_vmscan_direct_reclaim_begin")
int dr_direct_begin(struct bpf_raw_tracepoint_args *ctx)
{
	return reclaim_begin(ctx, DR_DIRECT);
}

SEC("raw_tracepoint/mm_vmscan_direct_reclaim_end")
int dr_direct_end(struct bpf_raw_tracepoint_args *ctx)
{
	return reclaim_end(ctx, DR_DIRECT);
}

SEC("raw_tracepoint/mm_vmscan_memcg_reclaim_begin")
int dr_memcg_begin(struct bpf_raw_tracepoint_args *ctx)
{
	return reclaim_begin(ctx, DR_MEMCG);
}

SEC("raw_tracepoint/mm_vmscan_memcg_reclaim_end")
int dr_memcg_end(struct bpf_raw_tracepoint_args *ctx)
{
	return reclaim_end(ctx, DR_MEMCG);
}

SEC("raw_tracepoint/mm_vmscan_lru_shrink_inactive")
int dr_shrink_inactive(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	__u32 tid = bpf_get_current_pid_tgid(), zero = 0;
	__u64 reclaimed = ctx->args[2];
	struct dr_inflight *rec;
	struct dr_totals *t;
	unsigned int flags = 0;

	if (!reclaimed)
		return 0;
	rec = bpf_map_lookup_elem(&inflight, &tid);
	if (rec)
		rec->lru_pages += reclaimed;
	/* As pgsteal_{direct,kswapd}: memcg reclaim counts only in memcg. */
	t = bpf_map_lookup_elem(&totals, &zero);
	if (!t || (rec && rec->kind == DR_MEMCG))
		return 0;
	bpf_probe_read_kernel(&flags, sizeof(flags), &task->flags);
	if (flags & PF_KSWAPD)
		t->lru_pages_kswapd += reclaimed;
	else
		t->lru_pages_direct += reclaimed;
	return 0;
}

SEC("raw_tracepoint/mm_vmscan_wakeup_kswapd")
int dr_wakeup_kswapd(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 nid = ctx->args[0], tgid = ms_tgid();
	struct dr_cfg *cfg = ms_cfg();
	struct dr_node *n;
	struct dr_proc *p;

	if (!ms_traced(&cfg->filter, tgid))
		return 0;
	n = bpf_map_lookup_elem(&kswapd, &nid);
	if (n)
		n->wakeups++;
	else
		count_drop(DR_DROP_NODE);
	p = get_proc(tgid);
	if (p)
		__sync_fetch_and_add(&p->kswapd_wakeups, 1);
	return 0;
}

SEC("raw_tracepoint/mm_vmscan_kswapd_wake")
int dr_kswapd_wake(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 nid = ctx->args[0];
	struct dr_node *n = bpf_map_lookup_elem(&kswapd, &nid);

	if (n)
		n->runs++;
	else
		count_drop(DR_DROP_NODE);
	return 0;
}

char _license[] SEC("license") = "GPL";
