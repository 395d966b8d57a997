// SPDX-License-Identifier: GPL-2.0
/*
 * pr: LRU reclaim per node and LRU type (anon/file): memory scanned and
 * reclaimed, and why the rest stayed (dirty, unqueued dirty, congested,
 * writeback, immediate, activated, ref-keep, unmap-fail), with the
 * distribution of reclaim priorities.  Totals equal the pgscan_anon/file
 * and pgsteal_anon/file counters of /proc/vmstat.
 *
 * Attach points: raw tracepoints vmscan:mm_vmscan_lru_shrink_inactive and
 * vmscan:mm_vmscan_lru_isolate (pr_kern.c); both fire once per batch of up
 * to 32 pages reclaimed, never on the allocation path.
 * Requires: CONFIG_BPF_SYSCALL, CONFIG_BPF_EVENTS, CONFIG_TRACEPOINTS.
 */
#include <getopt.h>
#include <string.h>

#include "libmemstat.h"
#include "pr_common.h"

static const char usage[] =
"Usage: pr [-P] [-p PID] [-c CGROUP] [-jTBv] [-d SEC] [interval [count]]\n"
"\n"
"LRU reclaim per node and LRU type: memory scanned and reclaimed on the\n"
"inactive lists and what kept the rest (from the vmscan tracepoints).\n"
"With an interval, one table per interval; without, the totals when it\n"
"ends (Ctrl-C, SIGTERM or -d).\n"
"\n"
"Options:\n"
"  -P, --priority     also show how many runs each reclaim priority had\n"
"  -p, --pid PID      only reclaim that process did (direct and memcg\n"
"                     reclaim: kswapd is no process's; so with -c)\n"
"\n"
"Columns (KiB, K/M/G): SCANNED RECLAIM DIRTY UNQDIR(ty, not queued for\n"
"IO) CONGST(ed) WBACK(writeback) IMMED(iate reclaim) ACTIV(ated) REFKP\n"
"(referenced, kept) UNMAPF(ailed).  NID - is scans that took no page.\n"
"\n"
"Examples:\n"
"  pr 1            # every second\n"
"  pr -P -j 5 12   # JSON with priorities, every 5 s for a minute\n"
"  pr -d 60        # totals over one minute\n";

#define PR_NR_FIELDS (sizeof(struct pr_counts) / sizeof(__u64))

static const struct ms_hook hooks[] = {
	{ "pr_shrink_inactive", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_lru_shrink_inactive" },
	{ "pr_isolate", MS_HOOK_TRACEPOINT, "vmscan:mm_vmscan_lru_isolate" },
};

/* struct pr_counts in order: runs, then sizes in pages. */
static const char *const field_names[] = {
	"runs", "scanned_kib", "reclaimed_kib", "dirty_kib",
	"unqueued_dirty_kib", "congested_kib", "writeback_kib",
	"immediate_kib", "activated_kib", "ref_keep_kib", "unmap_fail_kib",
};

struct pr_ctx {
	struct ms_env env;
	bool priority;			/* -P */
	struct ms_bpf bpf;
	int counts_fd;
	struct pr_counts now[PR_NR_SLOTS];
	struct pr_counts prev[PR_NR_SLOTS];
	unsigned long reports;
};

static void parse_args(struct pr_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "priority", no_argument, NULL, 'P' },
		{},
	};

	ms_env_init(&ctx->env, "pr", usage, MS_OPT_PID | MS_OPT_CGROUP);
	while (ms_getopt(&ctx->env, argc, argv, "P", longopts) == 'P')
		ctx->priority = true;
}

/* Sum every slot over the CPUs into ctx->now. */
static int read_counts(struct pr_ctx *ctx)
{
	__u32 slot;
	int err;

	for (slot = 0; slot < PR_NR_SLOTS; slot++) {
		err = ms_percpu_read(ctx->counts_fd, slot,
				     (__u64 *)&ctx->now[slot], PR_NR_FIELDS);
		if (err) {
			ms_warn(&ctx->env, "%s", ms_last_error());
			return err;
		}
	}
	return 0;
}

static void print_row(const struct pr_ctx *ctx, __u32 slot,
		      const struct pr_counts *d)
{
	const __u64 *v = (const __u64 *)d;
	int node = slot < MS_MAX_NODES * 2 ? (int)(slot / 2) : -1;
	const char *lru = slot % 2 ? "file" : "anon";
	struct ms_json j;
	char nid[8];
	size_t f;

	if (ctx->env.json) {
		ms_json_record(&j, &ctx->env, "lru");
		ms_json_int(&j, "node", node);
		ms_json_str(&j, "lru", lru);
		ms_json_uint(&j, field_names[0], v[0]);
		for (f = 1; f < ARRAY_SIZE(field_names); f++)
			ms_json_uint(&j, field_names[f], ms_pages_kib(v[f]));
		ms_json_end(&j);
		return;
	}
	snprintf(nid, sizeof(nid), node < 0 ? "-" : "%d", node);
	printf("%3s %-4s", nid, lru);
	for (f = 1; f < ARRAY_SIZE(field_names); f++)
		printf(" %6s", ms_kib(&ctx->env, ms_pages_kib(v[f])));
	putchar('\n');
}

static void print_priorities(const struct pr_ctx *ctx,
			     const struct pr_counts *delta)
{
	__u64 runs[PR_NR_PRIO] = {};
	struct ms_json j;
	char key[16];
	__u32 slot;
	int p;

	for (slot = 0; slot < PR_NR_SLOTS; slot++)
		for (p = 0; p < PR_NR_PRIO; p++)
			runs[p] += delta[slot].prio[p];
	if (!ctx->env.json) {
		printf("priority runs:");
		for (p = PR_NR_PRIO - 1; p >= 0; p--)
			printf(" %d:%llu", p, runs[p]);
		putchar('\n');
		return;
	}
	ms_json_record(&j, &ctx->env, "priority");
	for (p = PR_NR_PRIO - 1; p >= 0; p--) {
		snprintf(key, sizeof(key), "prio%d", p);
		ms_json_uint(&j, key, runs[p]);
	}
	ms_json_end(&j);
}

/* Print what changed since @base (all of it for the final totals). */
static void print_table(struct pr_ctx *ctx, const struct pr_counts *base)
{
	static struct pr_counts delta[PR_NR_SLOTS];
	char clock[16];
	__u32 slot;
	size_t f;

	for (slot = 0; slot < PR_NR_SLOTS; slot++) {
		const __u64 *n = (const __u64 *)&ctx->now[slot];
		const __u64 *b = (const __u64 *)&base[slot];
		__u64 *d = (__u64 *)&delta[slot];

		for (f = 0; f < PR_NR_FIELDS; f++)
			d[f] = n[f] - b[f];
	}
	if (!ctx->env.json) {
		if (ctx->env.timestamp)
			printf("%s\n", ms_clock(clock, sizeof(clock)));
		printf("%3s %-4s %6s %6s %6s %6s %6s %6s %6s %6s %6s %6s\n",
		       "NID", "LRU", "SCANND", "RECLAM", "DIRTY", "UNQDIR",
		       "CONGST", "WBACK", "IMMED", "ACTIV", "REFKP", "UNMAPF");
	}
	for (slot = 0; slot < PR_NR_SLOTS; slot++)
		if (delta[slot].scanned || delta[slot].runs)
			print_row(ctx, slot, &delta[slot]);
	if (ctx->priority)
		print_priorities(ctx, delta);
}

static int report(void *arg, unsigned long iter)
{
	struct pr_ctx *ctx = arg;

	if (read_counts(ctx))
		return -1;
	if (iter && !ctx->env.json)
		putchar('\n');
	print_table(ctx, ctx->prev);
	memcpy(ctx->prev, ctx->now, sizeof(ctx->prev));
	ctx->reports++;
	return 0;
}

/* Totals since the start, and what could not be counted. */
static int print_summary(void *arg)
{
	struct pr_ctx *ctx = arg;
	static const struct pr_counts zero[PR_NR_SLOTS];
	__u64 scanned[2] = {}, reclaimed[2] = {}, drops[PR_NR_DROPS], dropped;
	struct ms_json j;
	__u32 slot;

	if (read_counts(ctx))
		return -1;
	dropped = ms_bpf_drops(&ctx->bpf, drops, PR_NR_DROPS);
	for (slot = 0; slot < PR_NR_SLOTS; slot++) {
		scanned[slot % 2] += ms_pages_kib(ctx->now[slot].scanned);
		reclaimed[slot % 2] += ms_pages_kib(ctx->now[slot].reclaimed);
	}
	if (!ctx->env.interval)
		print_table(ctx, zero);
	if (dropped)
		ms_warn(&ctx->env,
			"%llu events on nodes >= %d and %llu unreadable events were not counted",
			drops[PR_DROP_NODE], MS_MAX_NODES, drops[PR_DROP_READ]);
	if (!ctx->env.json) {
		printf("\npr: %lu reports; since start, scanned anon %s file %s,",
		       ctx->reports, ms_kib(&ctx->env, scanned[0]),
		       ms_kib(&ctx->env, scanned[1]));
		printf(" reclaimed anon %s file %s\n",
		       ms_kib(&ctx->env, reclaimed[0]),
		       ms_kib(&ctx->env, reclaimed[1]));
		return 0;
	}
	ms_json_record(&j, &ctx->env, "summary");
	ms_json_uint(&j, "reports", ctx->reports);
	ms_json_uint(&j, "scanned_anon_kib", scanned[0]);
	ms_json_uint(&j, "scanned_file_kib", scanned[1]);
	ms_json_uint(&j, "reclaimed_anon_kib", reclaimed[0]);
	ms_json_uint(&j, "reclaimed_file_kib", reclaimed[1]);
	ms_json_uint(&j, "dropped", dropped);
	ms_json_end(&j);
	return 0;
}

int main(int argc, char **argv)
{
	static struct pr_ctx ctx;
	struct ms_loop loop = {
		.ringbuf_fd = -1, .on_interval = report, .ctx = &ctx,
	};
	struct pr_cfg cfg = {};

	parse_args(&ctx, argc, argv);
	ms_tool_init(&ctx.env);
	ms_filter_init(&ctx.env, &cfg.filter);
	ms_bpf_start(&ctx.bpf, &ctx.env, hooks, ARRAY_SIZE(hooks), &cfg,
		     sizeof(cfg));
	ctx.counts_fd = ms_bpf_map(&ctx.bpf, "counts");
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "pr: tracing LRU reclaim; Ctrl-C to end\n");

	return ms_finish(&ctx.bpf, ms_run(&ctx.env, &loop), print_summary, &ctx);
}
