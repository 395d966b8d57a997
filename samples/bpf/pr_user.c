// SPDX-License-Identifier: GPL-2.0
/*
 * pr: LRU reclaim per node and LRU type (anon/file): pages scanned and
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
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libmemstat.h"
#include "pr_common.h"

static const char usage[] =
"Usage: pr [-P] [-jTBv] [-d SEC] [interval [count]]\n"
"\n"
"LRU reclaim per node and LRU type: pages scanned and reclaimed on the\n"
"inactive lists and what kept the others (from the vmscan tracepoints).\n"
"With an interval, one table per interval; without, the totals when it\n"
"ends (Ctrl-C, SIGTERM or -d).\n"
"\n"
"Options:\n"
"  -P, --priority     also show how many runs each reclaim priority had\n"
"\n"
"Columns (pages): SCANNED RECLAIM DIRTY UNQDIR(ty, not queued for IO)\n"
"CONGST(ed) WBACK(writeback) IMMED(iate reclaim) ACTIV(ated) REFKP\n"
"(referenced, kept) UNMAPF(ailed).  NID - is scans that took no page.\n"
"\n"
"Examples:\n"
"  pr 1            # every second\n"
"  pr -P -j 5 12   # JSON with priorities, every 5 s for a minute\n"
"  pr -d 60        # totals over one minute\n";

#define PR_NR_FIELDS (sizeof(struct pr_counts) / sizeof(__u64))

struct pr_env {
	struct ms_env common;
	bool priority;			/* -P */
};

struct pr_ctx {
	struct pr_env *env;
	int counts_fd;
	int drops_fd;
	int ncpus;
	struct pr_counts *percpu;	/* lookup buffer, one per CPU */
	struct pr_counts now[PR_NR_SLOTS];
	struct pr_counts prev[PR_NR_SLOTS];
	unsigned long reports;
};

static const char *const field_names[] = {
	"runs", "scanned", "reclaimed", "dirty", "unqueued_dirty",
	"congested", "writeback", "immediate", "activated", "ref_keep",
	"unmap_fail",
};

static void parse_args(struct pr_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "priority", no_argument, NULL, 'P' },
		{},
	};

	while (ms_getopt(&env->common, argc, argv, "P", longopts) == 'P')
		env->priority = true;
}

/* Sum every slot over the CPUs into ctx->now. */
static int read_counts(struct pr_ctx *ctx)
{
	__u32 slot;
	int cpu;
	size_t f;

	for (slot = 0; slot < PR_NR_SLOTS; slot++) {
		__u64 *sum = (__u64 *)&ctx->now[slot];

		if (bpf_map_lookup_elem(ctx->counts_fd, &slot, ctx->percpu))
			return -errno;
		memset(sum, 0, sizeof(ctx->now[slot]));
		for (cpu = 0; cpu < ctx->ncpus; cpu++) {
			const __u64 *v = (const __u64 *)&ctx->percpu[cpu];

			for (f = 0; f < PR_NR_FIELDS; f++)
				sum[f] += v[f];
		}
	}
	return 0;
}

static void print_row(const struct pr_ctx *ctx, __u32 slot,
		      const struct pr_counts *d, const char *clock)
{
	const __u64 *v = (const __u64 *)d;
	int node = slot < PR_MAX_NODES * 2 ? (int)(slot / 2) : -1;
	const char *lru = slot % 2 ? "file" : "anon";
	struct ms_json j;
	size_t f;

	if (!ctx->env->common.json) {
		char nid[8];

		snprintf(nid, sizeof(nid), node < 0 ? "-" : "%d", node);
		printf("%3s %-4s %7llu %7llu %6llu %6llu %6llu %6llu %6llu %6llu %6llu %6llu\n",
		       nid, lru, d->scanned, d->reclaimed, d->dirty,
		       d->unqueued_dirty, d->congested, d->writeback,
		       d->immediate, d->activated, d->ref_keep, d->unmap_fail);
		return;
	}
	ms_json_begin(&j, stdout);
	ms_json_str(&j, "type", "lru");
	if (clock)
		ms_json_str(&j, "time", clock);
	ms_json_int(&j, "node", node);
	ms_json_str(&j, "lru", lru);
	for (f = 0; f < ARRAY_SIZE(field_names); f++)
		ms_json_uint(&j, field_names[f], v[f]);
	ms_json_end(&j);
}

static void print_priorities(const struct pr_ctx *ctx,
			     const struct pr_counts *delta, const char *clock)
{
	__u64 runs[PR_NR_PRIO] = {};
	struct ms_json j;
	char key[16];
	int p;
	__u32 slot;

	for (slot = 0; slot < PR_NR_SLOTS; slot++)
		for (p = 0; p < PR_NR_PRIO; p++)
			runs[p] += delta[slot].prio[p];
	if (!ctx->env->common.json) {
		printf("priority runs:");
		for (p = PR_NR_PRIO - 1; p >= 0; p--)
			printf(" %d:%llu", p, runs[p]);
		putchar('\n');
		return;
	}
	ms_json_begin(&j, stdout);
	ms_json_str(&j, "type", "priority");
	if (clock)
		ms_json_str(&j, "time", clock);
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
	const char *clockp = NULL;
	char clock[16];
	__u32 slot;
	size_t f;

	if (ctx->env->common.timestamp)
		clockp = ms_clock(clock, sizeof(clock));
	for (slot = 0; slot < PR_NR_SLOTS; slot++) {
		const __u64 *n = (const __u64 *)&ctx->now[slot];
		const __u64 *b = (const __u64 *)&base[slot];
		__u64 *d = (__u64 *)&delta[slot];

		for (f = 0; f < PR_NR_FIELDS; f++)
			d[f] = n[f] - b[f];
	}
	if (!ctx->env->common.json) {
		if (clockp)
			printf("%s\n", clockp);
		printf("%3s %-4s %7s %7s %6s %6s %6s %6s %6s %6s %6s %6s\n",
		       "NID", "LRU", "SCANNED", "RECLAIM", "DIRTY", "UNQDIR",
		       "CONGST", "WBACK", "IMMED", "ACTIV", "REFKP", "UNMAPF");
	}
	for (slot = 0; slot < PR_NR_SLOTS; slot++)
		if (delta[slot].scanned || delta[slot].runs)
			print_row(ctx, slot, &delta[slot], clockp);
	if (ctx->env->priority)
		print_priorities(ctx, delta, clockp);
}

static int report(void *arg, unsigned long iter)
{
	struct pr_ctx *ctx = arg;
	int err = read_counts(ctx);

	if (err) {
		ms_warn(&ctx->env->common, "reading the counters failed: %s",
			strerror(-err));
		return -1;
	}
	if (iter && !ctx->env->common.json)
		putchar('\n');
	print_table(ctx, ctx->prev);
	memcpy(ctx->prev, ctx->now, sizeof(ctx->prev));
	ctx->reports++;
	return 0;
}

/* Totals since the start, and what could not be counted. */
static int print_summary(struct pr_ctx *ctx)
{
	static const struct pr_counts zero[PR_NR_SLOTS];
	__u64 scanned[2] = {}, reclaimed[2] = {}, node_drops = 0, read_drops = 0;
	struct ms_json j;
	__u32 slot;

	if (read_counts(ctx))
		return -1;
	ms_percpu_sum(ctx->drops_fd, PR_DROP_NODE, &node_drops);
	ms_percpu_sum(ctx->drops_fd, PR_DROP_READ, &read_drops);
	for (slot = 0; slot < PR_NR_SLOTS; slot++) {
		scanned[slot % 2] += ctx->now[slot].scanned;
		reclaimed[slot % 2] += ctx->now[slot].reclaimed;
	}
	if (!ctx->env->common.interval && !ctx->env->common.json)
		print_table(ctx, zero);
	if (node_drops || read_drops)
		ms_warn(&ctx->env->common,
			"%llu events on nodes >= %d and %llu unreadable events were not counted",
			node_drops, PR_MAX_NODES, read_drops);
	if (!ctx->env->common.json) {
		printf("\npr: %lu reports; since start, pages scanned anon %llu file %llu,",
		       ctx->reports, scanned[0], scanned[1]);
		printf(" reclaimed anon %llu file %llu\n", reclaimed[0],
		       reclaimed[1]);
		return 0;
	}
	if (!ctx->env->common.interval)
		print_table(ctx, zero);
	ms_json_begin(&j, stdout);
	ms_json_str(&j, "type", "summary");
	ms_json_uint(&j, "reports", ctx->reports);
	ms_json_uint(&j, "scanned_anon", scanned[0]);
	ms_json_uint(&j, "scanned_file", scanned[1]);
	ms_json_uint(&j, "reclaimed_anon", reclaimed[0]);
	ms_json_uint(&j, "reclaimed_file", reclaimed[1]);
	ms_json_uint(&j, "dropped", node_drops + read_drops);
	ms_json_end(&j);
	return 0;
}

int main(int argc, char **argv)
{
	struct pr_env env = {};
	struct pr_ctx *ctx;
	struct bpf_link *shrink, *isolate;
	struct bpf_object *obj;
	int ret;

	ms_env_init(&env.common, "pr", usage);
	parse_args(&env, argc, argv);
	ms_tool_init(&env.common);

	ctx = ms_zalloc(&env.common, 1, sizeof(*ctx));
	ctx->env = &env;
	ctx->percpu = ms_percpu_buf(&env.common, sizeof(*ctx->percpu),
				    &ctx->ncpus);

	obj = ms_obj_open(&env.common);
	ms_obj_load(&env.common, obj);
	ctx->counts_fd = ms_map_fd(&env.common, obj, "counts");
	ctx->drops_fd = ms_map_fd(&env.common, obj, "drops");
	shrink = ms_attach_tracepoint(&env.common, obj, "pr_shrink_inactive",
				      "vmscan:mm_vmscan_lru_shrink_inactive");
	isolate = ms_attach_tracepoint(&env.common, obj, "pr_isolate",
				       "vmscan:mm_vmscan_lru_isolate");
	if (!env.common.json)
		fprintf(stderr, "pr: tracing LRU reclaim; Ctrl-C to end\n");

	if (env.common.interval)
		ret = ms_run_intervals(&env.common, report, ctx);
	else
		ret = ms_wait(&env.common);
	if (print_summary(ctx))
		ret = -1;

	bpf_link__destroy(isolate);
	bpf_link__destroy(shrink);
	bpf_object__close(obj);
	free(ctx->percpu);
	free(ctx);
	if (fflush(stdout) || ferror(stdout))
		return MS_EXIT_RUNTIME;
	return ret ? MS_EXIT_RUNTIME : MS_EXIT_OK;
}
