// SPDX-License-Identifier: GPL-2.0
/*
 * vmscan: reclaim activity per interval, from the vmscan tracepoints.
 *
 * Begin/end pairs time global direct reclaim (try_to_free_pages), memcg
 * limit reclaim (try_to_free_mem_cgroup_pages), soft limit reclaim
 * (mem_cgroup_shrink_node) and each do_shrink_slab() call.  They nest in
 * one thread (a shrinker inside direct reclaim, soft limit reclaim inside
 * kswapd or direct reclaim), so each thread keeps one start time per kind.
 * mm_vmscan_lru_shrink_inactive charges LRU pages reclaimed to the reclaim
 * the thread is in, or to kswapd; mm_vmscan_writepage counts pageout()
 * writes, mm_vmscan_wakeup_kswapd and mm_vmscan_kswapd_wake kswapd wakeup
 * requests and runs.
 *
 *   TP_PROTO(int order, gfp_t gfp_flags)			begin
 *   TP_PROTO(unsigned long nr_reclaimed)			end
 *   TP_PROTO(struct shrinker *shr, struct shrink_control *sc, long nr,
 *	      unsigned long cache_items, unsigned long long delta,
 *	      unsigned long total_scan, int priority)		slab start
 *   TP_PROTO(struct shrinker *shr, int nid, int shrinker_retval,
 *	      long unused_scan_cnt, long new_scan_cnt, long total_scan)
 *   TP_PROTO(int nid, unsigned long nr_scanned, unsigned long nr_reclaimed,
 *	      struct reclaim_stat *stat, int priority, int file)
 *   TP_PROTO(struct page *page)				writepage
 */
#include <linux/mm_types.h>
#include <linux/page-flags.h>
#include <linux/sched.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "vmscan_common.h"
#include "memstat_kern.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VS_MAX_INFLIGHT);
	__type(key, __u32);
	__type(value, struct vs_inflight);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VS_NR_KINDS);
	__type(key, __u32);
	__type(value, struct vs_reclaim);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VS_NR_COUNTS);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

/* hists[kind]: latency in microseconds. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VS_NR_KINDS);
	__type(key, __u32);
	__type(value, struct ms_hist);
} hists SEC(".maps");

MS_DROPS_MAP(VS_NR_DROPS);

/* -p and -c: reclaim done in the context of those tasks only. */
MS_CONFIG_MAP(struct vs_cfg);

static __always_inline int begin(__u32 kind)
{
	__u32 tid = bpf_get_current_pid_tgid();
	struct vs_inflight *rec, fresh = {};

	if (kind >= VS_NR_KINDS || !ms_cfg_traced())
		return 0;
	rec = bpf_map_lookup_elem(&inflight, &tid);
	if (rec) {
		rec->start_ns[kind] = bpf_ktime_get_ns();
		return 0;
	}
	fresh.start_ns[kind] = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&inflight, &tid, &fresh, BPF_NOEXIST))
		count_drop(VS_DROP_INFLIGHT);
	return 0;
}

static __always_inline int end(__u32 kind, __u64 reclaimed)
{
	__u32 tid = bpf_get_current_pid_tgid(), k;
	struct vs_inflight *rec;
	struct vs_reclaim *r;
	struct ms_hist *h;
	__u64 latency;
	bool idle = true;

	if (kind >= VS_NR_KINDS || !ms_cfg_traced())
		return 0;
	rec = bpf_map_lookup_elem(&inflight, &tid);
	if (!rec || !rec->start_ns[kind]) {
		count_drop(VS_UNPAIRED);
		return 0;
	}
	latency = bpf_ktime_get_ns() - rec->start_ns[kind];
	rec->start_ns[kind] = 0;
	for (k = 0; k < VS_NR_KINDS; k++)
		if (rec->start_ns[k])
			idle = false;
	if (idle)
		bpf_map_delete_elem(&inflight, &tid);
	r = bpf_map_lookup_elem(&stats, &kind);
	if (r) {
		r->count++;
		r->total_ns += latency;
		r->reclaimed += reclaimed;
	}
	h = bpf_map_lookup_elem(&hists, &kind);
	if (h)
		ms_hist_add(h, latency / 1000);
	return 0;
}

SEC("raw_tracepoint/mm_vmscan_direct_reclaim_begin")
int vs_direct_begin(struct bpf_raw_tracepoint_args *ctx)
{
	return begin(VS_DIRECT);
}

SEC("raw_tracepoint/mm_vmscan_direct_reclaim_end")
int vs_direct_end(struct bpf_raw_tracepoint_args *ctx)
{
	return end(VS_DIRECT, ctx->args[0]);
}

SEC("raw_tracepoint/mm_vmscan_memcg_reclaim_begin")
int vs_memcg_begin(struct bpf_raw_tracepoint_args *ctx)
{
	return begin(VS_MEMCG);
}

SEC("raw_tracepoint/mm_vmscan_memcg_reclaim_end")
int vs_memcg_end(struct bpf_raw_tracepoint_args *ctx)
{
	return end(VS_MEMCG, ctx->args[0]);
}

SEC("raw_tracepoint/mm_vmscan_memcg_softlimit_reclaim_begin")
int vs_softlimit_begin(struct bpf_raw_tracepoint_args *ctx)
{
	return begin(VS_SOFTLIMIT);
}

SEC("raw_tracepoint/mm_vmscan_memcg_softlimit_reclaim_end")
int vs_softlimit_end(struct bpf_raw_tracepoint_args *ctx)
{
	return end(VS_SOFTLIMIT, ctx->args[0]);
}

SEC("raw_tracepoint/mm_shrink_slab_start")
int vs_slab_start(struct bpf_raw_tracepoint_args *ctx)
{
	return begin(VS_SLAB);
}

SEC("raw_tracepoint/mm_shrink_slab_end")
int vs_slab_end(struct bpf_raw_tracepoint_args *ctx)
{
	/* shrinker_retval: objects freed by this shrinker call */
	return end(VS_SLAB, (int)ctx->args[2]);
}

SEC("raw_tracepoint/mm_vmscan_lru_shrink_inactive")
int vs_shrink_inactive(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	__u32 tid = bpf_get_current_pid_tgid();
	__u64 reclaimed = ctx->args[2];
	__u32 kind = VS_NR_KINDS;
	struct vs_inflight *rec;
	struct vs_reclaim *r;
	unsigned int flags = 0;

	if (!reclaimed || !ms_cfg_traced())
		return 0;
	/*
	 * Innermost first: soft limit reclaim nests in direct reclaim or
	 * kswapd.  Like pgsteal_{direct,kswapd}, the direct and kswapd counts
	 * leave out what cgroup (memcg, soft limit) reclaim took.
	 */
	rec = bpf_map_lookup_elem(&inflight, &tid);
	if (rec && rec->start_ns[VS_MEMCG])
		kind = VS_MEMCG;
	else if (rec && rec->start_ns[VS_SOFTLIMIT])
		kind = VS_SOFTLIMIT;
	else if (rec && rec->start_ns[VS_DIRECT])
		kind = VS_DIRECT;
	if (kind < VS_NR_KINDS) {
		r = bpf_map_lookup_elem(&stats, &kind);
		if (r)
			r->lru_pages += reclaimed;
		return 0;
	}
	bpf_probe_read_kernel(&flags, sizeof(flags), &task->flags);
	ms_percpu_add(&counts, flags & PF_KSWAPD ? VS_LRU_KSWAPD : VS_LRU_OTHER,
		      reclaimed);
	return 0;
}

SEC("raw_tracepoint/mm_vmscan_writepage")
int vs_writepage(struct bpf_raw_tracepoint_args *ctx)
{
	struct page *page = (void *)ctx->args[0];
	unsigned long flags = 0;

	if (!ms_cfg_traced())
		return 0;
	/*
	 * Anon as the event itself and the LRU lists say: swap-backed
	 * (anonymous and shmem pages, written to swap), not file-backed.
	 */
	bpf_probe_read_kernel(&flags, sizeof(flags), &page->flags);
	ms_percpu_add(&counts, flags & (1UL << PG_swapbacked) ?
		      VS_WRITE_ANON : VS_WRITE_FILE, 1);
	return 0;
}

SEC("raw_tracepoint/mm_vmscan_wakeup_kswapd")
int vs_wakeup_kswapd(struct bpf_raw_tracepoint_args *ctx)
{
	if (ms_cfg_traced())
		ms_percpu_add(&counts, VS_KSWAPD_WAKEUPS, 1);
	return 0;
}

SEC("raw_tracepoint/mm_vmscan_kswapd_wake")
int vs_kswapd_wake(struct bpf_raw_tracepoint_args *ctx)
{
	if (ms_cfg_traced())
		ms_percpu_add(&counts, VS_KSWAPD_RUNS, 1);
	return 0;
}

char _license[] SEC("license") = "GPL";
