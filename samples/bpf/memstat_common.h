/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memstat: what every <tool>_common.h shares, seen by both halves of a
 * tool: fixed sizes of records, the filter every config map starts
 * with, and the log2 histogram layout (printed by libmemstat's
 * ms_hist_print and ms_hist_json).  memstat_kern.h checks the sizes
 * against the kernel's own constants.
 */
#ifndef __MEMSTAT_COMMON_H
#define __MEMSTAT_COMMON_H

#define MS_COMM_LEN	16	/* TASK_COMM_LEN */
#define MS_MAX_NODES	64	/* nodes tracked; bits of a __u64 node mask */
#define MS_NR_ORDERS	16	/* >= MAX_ORDER of any supported config */
#define MS_STACK_DEPTH	32	/* frames kept per stack */
#define MS_NO_STACK	0	/* ms_stack_key(): no stack stored */

/*
 * A stack kept by ms_stack_key() (memstat_kern.h): frames innermost
 * first, 0-padded, under a 64-bit hash of them.
 */
struct ms_frames {
	__u64 ip[MS_STACK_DEPTH];
};

/*
 * The first member of every tool's config: who is traced.  -c names a
 * cgroup by its id (the inode number of its directory) and its depth in
 * its hierarchy, so that a task is in it or below it when the ancestor
 * of the task's cgroup at that depth has that id (cgroup->ancestor_ids).
 */
struct ms_filter {
	__u32 tgid;		/* -p: only this process, 0: all */
	__s32 cg_subsys;	/* -c in v1: the controller's index, -1: v2 */
	__u64 cg_id;		/* -c: the cgroup's id, 0: every cgroup */
	__u32 cg_level;		/* -c: its depth, 0 for the root */
	__u32 pad;
};

/*
 * What is outstanding from one call path (memleak, kleak): blocks and
 * bytes now, allocations since the start (the frees are the difference).
 */
struct ms_outstanding {
	__s64 bytes;
	__s64 count;
	__u64 allocs;
	__u64 alloc_bytes;
};

/*
 * Where an argument of a USDT probe is (ms_usdt_args() reads a note's
 * "SIZE@OPERAND" into one, memstat_kern.h's ms_usdt_arg() reads it).
 */
#define MS_USDT_MAX_ARGS	12	/* the most sdt.h passes */

enum ms_usdt_loc {
	MS_USDT_NONE,		/* an operand not decoded: no value */
	MS_USDT_IMM,		/* the constant @val */
	MS_USDT_REG,		/* the register at @reg in struct pt_regs */
	MS_USDT_MEM,		/* memory at that register + @val */
};

struct ms_usdt_arg {
	__s64 val;
	__u16 reg;
	__s8 size;		/* bytes; negative: signed */
	__u8 loc;		/* enum ms_usdt_loc */
	__u32 pad;
};

/*
 * log2 histograms: slot 0 holds the values 0 and 1, slot k (k >= 1) the
 * values 2^k to 2^(k+1) - 1; values beyond the last slot land in it.
 */
#define MS_HIST_SLOTS	32

struct ms_hist {
	__u64 slots[MS_HIST_SLOTS];
};

#endif /* __MEMSTAT_COMMON_H */
