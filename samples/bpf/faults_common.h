/* SPDX-License-Identifier: GPL-2.0 */
/* faults: records shared by faults_kern.c and faults_user.c. */
#ifndef __FAULTS_COMMON_H
#define __FAULTS_COMMON_H

#include "memstat_common.h"

#define FT_MAX_PROCS	8192	/* processes (threads with -t) with a row */
#define FT_MAX_FILES	8192	/* (process, file) rows */
#define FT_MAX_GROUPS	8192	/* (process, kernel stack, user stack) rows */
#define FT_MAX_STACKS	16384	/* distinct stacks, kernel and user */
#define FT_MAX_INFLIGHT	4096	/* threads inside handle_mm_fault (kprobe) */
#define FT_NAME_LEN	64	/* file name (d_name) kept per file */

/* As mm_account_fault() counts them into min_flt and maj_flt. */
enum ft_kind { FT_MINOR, FT_MAJOR, FT_NR_KINDS };

/* cfg.stacks bits: which stacks to take (-U, -K). */
#define FT_STACK_USER	0x1
#define FT_STACK_KERNEL	0x2

struct ft_cfg {
	struct ms_filter filter;	/* -p */
	__u32 threads;			/* -t: rows per thread */
	__u32 stacks;			/* FT_STACK_* */
};

/* procs[{tgid, tid}]: tid 0 without -t. */
struct ft_proc_key {
	__u32 tgid;
	__u32 tid;
};

struct ft_proc {
	char comm[MS_COMM_LEN];		/* of the thread that first faulted */
	__u64 faults[FT_NR_KINDS];	/* counted as /proc/PID/stat counts */
	__u64 file[FT_NR_KINDS];	/* of those, in a file mapping */
	__u64 gup;			/* taken for get_user_pages() (no regs) */
};

/* files[{dentry, tgid}]: faults in mappings of one file, per process. */
struct ft_file_key {
	__u64 dentry;		/* vma->vm_file->f_path.dentry */
	__u32 tgid;
	__u32 pad;
};

struct ft_file {
	char name[FT_NAME_LEN];	/* d_name at the first fault seen */
	char comm[MS_COMM_LEN];	/* of the thread that first faulted there */
	__u64 faults[FT_NR_KINDS];
};

/* groups[key]: faults per (process, stacks); -1: stack not taken. */
struct ft_group_key {
	__u32 tgid;
	__u32 tid;		/* 0 without -t */
	__s32 kstack;		/* id in the stacks map */
	__s32 ustack;
};

struct ft_group {
	__u64 faults[FT_NR_KINDS];
	char comm[MS_COMM_LEN];	/* of the thread that first faulted there */
};

/* Per-CPU totals over the traced processes. */
struct ft_totals {
	__u64 faults[FT_NR_KINDS];
	__u64 file[FT_NR_KINDS];
	__u64 gup;
	__u64 retry;		/* VM_FAULT_RETRY: counted once it completes */
	__u64 error;		/* VM_FAULT_ERROR: the kernel counts none */
};

/* inflight[tid], kprobe variant: handle_mm_fault() entered. */
struct ft_inflight {
	__u64 vma;
	__u32 flags;
	__u32 gup;
	__s32 kstack;
	__s32 ustack;
};

enum ft_drop {
	FT_DROP_PROC,		/* procs map full: fault not in a row */
	FT_DROP_FILE,		/* files map full */
	FT_DROP_GROUP,		/* groups map full */
	FT_DROP_KSTACK,		/* kernel stack not taken (map full, collision) */
	FT_DROP_USTACK,		/* user stack not taken (also: no user context) */
	FT_DROP_INFLIGHT,	/* inflight map full: fault not counted */
	FT_UNPAIRED,		/* kprobe: entry without return (maxactive) */
	FT_DROP_TRACK,		/* ring buffer full: process not tracked (-U) */
	FT_NR_DROPS,
};

#endif /* __FAULTS_COMMON_H */
