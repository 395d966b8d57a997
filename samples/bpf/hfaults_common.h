/* SPDX-License-Identifier: GPL-2.0 */
/* hfaults: records shared by hfaults_kern.c and hfaults_user.c. */
#ifndef __HFAULTS_COMMON_H
#define __HFAULTS_COMMON_H

#include "memstat_common.h"

#define HF_MAX_KEYS	8192	/* (process, file) pairs with a record */
#define HF_MAX_INFLIGHT	4096	/* threads with a slot; the oldest give way */
#define HF_NAME_LEN	32	/* file name kept (the dentry's, cut) */

/* vm_fault_t bits of linux/mm_types.h the tool reads. */
#define HF_VM_FAULT_RETRY	0x000400
#define HF_VM_FAULT_ERROR	0x000873	/* OOM SIGBUS SIGSEGV HWPOISON* FALLBACK */

/* A process and the hugetlbfs file it faulted on (anon: an internal one). */
struct hf_key {
	__u32 tgid;
	__u32 dev;		/* the file's s_dev */
	__u64 ino;		/* its inode number */
};

/* maps[key] */
struct hf_map {
	char comm[MS_COMM_LEN];	/* of the thread that first faulted */
	char name[HF_NAME_LEN];	/* the file's name ("anon_hugepage": anon) */
	struct hf_key key;	/* the key, for the user side's rows */
	__u32 order;		/* huge page order (hstate), in base pages */
	__u32 shared;		/* 1: VM_SHARED mapping */
	__u64 faults;		/* hugetlb_fault() calls */
	__u64 allocs;		/* huge pages alloc_huge_page() gave them */
	__u64 retry;		/* faults returning VM_FAULT_RETRY */
	__u64 errors;		/* faults returning VM_FAULT_ERROR (SIGBUS...) */
	__u64 fault_ns;
	__u64 max_ns;
	struct ms_hist hist;	/* latency, microseconds */
};

/* inflight[tid]: the thread's slot, a hugetlb fault under way if start_ns. */
struct hf_inflight {
	__u64 start_ns;
	__u64 address;
	__u64 allocs;		/* huge pages allocated since start_ns */
	struct hf_key key;
	__u32 order;
	__u32 shared;
	char name[HF_NAME_LEN];
};

/* Per-CPU totals of the traced processes. */
struct hf_totals {
	__u64 faults;
	__u64 allocs;		/* alloc_huge_page() in a fault */
	__u64 other_allocs;	/* ... outside (fallocate, userfaultfd) */
	__u64 errors;
	__u64 fault_ns;
};

/* One hugetlb fault, for -e. */
struct hf_event {
	__u64 end_ns;
	__u64 latency_ns;
	__u64 address;
	__u64 allocs;
	__u64 ino;
	__u32 pid;
	__u32 tid;
	__u32 ret;		/* vm_fault_t */
	__u32 order;
	char comm[MS_COMM_LEN];
	char name[HF_NAME_LEN];
};

struct hf_cfg {
	struct ms_filter filter;
	__u32 events;		/* 1: send an hf_event per fault */
	__u32 pad;
};

enum hf_drop {
	HF_DROP_INFLIGHT,	/* no slot for the thread: fault not timed */
	HF_DROP_MAP,		/* maps full: (process, file) not recorded */
	HF_DROP_EVENT,		/* ring buffer full: -e line lost */
	HF_UNPAIRED,		/* return without entry (began before attach) */
	HF_NR_DROPS,
};

#endif /* __HFAULTS_COMMON_H */
