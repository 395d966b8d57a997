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
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libmemstat.h"
#include "procstat_common.h"

static const char usage[] =
"Usage: procstat [-f] [-H] [-p PID] [-n N] [-s FIELD] [-jTBv] [-d SEC]\n"
"                [interval [count]]\n"
"\n"
"Per-process memory: virtual size, peak RSS, anon/file/shmem RSS, swap,\n"
"data, page tables and stack, from a BPF task iterator.  RSS values are\n"
"exact by default: they include every thread's deltas that the kernel has\n"
"not yet folded into the process counters (/proc/PID/status lags by up to\n"
"65 events per thread).\n"
"\n"
"Options:\n"
"  -p, --pid PID      only this process (tgid)\n"
"  -f, --folded       report the folded counters, as /proc/PID/status does\n"
"  -H, --threads      also list each thread's unfolded deltas\n"
"  -n, --top N        show the N largest processes (default 20, 0: all)\n"
"  -s, --sort FIELD   vsize hwm rss anon file shmem swap data pte stk\n"
"                     (default rss)\n"
"\n"
"Columns (KiB unless suffixed M/G): VSIZE=VmSize HWM=VmHWM RSS=VmRSS\n"
"ANON=RssAnon FILE=RssFile SHMEM=RssShmem SWAP=VmSwap DATA=VmData\n"
"PTE=VmPTE STK=VmStk.  Exact values are exact for a process that is not\n"
"faulting while procstat reads it.\n"
"\n"
"Examples:\n"
"  procstat                 # the 20 largest processes by RSS, once\n"
"  procstat -s swap -n 5 2  # top 5 by swap, every 2 seconds\n"
"  procstat -p 1234 1 10    # process 1234, every second, 10 times\n"
"  procstat -H -j -p 1234   # JSON, with each thread's unfolded deltas\n";

enum procstat_field {
	F_VSIZE, F_HWM, F_RSS, F_ANON, F_FILE, F_SHMEM, F_SWAP, F_DATA, F_PTE,
	F_STK, NR_FIELDS,
};

static const char *const field_names[NR_FIELDS] = {
	"vsize", "hwm", "rss", "anon", "file", "shmem", "swap", "data", "pte",
	"stk",
};

struct procstat_env {
	struct ms_env common;
	pid_t pid;			/* -p */
	bool folded;			/* -f */
	bool threads;			/* -H */
	unsigned long top;		/* -n */
	enum procstat_field sort;	/* -s */
};

/* One process, aggregated from its thread records. */
struct procstat_proc {
	__u32 tgid;
	unsigned int nr_threads;
	unsigned int first_task;	/* index of its first record */
	char comm[PROCSTAT_COMM_LEN];
	long long kib[NR_FIELDS];
	long long pending_kib[PROCSTAT_NR_COUNTERS];
};

struct procstat_ctx {
	struct procstat_env *env;
	int link_fd;
	int cfg_fd;
	int drops_fd;
	char *buf;
	size_t cap;
	unsigned long reports;
	long page_kib;
};

/* -p takes a process: a thread id or a vanished pid is a usage error. */
static void parse_args(struct procstat_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "folded", no_argument, NULL, 'f' },
		{ "threads", no_argument, NULL, 'H' },
		{ "top", required_argument, NULL, 'n' },
		{ "sort", required_argument, NULL, 's' },
		{},
	};
	struct ms_env *common = &env->common;
	int opt, i;

	while ((opt = ms_getopt(common, argc, argv, "p:fHn:s:",
				longopts)) != -1) {
		switch (opt) {
		case 'p':
			env->pid = ms_parse_ulong_or_die(common, "pid", optarg,
							 1, INT_MAX);
			break;
		case 'f':
			env->folded = true;
			break;
		case 'H':
			env->threads = true;
			break;
		case 'n':
			env->top = ms_parse_ulong_or_die(common, "top", optarg,
							 0, INT_MAX);
			break;
		case 's':
			for (i = 0; i < NR_FIELDS; i++)
				if (!strcmp(optarg, field_names[i]))
					break;
			if (i == NR_FIELDS)
				ms_usage_error(common,
					       "unknown sort field '%s' (one of vsize hwm rss anon file shmem swap data pte stk)",
					       optarg);
			env->sort = i;
			break;
		}
	}
	if (env->pid)
		ms_check_pid(common, env->pid);
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
		pages[c] = ctx->env->folded ? t->folded[c] :
			   t->folded[c] + pending[c];
		/* /proc shows a transiently negative counter as 0. */
		pages[c] = ms_clamp0(pages[c]);
		p->pending_kib[c] = pending[c] * ctx->page_kib;
	}
	rss = pages[PROCSTAT_FILE] + pages[PROCSTAT_ANON] +
	      pages[PROCSTAT_SHMEM];
	hwm = (long long)t->hiwater_rss > rss ? (long long)t->hiwater_rss : rss;
	p->kib[F_VSIZE] = t->total_vm * ctx->page_kib;
	p->kib[F_HWM] = hwm * ctx->page_kib;
	p->kib[F_RSS] = rss * ctx->page_kib;
	p->kib[F_ANON] = pages[PROCSTAT_ANON] * ctx->page_kib;
	p->kib[F_FILE] = pages[PROCSTAT_FILE] * ctx->page_kib;
	p->kib[F_SHMEM] = pages[PROCSTAT_SHMEM] * ctx->page_kib;
	p->kib[F_SWAP] = pages[PROCSTAT_SWAP] * ctx->page_kib;
	p->kib[F_DATA] = t->data_vm * ctx->page_kib;
	p->kib[F_PTE] = t->pgtables_bytes >> 10;
	p->kib[F_STK] = t->stack_vm * ctx->page_kib;
}

static void print_header(const struct procstat_ctx *ctx)
{
	const struct ms_env *common = &ctx->env->common;
	char clock[16];

	if (common->json)
		return;
	if (common->timestamp)
		printf("%s\n", ms_clock(clock, sizeof(clock)));
	printf("%7s %6s %6s %6s %6s %6s %6s %6s %6s %6s %6s %s\n", "PID",
	       "VSIZE", "HWM", "RSS", "ANON", "FILE", "SHMEM", "SWAP", "DATA",
	       "PTE", "STK", "COMM");
}

static const char *const counter_keys[PROCSTAT_NR_COUNTERS] = {
	"pending_file_kb", "pending_anon_kb", "pending_swap_kb",
	"pending_shmem_kb",
};

static void print_proc(const struct procstat_ctx *ctx,
		       const struct procstat_proc *p, const char *clock)
{
	const struct ms_env *common = &ctx->env->common;
	struct ms_json j;
	char buf[NR_FIELDS][24];
	int i;

	if (!common->json) {
		for (i = 0; i < NR_FIELDS; i++)
			ms_fmt_kib(buf[i], sizeof(buf[i]), p->kib[i],
				   common->raw);
		printf("%7u %6s %6s %6s %6s %6s %6s %6s %6s %6s %6s %s\n",
		       p->tgid, buf[F_VSIZE], buf[F_HWM], buf[F_RSS],
		       buf[F_ANON], buf[F_FILE], buf[F_SHMEM], buf[F_SWAP],
		       buf[F_DATA], buf[F_PTE], buf[F_STK], p->comm);
		return;
	}
	ms_json_begin(&j, stdout);
	ms_json_str(&j, "type", "process");
	if (clock)
		ms_json_str(&j, "time", clock);
	ms_json_uint(&j, "pid", p->tgid);
	ms_json_str(&j, "comm", p->comm);
	ms_json_str(&j, "mode", ctx->env->folded ? "folded" : "exact");
	ms_json_uint(&j, "threads", p->nr_threads);
	for (i = 0; i < NR_FIELDS; i++) {
		char key[32];

		snprintf(key, sizeof(key), "%s_kb", field_names[i]);
		ms_json_int(&j, key, p->kib[i]);
	}
	for (i = 0; i < PROCSTAT_NR_COUNTERS; i++)
		ms_json_int(&j, counter_keys[i], p->pending_kib[i]);
	ms_json_end(&j);
}

static void print_threads(const struct procstat_ctx *ctx,
			  const struct procstat_task *tasks, unsigned int n)
{
	unsigned int i, c;

	for (i = 0; i < n; i++) {
		const struct procstat_task *t = &tasks[i];
		struct ms_json j;

		if (!ctx->env->common.json) {
			printf("%7s tid %-7u unfolded pages: anon %d file %d shmem %d swap %d\n",
			       "", t->tid, t->pending[PROCSTAT_ANON],
			       t->pending[PROCSTAT_FILE],
			       t->pending[PROCSTAT_SHMEM],
			       t->pending[PROCSTAT_SWAP]);
			continue;
		}
		ms_json_begin(&j, stdout);
		ms_json_str(&j, "type", "thread");
		ms_json_uint(&j, "pid", t->tgid);
		ms_json_uint(&j, "tid", t->tid);
		ms_json_str(&j, "comm", t->comm);
		for (c = 0; c < PROCSTAT_NR_COUNTERS; c++)
			ms_json_int(&j, counter_keys[c],
				    (long long)t->pending[c] * ctx->page_kib);
		ms_json_int(&j, "pending_events", t->pending_events);
		ms_json_end(&j);
	}
}

static int report(void *arg, unsigned long iter)
{
	struct procstat_ctx *ctx = arg;
	struct procstat_env *env = ctx->env;
	struct procstat_task *tasks, *by_mm;
	struct procstat_proc *procs;
	unsigned int nr_tasks, nr_procs = 0, i, first, shown;
	char clock[16];
	const char *clockp = NULL;
	ssize_t len;

	len = ms_iter_read(ctx->link_fd, &ctx->buf, &ctx->cap);
	if (len < 0) {
		ms_warn(&env->common, "reading the task iterator failed: %s",
			strerror(-len));
		return -1;
	}
	ctx->reports++;
	tasks = (struct procstat_task *)ctx->buf;
	nr_tasks = len / sizeof(*tasks);
	if (env->pid && !nr_tasks) {
		fprintf(stderr, "procstat: process %d exited\n", env->pid);
		return 1;
	}
	qsort(tasks, nr_tasks, sizeof(*tasks), cmp_task_tgid);
	procs = calloc(nr_tasks ? nr_tasks : 1, sizeof(*procs));
	by_mm = malloc((nr_tasks ? nr_tasks : 1) * sizeof(*by_mm));
	if (!procs || !by_mm) {
		ms_warn(&env->common, "out of memory for %u tasks", nr_tasks);
		free(procs);
		free(by_mm);
		return -1;
	}
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
	sort_field = env->sort;
	qsort(procs, nr_procs, sizeof(*procs), cmp_proc_desc);
	if (env->common.timestamp)
		clockp = ms_clock(clock, sizeof(clock));
	if (iter && !env->common.json)
		putchar('\n');
	print_header(ctx);
	shown = env->top && env->top < nr_procs ? env->top : nr_procs;
	for (i = 0; i < shown; i++) {
		print_proc(ctx, &procs[i], clockp);
		if (env->threads)
			print_threads(ctx, &tasks[procs[i].first_task],
				      procs[i].nr_threads);
	}
	free(procs);
	return 0;
}

/* Returns the tasks that could not be read: each is missing from a report. */
static __u64 print_summary(struct procstat_ctx *ctx)
{
	__u64 unreadable = 0;
	struct ms_json j;
	int err;

	err = ms_percpu_sum(ctx->drops_fd, PROCSTAT_DROP_READ, &unreadable);
	if (err)
		ms_warn(&ctx->env->common, "reading the drop counter failed: %s",
			strerror(-err));
	if (unreadable)
		ms_warn(&ctx->env->common,
			"%llu tasks could not be read and are missing from the reports",
			unreadable);
	if (!ctx->env->common.json) {
		if (ms_summary_wanted(&ctx->env->common))
			printf("\nprocstat: %lu reports, %llu tasks unreadable\n",
			       ctx->reports, unreadable);
		return unreadable;
	}
	ms_json_begin(&j, stdout);
	ms_json_str(&j, "type", "summary");
	ms_json_uint(&j, "reports", ctx->reports);
	ms_json_uint(&j, "unreadable_tasks", unreadable);
	ms_json_end(&j);
	return unreadable;
}

int main(int argc, char **argv)
{
	struct procstat_env env = { .top = 20, .sort = F_RSS };
	struct procstat_ctx ctx = { .env = &env };
	struct procstat_cfg cfg = {};
	struct bpf_object *obj;
	struct bpf_link *link;
	__u32 zero = 0;
	long err;
	int ret;

	ms_env_init(&env.common, "procstat", usage);
	env.common.snapshot = true;
	parse_args(&env, argc, argv);
	if (env.pid)
		env.top = 0;
	ms_require_root(&env.common);
	/* Before the slow setup: a signal during it still ends cleanly. */
	ms_signals_init();
	if (!ms_kernel_btf_exists())
		ms_fatal(&env.common,
			 "kernel BTF (/sys/kernel/btf/vmlinux) not found: BPF task iterators need CONFIG_DEBUG_INFO_BTF=y");
	ms_libbpf_init(&env.common);

	obj = ms_obj_open(&env.common);
	ms_obj_load(&env.common, obj);
	ctx.cfg_fd = ms_map_fd(&env.common, obj, "cfg");
	ctx.drops_fd = ms_map_fd(&env.common, obj, "drops");
	ctx.page_kib = ms_page_kib();
	cfg.tgid = env.pid;
	if (bpf_map_update_elem(ctx.cfg_fd, &zero, &cfg, BPF_ANY))
		ms_fatal(&env.common, "writing the filter map failed: %s",
			 strerror(errno));

	link = bpf_program__attach_iter(ms_prog_find(&env.common, obj,
						     "procstat_task"), NULL);
	err = libbpf_get_error(link);
	if (err)
		ms_fatal(&env.common,
			 "cannot create the task iterator: %s (needs CONFIG_DEBUG_INFO_BTF=y and Linux 5.8+)",
			 ms_strerror(err));
	ctx.link_fd = bpf_link__fd(link);

	ret = ms_run_intervals(&env.common, report, &ctx);
	if (print_summary(&ctx))
		ret = -EIO;

	bpf_link__destroy(link);
	bpf_object__close(obj);
	free(ctx.buf);
	if (fflush(stdout) || ferror(stdout))
		return MS_EXIT_RUNTIME;
	return ret ? MS_EXIT_RUNTIME : MS_EXIT_OK;
}
