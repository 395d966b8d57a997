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
#include <getopt.h>
#include <string.h>

#include "libmemstat.h"
#include "vmscan_common.h"

static const char usage[] =
"Usage: vmscan [-H] [-p PID] [-c CGROUP] [-jTBv] [-d SEC] [interval [count]]\n"
"\n"
"Reclaim activity, one row per interval: shrinker calls and their time,\n"
"global direct reclaim and memcg limit reclaim (count, time), LRU memory\n"
"reclaimed, kswapd runs, memory written by reclaim.  Without an interval,\n"
"one row with the totals when it ends (Ctrl-C, SIGTERM or -d).\n"
"\n"
"Options:\n"
"  -H, --histogram    log2 latency histograms (usecs) of each kind\n"
"  -p, --pid PID      only reclaim that process did (direct, memcg, soft\n"
"                     limit, shrinkers; kswapd is no process's; so with -c)\n"
"\n"
"Columns (sizes K/M/G): SLAB do_shrink_slab() calls (one shrinker on one\n"
"node), SLAB_ms their time; DIRECT global direct reclaims (allocstall),\n"
"DIR_ms, DIR_LRU LRU memory they reclaimed; MEMCG memcg limit reclaims\n"
"(memory.events max), MCG_ms; KS_RUN kswapd runs (pageoutrun), KS_LRU LRU\n"
"memory kswapd reclaimed; WRITE memory reclaim wrote (nr_vmscan_write).\n"
"The summary and JSON add objects shrinkers freed, memcg and soft limit\n"
"LRU memory and kswapd wakeup requests.\n"
"\n"
"Examples:\n"
"  vmscan 1            # every second\n"
"  vmscan -H 10 6      # with histograms, every 10 s for a minute\n"
"  vmscan -j -d 60     # JSON totals over one minute\n";

#define VS_RECLAIM_FIELDS	(sizeof(struct vs_reclaim) / sizeof(__u64))
#define VS_HEADER_EVERY		20

static const char *const kind_names[VS_NR_KINDS] = {
	"direct", "memcg", "softlimit", "slab",
};

static const struct ms_hook hooks[] = {
	{ "vs_direct_begin", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_direct_reclaim_begin" },
	{ "vs_direct_end", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_direct_reclaim_end" },
	{ "vs_memcg_begin", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_memcg_reclaim_begin" },
	{ "vs_memcg_end", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_memcg_reclaim_end" },
	{ "vs_softlimit_begin", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_memcg_softlimit_reclaim_begin" },
	{ "vs_softlimit_end", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_memcg_softlimit_reclaim_end" },
	{ "vs_slab_start", MS_HOOK_TRACEPOINT, "vmscan:mm_shrink_slab_start" },
	{ "vs_slab_end", MS_HOOK_TRACEPOINT, "vmscan:mm_shrink_slab_end" },
	{ "vs_shrink_inactive", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_lru_shrink_inactive" },
	{ "vs_writepage", MS_HOOK_TRACEPOINT, "vmscan:mm_vmscan_writepage" },
	{ "vs_wakeup_kswapd", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_wakeup_kswapd" },
	{ "vs_kswapd_wake", MS_HOOK_TRACEPOINT, "vmscan:mm_vmscan_kswapd_wake" },
};

/* Every field a __u64, so that snap_sub() can subtract them all. */
struct vs_snap {
	struct vs_reclaim kind[VS_NR_KINDS];
	__u64 counts[VS_NR_COUNTS];
	struct ms_hist hists[VS_NR_KINDS];
};

struct vs_ctx {
	struct ms_env env;
	struct ms_bpf bpf;
	int stats_fd, counts_fd, hists_fd;
	struct vs_snap now, prev;
	unsigned long reports;
};

static int read_snap(struct vs_ctx *ctx)
{
	struct vs_snap *s = &ctx->now;
	__u32 i;
	int err = 0;

	for (i = 0; !err && i < VS_NR_KINDS; i++)
		err = ms_percpu_read(ctx->stats_fd, i, (__u64 *)&s->kind[i],
				     VS_RECLAIM_FIELDS) ?:
		      ms_percpu_read(ctx->hists_fd, i, s->hists[i].slots,
				     MS_HIST_SLOTS);
	for (i = 0; !err && i < VS_NR_COUNTS; i++)
		err = ms_percpu_read(ctx->counts_fd, i, &s->counts[i], 1);
	if (err)
		ms_warn(&ctx->env, "%s", ms_last_error());
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
		       const struct vs_snap *d)
{
	const __u64 *c = d->counts;
	struct ms_json j;
	int k;

	ms_json_record(&j, &ctx->env, type);
	if (!strcmp(type, "summary"))
		ms_json_uint(&j, "reports", ctx->reports);
	for (k = 0; k < VS_NR_KINDS; k++) {
		const struct vs_reclaim *r = &d->kind[k];

		ms_json_uint(&j, kind_names[k], r->count);
		ms_json_uint2(&j, kind_names[k], "_ns", r->total_ns);
		if (k == VS_SLAB) {
			/* Objects, the shrinkers' own unit. */
			ms_json_uint2(&j, kind_names[k], "_freed",
				      r->reclaimed);
			continue;
		}
		ms_json_uint2(&j, kind_names[k], "_reclaimed_kib",
			      ms_pages_kib(r->reclaimed));
		ms_json_uint2(&j, kind_names[k], "_lru_kib",
			      ms_pages_kib(r->lru_pages));
	}
	ms_json_uint(&j, "kswapd_lru_kib", ms_pages_kib(c[VS_LRU_KSWAPD]));
	ms_json_uint(&j, "other_lru_kib", ms_pages_kib(c[VS_LRU_OTHER]));
	ms_json_uint(&j, "kswapd_wakeups", c[VS_KSWAPD_WAKEUPS]);
	ms_json_uint(&j, "kswapd_runs", c[VS_KSWAPD_RUNS]);
	ms_json_uint(&j, "writepage_anon_kib", ms_pages_kib(c[VS_WRITE_ANON]));
	ms_json_uint(&j, "writepage_file_kib", ms_pages_kib(c[VS_WRITE_FILE]));
	if (ctx->env.hist) {
		for (k = 0; k < VS_NR_KINDS; k++) {
			char key[32];

			snprintf(key, sizeof(key), "%s_hist_us",
				 kind_names[k]);
			ms_hist_json(&j, key, d->hists[k].slots,
				     MS_HIST_SLOTS);
		}
	}
	ms_json_end(&j);
}

static void print_header(void)
{
	printf("%-8s %5s %7s %6s %7s %7s %5s %7s %6s %6s %6s\n",
	       "TIME", "SLAB", "SLAB_ms", "DIRECT", "DIR_ms", "DIR_LRU",
	       "MEMCG", "MCG_ms", "KS_RUN", "KS_LRU", "WRITE");
}

static void print_row(const struct vs_ctx *ctx, const struct vs_snap *d,
		      const char *label)
{
	const struct vs_reclaim *sl = &d->kind[VS_SLAB];
	const struct vs_reclaim *dr = &d->kind[VS_DIRECT];
	const struct vs_reclaim *mc = &d->kind[VS_MEMCG];
	const struct ms_env *env = &ctx->env;
	const __u64 *c = d->counts;
	int k;

	printf("%-8s %5llu %7.1f %6llu %7.1f %7s %5llu %7.1f %6llu %6s %6s\n",
	       label, sl->count, sl->total_ns / 1e6, dr->count,
	       dr->total_ns / 1e6, ms_kib(env, ms_pages_kib(dr->lru_pages)),
	       mc->count, mc->total_ns / 1e6, c[VS_KSWAPD_RUNS],
	       ms_kib(env, ms_pages_kib(c[VS_LRU_KSWAPD])),
	       ms_kib(env, ms_pages_kib(c[VS_WRITE_ANON] +
					c[VS_WRITE_FILE])));
	if (!env->hist)
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
	if (ctx->env.json) {
		print_json(ctx, "interval", &d);
		return 0;
	}
	if (ctx->env.timestamp)
		label = ms_clock(clock, sizeof(clock));
	/* Histograms push the header away: repeat it with every row then. */
	if (iter % VS_HEADER_EVERY == 0 || ctx->env.hist)
		print_header();
	print_row(ctx, &d, label);
	return 0;
}

/* Totals since the start, and what could not be timed. */
static int print_summary(void *arg)
{
	struct vs_ctx *ctx = arg;
	const struct ms_env *env = &ctx->env;
	const struct vs_snap *s = &ctx->now;
	const __u64 *c = s->counts;
	__u64 drops[VS_NR_DROPS];
	int k;

	if (read_snap(ctx))
		return -1;
	ms_bpf_drops(&ctx->bpf, drops, VS_NR_DROPS);
	if (drops[VS_DROP_INFLIGHT])
		ms_warn(env,
			"%llu reclaims or shrinker calls were not counted: more than %d threads at once",
			drops[VS_DROP_INFLIGHT], VS_MAX_INFLIGHT);
	if (env->json) {
		print_json(ctx, "summary", s);
		return 0;
	}
	if (!env->interval) {
		print_header();
		print_row(ctx, s, "total");
	}
	printf("\nvmscan: %lu reports; since start:\n", ctx->reports);
	for (k = 0; k < VS_NR_KINDS; k++) {
		const struct vs_reclaim *r = &s->kind[k];

		printf("  %-9s %8llu in %9.1f ms, ", kind_names[k], r->count,
		       r->total_ns / 1e6);
		if (k == VS_SLAB)
			printf("%llu objects freed\n", r->reclaimed);
		else
			printf("reclaimed %s, LRU %s\n",
			       ms_kib(env, ms_pages_kib(r->reclaimed)),
			       ms_kib(env, ms_pages_kib(r->lru_pages)));
	}
	printf("  kswapd: %llu wakeup requests, %llu runs, LRU %s; other LRU %s\n",
	       c[VS_KSWAPD_WAKEUPS], c[VS_KSWAPD_RUNS],
	       ms_kib(env, ms_pages_kib(c[VS_LRU_KSWAPD])),
	       ms_kib(env, ms_pages_kib(c[VS_LRU_OTHER])));
	printf("  written by reclaim: anon %s, file %s\n",
	       ms_kib(env, ms_pages_kib(c[VS_WRITE_ANON])),
	       ms_kib(env, ms_pages_kib(c[VS_WRITE_FILE])));
	if (drops[VS_UNPAIRED])
		printf("vmscan: %llu begun before the start, not counted\n",
		       drops[VS_UNPAIRED]);
	return 0;
}

int main(int argc, char **argv)
{
	static struct vs_ctx ctx;
	struct ms_loop loop = {
		.ringbuf_fd = -1, .on_interval = report, .ctx = &ctx,
	};
	struct vs_cfg cfg = {};

	ms_env_init(&ctx.env, "vmscan", usage, MS_OPT_HIST | MS_OPT_PID |
		    MS_OPT_CGROUP);
	ms_getopt(&ctx.env, argc, argv, "", NULL);
	ms_tool_init(&ctx.env);
	ms_filter_init(&ctx.env, &cfg.filter);
	ms_bpf_start(&ctx.bpf, &ctx.env, hooks, ARRAY_SIZE(hooks), &cfg,
		     sizeof(cfg));
	ctx.stats_fd = ms_bpf_map(&ctx.bpf, "stats");
	ctx.counts_fd = ms_bpf_map(&ctx.bpf, "counts");
	ctx.hists_fd = ms_bpf_map(&ctx.bpf, "hists");
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "vmscan: tracing reclaim; Ctrl-C to end\n");

	return ms_finish(&ctx.bpf, ms_run(&ctx.env, &loop), print_summary, &ctx);
}
