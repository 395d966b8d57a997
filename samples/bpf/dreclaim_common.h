/* SPDX-License-Identifier: GPL-2.0 */
/* dreclaim: records shared by dreclaim_kern.c and dreclaim_user.c. */
#ifndef __DRECLAIM_COMMON_H
#define __DRECLAIM_COMMON_H

#include "memstat_common.h"

#define DR_MAX_PROCS	4096	/* processes with a record */
#define DR_MAX_INFLIGHT	4096	/* threads inside a reclaim at once */

enum dr_kind {
	DR_DIRECT,		/* try_to_free_pages(): global direct reclaim */
	DR_MEMCG,		/* try_to_free_mem_cgroup_pages() */
	DR_NR_KINDS,
};

/* Per kind of reclaim, for one process. */
struct dr_reclaim {
	__u64 count;
	__u64 total_ns;
	__u64 max_ns;
	__u64 reclaimed;	/* nr_reclaimed of the _end event (LRU + slab) */
	__u64 lru_pages;	/* LRU pages reclaimed inside (pgsteal) */
	struct ms_hist hist;	/* latency, microseconds */
};

/* procs[tgid] */
struct dr_proc {
	char comm[MS_COMM_LEN];	/* of the thread that first reclaimed */
	__u32 tgid;		/* the key, for the user side's rows */
	__u32 pad;
	__u64 kswapd_wakeups;	/* wakeup_kswapd() requests it made */
	struct dr_reclaim kind[DR_NR_KINDS];
};

/* inflight[tid]: a reclaim under way. */
struct dr_inflight {
	__u64 start_ns;
	__u64 lru_pages;
	__u32 order;
	__u32 gfp;
	__u32 kind;
	__u32 pad;
};

/* Per-CPU totals; counts of the traced processes (all without -p). */
struct dr_totals {
	__u64 count[DR_NR_KINDS];
	__u64 total_ns[DR_NR_KINDS];
	__u64 reclaimed[DR_NR_KINDS];
	__u64 lru_pages[DR_NR_KINDS];
	/*
	 * LRU pages reclaimed by global reclaim, system wide whatever -p
	 * says: pgsteal_direct and pgsteal_kswapd (memcg reclaim is in
	 * neither; cgroup v1 soft limit reclaim inside kswapd is in the
	 * second here, in neither in /proc/vmstat).
	 */
	__u64 lru_pages_direct;
	__u64 lru_pages_kswapd;
};

/* kswapd[nid], per CPU: wakeups asked by the traced processes, all runs. */
struct dr_node {
	__u64 wakeups;		/* mm_vmscan_wakeup_kswapd: asked to run */
	__u64 runs;		/* mm_vmscan_kswapd_wake: balance_pgdat() runs */
};

/* One reclaim, for -e. */
struct dr_event {
	__u64 end_ns;		/* bpf_ktime_get_ns() at the end */
	__u64 latency_ns;
	__u64 reclaimed;
	__u64 lru_pages;
	__u32 pid;
	__u32 tid;
	__u32 order;
	__u32 gfp;
	__u32 kind;
	char comm[MS_COMM_LEN];
};

struct dr_cfg {
	struct ms_filter filter;
	__u32 events;		/* 1: send a dr_event per reclaim */
	__u32 pad;
};

enum dr_drop {
	DR_DROP_INFLIGHT,	/* inflight map full: reclaim not timed */
	DR_DROP_PROC,		/* procs map full: process not recorded */
	DR_DROP_EVENT,		/* ring buffer full: -e line lost */
	DR_DROP_NODE,		/* node id >= MS_MAX_NODES */
	DR_UNPAIRED,		/* end without begin (began before attach) */
	DR_NR_DROPS,
};

#endif /* __DRECLAIM_COMMON_H */
