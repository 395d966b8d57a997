// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: outstanding kernel allocations by call path: kmalloc blocks,
 * kmem_cache objects (per cache), percpu areas (kleak_kern.c), and pages
 * from the buddy allocator, tracked by pagealloc's own programs
 * (pagealloc_kern.o: its table of live blocks, not a second copy).
 * memleak without a process runs kleak.
 * Requires: CONFIG_BPF_SYSCALL, CONFIG_BPF_EVENTS, CONFIG_TRACEPOINTS,
 * CONFIG_DEBUG_INFO_BTF (fexit on kmem_cache_alloc) or, where 5.10 has
 * no BPF trampolines (arm64), CONFIG_KPROBES.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "libmemstat.h"
#include "kleak_common.h"
#include "pagealloc_common.h"

static const char usage[] =
"Usage: kleak [-n N] [-F N] [-M N] [-P] [-jTBv] [-d SEC] [interval [count]]\n"
"\n"
"Outstanding kernel allocations since kleak started, by kernel call\n"
"path, largest first: kmalloc blocks, kmem_cache objects per cache,\n"
"percpu areas (bytes per CPU), and pages of the buddy allocator (which\n"
"hold the slab objects too).  Frees of what was allocated before the\n"
"start are counted apart.  Each report shows the state then; without an\n"
"interval one report at the end (Ctrl-C, SIGTERM or -d).\n"
"\n"
"Options:\n"
"  -n, --top N        paths of each kind (default 20, 0: all)\n"
"  -F, --frames N     kernel frames shown in text (default 8; JSON: all)\n"
"  -M, --max-objs N   objects tracked at once (default 262144)\n"
"  -P, --no-pages     no pages (pagealloc's programs stay out)\n"
"\n"
"Examples:\n"
"  kleak -d 60           # what a minute left allocated\n"
"  kleak -n 5 30         # the top 5 paths every 30 s\n"
"  memleak               # the same: memleak without a process\n";

/* Frees first: an object allocated meanwhile is never missed. */
static const struct ms_hook hooks[] = {
	{ "kl_kfree", MS_HOOK_TRACEPOINT, "kmem:kfree" },
	{ "kl_cache_free", MS_HOOK_TRACEPOINT, "kmem:kmem_cache_free" },
	{ "kl_free_bulk", MS_HOOK_KPROBE, "kmem_cache_free_bulk" },
	{ "kl_percpu_free", MS_HOOK_TRACEPOINT, "percpu:percpu_free_percpu" },
	{ "kl_kmalloc", MS_HOOK_TRACEPOINT, "kmem:kmalloc" },
	{ "kl_kmalloc_node", MS_HOOK_TRACEPOINT, "kmem:kmalloc_node" },
	{ "kl_cache_alloc", MS_HOOK_FEXIT, "kmem_cache_alloc" },
	{ "kl_percpu_alloc", MS_HOOK_TRACEPOINT, "percpu:percpu_alloc_percpu" },
	/* Last: without NUMA an inline wrapper of kmem_cache_alloc. */
	{ "kl_cache_alloc_node", MS_HOOK_FEXIT, "kmem_cache_alloc_node" },
};

/* No BPF trampolines (arm64 5.10): kmem_cache_alloc's kprobe and event. */
static const struct ms_hook kprobe_hooks[] = {
	{ "kl_kfree", MS_HOOK_TRACEPOINT, "kmem:kfree" },
	{ "kl_cache_free", MS_HOOK_TRACEPOINT, "kmem:kmem_cache_free" },
	{ "kl_free_bulk", MS_HOOK_KPROBE, "kmem_cache_free_bulk" },
	{ "kl_percpu_free", MS_HOOK_TRACEPOINT, "percpu:percpu_free_percpu" },
	{ "kl_kmalloc", MS_HOOK_TRACEPOINT, "kmem:kmalloc" },
	{ "kl_kmalloc_node", MS_HOOK_TRACEPOINT, "kmem:kmalloc_node" },
	{ "kl_cache_enter_kp", MS_HOOK_KPROBE, "kmem_cache_alloc" },
	{ "kl_cache_alloc_tp", MS_HOOK_TRACEPOINT, "kmem:kmem_cache_alloc" },
	{ "kl_percpu_alloc", MS_HOOK_TRACEPOINT, "percpu:percpu_alloc_percpu" },
	{ "kl_cache_enter_kp", MS_HOOK_KPROBE, "kmem_cache_alloc_node" },
	{ "kl_cache_alloc_tp", MS_HOOK_TRACEPOINT, "kmem:kmem_cache_alloc_node" },
};

static const char *const kind_names[KL_NR_KINDS] = {
	"kmalloc", "cache", "percpu",
};

static const char *const drop_names[KL_NR_DROPS] = {
	"objects without a kernel stack (stacks map full)",
	"objects not tracked (objs map full: raise -M)",
	"objects not tracked (sites map full)",
	"caches not named (caches map full)",
	"cache objects not tracked (kmem_cache_alloc's kprobe missed)",
};

/* A row: objects of a site, or pages of a call path (kind KL_NR_KINDS). */
struct kl_row {
	struct kl_site_key key;
	__s64 bytes, count;
};

struct kl_ctx {
	struct ms_env env;
	struct ms_bpf bpf, pages;
	struct pa_cfg pa;		/* pagealloc's, with its maps' sizes */
	unsigned long max_objs;		/* -M */
	bool no_pages;			/* -P */
	struct ms_stacks stacks, page_stacks;
	struct kl_row *rows;
	size_t nrows, max_rows;
	unsigned long reports;
};

static void parse_args(struct kl_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "max-objs", required_argument, NULL, 'M' },
		{ "no-pages", no_argument, NULL, 'P' },
		{}
	};
	struct ms_env *env = &ctx->env;
	int opt;

	ms_env_init(env, "kleak", usage, MS_OPT_TOP | MS_OPT_FRAMES);
	ctx->max_objs = KL_MAX_OBJS;
	while ((opt = ms_getopt(env, argc, argv, "M:P", longopts)) != -1) {
		if (opt == 'M')
			ctx->max_objs = ms_parse_ulong_or_die(env, "max-objs",
							      optarg, 1,
							      1UL << 24);
		else
			ctx->no_pages = true;
	}
}

/* Largest first, kinds in order. */
static int cmp_row(const void *a, const void *b)
{
	const struct kl_row *x = a, *y = b;

	if (x->key.kind != y->key.kind)
		return x->key.kind < y->key.kind ? -1 : 1;
	return (x->bytes < y->bytes) - (x->bytes > y->bytes);
}

/* The objects outstanding per site. */
static ssize_t read_sites(struct kl_ctx *ctx)
{
	struct kl_site_key *keys;
	struct ms_outstanding *vals;
	ssize_t n, i;

	keys = ms_zalloc(&ctx->env, KL_MAX_SITES, sizeof(*keys));
	vals = ms_zalloc(&ctx->env, KL_MAX_SITES, sizeof(*vals));
	n = ms_hash_read(ms_bpf_map(&ctx->bpf, "sites"), keys, sizeof(*keys),
			 vals, sizeof(*vals), KL_MAX_SITES);
	for (i = 0; i < n; i++)
		if (vals[i].count > 0 && ctx->nrows < ctx->max_rows)
			ctx->rows[ctx->nrows++] = (struct kl_row){
				.key = keys[i], .bytes = vals[i].bytes,
				.count = vals[i].count };
	free(keys);
	free(vals);
	return n;
}

/*
 * The pages outstanding per call path, from pagealloc's groups: what
 * each allocated and kept track of, less what of it was freed.
 */
static ssize_t read_pages(struct kl_ctx *ctx)
{
	const struct pa_group *g;
	struct pa_group *groups;
	size_t first = ctx->nrows, j;
	ssize_t n, i;
	__s64 pages;

	groups = ms_zalloc(&ctx->env, ctx->pa.group_mask + 1, sizeof(*groups));
	n = pa_groups_read(&ctx->pages, &ctx->pa, groups);
	for (i = 0; i < n; i++) {
		g = &groups[i];
		pages = g->alloc_pages - g->untracked_pages - g->free_pages;
		if (pages <= 0)
			continue;
		for (j = first; j < ctx->nrows; j++)
			if (ctx->rows[j].key.stack == g->key.stack)
				break;
		if (j == ctx->nrows && ctx->nrows < ctx->max_rows)
			ctx->rows[ctx->nrows++] = (struct kl_row){
				.key.stack = g->key.stack,
				.key.kind = KL_NR_KINDS };
		if (j < ctx->nrows) {
			ctx->rows[j].bytes += ms_pages_kib(pages) * 1024;
			ctx->rows[j].count += pages;
		}
	}
	free(groups);
	return n;
}

static int read_rows(struct kl_ctx *ctx)
{
	ms_ksyms_refresh();	/* a module loaded since names its frames */
	ctx->nrows = 0;
	if (read_sites(ctx) < 0 || (!ctx->no_pages && read_pages(ctx) < 0)) {
		ms_warn(&ctx->env, "%s", ms_last_error());
		return -1;
	}
	qsort(ctx->rows, ctx->nrows, sizeof(*ctx->rows), cmp_row);
	return 0;
}

static const char *cache_name(struct kl_ctx *ctx, const struct kl_row *r,
			      char *buf)
{
	struct kl_cache c;

	if (r->key.kind == KL_NR_KINDS)
		return "pages";
	if (r->key.kind != KL_CACHE)
		return kind_names[r->key.kind];
	if (bpf_map_lookup_elem(ms_bpf_map(&ctx->bpf, "caches"), &r->key.cache,
				&c))
		return "?";
	return ms_cstr(buf, c.name, sizeof(c.name));
}

/* The allocator's own frames above its caller (a tracepoint fires in it). */
static const char *const allocator_fns[] = {
	"__kmalloc", "kmalloc_", "kmem_cache_alloc", "slab_alloc",
	"pcpu_alloc", "__alloc_percpu", "__alloc_reserved_percpu",
};

static void skip_allocator(struct ms_stack *st)
{
	size_t k;
	int n = 0;

	while (n < st->nframes) {
		for (k = 0; k < ARRAY_SIZE(allocator_fns); k++)
			if (!strncmp(st->frames[n], allocator_fns[k],
				     strlen(allocator_fns[k])))
				break;
		if (k == ARRAY_SIZE(allocator_fns))
			break;
		n++;
	}
	/* The names stay: other paths share them (ms_stack_get()). */
	memmove(st->frames, st->frames + n,
		(st->nframes - n) * sizeof(*st->frames));
	st->nframes -= n;
	st->user = 1;
}

static void print_row(struct kl_ctx *ctx, const struct kl_row *r)
{
	const struct ms_env *env = &ctx->env;
	bool pages = r->key.kind == KL_NR_KINDS;
	char name[KL_CACHE_NAME + 1];
	struct ms_stack *st;
	struct ms_json j;
	int i;

	st = ms_stack_get(env, pages ? &ctx->page_stacks : &ctx->stacks,
			  ms_bpf_map(pages ? &ctx->pages : &ctx->bpf, "stacks"),
			  r->key.stack, MS_NO_STACK);
	if (!pages && !st->user)
		skip_allocator(st);
	if (env->json) {
		ms_json_record(&j, env, pages ? "pages" : "objects");
		if (!pages) {
			ms_json_str(&j, "kind", kind_names[r->key.kind]);
			ms_json_str(&j, "cache", cache_name(ctx, r, name));
			ms_json_int(&j, "bytes", r->bytes);
		}
		ms_json_int(&j, pages ? "pages" : "objects", r->count);
		ms_json_str_array(&j, "stack", (const char *const *)st->frames,
				  st->nframes);
		ms_json_end(&j);
		return;
	}
	printf("%-20s %14lld %9lld  %s\n", cache_name(ctx, r, name),
	       (long long)r->bytes, (long long)r->count,
	       st->nframes ? st->frames[0] : "[no kernel stack]");
	for (i = 1; i < st->nframes && i < (int)env->frames; i++)
		printf("%46s%s\n", "", st->frames[i]);
}

static void print_tables(struct kl_ctx *ctx)
{
	unsigned int kind = KL_NR_KINDS + 1;
	unsigned long shown = 0;
	size_t i;

	for (i = 0; i < ctx->nrows; i++) {
		if (ctx->rows[i].key.kind != kind) {
			kind = ctx->rows[i].key.kind;
			shown = 0;
			if (!ctx->env.json)
				printf("%s%-20s %14s %9s  %s\n", i ? "\n" : "",
				       kind == KL_NR_KINDS ? "PAGES" :
				       kind == KL_CACHE ? "CACHE" : "KIND",
				       "BYTES", kind == KL_NR_KINDS ? "PAGES" :
				       "OBJECTS", "CALL PATH");
		}
		if (shown++ < ctx->env.top)
			print_row(ctx, &ctx->rows[i]);
	}
	if (!ctx->env.json && !ctx->nrows)
		printf("no outstanding kernel allocations\n");
}

static int report(void *arg, unsigned long iter)
{
	struct kl_ctx *ctx = arg;

	if (read_rows(ctx))
		return -1;
	ms_report_begin(&ctx->env, iter);
	print_tables(ctx);
	ctx->reports++;
	return 0;
}

static int print_summary(void *arg)
{
	struct kl_ctx *ctx = arg;
	const struct ms_env *env = &ctx->env;
	__u64 unknown[KL_NR_KINDS + 1] = {}, drops[KL_NR_DROPS], dropped;
	__u64 pc[PA_NR_COUNTS];
	struct ms_json j;
	size_t i;

	if (read_rows(ctx))
		return -1;
	if (!env->interval) {
		ms_report_begin(env, 0);
		print_tables(ctx);
	}
	for (i = 0; i < KL_NR_KINDS; i++)
		ms_percpu_read(ms_bpf_map(&ctx->bpf, "counts"),
			       KL_FREES_UNKNOWN + i, &unknown[i], 1);
	if (!ctx->no_pages && !pa_counts_read(&ctx->pages, NULL, 0, pc))
		unknown[KL_NR_KINDS] = pc[PA_FREE_UNTRACKED];
	dropped = ms_bpf_drops(&ctx->bpf, drops, KL_NR_DROPS);
	for (i = 0; i < KL_NR_DROPS; i++)
		if (drops[i])
			ms_warn(env, "%llu %s", drops[i], drop_names[i]);
	if (env->json) {
		ms_json_record(&j, env, "summary");
		ms_json_uint(&j, "reports", ctx->reports);
		for (i = 0; i < KL_NR_KINDS; i++)
			ms_json_uint2(&j, kind_names[i], "_frees_unknown",
				      unknown[i]);
		ms_json_uint(&j, "page_frees_unknown", unknown[KL_NR_KINDS]);
		ms_json_uint(&j, "dropped", dropped);
		ms_json_end(&j);
		return 0;
	}
	printf("\nkleak: %lu reports; frees of what was there before: %llu kmalloc,\n",
	       ctx->reports, unknown[KL_KMALLOC]);
	printf("kleak: %llu cache objects, %llu percpu areas, %llu pages\n",
	       unknown[KL_CACHE], unknown[KL_PERCPU], unknown[KL_NR_KINDS]);
	return 0;
}

/* pagealloc's programs on the pages, with call paths. */
static void start_pages(struct kl_ctx *ctx, bool path_event)
{
	/* Every path walked: a leak is named exactly. */
	ctx->pa = (struct pa_cfg){ .stacks = 1, .sample = 1 };
	ms_die_on(&ctx->env, ms_bpf_open_obj(&ctx->pages, &ctx->env,
					     "pagealloc",
					     pa_hooks[!path_event], 2));
	ms_die_on(&ctx->env, pa_size_maps(&ctx->pages, &ctx->pa,
					  PA_MAX_GROUPS));
	ms_die_on(&ctx->env, ms_bpf_load(&ctx->pages));
	ms_die_on(&ctx->env, ms_bpf_cfg(&ctx->pages, &ctx->pa,
					sizeof(ctx->pa)));
	ms_die_on(&ctx->env, ms_bpf_attach(&ctx->pages));
}

int main(int argc, char **argv)
{
	static struct kl_ctx ctx;
	struct ms_env *env = &ctx.env;
	struct ms_loop loop = { .ringbuf_fd = -1, .on_interval = report,
				.ctx = &ctx };
	struct ms_ksym_req reqs[] = {
		{ "__tracepoint_mm_page_alloc_path", NULL },
	};
	struct kl_cfg cfg = { .stacks = 1 };
	char name[128];
	bool node;
	int ret;

	parse_args(&ctx, argc, argv);
	ms_tool_init(env);
	ms_ksyms_init(env, reqs, ARRAY_SIZE(reqs));
	ctx.max_rows = KL_MAX_SITES + (ctx.no_pages ? 0 : PA_MAX_GROUPS);
	ctx.rows = ms_zalloc(env, ctx.max_rows, sizeof(*ctx.rows));
	node = !ms_ksym_func("kmem_cache_alloc_node", name, sizeof(name));
	if (ms_fentry_works("kmem_cache_alloc"))
		ms_die_on(env, ms_bpf_open(&ctx.bpf, env, hooks,
					   ARRAY_SIZE(hooks) - !node));
	else
		ms_die_on(env, ms_bpf_open(&ctx.bpf, env, kprobe_hooks,
					   ARRAY_SIZE(kprobe_hooks) - 2 * !node));
	ms_die_on(env, ms_bpf_resize(&ctx.bpf, "objs", ctx.max_objs));
	ms_die_on(env, ms_bpf_load(&ctx.bpf));
	ms_die_on(env, ms_bpf_cfg(&ctx.bpf, &cfg, sizeof(cfg)));
	/* After our maps are made: their pages are none of the kernel's. */
	if (!ctx.no_pages)
		start_pages(&ctx, reqs[0].addr);
	ms_die_on(env, ms_bpf_attach(&ctx.bpf));
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "kleak: tracing kernel allocations; Ctrl-C to end\n");

	ret = ms_run(env, &loop);
	ms_bpf_detach(&ctx.pages);
	ret = ms_finish(&ctx.bpf, ret, print_summary, &ctx);
	ms_bpf_close(&ctx.pages);
	free(ctx.rows);
	return ret;
}
