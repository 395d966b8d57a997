// SPDX-License-Identifier: GPL-2.0
/*
 * memleak: outstanding user allocations by process and call path,
 * summed per stack in the kernel (memleak_kern.c): uprobes on the
 * allocator's functions in each -p process, in a command it starts, or
 * in every process mapping the C library (-c).  The allocator is found
 * in each process's maps (an LD_PRELOAD'ed one before the C library) or
 * named with -O.  -r samples by attaching the allocation probes part of
 * each second; free() and munmap() stay on.
 * Requires: CONFIG_BPF_SYSCALL, CONFIG_BPF_EVENTS, CONFIG_UPROBE_EVENTS.
 */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "libmemstat.h"
#include "memleak_common.h"

static const char usage[] =
"Usage: memleak [-p PID[,PID...] | -c CGROUP | -- COMMAND [ARG...]]\n"
"               [-O OBJ] [-o SEC] [-z BYTES] [-Z BYTES] [-r PCT] [-M N]\n"
"               [-n N] [-F N] [-C] [-jTBv] [-d SEC] [interval [count]]\n"
"\n"
"Outstanding user allocations: the bytes and blocks each call path of a\n"
"process allocated (malloc, calloc, realloc, reallocarray, posix_memalign,\n"
"aligned_alloc, memalign, valloc, pvalloc, the C library's mmap) and has\n"
"not freed since memleak started, largest first.  Each report shows the\n"
"state then; without an interval one at the end (Ctrl-C, -d, or the end\n"
"of the command or the -p process).  Without a process: kleak, the\n"
"kernel's allocations.\n"
"\n"
"Options:\n"
"  -p, --pid PID,...  these processes (up to 64)\n"
"  -- COMMAND ARG...  run COMMAND and trace it (not its children)\n"
"  -O, --object OBJ   the allocator: the mapped file whose path contains\n"
"                     OBJ (default: the first to define malloc, an\n"
"                     LD_PRELOAD'ed allocator before the C library)\n"
"  -o, --older SEC    only blocks allocated at least SEC seconds ago\n"
"  -z, --min-size N   only blocks of at least N bytes (-Z: at most)\n"
"  -r, --sample PCT   allocation probes on PCT%% of the time (1-99):\n"
"                     steady leaks show at a fraction of the cost\n"
"  -M, --max-allocs N blocks tracked at once (default 262144)\n"
"  -n, --top N        processes, and stacks of each (default 20, 0: all)\n"
"  -F, --frames N     user frames kept per stack (default 8, up to 32;\n"
"                     fewer cost less; 0: per process only)\n"
"\n"
"Stacks are walked by frame pointers from the allocator's caller.  -c\n"
"probes every process that maps the C library (filtered in the kernel).\n"
"Examples:\n"
"  memleak -p 1234 10          # every 10 s until Ctrl-C\n"
"  memleak -p 1234 -o 60 -n 5  # blocks older than a minute, top 5\n"
"  memleak -- ./server --port 8080\n"
"  memleak -p 1234 -r 10 -d 60 # sampled, for a minute\n";

/* The allocator's functions (malloc first: it names the allocator). */
#define RET "ml_alloc_ret"
static const struct ms_ufunc funcs[] = {
	{ "malloc", "ml_malloc", RET },
	{ "calloc", "ml_calloc", RET },
	{ "realloc", "ml_realloc", RET },
	{ "reallocarray", "ml_reallocarray", RET },
	{ "posix_memalign", "ml_posix_memalign", RET },
	{ "aligned_alloc", "ml_size_arg2", RET },
	{ "memalign", "ml_size_arg2", RET },
	{ "valloc", "ml_malloc", RET },
	{ "pvalloc", "ml_malloc", RET },
	{ "mmap", "ml_size_arg2", RET, true },
	{ "free", "ml_free" },
	{ "munmap", "ml_munmap", NULL, true },
};

/* funcs[] that return a block (sampled with -r); then free and munmap. */
#define ALLOC_FUNCS	((1ULL << 10) - 1)
#define FREE_FUNCS	(3ULL << 10)

static const char *const drop_names[ML_NR_DROPS] = {
	"blocks without a user stack (unreadable, or stacks map full)",
	"blocks not tracked (allocs map full: raise -M)",
	"blocks not tracked (sites map full)",
	"calls not tracked (too many threads at once)",
	"processes not named (procs map full)",
	"processes not announced (ring buffer full)",
};

struct ml_row {
	struct ml_site_key key;
	struct ms_outstanding val;
};

struct ml_group {
	__u32 tgid;
	size_t first, n;
	__s64 bytes, count;
};

struct ml_ctx {
	struct ms_env env;
	struct ms_bpf bpf;
	struct ml_cfg cfg;
	const char *object;		/* -O */
	unsigned long older;		/* -o seconds */
	unsigned long sample;		/* -r percent, 0: every call */
	unsigned long max_allocs;	/* -M */
	struct ms_utarget *targets;
	size_t ntargets;
	struct ms_duty allocs;		/* the allocation probes, sampled */
	struct ms_links frees;	/* free's and munmap's, always on */
	struct ml_row *rows;
	struct ml_group *groups;
	size_t ngroups, max_rows;
	void *stacks;			/* of ms_ustack_get() */
	struct ms_outstanding all;		/* every site's sums */
	unsigned long reports, untracked;
};

static void parse_args(struct ml_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "object", required_argument, NULL, 'O' },
		{ "older", required_argument, NULL, 'o' },
		{ "min-size", required_argument, NULL, 'z' },
		{ "max-size", required_argument, NULL, 'Z' },
		{ "sample", required_argument, NULL, 'r' },
		{ "max-allocs", required_argument, NULL, 'M' },
		{}
	};
	struct ms_env *env = &ctx->env;
	int opt;

	ms_env_init(env, "memleak", usage,
		    MS_OPT_PID | MS_OPT_PIDS | MS_OPT_COMMAND | MS_OPT_CGROUP |
		    MS_OPT_CGROUP_COLUMN | MS_OPT_TOP | MS_OPT_FRAMES);
	ctx->cfg.max_size = (__u64)-1;
	ctx->max_allocs = ML_MAX_ALLOCS;
#define NUM(what, lo, hi)	ms_parse_ulong_or_die(env, what, optarg, lo, hi)
	while ((opt = ms_getopt(env, argc, argv, "O:o:z:Z:r:M:",
				longopts)) != -1) {
		if (opt == 'O')
			ctx->object = optarg;
		else if (opt == 'o')
			ctx->older = NUM("older", 0, INT_MAX);
		else if (opt == 'z')
			ctx->cfg.min_size = NUM("min-size", 0, ULONG_MAX);
		else if (opt == 'Z')
			ctx->cfg.max_size = NUM("max-size", 0, ULONG_MAX);
		else if (opt == 'r')
			ctx->sample = NUM("sample", 1, 99);
		else if (opt == 'M')
			ctx->max_allocs = NUM("max-allocs", 1, 1UL << 24);
	}
#undef NUM
	if (ctx->cfg.min_size > ctx->cfg.max_size)
		ms_usage_error(env, "-z %llu is above -Z %llu",
			       ctx->cfg.min_size, ctx->cfg.max_size);
	if (!env->pid && !env->npids && !env->cgroup && !env->command)
		ms_exec_tool(env, "kleak", argc, argv);
}

/* Before the allocation probes attach: a slot of earlier ones is stale. */
static int new_generation(void *arg)
{
	struct ml_ctx *ctx = arg;

	ctx->cfg.gen++;
	return ms_bpf_cfg(&ctx->bpf, &ctx->cfg, sizeof(ctx->cfg));
}

static int cmp_key(const void *a, const void *b)
{
	const struct ml_site_key *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return x->stack < y->stack ? -1 : x->stack > y->stack;
}

/* By process, then largest first. */
static int cmp_row(const void *a, const void *b)
{
	const struct ml_row *x = a, *y = b;

	if (x->key.tgid != y->key.tgid)
		return x->key.tgid < y->key.tgid ? -1 : 1;
	return (x->val.bytes < y->val.bytes) - (x->val.bytes > y->val.bytes) ?:
	       cmp_key(a, b);
}

static int cmp_group(const void *a, const void *b)
{
	const struct ml_group *x = a, *y = b;

	return (x->bytes < y->bytes) - (x->bytes > y->bytes) ?:
	       (x->tgid > y->tgid) - (x->tgid < y->tgid);
}

/*
 * The sites with blocks outstanding, from the kernel's sums, into rows[]
 * when @rows; their sums over all sites into ctx->all.
 */
static ssize_t read_sites(struct ml_ctx *ctx, bool rows)
{
	struct ml_site_key *keys;
	struct ms_outstanding *vals;
	ssize_t n, i, kept = 0;

	keys = ms_zalloc(&ctx->env, ML_MAX_SITES, sizeof(*keys));
	vals = ms_zalloc(&ctx->env, ML_MAX_SITES, sizeof(*vals));
	n = ms_hash_read(ms_bpf_map(&ctx->bpf, "sites"), keys, sizeof(*keys),
			 vals, sizeof(*vals), ML_MAX_SITES);
	memset(&ctx->all, 0, sizeof(ctx->all));
	for (i = 0; i < n; i++) {
		ctx->all.bytes += vals[i].bytes;
		ctx->all.count += vals[i].count;
		ctx->all.allocs += vals[i].allocs;
		ctx->all.alloc_bytes += vals[i].alloc_bytes;
		if (!rows || vals[i].count <= 0)
			continue;
		ctx->rows[kept].key = keys[i];
		ctx->rows[kept++].val = vals[i];
	}
	free(keys);
	free(vals);
	return n < 0 ? n : kept;
}

/* -o: the blocks older than the age, a row each (read_rows() sums). */
static ssize_t read_old_blocks(struct ml_ctx *ctx)
{
	double now = ms_now();
	__u64 cut = now > ctx->older ? (now - ctx->older) * 1e9 : 0;
	struct ml_alloc_key *keys;
	struct ml_alloc *vals;
	ssize_t n, i, kept = 0;

	keys = ms_zalloc(&ctx->env, ctx->max_allocs, sizeof(*keys));
	vals = ms_zalloc(&ctx->env, ctx->max_allocs, sizeof(*vals));
	n = ms_hash_read(ms_bpf_map(&ctx->bpf, "allocs"), keys, sizeof(*keys),
			 vals, sizeof(*vals), ctx->max_allocs);
	for (i = 0; i < n; i++) {
		struct ml_row *r = &ctx->rows[kept];

		if (vals[i].ts_ns >= cut)
			continue;
		*r = (struct ml_row){ .key.tgid = keys[i].tgid,
				      .key.stack = vals[i].stack,
				      .val.bytes = vals[i].size, .val.count = 1 };
		kept++;
	}
	free(keys);
	free(vals);
	return n < 0 ? n : kept;
}

/* rows[] summed per site, grouped by process, the largest first. */
static int read_rows(struct ml_ctx *ctx)
{
	ssize_t n = ctx->older ? read_old_blocks(ctx) : read_sites(ctx, true);
	struct ml_group *g = NULL;
	ssize_t i, m = 0;

	if (n < 0) {
		ms_warn(&ctx->env, "%s", ms_last_error());
		return -1;
	}
	qsort(ctx->rows, n, sizeof(*ctx->rows), cmp_key);
	for (i = 0; i < n; i++) {
		if (m && !cmp_key(&ctx->rows[m - 1], &ctx->rows[i])) {
			ctx->rows[m - 1].val.bytes += ctx->rows[i].val.bytes;
			ctx->rows[m - 1].val.count += ctx->rows[i].val.count;
		} else {
			ctx->rows[m++] = ctx->rows[i];
		}
	}
	qsort(ctx->rows, m, sizeof(*ctx->rows), cmp_row);
	ctx->ngroups = 0;
	for (i = 0; i < m; i++) {
		if (!g || g->tgid != ctx->rows[i].key.tgid) {
			g = &ctx->groups[ctx->ngroups++];
			*g = (struct ml_group){ .tgid = ctx->rows[i].key.tgid,
						.first = i };
		}
		g->n++;
		g->bytes += ctx->rows[i].val.bytes;
		g->count += ctx->rows[i].val.count;
	}
	qsort(ctx->groups, ctx->ngroups, sizeof(*ctx->groups), cmp_group);
	return 0;
}

static void print_row(struct ml_ctx *ctx, const struct ml_row *r,
		      const char *comm)
{
	const struct ms_env *env = &ctx->env;
	int fd = ms_bpf_map(&ctx->bpf, "stacks");
	struct ms_ustack *f;
	struct ms_json j;
	int i;

	f = ms_ustack_get(env, &ctx->stacks, fd, r->key.tgid, r->key.stack,
			  sizeof(r->key.stack), r->key.stack != MS_NO_STACK);

	if (env->json) {
		ms_json_record(&j, env, "stack");
		ms_json_uint(&j, "pid", r->key.tgid);
		ms_json_str(&j, "comm", comm);
		ms_json_int(&j, "bytes", r->val.bytes);
		ms_json_int(&j, "allocs", r->val.count);
		ms_json_str_array(&j, "stack", (const char *const *)f->frames,
				  f->nframes);
		ms_json_end(&j);
		return;
	}
	printf("  %lld bytes in %lld allocations from %s\n",
	       (long long)r->val.bytes, (long long)r->val.count,
	       r->key.stack == MS_NO_STACK ? "[no stack]" :
	       f->nframes ? "stack" : "[stack lost]");
	for (i = 0; i < f->nframes && i < (int)env->frames; i++)
		printf("      %s\n", f->frames[i]);
}

static void print_tables(struct ml_ctx *ctx)
{
	const struct ms_env *env = &ctx->env;
	char comm[MS_COMM_LEN + 1];
	struct ms_json j;
	size_t g, i;

	for (g = 0; g < ctx->ngroups && g < env->top; g++) {
		const struct ml_group *p = &ctx->groups[g];

		ms_map_comm(ms_bpf_map(&ctx->bpf, "procs"), p->tgid, comm);
		if (env->json) {
			ms_json_record(&j, env, "proc");
			ms_json_uint(&j, "pid", p->tgid);
			ms_json_str(&j, "comm", comm);
			ms_cgroup_column(env, &j, p->tgid);
			ms_json_int(&j, "bytes", p->bytes);
			ms_json_int(&j, "allocs", p->count);
			ms_json_uint(&j, "stacks", p->n);
			ms_json_end(&j);
		} else {
			printf("%s%-7s %-16s %14s %9s", g ? "\n" : "", "PID",
			       "COMM", "BYTES", "ALLOCS");
			ms_cgroup_head(env);
			printf("\n%-7u %-16s %14lld %9lld", p->tgid, comm,
			       (long long)p->bytes, (long long)p->count);
			ms_cgroup_column(env, NULL, p->tgid);
			putchar('\n');
		}
		for (i = 0; i < p->n && i < env->top; i++)
			print_row(ctx, &ctx->rows[p->first + i], comm);
	}
	if (!env->json && !ctx->ngroups)
		printf("no outstanding allocations%s\n",
		       ctx->older ? " that old" : "");
}

static int report(void *arg, unsigned long iter)
{
	struct ml_ctx *ctx = arg;

	if (read_rows(ctx))
		return -1;
	ms_report_begin(&ctx->env, iter);
	print_tables(ctx);
	ctx->reports++;
	return 0;
}

/* A process's first site: read its maps now, while it lives. */
static int on_record(void *arg, void *data, size_t size)
{
	const struct ml_event *e = data;
	struct ml_ctx *ctx = arg;

	if (size >= sizeof(*e) && ms_usyms_track(e->tgid))
		ctx->untracked++;
	return 0;
}

static int print_summary(void *arg)
{
	struct ml_ctx *ctx = arg;
	const struct ms_env *env = &ctx->env;
	struct ms_outstanding *all = &ctx->all;
	__u64 v[7 + ML_NR_COUNTS], drops[ML_NR_DROPS];
	static const char *const keys[] = {
		"processes", "allocs", "alloc_bytes", "frees", "free_bytes",
		"untracked", "dropped", "frees_unknown", "failed", "filtered",
	};
	struct ms_json j;
	size_t i;

	if (read_rows(ctx) || (ctx->older && read_sites(ctx, false) < 0))
		return -1;
	if (!env->interval) {
		ms_report_begin(env, 0);
		print_tables(ctx);
	}
	v[0] = ctx->ngroups;
	v[1] = all->allocs;
	v[2] = all->alloc_bytes;
	v[3] = all->allocs - all->count;	/* tracked blocks freed */
	v[4] = all->alloc_bytes - all->bytes;
	v[5] = ctx->untracked;
	v[6] = ms_bpf_drops(&ctx->bpf, drops, ML_NR_DROPS);
	for (i = 0; i < ML_NR_COUNTS; i++)
		if (ms_percpu_read(ms_bpf_map(&ctx->bpf, "counts"), i,
				   &v[7 + i], 1))
			v[7 + i] = 0;
	for (i = 0; i < ML_NR_DROPS; i++)
		if (drops[i])
			ms_warn(env, "%llu %s", drops[i], drop_names[i]);
	if (env->json) {
		ms_json_record(&j, env, "summary");
		ms_json_uint(&j, "reports", ctx->reports);
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			ms_json_uint(&j, keys[i], v[i]);
		ms_json_uint(&j, "no_stack", drops[ML_DROP_STACK]);
		if (ctx->sample)
			ms_json_uint(&j, "sampled_pct",
				     ms_duty_share(&ctx->allocs) + 0.5);
		ms_json_end(&j);
		return 0;
	}
	printf("\nmemleak: %lu reports; %llu allocations (%llu bytes), %llu freed (%llu bytes)\n",
	       ctx->reports, v[1], v[2], v[3], v[4]);
	printf("memleak: %llu frees of blocks from before the start; %llu failed, %llu filtered\n",
	       v[7], v[8], v[9]);
	if (ctx->sample)
		printf("memleak: sampled: allocation probes on %.0f%% of the time\n",
		       ms_duty_share(&ctx->allocs));
	return 0;
}

int main(int argc, char **argv)
{
	static struct ml_ctx ctx;
	struct ms_env *env = &ctx.env;
	struct ms_loop loop = {
		.on_interval = report, .on_record = on_record, .ctx = &ctx,
	};
	struct ms_duty *d = &ctx.allocs;
	pid_t child = 0;
	int ret;

	parse_args(&ctx, argc, argv);
	ms_tool_init(env);
	ctx.targets = ms_utargets_or_die(env, funcs, ARRAY_SIZE(funcs),
					 ctx.object, &ctx.ntargets);
	ctx.max_rows = ctx.max_allocs > ML_MAX_SITES ? ctx.max_allocs :
		       ML_MAX_SITES;
	ctx.rows = ms_zalloc(env, ctx.max_rows, sizeof(*ctx.rows));
	ctx.groups = ms_zalloc(env, ctx.max_rows, sizeof(*ctx.groups));
	ms_die_on(env, ms_bpf_open(&ctx.bpf, env, NULL, 0));
	ms_die_on(env, ms_bpf_resize(&ctx.bpf, "allocs", ctx.max_allocs));
	ms_die_on(env, ms_bpf_load(&ctx.bpf));
	loop.ringbuf_fd = ms_bpf_map(&ctx.bpf, "events");
	if (env->command) {
		child = ms_command_start(env);
		ctx.targets[0].pid = child;
		env->pid = child;
	}
	ms_filter_init(env, &ctx.cfg.filter);
	ctx.cfg.stacks = env->frames;
	ctx.cfg.sampled = !!ctx.sample;
	ms_die_on(env, ms_bpf_cfg(&ctx.bpf, &ctx.cfg, sizeof(ctx.cfg)));

	/* Frees first: a tracked block's free is never missed. */
	ms_die_on(env, ms_uprobes_attach(&ctx.frees, &ctx.bpf, ctx.targets,
					 ctx.ntargets, funcs,
					 ARRAY_SIZE(funcs), FREE_FUNCS));
	*d = (struct ms_duty){
		.b = &ctx.bpf, .targets = ctx.targets,
		.ntargets = ctx.ntargets, .funcs = funcs,
		.nfuncs = ARRAY_SIZE(funcs), .mask = ALLOC_FUNCS,
		.pct = ctx.sample ? ctx.sample : 100,
		.before_attach = new_generation, .ctx = &ctx,
	};
	ms_die_on(env, ms_duty_start(d));
	if (child)
		ms_command_go(child);
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "memleak: tracing %sallocations in %s; Ctrl-C to end\n",
		ctx.sample ? "sampled " : "", ctx.targets[0].provider);

	ret = ms_run(env, &loop);
	ms_duty_stop(d);
	ms_links_detach(&ctx.frees);
	ret = ms_finish(&ctx.bpf, ret, print_summary, &ctx);
	ms_ustacks_free(&ctx.stacks);
	ms_utargets_free(ctx.targets, ctx.ntargets);
	ms_usyms_free();
	free(ctx.rows);
	free(ctx.groups);
	return ret;
}
