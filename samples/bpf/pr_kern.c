// SPDX-License-Identifier: GPL-2.0
/*
 * pr: LRU reclaim per node and LRU type, from the vmscan tracepoints.
 *
 * mm_vmscan_lru_shrink_inactive fires at the end of every
 * shrink_inactive_list() that isolated pages, with the node, pages scanned
 * and reclaimed and a struct reclaim_stat (include/linux/vmstat.h): dirty,
 * unqueued dirty, congested, writeback, immediate, activated, ref-keep and
 * unmap-fail.  The raw tracepoint gives the struct itself, so unqueued
 * dirty (not in the event's format) is read too; scan_control stays
 * private.  A run that isolated nothing returns before that event but has
 * already counted its scan in pgscan_{anon,file}: mm_vmscan_lru_isolate
 * (no node in its arguments) supplies those pages, so pr's totals equal
 * the pgscan and pgsteal counters of /proc/vmstat.
 *
 *   TP_PROTO(int nid, unsigned long nr_scanned, unsigned long nr_reclaimed,
 *	      struct reclaim_stat *stat, int priority, int file)
 *   TP_PROTO(int highest_zoneidx, int order, unsigned long nr_requested,
 *	      unsigned long nr_scanned, unsigned long nr_skipped,
 *	      unsigned long nr_taken, isolate_mode_t isolate_mode, int lru)
 */
#include <linux/mmzone.h>
#include <linux/vmstat.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "pr_common.h"
#include "memstat_kern.h"

/* counts[PR_SLOT()]: per-CPU sums, added up by the user side. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PR_NR_SLOTS);
	__type(key, __u32);
	__type(value, struct pr_counts);
} counts SEC(".maps");

/* drops[reason]: events that could not be counted. */
MS_DROPS_MAP(PR_NR_DROPS);

/* -p and -c: reclaim done in the context of those tasks only. */
MS_CONFIG_MAP(struct pr_cfg);

SEC("raw_tracepoint/mm_vmscan_lru_shrink_inactive")
int pr_shrink_inactive(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 nid = ctx->args[0], file = !!ctx->args[5], slot;
	/* 64-bit, so one unsigned compare bounds it for the verifier. */
	__u64 priority = ctx->args[4];
	struct reclaim_stat stat;
	struct pr_counts *c;

	if (!ms_cfg_traced())
		return 0;
	if (nid >= MS_MAX_NODES) {
		count_drop(PR_DROP_NODE);
		return 0;
	}
	if (bpf_probe_read_kernel(&stat, sizeof(stat), (void *)ctx->args[3])) {
		count_drop(PR_DROP_READ);
		return 0;
	}
	slot = PR_SLOT(nid, file);
	c = bpf_map_lookup_elem(&counts, &slot);
	if (!c)
		return 0;
	c->runs++;
	c->scanned += ctx->args[1];
	c->reclaimed += ctx->args[2];
	c->dirty += stat.nr_dirty;
	c->unqueued_dirty += stat.nr_unqueued_dirty;
	c->congested += stat.nr_congested;
	c->writeback += stat.nr_writeback;
	c->immediate += stat.nr_immediate;
	c->activated += stat.nr_activate[0] + stat.nr_activate[1];
	c->ref_keep += stat.nr_ref_keep;
	c->unmap_fail += stat.nr_unmap_fail;
	if (priority < PR_NR_PRIO)
		c->prio[priority]++;
	return 0;
}

SEC("raw_tracepoint/mm_vmscan_lru_isolate")
int pr_isolate(struct bpf_raw_tracepoint_args *ctx)
{
	int lru = ctx->args[7];
	struct pr_counts *c;
	__u32 slot;

	/* Only empty-handed scans of an inactive list: the rest come above. */
	if (ctx->args[5] ||
	    (lru != LRU_INACTIVE_ANON && lru != LRU_INACTIVE_FILE) ||
	    !ms_cfg_traced())
		return 0;
	slot = PR_SLOT_EMPTY(lru == LRU_INACTIVE_FILE);
	c = bpf_map_lookup_elem(&counts, &slot);
	if (c)
		c->scanned += ctx->args[3];
	return 0;
}

char _license[] SEC("license") = "GPL";
