/* SPDX-License-Identifier: GPL-2.0 */
/* pr: LRU reclaim counters shared by pr_kern.c and pr_user.c. */
#ifndef __PR_COMMON_H
#define __PR_COMMON_H

#include "memstat_common.h"

#define PR_NR_PRIO	13	/* reclaim priorities DEF_PRIORITY (12) .. 0 */

/* Pages, summed over shrink_inactive_list() runs of one node and LRU type. */
struct pr_counts {
	__u64 runs;		/* shrink_inactive_list() runs that took pages */
	__u64 scanned;
	__u64 reclaimed;
	__u64 dirty;
	__u64 unqueued_dirty;
	__u64 congested;
	__u64 writeback;
	__u64 immediate;
	__u64 activated;
	__u64 ref_keep;
	__u64 unmap_fail;
	__u64 prio[PR_NR_PRIO];	/* runs per reclaim priority */
};

/*
 * counts[] index: node * 2 + file, and two more slots for scans of an
 * inactive list that took no page (no node in that event).
 */
#define PR_SLOT(nid, file)	((nid) * 2 + (file))
#define PR_SLOT_EMPTY(file)	(MS_MAX_NODES * 2 + (file))
#define PR_NR_SLOTS		(MS_MAX_NODES * 2 + 2)

enum pr_drop {
	PR_DROP_NODE,		/* node id beyond MS_MAX_NODES */
	PR_DROP_READ,		/* reclaim_stat could not be read */
	PR_NR_DROPS,
};

/* The tool's config: -p and -c. */
struct pr_cfg {
	struct ms_filter filter;
};

#endif /* __PR_COMMON_H */
