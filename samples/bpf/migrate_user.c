// SPDX-License-Identifier: GPL-2.0
/*
 * migrate: page migration by reason (compaction, NUMA balancing, mbind,
 * migrate_pages/move_pages and cpusets, memory hotplug and failure, CMA
 * and contiguous ranges), per process that ran it: calls, pages moved
 * and not, THPs, time.  The totals per reason add up to /proc/vmstat's
 * pgmigrate_success and pgmigrate_fail (numa_misplaced's moved pages to
 * numa_pages_migrated).
 *
 * Attach points (migrate_kern.c): fentry migrate_pages() (a kprobe where
 * there are no BPF trampolines: arm64 5.10) and the raw tracepoint
 * mm_migrate_pages at its end.
 * Requires: CONFIG_MIGRATION, CONFIG_BPF_EVENTS, CONFIG_DEBUG_INFO_BTF or
 * CONFIG_KPROBES.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "libmemstat.h"
#include "migrate_common.h"

static const char usage[] =
"Usage: migrate [-n N] [-p PID] [-c CGROUP] [-C] [-jTBv] [-d SEC]\n"
"               [interval [count]]\n"
"\n"
"Page migration per process and reason: the migrate_pages() calls each\n"
"process ran, the pages they moved and failed to move, THPs among them,\n"
"and the time.  Reasons as the kernel names them: compaction,\n"
"numa_misplaced (NUMA balancing), mempolicy_mbind, syscall_or_cpuset\n"
"(migrate_pages(2), move_pages(2), cpusets), memory_hotplug,\n"
"memory_failure, contig_range (CMA, gigantic pages).  With an interval,\n"
"what changed in each; without, the totals at the end.\n"
"\n"
"Options:\n"
"  -n, --top N        the N processes that moved most pages (default 20,\n"
"                     0: all)\n"
"  -p, --pid PID      only process PID (the totals stay system-wide)\n"
"\n"
"Columns: CALLS migrate_pages() calls, MOVED and FAILED pages\n"
"(pgmigrate_success, pgmigrate_fail), THP_OK THP_FAIL SPLIT huge pages\n"
"moved, not, and split to move, TIME_ms the calls' time.\n"
"\n"
"Examples:\n"
"  migrate                 # until Ctrl-C\n"
"  migrate -p 1234 10      # one process, every 10 s\n"
"  migrate -j -d 60        # JSON totals over a minute\n";

#define MG_COUNT_FIELDS	(sizeof(struct mg_count) / sizeof(__u64))

static const struct ms_hook hooks[] = {
	{ "mg_begin", MS_HOOK_FENTRY, "migrate_pages" },
	{ "mg_done", MS_HOOK_TRACEPOINT, "migrate:mm_migrate_pages" },
};

struct mg_ctx {
	struct ms_env env;
	struct ms_bpf bpf;
	struct ms_rows procs;		/* struct mg_proc */
	char *reasons[MG_NR_REASONS];	/* the kernel's names */
	unsigned long reports;
};

static void parse_args(struct mg_ctx *ctx, int argc, char **argv)
{
	ms_env_init(&ctx->env, "migrate", usage, MS_OPT_TOP | MS_OPT_PID |
		    MS_OPT_CGROUP | MS_OPT_CGROUP_COLUMN);
	ms_getopt(&ctx->env, argc, argv, "", NULL);
}

static const char *reason_name(const struct mg_ctx *ctx, int r, char *buf,
			       size_t len)
{
	if (ctx->reasons[r])
		return ctx->reasons[r];
	snprintf(buf, len, "reason%d", r);
	return buf;
}

static int cmp_tgid(const void *a, const void *b)
{
	const struct mg_proc *x = a, *y = b;

	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

static __u64 moved(const struct mg_proc *p)
{
	__u64 n = 0;
	int r;

	for (r = 0; r < MG_NR_REASONS; r++)
		n += p->reason[r].succeeded + p->reason[r].failed;
	return n;
}

static bool proc_active(const void *row)
{
	const struct mg_proc *p = row;
	int r;

	for (r = 0; r < MG_NR_REASONS; r++)
		if (p->reason[r].calls)
			return true;
	return false;
}

/* Most pages first. */
static int cmp_busy(const void *a, const void *b)
{
	__u64 x = moved(a), y = moved(b);

	return x > y ? -1 : x < y;
}

/* One reason's counts: a JSON record or a text row. */
static void print_count(const struct mg_ctx *ctx, const char *type,
			const struct mg_proc *p, const char *reason,
			const struct mg_count *c)
{
	const struct ms_env *env = &ctx->env;
	char comm[MS_COMM_LEN + 1];
	struct ms_json j;

	if (!env->json) {
		if (p) {
			ms_cstr(comm, p->comm, MS_COMM_LEN);
			printf("%7u %-15s ", p->tgid, comm);
		} else {
			printf("%7s %-15s ", "", "all");
		}
		printf("%-17s %6llu %8llu %7llu %6llu %8llu %5llu %8.1f",
		       reason, c->calls, c->succeeded, c->failed,
		       c->thp_succeeded, c->thp_failed, c->thp_split,
		       c->total_ns / 1e6);
		if (p)
			ms_cgroup_column(env, NULL, p->tgid);
		putchar('\n');
		return;
	}
	ms_json_record(&j, env, type);
	if (p) {
		ms_cstr(comm, p->comm, MS_COMM_LEN);
		ms_json_uint(&j, "pid", p->tgid);
		ms_json_str(&j, "comm", comm);
		ms_cgroup_column(env, &j, p->tgid);
	}
	ms_json_str(&j, "reason", reason);
	ms_json_uint(&j, "calls", c->calls);
	ms_json_uint(&j, "succeeded", c->succeeded);
	ms_json_uint(&j, "failed", c->failed);
	ms_json_uint(&j, "thp_succeeded", c->thp_succeeded);
	ms_json_uint(&j, "thp_failed", c->thp_failed);
	ms_json_uint(&j, "thp_split", c->thp_split);
	ms_json_uint(&j, "time_ns", c->total_ns);
	ms_json_end(&j);
}

static void print_head(const struct mg_ctx *ctx)
{
	if (ctx->env.json)
		return;
	printf("%7s %-15s %-17s %6s %8s %7s %6s %8s %5s %8s", "PID", "COMM",
	       "REASON", "CALLS", "MOVED", "FAILED", "THP_OK", "THP_FAIL",
	       "SPLIT", "TIME_ms");
	ms_cgroup_head(&ctx->env);
	putchar('\n');
}

/* What changed since the last report (everything at the end). */
static void print_table(struct mg_ctx *ctx, bool since_start)
{
	struct mg_proc *d = ctx->procs.delta;
	char buf[16];
	size_t i, n;
	int r;

	n = ms_rows_delta(&ctx->procs, since_start, proc_active);
	qsort(d, n, sizeof(*d), cmp_busy);
	print_head(ctx);
	for (i = 0; i < n && i < ctx->env.top; i++)
		for (r = 0; r < MG_NR_REASONS; r++)
			if (d[i].reason[r].calls)
				print_count(ctx, "proc", &d[i],
					    reason_name(ctx, r, buf, sizeof(buf)),
					    &d[i].reason[r]);
}

static int report(void *arg, unsigned long iter)
{
	struct mg_ctx *ctx = arg;

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

/* The table since the start, the totals per reason, what was lost. */
static int print_summary(void *arg)
{
	struct mg_ctx *ctx = arg;
	const struct ms_env *env = &ctx->env;
	int fd = ms_bpf_map(&ctx->bpf, "totals"), r;
	__u64 drops[MG_NR_DROPS], dropped;
	struct mg_count c;
	struct ms_json j;
	char buf[16];

	if (ms_rows_read(&ctx->procs)) {
		ms_warn(env, "%s", ms_last_error());
		return -1;
	}
	if (!env->interval) {
		ms_report_begin(env, 0);
		print_table(ctx, true);
	}
	dropped = ms_bpf_drops(&ctx->bpf, drops, MG_NR_DROPS);
	if (dropped)
		ms_warn(env,
			"not counted: %llu calls not timed (too many at once), %llu processes (table full), %llu calls of a reason beyond %d",
			drops[MG_DROP_THREAD], drops[MG_DROP_PROC],
			drops[MG_DROP_REASON], MG_NR_REASONS);
	if (!env->json)
		printf("\nmigrate: %lu reports; every process since start:\n",
		       ctx->reports);
	for (r = 0; r < MG_NR_REASONS; r++) {
		if (ms_percpu_read(fd, r, (__u64 *)&c, MG_COUNT_FIELDS)) {
			ms_warn(env, "%s", ms_last_error());
			return -1;
		}
		if (c.calls)
			print_count(ctx, "reason", NULL,
				    reason_name(ctx, r, buf, sizeof(buf)), &c);
	}
	if (env->json) {
		ms_json_record(&j, env, "summary");
		ms_json_uint(&j, "reports", ctx->reports);
		ms_json_uint(&j, "dropped", dropped);
		ms_json_end(&j);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct mg_ctx ctx;
	struct ms_loop loop = {
		.ringbuf_fd = -1, .on_interval = report, .ctx = &ctx,
	};
	struct mg_cfg cfg = {};
	int ret, r;

	parse_args(&ctx, argc, argv);
	ms_tool_init(&ctx.env);
	ctx.procs = (struct ms_rows){
		.key_size = sizeof(__u32), .row_size = sizeof(struct mg_proc),
		.max = MG_MAX_PROCS, .cmp = cmp_tgid,
		.counters = offsetof(struct mg_proc, reason),
	};
	ms_rows_alloc(&ctx.procs, &ctx.env);
	ms_trace_symbols("migrate/mm_migrate_pages", "reason", ctx.reasons,
			 MG_NR_REASONS);
	ms_filter_init(&ctx.env, &cfg.filter);
	/* No BPF trampolines (arm64 5.10): the same programs as kprobes. */
	ms_bpf_start_fentry(&ctx.bpf, &ctx.env, hooks, ARRAY_SIZE(hooks), &cfg,
			    sizeof(cfg));
	ctx.procs.fd = ms_bpf_map(&ctx.bpf, "procs");
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "migrate: tracing page migration%s; Ctrl-C to end\n",
		ctx.env.pid ? " of one process" : "");

	ret = ms_finish(&ctx.bpf, ms_run(&ctx.env, &loop), print_summary,
			&ctx);
	ms_rows_free(&ctx.procs);
	for (r = 0; r < MG_NR_REASONS; r++)
		free(ctx.reasons[r]);
	return ret;
}
