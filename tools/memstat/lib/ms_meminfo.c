// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: memory accounting.  /proc/meminfo folded into the
 * categories it explains memory by, and which category counts a page
 * allocated under a given kernel call path: what pagealloc, sysstat and
 * `memstat report` need to say how much memory meminfo does not explain;
 * kernel stacks kept under a hash, with the category of their pages.
 */
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "libmemstat.h"

const char *const ms_mem_cat_names[MS_MEM_NR_CATS] = {
	[MS_MEM_OTHER] = "other",
	[MS_MEM_LRU] = "lru",
	[MS_MEM_SLAB] = "slab",
	[MS_MEM_STACK] = "kernel_stack",
	[MS_MEM_PGTABLE] = "page_tables",
	[MS_MEM_VMALLOC] = "vmalloc",
	[MS_MEM_PERCPU] = "percpu",
	[MS_MEM_HUGETLB] = "hugetlb",
	[MS_MEM_UNKNOWN] = "unknown",
};

/*
 * The first rule that names a frame wins: rules go from specific to
 * broad.  The frames are the allocator's callers, innermost first.
 */
static const struct {
	const char *prefix;
	enum ms_mem_cat cat;
} cat_rules[] = {
	{ "alloc_thread_stack_node", MS_MEM_STACK },
	{ "allocate_slab", MS_MEM_SLAB },
	{ "new_slab", MS_MEM_SLAB },
	{ "kmalloc_order", MS_MEM_SLAB },
	{ "kmalloc_large_node", MS_MEM_SLAB },
	{ "__pte_alloc", MS_MEM_PGTABLE },
	{ "pte_alloc_one", MS_MEM_PGTABLE },
	{ "__pmd_alloc", MS_MEM_PGTABLE },
	{ "__pud_alloc", MS_MEM_PGTABLE },
	{ "__p4d_alloc", MS_MEM_PGTABLE },
	{ "pgd_alloc", MS_MEM_PGTABLE },
	{ "pcpu_populate_chunk", MS_MEM_PERCPU },
	{ "pcpu_alloc_pages", MS_MEM_PERCPU },
	{ "alloc_buddy_huge_page", MS_MEM_HUGETLB },
	{ "alloc_fresh_huge_page", MS_MEM_HUGETLB },
	{ "alloc_pool_huge_page", MS_MEM_HUGETLB },
	{ "alloc_pages_vma", MS_MEM_LRU },
	{ "do_anonymous_page", MS_MEM_LRU },
	{ "do_huge_pmd_anonymous_page", MS_MEM_LRU },
	{ "wp_page_copy", MS_MEM_LRU },
	{ "__page_cache_alloc", MS_MEM_LRU },
	{ "pagecache_get_page", MS_MEM_LRU },
	{ "page_cache_ra_unbounded", MS_MEM_LRU },
	{ "__do_page_cache_readahead", MS_MEM_LRU },
	{ "grab_cache_page_write_begin", MS_MEM_LRU },
	{ "shmem_alloc_page", MS_MEM_LRU },
	{ "shmem_alloc_hugepage", MS_MEM_LRU },
	{ "__read_swap_cache_async", MS_MEM_LRU },
	{ "alloc_migration_target", MS_MEM_LRU },
	{ "khugepaged_alloc_page", MS_MEM_LRU },
	/*
	 * What is left under copy_process() is its vmalloc'ed kernel stack
	 * (alloc_thread_stack_node() inlined), which KernelStack counts.
	 */
	{ "copy_process", MS_MEM_STACK },
	{ "__vmalloc_area_node", MS_MEM_VMALLOC },
	{ "__vmalloc_node_range", MS_MEM_VMALLOC },
	/*
	 * What is left under a user page fault is the faulted page itself,
	 * where the compiler inlined do_anonymous_page() and its kin (a
	 * tinyconfig build does).
	 */
	{ "handle_mm_fault", MS_MEM_LRU },
};

/*
 * Frames of the page allocator itself: past one, the stack is that of an
 * outer allocation this one was made inside (page_owner's stack depot
 * takes pages while the allocator prepares one), not this page's.
 */
static const char *const alloc_frames[] = {
	"prep_new_page", "post_alloc_hook", "get_page_from_freelist",
	"__alloc_pages",
};

enum ms_mem_cat ms_mem_cat_of(const char *const *frames, int n)
{
	size_t r;
	int i;

	for (i = 0; i < n; i++)
		for (r = 0; r < ARRAY_SIZE(alloc_frames); r++)
			if (!strncmp(frames[i], alloc_frames[r],
				     strlen(alloc_frames[r])))
				n = i;
	for (r = 0; r < ARRAY_SIZE(cat_rules); r++)
		for (i = 0; i < n; i++)
			if (!strncmp(frames[i], cat_rules[r].prefix,
				     strlen(cat_rules[r].prefix)))
				return cat_rules[r].cat;
	return MS_MEM_OTHER;
}

/* Kernel stacks in vmalloc areas (CONFIG_VMAP_STACK), in KiB. */
static long long vmap_stacks_kib(void)
{
	FILE *f = fopen("/proc/vmallocinfo", "r");
	long long pages, total = 0;
	char line[512], *p;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "alloc_thread_stack_node"))
			continue;
		p = strstr(line, " pages=");
		if (p && sscanf(p, " pages=%lld", &pages) == 1)
			total += pages;
	}
	fclose(f);
	return ms_pages_kib(total);
}

int ms_meminfo_read(struct ms_meminfo *mi)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
#define MI(key, field) { key, offsetof(struct ms_meminfo, field) }
		MI("MemTotal", total), MI("MemFree", free),
		MI("MemAvailable", available), MI("Active", active),
		MI("Inactive", inactive), MI("Unevictable", unevictable),
		MI("SReclaimable", sreclaimable), MI("SUnreclaim", sunreclaim),
		MI("KernelStack", kernel_stack), MI("PageTables", page_tables),
		MI("VmallocUsed", vmalloc_used), MI("Percpu", percpu),
		MI("Hugetlb", hugetlb),
#undef MI
	};
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256], key[64];
	long long v;
	size_t i;

	if (!f)
		return ms_set_error(-errno, "cannot read /proc/meminfo: %s",
				    strerror(errno));
	memset(mi, 0, sizeof(*mi));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^:]: %lld", key, &v) != 2)
			continue;
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			if (!strcmp(key, keys[i].key))
				*(long long *)((char *)mi + keys[i].off) = v;
	}
	fclose(f);
	/*
	 * With CONFIG_VMAP_STACK kernel stacks are vmalloc areas: counted
	 * in KernelStack and in VmallocUsed.  Count them once.
	 */
	mi->vmap_stack = vmap_stacks_kib();
	return 0;
}

long long ms_meminfo_cat(const struct ms_meminfo *mi, enum ms_mem_cat cat)
{
	switch (cat) {
	case MS_MEM_LRU:
		return mi->active + mi->inactive + mi->unevictable;
	case MS_MEM_SLAB:
		return mi->sreclaimable + mi->sunreclaim;
	case MS_MEM_STACK:
		return mi->kernel_stack;
	case MS_MEM_PGTABLE:
		return mi->page_tables;
	case MS_MEM_VMALLOC:
		return ms_clamp0(mi->vmalloc_used - mi->vmap_stack);
	case MS_MEM_PERCPU:
		return mi->percpu;
	case MS_MEM_HUGETLB:
		return mi->hugetlb;
	default:
		return 0;
	}
}

long long ms_meminfo_used(const struct ms_meminfo *mi)
{
	return mi->total - mi->free;
}

long long ms_meminfo_unexplained(const struct ms_meminfo *mi)
{
	long long explained = 0;
	int c;

	for (c = 0; c < MS_MEM_NR_CATS; c++)
		explained += ms_meminfo_cat(mi, c);
	return ms_meminfo_used(mi) - explained;
}

/* tsearch() order of struct ms_stack: by key, its first member. */
static int ms_stack_cmp(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

struct ms_stack *ms_stack_get(const struct ms_env *env, struct ms_stacks *c,
			      int fd, __u64 key, __u64 none)
{
	struct ms_stack probe = { .key = key }, **slot, *st;
	__u64 ips[MS_MAX_FRAMES];
	char *names[MS_MAX_FRAMES];
	int i;

	slot = tsearch(&probe, &c->tree, ms_stack_cmp);
	if (!slot)
		ms_fatal(env, "out of memory");
	if (*slot != &probe)
		return *slot;
	st = ms_zalloc(env, 1, sizeof(*st));
	*slot = st;
	st->key = key;
	st->id = key == none ? -1 : c->next_id++;
	st->cat = MS_MEM_UNKNOWN;
	if (st->id < 0 || bpf_map_lookup_elem(fd, &key, ips))
		return st;
	st->nframes = ms_stack_symbolize(ips, MS_MAX_FRAMES, names);
	if (st->nframes < 0)
		ms_fatal(env, "out of memory");
	for (i = 0; i < st->nframes; i++)
		st->frames[i] = ms_intern(env, &c->names, names[i]);
	st->cat = ms_mem_cat_of(st->frames, st->nframes);
	return st;
}
