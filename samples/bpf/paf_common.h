/* SPDX-License-Identifier: GPL-2.0 */
/* paf: page allocation failure records shared by paf_kern.c and paf_user.c. */
#ifndef __PAF_COMMON_H
#define __PAF_COMMON_H

#include "memstat_common.h"

#define PAF_NR_ZONES	4	/* eligible zones recorded, zonelist order */
#define PAF_NR_REFS	8	/* zonelist entries paf_kern.c looks at */
#define PAF_NR_ZONE_IDX	8	/* >= MAX_NR_ZONES */
#define PAF_NR_MT	8	/* >= MIGRATE_TYPES */
#define PAF_MAX_KEYS	1024	/* distinct (order, gfp, stack) in -S mode */
#define PAF_NO_STACK	0	/* paf_key.stack: none saved */

/* Written by the user side before attaching. */
struct paf_cfg {
	struct ms_filter filter;	/* -p */
	__u64 node_data;	/* &node_data[0] (CONFIG_NUMA), else 0 */
	__u64 contig_page_data;	/* &contig_page_data (!CONFIG_NUMA), else 0 */
	__u32 min_order;	/* -o */
	__u32 summary;		/* -S: count by (order, gfp, stack), no records */
	__u32 warn_only;	/* -W: skip __GFP_NOWARN requests */
	__u32 pad;
};

/* One zone as the allocator saw it (read just after the failure), pages. */
struct paf_zone {
	char name[16];
	__s32 nid;
	__u32 zone_idx;
	__u64 free;		/* vm_stat[NR_FREE_PAGES] */
	__u64 free_cma;		/* vm_stat[NR_FREE_CMA_PAGES], 0 without CMA */
	__u64 wmark[3];		/* _watermark[WMARK_MIN/LOW/HIGH], no boost */
	__u64 boost;		/* watermark_boost */
	__u64 highatomic;	/* nr_reserved_highatomic */
	__s64 lowmem_reserve[PAF_NR_ZONE_IDX];
	__u64 managed;
	__u64 present;
	__u64 nr_free[MS_NR_ORDERS];	/* free_area[order].nr_free */
	/* 1: free_area[order].free_list[migratetype] is not empty */
	__u8 lists[MS_NR_ORDERS][PAF_NR_MT];
};

/* Event flags. */
#define PAF_F_FEXIT	0x01	/* from the allocator's return (else tracepoint) */
#define PAF_F_NODEMASK	0x02	/* the caller passed a nodemask */
#define PAF_F_CMA	0x04	/* kernel has CONFIG_CMA */
#define PAF_F_CPUSETS	0x08	/* kernel has CONFIG_CPUSETS */
#define PAF_F_NUMA	0x10	/* kernel has CONFIG_NUMA */
#define PAF_F_HIGH	0x20	/* ALLOC_HIGH: __GFP_HIGH */
#define PAF_F_READ_ERR	0x40	/* some zone data could not be read */
/* ALLOC_HARDER: atomic without __GFP_NOMEMALLOC, or a realtime task */
#define PAF_F_HARDER	0x80
#define PAF_F_ALLOC_CMA	0x100	/* ALLOC_CMA: a movable request, CONFIG_CMA */
#define PAF_F_ENTRY	0x200	/* from a kprobe on the allocator's entry */
#define PAF_F_RETURN	0x400	/* from fault injection's kretprobe */

struct paf_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns() */
	__u32 pid;		/* tgid */
	__u32 tid;
	char comm[MS_COMM_LEN];
	__u32 order;
	__u32 gfp;		/* as passed to the allocator */
	__s32 preferred_nid;
	__u32 migratetype;	/* gfp_migratetype() */
	__u32 highest_zoneidx;	/* gfp_zone() */
	__u32 flags;		/* PAF_F_* */
	__u32 max_order;	/* MAX_ORDER of the kernel */
	__u32 migrate_cma;	/* MIGRATE_CMA (== MIGRATE_TYPES without CMA) */
	__u64 nodemask;		/* nodes 0..63 of the nodemask argument */
	__u64 mems_allowed;	/* nodes 0..63 of current->mems_allowed */
	__s32 mempolicy;	/* current->mempolicy->mode, -1: none */
	__u32 nr_zones;		/* zones[] filled, preferred zone first */
	__s32 stack_bytes;	/* bpf_get_stack() result (< 0: error) */
	__u32 pad;
	struct paf_zone zones[PAF_NR_ZONES];
	__u64 stack[MS_STACK_DEPTH];
};

/* Summary mode (-S): counts[key], the frames in stacks[key.stack]. */
struct paf_key {
	__u32 order;
	__u32 gfp;
	__u64 stack;		/* FNV-1a of the frames, PAF_NO_STACK: none */
};

enum paf_drop {
	PAF_DROP_RINGBUF,	/* ring buffer full: record lost */
	PAF_DROP_KEYS,		/* summary map full: failure not counted */
	PAF_DROP_STACK,		/* stack not saved (map full or error) */
	PAF_NR_DROPS,
};

#endif /* __PAF_COMMON_H */
