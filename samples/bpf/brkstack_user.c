// SPDX-License-Identifier: GPL-2.0
/*
 * brkstack: heap growth by brk(), per process and user stack: how far
 * each process moved its break up (and down), from which call paths.
 * The allocator's heap (glibc malloc's main arena) grows this way; large
 * blocks and other threads' arenas come from mmap() and are not here.
 *
 * Attach points (brkstack_kern.c): the raw tracepoints
 * raw_syscalls:sys_enter and raw_syscalls:sys_exit, for brk() only, and
 * sched:sched_process_exec (new mappings).
 * User stacks are named by libmemstat's user symbolizer (libdwfl); a
 * process's mappings are read at its first brk(), so it symbolizes
 * after it exits.  Frames need frame pointers (Documentation/memstat).
 * Requires: CONFIG_BPF_SYSCALL, CONFIG_BPF_EVENTS, CONFIG_FTRACE_SYSCALLS
 * (raw_syscalls), CONFIG_TRACEPOINTS.
 */
#include <errno.h>
#include <getopt.h>
#include <search.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "libmemstat.h"
#include "brkstack_common.h"

static const char usage[] =
"Usage: brkstack [-e] [-n N] [-F N] [-p PID] [-c CGROUP] [-C] [-jTBv] [-d SEC]\n"
"                [interval [count]]\n"
"\n"
"Heap growth by brk(), per process and user stack: the bytes each call\n"
"path moved the program break up (GROWN) and down (SHRUNK), and how many\n"
"brk() calls it made.  Processes that exited are kept, with their stacks\n"
"named.  Each report holds the totals since the start; without an\n"
"interval one report when it ends (Ctrl-C, SIGTERM or -d).\n"
"\n"
"Options:\n"
"  -e, --events       also one line per brk() call, as it returns\n"
"  -n, --top N        the N processes, and N stacks of each, that grew\n"
"                     most (default 20, 0: all)\n"
"  -F, --frames N     user frames shown in text (default 8; JSON: all)\n"
"  -p, --pid PID      only process PID (filtered in the kernel)\n"
"\n"
"Stacks are walked by frame pointers: code built without them (most of\n"
"glibc, and -O2 by default) loses frames; a call through glibc's sbrk()\n"
"shows sbrk's caller's caller.  Sizes: K/M/G of KiB (-B: exact KiB).\n"
"\n"
"Examples:\n"
"  brkstack                # until Ctrl-C\n"
"  brkstack -p 1234 -F 16  # one process, deeper stacks\n"
"  brkstack -e -d 10       # every brk() call for 10 seconds\n"
"  brkstack -j 10 6        # JSON totals every 10 s for a minute\n";

static const struct ms_hook hooks[] = {
	{ "bs_sys_exit", MS_HOOK_TRACEPOINT, "raw_syscalls:sys_exit" },
	{ "bs_sys_enter", MS_HOOK_TRACEPOINT, "raw_syscalls:sys_enter" },
	{ "bs_exec", MS_HOOK_TRACEPOINT, "sched:sched_process_exec" },
};

static const char *const drop_names[BS_NR_DROPS] = {
	"calls without a user stack (stack map full or unreadable)",
	"calls not counted (totals map full)",
	"processes not named (procs map full)",
	"processes whose first brk() was not announced (ring buffer full)",
	"-e lines lost (ring buffer full)",
	"calls not counted (too many at once)",
	"calls not counted (another thread moved the break meanwhile)",
};

/* The kernel counts bytes; reports floor them to KiB. */
#define kib(bytes)	((long long)((bytes) / 1024))

struct bs_row {
	struct bs_key key;
	struct bs_val val;
};

/* One process's rows, rows[first .. first + n - 1]. */
struct bs_group {
	__u32 tgid;
	size_t first, n;
	struct bs_val sum;
};

struct bs_ctx {
	struct ms_env env;
	struct ms_bpf bpf;
	int totals_fd, procs_fd, stacks_fd;
	struct bs_key *keys;
	struct bs_val *vals;
	struct bs_row *rows;
	struct bs_group *groups;
	__u32 *gone;			/* forget_gone(): tgids, sorted */
	size_t nrows, ngroups;
	void *stacks;			/* of ms_ustack_get() */
	void *seen;			/* tsearch tree of tgids tracked */
	unsigned long reports, tracked, untracked;
	unsigned long since_sweep;	/* processes tracked since forget_gone() */
	double swept;			/* ms_now() at forget_gone() */
	struct ms_events ev;		/* -e */
};

static void parse_args(struct bs_ctx *ctx, int argc, char **argv)
{
	struct ms_env *env = &ctx->env;

	ms_env_init(env, "brkstack", usage,
		    MS_OPT_EVENTS | MS_OPT_TOP | MS_OPT_FRAMES | MS_OPT_PID |
		    MS_OPT_CGROUP | MS_OPT_CGROUP_COLUMN);
	ms_getopt(env, argc, argv, "", NULL);
}

/* The frames of @key, named at first sight (its process may be gone). */
static struct ms_ustack *frames_get(struct bs_ctx *ctx, struct bs_key key)
{
	return ms_ustack_get(&ctx->env, &ctx->stacks, ctx->stacks_fd,
			     key.tgid, key.stack, sizeof(key.stack),
			     key.stack != MS_NO_STACK);
}

/* Most growth first, then most shrinkage, then most calls. */
static int cmp_val(const struct bs_val *x, const struct bs_val *y)
{
	if (x->grow != y->grow)
		return x->grow > y->grow ? -1 : 1;
	if (x->shrink != y->shrink)
		return x->shrink > y->shrink ? -1 : 1;
	return x->calls > y->calls ? -1 : x->calls < y->calls;
}

static int cmp_row(const void *a, const void *b)
{
	const struct bs_row *x = a, *y = b;

	if (x->key.tgid != y->key.tgid)
		return x->key.tgid < y->key.tgid ? -1 : 1;
	return cmp_val(&x->val, &y->val);
}

static int cmp_group(const void *a, const void *b)
{
	const struct bs_group *x = a, *y = b;

	return cmp_val(&x->sum, &y->sum) ?:
	       (x->tgid > y->tgid) - (x->tgid < y->tgid);
}

/* totals into rows grouped by process, groups sorted by growth. */
static int read_totals(struct bs_ctx *ctx)
{
	ssize_t n = ms_hash_read(ctx->totals_fd, ctx->keys, sizeof(*ctx->keys),
				 ctx->vals, sizeof(*ctx->vals), BS_MAX_KEYS);
	struct bs_group *g = NULL;
	ssize_t i;

	if (n < 0) {
		ms_warn(&ctx->env, "%s", ms_last_error());
		return -1;
	}
	for (i = 0; i < n; i++) {
		ctx->rows[i].key = ctx->keys[i];
		ctx->rows[i].val = ctx->vals[i];
	}
	qsort(ctx->rows, n, sizeof(*ctx->rows), cmp_row);
	ctx->nrows = n;
	ctx->ngroups = 0;
	for (i = 0; i < n; i++) {
		const struct bs_row *r = &ctx->rows[i];

		if (!g || g->tgid != r->key.tgid) {
			g = &ctx->groups[ctx->ngroups++];
			memset(g, 0, sizeof(*g));
			g->tgid = r->key.tgid;
			g->first = i;
		}
		g->n++;
		g->sum.grow += r->val.grow;
		g->sum.shrink += r->val.shrink;
		g->sum.calls += r->val.calls;
	}
	qsort(ctx->groups, ctx->ngroups, sizeof(*ctx->groups), cmp_group);
	return 0;
}

static void json_val(struct ms_json *j, const struct bs_val *v)
{
	ms_json_uint(j, "grow_kib", kib(v->grow));
	ms_json_uint(j, "shrink_kib", kib(v->shrink));
	ms_json_uint(j, "calls", v->calls);
}

static void print_row(struct bs_ctx *ctx, const struct bs_row *r,
		      const char *comm)
{
	struct ms_ustack *f = frames_get(ctx, r->key);
	const struct ms_env *env = &ctx->env;
	struct ms_json j;
	int i;

	if (env->json) {
		ms_json_record(&j, env, "stack");
		ms_json_uint(&j, "pid", r->key.tgid);
		ms_json_str(&j, "comm", comm);
		json_val(&j, &r->val);
		ms_json_str_array(&j, "stack", (const char *const *)f->frames,
				  f->nframes);
		ms_json_end(&j);
		return;
	}
	printf("%9s %9s %7llu  %s\n", ms_kib(env, kib(r->val.grow)),
	       ms_kib(env, kib(r->val.shrink)), r->val.calls,
	       f->nframes ? f->frames[0] : "[no user stack]");
	for (i = 1; i < f->nframes && i < (int)env->frames; i++)
		printf("%29s%s\n", "", f->frames[i]);
}

static void print_tables(struct bs_ctx *ctx)
{
	const struct ms_env *env = &ctx->env;
	char comm[MS_COMM_LEN + 1];
	size_t g, i;
	struct ms_json j;

	for (g = 0; g < ctx->ngroups && g < env->top; g++) {
		const struct bs_group *p = &ctx->groups[g];

		ms_map_comm(ctx->procs_fd, p->tgid, comm);
		if (env->json) {
			ms_json_record(&j, env, "proc");
			ms_json_uint(&j, "pid", p->tgid);
			ms_json_str(&j, "comm", comm);
			ms_cgroup_column(env, &j, p->tgid);
			json_val(&j, &p->sum);
			ms_json_uint(&j, "stacks", p->n);
			ms_json_end(&j);
		} else {
			printf("%s%-7s %-16s %9s %9s %7s", g ? "\n" : "",
			       "PID", "COMM", "GROWN", "SHRUNK", "CALLS");
			ms_cgroup_head(env);
			printf("\n%-7u %-16s %9s %9s %7llu", p->tgid, comm,
			       ms_kib(env, kib(p->sum.grow)),
			       ms_kib(env, kib(p->sum.shrink)), p->sum.calls);
			ms_cgroup_column(env, NULL, p->tgid);
			putchar('\n');
		}
		for (i = 0; i < p->n && i < env->top; i++)
			print_row(ctx, &ctx->rows[p->first + i], comm);
	}
	if (!env->json && !ctx->ngroups)
		printf("no brk() calls seen\n");
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Processes that exited: their stacks named now, then their symbols
 * (a Dwfl with every module's ELF open) let go, or a system with many
 * short-lived processes grows brkstack by 100 KiB or more per process.
 * The totals are read again once they are found gone: one may have
 * moved its break after the caller's read, and exited since.
 */
static void forget_gone(struct bs_ctx *ctx)
{
	size_t g, i, n = 0;

	ctx->since_sweep = 0;
	ctx->swept = ms_now();
	for (g = 0; g < ctx->ngroups; g++)
		if (ms_usyms_tracked(ctx->groups[g].tgid) &&
		    kill(ctx->groups[g].tgid, 0) && errno == ESRCH)
			ctx->gone[n++] = ctx->groups[g].tgid;
	if (!n || read_totals(ctx))
		return;
	qsort(ctx->gone, n, sizeof(*ctx->gone), cmp_u32);
	for (g = 0; g < ctx->ngroups; g++) {
		const struct bs_group *gr = &ctx->groups[g];

		if (!bsearch(&gr->tgid, ctx->gone, n, sizeof(*ctx->gone),
			     cmp_u32))
			continue;
		for (i = gr->first; i < gr->first + gr->n; i++)
			frames_get(ctx, ctx->rows[i].key);
		ms_usyms_forget(gr->tgid);
	}
}

static int report(void *arg, unsigned long iter)
{
	struct bs_ctx *ctx = arg;

	if (read_totals(ctx))
		return -1;
	ms_report_begin(&ctx->env, iter);
	print_tables(ctx);
	forget_gone(ctx);
	ctx->reports++;
	return 0;
}

/* -e: one brk() call, with its innermost frame. */
static void print_call(struct bs_ctx *ctx, const struct bs_event *e)
{
	struct bs_key key = { .tgid = e->tgid, .stack = e->stack };
	long long delta = e->new_brk - e->old_brk;
	char comm[MS_COMM_LEN + 1];
	struct ms_ustack *f;
	struct ms_json j;

	ms_cstr(comm, e->comm, MS_COMM_LEN);
	f = frames_get(ctx, key);
	ms_event_begin(&ctx->ev, &j, e->ts_ns, e->tgid, e->tid, comm);
	if (ctx->env.json) {
		ms_json_int(&j, "delta_kib", delta / 1024);
		ms_json_str_array(&j, "stack", (const char *const *)f->frames,
				  f->nframes);
		ms_json_end(&j);
		return;
	}
	printf("%-15s %7u %+9lld %s\n", comm, e->tid, delta,
	       f->nframes ? f->frames[0] : "[no user stack]");
}

/*
 * Announced again, it exec()ed: name its stacks with the old maps, then
 * read the new ones; if it has exited by now (records can come late),
 * the maps read last are all there is for its stacks still to name.
 */
static void exec_seen(struct bs_ctx *ctx, __u32 tgid)
{
	ssize_t n, i;

	n = ms_hash_read(ctx->totals_fd, ctx->keys, sizeof(*ctx->keys),
			 ctx->vals, sizeof(*ctx->vals), BS_MAX_KEYS);
	for (i = 0; i < n; i++)
		if (ctx->keys[i].tgid == tgid)
			frames_get(ctx, ctx->keys[i]);
	ms_usyms_retrack(tgid);
}

static int on_record(void *arg, void *data, size_t size)
{
	const struct bs_event *e = data;
	struct bs_ctx *ctx = arg;
	__u32 *tgid, **slot;

	if (size < sizeof(*e))
		return 0;
	if (e->kind == BS_NEW_PROC) {
		tgid = ms_zalloc(&ctx->env, 1, sizeof(*tgid));
		*tgid = e->tgid;
		slot = tsearch(tgid, &ctx->seen, cmp_u32);
		if (!slot)
			ms_fatal(&ctx->env, "out of memory");
		if (*slot != tgid) {
			free(tgid);
			exec_seen(ctx, e->tgid);
		}
		/* Now, while it lives: its stacks are named at the report. */
		if (ms_usyms_track(e->tgid))
			ctx->untracked++;
		else
			ctx->tracked++;
		/*
		 * The dead go within a second, or 64 processes: each holds
		 * 100 KiB or more, and reports may be far apart or none.
		 */
		if ((++ctx->since_sweep >= 64 || ms_now() - ctx->swept >= 1) &&
		    !read_totals(ctx))
			forget_gone(ctx);
	} else if (e->kind == BS_MOVED) {
		ms_usyms_refresh(e->tgid);
	} else if (e->kind == BS_CALL) {
		print_call(ctx, e);
	}
	return 0;
}

static int print_summary(void *arg)
{
	__u64 drops[BS_NR_DROPS], dropped;
	struct bs_ctx *ctx = arg;
	const struct ms_env *env = &ctx->env;
	struct bs_val all = {};
	struct ms_json j;
	size_t i;

	if (read_totals(ctx))
		return -1;
	if (!env->interval && !env->events) {
		ms_report_begin(env, 0);
		print_tables(ctx);
	}
	for (i = 0; i < ctx->ngroups; i++) {
		all.grow += ctx->groups[i].sum.grow;
		all.shrink += ctx->groups[i].sum.shrink;
		all.calls += ctx->groups[i].sum.calls;
	}
	dropped = ms_bpf_drops(&ctx->bpf, drops, BS_NR_DROPS);
	for (i = 0; i < BS_NR_DROPS; i++)
		if (drops[i])
			ms_warn(env, "%llu %s", drops[i], drop_names[i]);
	if (env->json) {
		ms_json_record(&j, env, "summary");
		ms_json_uint(&j, "reports", ctx->reports);
		ms_json_uint(&j, "processes", ctx->ngroups);
		json_val(&j, &all);
		ms_json_uint(&j, "untracked", ctx->untracked);
		if (env->events)
			ms_json_uint(&j, "events", ctx->ev.count);
		ms_json_uint(&j, "dropped", dropped);
		ms_json_uint(&j, "no_stack", drops[BS_DROP_STACK]);
		ms_json_end(&j);
		return 0;
	}
	printf("\nbrkstack: %lu reports; %zu processes, %llu brk() calls, grown %s, shrunk %s\n",
	       ctx->reports, ctx->ngroups, all.calls,
	       ms_kib(env, kib(all.grow)), ms_kib(env, kib(all.shrink)));
	if (ctx->untracked)
		printf("brkstack: %lu processes gone before their maps were read: hex stacks\n",
		       ctx->untracked);
	return 0;
}

int main(int argc, char **argv)
{
	static struct bs_ctx ctx;
	struct ms_loop loop = {
		.ringbuf_fd = -1, .on_interval = report, .on_record = on_record,
		.ctx = &ctx,
	};
	struct bs_cfg cfg = {};
	int ret;

	parse_args(&ctx, argc, argv);
	ms_tool_init(&ctx.env);
	ctx.keys = ms_zalloc(&ctx.env, BS_MAX_KEYS, sizeof(*ctx.keys));
	ctx.vals = ms_zalloc(&ctx.env, BS_MAX_KEYS, sizeof(*ctx.vals));
	ctx.rows = ms_zalloc(&ctx.env, BS_MAX_KEYS, sizeof(*ctx.rows));
	ctx.groups = ms_zalloc(&ctx.env, BS_MAX_KEYS, sizeof(*ctx.groups));
	ctx.gone = ms_zalloc(&ctx.env, BS_MAX_KEYS, sizeof(*ctx.gone));

	ms_filter_init(&ctx.env, &cfg.filter);
	cfg.events = ctx.env.events;
	if (ctx.env.events)
		ms_events_start(&ctx.ev, &ctx.env);
	ms_bpf_start(&ctx.bpf, &ctx.env, hooks, ARRAY_SIZE(hooks), &cfg,
		     sizeof(cfg));
	ctx.totals_fd = ms_bpf_map(&ctx.bpf, "totals");
	ctx.procs_fd = ms_bpf_map(&ctx.bpf, "procs");
	ctx.stacks_fd = ms_bpf_map(&ctx.bpf, "stacks");
	/* Always: a process's first brk() says to read its maps. */
	loop.ringbuf_fd = ms_bpf_map(&ctx.bpf, "events");
	if (ctx.env.events)
		ms_events_header(&ctx.ev, "%-15s %7s %9s %s\n", "COMM", "TID",
				 "BYTES", "CALLER");
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "brkstack: tracing brk()%s; Ctrl-C to end\n",
		ctx.env.pid ? " of one process" : "");

	ret = ms_finish(&ctx.bpf, ms_run(&ctx.env, &loop), print_summary,
			&ctx);
	ms_ustacks_free(&ctx.stacks);
	while (ctx.seen) {
		__u32 *tgid = *(__u32 **)ctx.seen;

		tdelete(tgid, &ctx.seen, cmp_u32);
		free(tgid);
	}
	ms_usyms_free();
	free(ctx.keys);
	free(ctx.vals);
	free(ctx.rows);
	free(ctx.groups);
	free(ctx.gone);
	return ret;
}
