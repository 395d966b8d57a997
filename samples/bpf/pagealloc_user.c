// SPDX-License-Identifier: GPL-2.0
/*
 * pagealloc: memory allocated by the page allocator since the start, by
 * call path, process, order, gfp flags, migratetype and allocator step.
 */
#define _GNU_SOURCE		/* qsort_r() */
#include <assert.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "libmemstat.h"
#include "pagealloc_common.h"

static const char usage[] =
"Usage: pagealloc [-n N] [-F N] [-R N] [-p PID] [-A HOOK] [-G N] [-jTBv]\n"
"                 [-c CGROUP] [-C] [-d SEC] [interval [count]]\n"
"\n"
"Page allocations from the start on, allocated, freed and outstanding, by\n"
"call path, process, order, gfp, migratetype and step; what of the memory\n"
"in use /proc/meminfo does not explain.  A report per interval, and a\n"
"summary when it ends (Ctrl-C, SIGTERM, -d or count).\n"
"\n"
"Options:\n"
"  -n, --top N         rows per table (default 20, 0: all)\n"
"  -F, --frames N      stack frames shown (default 8; 0: no call paths,\n"
"                      the cheapest: leave it running)\n"
"  -R, --sample N      walk the call path of one allocation in N (default\n"
"                      16): paths and categories are estimates; 1: exact;\n"
"                      with -F 0 (default 1) count one in N in the tables:\n"
"                      all are estimates but the totals, a quarter cheaper\n"
"  -p, --pid PID       only allocations made by process PID\n"
"  -A, --attach HOOK   path (mm_page_alloc_path, the default if there),\n"
"                      tracepoint (mm_page_alloc: no steps), kprobe (no frees)\n"
"  -G, --max-groups N  (path, process, gfp, order, step) groups (16384)\n"
"\n"
"Examples:\n"
"  pagealloc -d 10          # top paths after 10 seconds\n"
"  pagealloc -F 0 60        # always on: by process, order, gfp, every minute\n"
"  pagealloc -F 0 -p 1234 1 # process 1234, every second\n"
"  pagealloc -R 1 -d 10     # every call path walked: exact per path\n"
"  pagealloc -j -d 60       # JSON Lines\n";

static const char *const attach_names[] = { "path", "tracepoint", "kprobe", 0 };

static const char *const path_names[PA_NR_PATHS] = {
	"fast", "slow", "compact", "reclaim", "oom", "nofail", "fail",
	"dhugetlb", "bulk",
	[PA_PATH_ANY] = "any", [PA_PATH_UNKNOWN] = "unknown",
};

/* enum pa_count in JSON: the _kib ones count pages in the kernel. */
static const char *const count_names[PA_NR_COUNTS] = {
	"alloc_blocks", "alloc_kib", "fail", "free_blocks", "free_kib",
	"free_tracked_kib", "free_untracked_kib", "untracked_kib",
	"stale_kib", "drop_group", "drop_stack", "drop_proc",
};

enum pa_dim { PA_BY_STACK, PA_BY_PROC, PA_BY_ORDER, PA_BY_MT, PA_BY_PATH,
	      PA_BY_GFP, PA_BY_CAT, PA_NR_DIMS };

/* Each table: its JSON name and id key; listed by id or by size. */
static const struct {
	const char *name, *id_key;
	bool by_id;
} dims[PA_NR_DIMS] = {
	{ "paths" }, { "processes", "pid" }, { "orders", "order", true },
	{ "migratetypes", NULL, true }, { "steps", NULL, true },
	{ "gfp", "gfp" }, { "categories" },
};

/* Sums of groups for one row of a table (a path, process...), in KiB. */
struct pa_sum {
	__u64 id;
	__u64 alloc_blocks, alloc_kib, untracked_kib, free_kib, fail;
	__u64 rate_kib;			/* allocated in the last interval */
	__u64 steps[PA_NR_PATHS];	/* allocations and failures per step */
};

enum pa_order { PA_SORT_ID, PA_SORT_OUTSTANDING, PA_SORT_RATE };

struct pa_ctx {
	struct ms_env env;
	int attach;			/* -A: enum pa_attach, -1: the best */
	unsigned long max_groups;	/* -G */
	struct pa_cfg cfg;
	struct ms_bpf bpf;
	const char *event;		/* what counts allocations */
	struct ms_stacks stacks;	/* call paths; user: KiB at the last report */
	struct pa_group *groups;	/* the groups of this report */
	size_t ngroups;
	struct pa_sum *sums;		/* the rows of a table */
	struct ms_meminfo mi_start, mi_now;
	double start, last;		/* ms_now() seconds */
	unsigned long reports;
};

static void parse_args(struct pa_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sample", required_argument, NULL, 'R' },
		{ "max-groups", required_argument, NULL, 'G' },
		{},
	};
	struct ms_env *env = &ctx->env;
	int opt;

	ms_env_init(env, "pagealloc", usage,
		    MS_OPT_PID | MS_OPT_CGROUP | MS_OPT_CGROUP_COLUMN |
		    MS_OPT_TOP | MS_OPT_FRAMES | MS_OPT_ATTACH);
	ctx->max_groups = PA_MAX_GROUPS;
	ctx->cfg.sample = 0;
	while ((opt = ms_getopt(env, argc, argv, "R:G:", longopts)) != -1)
		if (opt == 'R')
			ctx->cfg.sample = ms_parse_ulong_or_die(env, "sample",
								optarg, 1,
								1UL << 20);
		else
			ctx->max_groups = ms_parse_ulong_or_die(env,
								"max-groups",
								optarg, 256,
								1UL << 22);
	ctx->attach = env->attach ? ms_pick(env, "attach point", env->attach,
					    attach_names) : -1;
	/*
	 * Sampling saves most of a stack walk, but only a quarter of -F 0:
	 * there the tables stay exact unless -R asks.
	 */
	if (!ctx->cfg.sample)
		ctx->cfg.sample = env->frames ? PA_SAMPLE : 1;
}

static_assert(sizeof(struct ms_frames) == MS_MAX_FRAMES * sizeof(__u64),
	      "the stacks map holds what ms_stack_get() reads");

/* The call path stored under @hash (MS_NO_STACK: none recorded). */
static struct ms_stack *stack_of(struct pa_ctx *ctx, __u64 hash)
{
	return ms_stack_get(&ctx->env, &ctx->stacks,
			    ms_bpf_map(&ctx->bpf, "stacks"), hash, MS_NO_STACK);
}

static __s64 outstanding(const struct pa_sum *s)
{
	return (__s64)(s->alloc_kib - s->untracked_kib - s->free_kib);
}

/* qsort_r(): by id, or by outstanding memory (first by rate), most first. */
static int cmp_rows(const void *a, const void *b, void *order)
{
	const struct pa_sum *p = a, *q = b;
	enum pa_order o = *(enum pa_order *)order;

	if (o == PA_SORT_RATE && p->rate_kib != q->rate_kib)
		return p->rate_kib < q->rate_kib ? 1 : -1;
	if (o != PA_SORT_ID && outstanding(p) != outstanding(q))
		return outstanding(p) < outstanding(q) ? 1 : -1;
	if (o != PA_SORT_ID && p->alloc_kib != q->alloc_kib)
		return p->alloc_kib < q->alloc_kib ? 1 : -1;
	return p->id < q->id ? -1 : p->id > q->id;
}

/*
 * Sum the groups along @dim into ctx->sums; returns the row count.  Call
 * paths and their categories come from the sampled groups, scaled by
 * the sampling rate: estimates unless every path is walked (-R 1).
 * Without paths (-F 0) every group is a sample, but its failures.
 */
static size_t sum_by(struct pa_ctx *ctx, enum pa_dim dim)
{
	bool by_path = dim == PA_BY_STACK || dim == PA_BY_CAT;
	__u64 w = by_path || !ctx->env.frames ? ctx->cfg.sample : 1;
	__u64 wf = ctx->env.frames ? w : 1;
	size_t i, r, rows = 0;
	struct pa_sum *s;

	for (i = 0; i < ctx->ngroups; i++) {
		const struct pa_group_key *k = &ctx->groups[i].key;
		const struct pa_group *v = &ctx->groups[i];
		__u64 ids[PA_NR_DIMS] = { k->stack, k->tgid, k->order,
					  k->migratetype, k->path, k->gfp };

		if (by_path && k->unsampled)
			continue;
		if (dim == PA_BY_CAT)
			ids[dim] = stack_of(ctx, k->stack)->cat;
		for (r = 0; r < rows && ctx->sums[r].id != ids[dim]; r++)
			;
		if (r == rows)
			ctx->sums[rows++] = (struct pa_sum){ .id = ids[dim] };
		s = &ctx->sums[r];
		s->alloc_blocks += w * v->alloc_blocks;
		s->alloc_kib += w * ms_pages_kib(v->alloc_pages);
		s->untracked_kib += w * ms_pages_kib(v->untracked_pages);
		s->free_kib += w * ms_pages_kib(v->free_pages);
		s->fail += wf * v->fail;
		s->steps[k->path % PA_NR_PATHS] += w * v->alloc_blocks +
						   wf * v->fail;
	}
	return rows;
}

static const char *row_name(struct pa_ctx *ctx, enum pa_dim dim, __u64 id,
			    char *buf, size_t len)
{
	char comm[MS_COMM_LEN] = "?", cg[256] = "";
	__u32 tgid = id;

	switch (dim) {
	case PA_BY_PROC:
		bpf_map_lookup_elem(ms_bpf_map(&ctx->bpf, "comms"), &tgid, comm);
		/* -C: the cgroup after the comm, in text only. */
		if (ctx->env.show_cgroup && !ctx->env.json) {
			cg[0] = ' ';
			ms_pid_cgroup(tgid, cg + 1, sizeof(cg) - 1);
		}
		snprintf(buf, len, "%llu %s%s", id, comm, cg);
		return buf;
	case PA_BY_MT:
		return ms_migratetype_name(id);
	case PA_BY_PATH:
		return path_names[id % PA_NR_PATHS] ?: "?";
	case PA_BY_GFP:
		return ms_gfp_decode(id, buf, len);
	case PA_BY_CAT:
		return ms_mem_cat_names[id % MS_MEM_NR_CATS];
	default:
		snprintf(buf, len, "%llu", id);
		return buf;
	}
}

/* One table: a JSON array into @j, or text (by rate when @by_rate). */
static void print_rows(struct pa_ctx *ctx, struct ms_json *j, enum pa_dim dim,
		       size_t n, bool by_rate, double secs)
{
	char name[512], blocks[32];
	struct ms_stack *st;
	const char *nm;
	size_t i, len;
	int f;

	if (j)
		ms_json_arr(j, dims[dim].name);
	else
		printf("\n%s%s%s:\n%9s %9s %9s %7s  %s\n", dims[dim].name,
		       dims[dim].by_id ? "" : " by ", dims[dim].by_id ? "" :
		       by_rate ? "allocation rate" : "outstanding memory",
		       "OUTSTAND", "ALLOCATED", by_rate ? "RATE/s" : "BLOCKS",
		       "FAILS", dim ? "WHAT" : "CATEGORY STEPS / CALL PATH");
	for (i = 0; i < n; i++) {
		const struct pa_sum *s = &ctx->sums[i];

		/* JSON paths: the top N, then those holding or taking pages. */
		if (j && dim == PA_BY_STACK && i >= ctx->env.top &&
		    outstanding(s) <= 0 && !s->rate_kib)
			continue;
		if (!j && (i >= ctx->env.top || (by_rate ? !s->rate_kib :
						 !outstanding(s) && !s->fail)))
			break;
		nm = row_name(ctx, dim, s->id, name, sizeof(name));
		st = dim == PA_BY_STACK ? stack_of(ctx, s->id) : NULL;
		if (j) {
			ms_json_obj(j, NULL);
			if (st) {
				ms_json_int(j, "stack_id", st->id);
				ms_json_str(j, "category",
					    ms_mem_cat_names[st->cat]);
				ms_json_str_array(j, "frames",
						  (const char *const *)st->frames,
						  st->nframes);
				ms_json_obj(j, "steps");
				for (f = 0; f < PA_NR_PATHS; f++)
					if (s->steps[f])
						ms_json_uint(j, path_names[f],
							     s->steps[f]);
				ms_json_pop(j);
			} else if (dims[dim].id_key) {
				ms_json_uint(j, dims[dim].id_key, s->id);
			}
			if (dim == PA_BY_PROC) {
				ms_json_str(j, "comm", strchr(nm, ' ') + 1);
				ms_cgroup_column(&ctx->env, j, s->id);
			} else if (!st && dim != PA_BY_ORDER) {
				ms_json_str(j, "name", nm);
			}
			ms_json_uint(j, "alloc_blocks", s->alloc_blocks);
			ms_json_uint(j, "alloc_kib", s->alloc_kib);
			ms_json_uint(j, "untracked_kib", s->untracked_kib);
			ms_json_uint(j, "free_kib", s->free_kib);
			ms_json_int(j, "outstanding_kib", outstanding(s));
			ms_json_uint(j, "fail", s->fail);
			ms_json_uint(j, "interval_kib", s->rate_kib);
			ms_json_pop(j);
			continue;
		}
		snprintf(blocks, sizeof(blocks), "%llu", s->alloc_blocks);
		printf("%9s %9s %9s %7llu  ", ms_kib(&ctx->env, outstanding(s)),
		       ms_kib(&ctx->env, s->alloc_kib), !by_rate ? blocks :
		       ms_kib(&ctx->env, secs > 0 ? s->rate_kib / secs : 0),
		       s->fail);
		if (!st) {
			ms_print_wrapped(nm, 39, 39, 80);
			continue;
		}
		len = snprintf(name, sizeof(name), "%s", ms_mem_cat_names[st->cat]);
		for (f = 0; f < PA_NR_PATHS; f++)
			if (s->steps[f] && f != PA_PATH_ANY && len < sizeof(name))
				len += snprintf(name + len, sizeof(name) - len,
						" %s:%llu", path_names[f],
						s->steps[f]);
		ms_print_wrapped(name, 39, 39, 80);
		if (!st->nframes)
			printf("%6s(no call path)\n", "");
		for (f = 0; f < st->nframes && f < (int)ctx->env.frames; f++)
			printf("%6s%s\n", "", st->frames[f]);
	}
	if (j)
		ms_json_pop(j);
}

/* The head of a report; @c: the counts, pages in KiB. */
static void print_head(struct pa_ctx *ctx, struct ms_json *j, bool summary,
		       const __u64 *c, __u64 other_kib, double now)
{
	const struct ms_env *env = &ctx->env;
	long long out_kib = (long long)(c[PA_ALLOC_PAGES] - c[PA_UNTRACKED_PAGES]) -
			    (long long)(c[PA_FREE_TRACKED] + c[PA_STALE_PAGES]);
	char clock[16];
	int i;

	if (j) {
		ms_json_record(j, env, summary ? "summary" : "interval");
		ms_json_uint(j, "reports", ctx->reports);
		ms_json_str(j, "event", ctx->event);
		ms_json_uint(j, "interval_ns", (now - ctx->last) * 1e9);
		ms_json_uint(j, "sample", ctx->cfg.sample);
		ms_json_uint(j, "elapsed_ns", (now - ctx->start) * 1e9);
		for (i = 0; i < PA_NR_COUNTS; i++)
			ms_json_uint(j, count_names[i], c[i]);
		ms_json_int(j, "outstanding_kib", out_kib);
		ms_json_uint(j, "other_outstanding_kib", other_kib);
		ms_meminfo_json(j, &ctx->mi_now, &ctx->mi_start);
		return;
	}
	if (summary)
		printf("pagealloc: %lu reports over %.1f s\n", ctx->reports,
		       now - ctx->start);
	if (env->timestamp)
		printf("%s ", ms_clock(clock, sizeof(clock)));
	printf("%s: %s\nallocated %s in %llu blocks, %llu failed; freed %s\n",
	       summary ? "summary" : "interval", ctx->event,
	       ms_kib(env, c[PA_ALLOC_PAGES]), c[PA_ALLOC_BLOCKS], c[PA_FAIL],
	       ms_kib(env, c[PA_FREE_PAGES]));
	printf("outstanding since the start: %s; freed, allocated before: %s\n",
	       ms_kib(env, out_kib), ms_kib(env, c[PA_FREE_UNTRACKED]));
	if (c[PA_DROP_GROUP] || c[PA_DROP_STACK] || c[PA_DROP_PROC] ||
	    c[PA_STALE_PAGES])
		printf("untracked: %llu blocks, %s (no group slot: -G); stale %s\n"
		       "dropped: %llu call paths, %llu process names\n",
		       c[PA_DROP_GROUP],
		       ms_kib(env, c[PA_UNTRACKED_PAGES]),
		       ms_kib(env, c[PA_STALE_PAGES]), c[PA_DROP_STACK],
		       c[PA_DROP_PROC]);
	ms_meminfo_print(env, &ctx->mi_now, &ctx->mi_start);
	printf("paths outside meminfo's categories hold %s%s allocated since the start\n",
	       env->frames && ctx->cfg.sample > 1 ? "about " : "",
	       ms_kib(env, other_kib));
	if (ctx->cfg.sample > 1)
		printf("%s: estimates, from one allocation %s in %u (-R 1: exact)\n",
		       env->frames ? "call paths and categories" :
		       "the tables (not the totals)", env->frames ? "walked" :
		       "counted", ctx->cfg.sample);
}

/* One report: everything since the start, rates over the last interval. */
static int report_all(struct pa_ctx *ctx, bool summary)
{
	__u64 c[PA_NR_COUNTS], other_kib = 0;
	enum pa_order order;
	double now = ms_now(), secs = now - ctx->last;
	struct ms_stack *st;
	struct ms_json j, *jp = ctx->env.json ? &j : NULL;
	size_t rows, i;
	ssize_t n;
	int dim;

	n = pa_groups_read(&ctx->bpf, &ctx->cfg, ctx->groups);
	if (n < 0 || pa_counts_read(&ctx->bpf, ctx->groups, n, c)) {
		ms_warn(&ctx->env, "%s", ms_last_error());
		return -1;
	}
	ctx->ngroups = n;
	ms_ksyms_refresh();
	for (i = 0; i < PA_NR_COUNTS; i++)
		if (strstr(count_names[i], "_kib"))
			c[i] = ms_pages_kib(c[i]);
	ms_meminfo_read(&ctx->mi_now);

	/* Paths first: their rates need the previous report's counts. */
	rows = sum_by(ctx, PA_BY_STACK);
	for (i = 0; i < rows; i++) {
		st = stack_of(ctx, ctx->sums[i].id);
		ctx->sums[i].rate_kib = ctx->sums[i].alloc_kib - st->user;
		st->user = ctx->sums[i].alloc_kib;
		if (st->cat == MS_MEM_OTHER && outstanding(&ctx->sums[i]) > 0)
			other_kib += outstanding(&ctx->sums[i]);
	}

	ctx->reports += !summary;
	print_head(ctx, jp, summary, c, other_kib, now);
	for (dim = 0; dim < PA_NR_DIMS; dim++) {
		if (dim != PA_BY_STACK)
			rows = sum_by(ctx, dim);
		else if (!ctx->env.frames)
			continue;
		order = dims[dim].by_id ? PA_SORT_ID : PA_SORT_OUTSTANDING;
		qsort_r(ctx->sums, rows, sizeof(*ctx->sums), cmp_rows, &order);
		print_rows(ctx, jp, dim, rows, false, secs);
		if (dim == PA_BY_STACK && ctx->env.interval && !jp) {
			order = PA_SORT_RATE;
			qsort_r(ctx->sums, rows, sizeof(*ctx->sums), cmp_rows,
				&order);
			print_rows(ctx, NULL, dim, rows, true, secs);
		}
	}
	if (jp)
		ms_json_end(jp);
	else
		putchar('\n');
	ctx->last = now;
	return 0;
}

static int report(void *arg, unsigned long iter)
{
	return report_all(arg, false);
}

static int print_summary(void *arg)
{
	return report_all(arg, true);
}

int main(int argc, char **argv)
{
	static struct pa_ctx ctx;
	struct ms_ksym_req reqs[] = { { "__tracepoint_mm_page_alloc_path" },
				      { "__alloc_pages_nodemask" } };
	struct ms_loop loop = {
		.ringbuf_fd = -1, .on_interval = report, .ctx = &ctx,
	};
	struct ms_env *env = &ctx.env;
	struct pa_cfg *cfg = &ctx.cfg;
	int kp;

	parse_args(&ctx, argc, argv);
	ms_tool_init(env);
	ms_ksyms_init(env, reqs, ARRAY_SIZE(reqs));
	if (ctx.attach < 0)
		ctx.attach = reqs[0].addr ? PA_ATTACH_PATH : PA_ATTACH_TP;
	if (ctx.attach == PA_ATTACH_PATH && !reqs[0].addr)
		ms_fatal(env,
			 "-A path: this kernel has no kmem:mm_page_alloc_path event (memstat's patched kernels have it): use -A tracepoint");
	kp = ctx.attach == PA_ATTACH_KPROBE;
	ctx.attach += kp && !reqs[1].addr;
	ctx.event = pa_hooks[ctx.attach][1].target + (kp ? 0 : strlen("kmem:"));
	ms_die_on(env, ms_bpf_open(&ctx.bpf, env, pa_hooks[ctx.attach] + kp,
				   2 - kp));
	ms_die_on(env, pa_size_maps(&ctx.bpf, cfg, ctx.max_groups));
	ctx.groups = ms_zalloc(env, cfg->group_mask + 1, sizeof(*ctx.groups));
	ctx.sums = ms_zalloc(env, cfg->group_mask + 1, sizeof(*ctx.sums));
	ms_die_on(env, ms_bpf_load(&ctx.bpf));
	ms_filter_init(env, &cfg->filter);
	cfg->stacks = env->frames > 0;
	ms_die_on(env, ms_bpf_cfg(&ctx.bpf, cfg, sizeof(*cfg)));
	ms_die_on(env, ms_meminfo_read(&ctx.mi_start));
	ms_die_on(env, ms_bpf_attach(&ctx.bpf));
	ctx.start = ms_now();
	ctx.last = ctx.start;
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "pagealloc: tracing page allocations (%s:%s)%s; Ctrl-C to end\n",
		kp ? "kprobe" : "kmem", ctx.event,
		env->pid ? " of one process" : "");
	return ms_finish(&ctx.bpf, ms_run(env, &loop), print_summary, &ctx);
}
