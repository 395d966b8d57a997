// SPDX-License-Identifier: GPL-2.0
/*
 * dreclaim: which processes stall in direct reclaim, how often, for how
 * long and for how many pages; memcg limit reclaim apart; who wakes
 * kswapd and how often kswapd runs, per node.  Direct reclaims equal the
 * allocstall_* counters of /proc/vmstat, the LRU pages they reclaimed
 * pgsteal_direct, kswapd runs pageoutrun.
 *
 * Attach points (dreclaim_kern.c), all raw tracepoints of vmscan:
 * mm_vmscan_direct_reclaim_begin/_end, mm_vmscan_memcg_reclaim_begin/_end,
 * mm_vmscan_lru_shrink_inactive, mm_vmscan_wakeup_kswapd and
 * mm_vmscan_kswapd_wake.  None is on the allocation fast path.
 * Requires: CONFIG_BPF_SYSCALL, CONFIG_BPF_EVENTS, CONFIG_TRACEPOINTS.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "libmemstat.h"
#include "dreclaim_common.h"

static const char usage[] =
"Usage: dreclaim [-e] [-H] [-n N] [-p PID] [-c CGROUP] [-C] [-jTBv] [-d SEC]\n"
"                [interval [count]]\n"
"\n"
"Direct reclaim per process: how many times each process stalled in\n"
"direct reclaim (global: allocstall; memcg: its cgroup's limit), for how\n"
"long, and how much memory it reclaimed; who asked kswapd to run and how\n"
"often kswapd ran, per node.  With an interval, one table per interval;\n"
"without, the totals when it ends (Ctrl-C, SIGTERM or -d).\n"
"\n"
"Options:\n"
"  -e, --events       one line per reclaim instead of tables\n"
"  -H, --histogram    latency histograms (log2, usecs) per process;\n"
"                     with -e, in the tables at the end\n"
"  -n, --top N        the N processes with the most reclaim time\n"
"                     (default 20, 0: all)\n"
"  -p, --pid PID      only process PID (filtered in the kernel)\n"
"\n"
"Columns: DIRECT global direct reclaims, TIME_ms AVG_us MAX_us their\n"
"latency (MAX since start), RECLAIM memory the kernel reported reclaimed\n"
"(LRU and slab, K/M/G); MEMCG MCG_ms memcg limit reclaims and their time;\n"
"WAKE wakeup_kswapd() requests.  JSON adds the LRU part (pgsteal_direct)\n"
"and memcg reclaimed memory.  Then per node: kswapd wakeup requests and\n"
"kswapd runs (balance_pgdat, pageoutrun).  -e: TIME(s) since start (the\n"
"clock with -T), LAT_us, RECLAIM, ORD(er), GFP mask.\n"
"\n"
"Examples:\n"
"  dreclaim                # per process, until Ctrl-C\n"
"  dreclaim -H -n 5 10 6   # top 5 with histograms, every 10 s for a minute\n"
"  dreclaim -e -p 1234     # every reclaim of process 1234\n"
"  dreclaim -j -d 60       # JSON totals over one minute\n";

#define DR_NODE_FIELDS	(sizeof(struct dr_node) / sizeof(__u64))
#define DR_TOTAL_FIELDS	(sizeof(struct dr_totals) / sizeof(__u64))

static const struct ms_hook hooks[] = {
	{ "dr_direct_begin", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_direct_reclaim_begin" },
	{ "dr_direct_end", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_direct_reclaim_end" },
	{ "dr_memcg_begin", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_memcg_reclaim_begin" },
	{ "dr_memcg_end", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_memcg_reclaim_end" },
	{ "dr_shrink_inactive", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_lru_shrink_inactive" },
	{ "dr_wakeup_kswapd", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_wakeup_kswapd" },
	{ "dr_kswapd_wake", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_kswapd_wake" },
};

struct dr_ctx {
	struct ms_env env;
	struct ms_bpf bpf;
	int kswapd_fd;
	struct ms_rows procs;		/* struct dr_proc */
	struct dr_node nodes_now[MS_MAX_NODES], nodes_prev[MS_MAX_NODES];
	unsigned long reports;
	struct ms_events ev;		/* -e */
};

static const char *const kind_names[DR_NR_KINDS] = { "direct", "memcg" };

static void parse_args(struct dr_ctx *ctx, int argc, char **argv)
{
	struct ms_env *env = &ctx->env;

	ms_env_init(env, "dreclaim", usage, MS_OPT_EVENTS | MS_OPT_HIST |
		    MS_OPT_TOP | MS_OPT_PID | MS_OPT_CGROUP |
		    MS_OPT_CGROUP_COLUMN);
	ms_getopt(env, argc, argv, "", NULL);
}

static int cmp_tgid(const void *a, const void *b)
{
	const struct dr_proc *x = a, *y = b;

	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

/* procs[] into ctx->procs, sorted by tgid; the node counters. */
static int read_all(struct dr_ctx *ctx)
{
	int err = ms_rows_read(&ctx->procs);
	__u32 nid;

	for (nid = 0; !err && nid < MS_MAX_NODES; nid++)
		err = ms_percpu_read(ctx->kswapd_fd, nid,
				     (__u64 *)&ctx->nodes_now[nid],
				     DR_NODE_FIELDS);
	if (err) {
		ms_warn(&ctx->env, "%s", ms_last_error());
		return -1;
	}
	return 0;
}

/* A maximum is since the start: no difference. */
static void keep_max(void *delta, const void *now)
{
	struct dr_proc *d = delta;
	const struct dr_proc *a = now;
	int k;

	for (k = 0; k < DR_NR_KINDS; k++)
		d->kind[k].max_ns = a->kind[k].max_ns;
}

static bool proc_active(const void *row)
{
	const struct dr_proc *p = row;

	return p->kind[DR_DIRECT].count || p->kind[DR_MEMCG].count ||
	       p->kswapd_wakeups;
}

/* Most reclaim time first, then memcg time, then wakeups. */
static int cmp_busy(const void *a, const void *b)
{
	const struct dr_proc *x = a, *y = b;
	__u64 xd = x->kind[DR_DIRECT].total_ns, yd = y->kind[DR_DIRECT].total_ns;
	__u64 xm = x->kind[DR_MEMCG].total_ns, ym = y->kind[DR_MEMCG].total_ns;

	if (xd != yd)
		return xd > yd ? -1 : 1;
	if (xm != ym)
		return xm > ym ? -1 : 1;
	if (x->kswapd_wakeups != y->kswapd_wakeups)
		return x->kswapd_wakeups > y->kswapd_wakeups ? -1 : 1;
	return 0;
}

/* Count, times and sizes of one kind, keys prefixed with its name. */
static void json_reclaim(struct ms_json *j, const char *kind,
			 __u64 count, __u64 ns, __u64 reclaimed, __u64 lru)
{
	ms_json_uint(j, kind, count);
	ms_json_uint2(j, kind, "_ns", ns);
	ms_json_uint2(j, kind, "_reclaimed_kib", ms_pages_kib(reclaimed));
	ms_json_uint2(j, kind, "_lru_kib", ms_pages_kib(lru));
}

static void print_proc(const struct dr_ctx *ctx, const struct dr_proc *p)
{
	const struct dr_reclaim *d = &p->kind[DR_DIRECT];
	const struct dr_reclaim *m = &p->kind[DR_MEMCG];
	const struct ms_env *env = &ctx->env;
	char comm[MS_COMM_LEN + 1], key[32];
	struct ms_json j;
	int k;

	ms_cstr(comm, p->comm, MS_COMM_LEN);
	if (env->json) {
		ms_json_record(&j, env, "proc");
		ms_json_uint(&j, "pid", p->tgid);
		ms_json_str(&j, "comm", comm);
		ms_cgroup_column(env, &j, p->tgid);
		for (k = 0; k < DR_NR_KINDS; k++) {
			const struct dr_reclaim *r = &p->kind[k];

			json_reclaim(&j, kind_names[k], r->count, r->total_ns,
				     r->reclaimed, r->lru_pages);
			ms_json_uint2(&j, kind_names[k], "_max_ns", r->max_ns);
			if (!env->hist)
				continue;
			snprintf(key, sizeof(key), "%s_hist_us", kind_names[k]);
			ms_hist_json(&j, key, r->hist.slots, MS_HIST_SLOTS);
		}
		ms_json_uint(&j, "kswapd_wakeups", p->kswapd_wakeups);
		ms_json_end(&j);
		return;
	}
	printf("%7u %-15s %6llu %7.1f %6llu %6llu %7s %5llu %7.1f %5llu",
	       p->tgid, comm, d->count, d->total_ns / 1e6,
	       d->count ? d->total_ns / d->count / 1000 : 0, d->max_ns / 1000,
	       ms_kib(env, ms_pages_kib(d->reclaimed)), m->count,
	       m->total_ns / 1e6, p->kswapd_wakeups);
	ms_cgroup_column(env, NULL, p->tgid);
	putchar('\n');
	if (!env->hist)
		return;
	for (k = 0; k < DR_NR_KINDS; k++) {
		if (!p->kind[k].count)
			continue;
		printf("\n  %s reclaim latency, pid %u (%s):\n", kind_names[k],
		       p->tgid, comm);
		ms_hist_print(stdout, p->kind[k].hist.slots, MS_HIST_SLOTS,
			      "usecs");
		putchar('\n');
	}
}

static void print_nodes(const struct dr_ctx *ctx, const struct dr_node *base)
{
	bool header = false;
	struct ms_json j;
	__u32 nid;

	for (nid = 0; nid < MS_MAX_NODES; nid++) {
		__u64 w = ctx->nodes_now[nid].wakeups - base[nid].wakeups;
		__u64 r = ctx->nodes_now[nid].runs - base[nid].runs;

		if (!w && !r)
			continue;
		if (ctx->env.json) {
			ms_json_record(&j, &ctx->env, "kswapd");
			ms_json_uint(&j, "node", nid);
			ms_json_uint(&j, "wakeups", w);
			ms_json_uint(&j, "runs", r);
			ms_json_end(&j);
			continue;
		}
		if (!header)
			printf("%4s %12s %11s\n", "NODE", "KSWAPD_WAKEUP",
			       "KSWAPD_RUNS");
		header = true;
		printf("%4u %12llu %11llu\n", nid, w, r);
	}
}

/* Print what changed since the last report (everything at the end). */
static void print_tables(struct dr_ctx *ctx, bool since_start)
{
	static const struct dr_node zero_nodes[MS_MAX_NODES];
	struct dr_proc *d = ctx->procs.delta;
	size_t i, n;

	n = ms_rows_delta(&ctx->procs, since_start, proc_active);
	qsort(d, n, sizeof(*d), cmp_busy);
	if (!ctx->env.json) {
		printf("%7s %-15s %6s %7s %6s %6s %7s %5s %7s %5s",
		       "PID", "COMM", "DIRECT", "TIME_ms", "AVG_us", "MAX_us",
		       "RECLAIM", "MEMCG", "MCG_ms", "WAKE");
		ms_cgroup_head(&ctx->env);
		putchar('\n');
	}
	for (i = 0; i < n && i < ctx->env.top; i++)
		print_proc(ctx, &d[i]);
	print_nodes(ctx, since_start ? zero_nodes : ctx->nodes_prev);
}

static int report(void *arg, unsigned long iter)
{
	struct dr_ctx *ctx = arg;

	if (read_all(ctx))
		return -1;
	ms_report_begin(&ctx->env, iter);
	print_tables(ctx, false);
	ms_rows_next(&ctx->procs);
	memcpy(ctx->nodes_prev, ctx->nodes_now, sizeof(ctx->nodes_prev));
	ctx->reports++;
	return 0;
}

/* -e: one reclaim, printed as it comes. */
static int on_event(void *arg, void *data, size_t size)
{
	const struct dr_event *e = data;
	struct dr_ctx *ctx = arg;
	const struct ms_env *env = &ctx->env;
	char comm[MS_COMM_LEN + 1], gfp[16];
	const char *kind;
	struct ms_json j;

	if (size < sizeof(*e))
		return 0;
	kind = e->kind < DR_NR_KINDS ? kind_names[e->kind] : "?";
	ms_cstr(comm, e->comm, MS_COMM_LEN);
	snprintf(gfp, sizeof(gfp), "0x%x", e->gfp);
	ms_event_begin(&ctx->ev, &j, e->end_ns, e->pid, e->tid, comm);
	if (env->json) {
		ms_json_str(&j, "kind", kind);
		ms_json_uint(&j, "latency_ns", e->latency_ns);
		ms_json_uint(&j, "reclaimed_kib", ms_pages_kib(e->reclaimed));
		ms_json_uint(&j, "lru_kib", ms_pages_kib(e->lru_pages));
		ms_json_uint(&j, "order", e->order);
		ms_json_str(&j, "gfp", gfp);
		ms_json_end(&j);
		return 0;
	}
	printf("%-15s %7u %7u %-6s %8.1f %7s %3u %s\n", comm, e->pid, e->tid,
	       kind, e->latency_ns / 1e3,
	       ms_kib(env, ms_pages_kib(e->reclaimed)), e->order, gfp);
	return 0;
}

/* Totals since the start, and what could not be counted. */
static int print_summary(void *arg)
{
	__u64 drops[DR_NR_DROPS], dropped, wakeups = 0, runs = 0;
	struct dr_ctx *ctx = arg;
	const struct ms_env *env = &ctx->env;
	struct dr_totals t;
	struct ms_json j;
	__u32 nid;
	int k;

	if (read_all(ctx))
		return -1;
	if (ms_percpu_read(ms_bpf_map(&ctx->bpf, "totals"), 0, (__u64 *)&t,
			   DR_TOTAL_FIELDS)) {
		ms_warn(env, "%s", ms_last_error());
		return -1;
	}
	dropped = ms_bpf_drops(&ctx->bpf, drops, DR_NR_DROPS) -
		  drops[DR_UNPAIRED];
	for (nid = 0; nid < MS_MAX_NODES; nid++) {
		wakeups += ctx->nodes_now[nid].wakeups;
		runs += ctx->nodes_now[nid].runs;
	}
	if (!env->interval && (!env->events || env->hist)) {
		/* After -e lines, a blank line first. */
		ms_report_begin(env, env->events);
		print_tables(ctx, true);
	}
	if (dropped)
		ms_warn(env,
			"not counted: %llu reclaims not timed (too many at once), %llu processes (table full), %llu -e events (ring buffer full), %llu on nodes >= %d",
			drops[DR_DROP_INFLIGHT], drops[DR_DROP_PROC],
			drops[DR_DROP_EVENT], drops[DR_DROP_NODE],
			MS_MAX_NODES);
	if (env->json) {
		ms_json_record(&j, env, "summary");
		ms_json_uint(&j, "reports", ctx->reports);
		for (k = 0; k < DR_NR_KINDS; k++)
			json_reclaim(&j, kind_names[k], t.count[k],
				     t.total_ns[k], t.reclaimed[k],
				     t.lru_pages[k]);
		ms_json_uint(&j, "pgsteal_direct_kib",
			     ms_pages_kib(t.lru_pages_direct));
		ms_json_uint(&j, "pgsteal_kswapd_kib",
			     ms_pages_kib(t.lru_pages_kswapd));
		ms_json_uint(&j, "kswapd_wakeups", wakeups);
		ms_json_uint(&j, "kswapd_runs", runs);
		if (env->events)
			ms_json_uint(&j, "events", ctx->ev.count);
		ms_json_uint(&j, "dropped", dropped);
		ms_json_uint(&j, "unpaired", drops[DR_UNPAIRED]);
		ms_json_end(&j);
		return 0;
	}
	printf("\ndreclaim: %lu reports", ctx->reports);
	if (env->events)
		printf(", %lu events", ctx->ev.count);
	printf("; since start:\n");
	for (k = 0; k < DR_NR_KINDS; k++)
		printf("  %-6s %8llu reclaims in %9.1f ms, reclaimed %s, LRU %s\n",
		       kind_names[k], t.count[k], t.total_ns[k] / 1e6,
		       ms_kib(env, ms_pages_kib(t.reclaimed[k])),
		       ms_kib(env, ms_pages_kib(t.lru_pages[k])));
	printf("  LRU reclaimed by global direct reclaim %s, by kswapd %s\n",
	       ms_kib(env, ms_pages_kib(t.lru_pages_direct)),
	       ms_kib(env, ms_pages_kib(t.lru_pages_kswapd)));
	printf("  kswapd wakeup requests %llu, kswapd runs %llu\n", wakeups,
	       runs);
	if (drops[DR_UNPAIRED])
		printf("dreclaim: %llu reclaims begun before the start were not counted\n",
		       drops[DR_UNPAIRED]);
	return 0;
}

int main(int argc, char **argv)
{
	static struct dr_ctx ctx;
	struct ms_loop loop = {
		.ringbuf_fd = -1, .on_interval = report, .on_record = on_event,
		.ctx = &ctx,
	};
	struct dr_cfg cfg = {};
	int ret;

	parse_args(&ctx, argc, argv);
	ms_tool_init(&ctx.env);
	ctx.procs = (struct ms_rows){
		.key_size = sizeof(__u32), .row_size = sizeof(struct dr_proc),
		.max = DR_MAX_PROCS, .cmp = cmp_tgid, .fixup = keep_max,
		.counters = offsetof(struct dr_proc, kswapd_wakeups),
	};
	ms_rows_alloc(&ctx.procs, &ctx.env);

	ms_filter_init(&ctx.env, &cfg.filter);
	cfg.events = ctx.env.events;
	if (ctx.env.events)
		ms_events_start(&ctx.ev, &ctx.env);
	ms_bpf_start(&ctx.bpf, &ctx.env, hooks, ARRAY_SIZE(hooks), &cfg,
		     sizeof(cfg));
	ctx.procs.fd = ms_bpf_map(&ctx.bpf, "procs");
	ctx.kswapd_fd = ms_bpf_map(&ctx.bpf, "kswapd");
	if (ctx.env.events) {
		loop.ringbuf_fd = ms_bpf_map(&ctx.bpf, "events");
		ms_events_header(&ctx.ev, "%-15s %7s %7s %-6s %8s %7s %3s %s\n",
				 "COMM", "PID", "TID", "KIND", "LAT_us",
				 "RECLAIM", "ORD", "GFP");
	}
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "dreclaim: tracing direct reclaim%s; Ctrl-C to end\n",
		ctx.env.pid ? " of one process" : "");

	ret = ms_finish(&ctx.bpf, ms_run(&ctx.env, &loop), print_summary,
			&ctx);
	ms_rows_free(&ctx.procs);
	return ret;
}
