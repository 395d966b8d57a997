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
#include "dreclaim_common.h"

static const char usage[] =
"Usage: dreclaim [-e | -H] [-n N] [-p PID] [-jTBv] [-d SEC] [interval [count]]\n"
"\n"
"Direct reclaim per process: how many times each process stalled in\n"
"direct reclaim (global: allocstall; memcg: its cgroup's limit), for how\n"
"long, and how many pages it reclaimed; who asked kswapd to run and how\n"
"often kswapd ran, per node.  With an interval, one table per interval;\n"
"without, the totals when it ends (Ctrl-C, SIGTERM or -d).\n"
"\n"
"Options:\n"
"  -e, --events       one line per reclaim instead of tables\n"
"  -H, --histogram    latency histograms (log2, usecs) per process\n"
"  -n, --top N        only the N processes with the most reclaim time\n"
"  -p, --pid PID      only process PID (filtered in the kernel)\n"
"\n"
"Columns: DIRECT global direct reclaims, TIME_ms AVG_us MAX_us their\n"
"latency (MAX since start), RECLAIM pages the kernel reported reclaimed\n"
"(LRU and slab), LRU pages taken from the LRU lists (pgsteal_direct);\n"
"MEMCG MCG_ms MCG_RCL the same for memcg limit reclaim; WAKEUPS\n"
"wakeup_kswapd() requests.  Then per node: kswapd wakeup requests and\n"
"kswapd runs (balance_pgdat, pageoutrun).\n"
"\n"
"Examples:\n"
"  dreclaim                # per process, until Ctrl-C\n"
"  dreclaim -H -n 5 10 6   # top 5 with histograms, every 10 s for a minute\n"
"  dreclaim -e -p 1234     # every reclaim of process 1234\n"
"  dreclaim -j -d 60       # JSON totals over one minute\n";

#define DR_EVENT_BATCH	512

struct dr_env {
	struct ms_env common;
	bool events;			/* -e */
	bool hist;			/* -H */
	unsigned long top;		/* -n, 0: all */
	pid_t pid;			/* -p, 0: all */
};

struct dr_row {
	__u32 tgid;
	struct dr_proc p;
};

struct dr_ctx {
	struct dr_env *env;
	int procs_fd, totals_fd, kswapd_fd, drops_fd;
	int ncpus;
	void *percpu;			/* per-CPU lookup buffer */
	struct dr_row *now, *prev, *delta;
	size_t n_now, n_prev;
	struct dr_node nodes_now[DR_MAX_NODES], nodes_prev[DR_MAX_NODES];
	unsigned long reports;
	double start_mono;		/* CLOCK_MONOTONIC at start, for -e */
	struct dr_event batch[DR_EVENT_BATCH];
	size_t n_batch;
	unsigned long n_events;
};

static const char *const kind_names[DR_NR_KINDS] = { "direct", "memcg" };

static void parse_args(struct dr_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "events", no_argument, NULL, 'e' },
		{ "histogram", no_argument, NULL, 'H' },
		{ "top", required_argument, NULL, 'n' },
		{ "pid", required_argument, NULL, 'p' },
		{},
	};
	int opt;

	while ((opt = ms_getopt(&env->common, argc, argv, "eHn:p:",
				longopts)) != -1) {
		switch (opt) {
		case 'e':
			env->events = true;
			break;
		case 'H':
			env->hist = true;
			break;
		case 'n':
			env->top = ms_parse_ulong_or_die(&env->common, "top",
							 optarg, 1, INT_MAX);
			break;
		case 'p':
			env->pid = ms_parse_ulong_or_die(&env->common, "pid",
							 optarg, 1, INT_MAX);
			break;
		}
	}
	if (env->events && env->common.interval)
		ms_usage_error(&env->common,
			       "-e prints every reclaim as it ends: it takes no interval (use -d to stop)");
	if (env->events && env->hist)
		ms_usage_error(&env->common, "-e and -H do not go together");
	if (env->pid)
		ms_check_pid(&env->common, env->pid);
}

static int cmp_tgid(const void *a, const void *b)
{
	const struct dr_row *x = a, *y = b;

	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

/* Read procs[] into ctx->now, sorted by tgid. */
static int read_procs(struct dr_ctx *ctx)
{
	__u32 key, next, *prev_key = NULL;
	size_t n = 0;

	while (n < DR_MAX_PROCS &&
	       !bpf_map_get_next_key(ctx->procs_fd, prev_key, &next)) {
		key = next;
		prev_key = &key;
		/* Gone between the two calls: its process record went too. */
		if (bpf_map_lookup_elem(ctx->procs_fd, &key, &ctx->now[n].p))
			continue;
		ctx->now[n].tgid = key;
		n++;
	}
	if (errno != ENOENT && n < DR_MAX_PROCS)
		return -errno;
	qsort(ctx->now, n, sizeof(*ctx->now), cmp_tgid);
	ctx->n_now = n;
	return 0;
}

static int read_nodes(struct dr_ctx *ctx)
{
	struct dr_node *v = ctx->percpu;
	__u32 nid;
	int cpu;

	for (nid = 0; nid < DR_MAX_NODES; nid++) {
		struct dr_node *sum = &ctx->nodes_now[nid];

		if (bpf_map_lookup_elem(ctx->kswapd_fd, &nid, v))
			return -errno;
		memset(sum, 0, sizeof(*sum));
		for (cpu = 0; cpu < ctx->ncpus; cpu++) {
			sum->wakeups += v[cpu].wakeups;
			sum->runs += v[cpu].runs;
		}
	}
	return 0;
}

static int read_totals(struct dr_ctx *ctx, struct dr_totals *sum)
{
	struct dr_totals *v = ctx->percpu;
	__u64 *s = (__u64 *)sum;
	__u32 zero = 0;
	size_t f;
	int cpu;

	if (bpf_map_lookup_elem(ctx->totals_fd, &zero, v))
		return -errno;
	memset(sum, 0, sizeof(*sum));
	for (cpu = 0; cpu < ctx->ncpus; cpu++)
		for (f = 0; f < sizeof(*sum) / sizeof(__u64); f++)
			s[f] += ((__u64 *)&v[cpu])[f];
	return 0;
}

/* d = a - b, field by field; max_ns and comm stay a's. */
static void proc_sub(struct dr_proc *d, const struct dr_proc *a,
		     const struct dr_proc *b)
{
	int k, i;

	*d = *a;
	if (!b)
		return;
	d->kswapd_wakeups -= b->kswapd_wakeups;
	for (k = 0; k < DR_NR_KINDS; k++) {
		struct dr_reclaim *r = &d->kind[k];
		const struct dr_reclaim *o = &b->kind[k];

		r->count -= o->count;
		r->total_ns -= o->total_ns;
		r->reclaimed -= o->reclaimed;
		r->lru_pages -= o->lru_pages;
		for (i = 0; i < MS_HIST_SLOTS; i++)
			r->hist.slots[i] -= o->hist.slots[i];
	}
}

static bool proc_active(const struct dr_proc *p)
{
	return p->kind[DR_DIRECT].count || p->kind[DR_MEMCG].count ||
	       p->kswapd_wakeups;
}

/* Most reclaim time first, then memcg time, then wakeups. */
static int cmp_busy(const void *a, const void *b)
{
	const struct dr_proc *x = &((const struct dr_row *)a)->p;
	const struct dr_proc *y = &((const struct dr_row *)b)->p;
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

static void json_reclaim(struct ms_json *j, const struct dr_env *env,
			 const char *kind, const struct dr_reclaim *r)
{
	char key[32];

	ms_json_uint(j, kind, r->count);
	snprintf(key, sizeof(key), "%s_ns", kind);
	ms_json_uint(j, key, r->total_ns);
	snprintf(key, sizeof(key), "%s_max_ns", kind);
	ms_json_uint(j, key, r->max_ns);
	snprintf(key, sizeof(key), "%s_reclaimed", kind);
	ms_json_uint(j, key, r->reclaimed);
	snprintf(key, sizeof(key), "%s_lru_pages", kind);
	ms_json_uint(j, key, r->lru_pages);
	if (env->hist) {
		snprintf(key, sizeof(key), "%s_hist_usec", kind);
		ms_hist_json(j, key, r->hist.slots, MS_HIST_SLOTS);
	}
}

static void print_proc(const struct dr_ctx *ctx, const struct dr_row *row,
		       const char *clock)
{
	const struct dr_reclaim *d = &row->p.kind[DR_DIRECT];
	const struct dr_reclaim *m = &row->p.kind[DR_MEMCG];
	char comm[DR_COMM_LEN + 1];
	struct ms_json j;
	int k;

	memcpy(comm, row->p.comm, DR_COMM_LEN);
	comm[DR_COMM_LEN] = '\0';
	if (ctx->env->common.json) {
		ms_json_begin(&j, stdout);
		ms_json_str(&j, "type", "proc");
		if (clock)
			ms_json_str(&j, "time", clock);
		ms_json_uint(&j, "pid", row->tgid);
		ms_json_str(&j, "comm", comm);
		for (k = 0; k < DR_NR_KINDS; k++)
			json_reclaim(&j, ctx->env, kind_names[k],
				     &row->p.kind[k]);
		ms_json_uint(&j, "kswapd_wakeups", row->p.kswapd_wakeups);
		ms_json_end(&j);
		return;
	}
	printf("%7u %-16s %6llu %9.1f %8llu %8llu %8llu %8llu %6llu %8.1f %8llu %7llu\n",
	       row->tgid, comm, d->count, d->total_ns / 1e6,
	       d->count ? d->total_ns / d->count / 1000 : 0,
	       d->max_ns / 1000, d->reclaimed, d->lru_pages, m->count,
	       m->total_ns / 1e6, m->reclaimed, row->p.kswapd_wakeups);
	if (!ctx->env->hist)
		return;
	for (k = 0; k < DR_NR_KINDS; k++) {
		if (!row->p.kind[k].count)
			continue;
		printf("\n  %s reclaim latency, pid %u (%s):\n", kind_names[k],
		       row->tgid, comm);
		ms_hist_print(stdout, row->p.kind[k].hist.slots,
			      MS_HIST_SLOTS, "usecs");
		putchar('\n');
	}
}

static void print_nodes(const struct dr_ctx *ctx, const struct dr_node *base,
			const char *clock)
{
	bool header = false;
	struct ms_json j;
	__u32 nid;

	for (nid = 0; nid < DR_MAX_NODES; nid++) {
		__u64 w = ctx->nodes_now[nid].wakeups - base[nid].wakeups;
		__u64 r = ctx->nodes_now[nid].runs - base[nid].runs;

		if (!w && !r)
			continue;
		if (ctx->env->common.json) {
			ms_json_begin(&j, stdout);
			ms_json_str(&j, "type", "kswapd");
			if (clock)
				ms_json_str(&j, "time", clock);
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

/* Print what changed since ctx->prev/@nodes_base (everything at the end). */
static void print_tables(struct dr_ctx *ctx, bool since_start)
{
	static const struct dr_node zero_nodes[DR_MAX_NODES];
	const struct dr_node *nodes_base = since_start ? zero_nodes :
						       ctx->nodes_prev;
	const char *clockp = NULL;
	size_t i, n = 0, shown;
	char clock[16];

	if (ctx->env->common.timestamp)
		clockp = ms_clock(clock, sizeof(clock));
	for (i = 0; i < ctx->n_now; i++) {
		const struct dr_row *old = NULL;
		struct dr_row *d = &ctx->delta[n];

		if (!since_start)
			old = bsearch(&ctx->now[i], ctx->prev, ctx->n_prev,
				      sizeof(*ctx->prev), cmp_tgid);
		d->tgid = ctx->now[i].tgid;
		proc_sub(&d->p, &ctx->now[i].p, old ? &old->p : NULL);
		if (proc_active(&d->p))
			n++;
	}
	qsort(ctx->delta, n, sizeof(*ctx->delta), cmp_busy);
	shown = ctx->env->top && ctx->env->top < n ? ctx->env->top : n;
	if (!ctx->env->common.json) {
		if (clockp)
			printf("%s\n", clockp);
		printf("%7s %-16s %6s %9s %8s %8s %8s %8s %6s %8s %8s %7s\n",
		       "PID", "COMM", "DIRECT", "TIME_ms", "AVG_us", "MAX_us",
		       "RECLAIM", "LRU", "MEMCG", "MCG_ms", "MCG_RCL",
		       "WAKEUPS");
	}
	for (i = 0; i < shown; i++)
		print_proc(ctx, &ctx->delta[i], clockp);
	print_nodes(ctx, nodes_base, clockp);
}

static int read_all(struct dr_ctx *ctx)
{
	int err = read_procs(ctx);

	if (!err)
		err = read_nodes(ctx);
	if (err)
		ms_warn(&ctx->env->common, "reading the BPF maps failed: %s",
			strerror(-err));
	return err;
}

static int report(void *arg, unsigned long iter)
{
	struct dr_ctx *ctx = arg;
	struct dr_row *swap;

	if (read_all(ctx))
		return -1;
	if (iter && !ctx->env->common.json)
		putchar('\n');
	print_tables(ctx, false);
	swap = ctx->prev;
	ctx->prev = ctx->now;
	ctx->now = swap;
	ctx->n_prev = ctx->n_now;
	memcpy(ctx->nodes_prev, ctx->nodes_now, sizeof(ctx->nodes_prev));
	ctx->reports++;
	return 0;
}

/* Ring buffer callback: copy only, print after the poll. */
static int on_event(void *arg, void *data, size_t size)
{
	struct dr_ctx *ctx = arg;

	if (size < sizeof(struct dr_event))
		return 0;
	memcpy(&ctx->batch[ctx->n_batch++], data, sizeof(struct dr_event));
	/* A full batch stops this poll; the rest waits in the ring. */
	return ctx->n_batch == DR_EVENT_BATCH ? 1 : 0;
}

static void print_events(struct dr_ctx *ctx)
{
	char comm[DR_COMM_LEN + 1], clock[16], gfp[16];
	struct ms_json j;
	size_t i;

	for (i = 0; i < ctx->n_batch; i++) {
		const struct dr_event *e = &ctx->batch[i];
		double t = e->end_ns / 1e9 - ctx->start_mono;
		const char *kind = e->kind < DR_NR_KINDS ?
				   kind_names[e->kind] : "?";

		memcpy(comm, e->comm, DR_COMM_LEN);
		comm[DR_COMM_LEN] = '\0';
		snprintf(gfp, sizeof(gfp), "0x%x", e->gfp);
		if (ctx->env->common.json) {
			ms_json_begin(&j, stdout);
			ms_json_str(&j, "type", "event");
			if (ctx->env->common.timestamp)
				ms_json_str(&j, "time", ms_clock(clock,
								 sizeof(clock)));
			ms_json_uint(&j, "elapsed_us", t > 0 ? t * 1e6 : 0);
			ms_json_uint(&j, "pid", e->pid);
			ms_json_uint(&j, "tid", e->tid);
			ms_json_str(&j, "comm", comm);
			ms_json_str(&j, "kind", kind);
			ms_json_uint(&j, "latency_ns", e->latency_ns);
			ms_json_uint(&j, "reclaimed", e->reclaimed);
			ms_json_uint(&j, "lru_pages", e->lru_pages);
			ms_json_uint(&j, "order", e->order);
			ms_json_str(&j, "gfp", gfp);
			ms_json_end(&j);
			continue;
		}
		if (ctx->env->common.timestamp)
			printf("%-8s ", ms_clock(clock, sizeof(clock)));
		else
			printf("%-11.6f ", t);
		printf("%-16s %7u %7u %-6s %9.1f %7llu %7llu %5u %-10s\n",
		       comm, e->pid, e->tid, kind, e->latency_ns / 1e3,
		       e->reclaimed, e->lru_pages, e->order, gfp);
	}
	ctx->n_events += ctx->n_batch;
	ctx->n_batch = 0;
}

static int run_events(struct dr_ctx *ctx, struct bpf_object *obj)
{
	const struct ms_env *common = &ctx->env->common;
	double deadline = common->duration ? ms_mono_now() + common->duration : 0;
	struct ring_buffer *rb;
	int err = 0;

	rb = ring_buffer__new(ms_map_fd(common, obj, "events"), on_event, ctx,
			      NULL);
	if (libbpf_get_error(rb))
		ms_fatal(common, "cannot open the ring buffer: %s",
			 ms_strerror(libbpf_get_error(rb)));
	if (!common->json) {
		printf("%-11s %-16s %7s %7s %-6s %9s %7s %7s %5s %-10s\n",
		       common->timestamp ? "TIME" : "TIME(s)", "COMM", "PID",
		       "TID", "KIND", "LAT_us", "RECLAIM", "LRU", "ORDER",
		       "GFP");
		fflush(stdout);
	}
	while (!ms_exiting() && (!deadline || ms_mono_now() < deadline)) {
		err = ring_buffer__poll(rb, 100);
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		print_events(ctx);
		fflush(stdout);
		if (err < 0)
			break;
		err = 0;
	}
	/* What ended before the stop is still in the ring. */
	while (!err && ring_buffer__consume(rb) > 0)
		print_events(ctx);
	print_events(ctx);
	ring_buffer__free(rb);
	if (err < 0)
		ms_warn(common, "reading the ring buffer failed: %s",
			ms_strerror(err));
	return err;
}

static __u64 drop_count(const struct dr_ctx *ctx, __u32 reason)
{
	__u64 n = 0;

	ms_percpu_sum(ctx->drops_fd, reason, &n);
	return n;
}

/* Totals since the start, and what could not be counted. */
static int print_summary(struct dr_ctx *ctx)
{
	__u64 drops[DR_NR_DROPS], dropped = 0, wakeups = 0, runs = 0;
	const struct ms_env *common = &ctx->env->common;
	struct dr_totals t;
	struct ms_json j;
	__u32 nid, r;
	int k;

	if (read_all(ctx) || read_totals(ctx, &t))
		return -1;
	for (r = 0; r < DR_NR_DROPS; r++) {
		drops[r] = drop_count(ctx, r);
		if (r != DR_UNPAIRED)
			dropped += drops[r];
	}
	for (nid = 0; nid < DR_MAX_NODES; nid++) {
		wakeups += ctx->nodes_now[nid].wakeups;
		runs += ctx->nodes_now[nid].runs;
	}
	if (!common->interval && !ctx->env->events)
		print_tables(ctx, true);
	if (dropped)
		ms_warn(common,
			"not counted: %llu reclaims not timed (too many at once), %llu processes (table full), %llu -e events (ring buffer full), %llu on nodes >= %d",
			drops[DR_DROP_INFLIGHT], drops[DR_DROP_PROC],
			drops[DR_DROP_EVENT], drops[DR_DROP_NODE],
			DR_MAX_NODES);
	if (!common->json) {
		printf("\ndreclaim: %lu reports; since start:", ctx->reports);
		for (k = 0; k < DR_NR_KINDS; k++)
			printf(" %s reclaims %llu (%.1f ms, %llu pages, %llu LRU pages),",
			       kind_names[k], t.count[k], t.total_ns[k] / 1e6,
			       t.reclaimed[k], t.lru_pages[k]);
		printf(" LRU pages reclaimed by global direct reclaim %llu, by kswapd %llu,",
		       t.lru_pages_direct, t.lru_pages_kswapd);
		printf(" kswapd wakeup requests %llu, kswapd runs %llu",
		       wakeups, runs);
		if (ctx->env->events)
			printf(", %lu events", ctx->n_events);
		printf("\n");
		if (drops[DR_UNPAIRED])
			printf("dreclaim: %llu reclaims begun before the start were not counted\n",
			       drops[DR_UNPAIRED]);
		return 0;
	}
	ms_json_begin(&j, stdout);
	ms_json_str(&j, "type", "summary");
	ms_json_uint(&j, "reports", ctx->reports);
	for (k = 0; k < DR_NR_KINDS; k++) {
		char key[32];

		ms_json_uint(&j, kind_names[k], t.count[k]);
		snprintf(key, sizeof(key), "%s_ns", kind_names[k]);
		ms_json_uint(&j, key, t.total_ns[k]);
		snprintf(key, sizeof(key), "%s_reclaimed", kind_names[k]);
		ms_json_uint(&j, key, t.reclaimed[k]);
		snprintf(key, sizeof(key), "%s_lru_pages", kind_names[k]);
		ms_json_uint(&j, key, t.lru_pages[k]);
	}
	ms_json_uint(&j, "pgsteal_direct", t.lru_pages_direct);
	ms_json_uint(&j, "pgsteal_kswapd", t.lru_pages_kswapd);
	ms_json_uint(&j, "kswapd_wakeups", wakeups);
	ms_json_uint(&j, "kswapd_runs", runs);
	if (ctx->env->events)
		ms_json_uint(&j, "events", ctx->n_events);
	ms_json_uint(&j, "dropped", dropped);
	ms_json_uint(&j, "unpaired", drops[DR_UNPAIRED]);
	ms_json_end(&j);
	return 0;
}

static const char *const prog_events[][2] = {
	{ "dr_direct_begin", "vmscan:mm_vmscan_direct_reclaim_begin" },
	{ "dr_direct_end", "vmscan:mm_vmscan_direct_reclaim_end" },
	{ "dr_memcg_begin", "vmscan:mm_vmscan_memcg_reclaim_begin" },
	{ "dr_memcg_end", "vmscan:mm_vmscan_memcg_reclaim_end" },
	{ "dr_shrink_inactive", "vmscan:mm_vmscan_lru_shrink_inactive" },
	{ "dr_wakeup_kswapd", "vmscan:mm_vmscan_wakeup_kswapd" },
	{ "dr_kswapd_wake", "vmscan:mm_vmscan_kswapd_wake" },
};

#define DR_NR_PROGS ARRAY_SIZE(prog_events)

static void attach_all(const struct dr_env *env, struct bpf_object *obj,
		       struct bpf_link **links)
{
	size_t i;

	for (i = 0; i < DR_NR_PROGS; i++)
		links[i] = ms_attach_tracepoint(&env->common, obj,
						prog_events[i][0],
						prog_events[i][1]);
}

static void write_config(const struct dr_env *env, struct bpf_object *obj)
{
	struct dr_config cfg = { .tgid = env->pid, .events = env->events };
	__u32 zero = 0;

	if (bpf_map_update_elem(ms_map_fd(&env->common, obj, "config"), &zero,
				&cfg, BPF_ANY))
		ms_fatal(&env->common, "writing the filter map failed: %s",
			 strerror(errno));
}

int main(int argc, char **argv)
{
	struct bpf_link *links[DR_NR_PROGS];
	struct dr_env env = {};
	struct bpf_object *obj;
	struct dr_ctx *ctx;
	size_t i, percpu_size;
	int ret;

	ms_env_init(&env.common, "dreclaim", usage);
	parse_args(&env, argc, argv);
	ms_tool_init(&env.common);

	ctx = ms_zalloc(&env.common, 1, sizeof(*ctx));
	ctx->env = &env;
	percpu_size = sizeof(struct dr_totals) > sizeof(struct dr_node) ?
		      sizeof(struct dr_totals) : sizeof(struct dr_node);
	ctx->percpu = ms_percpu_buf(&env.common, percpu_size, &ctx->ncpus);
	ctx->now = ms_zalloc(&env.common, DR_MAX_PROCS, sizeof(*ctx->now));
	ctx->prev = ms_zalloc(&env.common, DR_MAX_PROCS, sizeof(*ctx->prev));
	ctx->delta = ms_zalloc(&env.common, DR_MAX_PROCS, sizeof(*ctx->delta));

	obj = ms_obj_open(&env.common);
	ms_obj_load(&env.common, obj);
	ctx->procs_fd = ms_map_fd(&env.common, obj, "procs");
	ctx->totals_fd = ms_map_fd(&env.common, obj, "totals");
	ctx->kswapd_fd = ms_map_fd(&env.common, obj, "kswapd");
	ctx->drops_fd = ms_map_fd(&env.common, obj, "drops");
	write_config(&env, obj);
	ctx->start_mono = ms_mono_now();
	attach_all(&env, obj, links);
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "dreclaim: tracing direct reclaim%s; Ctrl-C to end\n",
		env.pid ? " of one process" : "");

	if (env.events)
		ret = run_events(ctx, obj);
	else if (env.common.interval)
		ret = ms_run_intervals(&env.common, report, ctx);
	else
		ret = ms_wait(&env.common);
	/* Detach first: the summary then adds up a stable picture. */
	for (i = DR_NR_PROGS; i-- > 0;)
		bpf_link__destroy(links[i]);
	if (print_summary(ctx))
		ret = -1;

	bpf_object__close(obj);
	free(ctx->now);
	free(ctx->prev);
	free(ctx->delta);
	free(ctx->percpu);
	free(ctx);
	if (fflush(stdout) || ferror(stdout))
		return MS_EXIT_RUNTIME;
	return ret ? MS_EXIT_RUNTIME : MS_EXIT_OK;
}
