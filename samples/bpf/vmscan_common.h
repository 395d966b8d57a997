/* SPDX-License-Identifier: GPL-2.0 */
/* vmscan: counters shared by vmscan_kern.c and vmscan_user.c. */
#ifndef __VMSCAN_COMMON_H
#define __VMSCAN_COMMON_H

#include "memstat_hist.h"

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

struct vs_reclaim {
	__u64 count;
	__u64 total_ns;
	__u64 reclaimed;	/* end event: pages (slab: objects freed) */
	__u64 lru_pages;	/* LRU pages reclaimed inside (pgsteal) */
};

/* Per-CPU counters, added up by the user side. */
struct vs_stats {
	struct vs_reclaim kind[VS_NR_KINDS];
	__u64 lru_pages_kswapd;		/* pgsteal_kswapd */
	__u64 lru_pages_other;		/* not kswapd, in no traced reclaim */
	__u64 kswapd_wakeups;		/* mm_vmscan_wakeup_kswapd */
	__u64 kswapd_runs;		/* mm_vmscan_kswapd_wake: pageoutrun */
	__u64 writepage_anon;		/* mm_vmscan_writepage: nr_vmscan_write */
	__u64 writepage_file;
};

enum vs_drop {
	VS_DROP_INFLIGHT,	/* inflight map full: not timed */
	VS_UNPAIRED,		/* end without begin (began before attach) */
	VS_NR_DROPS,
};

#endif /* __VMSCAN_COMMON_H */
