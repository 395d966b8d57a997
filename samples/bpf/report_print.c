// SPDX-License-Identifier: GPL-2.0
/*
 * report: the screen, JSON Lines (-j) and OpenMetrics text (-M) of what
 * report_user.c gathered and report_verdict.c judged.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report_common.h"

/* ---- text ------------------------------------------------------------ */

static void print_zones(const struct rp_ctx *ctx)
{
	const struct ms_env *env = &ctx->env;
	ssize_t z;

	printf("  %4s %-7s %7s %7s %7s %7s %s\n", "NODE", "ZONE", "FREE", "MIN",
	       "LOW", "HIGH", "LARGEST_FREE_ORDER");
	for (z = 0; z < ctx->b.nzones; z++) {
		const struct ms_zone_snap *s = &ctx->b.zones[z];

		if (!s->managed)
			continue;
		printf("  %4d %-7s %7s %7s %7s %7s %d\n", s->nid, s->name,
		       ms_kib(env, ms_pages_kib(s->free)),
		       ms_kib(env, ms_pages_kib(s->min)),
		       ms_kib(env, ms_pages_kib(s->low)),
		       ms_kib(env, ms_pages_kib(s->high)), ms_zone_largest(s));
	}
}

/* What was scanned and reclaimed, and the share reclaimed. */
static void print_scan(const struct rp_ctx *ctx, const char *who,
		       enum rp_vm scan, enum rp_vm steal)
{
	long long scanned = rp_vm_delta(ctx, scan);
	long long stolen = rp_vm_delta(ctx, steal);

	printf("%s scanned %s, reclaimed %s (%.0f%%)", who,
	       ms_kib(&ctx->env, ms_pages_kib(scanned)),
	       ms_kib(&ctx->env, ms_pages_kib(stolen)), rp_pct(stolen, scanned));
}

static void print_paths(struct rp_ctx *ctx)
{
	const struct ms_env *env = &ctx->env;
	size_t i, n = 0;
	int f;

	qsort(ctx->paths, ctx->npaths, sizeof(*ctx->paths), rp_by_held);
	for (i = 0; i < ctx->npaths && n < env->top; i++) {
		const struct rp_path *p = &ctx->paths[i];

		if (p->held <= 0)
			break;
		if (!rp_kernel_path(p))
			continue;
		if (!n++)
			printf("  kernel call paths that took pages and hold them:\n");
		printf("  %7s %-9s", ms_kib(env, ms_pages_kib(p->held)),
		       ms_mem_cat_names[p->s->cat]);
		for (f = 0; f < p->s->nframes && f < (int)env->frames; f++)
			printf("%s%s", f ? " <- " : " ", p->s->frames[f]);
		putchar('\n');
	}
}

static void print_procs(struct rp_ctx *ctx)
{
	const struct ms_env *env = &ctx->env;
	size_t i, n;

	qsort(ctx->procs, ctx->nprocs, sizeof(*ctx->procs), rp_by_size);
	printf("%7s %-15s %6s %6s %6s %6s %7s %8s %6s %s\n", "PID", "COMM",
	       "ANON", "FILE", "SHMEM", "SWAP", "GROWTH", "STALL_ms", "MAJFLT",
	       "CGROUP");
	for (i = 0; i < ctx->nprocs && i < env->top; i++) {
		const struct rp_proc *p = &ctx->procs[i];

		printf("%7d %-15s %6s %6s %6s %6s %7s %8.0f %6llu %s\n", p->pid,
		       p->comm, ms_kib(env, p->anon), ms_kib(env, p->file),
		       ms_kib(env, p->shmem), ms_kib(env, p->swap),
		       ms_kib(env, p->growth),
		       (p->direct_ns + p->memcg_ns + p->compact_ns) / 1e6,
		       p->majflt, p->gone ? "(exited)" : p->cgroup);
	}
	/* Who grew most (not report itself): the table is by size. */
	qsort(ctx->procs, ctx->nprocs, sizeof(*ctx->procs), rp_by_growth);
	for (i = 0, n = 0; i < ctx->nprocs && n < 3; i++) {
		const struct rp_proc *p = &ctx->procs[i];

		if (p->growth <= 0)
			break;
		if (p->pid == getpid())
			continue;
		printf("%s%d %s +%s", n++ ? ", " : "fastest growing: ", p->pid,
		       p->comm, ms_kib(env, p->growth));
	}
	if (n)
		putchar('\n');
}

static void print_cgroups(const struct rp_ctx *ctx)
{
	const struct ms_env *env = &ctx->env;
	size_t i, n = 0;

	for (i = 0; i < (size_t)ctx->b.ncgs; i++) {
		const struct ms_memcg *c = &ctx->b.cgs[i];

		if (c->limit < 0)
			continue;
		if (!n++)
			printf("%-30s %7s %7s %5s %6s %4s\n", "CGROUP", "USAGE",
			       "LIMIT", "USE%", "HITS", "OOM");
		printf("%-30s %7s %7s %5.0f %6lld %4lld\n", c->path,
		       ms_kib(env, c->usage / 1024), ms_kib(env, c->limit / 1024),
		       rp_pct(c->usage, c->limit), rp_hits_delta(ctx, c),
		       c->oom_kills);
	}
}

/* Failures per order, the OOM kills, what the report could not see. */
static void print_events(const struct rp_ctx *ctx)
{
	char blind[12][160];
	size_t i, n;
	int o;

	for (o = 0, n = 0; o < MS_ZONE_ORDERS; o++)
		if (ctx->fail_by_order[o])
			printf("%s order %d: %lld", n++ ? "," : "FAILED  ", o,
			       ctx->fail_by_order[o]);
	if (n)
		printf(" page allocations\n");
	for (i = 0; i < ctx->nkills; i++) {
		const struct ms_oom_kill *k = &ctx->kills[i];

		printf("OOM KILL %d %s (anon %s), for %s: order %d, %s%s%s\n",
		       k->pid, k->comm, ms_kib(&ctx->env, k->anon_kib),
		       k->trigger, k->order, k->constraint,
		       k->memcg[0] ? ", memcg " : "", k->memcg);
	}
	n = rp_unseen(ctx, blind, ARRAY_SIZE(blind));
	for (i = 0; i < n; i++) {
		printf("%s", i ? "         " : "NOT SEEN ");
		ms_print_wrapped(blind[i], 9, 11, 79);
	}
}

void rp_print_text(struct rp_ctx *ctx)
{
	const struct ms_env *env = &ctx->env;
	const struct rp_snap *a = &ctx->a, *b = &ctx->b;
	__u64 stall[3] = {};
	bool any = false;
	size_t i;
	int v;

	for (i = 0; i < ctx->nprocs; i++) {
		stall[0] += ctx->procs[i].direct_ns;
		stall[1] += ctx->procs[i].memcg_ns;
		stall[2] += ctx->procs[i].compact_ns;
	}
	printf("memstat report: a %.1f s window\n", ctx->secs);
	for (v = 0; v < RP_NR_VERDICTS; v++) {
		if (!ctx->verdict[v])
			continue;
		printf("VERDICT %s: ", rp_verdict_names[v]);
		ms_print_wrapped(ctx->evidence[v],
				 10 + strlen(rp_verdict_names[v]), 8, 79);
		if (ctx->names[v][0]) {
			printf("        names: ");
			ms_print_wrapped(ctx->names[v], 15, 15, 79);
		}
		any = true;
	}
	if (!any)
		printf("VERDICT healthy: none of the verdicts holds\n");
	printf("\nHEADROOM available %s of %s (%.1f%%), free %s\n",
	       ms_kib(env, b->meminfo.available), ms_kib(env, b->meminfo.total),
	       rp_pct(b->meminfo.available, b->meminfo.total),
	       ms_kib(env, b->meminfo.free));
	printf("         swap free %s of %s; committed %s, limit %s\n",
	       ms_kib(env, b->mi[RP_SWAP_FREE]),
	       ms_kib(env, b->mi[RP_SWAP_TOTAL]),
	       ms_kib(env, b->mi[RP_COMMITTED]),
	       ms_kib(env, b->mi[RP_COMMIT_LIMIT]));
	print_zones(ctx);
	if (b->psi.on)
		printf("STALL    PSI some %.1f%%, full %.1f%% of the window\n",
		       rp_pct(b->psi.some_us - a->psi.some_us, ctx->secs * 1e6),
		       rp_pct(b->psi.full_us - a->psi.full_us, ctx->secs * 1e6));
	printf("%s task time per second: direct reclaim %.0f ms,\n",
	       b->psi.on ? "        " : "STALL   ", stall[0] / 1e6 / ctx->secs);
	printf("         memcg reclaim %.0f ms, direct compaction %.0f ms\n",
	       stall[1] / 1e6 / ctx->secs, stall[2] / 1e6 / ctx->secs);
	print_scan(ctx, "RECLAIM  kswapd", RP_PGSCAN_KSWAPD, RP_PGSTEAL_KSWAPD);
	printf(", %lld runs\n", rp_vm_delta(ctx, RP_PAGEOUTRUN));
	print_scan(ctx, "         direct", RP_PGSCAN_DIRECT, RP_PGSTEAL_DIRECT);
	printf(", %lld allocstalls\n", rp_allocstalls(ctx));
	printf("THRASH   refaults anon %s, file %s; %lld major faults\n",
	       ms_kib(env, ms_pages_kib(rp_vm_delta(ctx, RP_REFAULT_ANON))),
	       ms_kib(env, ms_pages_kib(rp_vm_delta(ctx, RP_REFAULT_FILE))),
	       rp_vm_delta(ctx, RP_PGMAJFAULT));
	printf("         swapped in %s, out %s\n",
	       ms_kib(env, ms_pages_kib(rp_vm_delta(ctx, RP_PSWPIN))),
	       ms_kib(env, ms_pages_kib(rp_vm_delta(ctx, RP_PSWPOUT))));
	printf("MEMORY   ");
	ms_meminfo_print(env, &b->meminfo, &a->meminfo);
	print_paths(ctx);
	print_procs(ctx);
	print_cgroups(ctx);
	print_events(ctx);
}

/* ---- JSON ------------------------------------------------------------ */

void rp_print_json(struct rp_ctx *ctx)
{
	const struct ms_env *env = &ctx->env;
	const struct rp_snap *a = &ctx->a, *b = &ctx->b;
	char blind[12][160];
	struct ms_json j;
	size_t i, n;
	ssize_t z;
	int v;

	ms_json_record(&j, env, "window");
	ms_json_uint(&j, "window_ns", ctx->secs * 1e9);
	ms_json_int(&j, "page_kib", ms_page_kib());
	for (v = 0, n = 0; v < RP_NR_VERDICTS; v++)
		n += ctx->verdict[v];
	ms_json_str(&j, "healthy", n ? "no" : "yes");
	ms_json_end(&j);
	for (v = 0; v < RP_NR_VERDICTS; v++) {
		if (!ctx->verdict[v])
			continue;
		ms_json_record(&j, env, "verdict");
		ms_json_str(&j, "verdict", rp_verdict_keys[v]);
		ms_json_str(&j, "evidence", ctx->evidence[v]);
		ms_json_str(&j, "names", ctx->names[v]);
		ms_json_end(&j);
	}
	ms_json_record(&j, env, "headroom");
	ms_json_int(&j, "mem_total_kib", b->meminfo.total);
	ms_json_int(&j, "mem_available_kib", b->meminfo.available);
	ms_json_int(&j, "mem_free_kib", b->meminfo.free);
	ms_json_int(&j, "swap_total_kib", b->mi[RP_SWAP_TOTAL]);
	ms_json_int(&j, "swap_free_kib", b->mi[RP_SWAP_FREE]);
	ms_json_int(&j, "committed_kib", b->mi[RP_COMMITTED]);
	ms_json_int(&j, "commit_limit_kib", b->mi[RP_COMMIT_LIMIT]);
	ms_json_end(&j);
	for (z = 0; z < b->nzones; z++) {
		const struct ms_zone_snap *s = &b->zones[z];

		ms_json_record(&j, env, "zone");
		ms_json_int(&j, "node", s->nid);
		ms_json_str(&j, "zone", s->name);
		ms_json_int(&j, "free_kib", ms_pages_kib(s->free));
		ms_json_int(&j, "min_kib", ms_pages_kib(s->min));
		ms_json_int(&j, "low_kib", ms_pages_kib(s->low));
		ms_json_int(&j, "high_kib", ms_pages_kib(s->high));
		ms_json_int(&j, "managed_kib", ms_pages_kib(s->managed));
		ms_json_uint_array(&j, "free_blocks", s->nr_free, s->orders);
		ms_json_end(&j);
	}
	ms_json_record(&j, env, "counters");
	for (v = 0; v < RP_NR_VM; v++)
		ms_json_int(&j, rp_vm_names[v], rp_vm_delta(ctx, v));
	ms_json_int(&j, "allocstall", rp_allocstalls(ctx));
	if (b->psi.on) {
		ms_json_uint(&j, "psi_some_ns", (b->psi.some_us - a->psi.some_us) * 1000);
		ms_json_uint(&j, "psi_full_ns", (b->psi.full_us - a->psi.full_us) * 1000);
	}
	ms_json_end(&j);
	ms_json_record(&j, env, "memory");
	ms_meminfo_json(&j, &b->meminfo, &a->meminfo);
	ms_json_int(&j, "kernel_held_kib", ms_pages_kib(ctx->kernel_held));
	ms_json_end(&j);
	for (i = 0; i < ctx->npaths; i++) {
		const struct rp_path *p = &ctx->paths[i];

		if (!(p->held > 0 && rp_kernel_path(p)) && !p->fail)
			continue;
		ms_json_record(&j, env, "path");
		ms_json_int(&j, "held_kib", ms_pages_kib(p->held));
		ms_json_uint(&j, "fail", p->fail);
		if (p->fail) {
			ms_json_int(&j, "fail_order", p->order);
			ms_json_int(&j, "fail_pid", p->pid);
		}
		ms_json_str(&j, "category", ms_mem_cat_names[p->s->cat]);
		ms_json_str_array(&j, "stack", (const char *const *)p->s->frames,
				  p->s->nframes);
		ms_json_end(&j);
	}
	for (i = 0; i < ctx->nprocs; i++) {
		const struct rp_proc *p = &ctx->procs[i];

		ms_json_record(&j, env, "proc");
		ms_json_int(&j, "pid", p->pid);
		ms_json_str(&j, "comm", p->comm);
		ms_json_str(&j, "cgroup", p->gone ? "-" : p->cgroup);
		ms_json_int(&j, "anon_kib", p->anon);
		ms_json_int(&j, "file_kib", p->file);
		ms_json_int(&j, "shmem_kib", p->shmem);
		ms_json_int(&j, "swap_kib", p->swap);
		ms_json_int(&j, "growth_kib", p->growth);
		ms_json_uint(&j, "majflt", p->majflt);
		ms_json_uint(&j, "direct", p->direct);
		ms_json_uint(&j, "direct_ns", p->direct_ns);
		ms_json_uint(&j, "memcg", p->memcg);
		ms_json_uint(&j, "memcg_ns", p->memcg_ns);
		ms_json_uint(&j, "compact", p->compact);
		ms_json_uint(&j, "compact_ns", p->compact_ns);
		ms_json_end(&j);
	}
	for (z = 0; z < b->ncgs; z++) {
		const struct ms_memcg *c = &b->cgs[z];

		if (c->limit < 0)
			continue;
		ms_json_record(&j, env, "cgroup");
		ms_json_str(&j, "path", c->path);
		ms_json_int(&j, "usage_kib", c->usage / 1024);
		ms_json_int(&j, "limit_kib", c->limit / 1024);
		ms_json_int(&j, "limit_hits", rp_hits_delta(ctx, c));
		ms_json_int(&j, "oom_kills", c->oom_kills);
		ms_json_end(&j);
	}
	for (v = 0; v < MS_ZONE_ORDERS; v++) {
		if (!ctx->fail_by_order[v])
			continue;
		ms_json_record(&j, env, "failures");
		ms_json_int(&j, "order", v);
		ms_json_int(&j, "count", ctx->fail_by_order[v]);
		ms_json_end(&j);
	}
	for (i = 0; i < ctx->nkills; i++) {
		const struct ms_oom_kill *k = &ctx->kills[i];

		ms_json_record(&j, env, "oom_kill");
		ms_json_int(&j, "pid", k->pid);
		ms_json_str(&j, "comm", k->comm);
		ms_json_int(&j, "anon_kib", k->anon_kib);
		ms_json_str(&j, "trigger", k->trigger);
		ms_json_int(&j, "order", k->order);
		ms_json_str(&j, "constraint", k->constraint);
		ms_json_str(&j, "memcg", k->memcg);
		ms_json_end(&j);
	}
	n = rp_unseen(ctx, blind, ARRAY_SIZE(blind));
	for (i = 0; i < n; i++) {
		ms_json_record(&j, env, "unseen");
		ms_json_str(&j, "what", blind[i]);
		ms_json_end(&j);
	}
}

/* ---- OpenMetrics ----------------------------------------------------- */

void rp_print_openmetrics(struct rp_ctx *ctx)
{
	const struct rp_snap *b = &ctx->b;
	__u64 ns[3] = {};
	size_t i;
	ssize_t z;
	int v;

	for (i = 0; i < ctx->nprocs; i++) {
		ns[0] += ctx->procs[i].direct_ns;
		ns[1] += ctx->procs[i].memcg_ns;
		ns[2] += ctx->procs[i].compact_ns;
	}
	ms_om_gauge("verdict", "Whether a verdict of memstat report holds (1) or not (0).");
	for (v = 0; v < RP_NR_VERDICTS; v++)
		printf("memstat_verdict{verdict=\"%s\"} %d\n", rp_verdict_keys[v],
		       ctx->verdict[v]);
	ms_om_gauge("window_seconds", "Length of the window the report watched.");
	printf("memstat_window_seconds %.3f\n", ctx->secs);
	ms_om_gauge("memory_bytes", "Memory at the end of the window, from /proc/meminfo.");
	printf("memstat_memory_bytes{kind=\"total\"} %lld\n", b->meminfo.total * 1024);
	printf("memstat_memory_bytes{kind=\"available\"} %lld\n", b->meminfo.available * 1024);
	printf("memstat_memory_bytes{kind=\"free\"} %lld\n", b->meminfo.free * 1024);
	printf("memstat_memory_bytes{kind=\"swap_free\"} %lld\n", b->mi[RP_SWAP_FREE] * 1024);
	printf("memstat_memory_bytes{kind=\"kernel_held\"} %lld\n",
	       ms_pages_kib(ctx->kernel_held) * 1024);
	ms_om_gauge("zone_bytes", "Free memory and watermarks of each zone.");
	for (z = 0; z < b->nzones; z++) {
		const struct ms_zone_snap *s = &b->zones[z];
		const long long vals[] = { s->free, s->min, s->low, s->high };
		static const char *const kinds[] = { "free", "min", "low", "high" };

		if (!s->managed)
			continue;
		for (v = 0; v < 4; v++)
			printf("memstat_zone_bytes{node=\"%d\",zone=\"%s\",kind=\"%s\"} %lld\n",
			       s->nid, s->name, kinds[v],
			       ms_pages_kib(vals[v]) * 1024);
	}
	ms_om_gauge("stall_ratio", "Task time stalled per second of the window.");
	printf("memstat_stall_ratio{kind=\"direct_reclaim\"} %.6f\n", ns[0] / 1e9 / ctx->secs);
	printf("memstat_stall_ratio{kind=\"memcg_reclaim\"} %.6f\n", ns[1] / 1e9 / ctx->secs);
	printf("memstat_stall_ratio{kind=\"compaction\"} %.6f\n", ns[2] / 1e9 / ctx->secs);
	ms_om_gauge("window_events", "Changes of /proc/vmstat counters over the window.");
	for (v = 0; v < RP_NR_VM; v++)
		printf("memstat_window_events{counter=\"%s\"} %lld\n",
		       rp_vm_names[v], rp_vm_delta(ctx, v));
	ms_om_end();
}
