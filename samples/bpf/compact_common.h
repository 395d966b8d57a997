/* SPDX-License-Identifier: GPL-2.0 */
/* compact: records shared by compact_kern.c and compact_user.c. */
#ifndef __COMPACT_COMMON_H
#define __COMPACT_COMMON_H

#include "memstat_common.h"

#define CP_MAX_PROCS	4096	/* processes with a record */
#define CP_MAX_THREADS	4096	/* threads inside compaction at once */
#define CP_MAX_ZONES	1024	/* (node, zone, order, source) rows */
#define CP_NR_RESULTS	16	/* enum compact_result values kept */

/* Who ran a zone's compaction (compact_zone()). */
enum cp_source {
	CP_DIRECT,		/* an allocating task: direct compaction */
	CP_KCOMPACTD,		/* kcompactd, woken by kswapd or an allocation */
	CP_PROACTIVE,		/* kcompactd's proactive compaction */
	CP_MANUAL,		/* /proc/sys/vm/compact_memory, sysfs compact */
	CP_NR_SOURCES,
};

/* procs[tgid]: its direct compactions (try_to_compact_pages() calls). */
struct cp_proc {
	char comm[MS_COMM_LEN];	/* of the thread that first compacted */
	__u32 tgid;
	__u32 pad;
	__u64 attempts;		/* calls, skipped ones too */
	__u64 stalls;		/* not skipped: /proc/vmstat compact_stall */
	__u64 success;		/* then a page: compact_success (the others
				 * failed: compact_fail)
				 */
	__u64 total_ns;		/* time in the calls that stalled */
	__u64 max_ns;
	struct ms_hist hist;	/* their latency, microseconds */
};

/* zones[]: compact_zone() runs of one zone, order and source. */
struct cp_zone_key {
	__u32 nid;
	__s32 order;		/* -1: the whole zone (proactive, manual) */
	__u32 source;		/* enum cp_source */
	char zone[8];		/* its name: "DMA32", "Normal"... */
	__u32 pad;
};

struct cp_zone {
	struct cp_zone_key key;	/* first: a row of ms_rows */
	__u64 runs;
	__u64 total_ns;
	__u64 migrate_scanned;
	__u64 free_scanned;
	__u64 results[CP_NR_RESULTS];	/* by enum compact_result */
};

/* Per-CPU totals of every compaction, whoever ran it (-p or not). */
struct cp_totals {
	__u64 migrate_scanned;	/* compact_migrate_scanned */
	__u64 free_scanned;	/* compact_free_scanned */
	__u64 isolated;		/* compact_isolated */
	__u64 migrated;		/* pages moved by compaction (pgmigrate) */
	__u64 migrate_failed;
};

/* threads[tid]: inside try_to_compact_pages() or compact_zone(). */
struct cp_thread {
	__u64 direct_start_ns;	/* try_to_compact_pages() entered, 0: not */
	__u64 zone_start_ns;	/* compact_zone() entered, 0: not */
	__u64 zone_cc;		/* its compact_control, for a kretprobe */
	__u32 in_direct;	/* a stall, its success not yet seen */
	__u32 pad;
};

struct cp_cfg {
	struct ms_filter filter;
};

enum cp_drop {
	CP_DROP_THREAD,		/* threads map full: a compaction not timed */
	CP_DROP_PROC,		/* procs map full */
	CP_DROP_ZONE,		/* zones map full */
	CP_DROP_RESULT,		/* a result beyond CP_NR_RESULTS */
	CP_NR_DROPS,
};

#endif /* __COMPACT_COMMON_H */
