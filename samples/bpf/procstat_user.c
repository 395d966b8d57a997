// SPDX-License-Identifier: GPL-2.0
/*
 * procstat: where each process's memory is - the /proc/PID/status counters
 * (VmSize, VmHWM, RssAnon, RssFile, RssShmem, VmSwap, VmData, VmPTE, VmStk)
 * for every process or one, top-N sorted, once or every interval.
 *
 * By default the RSS counters are exact: the kernel keeps up to 65 events
 * of per-thread deltas (SPLIT_RSS_COUNTING) outside mm->rss_stat, and
 * /proc/PID/status shows only the folded part, so it lags.  procstat adds
 * every thread's deltas; -f reports the folded values /proc shows.
 *
 * Attach point: a BPF task iterator (procstat_kern.c), run on demand.
 * Overhead: none between reports; one walk of all tasks per report.
 * Requires: CONFIG_BPF_SYSCALL, CONFIG_DEBUG_INFO_BTF.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "libmemstat.h"
#include "procstat_common.h"

static const char usage[] =
"Usage: procstat [-f] [-t] [-M] [-p PID] [-n N] [-s FIELD] [-jTBv] [-d SEC]\n"
"                [-c CGROUP] [-C] [interval [count]]\n"
"\n"
"Per-process memory: virtual size, peak RSS, anon/file/shmem RSS, swap,\n"
"data, page tables and stack, from a BPF task iterator.  RSS values are\n"
"exact by default: they include every thread's deltas that the kernel has\n"
"not yet folded into the process counters (/proc/PID/status lags by up to\n"
"65 events per thread).\n"
"\n"
"Options:\n"
"  -p, --pid PID      only this process (tgid); implies -n 0\n"
"  -f, --folded       report the folded counters, as /proc/PID/status does\n"
"  -t, --threads      also list each thread's unfolded deltas\n"
"  -M, --openmetrics  one report as OpenMetrics text (node_exporter's\n"
"                     textfile collector): memstat_procstat_bytes\n"
"  -n, --top N        show the N largest processes (default 20, 0: all)\n"
"  -s, --sort FIELD   vsize hwm rss anon file shmem swap data pte stk\n"
"                     (default rss)\n"
"\n"
"Columns (KiB, K/M/G): VSIZE=VmSize HWM=VmHWM RSS=VmRSS ANON=RssAnon\n"
"FILE=RssFile SHMEM=RssShmem SWAP=VmSwap DATA=VmData PTE=VmPTE STK=VmStk;\n"
"COMM is cut to 12 characters (JSON has it whole).  Exact values are\n"
"exact for a process that is not faulting while procstat reads it.\n"
"\n"
"Examples:\n"
"  procstat                 # the 20 largest processes by RSS, once\n"
"  procstat -s swap -n 5 2  # top 5 by swap, every 2 seconds\n"
"  procstat -M -n 10        # the 10 largest, for Prometheus\n"
"  procstat -p 1234 1 10    # process 1234, every second, 10 times\n"
"  procstat -t -j -p 1234   # JSON, with each thread's unfolded deltas\n";

enum procstat_field {
	F_VSIZE, F_HWM, F_RSS, F_ANON, F_FILE, F_SHMEM, F_SWAP, F_DATA, F_PTE,
	F_STK, NR_FIELDS,
};

static const char *const field_names[NR_FIELDS + 1] = {
	"vsize", "hwm", "rss", "anon", "file", "shmem", "swap", "data", "pte",
	"stk", NULL,
};

static const char *const pending_keys[PROCSTAT_NR_COUNTERS] = {
	"pending_file_kib", "pending_anon_kib", "pending_swap_kib",
	"pending_shmem_kib",
};

static const struct ms_hook hooks[] = {
	{ "procstat_task", MS_HOOK_ITER, "task" },
};

/* COMM in the table: 12 characters keep a row of every column in 80. */
#define COMM_SHOWN	12

/* One process, aggregated from its thread records. */
struct procstat_proc {
	__u32 tgid;
	unsigned int nr_threads;
	unsigned int first_task;	/* index of its first record */
	char comm[MS_COMM_LEN];
	long long kib[NR_FIELDS];
	long long pending_kib[PROCSTAT_NR_COUNTERS];
};

struct procstat_ctx {
	struct ms_env env;
	bool folded;			/* -f */
	bool openmetrics;		/* -M */
	enum procstat_field sort;	/* -s */
	struct ms_bpf bpf;
	char *buf;			/* the iterator's records */
	size_t cap;
	unsigned long reports;
};

static void parse_args(struct procstat_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "folded", no_argument, NULL, 'f' },
		{ "openmetrics", no_argument, NULL, 'M' },
		{},
	};
	struct ms_env *env = &ctx->env;
	int opt;

	ms_env_init(env, "procstat", usage, MS_OPT_PID | MS_OPT_CGROUP |
		    MS_OPT_CGROUP_COLUMN | MS_OPT_TOP | MS_OPT_THREADS |
		    MS_OPT_SORT);
	while ((opt = ms_getopt(env, argc, argv, "fM", longopts)) != -1) {
		if (opt == 'f')
			ctx->folded = true;
		else
			ctx->openmetrics = true;
	}
	if (ctx->openmetrics && (env->json || env->interval || env->threads))
		ms_usage_error(env, "-M is one report: no -j, -t or interval");
	ctx->sort = env->sort ? ms_pick(env, "sort field", env->sort,
					field_names) : F_RSS;
	/* One process: all of it. */
	if (env->pid)
		env->top = 0;
	env->snapshot = true;
}

static int cmp_task_tgid(const void *a, const void *b)
{
	const struct procstat_task *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return 0;
}

static int cmp_task_mm(const void *a, const void *b)
{
	const struct procstat_task *x = a, *y = b;

	return x->mm < y->mm ? -1 : x->mm > y->mm;
}

static enum procstat_field sort_field;

static int cmp_proc_desc(const void *a, const void *b)
{
	const struct procstat_proc *x = a, *y = b;

	if (x->kib[sort_field] != y->kib[sort_field])
		return x->kib[sort_field] > y->kib[sort_field] ? -1 : 1;
	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

/*
 * Sum the unfolded deltas of every task using @mm: threads of the process
 * and CLONE_VM children (vfork) alike, whatever their tgid.
 * @by_mm holds the records sorted by mm.
 */
static void pending_of_mm(const struct procstat_task *by_mm, unsigned int n,
			  __u64 mm, long long *pending)
{
	struct procstat_task key = { .mm = mm };
	const struct procstat_task *t;
	unsigned int c;

	memset(pending, 0, sizeof(*pending) * PROCSTAT_NR_COUNTERS);
	t = bsearch(&key, by_mm, n, sizeof(*by_mm), cmp_task_mm);
	if (!t)
		return;
	while (t > by_mm && t[-1].mm == mm)
		t--;
	for (; t < by_mm + n && t->mm == mm; t++)
		for (c = 0; c < PROCSTAT_NR_COUNTERS; c++)
			pending[c] += t->pending[c];
}

/*
 * Fold the records of one process (tasks[0..n), sorted by tid) into @p.
 * Counters and deltas are read task by task, so "exact" is exact for a
 * process that is not faulting while the iterator runs.
 */
static void aggregate(const struct procstat_ctx *ctx,
		      const struct procstat_task *tasks, unsigned int n,
		      const struct procstat_task *by_mm, unsigned int nr_all,
		      struct procstat_proc *p)
{
	const struct procstat_task *t = &tasks[0];
	long long pages[PROCSTAT_NR_COUNTERS], pending[PROCSTAT_NR_COUNTERS];
	long long rss, hwm;
	unsigned int c;

	memset(p, 0, sizeof(*p));
	p->tgid = t->tgid;
	p->nr_threads = n;
	p->first_task = t - (const struct procstat_task *)ctx->buf;
	/* The name of the lowest thread id: the leader while it lives. */
	memcpy(p->comm, t->comm, sizeof(p->comm));
	p->comm[sizeof(p->comm) - 1] = '\0';
	pending_of_mm(by_mm, nr_all, t->mm, pending);
	for (c = 0; c < PROCSTAT_NR_COUNTERS; c++) {
		pages[c] = ctx->folded ? t->folded[c] :
			   t->folded[c] + pending[c];
		/* /proc shows a transiently negative counter as 0. */
		pages[c] = ms_clamp0(pages[c]);
		p->pending_kib[c] = ms_pages_kib(pending[c]);
	}
	rss = pages[PROCSTAT_FILE] + pages[PROCSTAT_ANON] +
	      pages[PROCSTAT_SHMEM];
	hwm = (long long)t->hiwater_rss > rss ? (long long)t->hiwater_rss : rss;
	p->kib[F_VSIZE] = ms_pages_kib(t->total_vm);
	p->kib[F_HWM] = ms_pages_kib(hwm);
	p->kib[F_RSS] = ms_pages_kib(rss);
	p->kib[F_ANON] = ms_pages_kib(pages[PROCSTAT_ANON]);
	p->kib[F_FILE] = ms_pages_kib(pages[PROCSTAT_FILE]);
	p->kib[F_SHMEM] = ms_pages_kib(pages[PROCSTAT_SHMEM]);
	p->kib[F_SWAP] = ms_pages_kib(pages[PROCSTAT_SWAP]);
	p->kib[F_DATA] = ms_pages_kib(t->data_vm);
	p->kib[F_PTE] = t->pgtables_bytes >> 10;
	p->kib[F_STK] = ms_pages_kib(t->stack_vm);
}

static void print_header(const struct procstat_ctx *ctx, int w)
{
	static const char *const columns[NR_FIELDS] = {
		"VSIZE", "HWM", "RSS", "ANON", "FILE", "SHMEM", "SWAP", "DATA",
		"PTE", "STK",
	};
	char clock[16];
	int i;

	if (ctx->env.json)
		return;
	if (ctx->env.timestamp)
		printf("%s\n", ms_clock(clock, sizeof(clock)));
	printf("%7s", "PID");
	for (i = 0; i < NR_FIELDS; i++)
		printf(" %*s", w, columns[i]);
	/* COMM padded only when CGROUP follows it. */
	printf(" %-*s", ctx->env.show_cgroup ? COMM_SHOWN : 0, "COMM");
	ms_cgroup_head(&ctx->env);
	putchar('\n');
}

static void print_proc(const struct procstat_ctx *ctx,
		       const struct procstat_proc *p, int w)
{
	const struct ms_env *env = &ctx->env;
	struct ms_json j;
	int i;

	if (!env->json) {
		printf("%7u", p->tgid);
		for (i = 0; i < NR_FIELDS; i++)
			printf(" %*s", w, ms_kib(env, p->kib[i]));
		printf(" %-*.*s", env->show_cgroup ? COMM_SHOWN : 0,
		       COMM_SHOWN, p->comm);
		ms_cgroup_column(env, NULL, p->tgid);
		putchar('\n');
		return;
	}
	ms_json_record(&j, env, "process");
	ms_json_uint(&j, "pid", p->tgid);
	ms_json_str(&j, "comm", p->comm);
	ms_cgroup_column(env, &j, p->tgid);
	ms_json_str(&j, "mode", ctx->folded ? "folded" : "exact");
	ms_json_uint(&j, "threads", p->nr_threads);
	for (i = 0; i < NR_FIELDS; i++)
		ms_json_uint2(&j, field_names[i], "_kib", p->kib[i]);
	for (i = 0; i < PROCSTAT_NR_COUNTERS; i++)
		ms_json_int(&j, pending_keys[i], p->pending_kib[i]);
	ms_json_end(&j);
}

/* -M: each process's fields, in bytes. */
static void print_openmetrics(const struct procstat_proc *procs,
			      unsigned int n)
{
	char name[MS_COMM_LEN + 1], comm[2 * MS_COMM_LEN + 1];
	unsigned int i, f;

	ms_om_gauge("procstat_bytes", "Memory of a process by field (procstat).");
	for (i = 0; i < n; i++) {
		ms_cstr(name, procs[i].comm, MS_COMM_LEN);
		ms_om_escape(name, comm, sizeof(comm));
		for (f = 0; f < NR_FIELDS; f++) {
			printf("memstat_procstat_bytes{pid=\"%u\",comm=\"%s\",",
			       procs[i].tgid, comm);
			printf("field=\"%s\"} %llu\n", field_names[f],
			       (unsigned long long)procs[i].kib[f] * 1024);
		}
	}
	ms_om_end();
}

static void print_threads(const struct procstat_ctx *ctx,
			  const struct procstat_task *tasks, unsigned int n)
{
	const struct ms_env *env = &ctx->env;
	unsigned int i, c;

	for (i = 0; i < n; i++) {
		const struct procstat_task *t = &tasks[i];
		struct ms_json j;

		if (!env->json) {
			printf("%7s tid %-7u unfolded: anon %s file %s shmem %s swap %s\n",
			       "", t->tid,
			       ms_kib(env, ms_pages_kib(t->pending[PROCSTAT_ANON])),
			       ms_kib(env, ms_pages_kib(t->pending[PROCSTAT_FILE])),
			       ms_kib(env, ms_pages_kib(t->pending[PROCSTAT_SHMEM])),
			       ms_kib(env, ms_pages_kib(t->pending[PROCSTAT_SWAP])));
			continue;
		}
		ms_json_record(&j, env, "thread");
		ms_json_uint(&j, "pid", t->tgid);
		ms_json_uint(&j, "tid", t->tid);
		ms_json_str(&j, "comm", t->comm);
		for (c = 0; c < PROCSTAT_NR_COUNTERS; c++)
			ms_json_int(&j, pending_keys[c],
				    ms_pages_kib(t->pending[c]));
		ms_json_int(&j, "pending_events", t->pending_events);
		ms_json_end(&j);
	}
}

static int report(void *arg, unsigned long iter)
{
	struct procstat_ctx *ctx = arg;
	struct ms_env *env = &ctx->env;
	struct procstat_task *tasks, *by_mm;
	struct procstat_proc *procs;
	unsigned int nr_tasks, nr_procs = 0, i, first, shown;
	/* Sizes are at most 5 wide as K/M/G: every column fits 80. */
	int w = env->raw ? 8 : 5;
	ssize_t len;

	len = ms_bpf_iter_read(&ctx->bpf, "procstat_task", &ctx->buf,
			       &ctx->cap);
	if (len < 0) {
		ms_warn(env, "%s", ms_last_error());
		return -1;
	}
	ctx->reports++;
	tasks = (struct procstat_task *)ctx->buf;
	nr_tasks = len / sizeof(*tasks);
	if (env->pid && !nr_tasks) {
		ms_warn(env, "process %d exited", env->pid);
		return 1;
	}
	qsort(tasks, nr_tasks, sizeof(*tasks), cmp_task_tgid);
	procs = ms_zalloc(env, nr_tasks + 1, sizeof(*procs));
	by_mm = ms_zalloc(env, nr_tasks + 1, sizeof(*by_mm));
	memcpy(by_mm, tasks, nr_tasks * sizeof(*by_mm));
	qsort(by_mm, nr_tasks, sizeof(*by_mm), cmp_task_mm);
	for (first = 0, i = 1; i <= nr_tasks; i++) {
		if (i < nr_tasks && tasks[i].tgid == tasks[first].tgid)
			continue;
		aggregate(ctx, &tasks[first], i - first, by_mm, nr_tasks,
			  &procs[nr_procs++]);
		first = i;
	}
	free(by_mm);
	sort_field = ctx->sort;
	qsort(procs, nr_procs, sizeof(*procs), cmp_proc_desc);
	shown = env->top && env->top < nr_procs ? env->top : nr_procs;
	if (ctx->openmetrics) {
		print_openmetrics(procs, shown);
		free(procs);
		return 0;
	}
	if (iter && !env->json)
		putchar('\n');
	print_header(ctx, w);
	for (i = 0; i < shown; i++) {
		print_proc(ctx, &procs[i], w);
		if (env->threads)
			print_threads(ctx, &tasks[procs[i].first_task],
				      procs[i].nr_threads);
	}
	free(procs);
	return 0;
}

/* Tasks that could not be read, each missing from a report, fail the run. */
static int print_summary(void *arg)
{
	struct procstat_ctx *ctx = arg;
	__u64 unreadable = ms_bpf_drops(&ctx->bpf, NULL, PROCSTAT_NR_DROPS);
	struct ms_json j;

	if (unreadable)
		ms_warn(&ctx->env,
			"%llu tasks could not be read and are missing from the reports",
			unreadable);
	if (!ctx->env.json) {
		if (ms_summary_wanted(&ctx->env))
			printf("\nprocstat: %lu reports, %llu tasks unreadable\n",
			       ctx->reports, unreadable);
		return unreadable ? -1 : 0;
	}
	ms_json_record(&j, &ctx->env, "summary");
	ms_json_uint(&j, "reports", ctx->reports);
	ms_json_uint(&j, "unreadable_tasks", unreadable);
	ms_json_end(&j);
	return unreadable ? -1 : 0;
}

int main(int argc, char **argv)
{
	static struct procstat_ctx ctx;
	struct ms_loop loop = {
		.ringbuf_fd = -1, .on_interval = report, .ctx = &ctx,
	};
	struct procstat_cfg cfg = {};
	int ret;

	parse_args(&ctx, argc, argv);
	ms_tool_init(&ctx.env);
	ms_filter_init(&ctx.env, &cfg.filter);
	ms_bpf_start(&ctx.bpf, &ctx.env, hooks, ARRAY_SIZE(hooks), &cfg,
		     sizeof(cfg));

	ret = ms_finish(&ctx.bpf, ms_run(&ctx.env, &loop), print_summary,
			&ctx);
	free(ctx.buf);
	return ret;
}
