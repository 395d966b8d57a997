// SPDX-License-Identifier: GPL-2.0
/*
 * memaccess: memory-access cost per process from the PMU: cache
 * references and misses, last-level, L1 data and dTLB load misses,
 * backend stall cycles; and page faults (software events, on every
 * machine).  Sampling perf events on every CPU run a BPF program that
 * gives the current process the sample period's events (the llcstat
 * idea); each event's own count says what the samples missed.
 *
 * Attach points (memaccess_kern.c): perf events (ma_ev0..3).
 * Requires: CONFIG_PERF_EVENTS, CONFIG_BPF_EVENTS; a PMU the kernel
 * drives for the hardware events.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <linux/perf_event.h>

#include "libmemstat.h"
#include "memaccess_common.h"

static const char usage[] =
"Usage: memaccess [-E EVENT[,EVENT...]] [-P N] [-n N] [-p PID] [-c CGROUP]\n"
"                 [-C] [-l] [-jTBv] [-d SEC] [interval [count]]\n"
"\n"
"Memory-access cost per process, from sampling perf events on every\n"
"CPU: each sample gives the running process the period's events.  By\n"
"default cache references and misses (and backend stall cycles where\n"
"the CPU has them).  With an interval, what changed in each; without,\n"
"the totals at the end, with what the samples missed.\n"
"\n"
"Options:\n"
"  -E, --event LIST   up to 4 events of -l, comma-separated\n"
"  -P, --period N     one sample every N events (default: the event's,\n"
"                     -l; 1 counts every event)\n"
"  -l, --list         the events, their default periods, and whether\n"
"                     this machine has them\n"
"  -n, --top N        the N processes with most of the first event\n"
"                     (default 20, 0: all)\n"
"  -p, --pid PID      only process PID\n"
"\n"
"Columns: one per event (samples x period), MISS% cache misses per\n"
"reference when both are counted.\n"
"\n"
"Examples:\n"
"  memaccess 5                          # cache misses, every 5 s\n"
"  memaccess -E llc-load-misses,dtlb-load-misses -p 1234 -d 30\n"
"  memaccess -E minor-faults,major-faults -P 1 -j   # every fault\n";

#define HW_CACHE(c, op, res)	((c) | (op) << 8 | (res) << 16)
#define LOAD_MISS(c)		HW_CACHE(PERF_COUNT_HW_CACHE_##c, \
					 PERF_COUNT_HW_CACHE_OP_READ, \
					 PERF_COUNT_HW_CACHE_RESULT_MISS)

struct ma_event {
	const char *name;		/* -E, JSON key with '_' for '-' */
	const char *column;
	__u32 type;
	__u64 config;
	__u64 period;			/* default */
};

static const struct ma_event events[] = {
	{ "cache-references", "REFS", PERF_TYPE_HARDWARE,
	  PERF_COUNT_HW_CACHE_REFERENCES, 10000 },
	{ "cache-misses", "MISSES", PERF_TYPE_HARDWARE,
	  PERF_COUNT_HW_CACHE_MISSES, 1000 },
	{ "stalled-cycles-backend", "STALL_BE", PERF_TYPE_HARDWARE,
	  PERF_COUNT_HW_STALLED_CYCLES_BACKEND, 1000000 },
	{ "llc-load-misses", "LLC_LD_MISS", PERF_TYPE_HW_CACHE,
	  LOAD_MISS(LL), 1000 },
	{ "l1d-load-misses", "L1D_LD_MISS", PERF_TYPE_HW_CACHE,
	  LOAD_MISS(L1D), 10000 },
	{ "dtlb-load-misses", "DTLB_LD_MISS", PERF_TYPE_HW_CACHE,
	  LOAD_MISS(DTLB), 1000 },
	{ "cycles", "CYCLES", PERF_TYPE_HARDWARE,
	  PERF_COUNT_HW_CPU_CYCLES, 1000000 },
	{ "instructions", "INSNS", PERF_TYPE_HARDWARE,
	  PERF_COUNT_HW_INSTRUCTIONS, 1000000 },
	{ "minor-faults", "MINFLT", PERF_TYPE_SOFTWARE,
	  PERF_COUNT_SW_PAGE_FAULTS_MIN, 1 },
	{ "major-faults", "MAJFLT", PERF_TYPE_SOFTWARE,
	  PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1 },
};

enum { EV_REFS, EV_MISSES, EV_STALL_BE };

struct ma_ctx {
	struct ms_env env;
	struct ms_bpf bpf;
	struct ms_rows procs;		/* struct ma_proc */
	const struct ma_event *ev[MA_MAX_EVENTS];
	int nev;
	int refs, misses;		/* slots of both, for MISS%; -1 */
	unsigned long period;		/* -P, 0: each event's own */
	struct ms_perf perf[MA_MAX_EVENTS];
	bool list;
	unsigned long reports;
};

static const struct ma_event *find_event(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(events); i++)
		if (!strcmp(events[i].name, name))
			return &events[i];
	return NULL;
}

static void add_event(struct ma_ctx *ctx, const struct ma_event *e)
{
	int i;

	for (i = 0; i < ctx->nev; i++)
		if (ctx->ev[i] == e)
			ms_usage_error(&ctx->env, "-E: %s given twice",
				       e->name);
	if (ctx->nev == MA_MAX_EVENTS)
		ms_usage_error(&ctx->env, "-E: at most %d events", MA_MAX_EVENTS);
	if (e == &events[EV_REFS])
		ctx->refs = ctx->nev;
	if (e == &events[EV_MISSES])
		ctx->misses = ctx->nev;
	ctx->ev[ctx->nev++] = e;
}

static void parse_events(struct ma_ctx *ctx, char *list)
{
	const struct ma_event *e;
	char *name, *save = NULL;

	for (name = strtok_r(list, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		e = find_event(name);
		if (!e)
			ms_usage_error(&ctx->env,
				       "-E: unknown event '%s' (memaccess -l lists them)",
				       name);
		add_event(ctx, e);
	}
}

static void parse_args(struct ma_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "event", required_argument, NULL, 'E' },
		{ "period", required_argument, NULL, 'P' },
		{ "list", no_argument, NULL, 'l' },
		{}
	};
	struct ms_env *env = &ctx->env;
	int opt;

	ms_env_init(env, "memaccess", usage, MS_OPT_TOP | MS_OPT_PID |
		    MS_OPT_CGROUP | MS_OPT_CGROUP_COLUMN);
	ctx->refs = -1;
	ctx->misses = -1;
	while ((opt = ms_getopt(env, argc, argv, "E:P:l", longopts)) != -1) {
		if (opt == 'E')
			parse_events(ctx, optarg);
		else if (opt == 'P')
			ctx->period = ms_parse_ulong_or_die(env, "-P", optarg, 1,
							    1UL << 40);
		else if (opt == 'l')
			ctx->list = true;
	}
}

/* Why perf_event_open() refused an event, and what to do. */
static const char *perf_reason(int err)
{
	static const char *const why[] = {
		"this machine exposes no such counter: no PMU, or a VM without a virtual one, as qemu TCG on x86; -E minor-faults,major-faults works everywhere",
		"not allowed: run as root",
		"see perf_event_open(2)",
	};

	if (err == -ENOENT || err == -EOPNOTSUPP || err == -ENODEV)
		return why[0];
	return why[err == -EACCES || err == -EPERM ? 1 : 2];
}

static void list_events(void)
{
	size_t i;
	int err;

	printf("%-24s %10s  %s\n", "EVENT", "PERIOD", "HERE");
	for (i = 0; i < ARRAY_SIZE(events); i++) {
		err = ms_perf_probe(events[i].type, events[i].config);
		printf("%-24s %10llu  %s\n", events[i].name,
		       (unsigned long long)events[i].period,
		       err ? strerror(-err) : "yes");
	}
}

/* The default set: references, misses, and stalls where there. */
static void pick_events(struct ma_ctx *ctx)
{
	const struct ma_event *e;
	int i, err;

	if (!ctx->nev) {
		add_event(ctx, &events[EV_REFS]);
		add_event(ctx, &events[EV_MISSES]);
		e = &events[EV_STALL_BE];
		if (!ms_perf_probe(e->type, e->config))
			add_event(ctx, e);
	}
	for (i = 0; i < ctx->nev; i++) {
		e = ctx->ev[i];
		err = ms_perf_probe(e->type, e->config);
		if (err)
			ms_fatal(&ctx->env,
				 "no %s event here: perf_event_open: %s: %s",
				 e->name, strerror(-err), perf_reason(err));
	}
}

static __u64 period_of(const struct ma_ctx *ctx, int i)
{
	return ctx->period ? ctx->period : ctx->ev[i]->period;
}

static int cmp_tgid(const void *a, const void *b)
{
	const struct ma_proc *x = a, *y = b;

	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

static bool proc_active(const void *row)
{
	const struct ma_proc *p = row;
	int i;

	for (i = 0; i < MA_MAX_EVENTS; i++)
		if (p->samples[i])
			return true;
	return false;
}

/* Most of the first event first. */
static int cmp_busy(const void *a, const void *b)
{
	const struct ma_proc *x = a, *y = b;

	return x->count[0] > y->count[0] ? -1 : x->count[0] < y->count[0];
}

static void json_key(char *buf, size_t len, const char *name)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < len; i++)
		buf[i] = name[i] == '-' ? '_' : name[i];
	buf[i] = '\0';
}

static void print_proc(const struct ma_ctx *ctx, const struct ma_proc *p)
{
	const struct ms_env *env = &ctx->env;
	char comm[MS_COMM_LEN + 1], key[32];
	bool ratio = ctx->refs >= 0 && ctx->misses >= 0;
	__u64 refs = ratio ? p->count[ctx->refs] : 0;
	struct ms_json j;
	int i;

	ms_cstr(comm, p->comm, MS_COMM_LEN);
	if (!env->json) {
		printf("%7u %-15s", p->tgid, comm);
		for (i = 0; i < ctx->nev; i++)
			printf(" %12llu", p->count[i]);
		if (ratio && refs)
			printf(" %6.1f", 100.0 * p->count[ctx->misses] / refs);
		else if (ratio)
			printf(" %6s", "-");
		ms_cgroup_column(env, NULL, p->tgid);
		putchar('\n');
		return;
	}
	ms_json_record(&j, env, "proc");
	ms_json_uint(&j, "pid", p->tgid);
	ms_json_str(&j, "comm", comm);
	ms_cgroup_column(env, &j, p->tgid);
	for (i = 0; i < ctx->nev; i++) {
		json_key(key, sizeof(key), ctx->ev[i]->name);
		ms_json_uint(&j, key, p->count[i]);
	}
	ms_json_uint_array(&j, "samples", p->samples, ctx->nev);
	ms_json_end(&j);
}

static void print_head(const struct ma_ctx *ctx)
{
	int i;

	if (ctx->env.json)
		return;
	printf("%7s %-15s", "PID", "COMM");
	for (i = 0; i < ctx->nev; i++)
		printf(" %12s", ctx->ev[i]->column);
	if (ctx->refs >= 0 && ctx->misses >= 0)
		printf(" %6s", "MISS%");
	ms_cgroup_head(&ctx->env);
	putchar('\n');
}

static void print_table(struct ma_ctx *ctx, bool since_start)
{
	struct ma_proc *d = ctx->procs.delta;
	size_t i, n;

	n = ms_rows_delta(&ctx->procs, since_start, proc_active);
	qsort(d, n, sizeof(*d), cmp_busy);
	print_head(ctx);
	for (i = 0; i < n && i < ctx->env.top; i++)
		print_proc(ctx, &d[i]);
}

static int report(void *arg, unsigned long iter)
{
	struct ma_ctx *ctx = arg;

	if (ms_rows_read(&ctx->procs)) {
		ms_warn(&ctx->env, "%s", ms_last_error());
		return -1;
	}
	ms_report_begin(&ctx->env, iter);
	print_table(ctx, false);
	ms_rows_next(&ctx->procs);
	ctx->reports++;
	return 0;
}

/*
 * Each event: counted on all CPUs, sampled (every task), and what the
 * samples missed beyond what is still short of a period on each CPU.
 */
static __u64 print_events(struct ma_ctx *ctx, const __u64 *counted)
{
	const struct ms_env *env = &ctx->env;
	int fd = ms_bpf_map(&ctx->bpf, "counts"), i;
	__u64 sampled, unsampled, slack, lost = 0;
	struct ms_json j;

	if (!env->json)
		printf("\nmemaccess: %lu reports; every task since start:\n",
		       ctx->reports);
	for (i = 0; i < ctx->nev; i++) {
		if (ms_percpu_read(fd, i, &sampled, 1))
			return ~0ULL;
		unsampled = counted[i] > sampled ? counted[i] - sampled : 0;
		slack = (period_of(ctx, i) - 1) * ctx->perf[i].nfds;
		if (unsampled > slack)
			lost += unsampled - slack;
		if (!env->json) {
			printf("  %-24s period %-8llu counted %llu, sampled %llu\n",
			       ctx->ev[i]->name, period_of(ctx, i),
			       counted[i], sampled);
			continue;
		}
		ms_json_record(&j, env, "event");
		ms_json_str(&j, "event", ctx->ev[i]->name);
		ms_json_uint(&j, "period", period_of(ctx, i));
		ms_json_uint(&j, "counted", counted[i]);
		ms_json_uint(&j, "sampled", sampled);
		ms_json_end(&j);
	}
	return lost;
}

static int print_summary(void *arg)
{
	struct ma_ctx *ctx = arg;
	const struct ms_env *env = &ctx->env;
	__u64 counted[MA_MAX_EVENTS], drops[MA_NR_DROPS], dropped, lost;
	struct ms_json j;
	int i;

	/* Stopped first: no sample lands after its event's count is read. */
	for (i = 0; i < ctx->nev; i++)
		ms_perf_stop(&ctx->perf[i]);
	for (i = 0; i < ctx->nev; i++)
		counted[i] = ms_perf_count(&ctx->perf[i]);
	if (ms_rows_read(&ctx->procs)) {
		ms_warn(env, "%s", ms_last_error());
		return -1;
	}
	if (!env->interval) {
		ms_report_begin(env, 0);
		print_table(ctx, true);
	}
	lost = print_events(ctx, counted);
	if (lost == ~0ULL) {
		ms_warn(env, "%s", ms_last_error());
		return -1;
	}
	dropped = ms_bpf_drops(&ctx->bpf, drops, MA_NR_DROPS);
	if (dropped)
		ms_warn(env, "not attributed: %llu samples (process table full)",
			dropped);
	if (lost)
		ms_warn(env,
			"%llu events' samples missed (throttled: kernel.perf_event_max_sample_rate; or a BPF program running on that CPU)",
			lost);
	if (env->json) {
		ms_json_record(&j, env, "summary");
		ms_json_uint(&j, "reports", ctx->reports);
		ms_json_uint(&j, "dropped", dropped);
		ms_json_uint(&j, "missed", lost);
		ms_json_end(&j);
	}
	return 0;
}

static void attach_events(struct ma_ctx *ctx)
{
	char prog[16];
	int i;

	for (i = 0; i < ctx->nev; i++) {
		snprintf(prog, sizeof(prog), "ma_ev%d", i);
		ms_die_on(&ctx->env,
			  ms_perf_attach(&ctx->perf[i], &ctx->bpf, prog,
					 ctx->ev[i]->type, ctx->ev[i]->config,
					 period_of(ctx, i)));
	}
}

int main(int argc, char **argv)
{
	static struct ma_ctx ctx;
	struct ms_loop loop = {
		.ringbuf_fd = -1, .on_interval = report, .ctx = &ctx,
	};
	struct ma_cfg cfg = {};
	int ret, i;

	parse_args(&ctx, argc, argv);
	if (ctx.list) {
		list_events();
		return 0;
	}
	ms_tool_init(&ctx.env);
	pick_events(&ctx);
	ctx.procs = (struct ms_rows){
		.key_size = sizeof(__u32), .row_size = sizeof(struct ma_proc),
		.max = MA_MAX_PROCS, .cmp = cmp_tgid,
		.counters = offsetof(struct ma_proc, count),
	};
	ms_rows_alloc(&ctx.procs, &ctx.env);
	ms_filter_init(&ctx.env, &cfg.filter);
	for (i = 0; i < ctx.nev; i++)
		cfg.period[i] = period_of(&ctx, i);
	ms_bpf_start(&ctx.bpf, &ctx.env, NULL, 0, &cfg, sizeof(cfg));
	ctx.procs.fd = ms_bpf_map(&ctx.bpf, "procs");
	attach_events(&ctx);
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "memaccess: sampling %d events on %d CPUs%s; Ctrl-C to end\n",
		ctx.nev, ctx.perf[0].nfds,
		ctx.env.pid ? " for one process" : "");

	ret = ms_run(&ctx.env, &loop);
	ret = ms_finish(&ctx.bpf, ret, print_summary, &ctx);
	for (i = 0; i < ctx.nev; i++)
		ms_perf_detach(&ctx.perf[i]);
	ms_rows_free(&ctx.procs);
	return ret;
}
