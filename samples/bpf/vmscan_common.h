/* SPDX-License-Identifier: GPL-2.0 */
/* vmscan: counters shared by vmscan_kern.c and vmscan_user.c. */
#ifndef __VMSCAN_COMMON_H
#define __VMSCAN_COMMON_H

#include "memstat_common.h"

#define VS_MAX_INFLIGHT	4096	/* threads inside reclaim or a shrinker */

enum vs_kind {
	VS_DIRECT,		/* try_to_free_pages(): global direct reclaim */
	VS_MEMCG,		/* try_to_free_mem_cgroup_pages(): memcg limit */
	VS_SOFTLIMIT,		/* mem_cgroup_shrink_node(): soft limit */
	VS_SLAB,		/* do_shrink_slab(): one shrinker, one node */
	VS_NR_KINDS,
};

/* inflight[tid]: start times of what the thread is in (they nest). */
struct vs_inflight {
	__u64 start_ns[VS_NR_KINDS];
};

/* stats[kind], per CPU, added up by the user side. */
struct vs_reclaim {
	__u64 count;
	__u64 total_ns;
	__u64 reclaimed;	/* end event: pages (slab: objects freed) */
	__u64 lru_pages;	/* LRU pages reclaimed inside (pgsteal) */
};

/* counts[]: per-CPU counters (ms_percpu_add), added up by the user side. */
enum vs_count {
	VS_LRU_KSWAPD,		/* LRU pages kswapd reclaimed: pgsteal_kswapd */
	VS_LRU_OTHER,		/* not kswapd, in no traced reclaim */
	VS_KSWAPD_WAKEUPS,	/* mm_vmscan_wakeup_kswapd */
	VS_KSWAPD_RUNS,		/* mm_vmscan_kswapd_wake: pageoutrun */
	VS_WRITE_ANON,		/* mm_vmscan_writepage: nr_vmscan_write */
	VS_WRITE_FILE,
	VS_NR_COUNTS,
};

enum vs_drop {
	VS_DROP_INFLIGHT,	/* inflight map full: not timed */
	VS_UNPAIRED,		/* end without begin (began before attach) */
	VS_NR_DROPS,
};

/* The tool's config: -p and -c. */
struct vs_cfg {
	struct ms_filter filter;
};

#endif /* __VMSCAN_COMMON_H */
