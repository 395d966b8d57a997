/* SPDX-License-Identifier: GPL-2.0 */
/* mmapsnoop: records shared by mmapsnoop_kern.c and mmapsnoop_user.c. */
#ifndef __MMAPSNOOP_COMMON_H
#define __MMAPSNOOP_COMMON_H

#include "memstat_common.h"

#define MM_MAX_PROCS	4096	/* processes in the -S table */
#define MM_MAX_FILES	4096	/* files in the -S table */
#define MM_MAX_INFLIGHT	4096	/* threads with a slot; the oldest give way */
#define MM_NAME_LEN	64	/* file name (last path component) kept */

enum mm_call {
	MM_MMAP,
	MM_MUNMAP,
	MM_MREMAP,
	MM_MPROTECT,
	MM_BRK,
	MM_NR_CALLS,
};

/* One call: the arguments at entry, the result at exit. */
struct mm_call_rec {
	__u64 ts_ns;		/* bpf_ktime_get_ns() at exit */
	__u64 args[6];		/* the syscall's arguments as passed */
	__s64 ret;		/* the return value (-errno on failure) */
	__u64 old_brk;		/* brk: mm->brk at entry */
	__u64 ino;		/* mmap of a file: its inode number, device */
	__u32 dev;
	__u32 call;		/* enum mm_call */
	__u32 pid;
	__u32 tid;
	__u32 busy;		/* in the inflight map: a call under way */
	__u32 pad;
	char comm[MS_COMM_LEN];
	char name[MM_NAME_LEN];	/* mmap of a file: its dentry's name */
};

/* procs[tgid], -S: counts and bytes of the successful calls. */
struct mm_proc {
	char comm[MS_COMM_LEN];	/* of the thread that first called */
	__u32 tgid;
	__u32 pad;
	__u64 calls[MM_NR_CALLS];
	__u64 failed[MM_NR_CALLS];
	__u64 mapped;		/* bytes: mmap lengths, mremap growth */
	__u64 unmapped;		/* bytes: munmap lengths, mremap shrinking */
	__u64 mapped_file;	/* of mapped, by mmap of a file */
	__u64 protected;	/* bytes mprotect changed */
	__u64 brk_grown;	/* bytes the heap grew by brk */
	__u64 brk_shrunk;
};

/* files[dev, ino], -S: mmap of one file, by every traced process. */
struct mm_file_key {
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

struct mm_file {
	__u64 maps;		/* successful mmap calls */
	__u64 mapped;		/* bytes */
	char name[MM_NAME_LEN];
};

struct mm_cfg {
	struct ms_filter filter;
	__u32 events;		/* 1: a ring buffer record per call */
	__u32 no_brk;		/* 1: brk not traced */
};

enum mm_drop {
	MM_DROP_INFLIGHT,	/* no slot for the thread: call not seen */
	MM_DROP_PROC,		/* procs map full */
	MM_DROP_FILE,		/* files map full */
	MM_DROP_EVENT,		/* ring buffer full: a line lost */
	MM_COMPAT,		/* 32-bit (compat) calls: not traced */
	MM_NR_DROPS,
};

#endif /* __MMAPSNOOP_COMMON_H */
