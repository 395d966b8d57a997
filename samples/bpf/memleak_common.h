/* SPDX-License-Identifier: GPL-2.0 */
/* memleak: records shared by memleak_kern.c and memleak_user.c. */
#ifndef __MEMLEAK_COMMON_H
#define __MEMLEAK_COMMON_H

#include "memstat_common.h"

#define ML_MAX_ALLOCS	262144	/* outstanding allocations tracked (-M) */
#define ML_MAX_SITES	16384	/* (process, stack) pairs */
#define ML_MAX_STACKS	16384	/* distinct user stacks */
#define ML_MAX_PROCS	1024	/* processes seen */
#define ML_MAX_INFLIGHT	4096	/* threads inside an allocator call */

/* The allocator call a thread is in (its slot's kind). */
enum ml_kind {
	ML_ALLOC,		/* returns the block (mmap: or MAP_FAILED) */
	ML_REALLOC,		/* returns the block; its old one goes */
	ML_MEMALIGN_PTR,	/* posix_memalign: the block in *memptr */
};

/* allocs[(process, address)]: one outstanding block. */
struct ml_alloc_key {
	__u32 tgid;
	__u32 pad;
	__u64 addr;
};

struct ml_alloc {
	__u64 size;		/* bytes asked for */
	__u64 stack;		/* its site: key in stacks, or MS_NO_STACK */
	__u64 ts_ns;		/* when it was allocated */
};

/* sites[(process, stack)]: what is outstanding (struct ms_outstanding). */
struct ml_site_key {
	__u64 stack;		/* MS_NO_STACK: blocks whose stack was lost */
	__u32 tgid;
	__u32 pad;
};

/* inflight[tid]: the outermost allocator call the thread is in. */
struct ml_slot {
	__u64 size;		/* bytes asked for */
	__u64 arg;		/* realloc: the old block; posix_memalign: memptr */
	__u64 gen;		/* cfg gen at entry: a slot of older probes is stale */
	__u64 sp;		/* stack pointer at its entry: its return's is known */
	__u32 busy;
	__u32 kind;		/* enum ml_kind */
	struct ml_alloc old;	/* realloc: the old block, if it fails */
	__u32 old_valid;
	__u32 pad;
};

/* procs[tgid]: a process seen; its first allocation sent an ml_event. */
struct ml_proc {
	char comm[MS_COMM_LEN];
};

/* Ring buffer record: a new process to read the mappings of. */
struct ml_event {
	__u32 kind;		/* 0 */
	__u32 tgid;
	char comm[MS_COMM_LEN];
};

/* Allocations and frees of tracked blocks are the sites' sums. */
enum ml_count {
	ML_FREES_UNKNOWN,	/* frees of blocks from before the start */
	ML_FAILED,		/* allocations that returned no block */
	ML_FILTERED,		/* allocations outside the size filter */
	ML_NR_COUNTS,
};

enum ml_drop {
	ML_DROP_STACK,		/* stack not walked or stored: MS_NO_STACK */
	ML_DROP_ALLOC,		/* allocs map full: block not tracked */
	ML_DROP_SITE,		/* sites map full: block not tracked */
	ML_DROP_SLOT,		/* no inflight slot: call not tracked */
	ML_DROP_PROC,		/* procs map full: process maybe unnamed */
	ML_DROP_NOTICE,		/* ring buffer full: process not announced */
	ML_NR_DROPS,
};

struct ml_cfg {
	struct ms_filter filter;
	__u64 min_size;		/* blocks outside [min_size, max_size] */
	__u64 max_size;		/* are not tracked */
	__u64 gen;		/* bumped whenever allocation probes attach */
	__u32 stacks;		/* user frames walked per stack, 0: none */
	__u32 sampled;		/* -r: most frees are of untracked blocks */
};

#endif /* __MEMLEAK_COMMON_H */
