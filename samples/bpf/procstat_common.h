/* SPDX-License-Identifier: GPL-2.0 */
/* procstat: records shared by procstat_kern.c and procstat_user.c. */
#ifndef __PROCSTAT_COMMON_H
#define __PROCSTAT_COMMON_H

#include "memstat_common.h"

/* Same order as the kernel's MM_FILEPAGES... enum (include/linux/mm_types_task.h). */
enum procstat_counter {
	PROCSTAT_FILE,
	PROCSTAT_ANON,
	PROCSTAT_SWAP,
	PROCSTAT_SHMEM,
	PROCSTAT_NR_COUNTERS,
};

/* One record per user thread, written by the task iterator. */
struct procstat_task {
	__u32 tgid;
	__u32 tid;
	__u64 mm;			/* identity: threads sharing it share counters */
	char comm[MS_COMM_LEN];
	/* mm-wide, shared by all threads of the process */
	__s64 folded[PROCSTAT_NR_COUNTERS];	/* mm->rss_stat, pages */
	__u64 total_vm;			/* pages */
	__u64 hiwater_rss;		/* pages */
	__u64 data_vm;			/* pages */
	__u64 stack_vm;			/* pages */
	__u64 pgtables_bytes;
	/* this thread's deltas not yet folded into mm->rss_stat */
	__s32 pending[PROCSTAT_NR_COUNTERS];	/* pages */
	__s32 pending_events;
	__u32 pad;
};

/* Single-entry configuration written by the user side before a run. */
struct procstat_cfg {
	struct ms_filter filter;	/* -p */
};

enum procstat_drop {
	PROCSTAT_DROP_READ,		/* a bpf_probe_read_kernel failed */
	PROCSTAT_NR_DROPS,
};

#endif /* __PROCSTAT_COMMON_H */
