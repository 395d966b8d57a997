// SPDX-License-Identifier: GPL-2.0
/*
 * compact: page compaction.  Which processes stall in direct compaction,
 * how often, for how long and with what outcome (their stalls, successes
 * and failures equal /proc/vmstat's compact_stall, compact_success and
 * compact_fail); every zone's compaction run by who ran it (direct,
 * kcompactd, proactive, manual), order and result; the pages scanned,
 * isolated and migrated (compact_migrate_scanned, compact_free_scanned,
 * compact_isolated, pgmigrate of reason compaction).
 *
 * Attach points (compact_kern.c): fentry/fexit try_to_compact_pages and
 * compact_zone, fentry compaction_defer_reset, fexit __isolate_free_page
 * (kprobes and kretprobes where 5.10 has no BPF trampolines: arm64), raw
 * tracepoints mm_compaction_isolate_migratepages and mm_migrate_pages.
 * None is on the allocation fast path.
 * Requires: CONFIG_COMPACTION, CONFIG_BPF_EVENTS, CONFIG_DEBUG_INFO_BTF or
 * CONFIG_KPROBES.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "libmemstat.h"
#include "compact_common.h"

static const char usage[] =
"Usage: compact [-H] [-n N] [-p PID] [-c CGROUP] [-C] [-jTBv] [-d SEC]\n"
"               [interval [count]]\n"
"\n"
"Page compaction.  Per process, its direct compactions (an allocation of\n"
"order > 0 that compacts memory first): stalls, their outcome (a page\n"
"came of it, or not), time.  Per zone, order and who ran it (direct,\n"
"kcompactd, proactive, manual): runs, time, pages scanned and results.\n"
"Then the pages scanned, isolated and migrated by all compaction.  With\n"
"an interval, what changed in each; without, the totals at the end.\n"
"\n"
"Options:\n"
"  -H, --histogram    latency histograms (log2, usecs) per process\n"
"  -n, --top N        the N processes with the most stall time (default\n"
"                     20, 0: all)\n"
"  -p, --pid PID      only process PID's direct compactions (zones and\n"
"                     totals stay system-wide)\n"
"\n"
"Columns: STALLS direct compactions not skipped (compact_stall), OK and\n"
"FAIL whether the allocation then got its page (compact_success,\n"
"compact_fail), SKIP calls that did not compact (deferred, not\n"
"suitable), TIME_ms AVG_us MAX_us the stalls' time.  Zones: RUNS,\n"
"TIME_ms, MIGR_SCAN and FREE_SCAN (pages the two scanners looked at),\n"
"then the runs by result, named as the kernel names them.\n"
"\n"
"Examples:\n"
"  compact                 # until Ctrl-C\n"
"  compact -H -p 1234      # one process's stalls, with histograms\n"
"  compact -j 10           # JSON every 10 s\n";

#define CP_TOTAL_FIELDS	(sizeof(struct cp_totals) / sizeof(__u64))

static const struct ms_hook hooks[] = {
	{ "cp_direct_begin", MS_HOOK_FENTRY, "try_to_compact_pages" },
	{ "cp_direct_end", MS_HOOK_FEXIT, "try_to_compact_pages" },
	{ "cp_defer_reset", MS_HOOK_FENTRY, "compaction_defer_reset" },
	{ "cp_zone_begin", MS_HOOK_FENTRY, "compact_zone" },
	{ "cp_zone_end", MS_HOOK_FEXIT, "compact_zone" },
	{ "cp_isolate_free", MS_HOOK_FEXIT, "__isolate_free_page" },
	{ "cp_isolate_migrate", MS_HOOK_TRACEPOINT,
	  "compaction:mm_compaction_isolate_migratepages" },
	{ "cp_migrate", MS_HOOK_TRACEPOINT, "migrate:mm_migrate_pages" },
};

static const char *const source_names[CP_NR_SOURCES] = {
	"direct", "kcompactd", "proactive", "manual",
};

struct cp_ctx {
	struct ms_env env;
	struct ms_bpf bpf;
	struct ms_rows procs;		/* struct cp_proc */
	struct ms_rows zones;		/* struct cp_zone */
	char *results[CP_NR_RESULTS];	/* the kernel's names */
	unsigned long reports;
};

static void parse_args(struct cp_ctx *ctx, int argc, char **argv)
{
	ms_env_init(&ctx->env, "compact", usage, MS_OPT_HIST | MS_OPT_TOP |
		    MS_OPT_PID | MS_OPT_CGROUP | MS_OPT_CGROUP_COLUMN);
	ms_getopt(&ctx->env, argc, argv, "", NULL);
}

static int cmp_tgid(const void *a, const void *b)
{
	const struct cp_proc *x = a, *y = b;

	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

static int cmp_zone_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct cp_zone_key));
}

/* A maximum is since the start: no difference. */
static void keep_max(void *delta, const void *now)
{
	((struct cp_proc *)delta)->max_ns = ((const struct cp_proc *)now)->max_ns;
}

static bool proc_active(const void *row)
{
	return ((const struct cp_proc *)row)->attempts;
}

static bool zone_active(const void *row)
{
	return ((const struct cp_zone *)row)->runs;
}

/* Most stall time first. */
static int cmp_busy(const void *a, const void *b)
{
	const struct cp_proc *x = a, *y = b;

	if (x->total_ns != y->total_ns)
		return x->total_ns > y->total_ns ? -1 : 1;
	return x->attempts > y->attempts ? -1 : x->attempts < y->attempts;
}

static void print_proc(const struct cp_ctx *ctx, const struct cp_proc *p)
{
	const struct ms_env *env = &ctx->env;
	char comm[MS_COMM_LEN + 1];
	struct ms_json j;

	ms_cstr(comm, p->comm, MS_COMM_LEN);
	if (env->json) {
		ms_json_record(&j, env, "proc");
		ms_json_uint(&j, "pid", p->tgid);
		ms_json_str(&j, "comm", comm);
		ms_cgroup_column(env, &j, p->tgid);
		ms_json_uint(&j, "stalls", p->stalls);
		ms_json_uint(&j, "success", p->success);
		ms_json_uint(&j, "fail", p->stalls - p->success);
		ms_json_uint(&j, "skipped", p->attempts - p->stalls);
		ms_json_uint(&j, "stall_ns", p->total_ns);
		ms_json_uint(&j, "max_ns", p->max_ns);
		if (env->hist)
			ms_hist_json(&j, "hist_us", p->hist.slots,
				     MS_HIST_SLOTS);
		ms_json_end(&j);
		return;
	}
	printf("%7u %-15s %6llu %5llu %5llu %5llu %8.1f %7llu %7llu", p->tgid,
	       comm, p->stalls, p->success, p->stalls - p->success,
	       p->attempts - p->stalls,
	       p->total_ns / 1e6, p->stalls ? p->total_ns / p->stalls / 1000 : 0,
	       p->max_ns / 1000);
	ms_cgroup_column(env, NULL, p->tgid);
	putchar('\n');
	if (!env->hist || !p->stalls)
		return;
	printf("\n  direct compaction latency, pid %u (%s):\n", p->tgid, comm);
	ms_hist_print(stdout, p->hist.slots, MS_HIST_SLOTS, "usecs");
	putchar('\n');
}

/* "complete=3 success=1", results by the kernel's names. */
static void print_zone(const struct cp_ctx *ctx, const struct cp_zone *z)
{
	const struct ms_env *env = &ctx->env;
	char zone[sizeof(z->key.zone) + 1], name[32];
	const char *src = z->key.source < CP_NR_SOURCES ?
			  source_names[z->key.source] : "?";
	struct ms_json j;
	int r;

	ms_cstr(zone, z->key.zone, sizeof(z->key.zone));
	if (env->json) {
		ms_json_record(&j, env, "zone");
		ms_json_uint(&j, "node", z->key.nid);
		ms_json_str(&j, "zone", zone);
		ms_json_int(&j, "order", z->key.order);
		ms_json_str(&j, "source", src);
		ms_json_uint(&j, "runs", z->runs);
		ms_json_uint(&j, "time_ns", z->total_ns);
		ms_json_uint(&j, "migrate_scanned", z->migrate_scanned);
		ms_json_uint(&j, "free_scanned", z->free_scanned);
		ms_json_obj(&j, "results");
	} else {
		printf("%4u %-7s %5d %-9s %5llu %8.1f %9llu %9llu ", z->key.nid,
		       zone, z->key.order, src, z->runs, z->total_ns / 1e6,
		       z->migrate_scanned, z->free_scanned);
	}
	for (r = 0; r < CP_NR_RESULTS; r++) {
		if (!z->results[r])
			continue;
		if (ctx->results[r])
			snprintf(name, sizeof(name), "%s", ctx->results[r]);
		else
			snprintf(name, sizeof(name), "result%d", r);
		if (env->json)
			ms_json_uint(&j, name, z->results[r]);
		else
			printf(" %s=%llu", name, z->results[r]);
	}
	if (env->json) {
		ms_json_pop(&j);
		ms_json_end(&j);
	} else {
		putchar('\n');
	}
}

static int read_all(struct cp_ctx *ctx)
{
	if (ms_rows_read(&ctx->procs) || ms_rows_read(&ctx->zones)) {
		ms_warn(&ctx->env, "%s", ms_last_error());
		return -1;
	}
	return 0;
}

/* What changed since the last report (everything at the end). */
static void print_tables(struct cp_ctx *ctx, bool since_start)
{
	struct cp_proc *d = ctx->procs.delta;
	struct cp_zone *z = ctx->zones.delta;
	size_t i, n;

	n = ms_rows_delta(&ctx->procs, since_start, proc_active);
	qsort(d, n, sizeof(*d), cmp_busy);
	if (!ctx->env.json) {
		printf("%7s %-15s %6s %5s %5s %5s %8s %7s %7s", "PID", "COMM",
		       "STALLS", "OK", "FAIL", "SKIP", "TIME_ms", "AVG_us",
		       "MAX_us");
		ms_cgroup_head(&ctx->env);
		putchar('\n');
	}
	for (i = 0; i < n && i < ctx->env.top; i++)
		print_proc(ctx, &d[i]);
	n = ms_rows_delta(&ctx->zones, since_start, zone_active);
	if (n && !ctx->env.json)
		printf("\n%4s %-7s %5s %-9s %5s %8s %9s %9s  %s\n", "NODE",
		       "ZONE", "ORDER", "SOURCE", "RUNS", "TIME_ms",
		       "MIGR_SCAN", "FREE_SCAN", "RESULTS");
	for (i = 0; i < n; i++)
		print_zone(ctx, &z[i]);
}

static int report(void *arg, unsigned long iter)
{
	struct cp_ctx *ctx = arg;

	if (read_all(ctx))
		return -1;
	ms_report_begin(&ctx->env, iter);
	print_tables(ctx, false);
	ms_rows_next(&ctx->procs);
	ms_rows_next(&ctx->zones);
	ctx->reports++;
	return 0;
}

/* Totals since the start, and what could not be counted. */
static int print_summary(void *arg)
{
	struct cp_ctx *ctx = arg;
	const struct ms_env *env = &ctx->env;
	__u64 drops[CP_NR_DROPS], dropped, stalls = 0, ok = 0, fail = 0;
	const struct cp_proc *p;
	struct cp_totals t;
	struct ms_json j;
	size_t i;

	if (read_all(ctx))
		return -1;
	if (ms_percpu_read(ms_bpf_map(&ctx->bpf, "totals"), 0, (__u64 *)&t,
			   CP_TOTAL_FIELDS)) {
		ms_warn(env, "%s", ms_last_error());
		return -1;
	}
	for (i = 0, p = ctx->procs.now; i < ctx->procs.n_now; i++, p++) {
		stalls += p->stalls;
		ok += p->success;
		fail += p->stalls - p->success;
	}
	dropped = ms_bpf_drops(&ctx->bpf, drops, CP_NR_DROPS);
	if (!env->interval) {
		ms_report_begin(env, 0);
		print_tables(ctx, true);
	}
	if (dropped)
		ms_warn(env,
			"not counted: %llu compactions not timed (too many at once), %llu processes and %llu zone rows (tables full), %llu results beyond %d",
			drops[CP_DROP_THREAD], drops[CP_DROP_PROC],
			drops[CP_DROP_ZONE], drops[CP_DROP_RESULT],
			CP_NR_RESULTS);
	if (env->json) {
		ms_json_record(&j, env, "summary");
		ms_json_uint(&j, "reports", ctx->reports);
		ms_json_uint(&j, "stalls", stalls);
		ms_json_uint(&j, "success", ok);
		ms_json_uint(&j, "fail", fail);
		ms_json_uint(&j, "migrate_scanned", t.migrate_scanned);
		ms_json_uint(&j, "free_scanned", t.free_scanned);
		ms_json_uint(&j, "isolated", t.isolated);
		ms_json_uint(&j, "migrated", t.migrated);
		ms_json_uint(&j, "migrate_failed", t.migrate_failed);
		ms_json_uint(&j, "dropped", dropped);
		ms_json_end(&j);
		return 0;
	}
	printf("\ncompact: %lu reports; since start:\n", ctx->reports);
	printf("  direct compaction stalls %llu: %llu got their page, %llu did not\n",
	       stalls, ok, fail);
	printf("  pages scanned %llu (migration scanner) and %llu (free scanner), isolated %llu\n",
	       t.migrate_scanned, t.free_scanned, t.isolated);
	printf("  pages migrated %llu, failed %llu\n", t.migrated,
	       t.migrate_failed);
	return 0;
}

int main(int argc, char **argv)
{
	static struct cp_ctx ctx;
	struct ms_loop loop = {
		.ringbuf_fd = -1, .on_interval = report, .ctx = &ctx,
	};
	struct cp_cfg cfg = {};
	int ret, r;

	parse_args(&ctx, argc, argv);
	ms_tool_init(&ctx.env);
	ctx.procs = (struct ms_rows){
		.key_size = sizeof(__u32), .row_size = sizeof(struct cp_proc),
		.max = CP_MAX_PROCS, .cmp = cmp_tgid, .fixup = keep_max,
		.counters = offsetof(struct cp_proc, attempts),
	};
	ctx.zones = (struct ms_rows){
		.key_size = sizeof(struct cp_zone_key),
		.row_size = sizeof(struct cp_zone), .max = CP_MAX_ZONES,
		.cmp = cmp_zone_key, .counters = offsetof(struct cp_zone, runs),
	};
	ms_rows_alloc(&ctx.procs, &ctx.env);
	ms_rows_alloc(&ctx.zones, &ctx.env);
	ms_trace_symbols("compaction/mm_compaction_end", "status", ctx.results,
			 CP_NR_RESULTS);
	ms_filter_init(&ctx.env, &cfg.filter);
	/* No BPF trampolines (arm64 5.10): the same programs as kprobes. */
	ms_bpf_start_fentry(&ctx.bpf, &ctx.env, hooks, ARRAY_SIZE(hooks), &cfg,
			    sizeof(cfg));
	ctx.procs.fd = ms_bpf_map(&ctx.bpf, "procs");
	ctx.zones.fd = ms_bpf_map(&ctx.bpf, "zones");
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "compact: tracing compaction%s; Ctrl-C to end\n",
		ctx.env.pid ? " (direct: one process)" : "");

	ret = ms_finish(&ctx.bpf, ms_run(&ctx.env, &loop), print_summary,
			&ctx);
	ms_rows_free(&ctx.procs);
	ms_rows_free(&ctx.zones);
	for (r = 0; r < CP_NR_RESULTS; r++)
		free(ctx.results[r]);
	return ret;
}
