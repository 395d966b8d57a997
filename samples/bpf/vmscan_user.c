// SPDX-License-Identifier: GPL-2.0
/*
 * vmscan: reclaim activity per interval: time spent in shrinkers, in
 * global direct reclaim and in memcg limit reclaim (calls, time, LRU pages
 * reclaimed), kswapd wakeup requests and runs, pageout() writes; log2
 * latency histograms on request.  Direct reclaims equal allocstall_*,
 * memcg reclaims memory.events "max" of the cgroups over their limit,
 * kswapd runs pageoutrun, writes nr_vmscan_write.
 *
 * Attach points (vmscan_kern.c), all raw tracepoints of vmscan:
 * mm_vmscan_direct_reclaim_begin/_end, mm_vmscan_memcg_reclaim_begin/_end,
 * mm_vmscan_memcg_softlimit_reclaim_begin/_end, mm_shrink_slab_start/_end,
 * mm_vmscan_lru_shrink_inactive, mm_vmscan_writepage,
 * mm_vmscan_wakeup_kswapd and mm_vmscan_kswapd_wake.
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
#include "vmscan_common.h"

static const char usage[] =
"Usage: vmscan [-H] [-jTBv] [-d SEC] [interval [count]]\n"
"\n"
"Reclaim activity, one row per interval: shrinker calls and their time,\n"
"global direct reclaim and memcg limit reclaim (count, time, LRU pages\n"
"reclaimed), kswapd wakeup requests and runs, pages written by reclaim.\n"
"Without an interval, one row with the totals when it ends (Ctrl-C,\n"
"SIGTERM or -d).\n"
"\n"
"Options:\n"
"  -H, --histogram    log2 latency histograms (usecs) of each kind\n"
"\n"
"Columns: SLAB do_shrink_slab() calls (one shrinker on one node),\n"
"SLAB_ms their time, FREED objects they freed; DIRECT global direct\n"
"reclaims (allocstall), DIR_ms, DIR_LRU LRU pages they reclaimed; MEMCG\n"
"memcg limit reclaims (memory.events max), MCG_ms, MCG_LRU; KS_WAKE\n"
"kswapd wakeup requests, KS_RUN kswapd runs (pageoutrun), KS_LRU LRU\n"
"pages kswapd reclaimed; WRITE pages reclaim wrote (nr_vmscan_write).\n"
"\n"
"Examples:\n"
"  vmscan 1            # every second\n"
"  vmscan -H 10 6      # with histograms, every 10 s for a minute\n"
"  vmscan -j -d 60     # JSON totals over one minute\n";

#define VS_NR_FIELDS	(sizeof(struct vs_stats) / sizeof(__u64))
#define VS_HEADER_EVERY	20

static const char *const kind_names[VS_NR_KINDS] = {
	"direct", "memcg", "softlimit", "slab",
};

struct vs_env {
	struct ms_env common;
	bool hist;			/* -H */
};

struct vs_snap {
	struct vs_stats stats;
	struct ms_hist hists[VS_NR_KINDS];
};

struct vs_ctx {
	struct vs_env *env;
	int stats_fd, hists_fd, drops_fd;
	int ncpus;
	void *percpu;			/* per-CPU lookup buffer */
	struct vs_snap now, prev;
	unsigned long reports;
};

static void parse_args(struct vs_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "histogram", no_argument, NULL, 'H' },
		{},
	};

	while (ms_getopt(&env->common, argc, argv, "H", longopts) == 'H')
		env->hist = true;
}

/* Sum @nfields __u64 of every CPU's value at @key into @sum. */
static int read_percpu(struct vs_ctx *ctx, int fd, __u32 key, __u64 *sum,
		       size_t nfields)
{
	const __u64 *v = ctx->percpu;
	size_t f;
	int cpu;

	if (bpf_map_lookup_elem(fd, &key, ctx->percpu))
		return -errno;
	memset(sum, 0, nfields * sizeof(__u64));
	for (cpu = 0; cpu < ctx->ncpus; cpu++)
		for (f = 0; f < nfields; f++)
			sum[f] += v[cpu * nfields + f];
	return 0;
}

static int read_snap(struct vs_ctx *ctx)
{
	__u32 k;
	int err;

	err = read_percpu(ctx, ctx->stats_fd, 0, (__u64 *)&ctx->now.stats,
			  VS_NR_FIELDS);
	for (k = 0; !err && k < VS_NR_KINDS; k++)
		err = read_percpu(ctx, ctx->hists_fd, k,
				  ctx->now.hists[k].slots, MS_HIST_SLOTS);
	if (err)
		ms_warn(&ctx->env->common, "reading the counters failed: %s",
			strerror(-err));
	return err;
}

static void snap_sub(struct vs_snap *d, const struct vs_snap *a,
		     const struct vs_snap *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;
	__u64 *z = (__u64 *)d;
	size_t i;

	for (i = 0; i < sizeof(*d) / sizeof(__u64); i++)
		z[i] = x[i] - y[i];
}

static void print_json(const struct vs_ctx *ctx, const char *type,
		       const struct vs_snap *d, const char *clock)
{
	const struct vs_stats *s = &d->stats;
	struct ms_json j;
	char key[40];
	int k;

	ms_json_begin(&j, stdout);
	ms_json_str(&j, "type", type);
	if (clock)
		ms_json_str(&j, "time", clock);
	if (!strcmp(type, "summary"))
		ms_json_uint(&j, "reports", ctx->reports);
	for (k = 0; k < VS_NR_KINDS; k++) {
		const struct vs_reclaim *r = &s->kind[k];

		ms_json_uint(&j, kind_names[k], r->count);
		snprintf(key, sizeof(key), "%s_ns", kind_names[k]);
		ms_json_uint(&j, key, r->total_ns);
		snprintf(key, sizeof(key), "%s_%s", kind_names[k],
			 k == VS_SLAB ? "freed" : "reclaimed");
		ms_json_uint(&j, key, r->reclaimed);
		if (k == VS_SLAB)
			continue;
		snprintf(key, sizeof(key), "%s_lru_pages", kind_names[k]);
		ms_json_uint(&j, key, r->lru_pages);
	}
	ms_json_uint(&j, "kswapd_lru_pages", s->lru_pages_kswapd);
	ms_json_uint(&j, "other_lru_pages", s->lru_pages_other);
	ms_json_uint(&j, "kswapd_wakeups", s->kswapd_wakeups);
	ms_json_uint(&j, "kswapd_runs", s->kswapd_runs);
	ms_json_uint(&j, "writepage_anon", s->writepage_anon);
	ms_json_uint(&j, "writepage_file", s->writepage_file);
	if (ctx->env->hist) {
		for (k = 0; k < VS_NR_KINDS; k++) {
			snprintf(key, sizeof(key), "%s_hist_usec",
				 kind_names[k]);
			ms_hist_json(&j, key, d->hists[k].slots,
				     MS_HIST_SLOTS);
		}
	}
	ms_json_end(&j);
}

static void print_header(const struct vs_ctx *ctx)
{
	printf("%-8s %7s %8s %7s %6s %8s %7s %6s %8s %7s %7s %6s %7s %6s\n",
	       "TIME", "SLAB", "SLAB_ms", "FREED", "DIRECT", "DIR_ms",
	       "DIR_LRU", "MEMCG", "MCG_ms", "MCG_LRU", "KS_WAKE", "KS_RUN",
	       "KS_LRU", "WRITE");
}

static void print_row(const struct vs_ctx *ctx, const struct vs_snap *d,
		      const char *label)
{
	const struct vs_stats *s = &d->stats;
	const struct vs_reclaim *sl = &s->kind[VS_SLAB];
	const struct vs_reclaim *dr = &s->kind[VS_DIRECT];
	const struct vs_reclaim *mc = &s->kind[VS_MEMCG];
	int k;

	printf("%-8s %7llu %8.1f %7llu %6llu %8.1f %7llu ", label, sl->count,
	       sl->total_ns / 1e6, sl->reclaimed, dr->count,
	       dr->total_ns / 1e6, dr->lru_pages);
	printf("%6llu %8.1f %7llu %7llu %6llu %7llu %6llu\n", mc->count,
	       mc->total_ns / 1e6, mc->lru_pages, s->kswapd_wakeups,
	       s->kswapd_runs, s->lru_pages_kswapd,
	       s->writepage_anon + s->writepage_file);
	if (!ctx->env->hist)
		return;
	for (k = 0; k < VS_NR_KINDS; k++) {
		if (!ms_hist_total(d->hists[k].slots, MS_HIST_SLOTS))
			continue;
		printf("\n  %s latency:\n", kind_names[k]);
		ms_hist_print(stdout, d->hists[k].slots, MS_HIST_SLOTS,
			      "usecs");
		putchar('\n');
	}
}

static int report(void *arg, unsigned long iter)
{
	struct vs_ctx *ctx = arg;
	const char *label = "-";
	struct vs_snap d;
	char clock[16];

	if (read_snap(ctx))
		return -1;
	snap_sub(&d, &ctx->now, &ctx->prev);
	ctx->prev = ctx->now;
	ctx->reports++;
	if (ctx->env->common.timestamp)
		label = ms_clock(clock, sizeof(clock));
	if (ctx->env->common.json) {
		print_json(ctx, "interval", &d,
			   ctx->env->common.timestamp ? label : NULL);
		return 0;
	}
	/* Histograms push the header away: repeat it with every row then. */
	if (iter % VS_HEADER_EVERY == 0 || ctx->env->hist)
		print_header(ctx);
	print_row(ctx, &d, label);
	return 0;
}

/* Totals since the start, and what could not be timed. */
static int print_summary(struct vs_ctx *ctx)
{
	const struct ms_env *common = &ctx->env->common;
	const struct vs_stats *s = &ctx->now.stats;
	__u64 not_timed = 0, unpaired = 0;
	int k;

	if (read_snap(ctx))
		return -1;
	ms_percpu_sum(ctx->drops_fd, VS_DROP_INFLIGHT, &not_timed);
	ms_percpu_sum(ctx->drops_fd, VS_UNPAIRED, &unpaired);
	if (not_timed)
		ms_warn(common,
			"%llu reclaims or shrinker calls were not counted: more than %d threads at once",
			not_timed, VS_MAX_INFLIGHT);
	if (common->json) {
		print_json(ctx, "summary", &ctx->now, NULL);
		return 0;
	}
	if (!common->interval) {
		print_header(ctx);
		print_row(ctx, &ctx->now, "total");
	}
	printf("\nvmscan: %lu reports; since start:", ctx->reports);
	for (k = 0; k < VS_NR_KINDS; k++)
		printf(" %s %llu (%.1f ms),", kind_names[k],
		       s->kind[k].count, s->kind[k].total_ns / 1e6);
	printf(" kswapd wakeup requests %llu, runs %llu, pages written %llu",
	       s->kswapd_wakeups, s->kswapd_runs,
	       s->writepage_anon + s->writepage_file);
	if (unpaired)
		printf("; %llu begun before the start, not counted", unpaired);
	printf("\n");
	return 0;
}

static const char *const prog_events[][2] = {
	{ "vs_direct_begin", "vmscan:mm_vmscan_direct_reclaim_begin" },
	{ "vs_direct_end", "vmscan:mm_vmscan_direct_reclaim_end" },
	{ "vs_memcg_begin", "vmscan:mm_vmscan_memcg_reclaim_begin" },
	{ "vs_memcg_end", "vmscan:mm_vmscan_memcg_reclaim_end" },
	{ "vs_softlimit_begin", "vmscan:mm_vmscan_memcg_softlimit_reclaim_begin" },
	{ "vs_softlimit_end", "vmscan:mm_vmscan_memcg_softlimit_reclaim_end" },
	{ "vs_slab_start", "vmscan:mm_shrink_slab_start" },
	{ "vs_slab_end", "vmscan:mm_shrink_slab_end" },
	{ "vs_shrink_inactive", "vmscan:mm_vmscan_lru_shrink_inactive" },
	{ "vs_writepage", "vmscan:mm_vmscan_writepage" },
	{ "vs_wakeup_kswapd", "vmscan:mm_vmscan_wakeup_kswapd" },
	{ "vs_kswapd_wake", "vmscan:mm_vmscan_kswapd_wake" },
};

#define VS_NR_PROGS ARRAY_SIZE(prog_events)

static void attach_all(const struct vs_env *env, struct bpf_object *obj,
		       struct bpf_link **links)
{
	size_t i;

	for (i = 0; i < VS_NR_PROGS; i++)
		links[i] = ms_attach_tracepoint(&env->common, obj,
						prog_events[i][0],
						prog_events[i][1]);
}

int main(int argc, char **argv)
{
	struct bpf_link *links[VS_NR_PROGS];
	struct vs_env env = {};
	struct bpf_object *obj;
	struct vs_ctx *ctx;
	size_t i;
	int ret;

	ms_env_init(&env.common, "vmscan", usage);
	parse_args(&env, argc, argv);
	ms_tool_init(&env.common);

	ctx = ms_zalloc(&env.common, 1, sizeof(*ctx));
	ctx->env = &env;
	ctx->percpu = ms_percpu_buf(&env.common, sizeof(struct vs_stats) >
				    sizeof(struct ms_hist) ?
				    sizeof(struct vs_stats) :
				    sizeof(struct ms_hist), &ctx->ncpus);

	obj = ms_obj_open(&env.common);
	ms_obj_load(&env.common, obj);
	ctx->stats_fd = ms_map_fd(&env.common, obj, "stats");
	ctx->hists_fd = ms_map_fd(&env.common, obj, "hists");
	ctx->drops_fd = ms_map_fd(&env.common, obj, "drops");
	attach_all(&env, obj, links);
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "vmscan: tracing reclaim; Ctrl-C to end\n");

	if (env.common.interval)
		ret = ms_run_intervals(&env.common, report, ctx);
	else
		ret = ms_wait(&env.common);
	for (i = VS_NR_PROGS; i-- > 0;)
		bpf_link__destroy(links[i]);
	if (print_summary(ctx))
		ret = -1;

	bpf_object__close(obj);
	free(ctx->percpu);
	free(ctx);
	if (fflush(stdout) || ferror(stdout))
		return MS_EXIT_RUNTIME;
	return ret ? MS_EXIT_RUNTIME : MS_EXIT_OK;
}
