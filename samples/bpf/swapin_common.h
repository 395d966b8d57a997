/* SPDX-License-Identifier: GPL-2.0 */
/* swapin: records shared by swapin_kern.c and swapin_user.c. */
#ifndef __SWAPIN_COMMON_H
#define __SWAPIN_COMMON_H

#include "memstat_common.h"

#define SW_MAX_PROCS	4096	/* processes with a record */
#define SW_MAX_INFLIGHT	4096	/* threads with a slot; the oldest give way */

/* The part of a swap fault's vm_fault_t the tool reads (linux/mm_types.h). */
#define SW_VM_FAULT_MAJOR	0x000004
#define SW_VM_FAULT_RETRY	0x000400

/*
 * Swap-in counts of one process, or of all (totals).  A fault is one
 * do_swap_page() call; pages are pages read from swap by the process,
 * in a fault (the faulting page and its readahead) or not (shmem,
 * madvise(MADV_WILLNEED), swapoff).
 */
struct sw_counts {
	__u64 faults;		/* do_swap_page() calls */
	__u64 major;		/* ... returning VM_FAULT_MAJOR: read swap */
	__u64 retry;		/* ... returning VM_FAULT_RETRY: repeated */
	__u64 fault_ns;		/* time in all of them */
	__u64 major_ns;		/* time in the major ones */
	__u64 pages;		/* swap_readpage() successes: pswpin + frontswap */
	__u64 fault_pages;	/* of which read inside a swap fault */
	__u64 frontswap;	/* of which frontswap (zswap) hits, no pswpin */
};

/* procs[tgid] */
struct sw_proc {
	char comm[MS_COMM_LEN];	/* of the thread that first swapped in */
	__u32 tgid;		/* the key, for the user side's rows */
	__u32 pad;
	struct sw_counts c;
	__u64 max_ns;		/* longest major fault */
	struct ms_hist hist;	/* major fault latency, microseconds */
};

/* inflight[tid]: the thread's slot, a swap fault under way if start_ns. */
struct sw_inflight {
	__u64 start_ns;
	__u64 pages;		/* pages this thread read since start_ns */
};

/* One swap fault, for -e. */
struct sw_event {
	__u64 end_ns;		/* bpf_ktime_get_ns() at the return */
	__u64 latency_ns;
	__u64 pages;		/* pages the fault read (faulting + readahead) */
	__u32 pid;
	__u32 tid;
	__u32 ret;		/* vm_fault_t */
	char comm[MS_COMM_LEN];
};

struct sw_cfg {
	struct ms_filter filter;
	__u32 events;		/* 1: send a sw_event per swap fault */
	__u32 pad;
};

enum sw_drop {
	SW_DROP_INFLIGHT,	/* no slot for the thread: fault not timed */
	SW_DROP_PROC,		/* procs map full: process not recorded */
	SW_DROP_EVENT,		/* ring buffer full: -e line lost */
	SW_UNPAIRED,		/* return without entry (began before attach) */
	SW_NR_DROPS,
};

#endif /* __SWAPIN_COMMON_H */
