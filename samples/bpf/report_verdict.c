// SPDX-License-Identifier: GPL-2.0
/*
 * report: the verdicts.  Each rule reads what report_user.c gathered and
 * states its evidence and what it names; Documentation/memstat/report.rst
 * lists the rules.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report_common.h"

const char *const rp_verdict_names[RP_NR_VERDICTS] = {
	"reclaim pressure", "thrashing", "OOM imminent", "memcg limit pressure",
	"kernel memory growth", "fragmentation",
};

const char *const rp_verdict_keys[RP_NR_VERDICTS] = {
	"reclaim_pressure", "thrashing", "oom_imminent",
	"memcg_limit_pressure", "kernel_memory_growth", "fragmentation",
};

/* ---- verdicts -------------------------------------------------------- */

static int by_direct(const void *a, const void *b)
{
	const struct rp_proc *x = a, *y = b;

	return x->direct_ns == y->direct_ns ? 0 :
	       x->direct_ns > y->direct_ns ? -1 : 1;
}

static int by_memcg(const void *a, const void *b)
{
	const struct rp_proc *x = a, *y = b;

	return x->memcg_ns == y->memcg_ns ? 0 :
	       x->memcg_ns > y->memcg_ns ? -1 : 1;
}

static int by_majflt(const void *a, const void *b)
{
	const struct rp_proc *x = a, *y = b;

	return x->majflt == y->majflt ? 0 : x->majflt > y->majflt ? -1 : 1;
}

int rp_by_growth(const void *a, const void *b)
{
	const struct rp_proc *x = a, *y = b;

	return x->growth == y->growth ? 0 : x->growth > y->growth ? -1 : 1;
}

static long long proc_size(const struct rp_proc *p)
{
	return p->anon + p->file + p->shmem + p->swap;
}

int rp_by_size(const void *a, const void *b)
{
	long long x = proc_size(a), y = proc_size(b);

	return x == y ? 0 : x > y ? -1 : 1;
}

int rp_by_held(const void *a, const void *b)
{
	const struct rp_path *x = a, *y = b;

	return x->held == y->held ? 0 : x->held > y->held ? -1 : 1;
}

/* Append to a verdict's text. */
__printf(2, 3)
static void add(char *buf, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + len, 512 - len, fmt, ap);
	va_end(ap);
}

/* Up to three processes with a non-zero @what, as "pid comm (@fmt)". */
static void name_procs(struct rp_ctx *ctx, char *buf,
		       int (*cmp)(const void *, const void *),
		       __u64 (*what)(const struct rp_proc *), const char *unit)
{
	size_t i, named = 0;

	qsort(ctx->procs, ctx->nprocs, sizeof(*ctx->procs), cmp);
	for (i = 0; i < ctx->nprocs && named < 3; i++) {
		const struct rp_proc *p = &ctx->procs[i];

		if (!what(p))
			break;
		add(buf, "%s%d %s (%llu %s)", named++ ? ", " : "", p->pid,
		    p->comm, (unsigned long long)what(p), unit);
	}
}

static __u64 direct_ms(const struct rp_proc *p) { return p->direct_ns / 1000000; }
static __u64 memcg_ms(const struct rp_proc *p) { return p->memcg_ns / 1000000; }
static __u64 majflts(const struct rp_proc *p) { return p->majflt; }
static __u64 grown_kib(const struct rp_proc *p)
{
	return p->growth > 0 ? p->growth : 0;
}

static void judge_reclaim(struct rp_ctx *ctx)
{
	long long stalls = rp_allocstalls(ctx), below = 0;
	__u64 ns = 0;
	size_t i;
	ssize_t z;

	for (i = 0; i < ctx->nprocs; i++)
		ns += ctx->procs[i].direct_ns;
	for (z = 0; z < ctx->b.nzones; z++)
		below += ctx->b.zones[z].managed &&
			 ctx->b.zones[z].free < ctx->b.zones[z].min;
	if (!stalls && !below)
		return;
	ctx->verdict[RP_RECLAIM] = true;
	add(ctx->evidence[RP_RECLAIM],
	    "%lld direct reclaims (allocstall) stalled tasks %.0f ms in %.1f s; direct reclaim scanned %s, reclaimed %s; kswapd scanned %s, reclaimed %s",
	    stalls, ns / 1e6, ctx->secs,
	    ms_kib(&ctx->env, ms_pages_kib(rp_vm_delta(ctx, RP_PGSCAN_DIRECT))),
	    ms_kib(&ctx->env, ms_pages_kib(rp_vm_delta(ctx, RP_PGSTEAL_DIRECT))),
	    ms_kib(&ctx->env, ms_pages_kib(rp_vm_delta(ctx, RP_PGSCAN_KSWAPD))),
	    ms_kib(&ctx->env, ms_pages_kib(rp_vm_delta(ctx, RP_PGSTEAL_KSWAPD))));
	if (below)
		add(ctx->evidence[RP_RECLAIM], "; %lld zones below min", below);
	name_procs(ctx, ctx->names[RP_RECLAIM], by_direct, direct_ms,
		   "ms in direct reclaim");
}

static void judge_thrashing(struct rp_ctx *ctx)
{
	long long anon = rp_vm_delta(ctx, RP_REFAULT_ANON);
	long long file = rp_vm_delta(ctx, RP_REFAULT_FILE);
	long long kib = ms_pages_kib(anon + file);

	if (kib < 1024 * ctx->secs)
		return;
	ctx->verdict[RP_THRASHING] = true;
	add(ctx->evidence[RP_THRASHING],
	    "%s of evicted pages came back in %.1f s (%s/s; anon %s, file %s); %lld major faults; swapped in %s, out %s",
	    ms_kib(&ctx->env, kib), ctx->secs,
	    ms_kib(&ctx->env, kib / ctx->secs),
	    ms_kib(&ctx->env, ms_pages_kib(anon)),
	    ms_kib(&ctx->env, ms_pages_kib(file)),
	    rp_vm_delta(ctx, RP_PGMAJFAULT),
	    ms_kib(&ctx->env, ms_pages_kib(rp_vm_delta(ctx, RP_PSWPIN))),
	    ms_kib(&ctx->env, ms_pages_kib(rp_vm_delta(ctx, RP_PSWPOUT))));
	name_procs(ctx, ctx->names[RP_THRASHING], by_memcg, memcg_ms,
		   "ms in memcg reclaim");
	if (!ctx->names[RP_THRASHING][0])
		name_procs(ctx, ctx->names[RP_THRASHING], by_majflt, majflts,
			   "major faults");
}

/* The limited cgroup at or above @cg (deepest first); NULL if none. */
static const struct ms_memcg *limited(const struct rp_ctx *ctx,
				      const char *cg)
{
	const struct ms_memcg *best = NULL;
	ssize_t i;

	for (i = 0; i < ctx->b.ncgs; i++) {
		const struct ms_memcg *c = &ctx->b.cgs[i];

		if (c->limit >= 0 && ms_cgroup_under(cg, c->path) &&
		    (!best || strlen(c->path) > strlen(best->path)))
			best = c;
	}
	return best;
}

long long rp_hits_delta(const struct rp_ctx *ctx, const struct ms_memcg *c)
{
	ssize_t i;

	for (i = 0; i < ctx->a.ncgs; i++)
		if (!strcmp(ctx->a.cgs[i].path, c->path))
			return c->limit_hits - ctx->a.cgs[i].limit_hits;
	return c->limit_hits > 0 ? c->limit_hits : 0;
}

static void judge_memcg(struct rp_ctx *ctx)
{
	const struct ms_memcg *c = NULL, *m;
	__u64 reclaims[2] = {}, ns[2] = {};
	long long hits;
	ssize_t i;

	/* The cgroup of the process with the most memcg reclaim time. */
	qsort(ctx->procs, ctx->nprocs, sizeof(*ctx->procs), by_memcg);
	if (ctx->nprocs && ctx->procs[0].memcg)
		c = limited(ctx, ctx->procs[0].cgroup);
	for (i = 0; !c && i < ctx->b.ncgs; i++) {
		m = &ctx->b.cgs[i];
		if (m->limit >= 0 && rp_hits_delta(ctx, m) > 0)
			c = m;
	}
	if (!c)
		return;
	/* A process that exited has no cgroup left: count it apart. */
	for (i = 0; i < (ssize_t)ctx->nprocs; i++) {
		const struct rp_proc *p = &ctx->procs[i];

		if (!p->gone && !ms_cgroup_under(p->cgroup, c->path))
			continue;
		reclaims[p->gone] += p->memcg;
		ns[p->gone] += p->memcg_ns;
	}
	hits = rp_hits_delta(ctx, c);
	ctx->verdict[RP_MEMCG] = true;
	add(ctx->evidence[RP_MEMCG],
	    "cgroup %s uses %s of its %s limit (%.0f%%), hit it %lld times; its processes reclaimed %llu times for %.0f ms, processes that exited %llu times for %.0f ms",
	    c->path, ms_kib(&ctx->env, c->usage / 1024),
	    ms_kib(&ctx->env, c->limit / 1024), rp_pct(c->usage, c->limit),
	    hits, (unsigned long long)reclaims[0], ns[0] / 1e6,
	    (unsigned long long)reclaims[1], ns[1] / 1e6);
	add(ctx->names[RP_MEMCG], "cgroup %s", c->path);
	if (ctx->nprocs && ctx->procs[0].memcg)
		add(ctx->names[RP_MEMCG], "; %d %s (%llu ms in memcg reclaim)",
		    ctx->procs[0].pid, ctx->procs[0].comm,
		    (unsigned long long)memcg_ms(&ctx->procs[0]));
}

static long long high_wmarks_kib(const struct rp_ctx *ctx)
{
	long long pages = 0;
	ssize_t z;

	for (z = 0; z < ctx->b.nzones; z++)
		pages += ctx->b.zones[z].high;
	return ms_pages_kib(pages);
}

static void judge_oom(struct rp_ctx *ctx)
{
	const struct ms_meminfo *mi = &ctx->b.meminfo;
	long long swap = ctx->b.mi[RP_SWAP_TOTAL];
	long long swap_free = ctx->b.mi[RP_SWAP_FREE];
	long long floor = high_wmarks_kib(ctx);
	long long kills = rp_vm_delta(ctx, RP_OOM_KILL);

	if (floor < mi->total / 50)
		floor = mi->total / 50;
	if (!kills && !(mi->available <= floor &&
			(swap <= 0 || swap_free * 10 <= swap)))
		return;
	ctx->verdict[RP_OOM] = true;
	add(ctx->evidence[RP_OOM],
	    "available %s of %s (%.1f%%, floor %s); swap free %s of %s; committed %s of %s; %lld OOM kills in the window",
	    ms_kib(&ctx->env, mi->available), ms_kib(&ctx->env, mi->total),
	    rp_pct(mi->available, mi->total), ms_kib(&ctx->env, floor),
	    ms_kib(&ctx->env, swap_free), ms_kib(&ctx->env, swap),
	    ms_kib(&ctx->env, ctx->b.mi[RP_COMMITTED]),
	    ms_kib(&ctx->env, ctx->b.mi[RP_COMMIT_LIMIT]), kills);
	name_procs(ctx, ctx->names[RP_OOM], rp_by_growth, grown_kib,
		   "KiB grown");
}

static void judge_kernel(struct rp_ctx *ctx)
{
	const char *fn;
	long long kib = ms_pages_kib(ctx->kernel_held);
	long long floor = ctx->b.meminfo.total / 200;
	size_t i, named = 0;

	if (floor < 4096)
		floor = 4096;
	if (kib < floor)
		return;
	ctx->verdict[RP_KGROWTH] = true;
	add(ctx->evidence[RP_KGROWTH],
	    "kernel call paths took %s of pages outside the LRU in %.1f s and kept them (%s/s); meminfo leaves %s unexplained (%s at the start)",
	    ms_kib(&ctx->env, kib), ctx->secs,
	    ms_kib(&ctx->env, kib / ctx->secs),
	    ms_kib(&ctx->env, ms_meminfo_unexplained(&ctx->b.meminfo)),
	    ms_kib(&ctx->env, ms_meminfo_unexplained(&ctx->a.meminfo)));
	qsort(ctx->paths, ctx->npaths, sizeof(*ctx->paths), rp_by_held);
	for (i = 0; i < ctx->npaths && named < 3; i++) {
		const struct rp_path *p = &ctx->paths[i];

		if (p->held <= 0)
			break;
		fn = p->s->nframes ? p->s->frames[0] : "?";
		/* One name per function: its largest path. */
		if (!rp_kernel_path(p) || strstr(ctx->names[RP_KGROWTH], fn))
			continue;
		add(ctx->names[RP_KGROWTH], "%s%s (%s, %s)", named++ ? ", " : "",
		    fn,
		    ms_kib(&ctx->env, ms_pages_kib(p->held)),
		    ms_mem_cat_names[p->s->cat]);
	}
}

static void judge_fragmentation(struct rp_ctx *ctx)
{
	long long fails = 0, free_kib = ctx->b.meminfo.free;
	const struct rp_path *top = NULL;
	int order, orders = 0, first = -1;
	char comm[MS_COMM_LEN + 1];
	size_t i;
	ssize_t z;

	/* The lower of the two ends: not merely short of memory. */
	if (ctx->a.meminfo.free < free_kib)
		free_kib = ctx->a.meminfo.free;

	for (z = 0; z < ctx->b.nzones; z++)
		if (ctx->b.zones[z].orders > orders)
			orders = ctx->b.zones[z].orders;
	/* Orders beyond the buddy allocator's fail always: not this. */
	for (order = 1; order < orders; order++) {
		fails += ctx->fail_by_order[order];
		if (ctx->fail_by_order[order] && first < 0)
			first = order;
	}
	if (!fails || free_kib < 2 * high_wmarks_kib(ctx))
		return;
	ctx->verdict[RP_FRAG] = true;
	add(ctx->evidence[RP_FRAG],
	    "%lld allocations of order %d or more failed with %s free (the high watermarks %s); largest free block at the start/end:",
	    fails, first, ms_kib(&ctx->env, free_kib),
	    ms_kib(&ctx->env, high_wmarks_kib(ctx)));
	for (z = 0; z < ctx->b.nzones && z < ctx->a.nzones; z++)
		if (ctx->b.zones[z].managed)
			add(ctx->evidence[RP_FRAG], " %s %d/%d",
			    ctx->b.zones[z].name,
			    ms_zone_largest(&ctx->a.zones[z]),
			    ms_zone_largest(&ctx->b.zones[z]));
	for (i = 0; i < ctx->npaths; i++)
		if (ctx->paths[i].order >= 1 && ctx->paths[i].order < orders &&
		    (!top || ctx->paths[i].top_fail > top->top_fail))
			top = &ctx->paths[i];
	if (!top)
		return;
	/* Its first two frames: the first is often a wrapper. */
	add(ctx->names[RP_FRAG], "%s%s%s, order %d, %d %s",
	    top->s->nframes ? top->s->frames[0] : "?",
	    top->s->nframes > 1 ? " <- " : "",
	    top->s->nframes > 1 ? top->s->frames[1] : "", top->order,
	    top->pid, ms_map_comm(ctx->comms_fd, top->pid,
				  comm));
}

void rp_judge(struct rp_ctx *ctx)
{
	judge_reclaim(ctx);
	judge_thrashing(ctx);
	judge_oom(ctx);
	judge_memcg(ctx);
	judge_kernel(ctx);
	judge_fragmentation(ctx);
}

/* ---- what it could not see ------------------------------------------- */

size_t rp_unseen(const struct rp_ctx *ctx, char out[][160], size_t max)
{
	size_t n = 0;

#define UNSEEN(...) do { if (n < max) snprintf(out[n++], 160, __VA_ARGS__); } while (0)
	if (!ctx->b.psi.on)
		UNSEEN("PSI is off (boot with psi=1); stall times are memstat's own");
	if (!ctx->b.ncgs)
		UNSEEN("no memory cgroup hierarchy is mounted: no cgroup figures");
	else
		UNSEEN("memory cgroups: %s", ctx->cg_v1 ?
		       "cgroup v1 (limit hits: memory.failcnt)" :
		       "cgroup v2 (limit hits: memory.events max)");
	if (!ctx->path_event)
		UNSEEN("no kmem:mm_page_alloc_path: call paths from mm_page_alloc");
	if (!ctx->have_compact)
		UNSEEN("compaction not timed (needs CONFIG_COMPACTION, kernel BTF)");
	if (ctx->kmsg < 0)
		UNSEEN("/dev/kmsg not readable: OOM kills only counted, no victims");
	if (ctx->drops)
		UNSEEN("%llu reclaims or compactions not timed (BPF maps full)",
		       (unsigned long long)ctx->drops);
	if (ctx->page_drops)
		UNSEEN("%llu page allocations not tracked (maps full): held is a floor",
		       (unsigned long long)ctx->page_drops);
	if (ctx->env.cgroup)
		UNSEEN("-c %.60s: its processes and paths; the rest system wide",
		       ctx->cg_rel);
	UNSEEN("page size %ld KiB; pages allocated before the window: not seen",
	       ms_page_kib());
#undef UNSEEN
	return n;
}
