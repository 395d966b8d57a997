/* SPDX-License-Identifier: GPL-2.0 */
/* shmsnoop: records shared by shmsnoop_kern.c and shmsnoop_user.c. */
#ifndef __SHMSNOOP_COMMON_H
#define __SHMSNOOP_COMMON_H

#include "memstat_common.h"

#define SH_MAX_PROCS	4096	/* processes in the -S table */
#define SH_MAX_INFLIGHT	4096	/* threads with a slot; the oldest give way */
#define SH_NAME_LEN	64	/* path or memfd name kept */

enum sh_call {
	SH_SHMGET,
	SH_SHMAT,
	SH_SHMDT,
	SH_SHMCTL,
	SH_SHM_OPEN,		/* openat() or open() of a path in /dev/shm/ */
	SH_SHM_UNLINK,		/* unlinkat() or unlink() of one */
	SH_MEMFD,		/* memfd_create() */
	SH_NR_CALLS,
};

/*
 * One call: the arguments at entry, the result at exit.  open() and
 * unlink() are kept as openat(AT_FDCWD, ...) and unlinkat(AT_FDCWD, ...).
 */
struct sh_call_rec {
	__u64 ts_ns;		/* bpf_ktime_get_ns() at exit */
	__u64 args[4];
	__s64 ret;		/* the return value (-errno on failure) */
	__u32 call;		/* enum sh_call */
	__u32 pid;
	__u32 tid;
	__u32 busy;		/* in the inflight map: a call under way */
	char comm[MS_COMM_LEN];
	char name[SH_NAME_LEN];	/* the path, or memfd's name */
};

/* procs[tgid], -S: calls and failures, SysV memory asked and attached. */
struct sh_proc {
	char comm[MS_COMM_LEN];	/* of the thread that first called */
	__u32 tgid;
	__u32 pad;
	__u64 calls[SH_NR_CALLS];
	__u64 failed[SH_NR_CALLS];
	__u64 shmget_bytes;	/* size of the successful shmget calls */
};

struct sh_cfg {
	struct ms_filter filter;
	__u32 events;		/* 1: a ring buffer record per call */
	__u32 pad;
};

enum sh_drop {
	SH_DROP_INFLIGHT,	/* no slot for the thread: call not seen */
	SH_DROP_PROC,		/* procs map full */
	SH_DROP_EVENT,		/* ring buffer full: a line lost */
	SH_COMPAT,		/* 32-bit (compat) calls: not traced */
	SH_NR_DROPS,
};

#endif /* __SHMSNOOP_COMMON_H */
