// SPDX-License-Identifier: GPL-2.0
/*
 * paf: page allocation failures, as they happen: who asked, the zones the
 * request could use, the stack, and libmemstat's ms_zone_verdict().  -S
 * counts failures by (order, gfp, stack) in the kernel instead.  fexit on
 * the allocator's entry, else (arm64 5.10: no BPF trampolines) the
 * tracepoint kmem:mm_page_alloc with kprobes for what fails before it
 * (see paf_kern.c).  Requires: CONFIG_BPF_SYSCALL, CONFIG_DEBUG_INFO_BTF
 * (fexit) or CONFIG_TRACEPOINTS and CONFIG_KPROBES (fallback),
 * CONFIG_KALLSYMS_ALL.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "libmemstat.h"
#include "paf_common.h"

static const char usage[] =
"Usage: paf [-p PID] [-o ORDER] [-W] [-S] [-n N] [-F N] [-A HOOK] [-jTBv]\n"
"           [-c CGROUP] [-d SEC] [interval [count]]\n"
"\n"
"Page allocation failures, as they happen: process, order, gfp flags,\n"
"the zones the request could use, the kernel stack and a verdict (below\n"
"min, fragmentation, cma, cpuset_mempolicy, none).  Runs until Ctrl-C,\n"
"SIGTERM, -d or the end of the -p process; an interval adds a tally.\n"
"\n"
"Options:\n"
"  -p, --pid PID      only failures of process PID\n"
"  -o, --order N      only failures of order >= N\n"
"  -W, --warn-only    only requests without __GFP_NOWARN\n"
"  -S, --summary      count by (order, gfp flags, stack) in the kernel;\n"
"                     the table per interval and at the end\n"
"  -n, --top N        rows of the -S table (default 20, 0: all)\n"
"  -F, --frames N     stack frames shown in text (default 8; JSON: all)\n"
"  -A, --attach HOOK  fexit (default) or tracepoint (kmem:mm_page_alloc)\n"
"\n"
"Examples:\n"
"  paf                # every failure, with zones, stack and verdict\n"
"  paf -o 1 -W        # failures of order >= 1 the kernel may warn about\n"
"  paf -S 10          # top (order, gfp, stack) every 10 s\n"
"  paf -j -p 1234     # JSON Lines for process 1234\n";

static const char *const attach_names[] = { "fexit", "tracepoint", NULL };

/* The fexit target is the allocator entry kallsyms has: reqs[2] or [3]. */
static const struct ms_hook fexit_hooks[2][1] = {
	{ { "paf_alloc_exit", MS_HOOK_FEXIT, "__alloc_pages_nodemask" } },
	{ { "paf_alloc_exit", MS_HOOK_FEXIT, "__alloc_pages" } },
};

/*
 * The tracepoint, and kprobes for what fails before it: an order of
 * MAX_ORDER or more at the allocator's entry (reqs[2] or [3], set at
 * start), fault injection's should_fail_alloc_page().
 */
static struct ms_hook tp_hooks[] = {
	{ "paf_page_alloc", MS_HOOK_TRACEPOINT, "kmem:mm_page_alloc" },
	{ "paf_inject_exit_kp", MS_HOOK_KRETPROBE, "should_fail_alloc_page" },
	{ "paf_inject_enter_kp", MS_HOOK_KPROBE, "should_fail_alloc_page" },
	{ "paf_alloc_enter_kp", MS_HOOK_KPROBE, "__alloc_pages_nodemask" },
};

struct summary_row {
	struct paf_key key;
	__u64 count;
	__u64 prev;			/* count at the previous report */
	__u64 n;			/* in the table being printed */
};

struct paf_ctx {
	struct ms_env env;
	struct paf_cfg cfg;		/* -o, -W; -p, -S */
	bool tp_only;			/* -A tracepoint */
	struct ms_bpf bpf;
	bool fexit;
	const char *attach;		/* "kmem:mm_page_alloc", fexit target */
	__u64 mem_nodes;		/* nodes with memory (N_MEMORY) */
	int counts_fd, stacks_fd;
	struct ms_stacks stacks;	/* -S stacks, symbolized once */
	__u64 failures;			/* records received */
	__u64 interval_failures;
	unsigned long reports;
	struct summary_row rows[PAF_MAX_KEYS];
	size_t nr_rows;
};

/* One failure: the record, the zones as checked, the verdict, the stack. */
struct failure {
	const struct paf_event *ev;
	struct ms_zone_req r;
	struct ms_zone zones[PAF_NR_ZONES];
	unsigned int n;
	const char *key;
	char text[512];
	char *frames[MS_STACK_DEPTH];
	int nframes;
};

static void parse_args(struct paf_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "order", required_argument, NULL, 'o' },
		{ "warn-only", no_argument, NULL, 'W' },
		{},
	};
	int opt;

	ms_env_init(&ctx->env, "paf", usage, MS_OPT_PID | MS_OPT_CGROUP |
		    MS_OPT_SUMMARY | MS_OPT_TOP | MS_OPT_FRAMES | MS_OPT_ATTACH);
	while ((opt = ms_getopt(&ctx->env, argc, argv, "o:W", longopts)) != -1) {
		ctx->cfg.warn_only |= opt == 'W';
		if (opt == 'o')
			ctx->cfg.min_order =
				ms_parse_ulong_or_die(&ctx->env, "order", optarg,
						      0, MS_NR_ORDERS - 1);
	}
	ctx->tp_only = ctx->env.attach &&
		       ms_pick(&ctx->env, "attach point", ctx->env.attach,
			       attach_names) == 1;
}

/* The request and zones as libmemstat's watermark check takes them. */
static void zone_input(const struct paf_ctx *ctx, struct failure *f)
{
	const struct paf_event *ev = f->ev;
	unsigned int i, o, mt, zi = ev->highest_zoneidx;
	const struct paf_zone *pz;
	struct ms_zone *z;

	f->n = ev->nr_zones < PAF_NR_ZONES ? ev->nr_zones : PAF_NR_ZONES;
	f->r = (struct ms_zone_req) {
		.order = ev->order, .max_order = ev->max_order,
		.migrate_cma = ev->migrate_cma, .mem_nodes = ctx->mem_nodes,
		.high = ev->flags & PAF_F_HIGH, .numa = ev->flags & PAF_F_NUMA,
		.harder = ev->flags & PAF_F_HARDER,
		.alloc_cma = ev->flags & PAF_F_ALLOC_CMA,
		.have_cma = ev->flags & PAF_F_CMA,
		.preferred_nid = ev->preferred_nid, .mempolicy = ev->mempolicy,
		.allowed = (ev->flags & PAF_F_NODEMASK ? ev->nodemask : ~0ULL) &
			   ev->mems_allowed,
	};
	for (i = 0, pz = ev->zones, z = f->zones; i < f->n; i++, pz++, z++) {
		*z = (struct ms_zone) {
			.name = pz->name, .nid = pz->nid, .free = pz->free,
			.free_cma = pz->free_cma, .min = pz->wmark[0],
			.low = pz->wmark[1], .high = pz->wmark[2],
			.boost = pz->boost, .highatomic = pz->highatomic,
			.managed = pz->managed, .present = pz->present,
			.reserve = zi < PAF_NR_ZONE_IDX ?
				   pz->lowmem_reserve[zi] : 0,
		};
		for (o = 0; o < PAF_NR_ZONE_IDX && o < MS_ZONE_TYPES; o++)
			z->lowmem_reserve[o] = pz->lowmem_reserve[o];
		for (o = 0; o < MS_NR_ORDERS && o < MS_ZONE_ORDERS; o++) {
			z->nr_free[o] = pz->nr_free[o];
			for (mt = 0; mt < PAF_NR_MT; mt++)
				z->lists[o] |= (unsigned int)pz->lists[o][mt] << mt;
		}
	}
}

static void print_event_json(struct paf_ctx *ctx, const struct failure *f)
{
	const struct paf_event *ev = f->ev;
	char gfp[256], buf[64];
	unsigned int i;
	struct ms_json j;

	ms_json_record(&j, &ctx->env, "failure");
	ms_json_uint(&j, "ts_ns", ev->ts_ns);
	ms_json_uint(&j, "pid", ev->pid);
	ms_json_uint(&j, "tid", ev->tid);
	ms_json_str(&j, "comm", ev->comm);
	ms_json_uint(&j, "order", ev->order);
	ms_json_str(&j, "gfp", ms_gfp_decode(ev->gfp, gfp, sizeof(gfp)));
	snprintf(buf, sizeof(buf), "0x%x", ev->gfp);
	ms_json_str(&j, "gfp_hex", buf);
	ms_json_str(&j, "migratetype", ms_migratetype_name(ev->migratetype));
	ms_json_int(&j, "preferred_nid", ev->preferred_nid);
	ms_json_uint(&j, "highest_zoneidx", ev->highest_zoneidx);
	ms_json_str(&j, "preferred_zone", f->n ? ev->zones[0].name : "");
	if (ev->flags & PAF_F_NODEMASK)
		ms_json_str(&j, "nodemask",
			    ms_fmt_nodes(ev->nodemask, buf, sizeof(buf)));
	if (ev->flags & PAF_F_CPUSETS)
		ms_json_str(&j, "mems_allowed",
			    ms_fmt_nodes(ev->mems_allowed, buf, sizeof(buf)));
	ms_json_str(&j, "mempolicy", ms_mempolicy_name(ev->mempolicy));
	ms_json_str(&j, "source", attach_names[!(ev->flags & PAF_F_FEXIT)]);
	ms_json_str(&j, "verdict", f->key);
	ms_json_str(&j, "verdict_text", f->text);
	ms_json_arr(&j, "zones");
	for (i = 0; i < f->n; i++)
		ms_zone_json(&j, &f->r, &f->zones[i]);
	ms_json_pop(&j);
	if (ev->stack_bytes < 0)
		ms_json_int(&j, "stack_error", ev->stack_bytes);
	ms_json_str_array(&j, "stack", (const char *const *)f->frames,
			  f->nframes);
	ms_json_end(&j);
}

static void print_event_text(struct paf_ctx *ctx, const struct failure *f)
{
	const struct paf_event *ev = f->ev;
	char gfp[256], line[300], buf[64], mems[64];
	unsigned int i;

	printf("%s %s pid %u tid %u: order %u page allocation failure\n",
	       ms_clock(buf, sizeof(buf)), ev->comm, ev->pid, ev->tid, ev->order);
	snprintf(line, sizeof(line), "%s (0x%x)",
		 ms_gfp_decode(ev->gfp, gfp, sizeof(gfp)), ev->gfp);
	ms_print_wrapped(line, printf("  gfp "), 6, 80);
	printf("  migratetype %s, preferred node %d, zone %s, %s\n",
	       ms_migratetype_name(ev->migratetype), ev->preferred_nid,
	       f->n ? ev->zones[0].name : "-",
	       attach_names[!(ev->flags & PAF_F_FEXIT)]);
	if (ev->flags & (PAF_F_NODEMASK | PAF_F_CPUSETS))
		printf("  nodemask %s, cpuset mems %s, mempolicy %s\n",
		       ev->flags & PAF_F_NODEMASK ?
		       ms_fmt_nodes(ev->nodemask, buf, sizeof(buf)) : "-",
		       ev->flags & PAF_F_CPUSETS ?
		       ms_fmt_nodes(ev->mems_allowed, mems, sizeof(mems)) : "-",
		       ms_mempolicy_name(ev->mempolicy));
	ms_print_wrapped(f->text, printf("  verdict: "), 4, 80);
	ms_zone_print(&ctx->env, &f->r, f->zones, f->n);
	if (ev->stack_bytes < 0)
		printf("  stack: not available (%s)\n", strerror(-ev->stack_bytes));
	for (i = 0; i < (unsigned int)f->nframes && i < ctx->env.frames; i++)
		printf("    %s\n", f->frames[i]);
	putchar('\n');
}

/* A stack as printed (0 frames when it cannot be). */
static int symbolize(const __u64 *ips, int n, char **frames)
{
	n = n > 0 ? ms_stack_symbolize(ips, n, frames) : 0;
	return n < 0 ? 0 : n;
}

/* Ring buffer record: one failure. */
static int on_record(void *arg, void *data, size_t size)
{
	struct paf_ctx *ctx = arg;
	struct failure f = { .ev = data };

	if (size < sizeof(*f.ev))
		return 0;
	f.nframes = symbolize(f.ev->stack, f.ev->stack_bytes / 8, f.frames);
	zone_input(ctx, &f);
	f.key = ms_zone_verdict(&ctx->env, &f.r, f.zones, f.n, f.text,
				sizeof(f.text));
	if (ctx->env.json)
		print_event_json(ctx, &f);
	else
		print_event_text(ctx, &f);
	ms_stack_free(f.frames, f.nframes);
	ctx->failures++;
	ctx->interval_failures++;
	return 0;
}

/* -S: the counts map into ctx->rows (new keys appended). */
static int read_summary(struct paf_ctx *ctx)
{
	static struct paf_key keys[PAF_MAX_KEYS];
	static __u64 vals[PAF_MAX_KEYS];
	ssize_t n, i;
	size_t r;

	n = ms_hash_read(ctx->counts_fd, keys, sizeof(keys[0]), vals,
			 sizeof(vals[0]), PAF_MAX_KEYS);
	if (n < 0)
		ms_warn(&ctx->env, "%s", ms_last_error());
	for (i = 0; i < n; i++) {
		for (r = 0; r < ctx->nr_rows; r++)
			if (!memcmp(&ctx->rows[r].key, &keys[i], sizeof(keys[i])))
				break;
		if (r == ctx->nr_rows)
			ctx->rows[ctx->nr_rows++].key = keys[i];
		ctx->rows[r].count = vals[i];
	}
	return n < 0 ? -1 : 0;
}

static int row_cmp(const void *a, const void *b)
{
	const struct summary_row *x = a, *y = b;

	return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

/* The -S table since the last one (@delta) or in all; text: -n rows. */
static void print_summary_table(struct paf_ctx *ctx, bool delta)
{
	char gfp[256], head[32];
	struct summary_row *row;
	struct ms_stack *st;
	struct ms_json j;
	size_t r;
	int i;

	for (r = 0; r < ctx->nr_rows; r++)
		ctx->rows[r].n = ctx->rows[r].count - (delta ? ctx->rows[r].prev : 0);
	qsort(ctx->rows, ctx->nr_rows, sizeof(*ctx->rows), row_cmp);
	if (!ctx->env.json && ctx->env.timestamp)
		printf("%s\n", ms_clock(head, sizeof(head)));
	if (!ctx->env.json)
		printf("%8s %5s  %s\n", "COUNT", "ORDER", "GFP / STACK");
	for (r = 0, row = ctx->rows; r < ctx->nr_rows && row->n; r++, row++) {
		if (!ctx->env.json && ctx->env.top && r >= ctx->env.top)
			break;
		st = ms_stack_get(&ctx->env, &ctx->stacks, ctx->stacks_fd,
				  row->key.stack, PAF_NO_STACK);
		ms_gfp_decode(row->key.gfp, gfp, sizeof(gfp));
		if (ctx->env.json) {
			ms_json_record(&j, &ctx->env, delta ? "failures" :
				       "failures_total");
			ms_json_uint(&j, "count", row->n);
			ms_json_uint(&j, "order", row->key.order);
			ms_json_str(&j, "gfp", gfp);
			ms_json_str_array(&j, "stack",
					  (const char *const *)st->frames,
					  st->nframes);
			ms_json_end(&j);
		} else {
			snprintf(head, sizeof(head), "%8llu %5u  ", row->n,
				 row->key.order);
			ms_print_wrapped(gfp, printf("%s", head), 16, 80);
			for (i = 0; i < st->nframes && i < (int)ctx->env.frames; i++)
				printf("%16s%s\n", "", st->frames[i]);
		}
	}
	for (r = 0; r < ctx->nr_rows; r++)
		ctx->rows[r].prev = ctx->rows[r].count;
}

/* One report per interval: the -S table, or a tally of failures. */
static int report(void *arg, unsigned long iter)
{
	struct paf_ctx *ctx = arg;
	char clock[16];
	struct ms_json j;

	if (ctx->env.summary) {
		if (read_summary(ctx))
			return -1;
		if (iter && !ctx->env.json)
			putchar('\n');
		print_summary_table(ctx, true);
	} else if (ctx->env.json) {
		ms_json_record(&j, &ctx->env, "interval");
		ms_json_uint(&j, "failures", ctx->interval_failures);
		ms_json_uint(&j, "total", ctx->failures);
		ms_json_end(&j);
	} else {
		if (!iter)
			printf("%-8s %9s %9s\n", "TIME", "FAILURES", "TOTAL");
		printf("%-8s %9llu %9llu\n", ms_clock(clock, sizeof(clock)),
		       ctx->interval_failures, ctx->failures);
	}
	ctx->interval_failures = 0;
	ctx->reports++;
	return 0;
}

static int print_final(void *arg)
{
	struct paf_ctx *ctx = arg;
	__u64 each[PAF_NR_DROPS], dropped, total = ctx->failures;
	struct ms_json j;
	size_t r;

	dropped = ms_bpf_drops(&ctx->bpf, each, PAF_NR_DROPS);
	if (ctx->env.summary) {
		if (read_summary(ctx))
			return -1;
		for (total = 0, r = 0; r < ctx->nr_rows; r++)
			total += ctx->rows[r].count;
		if (!ctx->env.json)
			printf("%stotals:\n", ctx->reports ? "\n" : "");
		print_summary_table(ctx, false);
	}
	if (dropped)
		ms_warn(&ctx->env,
			"dropped: %llu records (ring buffer full), %llu failures (summary map full), %llu stacks",
			each[PAF_DROP_RINGBUF], each[PAF_DROP_KEYS],
			each[PAF_DROP_STACK]);
	if (!ctx->env.json) {
		printf("\npaf: %lu reports; %llu failures traced (%s%s), %llu dropped\n",
		       ctx->reports, total, ctx->fexit ? "fexit " : "",
		       ctx->attach, dropped);
		return 0;
	}
	ms_json_record(&j, &ctx->env, "summary");
	ms_json_uint(&j, "reports", ctx->reports);
	ms_json_uint(&j, "failures", total);
	ms_json_str(&j, "source", attach_names[!ctx->fexit]);
	ms_json_str(&j, "attach", ctx->attach);
	ms_json_uint(&j, "dropped", dropped);
	ms_json_uint(&j, "dropped_ringbuf", each[PAF_DROP_RINGBUF]);
	ms_json_uint(&j, "dropped_keys", each[PAF_DROP_KEYS]);
	ms_json_uint(&j, "dropped_stacks", each[PAF_DROP_STACK]);
	ms_json_end(&j);
	return 0;
}

/* fexit_hooks[@entry] if it works, else tp_hooks (-v: why). */
static void load_attach(struct paf_ctx *ctx, int entry)
{
	char why[512] = "";
	int t, err;

	if (entry < 0)
		snprintf(why, sizeof(why),
			 "neither __alloc_pages_nodemask nor __alloc_pages is in /proc/kallsyms");
	else if (!ms_kernel_btf_exists())
		snprintf(why, sizeof(why),
			 "no kernel BTF for fexit on %s (needs CONFIG_DEBUG_INFO_BTF=y)",
			 fexit_hooks[entry][0].target);
	if (entry >= 0)
		tp_hooks[3].target = fexit_hooks[entry][0].target;
	for (t = why[0] || ctx->tp_only; ; t++) {
		/* No allocator entry in kallsyms: the tracepoint alone. */
		err = t ? ms_bpf_open(&ctx->bpf, &ctx->env, tp_hooks,
				      entry < 0 ? 1 : ARRAY_SIZE(tp_hooks)) :
			  ms_bpf_open(&ctx->bpf, &ctx->env, fexit_hooks[entry], 1);
		err = err ?: ms_bpf_load(&ctx->bpf);
		err = err ?: ms_bpf_cfg(&ctx->bpf, &ctx->cfg, sizeof(ctx->cfg));
		err = err ?: ms_bpf_attach(&ctx->bpf);
		if (!err)
			break;
		ms_bpf_close(&ctx->bpf);
		if (t)
			ms_fatal(&ctx->env, "cannot trace allocation failures: %s; %s",
				 why[0] ? why : "fexit not tried (-A tracepoint)",
				 ms_last_error());
		snprintf(why, sizeof(why), "%s", ms_last_error());
	}
	ctx->fexit = !t;
	ctx->attach = t ? tp_hooks[0].target : fexit_hooks[entry][0].target;
	if (why[0] && ctx->env.verbose)
		ms_warn(&ctx->env,
			"%s: using tracepoint kmem:mm_page_alloc and kprobes for the failures before it (fault injection, order >= MAX_ORDER); no preferred node",
			why);
}

int main(int argc, char **argv)
{
	static struct paf_ctx ctx;
	struct ms_ksym_req reqs[] = {
		{ "node_data" }, { "contig_page_data" },
		{ "__alloc_pages_nodemask" }, { "__alloc_pages" },
	};
	struct ms_loop loop = {
		.on_record = on_record, .on_interval = report, .ctx = &ctx,
	};
	int entry;

	parse_args(&ctx, argc, argv);
	ms_tool_init(&ctx.env);
	ms_ksyms_init(&ctx.env, reqs, ARRAY_SIZE(reqs));
	if (!reqs[0].addr && !reqs[1].addr)
		ms_fatal(&ctx.env,
			 "kernel symbols node_data and contig_page_data not found: this kernel needs CONFIG_KALLSYMS_ALL=y");
	entry = reqs[2].addr ? 0 : reqs[3].addr ? 1 : -1;
	ctx.mem_nodes = ms_mem_nodes();
	ms_filter_init(&ctx.env, &ctx.cfg.filter);
	ctx.cfg.summary = ctx.env.summary;
	ctx.cfg.node_data = reqs[0].addr;
	ctx.cfg.contig_page_data = reqs[0].addr ? 0 : reqs[1].addr;
	load_attach(&ctx, entry);
	ctx.counts_fd = ms_bpf_map(&ctx.bpf, "counts");
	ctx.stacks_fd = ms_bpf_map(&ctx.bpf, "stacks");
	loop.ringbuf_fd = ms_bpf_map(&ctx.bpf, "events");
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "paf: tracing page allocation failures (%s %s); Ctrl-C to end\n",
		attach_names[!ctx.fexit], ctx.attach);

	return ms_finish(&ctx.bpf, ms_run(&ctx.env, &loop), print_final, &ctx);
}
