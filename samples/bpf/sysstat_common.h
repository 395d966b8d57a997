/* SPDX-License-Identifier: GPL-2.0 */
/* sysstat: snapshot layout shared by sysstat_kern.c and sysstat_user.c. */
#ifndef __SYSSTAT_COMMON_H
#define __SYSSTAT_COMMON_H

#include "memstat_common.h"

/* Raw counters, in pages, named after the kernel items they come from. */
enum sysstat_item {
	SYSSTAT_FREE,		/* zone NR_FREE_PAGES */
	SYSSTAT_INACTIVE_ANON,	/* node NR_INACTIVE_ANON */
	SYSSTAT_ACTIVE_ANON,
	SYSSTAT_INACTIVE_FILE,
	SYSSTAT_ACTIVE_FILE,
	SYSSTAT_UNEVICTABLE,
	SYSSTAT_FILE_DIRTY,
	SYSSTAT_WRITEBACK,
	SYSSTAT_ANON_MAPPED,
	SYSSTAT_FILE_MAPPED,
	SYSSTAT_SHMEM,
	SYSSTAT_SLAB_RECLAIMABLE,
	SYSSTAT_SLAB_UNRECLAIMABLE,
	SYSSTAT_KERNEL_MISC_RECLAIMABLE,
	SYSSTAT_WRITEBACK_TEMP,
	SYSSTAT_ANON_THPS,		/* already multiplied by HPAGE_PMD_NR */
	SYSSTAT_SHMEM_THPS,		/* likewise */
	SYSSTAT_WMARK_LOW,		/* sum of low_wmark_pages() over zones */
	SYSSTAT_MANAGED,		/* sum of zone managed pages */
	SYSSTAT_NR_ITEMS,
};

struct sysstat_counters {
	__s64 item[SYSSTAT_NR_ITEMS];
};

/* Kernel addresses from /proc/kallsyms, written by the user side. */
struct sysstat_cfg {
	__u64 vm_zone_stat;		/* atomic_long_t[NR_VM_ZONE_STAT_ITEMS] */
	__u64 vm_node_stat;		/* atomic_long_t[NR_VM_NODE_STAT_ITEMS] */
	__u64 totalreserve_pages;	/* unsigned long */
	__u64 totalram_pages;		/* _totalram_pages, atomic_long_t */
	__u64 node_data;		/* struct pglist_data *[] (NUMA) */
	__u64 contig_page_data;		/* struct pglist_data (!NUMA) */
	__u32 max_node_ids;		/* node_data[] entries to walk */
	__u32 pad;
};

/* What one on-demand run of the program leaves in the snapshot map. */
struct sysstat_snapshot {
	struct sysstat_counters global;
	struct sysstat_counters node[MS_MAX_NODES];
	__u64 node_present;		/* bit n: node n exists */
	__u64 totalreserve_pages;
	__u64 totalram_pages;
	__u32 nr_nodes;			/* nodes walked */
	__u32 read_errors;		/* passes (global, each node) with a failed read */
};

#endif /* __SYSSTAT_COMMON_H */
