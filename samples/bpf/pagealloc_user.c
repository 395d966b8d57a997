// SPDX-License-Identifier: GPL-2.0
/*
 * pagealloc: all memory allocated through the page allocator since the
 * start, by kernel call path, process, order, gfp flags, migratetype and
 * (with the mm_page_alloc_path event) the allocator step that served it;
 * what of it is still allocated, and how much of the memory in use
 * /proc/meminfo does not explain.
 *
 * Attach points (pagealloc_kern.c), raw tracepoints of kmem:
 * mm_page_alloc_path when the kernel has it (patched kernels), else
 * mm_page_alloc; mm_page_free.  Requires CONFIG_BPF_SYSCALL,
 * CONFIG_BPF_EVENTS and CONFIG_TRACEPOINTS; call paths CONFIG_STACKTRACE.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libmemstat.h"
#include "pagealloc_common.h"

static const char usage[] =
"Usage: pagealloc [-n N] [-f N] [-p PID] [-S] [-t | -k] [-M N] [-G N] [-jTBv]\n"
"                 [-d SEC] [interval [count]]\n"
"\n"
"Every page allocation through the page allocator (alloc_pages and all\n"
"its callers) from the start on: pages allocated and freed, and still\n"
"allocated (outstanding), by kernel call path, process, order, gfp flags,\n"
"migratetype and allocator step (fast, slow, compact, reclaim, oom,\n"
"nofail, fail: needs the mm_page_alloc_path event of a patched kernel).\n"
"Then how much of the memory in use /proc/meminfo does not explain, and\n"
"which call paths outside its categories hold pages.  With an interval,\n"
"a report per interval (top paths by outstanding pages and by rate);\n"
"always a summary when it ends (Ctrl-C, SIGTERM, -d or count).\n"
"\n"
"Options:\n"
"  -n, --top N         rows per table (default 10)\n"
"  -f, --frames N      stack frames printed per path (default 8, max 32)\n"
"  -p, --pid PID       only allocations made by process PID\n"
"  -S, --no-stacks     no call paths (cheaper: per process etc. only)\n"
"  -t, --tracepoint    use kmem:mm_page_alloc even if the kernel has\n"
"                      mm_page_alloc_path (no allocator steps)\n"
"  -k, --kprobe        count requests at the allocator entry by kprobe\n"
"                      instead: no pages, frees or failures (to compare\n"
"                      the cost of the hooks)\n"
"  -M, --max-blocks N  outstanding blocks tracked (default 131072)\n"
"  -G, --max-groups N  distinct (path, process, gfp, order, step) groups\n"
"                      (default 16384)\n"
"\n"
"Blocks allocated before the start are not known: their frees are\n"
"counted apart (\"freed, allocated before\"), never subtracted.  A block\n"
"that cannot be tracked (map full) is counted in the drops line.\n"
"\n"
"Examples:\n"
"  pagealloc -d 10          # top paths after 10 seconds\n"
"  pagealloc 5              # a report every 5 seconds, until Ctrl-C\n"
"  pagealloc -S -p 1234 1   # pages of process 1234, every second\n"
"  pagealloc -j -d 60       # JSON Lines\n";

#define PA_FRAMES_DEFAULT	8

static const char *const path_names[16] = {
	[PA_PATH_FAST] = "fast",	[PA_PATH_SLOW] = "slow",
	[PA_PATH_COMPACT] = "compact",	[PA_PATH_RECLAIM] = "reclaim",
	[PA_PATH_OOM] = "oom",		[PA_PATH_NOFAIL] = "nofail",
	[PA_PATH_FAIL] = "fail",	[PA_PATH_DHUGETLB] = "dhugetlb",
	[PA_PATH_ANY] = "any",		[PA_PATH_UNKNOWN] = "unknown",
};

/*
 * The /proc/meminfo category that counts a page, from the first frame of
 * its call path (caller side of the allocator) that names one.  Paths
 * that match none hold memory meminfo does not explain.
 */
enum pa_category {
	PA_CAT_OTHER,		/* in no meminfo category */
	PA_CAT_LRU,		/* anon, file, shmem: Active/Inactive/Unevictable */
	PA_CAT_SLAB,
	PA_CAT_STACK,
	PA_CAT_PGTABLE,
	PA_CAT_VMALLOC,
	PA_CAT_PERCPU,
	PA_CAT_HUGETLB,
	PA_CAT_UNKNOWN,		/* no call path recorded */
	PA_NR_CATS,
};

static const char *const cat_names[PA_NR_CATS] = {
	"other", "lru", "slab", "kernel_stack", "page_tables", "vmalloc",
	"percpu", "hugetlb", "unknown",
};

static const struct {
	const char *prefix;
	enum pa_category cat;
} cat_rules[] = {
	{ "alloc_thread_stack_node", PA_CAT_STACK },
	{ "allocate_slab", PA_CAT_SLAB },
	{ "new_slab", PA_CAT_SLAB },
	{ "kmalloc_order", PA_CAT_SLAB },
	{ "kmalloc_large_node", PA_CAT_SLAB },
	{ "__pte_alloc", PA_CAT_PGTABLE },
	{ "pte_alloc_one", PA_CAT_PGTABLE },
	{ "__pmd_alloc", PA_CAT_PGTABLE },
	{ "__pud_alloc", PA_CAT_PGTABLE },
	{ "__p4d_alloc", PA_CAT_PGTABLE },
	{ "pgd_alloc", PA_CAT_PGTABLE },
	{ "pcpu_populate_chunk", PA_CAT_PERCPU },
	{ "pcpu_alloc_pages", PA_CAT_PERCPU },
	{ "alloc_buddy_huge_page", PA_CAT_HUGETLB },
	{ "alloc_fresh_huge_page", PA_CAT_HUGETLB },
	{ "alloc_pool_huge_page", PA_CAT_HUGETLB },
	{ "alloc_pages_vma", PA_CAT_LRU },
	{ "do_anonymous_page", PA_CAT_LRU },
	{ "do_huge_pmd_anonymous_page", PA_CAT_LRU },
	{ "wp_page_copy", PA_CAT_LRU },
	{ "__page_cache_alloc", PA_CAT_LRU },
	{ "pagecache_get_page", PA_CAT_LRU },
	{ "page_cache_ra_unbounded", PA_CAT_LRU },
	{ "__do_page_cache_readahead", PA_CAT_LRU },
	{ "grab_cache_page_write_begin", PA_CAT_LRU },
	{ "shmem_alloc_page", PA_CAT_LRU },
	{ "shmem_alloc_hugepage", PA_CAT_LRU },
	{ "__read_swap_cache_async", PA_CAT_LRU },
	{ "alloc_migration_target", PA_CAT_LRU },
	{ "khugepaged_alloc_page", PA_CAT_LRU },
	/*
	 * What is left under copy_process() is its vmalloc'ed kernel stack
	 * (alloc_thread_stack_node() inlined), which KernelStack counts.
	 */
	{ "copy_process", PA_CAT_STACK },
	{ "__vmalloc_area_node", PA_CAT_VMALLOC },
	{ "__vmalloc_node_range", PA_CAT_VMALLOC },
	/*
	 * What is left under a user page fault is the faulted page itself,
	 * where the compiler inlined do_anonymous_page() and its kin (a
	 * tinyconfig build does).
	 */
	{ "handle_mm_fault", PA_CAT_LRU },
};

struct pa_env {
	struct ms_env common;
	unsigned long top;		/* -n */
	unsigned long frames;		/* -f */
	pid_t pid;			/* -p, 0: all */
	bool no_stacks;			/* -S */
	bool force_tp;			/* -t */
	bool kprobe;			/* -k */
	unsigned long max_live;		/* -M */
	unsigned long max_groups;	/* -G */
};

/* A call path as printed: symbolized once, kept for the whole run. */
struct pa_stack {
	bool known;
	int nframes;
	char **frames;
	enum pa_category cat;
};

/* Sums of groups for one row of a table (a path, process, order...). */
struct pa_sum {
	__u64 id;
	__u64 alloc_blocks, alloc_pages, untracked_pages, free_pages, fail;
	__u64 rate_pages;		/* allocated in the last interval */
};

struct pa_meminfo {
	long long total, free, lru, slab, stack, pgtable, vmalloc, percpu,
		  hugetlb, vmap_stack;
};

struct pa_ctx {
	struct pa_env *env;
	int groups_fd, counts_fd, comms_fd, stacks_fd;
	const char *event;		/* tracepoint counting allocations */
	struct ms_ksyms *ksyms;
	char *modules;			/* /proc/modules when ksyms was read */
	__u64 text_lo, text_hi;		/* the kernel's _stext, _etext */
	struct pa_range {
		__u64 lo, hi;
	} *mods;			/* module core text, from /proc/modules */
	size_t nmods;
	/*
	 * Call paths by stack id, a dense index given to each hash the
	 * kernel stores them under; [PA_MAX_STACKS]: none.
	 */
	struct pa_stack *stacks;
	__u64 *stack_hash;		/* by stack id */
	struct pa_stack_slot {
		__u64 hash;
		__s32 id;
	} *stack_tab;			/* open addressing, hash -> id */
	__s32 nstacks;
	__u64 *prev_stack_pages;	/* alloc_pages per stack, last report */
	__u64 prev_total_pages;
	struct pa_sum *sums;
	size_t sums_cap;
	struct pa_meminfo mi_start, mi_now;
	double start, last;		/* CLOCK_MONOTONIC seconds */
	unsigned long reports;
	/* The groups of the report being printed. */
	struct pa_group_key *keys;
	struct pa_group *vals;
	__s32 *ids;			/* stack id of each key */
	size_t nkeys;
	long page_kib;
};

static void parse_args(struct pa_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "top", required_argument, NULL, 'n' },
		{ "frames", required_argument, NULL, 'f' },
		{ "pid", required_argument, NULL, 'p' },
		{ "no-stacks", no_argument, NULL, 'S' },
		{ "tracepoint", no_argument, NULL, 't' },
		{ "kprobe", no_argument, NULL, 'k' },
		{ "max-blocks", required_argument, NULL, 'M' },
		{ "max-groups", required_argument, NULL, 'G' },
		{},
	};
	int opt;

	env->top = 10;
	env->frames = PA_FRAMES_DEFAULT;
	env->max_live = PA_MAX_LIVE;
	env->max_groups = PA_MAX_GROUPS;
	while ((opt = ms_getopt(&env->common, argc, argv, "n:f:p:StkM:G:",
				longopts)) != -1) {
		switch (opt) {
		case 'n':
			env->top = ms_parse_ulong_or_die(&env->common, "top",
							 optarg, 1, INT_MAX);
			break;
		case 'f':
			env->frames = ms_parse_ulong_or_die(&env->common,
							    "frames", optarg,
							    1, PA_STACK_DEPTH);
			break;
		case 'p':
			env->pid = ms_parse_ulong_or_die(&env->common, "pid",
							 optarg, 1, INT_MAX);
			break;
		case 'S':
			env->no_stacks = true;
			break;
		case 't':
			env->force_tp = true;
			break;
		case 'k':
			env->kprobe = true;
			break;
		case 'M':
			env->max_live = ms_parse_ulong_or_die(&env->common,
							      "max-blocks",
							      optarg, 1024,
							      1UL << 26);
			break;
		case 'G':
			env->max_groups = ms_parse_ulong_or_die(&env->common,
								"max-groups",
								optarg, 256,
								1UL << 22);
			break;
		}
	}
	if (env->force_tp && env->kprobe)
		ms_usage_error(&env->common, "-t and -k do not go together");
	if (env->pid)
		ms_check_pid(&env->common, env->pid);
}

/* /proc/meminfo in KiB, folded into the categories of enum pa_category. */
static int read_meminfo(struct pa_meminfo *mi)
{
	long long active = 0, inactive = 0, unevictable = 0, sreclaim = 0,
		  sunreclaim = 0, v;
	char line[256], key[64];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -errno;
	memset(mi, 0, sizeof(*mi));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^:]: %lld", key, &v) != 2)
			continue;
		if (!strcmp(key, "MemTotal"))
			mi->total = v;
		else if (!strcmp(key, "MemFree"))
			mi->free = v;
		else if (!strcmp(key, "Active"))
			active = v;
		else if (!strcmp(key, "Inactive"))
			inactive = v;
		else if (!strcmp(key, "Unevictable"))
			unevictable = v;
		else if (!strcmp(key, "SReclaimable"))
			sreclaim = v;
		else if (!strcmp(key, "SUnreclaim"))
			sunreclaim = v;
		else if (!strcmp(key, "KernelStack"))
			mi->stack = v;
		else if (!strcmp(key, "PageTables"))
			mi->pgtable = v;
		else if (!strcmp(key, "VmallocUsed"))
			mi->vmalloc = v;
		else if (!strcmp(key, "Percpu"))
			mi->percpu = v;
		else if (!strcmp(key, "Hugetlb"))
			mi->hugetlb = v;
	}
	fclose(f);
	mi->lru = active + inactive + unevictable;
	mi->slab = sreclaim + sunreclaim;

	/*
	 * With CONFIG_VMAP_STACK kernel stacks are vmalloc areas: counted
	 * in KernelStack and in VmallocUsed.  Count them once.
	 */
	f = fopen("/proc/vmallocinfo", "r");
	if (f) {
		long long pages;
		char *p;

		while (fgets(line, sizeof(line), f)) {
			if (!strstr(line, "alloc_thread_stack_node"))
				continue;
			p = strstr(line, " pages=");
			if (p && sscanf(p, " pages=%lld", &pages) == 1)
				mi->vmap_stack += pages;
		}
		fclose(f);
		mi->vmap_stack *= ms_page_kib();
	}
	return 0;
}

static long long mi_used(const struct pa_meminfo *mi)
{
	return mi->total - mi->free;
}

static long long mi_explained(const struct pa_meminfo *mi)
{
	long long vmalloc = mi->vmalloc - mi->vmap_stack;

	return mi->lru + mi->slab + mi->stack + mi->pgtable +
	       (vmalloc > 0 ? vmalloc : 0) + mi->percpu + mi->hugetlb;
}

static long long mi_unexplained(const struct pa_meminfo *mi)
{
	return mi_used(mi) - mi_explained(mi);
}

/* The frames to show: the allocator's own frames and BPF's are cut off. */
static bool is_allocator_entry(const char *name)
{
	return !strncmp(name, "__alloc_pages_nodemask", 22) ||
	       !strcmp(name, "__alloc_pages") ||
	       !strncmp(name, "__alloc_pages.", 14);
}

/* The first rule that names a frame wins: rules go from specific to broad. */
static enum pa_category classify(const struct pa_stack *st)
{
	size_t r;
	int i;

	for (r = 0; r < ARRAY_SIZE(cat_rules); r++)
		for (i = 0; i < st->nframes; i++)
			if (!strncmp(st->frames[i], cat_rules[r].prefix,
				     strlen(cat_rules[r].prefix)))
				return cat_rules[r].cat;
	return PA_CAT_OTHER;
}

/* /proc/modules as one string (NULL if unreadable), to see loads. */
static char *read_modules(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen("/proc/modules", "r");
	FILE *m;
	int c;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	if (m) {
		while ((c = fgetc(f)) != EOF)
			fputc(c, m);
		fclose(m);
	}
	fclose(f);
	return buf;
}

/* The loaded modules' address ranges ("name size refs deps state addr"). */
static void parse_modules(struct pa_ctx *ctx)
{
	unsigned long long size, addr;
	char *copy, *line, *save = NULL;
	size_t n = 1;

	free(ctx->mods);
	ctx->mods = NULL;
	ctx->nmods = 0;
	if (!ctx->modules)
		return;
	for (line = ctx->modules; *line; line++)
		n += *line == '\n';
	ctx->mods = ms_zalloc(&ctx->env->common, n, sizeof(*ctx->mods));
	copy = strdup(ctx->modules);
	if (!copy)
		ms_fatal(&ctx->env->common, "out of memory");
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%*s %llu %*s %*s %*s %llx", &size, &addr) != 2)
			continue;
		ctx->mods[ctx->nmods].lo = addr;
		ctx->mods[ctx->nmods].hi = addr + size;
		ctx->nmods++;
	}
	free(copy);
}

/*
 * An address kallsyms can name: kernel text or a loaded module.  Freed
 * init code (of the kernel or a module) and unloaded modules cannot be
 * named; the nearest symbol below would be another function's.
 */
static bool nameable(const struct pa_ctx *ctx, __u64 ip)
{
	size_t i;

	if (ip >= ctx->text_lo && ip < ctx->text_hi)
		return true;
	for (i = 0; i < ctx->nmods; i++)
		if (ip >= ctx->mods[i].lo && ip < ctx->mods[i].hi)
			return true;
	return false;
}

/*
 * Reread the kernel symbols when modules came or went since they were
 * read: stacks through a new module must name its functions.
 */
static void refresh_ksyms(struct pa_ctx *ctx)
{
	char *now = read_modules();
	struct ms_ksyms *ks;

	if (!now || (ctx->modules && !strcmp(now, ctx->modules))) {
		free(now);
		return;
	}
	free(ctx->modules);
	ctx->modules = now;
	parse_modules(ctx);
	ks = ms_ksyms_load();
	if (ks) {
		ms_ksyms_free(ctx->ksyms);
		ctx->ksyms = ks;
	}
}

static void symbolize(struct pa_ctx *ctx, __s32 id)
{
	struct pa_stack *st = &ctx->stacks[id];
	int i, n = 0, first = 0;
	struct pa_frames f;
	__u64 *ips = f.ip;
	char buf[256];

	st->known = true;
	st->cat = PA_CAT_UNKNOWN;
	if (bpf_map_lookup_elem(ctx->stacks_fd, &ctx->stack_hash[id], &f))
		return;
	while (n < PA_STACK_DEPTH && ips[n])
		n++;
	for (i = 0; i < n; i++) {
		const char *name = ms_ksyms_lookup(ctx->ksyms, ips[i], NULL);

		if (name && is_allocator_entry(name)) {
			first = i + 1;
			break;
		}
	}
	st->frames = ms_zalloc(&ctx->env->common, n - first + 1,
			       sizeof(*st->frames));
	for (i = first; i < n; i++) {
		if (!nameable(ctx, ips[i]))
			snprintf(buf, sizeof(buf), "0x%llx",
				 (unsigned long long)ips[i]);
		else
			ms_ksyms_format(ctx->ksyms, ips[i], buf, sizeof(buf));
		st->frames[st->nframes] = strdup(buf);
		if (!st->frames[st->nframes])
			ms_fatal(&ctx->env->common, "out of memory");
		st->nframes++;
	}
	st->cat = classify(st);
}

static struct pa_stack *stack_of(struct pa_ctx *ctx, __s32 id)
{
	if (id < 0 || id >= PA_MAX_STACKS)
		return &ctx->stacks[PA_MAX_STACKS];
	if (!ctx->stacks[id].known)
		symbolize(ctx, id);
	return &ctx->stacks[id];
}

#define PA_STACK_TAB	(2 * PA_MAX_STACKS)	/* a power of two */

/* The stack id of call path @hash, given at first sight; -1: none. */
static __s32 stack_id(struct pa_ctx *ctx, __u64 hash)
{
	size_t i = (hash ^ hash >> 32) & (PA_STACK_TAB - 1);
	struct pa_stack_slot *s;

	if (hash == PA_NO_STACK)
		return -1;
	for (;; i = (i + 1) & (PA_STACK_TAB - 1)) {
		s = &ctx->stack_tab[i];
		if (s->hash == hash)
			return s->id;
		if (!s->hash)
			break;
	}
	/* The kernel stores at most PA_MAX_STACKS paths: never full. */
	if (ctx->nstacks >= PA_MAX_STACKS)
		return -1;
	s->hash = hash;
	s->id = ctx->nstacks++;
	ctx->stack_hash[s->id] = hash;
	return s->id;
}

/* All groups, read from the kernel; returns how many, or -errno. */
static ssize_t read_groups(struct pa_ctx *ctx, struct pa_group_key **keys,
			   struct pa_group **vals)
{
	size_t n = 0, cap = ctx->env->max_groups;
	struct pa_group_key key, next, *kp = NULL;

	*keys = ms_zalloc(&ctx->env->common, cap, sizeof(**keys));
	*vals = ms_zalloc(&ctx->env->common, cap, sizeof(**vals));
	while (n < cap && !bpf_map_get_next_key(ctx->groups_fd, kp, &next)) {
		key = next;
		kp = &key;
		if (bpf_map_lookup_elem(ctx->groups_fd, &key, &(*vals)[n]))
			continue;
		(*keys)[n++] = key;
	}
	return n;
}

static struct pa_sum *sum_slot(struct pa_ctx *ctx, size_t *n, __u64 id)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (ctx->sums[i].id == id)
			return &ctx->sums[i];
	if (*n == ctx->sums_cap) {
		ctx->sums_cap = ctx->sums_cap ? ctx->sums_cap * 2 : 256;
		ctx->sums = realloc(ctx->sums,
				    ctx->sums_cap * sizeof(*ctx->sums));
		if (!ctx->sums)
			ms_fatal(&ctx->env->common, "out of memory");
	}
	memset(&ctx->sums[*n], 0, sizeof(ctx->sums[*n]));
	ctx->sums[*n].id = id;
	return &ctx->sums[(*n)++];
}

static __s64 outstanding(const struct pa_sum *s)
{
	return (__s64)(s->alloc_pages - s->untracked_pages - s->free_pages);
}

static int cmp_outstanding(const void *a, const void *b)
{
	__s64 x = outstanding(a), y = outstanding(b);
	const struct pa_sum *p = a, *q = b;

	if (x != y)
		return x < y ? 1 : -1;
	if (p->alloc_pages != q->alloc_pages)
		return p->alloc_pages < q->alloc_pages ? 1 : -1;
	return p->id < q->id ? -1 : p->id > q->id;
}

static int cmp_rate(const void *a, const void *b)
{
	const struct pa_sum *p = a, *q = b;

	if (p->rate_pages != q->rate_pages)
		return p->rate_pages < q->rate_pages ? 1 : -1;
	return cmp_outstanding(a, b);
}

static int cmp_id(const void *a, const void *b)
{
	const struct pa_sum *p = a, *q = b;

	return p->id < q->id ? -1 : p->id > q->id;
}

enum pa_dim { PA_BY_STACK, PA_BY_PROC, PA_BY_ORDER, PA_BY_MT, PA_BY_PATH,
	      PA_BY_GFP, PA_BY_CAT, PA_NR_DIMS };

static const char *const dim_names[PA_NR_DIMS] = {
	"paths", "processes", "orders", "migratetypes", "steps", "gfp",
	"categories",
};

static __u64 dim_id(struct pa_ctx *ctx, enum pa_dim dim,
		    const struct pa_group_key *k, __s32 sid)
{
	switch (dim) {
	case PA_BY_STACK:
		return (__u32)sid;
	case PA_BY_PROC:
		return k->tgid;
	case PA_BY_ORDER:
		return k->order;
	case PA_BY_MT:
		return k->migratetype;
	case PA_BY_PATH:
		return k->path;
	case PA_BY_GFP:
		return k->gfp;
	default:
		return stack_of(ctx, sid)->cat;
	}
}

/* Sum the groups along @dim into ctx->sums; returns the row count. */
static size_t sum_by(struct pa_ctx *ctx, enum pa_dim dim,
		     const struct pa_group_key *keys,
		     const struct pa_group *vals, size_t n)
{
	size_t i, rows = 0;

	for (i = 0; i < n; i++) {
		struct pa_sum *s = sum_slot(ctx, &rows,
					    dim_id(ctx, dim, &keys[i],
						   ctx->ids[i]));

		s->alloc_blocks += vals[i].alloc_blocks;
		s->alloc_pages += vals[i].alloc_pages;
		s->untracked_pages += vals[i].untracked_pages;
		s->free_pages += vals[i].free_pages;
		s->fail += vals[i].fail;
	}
	return rows;
}

static void comm_of(struct pa_ctx *ctx, __u32 tgid, char *comm)
{
	if (bpf_map_lookup_elem(ctx->comms_fd, &tgid, comm))
		strcpy(comm, "?");
	comm[PA_COMM_LEN - 1] = 0;
}

static const char *row_name(struct pa_ctx *ctx, enum pa_dim dim, __u64 id,
			    char *buf, size_t len)
{
	char comm[PA_COMM_LEN];

	switch (dim) {
	case PA_BY_PROC:
		comm_of(ctx, id, comm);
		snprintf(buf, len, "%llu %s", (unsigned long long)id, comm);
		return buf;
	case PA_BY_ORDER:
		snprintf(buf, len, "%llu", (unsigned long long)id);
		return buf;
	case PA_BY_MT:
		return ms_migratetype_name(id);
	case PA_BY_PATH:
		return path_names[id & 15] ? path_names[id & 15] : "?";
	case PA_BY_GFP:
		return ms_gfp_decode(id, buf, len);
	case PA_BY_CAT:
		return cat_names[id < PA_NR_CATS ? id : PA_CAT_UNKNOWN];
	default:
		snprintf(buf, len, "%lld", (long long)(__s32)id);
		return buf;
	}
}

static void totals(struct pa_ctx *ctx, __u64 *c)
{
	__u32 i;

	for (i = 0; i < PA_NR_COUNTS; i++)
		if (ms_percpu_sum(ctx->counts_fd, i, &c[i]))
			c[i] = 0;
}

/* Allocations (and failures) of one call path per allocator step. */
static void path_steps(struct pa_ctx *ctx, __s32 sid, __u64 *steps)
{
	size_t i;

	memset(steps, 0, 16 * sizeof(*steps));
	for (i = 0; i < ctx->nkeys; i++) {
		if (ctx->ids[i] != sid)
			continue;
		steps[ctx->keys[i].path & 15] += ctx->vals[i].alloc_blocks +
						 ctx->vals[i].fail;
	}
}

static void print_text_table(struct pa_ctx *ctx, enum pa_dim dim,
			     struct pa_sum *rows, size_t n, bool by_rate,
			     double secs)
{
	const struct ms_env *common = &ctx->env->common;
	char name[512], out[32], alloc[32];
	__u64 steps[16];
	size_t i;
	int f;

	if (dim == PA_BY_ORDER || dim == PA_BY_MT || dim == PA_BY_PATH)
		printf("\n%s:\n", dim_names[dim]);
	else
		printf("\n%s by %s:\n", dim_names[dim],
		       by_rate ? "allocation rate" : "outstanding pages");
	printf("%10s %10s %10s %8s  %s\n", "OUTSTAND", "ALLOCATED",
	       by_rate ? "RATE/s" : "BLOCKS", "FAILS",
	       dim == PA_BY_STACK ? "CATEGORY / CALL PATH" : "WHAT");
	for (i = 0; i < n && i < ctx->env->top; i++) {
		const struct pa_sum *s = &rows[i];
		struct pa_stack *st = NULL;

		if (!by_rate && !outstanding(s) && !s->fail)
			break;
		if (by_rate && !s->rate_pages)
			break;
		ms_fmt_kib(out, sizeof(out), outstanding(s) * ctx->page_kib,
			   common->raw);
		ms_fmt_kib(alloc, sizeof(alloc), s->alloc_pages * ctx->page_kib,
			   common->raw);
		if (by_rate) {
			char rate[32];

			ms_fmt_kib(rate, sizeof(rate),
				   secs > 0 ? s->rate_pages * ctx->page_kib / secs : 0,
				   common->raw);
			printf("%10s %10s %10s %8llu  ", out, alloc, rate,
			       (unsigned long long)s->fail);
		} else {
			printf("%10s %10s %10llu %8llu  ", out, alloc,
			       (unsigned long long)s->alloc_blocks,
			       (unsigned long long)s->fail);
		}
		if (dim != PA_BY_STACK) {
			printf("%s\n", row_name(ctx, dim, s->id, name,
						sizeof(name)));
			continue;
		}
		st = stack_of(ctx, (__s32)s->id);
		printf("%s", cat_names[st->cat]);
		path_steps(ctx, (__s32)s->id, steps);
		for (f = 0; f < 16; f++)
			if (steps[f] && f != PA_PATH_ANY)
				printf(" %s:%llu", path_names[f],
				       (unsigned long long)steps[f]);
		printf("\n");
		if (!st->nframes)
			printf("%40s(no call path)\n", "");
		for (f = 0; f < st->nframes && f < (int)ctx->env->frames; f++)
			printf("%40s%s\n", "", st->frames[f]);
	}
}

static void json_rows(struct pa_ctx *ctx, struct ms_json *j, enum pa_dim dim,
		      struct pa_sum *rows, size_t n)
{
	char name[512], comm[PA_COMM_LEN];
	size_t i, printed = 0;
	struct ms_json o, sub;
	__u64 steps[16];
	int f;

	ms_json_raw(j, dim_names[dim], "[");
	for (i = 0; i < n; i++) {
		const struct pa_sum *s = &rows[i];

		/* Paths: the top N, then only those holding or taking pages. */
		if (dim == PA_BY_STACK && i >= ctx->env->top &&
		    outstanding(s) <= 0 && !s->rate_pages)
			continue;
		if (printed++)
			fputc(',', stdout);
		ms_json_begin(&o, stdout);
		switch (dim) {
		case PA_BY_STACK: {
			struct pa_stack *st = stack_of(ctx, (__s32)s->id);

			ms_json_int(&o, "stack_id", (__s32)s->id);
			ms_json_str(&o, "category", cat_names[st->cat]);
			ms_json_str_array(&o, "frames",
					  (const char *const *)st->frames,
					  st->nframes);
			path_steps(ctx, (__s32)s->id, steps);
			ms_json_raw(&o, "steps", "");
			ms_json_begin(&sub, stdout);
			for (f = 0; f < 16; f++)
				if (steps[f])
					ms_json_uint(&sub, path_names[f], steps[f]);
			ms_json_close(&sub);
			break;
		}
		case PA_BY_PROC:
			comm_of(ctx, s->id, comm);
			ms_json_uint(&o, "pid", s->id);
			ms_json_str(&o, "comm", comm);
			break;
		case PA_BY_ORDER:
			ms_json_uint(&o, "order", s->id);
			break;
		case PA_BY_GFP:
			ms_json_uint(&o, "gfp", s->id);
			ms_json_str(&o, "name", row_name(ctx, dim, s->id, name,
							 sizeof(name)));
			break;
		default:
			ms_json_str(&o, "name", row_name(ctx, dim, s->id, name,
							 sizeof(name)));
			break;
		}
		ms_json_uint(&o, "alloc_blocks", s->alloc_blocks);
		ms_json_uint(&o, "alloc_pages", s->alloc_pages);
		ms_json_uint(&o, "untracked_pages", s->untracked_pages);
		ms_json_uint(&o, "free_pages", s->free_pages);
		ms_json_int(&o, "outstanding_pages", outstanding(s));
		ms_json_uint(&o, "fail", s->fail);
		ms_json_uint(&o, "interval_pages", s->rate_pages);
		ms_json_close(&o);
	}
	fputc(']', stdout);
}

static void json_meminfo(struct pa_ctx *ctx, struct ms_json *j)
{
	const struct pa_meminfo *m = &ctx->mi_now;
	struct ms_json o;

	ms_json_raw(j, "meminfo_kib", "");
	ms_json_begin(&o, stdout);
	ms_json_int(&o, "used", mi_used(m));
	ms_json_int(&o, "lru", m->lru);
	ms_json_int(&o, "slab", m->slab);
	ms_json_int(&o, "kernel_stack", m->stack);
	ms_json_int(&o, "page_tables", m->pgtable);
	ms_json_int(&o, "vmalloc", m->vmalloc - m->vmap_stack);
	ms_json_int(&o, "percpu", m->percpu);
	ms_json_int(&o, "hugetlb", m->hugetlb);
	ms_json_int(&o, "unexplained", mi_unexplained(m));
	ms_json_int(&o, "unexplained_start", mi_unexplained(&ctx->mi_start));
	ms_json_close(&o);
}

static const char *const count_names[PA_NR_COUNTS] = {
	"alloc_blocks", "alloc_pages", "fail", "free_blocks", "free_pages",
	"free_tracked_pages", "free_untracked_pages", "untracked_pages",
	"stale_pages", "drop_live", "drop_group", "drop_stack", "drop_proc",
};

/* A size in KiB from pages or KiB, in one of eight rotating buffers. */
static const char *kib(struct pa_ctx *ctx, long long v, bool pages)
{
	static char bufs[8][32];
	static int next;
	char *b = bufs[next++ & 7];

	return ms_fmt_kib(b, sizeof(bufs[0]), pages ? v * ctx->page_kib : v,
			  ctx->env->common.raw);
}

static long long total_outstanding(const __u64 *c)
{
	return (long long)(c[PA_ALLOC_PAGES] - c[PA_UNTRACKED_PAGES]) -
	       (long long)(c[PA_FREE_TRACKED] + c[PA_STALE_PAGES]);
}

static void print_text_head(struct pa_ctx *ctx, const char *type,
			    const __u64 *c, __u64 held_other)
{
	const struct pa_meminfo *m = &ctx->mi_now;
	char clock[16];

	if (!strcmp(type, "summary"))
		printf("pagealloc: %lu reports over %.1f s\n", ctx->reports,
		       ms_mono_now() - ctx->start);
	if (ctx->env->common.timestamp)
		printf("%s ", ms_clock(clock, sizeof(clock)));
	printf("%s: %s: allocated %s in %llu blocks, %llu failed; ", type,
	       ctx->event, kib(ctx, c[PA_ALLOC_PAGES], true),
	       (unsigned long long)c[PA_ALLOC_BLOCKS],
	       (unsigned long long)c[PA_FAIL]);
	printf("freed %s (%s allocated before the start)\n",
	       kib(ctx, c[PA_FREE_PAGES], true),
	       kib(ctx, c[PA_FREE_UNTRACKED], true));
	printf("outstanding since the start: %s",
	       kib(ctx, total_outstanding(c), true));
	if (c[PA_DROP_LIVE] || c[PA_DROP_GROUP] || c[PA_DROP_STACK] ||
	    c[PA_DROP_PROC] || c[PA_STALE_PAGES]) {
		printf("; drops: %llu blocks untracked (%s; -M, -G), ",
		       (unsigned long long)(c[PA_DROP_LIVE] + c[PA_DROP_GROUP]),
		       kib(ctx, c[PA_UNTRACKED_PAGES], true));
		printf("%llu stacks, %llu names, %s stale",
		       (unsigned long long)c[PA_DROP_STACK],
		       (unsigned long long)c[PA_DROP_PROC],
		       kib(ctx, c[PA_STALE_PAGES], true));
	}
	printf("\nmeminfo: used %s, explained %s (lru %s slab %s stack %s",
	       kib(ctx, mi_used(m), false), kib(ctx, mi_explained(m), false),
	       kib(ctx, m->lru, false), kib(ctx, m->slab, false),
	       kib(ctx, m->stack, false));
	printf(" pgtables %s vmalloc %s percpu %s hugetlb %s)\n",
	       kib(ctx, m->pgtable, false),
	       kib(ctx, m->vmalloc - m->vmap_stack, false),
	       kib(ctx, m->percpu, false), kib(ctx, m->hugetlb, false));
	printf("unexplained by meminfo: %s now, %s at the start; ",
	       kib(ctx, mi_unexplained(m), false),
	       kib(ctx, mi_unexplained(&ctx->mi_start), false));
	printf("paths outside meminfo's categories hold %s allocated since the start\n",
	       kib(ctx, held_other, true));
}

/* One report: everything since the start, rates over the last interval. */
static int report_all(struct pa_ctx *ctx, const char *type)
{
	const struct ms_env *common = &ctx->env->common;
	struct pa_group_key *keys;
	struct pa_group *vals;
	__u64 c[PA_NR_COUNTS], held_other = 0;
	double now = ms_mono_now(), secs = now - ctx->last;
	char clock[16];
	struct ms_json j;
	ssize_t n;
	size_t rows, i;
	int dim;

	n = read_groups(ctx, &keys, &vals);
	if (n < 0)
		return -1;
	ctx->keys = keys;
	ctx->vals = vals;
	ctx->nkeys = n;
	ctx->ids = ms_zalloc(&ctx->env->common, n + 1, sizeof(*ctx->ids));
	for (i = 0; i < (size_t)n; i++)
		ctx->ids[i] = stack_id(ctx, keys[i].stack);
	refresh_ksyms(ctx);
	totals(ctx, c);
	read_meminfo(&ctx->mi_now);

	/* Paths first: their rates need the previous report's counts. */
	rows = sum_by(ctx, PA_BY_STACK, keys, vals, n);
	for (i = 0; i < rows; i++) {
		__u32 idx = (__s32)ctx->sums[i].id < 0 ? PA_MAX_STACKS :
			    ctx->sums[i].id;
		struct pa_stack *st = stack_of(ctx, (__s32)ctx->sums[i].id);

		ctx->sums[i].rate_pages = ctx->sums[i].alloc_pages -
					  ctx->prev_stack_pages[idx];
		ctx->prev_stack_pages[idx] = ctx->sums[i].alloc_pages;
		if (st->cat == PA_CAT_OTHER && outstanding(&ctx->sums[i]) > 0)
			held_other += outstanding(&ctx->sums[i]);
	}

	if (strcmp(type, "summary"))
		ctx->reports++;
	if (common->json) {
		ms_json_begin(&j, stdout);
		ms_json_str(&j, "type", type);
		ms_json_uint(&j, "reports", ctx->reports);
		if (common->timestamp)
			ms_json_str(&j, "time", ms_clock(clock, sizeof(clock)));
		ms_json_str(&j, "event", ctx->event);
		ms_json_uint(&j, "interval_ms", (secs * 1000));
		ms_json_uint(&j, "elapsed_ms", ((now - ctx->start) * 1000));
		for (i = 0; i < PA_NR_COUNTS; i++)
			ms_json_uint(&j, count_names[i], c[i]);
		ms_json_int(&j, "outstanding_pages", total_outstanding(c));
		ms_json_uint(&j, "other_outstanding_pages", held_other);
		json_meminfo(ctx, &j);
	} else {
		print_text_head(ctx, type, c, held_other);
	}

	for (dim = 0; dim < PA_NR_DIMS; dim++) {
		if (dim != PA_BY_STACK)
			rows = sum_by(ctx, dim, keys, vals, n);
		if (dim == PA_BY_STACK && ctx->env->no_stacks)
			continue;
		if (dim == PA_BY_ORDER || dim == PA_BY_MT || dim == PA_BY_PATH)
			qsort(ctx->sums, rows, sizeof(*ctx->sums), cmp_id);
		else
			qsort(ctx->sums, rows, sizeof(*ctx->sums),
			      cmp_outstanding);
		if (common->json) {
			json_rows(ctx, &j, dim, ctx->sums, rows);
			continue;
		}
		print_text_table(ctx, dim, ctx->sums, rows, false, secs);
		if (dim == PA_BY_STACK && common->interval) {
			qsort(ctx->sums, rows, sizeof(*ctx->sums), cmp_rate);
			print_text_table(ctx, dim, ctx->sums, rows, true, secs);
		}
	}
	if (common->json)
		ms_json_end(&j);
	else
		printf("\n");
	ctx->last = now;
	free(keys);
	free(vals);
	free(ctx->ids);
	ctx->ids = NULL;
	return 0;
}

static int report(void *arg, unsigned long iter)
{
	(void)iter;
	return report_all(arg, "interval");
}

static void write_config(struct pa_ctx *ctx, struct bpf_object *obj)
{
	struct pa_cfg c = {
		.tgid = ctx->env->pid,
		.stacks = !ctx->env->no_stacks,
	};
	__u32 zero = 0;

	if (bpf_map_update_elem(ms_map_fd(&ctx->env->common, obj, "cfg"),
				&zero, &c, BPF_ANY))
		ms_fatal(&ctx->env->common, "cannot configure the BPF program: %s",
			 strerror(errno));
}

static void resize(struct pa_env *env, struct bpf_object *obj,
		   const char *name, unsigned long n)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, name);

	if (!map || bpf_map__resize(map, n))
		ms_fatal(&env->common, "cannot size BPF map %s to %lu entries",
			 name, n);
}

static struct bpf_link *attach_kprobe(struct pa_env *env,
				      struct bpf_object *obj, const char *prog,
				      const char *func)
{
	struct bpf_link *link;
	long err;

	link = bpf_program__attach_kprobe(ms_prog_find(&env->common, obj, prog),
					  false, func);
	err = libbpf_get_error(link);
	if (err)
		ms_fatal(&env->common,
			 "cannot attach a kprobe to %s: %s (kernel needs CONFIG_KPROBES and CONFIG_KPROBE_EVENTS)",
			 func, ms_strerror(err));
	return link;
}

int main(int argc, char **argv)
{
	struct ms_ksym_req reqs[] = {
		{ "__tracepoint_mm_page_alloc_path", NULL },
		{ "__alloc_pages_nodemask", NULL },
		{ "__alloc_pages", NULL },
		{ "_stext", NULL },
		{ "_etext", NULL },
	};
	struct bpf_link *links[2];
	struct pa_env env = {};
	struct pa_ctx ctx = {};
	struct bpf_object *obj;
	const char *prog;
	int ret;

	ms_env_init(&env.common, "pagealloc", usage);
	parse_args(&env, argc, argv);
	ms_tool_init(&env.common);
	ctx.env = &env;
	ctx.page_kib = ms_page_kib();
	ctx.stacks = ms_zalloc(&env.common, PA_MAX_STACKS + 1,
			       sizeof(*ctx.stacks));
	ctx.stacks[PA_MAX_STACKS].known = true;
	ctx.stacks[PA_MAX_STACKS].cat = PA_CAT_UNKNOWN;
	ctx.prev_stack_pages = ms_zalloc(&env.common, PA_MAX_STACKS + 1,
					 sizeof(__u64));
	ctx.stack_hash = ms_zalloc(&env.common, PA_MAX_STACKS,
				   sizeof(*ctx.stack_hash));
	ctx.stack_tab = ms_zalloc(&env.common, PA_STACK_TAB,
				  sizeof(*ctx.stack_tab));

	ms_kallsyms_resolve(&env.common, reqs, ARRAY_SIZE(reqs));
	if (env.kprobe) {
		ctx.event = reqs[1].addr ? reqs[1].name : reqs[2].name;
		if (!reqs[1].addr && !reqs[2].addr)
			ms_fatal(&env.common,
				 "no allocator entry (__alloc_pages_nodemask or __alloc_pages) in /proc/kallsyms");
		prog = "pa_alloc_entry";
	} else if (reqs[0].addr && !env.force_tp) {
		ctx.event = "mm_page_alloc_path";
		prog = "pa_alloc_path";
	} else {
		ctx.event = "mm_page_alloc";
		prog = "pa_page_alloc";
	}
	ctx.text_lo = reqs[3].addr;
	ctx.text_hi = reqs[4].addr;
	ctx.modules = read_modules();
	parse_modules(&ctx);
	ctx.ksyms = ms_ksyms_load();
	if (!ctx.ksyms && !env.no_stacks)
		ms_fatal(&env.common,
			 "cannot read kernel symbols for call paths: %s (or use -S)",
			 errno == EPERM ? "kptr_restrict hides them" :
			 strerror(errno));

	obj = ms_obj_open(&env.common);
	resize(&env, obj, "live", env.max_live);
	resize(&env, obj, "groups", env.max_groups);
	ms_obj_load(&env.common, obj);
	ctx.groups_fd = ms_map_fd(&env.common, obj, "groups");
	ctx.counts_fd = ms_map_fd(&env.common, obj, "counts");
	ctx.comms_fd = ms_map_fd(&env.common, obj, "comms");
	ctx.stacks_fd = ms_map_fd(&env.common, obj, "stacks");
	write_config(&ctx, obj);
	if (read_meminfo(&ctx.mi_start))
		ms_fatal(&env.common, "cannot read /proc/meminfo: %s",
			 strerror(errno));
	/* Frees first: a block allocated meanwhile is then never missed. */
	links[0] = NULL;
	if (!env.kprobe)
		links[0] = ms_attach_tracepoint(&env.common, obj,
						"pa_page_free",
						"kmem:mm_page_free");
	if (env.kprobe)
		links[1] = attach_kprobe(&env, obj, prog, ctx.event);
	else
		links[1] = ms_attach_tracepoint(&env.common, obj, prog,
						ctx.event);
	ctx.start = ms_mono_now();
	ctx.last = ctx.start;
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "pagealloc: tracing page allocations (%s%s)%s; %s\n",
		env.kprobe ? "kprobe:" : "kmem:", ctx.event,
		env.pid ? " of one process" : "", "Ctrl-C to end");

	if (env.common.interval)
		ret = ms_run_intervals(&env.common, report, &ctx);
	else
		ret = ms_wait(&env.common);
	/* Detach first: the summary then adds up a stable picture. */
	bpf_link__destroy(links[1]);
	bpf_link__destroy(links[0]);
	if (report_all(&ctx, "summary"))
		ret = -1;

	bpf_object__close(obj);
	ms_ksyms_free(ctx.ksyms);
	free(ctx.modules);
	free(ctx.mods);
	free(ctx.sums);
	if (fflush(stdout) || ferror(stdout))
		return MS_EXIT_RUNTIME;
	return ret ? MS_EXIT_RUNTIME : MS_EXIT_OK;
}
