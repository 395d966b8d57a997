// SPDX-License-Identifier: GPL-2.0
/*
 * oomkill: every OOM kill as it happens: the trigger (whose allocation or
 * charge ran out: gfp, order, kernel stack) apart from the victim (its mm
 * as the kernel's "Killed process" line prints it), the constraint and
 * the memcg of a memcg OOM; system free/available memory and the load
 * average read from /proc when the record arrives.  -S counts kills by
 * constraint and victim name in the kernel.  Attach points (oomkill_kern.c):
 * kprobes on out_of_memory and __oom_kill_process, or oom_kill_process
 * when the latter is inlined, chosen from /proc/kallsyms (clones too).
 * Requires: CONFIG_BPF_SYSCALL, CONFIG_KPROBES, CONFIG_KPROBE_EVENTS,
 * CONFIG_KALLSYMS.
 */
#define _GNU_SOURCE		/* asprintf() */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "libmemstat.h"
#include "oomkill_common.h"

static const char usage[] =
"Usage: oomkill [-S] [-n N] [-F N] [-p PID] [-c CGROUP] [-A HOOK] [-jTBv]\n"
"               [-d SEC] [interval [count]]\n"
"\n"
"Every OOM kill as it happens: the victim (pid, name, uid, oom_score_adj,\n"
"total-vm, anon/file/shmem RSS, swap, page tables, as the kernel's\n"
"\"Killed process\" line), the trigger (the task whose allocation or memcg\n"
"charge ran out: gfp flags, order, kernel stack), the constraint (global,\n"
"cpuset, mempolicy, memcg), the memcg's path, usage and limit, totalpages,\n"
"and free/available memory and loadavg read from /proc on arrival.  Runs\n"
"until Ctrl-C, SIGTERM or -d; then kills by constraint and by victim.\n"
"\n"
"Options:\n"
"  -S, --summary      count kills by constraint and victim name only; the\n"
"                     table per interval and at the end\n"
"  -n, --top N        victim names in the tables (default 20, 0: all)\n"
"  -F, --frames N     trigger stack frames in text (default 8; JSON: all)\n"
"  -p, --pid PID      only kills of process PID (the victim)\n"
"  -c, --cgroup PATH  only victims in cgroup PATH or below (v2, or v1)\n"
"  -A, --attach HOOK  victim hook: kill (__oom_kill_process, default when\n"
"                     not inlined) or process (oom_kill_process)\n"
"\n"
"Examples:\n"
"  oomkill              # every kill, until Ctrl-C\n"
"  oomkill -j -F 0      # JSON Lines, no stacks\n"
"  oomkill -S 60        # kills per minute by constraint and victim\n";

static const char *const attach_names[] = { "kill", "process", NULL };
static const char *const attach_funcs[] = { "__oom_kill_process",
					    "oom_kill_process" };
static const char *const progs[] = { "ok_kill", "ok_process" };
static const char *const constraint_names[OK_NR_CONSTRAINTS + 1] = {
	"global", "cpuset", "mempolicy", "memcg", "unknown",
};

struct ok_ctx {
	struct ms_env env;
	struct ms_bpf bpf;
	struct ms_hook hooks[2];
	char target[2][128];		/* kallsyms names, clones included */
	int hook;			/* enum ok_hook */
	unsigned long kills;		/* records received */
	unsigned long reports;
};

static void parse_args(struct ok_ctx *ctx, int argc, char **argv)
{
	struct ms_env *env = &ctx->env;

	ms_env_init(env, "oomkill", usage, MS_OPT_PID | MS_OPT_CGROUP |
		    MS_OPT_SUMMARY | MS_OPT_TOP | MS_OPT_FRAMES | MS_OPT_ATTACH);
	ms_getopt(env, argc, argv, "", NULL);
	ctx->hook = env->attach ? ms_pick(env, "attach point", env->attach,
					  attach_names) : -1;
}

/* The kallsyms names of the victim-hook candidates (empty: none). */
static void find_funcs(struct ok_ctx *ctx)
{
	int i;

	for (i = 0; i < 2; i++)
		if (ms_ksym_func(attach_funcs[i], ctx->target[i],
				 sizeof(ctx->target[i])))
			ctx->target[i][0] = '\0';
}

/* A memcg path from its components, leaf first. */
static const char *cg_str(const struct ok_cgpath *p, char *buf, size_t len)
{
	size_t off = 0;
	int i = p->depth > OK_CG_DEPTH ? OK_CG_DEPTH : p->depth;

	buf[0] = '\0';
	if (p->depth > OK_CG_DEPTH)
		off += snprintf(buf, len, "/...");
	while (i-- > 0 && off < len)
		off += snprintf(buf + off, len - off, "/%.*s", OK_CG_NAME,
				p->name[i]);
	if (!p->depth)
		snprintf(buf, len, "/");
	return buf;
}

/* The first line of /proc/loadavg: "0.10 0.05 0.01 1/80 1234". */
static void read_loadavg(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");
	float a = 0, b = 0, c = 0;

	if (!f || fscanf(f, "%f %f %f", &a, &b, &c) != 3)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%.2f %.2f %.2f", a, b, c);
	if (f)
		fclose(f);
}

static void print_json(struct ok_ctx *ctx, const struct ok_event *e,
		       const struct ms_meminfo *mi, const char *load,
		       char **frames, int nframes)
{
	char buf[512];
	struct ms_json j;

	ms_json_record(&j, &ctx->env, "kill");
	ms_json_uint(&j, "ts_ns", e->ts_ns);
	ms_json_uint(&j, "pid", e->pid);
	ms_json_uint(&j, "tgid", e->tgid);
	ms_json_str(&j, "comm", e->comm);
	ms_json_uint(&j, "uid", e->uid);
	ms_json_int(&j, "oom_score_adj", e->adj);
	ms_json_int(&j, "points", e->points);
	ms_json_uint(&j, "total_vm_kib", ms_pages_kib(e->total_vm));
	ms_json_uint(&j, "anon_rss_kib", ms_pages_kib(e->anon));
	ms_json_uint(&j, "file_rss_kib", ms_pages_kib(e->file));
	ms_json_uint(&j, "shmem_rss_kib", ms_pages_kib(e->shmem));
	ms_json_uint(&j, "swap_kib", ms_pages_kib(e->swap));
	ms_json_uint(&j, "pgtables_kib", e->pgtables_bytes >> 10);
	if (e->flags & OK_F_TASK_CG)
		ms_json_str(&j, "task_memcg", cg_str(&e->task_cg, buf, sizeof(buf)));
	ms_json_str(&j, "constraint", constraint_names[e->constraint <
		    OK_NR_CONSTRAINTS ? e->constraint : OK_NR_CONSTRAINTS]);
	if (e->flags & OK_F_MEMCG) {
		ms_json_str(&j, "oom_memcg", cg_str(&e->oom_cg, buf, sizeof(buf)));
		ms_json_uint(&j, "memcg_usage_kib", ms_pages_kib(e->memcg_usage));
		ms_json_uint(&j, "memcg_limit_kib", ms_pages_kib(e->memcg_max));
	}
	if (e->flags & OK_F_NODEMASK)
		ms_json_str(&j, "nodemask", ms_fmt_nodes(e->nodemask, buf,
							 sizeof(buf)));
	ms_json_uint(&j, "totalpages", e->totalpages);
	ms_json_uint(&j, "totalpages_kib", ms_pages_kib(e->totalpages));
	ms_json_uint(&j, "trigger_pid", e->trig_pid);
	ms_json_uint(&j, "trigger_tid", e->trig_tid);
	ms_json_str(&j, "trigger_comm", e->trig_comm);
	ms_json_int(&j, "trigger_oom_score_adj", e->trig_adj);
	ms_json_str(&j, "gfp", ms_gfp_decode(e->gfp, buf, sizeof(buf)));
	snprintf(buf, sizeof(buf), "%#x", e->gfp);
	ms_json_str(&j, "gfp_hex", buf);
	ms_json_int(&j, "order", e->order);
	ms_json_uint(&j, "mem_free_kib", mi->free);
	ms_json_uint(&j, "mem_available_kib", mi->available);
	ms_json_str(&j, "loadavg", load);
	ms_json_str(&j, "hook", attach_names[ctx->hook]);
	if (e->flags & OK_F_NO_CONTEXT)
		ms_json_str(&j, "warning", "no out_of_memory() context");
	if (e->stack_bytes < 0)
		ms_json_int(&j, "stack_error", e->stack_bytes);
	ms_json_str_array(&j, "stack", (const char *const *)frames, nframes);
	ms_json_end(&j);
}

static void print_text(struct ok_ctx *ctx, const struct ok_event *e,
		       const struct ms_meminfo *mi, const char *load,
		       char **frames, int nframes)
{
	const struct ms_env *env = &ctx->env;
	char buf[512], clock[16], line[600];
	int i;

	printf("%s OOM kill (%s) pid %u (%s) uid %u adj %d\n",
	       ms_clock(clock, sizeof(clock)), constraint_names[e->constraint <
	       OK_NR_CONSTRAINTS ? e->constraint : OK_NR_CONSTRAINTS],
	       e->pid, e->comm, e->uid, e->adj);
	printf("  victim  total-vm %s anon %s file %s shmem %s\n",
	       ms_kib(env, ms_pages_kib(e->total_vm)),
	       ms_kib(env, ms_pages_kib(e->anon)),
	       ms_kib(env, ms_pages_kib(e->file)),
	       ms_kib(env, ms_pages_kib(e->shmem)));
	printf("          swap %s pgtables %s points %lld\n",
	       ms_kib(env, ms_pages_kib(e->swap)),
	       ms_kib(env, e->pgtables_bytes >> 10), (long long)e->points);
	if (e->flags & OK_F_TASK_CG)
		printf("          memcg %s\n", cg_str(&e->task_cg, buf, sizeof(buf)));
	snprintf(line, sizeof(line), "pid %u tid %u (%s) order %d adj %d %s",
		 e->trig_pid, e->trig_tid, e->trig_comm, e->order, e->trig_adj,
		 ms_gfp_decode(e->gfp, buf, sizeof(buf)));
	ms_print_wrapped(line, printf("  trigger "), 10, 80);
	if (e->flags & OK_F_MEMCG)
		printf("  memcg   %s usage %s limit %s\n",
		       cg_str(&e->oom_cg, buf, sizeof(buf)),
		       ms_kib(env, ms_pages_kib(e->memcg_usage)),
		       ms_kib(env, ms_pages_kib(e->memcg_max)));
	printf("  system  totalpages %llu (%s) free %s avail %s load %s\n",
	       (unsigned long long)e->totalpages,
	       ms_kib(env, ms_pages_kib(e->totalpages)),
	       ms_kib(env, mi->free), ms_kib(env, mi->available), load);
	if (e->flags & OK_F_NO_CONTEXT)
		printf("  (no out_of_memory() seen in this thread: trigger data missing)\n");
	if (e->stack_bytes < 0 && env->frames)
		printf("  stack: not available (%s)\n", strerror(-e->stack_bytes));
	for (i = 0; i < nframes && i < (int)env->frames; i++)
		printf("    %s\n", frames[i]);
	putchar('\n');
}

/*
 * The whole stack, out_of_memory() and its callers included (where
 * ms_stack_symbolize() would start past the page allocator).
 */
static int symbolize(const __u64 *ips, int n, char **out)
{
	unsigned long long off;
	const char *name;
	int i, r;

	for (i = 0; i < n && ips[i]; i++) {
		name = ms_ksym_name(ips[i], &off);
		if (name)
			r = asprintf(&out[i], "%s+0x%llx", name, off);
		else
			r = asprintf(&out[i], "0x%llx",
				     (unsigned long long)ips[i]);
		if (r < 0)
			break;
	}
	return i;
}

/* Ring buffer record: one kill. */
static int on_record(void *arg, void *data, size_t size)
{
	const struct ok_event *e = data;
	struct ms_meminfo mi = {};
	struct ok_ctx *ctx = arg;
	char *frames[MS_STACK_DEPTH], load[64];
	int n = 0;

	if (size < sizeof(*e))
		return 0;
	ms_meminfo_read(&mi);
	read_loadavg(load, sizeof(load));
	if (e->stack_bytes > 0) {
		ms_ksyms_refresh();
		n = symbolize(e->stack, e->stack_bytes / 8, frames);
	}
	if (ctx->env.json)
		print_json(ctx, e, &mi, load, frames, n);
	else
		print_text(ctx, e, &mi, load, frames, n);
	ms_stack_free(frames, n);
	ctx->kills++;
	return 0;
}

struct victim_row {
	char comm[MS_COMM_LEN];
	struct ok_victim v;
};

static int row_cmp(const void *a, const void *b)
{
	const struct victim_row *x = a, *y = b;

	if (x->v.kills != y->v.kills)
		return x->v.kills < y->v.kills ? 1 : -1;
	return strcmp(x->comm, y->comm);
}

/* Kills since the start by constraint and victim name (-n rows). */
static int print_counts(struct ok_ctx *ctx, const char *type)
{
	static char keys[OK_MAX_VICTIMS][MS_COMM_LEN];
	static struct victim_row rows[OK_MAX_VICTIMS];
	static struct ok_victim vals[OK_MAX_VICTIMS];
	int cfd = ms_bpf_map(&ctx->bpf, "by_constraint");
	__u64 by[OK_NR_CONSTRAINTS + 1] = {}, total = 0;
	const struct ms_env *env = &ctx->env;
	char clock[16];
	struct ms_json j;
	ssize_t n, i;
	__u32 c;

	n = ms_hash_read(ms_bpf_map(&ctx->bpf, "victims"), keys, sizeof(keys[0]),
			 vals, sizeof(vals[0]), OK_MAX_VICTIMS);
	if (n < 0) {
		ms_warn(env, "%s", ms_last_error());
		return -1;
	}
	for (c = 0; c <= OK_NR_CONSTRAINTS; c++) {
		bpf_map_lookup_elem(cfd, &c, &by[c]);
		total += by[c];
	}
	for (i = 0; i < n; i++) {
		memcpy(rows[i].comm, keys[i], MS_COMM_LEN);
		rows[i].comm[MS_COMM_LEN - 1] = '\0';
		rows[i].v = vals[i];
	}
	qsort(rows, n, sizeof(rows[0]), row_cmp);
	if (env->top && (size_t)n > env->top)
		n = env->top;
	if (env->json) {
		ms_json_record(&j, env, type);
		ms_json_uint(&j, "kills", total);
		for (c = 0; c <= OK_NR_CONSTRAINTS; c++)
			ms_json_uint(&j, constraint_names[c], by[c]);
		ms_json_arr(&j, "victims");
		for (i = 0; i < n; i++) {
			ms_json_obj(&j, NULL);
			ms_json_str(&j, "comm", rows[i].comm);
			ms_json_uint(&j, "kills", rows[i].v.kills);
			ms_json_uint(&j, "rss_kib", ms_pages_kib(rows[i].v.rss));
			ms_json_pop(&j);
		}
		ms_json_pop(&j);
		ms_json_end(&j);
		return 0;
	}
	if (env->timestamp)
		printf("%s\n", ms_clock(clock, sizeof(clock)));
	printf("OOM kills %llu: global %llu, cpuset %llu, mempolicy %llu, memcg %llu\n",
	       total, by[0], by[1], by[2], by[3]);
	if (n)
		printf("  %-16s %6s %10s\n", "VICTIM", "KILLS", "RSS");
	for (i = 0; i < n; i++)
		printf("  %-16s %6llu %10s\n", rows[i].comm, rows[i].v.kills,
		       ms_kib(env, ms_pages_kib(rows[i].v.rss)));
	return 0;
}

static int report(void *arg, unsigned long iter)
{
	struct ok_ctx *ctx = arg;

	ctx->reports++;
	if (iter && !ctx->env.json)
		putchar('\n');
	return print_counts(ctx, "counts");
}

static int print_final(void *arg)
{
	struct ok_ctx *ctx = arg;
	__u64 each[OK_NR_DROPS], dropped;
	struct ms_json j;

	dropped = ms_bpf_drops(&ctx->bpf, each, OK_NR_DROPS);
	if (dropped)
		ms_warn(&ctx->env,
			"not recorded: %llu kills (ring buffer full), %llu victim names (table full), %llu out_of_memory() contexts, %llu stacks",
			each[OK_DROP_RINGBUF], each[OK_DROP_VICTIMS],
			each[OK_DROP_CONTEXT], each[OK_DROP_STACK]);
	if (!ctx->env.json)
		putchar('\n');
	if (print_counts(ctx, "summary"))
		return -1;
	if (ctx->env.json) {
		ms_json_record(&j, &ctx->env, "drops");
		ms_json_uint(&j, "reports", ctx->reports);
		ms_json_uint(&j, "records", ctx->kills);
		ms_json_uint(&j, "dropped", dropped);
		ms_json_uint(&j, "dropped_ringbuf", each[OK_DROP_RINGBUF]);
		ms_json_uint(&j, "dropped_victims", each[OK_DROP_VICTIMS]);
		ms_json_uint(&j, "dropped_contexts", each[OK_DROP_CONTEXT]);
		ms_json_uint(&j, "dropped_stacks", each[OK_DROP_STACK]);
		ms_json_end(&j);
	} else {
		printf("oomkill: %lu reports; %lu kill records, %llu dropped; hook %s\n",
		       ctx->reports, ctx->kills, dropped,
		       ctx->target[ctx->hook]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct ok_ctx ctx;
	struct ms_ksym_req reqs[] = { { "out_of_memory", "CONFIG_KALLSYMS" } };
	struct ms_loop loop = {
		.on_record = on_record, .on_interval = report, .ctx = &ctx,
	};
	struct ok_cfg cfg = {};
	size_t nhooks = 0;

	parse_args(&ctx, argc, argv);
	ms_tool_init(&ctx.env);
	ms_ksyms_init(&ctx.env, reqs, ARRAY_SIZE(reqs));
	find_funcs(&ctx);
	if (ctx.hook < 0)
		ctx.hook = ctx.target[OK_HOOK_KILL][0] ? OK_HOOK_KILL :
			   OK_HOOK_PROCESS;
	if (!ctx.target[ctx.hook][0])
		ms_fatal(&ctx.env,
			 "%s is not in /proc/kallsyms (inlined?)%s",
			 attach_funcs[ctx.hook], ctx.hook == OK_HOOK_KILL ?
			 ": try -A process" : ": this kernel cannot be traced");
	/* oom_kill_process() has oc as its argument: no context needed. */
	if (ctx.hook == OK_HOOK_KILL)
		ctx.hooks[nhooks++] = (struct ms_hook){ "ok_out_of_memory",
			MS_HOOK_KPROBE, "out_of_memory" };
	ctx.hooks[nhooks++] = (struct ms_hook){ progs[ctx.hook],
		MS_HOOK_KPROBE, ctx.target[ctx.hook] };
	ms_filter_init(&ctx.env, &cfg.filter);
	cfg.summary = ctx.env.summary;
	ms_bpf_start(&ctx.bpf, &ctx.env, ctx.hooks, nhooks, &cfg, sizeof(cfg));
	loop.ringbuf_fd = ms_bpf_map(&ctx.bpf, "events");
	if (!ctx.env.summary)
		setvbuf(stdout, NULL, _IOLBF, 0);
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "oomkill: tracing OOM kills (%s); Ctrl-C to end\n",
		ctx.target[ctx.hook]);

	return ms_finish(&ctx.bpf, ms_run(&ctx.env, &loop), print_final, &ctx);
}
