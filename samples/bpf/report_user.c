// SPDX-License-Identifier: GPL-2.0
/*
 * report: why memory is tight right now.  Over a short window it watches
 * direct and memcg reclaim per process (dreclaim's programs), direct
 * compaction stalls (compact's) and every page allocation by kernel call
 * path (pagealloc's), and reads the kernel's counters at both ends:
 * /proc/vmstat, /proc/meminfo, /proc/zoneinfo and buddyinfo, memory PSI,
 * every process's /proc/PID/status and stat, the memory cgroups, and the
 * OOM killer's lines in /dev/kmsg.  Then one screen: headroom, stall,
 * reclaim, thrashing, where the memory is, fragmentation, OOM kills, and
 * verdicts, each with the figures behind it and the process, cgroup or
 * call path it names.  Documentation/memstat/report.rst has the rules.
 *
 * Requires: CONFIG_BPF_EVENTS, CONFIG_TRACEPOINTS (dreclaim, pagealloc);
 * compaction time needs CONFIG_COMPACTION and CONFIG_DEBUG_INFO_BTF.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "report_common.h"
#include "dreclaim_common.h"
#include "compact_common.h"
#include "pagealloc_common.h"

static const char usage[] =
"Usage: report [-d SEC] [-c CGROUP] [-n N] [-F N] [-M] [-jTBv]\n"
"\n"
"Why memory is tight right now: watches the system for a window (10 s\n"
"unless -d says otherwise; Ctrl-C ends it early), then prints one screen:\n"
"headroom (available memory, zones against their watermarks, swap,\n"
"commit), stall (PSI when the kernel has it on, and memstat's own: time\n"
"tasks spent in direct reclaim, memcg reclaim and compaction), reclaim\n"
"(kswapd and direct scan and steal, who stalled), thrashing (refaults,\n"
"major faults, swap), where the memory is (meminfo by category, the\n"
"kernel call paths that took pages and kept them, the processes and\n"
"cgroups that hold or grew the most, memcgs near their limit), page\n"
"allocation failures against the free blocks per order, OOM kills, and\n"
"the verdicts with their evidence; last, what it could not see.\n"
"\n"
"Options:\n"
"  -c, --cgroup DIR   processes of this cgroup and below only (the\n"
"                     system-wide figures stay system-wide)\n"
"  -n, --top N        rows per table (default 5, 0: all)\n"
"  -F, --frames N     frames of each kernel call path (default 4)\n"
"  -M, --openmetrics  OpenMetrics text (Prometheus, node_exporter's\n"
"                     textfile collector) instead of the screen\n"
"\n"
"Verdicts: healthy, reclaim pressure, thrashing, OOM imminent, memcg\n"
"limit pressure, kernel memory growth, fragmentation; several may hold.\n"
"Exit 0 when the report is printed, whatever it says.\n"
"\n"
"Examples:\n"
"  memstat report                  # ten seconds, then the screen\n"
"  memstat report -d 30 -n 10      # a longer look, more rows\n"
"  memstat report -j | jq .        # records: headroom, zone, verdict...\n"
"  memstat report -M > /var/lib/node_exporter/memstat.prom\n";

const char *const rp_vm_names[RP_NR_VM] = {
	"pgscan_kswapd", "pgscan_direct", "pgsteal_kswapd", "pgsteal_direct",
	"allocstall_dma", "allocstall_dma32", "allocstall_normal",
	"allocstall_movable", "workingset_refault_anon",
	"workingset_refault_file", "pgmajfault", "pswpin", "pswpout",
	"oom_kill", "compact_stall", "pageoutrun",
};

static const char *const mi_names[RP_NR_MI] = {
	"SwapTotal", "SwapFree", "Committed_AS", "CommitLimit",
};

static const struct ms_hook reclaim_hooks[] = {
	{ "dr_direct_begin", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_direct_reclaim_begin" },
	{ "dr_direct_end", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_direct_reclaim_end" },
	{ "dr_memcg_begin", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_memcg_reclaim_begin" },
	{ "dr_memcg_end", MS_HOOK_TRACEPOINT,
	  "vmscan:mm_vmscan_memcg_reclaim_end" },
};

/* Direct compaction stalls and their outcome only: no zone runs. */
static const struct ms_hook compact_hooks[] = {
	{ "cp_direct_begin", MS_HOOK_FENTRY, "try_to_compact_pages" },
	{ "cp_direct_end", MS_HOOK_FEXIT, "try_to_compact_pages" },
	{ "cp_defer_reset", MS_HOOK_FENTRY, "compaction_defer_reset" },
};

/* ---- the window ------------------------------------------------------ */

static void snap_read(struct rp_ctx *ctx, struct rp_snap *s)
{
	const struct ms_env *env = &ctx->env;

	s->t = ms_now();
	ms_psi_read(&s->psi);
	if (ms_counters_read("/proc/vmstat", rp_vm_names, s->vm, RP_NR_VM) ||
	    ms_counters_read("/proc/meminfo", mi_names, s->mi, RP_NR_MI) ||
	    ms_meminfo_read(&s->meminfo))
		ms_fatal(env, "%s", ms_last_error());
	s->nzones = ms_zones_read(s->zones, RP_MAX_ZONES);
	s->nprocs = ms_procs_read(env, &s->procs);
	if (s->nzones < 0 || s->nprocs < 0)
		ms_fatal(env, "%s", ms_last_error());
	s->ncgs = ms_memcgs_read(env, &s->cgs, &ctx->cg_v1);
}

/* A counter's change over the window (0 where the kernel has none). */
/* ---- what the BPF side saw ------------------------------------------ */

static struct rp_proc *proc_find(struct rp_ctx *ctx, pid_t pid)
{
	size_t i;

	for (i = 0; i < ctx->nprocs; i++)
		if (ctx->procs[i].pid == pid)
			return &ctx->procs[i];
	return NULL;
}

static struct rp_proc *proc_get(struct rp_ctx *ctx, pid_t pid,
				const char *comm)
{
	struct rp_proc *p = ms_array_get(&ctx->env, &ctx->procs,
					 &ctx->nprocs, sizeof(*p), &pid,
					 sizeof(pid));

	if (!p->comm[0]) {
		ms_cstr(p->comm, comm, MS_COMM_LEN);
		p->gone = true;
	}
	return p;
}

/* Every process at the end, with what it grew and faulted. */
static void merge_procs(struct rp_ctx *ctx)
{
	const struct ms_proc_snap *e, *s;
	char cg[sizeof(ctx->procs->cgroup)];
	struct rp_proc *p;
	ssize_t i;

	for (i = 0; i < ctx->b.nprocs; i++) {
		e = &ctx->b.procs[i];
		ms_pid_cgroup(e->pid, cg, sizeof(cg));
		if (ctx->env.cgroup && !ms_cgroup_under(cg, ctx->cg_rel))
			continue;
		p = proc_get(ctx, e->pid, e->comm);
		p->gone = false;
		snprintf(p->cgroup, sizeof(p->cgroup), "%s", cg);
		p->anon = e->anon;
		p->file = e->file;
		p->shmem = e->shmem;
		p->swap = e->swap;
		p->growth = e->anon + e->file + e->shmem + e->swap;
		s = ms_procs_find(ctx->a.procs, ctx->a.nprocs, e->pid);
		if (!s)
			continue;	/* new: all of it grew */
		p->growth -= s->anon + s->file + s->shmem + s->swap;
		p->majflt = e->majflt - s->majflt;
	}
}

static void read_reclaim(struct rp_ctx *ctx)
{
	struct dr_proc *rows;
	struct rp_proc *p;
	ssize_t n, i;
	__u32 *keys;

	keys = ms_zalloc(&ctx->env, DR_MAX_PROCS, sizeof(*keys));
	rows = ms_zalloc(&ctx->env, DR_MAX_PROCS, sizeof(*rows));
	n = ms_hash_read(ms_bpf_map(&ctx->reclaim, "procs"), keys,
			 sizeof(*keys), rows, sizeof(*rows), DR_MAX_PROCS);
	for (i = 0; i < n; i++) {
		if (!rows[i].kind[DR_DIRECT].count &&
		    !rows[i].kind[DR_MEMCG].count)
			continue;
		p = proc_get(ctx, rows[i].tgid, rows[i].comm);
		p->direct = rows[i].kind[DR_DIRECT].count;
		p->direct_ns = rows[i].kind[DR_DIRECT].total_ns;
		p->memcg = rows[i].kind[DR_MEMCG].count;
		p->memcg_ns = rows[i].kind[DR_MEMCG].total_ns;
	}
	ctx->drops += ms_bpf_drops(&ctx->reclaim, NULL, 0);
	free(keys);
	free(rows);
}

static void read_compact(struct rp_ctx *ctx)
{
	struct cp_proc *rows;
	struct rp_proc *p;
	ssize_t n, i;
	__u32 *keys;

	if (!ctx->have_compact)
		return;
	keys = ms_zalloc(&ctx->env, CP_MAX_PROCS, sizeof(*keys));
	rows = ms_zalloc(&ctx->env, CP_MAX_PROCS, sizeof(*rows));
	n = ms_hash_read(ms_bpf_map(&ctx->compact, "procs"), keys,
			 sizeof(*keys), rows, sizeof(*rows), CP_MAX_PROCS);
	for (i = 0; i < n; i++) {
		if (!rows[i].stalls)
			continue;
		p = proc_get(ctx, rows[i].tgid, rows[i].comm);
		p->compact = rows[i].stalls;
		p->compact_ns = rows[i].total_ns;
	}
	ctx->drops += ms_bpf_drops(&ctx->compact, NULL, 0);
	free(keys);
	free(rows);
}

/* Pages each call path took and kept, and the allocations that failed. */
static void read_pages(struct rp_ctx *ctx)
{
	struct pa_group *groups;
	struct rp_path *path;
	__u64 c[PA_NR_COUNTS];
	ssize_t n, i;

	ms_ksyms_refresh();	/* a module loaded meanwhile names frames */
	groups = ms_zalloc(&ctx->env, ctx->pa.group_mask + 1, sizeof(*groups));
	n = pa_groups_read(&ctx->pages, &ctx->pa, groups);
	for (i = 0; i < n; i++) {
		const struct pa_group_key *k = &groups[i].key;
		const struct pa_group *g = &groups[i];

		if (ctx->env.cgroup && !proc_find(ctx, k->tgid))
			continue;	/* a process outside -c */
		path = ms_array_get(&ctx->env, &ctx->paths, &ctx->npaths,
				    sizeof(*path), &k->stack, 8);
		path->held += g->alloc_pages - g->untracked_pages -
			      g->free_pages;
		if (g->fail && k->order < MS_ZONE_ORDERS)
			ctx->fail_by_order[k->order] += g->fail;
		if (g->fail > path->top_fail) {
			path->top_fail = g->fail;
			path->order = k->order;
			path->pid = k->tgid;
		}
		path->fail += g->fail;
	}
	for (i = 0; i < (ssize_t)ctx->npaths; i++) {
		path = &ctx->paths[i];
		path->s = ms_stack_get(&ctx->env, &ctx->stacks,
				       ms_bpf_map(&ctx->pages, "stacks"),
				       path->stack, MS_NO_STACK);
		if (path->held > 0 && rp_kernel_path(path))
			ctx->kernel_held += path->held;
	}
	if (n >= 0 && !pa_counts_read(&ctx->pages, groups, n, c))
		ctx->page_drops += c[PA_DROP_GROUP] + c[PA_DROP_STACK];
	free(groups);
}

/* ---- main ------------------------------------------------------------ */

static void parse_args(struct rp_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "openmetrics", no_argument, NULL, 'M' },
		{},
	};
	struct ms_env *env = &ctx->env;
	int opt;

	ms_env_init(env, "report", usage, MS_OPT_CGROUP | MS_OPT_TOP |
		    MS_OPT_FRAMES);
	env->top = 5;
	env->frames = 4;
	while ((opt = ms_getopt(env, argc, argv, "M", longopts)) != -1)
		if (opt == 'M')
			ctx->openmetrics = true;
	if (env->interval)
		ms_usage_error(env, "report takes no interval: -d SEC sets its window");
	if (!env->duration)
		env->duration = 10;
	if (ctx->openmetrics && env->json)
		ms_usage_error(env, "-M and -j: choose one output");
	if (env->cgroup && ms_cgroup_rel(env->cgroup, ctx->cg_rel,
					 sizeof(ctx->cg_rel)))
		ms_usage_error(env, "-c %s: %s", env->cgroup, ms_last_error());
}

/* Open, load, configure with -c, attach. */
static int start(struct ms_bpf *b, const struct rp_ctx *ctx, const char *tool,
		 const struct ms_hook *hooks, size_t n, void *cfg, size_t size)
{
	struct ms_filter *f = cfg;	/* every config starts with it */
	int err;

	ms_filter_init(&ctx->env, f);
	err = ms_bpf_open_obj(b, &ctx->env, tool, hooks, n);
	if (!err && !strcmp(tool, "pagealloc"))
		err = pa_size_maps(b, cfg, PA_MAX_GROUPS);
	if (!err)
		err = ms_bpf_load(b);
	if (!err)
		err = ms_bpf_cfg(b, cfg, size);
	if (!err)
		err = ms_bpf_attach(b);
	return err;
}

static void window(struct rp_ctx *ctx)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	double end;

	snap_read(ctx, &ctx->a);
	ctx->kmsg = ms_kmsg_open();	/* the OOM kills from now on */
	end = ctx->a.t + ctx->env.duration;
	while (!ms_exiting() && ms_now() < end)
		nanosleep(&tick, NULL);
	snap_read(ctx, &ctx->b);
	ctx->secs = ctx->b.t - ctx->a.t;
	ctx->nkills = ms_oom_kills_read(ctx->kmsg, ctx->kills, RP_MAX_KILLS);
}

int main(int argc, char **argv)
{
	static struct rp_ctx ctx;
	struct ms_env *env = &ctx.env;
	struct ms_ksym_req reqs[] = {
		{ "__tracepoint_mm_page_alloc_path", NULL },
	};
	struct dr_cfg dr = {};
	struct cp_cfg cp = {};

	parse_args(&ctx, argc, argv);
	ms_tool_init(env);
	ms_ksyms_init(env, reqs, ARRAY_SIZE(reqs));
	ctx.path_event = reqs[0].addr;
	/* Every kernel page's path: the verdicts name them exactly. */
	ctx.pa = (struct pa_cfg){ .stacks = 1, .kernel_only = 1, .sample = 1 };
	ms_die_on(env, start(&ctx.reclaim, &ctx, "dreclaim", reclaim_hooks,
			     ARRAY_SIZE(reclaim_hooks), &dr, sizeof(dr)));
	ctx.have_compact = !start(&ctx.compact, &ctx, "compact", compact_hooks,
				  ARRAY_SIZE(compact_hooks), &cp, sizeof(cp));
	if (!ctx.have_compact)
		ms_bpf_close(&ctx.compact);
	/* Last: the maps above are made, their pages none of the window's. */
	ms_die_on(env, start(&ctx.pages, &ctx, "pagealloc",
			     pa_hooks[!ctx.path_event], 2, &ctx.pa,
			     sizeof(ctx.pa)));
	fprintf(stderr, "report: watching for %lu s; Ctrl-C to end sooner\n",
		env->duration);

	window(&ctx);
	ms_bpf_detach(&ctx.pages);
	ms_bpf_detach(&ctx.reclaim);
	if (ctx.have_compact)
		ms_bpf_detach(&ctx.compact);
	ctx.comms_fd = ms_bpf_map(&ctx.pages, "comms");
	merge_procs(&ctx);
	read_reclaim(&ctx);
	read_compact(&ctx);
	read_pages(&ctx);
	rp_judge(&ctx);
	if (ctx.openmetrics)
		rp_print_openmetrics(&ctx);
	else if (env->json)
		rp_print_json(&ctx);
	else
		rp_print_text(&ctx);
	return fflush(stdout) || ferror(stdout) ? MS_EXIT_RUNTIME : MS_EXIT_OK;
}
