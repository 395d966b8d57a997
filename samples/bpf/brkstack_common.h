/* SPDX-License-Identifier: GPL-2.0 */
/* brkstack: records shared by brkstack_kern.c and brkstack_user.c. */
#ifndef __BRKSTACK_COMMON_H
#define __BRKSTACK_COMMON_H

#include "memstat_common.h"

#define BS_MAX_PROCS	4096	/* processes that called brk() */
#define BS_MAX_KEYS	16384	/* (process, user stack) pairs */
#define BS_MAX_STACKS	8192	/* distinct user stacks */
#define BS_MAX_INFLIGHT	4096	/* threads with a slot; the oldest give way */

/* totals[key]: what brk() did under one user stack of one process. */
struct bs_key {
	__u32 tgid;
	__u32 pad;
	__u64 stack;		/* in "stacks" (ms_stack_key); MS_NO_STACK: none */
};

struct bs_val {
	__u64 grow;		/* bytes the break moved up */
	__u64 shrink;		/* bytes it moved down */
	__u64 calls;		/* brk() calls, growing or not */
};

/* procs[tgid]: seen once; its first brk() sent a BS_NEW_PROC record. */
struct bs_proc {
	char comm[MS_COMM_LEN];
	__u64 moved;		/* its first move of the break: BS_MOVED sent */
};

/* inflight[tid]: a brk() under way. */
struct bs_inflight {
	__u64 brk;		/* mm->brk at entry */
	__u64 stack;
	__u32 busy;		/* a call under way */
	__u32 pad;
};

enum bs_kind {
	BS_NEW_PROC,		/* a process's first brk(): read its maps now */
	BS_CALL,		/* -e: one brk() */
	BS_MOVED,		/* its first move: read its maps again */
};

/* Ring buffer record. */
struct bs_event {
	__u32 kind;
	__u32 tgid;
	__u32 tid;
	__u32 pad;
	__u64 stack;
	__u64 old_brk;		/* BS_CALL: the break before and after */
	__u64 new_brk;
	__u64 ts_ns;
	char comm[MS_COMM_LEN];
};

struct bs_cfg {
	struct ms_filter filter;
	__u32 events;		/* 1: a BS_CALL record per brk() */
	__u32 pad;
};

enum bs_drop {
	BS_DROP_STACK,		/* no user stack (map full, collision, fault) */
	BS_DROP_KEY,		/* totals map full: a call not counted */
	BS_DROP_PROC,		/* procs map full: process maybe unnamed */
	BS_DROP_NOTICE,		/* ring buffer full: BS_NEW_PROC lost */
	BS_DROP_EVENT,		/* ring buffer full: -e line lost */
	BS_DROP_INFLIGHT,	/* no slot for the thread: a call not counted */
	BS_DROP_NOT_BRK,	/* returned no break: raced, or compat call */
	BS_NR_DROPS,
};

#endif /* __BRKSTACK_COMMON_H */
