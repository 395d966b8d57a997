// SPDX-License-Identifier: GPL-2.0
/*
 * compact: page compaction, direct per process and every zone's run.
 *
 * fentry/fexit try_to_compact_pages() time a direct compaction and take
 * its result: a stall, as /proc/vmstat counts it, unless the result is
 * COMPACT_SKIPPED.  Its caller, __alloc_pages_direct_compact() (inlined
 * in some builds), calls compaction_defer_reset(.., true) when the
 * allocation then got its page (compact_success); a stall without one
 * failed (compact_fail).
 * fentry/fexit compact_zone() time each zone's run, whoever runs it
 * (direct, kcompactd, proactive, manual: enum cp_source) with its
 * result and the pages both scanners looked at (compact_migrate_scanned,
 * compact_free_scanned).  Isolated pages (compact_isolated): the
 * migration scanner's from mm_compaction_isolate_migratepages, free
 * pages from __isolate_free_page() inside compact_zone() (its fast path
 * has no event).  mm_migrate_pages with reason MR_COMPACTION: pages
 * moved and not.
 *
 *
 *   TP_PROTO(start_pfn, end_pfn, nr_scanned, nr_taken)	isolate
 *   TP_PROTO(succeeded, failed, thp_succeeded, thp_failed, thp_split,
 *	      mode, reason)					mm_migrate_pages
 */
#include <linux/mm.h>
#include <linux/compaction.h>
#include <linux/migrate.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "../../mm/internal.h"
#include "compact_common.h"
#include "memstat_kern.h"

MS_CONFIG_MAP(struct cp_cfg);
MS_MAP(inflight, LRU_HASH, __u32, struct cp_thread, CP_MAX_THREADS);
MS_MAP(procs, HASH, __u32, struct cp_proc, CP_MAX_PROCS);
MS_MAP(zones, HASH, struct cp_zone_key, struct cp_zone, CP_MAX_ZONES);
MS_MAP(totals, PERCPU_ARRAY, __u32, struct cp_totals, 1);
/* A zeroed record to insert: too large for the BPF stack. */
MS_MAP(proc_zero, PERCPU_ARRAY, __u32, struct cp_proc, 1);
MS_DROPS_MAP(CP_NR_DROPS);

#define rd(dst, src)	bpf_probe_read_kernel(&(dst), sizeof(dst), &(src))

static __always_inline struct cp_thread *thread(bool create)
{
	struct cp_thread zero = {};
	__u32 tid = bpf_get_current_pid_tgid();
	struct cp_thread *t;

	t = create ? ms_thread_slot(&inflight, tid, &zero) :
		     bpf_map_lookup_elem(&inflight, &tid);
	if (!t && create)
		count_drop(CP_DROP_THREAD);
	return t;
}

static __always_inline int direct_begin(void)
{
	struct cp_thread *t = thread(true);

	if (t) {
		t->direct_start_ns = bpf_ktime_get_ns();
		t->in_direct = 0;
	}
	return 0;
}

static __always_inline int direct_end(int result)
{
	struct cp_thread *t = thread(false);
	__u64 id = bpf_get_current_pid_tgid(), ns;
	struct cp_proc *p;

	if (!t || !t->direct_start_ns)
		return 0;
	ns = bpf_ktime_get_ns() - t->direct_start_ns;
	t->direct_start_ns = 0;
	if (!ms_cfg_traced())
		return 0;
	p = ms_proc_get(&procs, id >> 32, ms_map_elem(&proc_zero, 0),
			CP_DROP_PROC);
	if (!p)
		return 0;
	__sync_fetch_and_add(&p->attempts, 1);
	if (result == COMPACT_SKIPPED)
		return 0;
	/* A stall: its success comes with compaction_defer_reset(). */
	t->in_direct = 1;
	__sync_fetch_and_add(&p->stalls, 1);
	__sync_fetch_and_add(&p->total_ns, ns);
	/* Racy between threads of one process, as any max. */
	if (ns > p->max_ns)
		p->max_ns = ns;
	ms_hist_add_atomic(&p->hist, ns / 1000);
	return 0;
}

static __always_inline int defer_reset(__u8 alloc_success)
{
	struct cp_thread *t = thread(false);
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct cp_proc *p;

	if (!t || !t->in_direct || !alloc_success)
		return 0;
	t->in_direct = 0;
	p = bpf_map_lookup_elem(&procs, &tgid);
	if (p)
		__sync_fetch_and_add(&p->success, 1);
	return 0;
}

static __always_inline int zone_begin(__u64 cc)
{
	struct cp_thread *t = thread(true);

	if (t) {
		t->zone_start_ns = bpf_ktime_get_ns();
		t->zone_cc = cc;
	}
	return 0;
}

static __always_inline __u32 source_of(struct compact_control *cc)
{
	bool direct = false, proactive = false;
	char comm[10] = {};

	rd(direct, cc->direct_compaction);
	rd(proactive, cc->proactive_compaction);
	if (direct)
		return CP_DIRECT;
	if (proactive)
		return CP_PROACTIVE;
	bpf_get_current_comm(comm, sizeof(comm));
	return comm[0] == 'k' && comm[1] == 'c' && comm[2] == 'o' &&
	       comm[3] == 'm' && comm[8] == 'd' ? CP_KCOMPACTD : CP_MANUAL;
}

/* compact_zone()'s end: the compact_control its start kept. */
static __always_inline int zone_end(__u64 result)
{
	struct cp_thread *t = thread(false);
	struct compact_control *cc = t ? (void *)t->zone_cc : NULL;
	struct cp_zone zero = {}, *z;
	struct cp_zone_key *key = &zero.key;
	struct cp_totals *tot = ms_map_elem(&totals, 0);
	__u64 ns = 0, mscan = 0, fscan = 0;
	struct pglist_data *pgdat = NULL;
	struct zone *zone = NULL;
	const char *name = NULL;
	int order = 0;

	if (!cc)
		return 0;
	if (t->zone_start_ns) {
		ns = bpf_ktime_get_ns() - t->zone_start_ns;
		t->zone_start_ns = 0;
		t->zone_cc = 0;
	}
	rd(mscan, cc->total_migrate_scanned);
	rd(fscan, cc->total_free_scanned);
	if (tot) {
		tot->migrate_scanned += mscan;
		tot->free_scanned += fscan;
	}
	rd(zone, cc->zone);
	rd(order, cc->order);
	rd(pgdat, zone->zone_pgdat);
	rd(key->nid, pgdat->node_id);
	rd(name, zone->name);
	bpf_probe_read_kernel_str(key->zone, sizeof(key->zone), name);
	key->order = order;
	key->source = source_of(cc);
	z = ms_map_get(&zones, key, &zero);
	if (!z) {
		count_drop(CP_DROP_ZONE);
		return 0;
	}
	__sync_fetch_and_add(&z->runs, 1);
	__sync_fetch_and_add(&z->total_ns, ns);
	__sync_fetch_and_add(&z->migrate_scanned, mscan);
	__sync_fetch_and_add(&z->free_scanned, fscan);
	if (result < CP_NR_RESULTS)
		__sync_fetch_and_add(&z->results[result], 1);
	else
		count_drop(CP_DROP_RESULT);
	return 0;
}

static __always_inline int isolate_free(int isolated)
{
	struct cp_thread *t = thread(false);
	struct cp_totals *tot;

	/* Compaction's only: page reporting and isolation use it too. */
	if (!t || !t->zone_start_ns)
		return 0;
	tot = ms_map_elem(&totals, 0);
	if (tot)
		tot->isolated += isolated;
	return 0;
}

/*
 * fentry/fexit, or kprobes (no BPF trampolines: arm64 5.10):
 *   try_to_compact_pages(gfp, order, alloc_flags, ac, prio, capture)
 *   compaction_defer_reset(zone, order, alloc_success)
 *   compact_zone(cc, capc), __isolate_free_page(page, order)
 */
MS_ENTRY(try_to_compact_pages, cp_direct_begin, direct_begin())
MS_EXIT(try_to_compact_pages, cp_direct_end, direct_end((int)MS_RET(6)))
MS_ENTRY(compaction_defer_reset, cp_defer_reset, defer_reset(MS_ARG(2)))
MS_ENTRY(compact_zone, cp_zone_begin, zone_begin(MS_ARG(0)))
MS_EXIT(compact_zone, cp_zone_end, zone_end(MS_RET(2)))
MS_EXIT(__isolate_free_page, cp_isolate_free, isolate_free((int)MS_RET(2)))

SEC("raw_tracepoint/mm_compaction_isolate_migratepages")
int cp_isolate_migrate(struct bpf_raw_tracepoint_args *ctx)
{
	struct cp_totals *tot = ms_map_elem(&totals, 0);

	if (tot)
		tot->isolated += ctx->args[3];
	return 0;
}

SEC("raw_tracepoint/mm_migrate_pages")
int cp_migrate(struct bpf_raw_tracepoint_args *ctx)
{
	struct cp_totals *tot;

	if ((int)ctx->args[6] != MR_COMPACTION)
		return 0;
	tot = ms_map_elem(&totals, 0);
	if (tot) {
		tot->migrated += ctx->args[0];
		tot->migrate_failed += ctx->args[1];
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
