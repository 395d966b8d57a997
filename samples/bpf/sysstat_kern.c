// SPDX-License-Identifier: GPL-2.0
/*
 * sysstat: the system's meminfo-style breakdown, from the kernel's global
 * and per-node counters (vm_zone_stat, vm_node_stat, pglist_data), read on
 * demand.
 *
 * The program is a raw_tracepoint program that is never attached: the user
 * side runs it with BPF_PROG_TEST_RUN (5.10+, ms_bpf_run) once per report.  So sysstat
 * costs nothing between reports and never runs on the allocation path
 * (a hook on get_page_from_freelist() would run on every allocation).  Kernel
 * addresses come from /proc/kallsyms; struct layouts and enum values come
 * from the tree this file is built in.
 */
#include <linux/mm.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "sysstat_common.h"
#include "memstat_kern.h"

/* cfg[0]: kernel addresses, written by the user side before the first run. */
MS_CONFIG_MAP(struct sysstat_cfg);

/* snapshot[0]: the result of the last run, read by the user side. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sysstat_snapshot);
} snapshot SEC(".maps");

/*
 * Errors are OR-ed, not counted: a branch per read would multiply the
 * states the verifier walks through the node and zone loops.
 */
static __always_inline long read_long(__u64 addr, long *err)
{
	long v = 0;

	*err |= bpf_probe_read_kernel(&v, sizeof(v), (void *)addr);
	return v;
}

#define STAT(base, item) ((base) + (item) * sizeof(atomic_long_t))

/* Node items, from vm_node_stat (global) or pglist_data->vm_stat. */
static __always_inline void read_node_items(struct sysstat_counters *c,
					    __u64 base, long *errors)
{
	long thp_pages = 0;

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	thp_pages = HPAGE_PMD_NR;
#endif
	c->item[SYSSTAT_INACTIVE_ANON] = read_long(STAT(base, NR_INACTIVE_ANON), errors);
	c->item[SYSSTAT_ACTIVE_ANON] = read_long(STAT(base, NR_ACTIVE_ANON), errors);
	c->item[SYSSTAT_INACTIVE_FILE] = read_long(STAT(base, NR_INACTIVE_FILE), errors);
	c->item[SYSSTAT_ACTIVE_FILE] = read_long(STAT(base, NR_ACTIVE_FILE), errors);
	c->item[SYSSTAT_UNEVICTABLE] = read_long(STAT(base, NR_UNEVICTABLE), errors);
	c->item[SYSSTAT_FILE_DIRTY] = read_long(STAT(base, NR_FILE_DIRTY), errors);
	c->item[SYSSTAT_WRITEBACK] = read_long(STAT(base, NR_WRITEBACK), errors);
	c->item[SYSSTAT_ANON_MAPPED] = read_long(STAT(base, NR_ANON_MAPPED), errors);
	c->item[SYSSTAT_FILE_MAPPED] = read_long(STAT(base, NR_FILE_MAPPED), errors);
	c->item[SYSSTAT_SHMEM] = read_long(STAT(base, NR_SHMEM), errors);
	/* The _B slab items are kept in pages at node level (vmstat.c). */
	c->item[SYSSTAT_SLAB_RECLAIMABLE] =
		read_long(STAT(base, NR_SLAB_RECLAIMABLE_B), errors);
	c->item[SYSSTAT_SLAB_UNRECLAIMABLE] =
		read_long(STAT(base, NR_SLAB_UNRECLAIMABLE_B), errors);
	c->item[SYSSTAT_KERNEL_MISC_RECLAIMABLE] =
		read_long(STAT(base, NR_KERNEL_MISC_RECLAIMABLE), errors);
	c->item[SYSSTAT_WRITEBACK_TEMP] = read_long(STAT(base, NR_WRITEBACK_TEMP), errors);
	c->item[SYSSTAT_ANON_THPS] = read_long(STAT(base, NR_ANON_THPS), errors) *
				thp_pages;
	c->item[SYSSTAT_SHMEM_THPS] = read_long(STAT(base, NR_SHMEM_THPS), errors) *
				 thp_pages;
}

/* Free pages and watermarks of one node's zones, into @node and @global. */
static __always_inline void read_zones(struct sysstat_counters *node,
				       struct sysstat_counters *global,
				       __u64 pgdat, long *errors)
{
	int z;

	for (z = 0; z < MAX_NR_ZONES; z++) {
		__u64 zone = pgdat + offsetof(struct pglist_data, node_zones) +
			     z * sizeof(struct zone);
		long low, managed;

		node->item[SYSSTAT_FREE] +=
			read_long(STAT(zone + offsetof(struct zone, vm_stat),
				       NR_FREE_PAGES), errors);
		/* low_wmark_pages() */
		low = read_long(zone + offsetof(struct zone, _watermark) +
				WMARK_LOW * sizeof(unsigned long), errors) +
		      read_long(zone + offsetof(struct zone, watermark_boost),
				errors);
		node->item[SYSSTAT_WMARK_LOW] += low;
		global->item[SYSSTAT_WMARK_LOW] += low;
		managed = read_long(zone + offsetof(struct zone, managed_pages),
				    errors);
		node->item[SYSSTAT_MANAGED] += managed;
		global->item[SYSSTAT_MANAGED] += managed;
	}
}

SEC("raw_tracepoint/sysstat")
int sysstat_snapshot(void *ctx)
{
	struct sysstat_cfg *conf = ms_cfg();
	struct sysstat_snapshot *snap;
	__u32 zero = 0;
	long errors = 0;
	int nid;

	snap = bpf_map_lookup_elem(&snapshot, &zero);
	if (!conf || !snap)
		return 1;
	/* Every field is written below: the map value is too big to memset. */
	snap->node_present = 0;
	snap->nr_nodes = 0;
	snap->read_errors = 0;
	snap->global.item[SYSSTAT_WMARK_LOW] = 0;
	snap->global.item[SYSSTAT_MANAGED] = 0;
	snap->global.item[SYSSTAT_FREE] =
		read_long(STAT(conf->vm_zone_stat, NR_FREE_PAGES), &errors);
	read_node_items(&snap->global, conf->vm_node_stat, &errors);
	snap->totalreserve_pages = read_long(conf->totalreserve_pages, &errors);
	snap->totalram_pages = read_long(conf->totalram_pages, &errors);

	if (errors)
		snap->read_errors++;
	errors = 0;
	for (nid = 0; nid < MS_MAX_NODES; nid++) {
		struct sysstat_counters *node = &snap->node[nid];
		__u64 pgdat;

		/* node_data[] has MAX_NUMNODES entries. */
		if (nid >= conf->max_node_ids || nid >= MAX_NUMNODES)
			break;
		if (conf->node_data)
			pgdat = read_long(conf->node_data + nid * sizeof(void *),
					  &errors);
		else
			pgdat = nid ? 0 : conf->contig_page_data;
		if (!pgdat)
			continue;
		snap->node_present |= 1ULL << nid;
		snap->nr_nodes++;
		node->item[SYSSTAT_FREE] = 0;
		node->item[SYSSTAT_WMARK_LOW] = 0;
		node->item[SYSSTAT_MANAGED] = 0;
		read_node_items(node, pgdat + offsetof(struct pglist_data, vm_stat),
				&errors);
		read_zones(node, &snap->global, pgdat, &errors);
		if (errors)
			snap->read_errors++;
		errors = 0;
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
