// SPDX-License-Identifier: GPL-2.0
/*
 * swapin: which processes wait for swap, how often, for how long and how
 * many pages they read back.  Faults and pages are counted apart: a
 * swap fault (do_swap_page()) reads its page and, with readahead, its
 * neighbours, or finds the page in the swap cache (minor); pages read
 * equal pswpin of /proc/vmstat plus frontswap (zswap) hits.
 *
 * Attach points (swapin_kern.c): do_swap_page() entry and return,
 * swap_readpage() return, __frontswap_load() return when the kernel has
 * frontswap; fentry/fexit with kernel BTF, else kprobe/kretprobe on the
 * names /proc/kallsyms has (.constprop/.isra/.part clones accepted).
 * Requires: CONFIG_SWAP, CONFIG_BPF_SYSCALL, CONFIG_KPROBES and
 * CONFIG_KPROBE_EVENTS or CONFIG_DEBUG_INFO_BTF.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "libmemstat.h"
#include "swapin_common.h"

static const char usage[] =
"Usage: swapin [-e] [-H] [-n N] [-p PID] [-c CGROUP] [-C] [-A HOOK] [-jTBv]\n"
"              [-d SEC] [interval [count]]\n"
"\n"
"Swap-ins per process: swap faults (major: read from swap; minor: found\n"
"in the swap cache), the time they took, and the pages each process read\n"
"from swap (in faults, with readahead, and outside: shmem, madvise,\n"
"swapoff).  With an interval, one table per interval; without, the\n"
"totals when it ends (Ctrl-C, SIGTERM or -d).\n"
"\n"
"Options:\n"
"  -e, --events       one line per swap fault instead of tables\n"
"  -H, --histogram    major fault latency histograms (log2, usecs);\n"
"                     with -e, in the tables at the end\n"
"  -n, --top N        the N processes with the most fault time\n"
"                     (default 20, 0: all)\n"
"  -p, --pid PID      only process PID (filtered in the kernel)\n"
"  -A, --attach HOOK  fentry (fentry/fexit: kernel BTF and BPF trampolines,\n"
"                     the default where there) or kprobe (kprobe/kretprobe)\n"
"\n"
"Columns: FAULTS swap faults, MAJOR those that read swap, TIME_ms time\n"
"in all faults, AVG_us MAX_us per major fault, SWAPIN memory read from\n"
"swap (pswpin and frontswap), INFAULT the part read inside swap faults\n"
"(the faulting pages and their readahead).  -e: TIME(s) since start,\n"
"LAT_us, PAGES read by that fault, MAJ (1: major), RETRY.\n"
"\n"
"Examples:\n"
"  swapin                  # per process, until Ctrl-C\n"
"  swapin -H -n 5 10 6     # top 5 with histograms, every 10 s for a minute\n"
"  swapin -e -p 1234       # every swap fault of process 1234\n"
"  swapin -j -d 60         # JSON totals over one minute\n";

#define SW_COUNT_FIELDS	(sizeof(struct sw_counts) / sizeof(__u64))

enum { SW_FENTRY, SW_KPROBE };
static const char *const attach_names[] = { "fentry", "kprobe", NULL };

/* Programs per variant; [3] is frontswap's, used when kallsyms has it. */
static const char *const fn[] = {
	"do_swap_page", "do_swap_page", "swap_readpage", "__frontswap_load",
};

static const char *const progs[2][4] = {
	{ "sw_fault_entry", "sw_fault_exit", "sw_read_exit",
	  "sw_frontswap_exit" },
	{ "sw_fault_entry_kp", "sw_fault_exit_kp", "sw_read_exit_kp",
	  "sw_frontswap_exit_kp" },
};

struct sw_ctx {
	struct ms_env env;
	struct ms_bpf bpf;
	struct ms_hook hooks[4];
	size_t nhooks;
	char targets[4][128];		/* kallsyms names of fn[] */
	struct ms_rows procs;		/* struct sw_proc */
	unsigned long reports;
	struct ms_events ev;		/* -e */
};

static void parse_args(struct sw_ctx *ctx, int argc, char **argv)
{
	struct ms_env *env = &ctx->env;

	ms_env_init(env, "swapin", usage, MS_OPT_EVENTS | MS_OPT_HIST |
		    MS_OPT_TOP | MS_OPT_PID | MS_OPT_CGROUP |
		    MS_OPT_CGROUP_COLUMN | MS_OPT_ATTACH);
	ms_getopt(env, argc, argv, "", NULL);
	/* A typo is a usage error, found before root or the kernel are. */
	if (env->attach)
		ms_pick(env, "attach point", env->attach, attach_names);
}

/* The hook table of the -A variant, on the functions kallsyms has. */
static void pick_hooks(struct sw_ctx *ctx)
{
	const struct ms_env *env = &ctx->env;
	int v, i;

	v = env->attach ? ms_pick(env, "attach point", env->attach,
				  attach_names) :
	    SW_FENTRY;
	for (i = 0; i < 4; i++) {
		if (!ms_ksym_func(fn[i], ctx->targets[i],
				  sizeof(ctx->targets[i])))
			continue;
		if (i == 3)
			break;	/* no frontswap: no hits to count */
		ms_fatal(env,
			 "%s is not in /proc/kallsyms: the kernel needs CONFIG_SWAP",
			 fn[i]);
	}
	for (ctx->nhooks = 0; ctx->nhooks < (size_t)i; ctx->nhooks++) {
		struct ms_hook *h = &ctx->hooks[ctx->nhooks];

		h->prog = progs[v][ctx->nhooks];
		if (v == SW_FENTRY) {
			/* BTF names the function, not its clone. */
			h->type = ctx->nhooks ? MS_HOOK_FEXIT : MS_HOOK_FENTRY;
			h->target = fn[ctx->nhooks];
		} else {
			h->type = ctx->nhooks ? MS_HOOK_KRETPROBE :
						 MS_HOOK_KPROBE;
			h->target = ctx->targets[ctx->nhooks];
		}
	}
}

static int cmp_tgid(const void *a, const void *b)
{
	const struct sw_proc *x = a, *y = b;

	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

/* procs[] into ctx->procs, sorted by tgid. */
static int read_all(struct sw_ctx *ctx)
{
	if (ms_rows_read(&ctx->procs)) {
		ms_warn(&ctx->env, "%s", ms_last_error());
		return -1;
	}
	return 0;
}

/* The maximum is since the start: no difference. */
static void keep_max(void *delta, const void *now)
{
	const struct sw_proc *a = now;
	struct sw_proc *d = delta;

	d->max_ns = a->max_ns;
}

static bool proc_active(const void *row)
{
	const struct sw_counts *c = &((const struct sw_proc *)row)->c;

	return c->faults || c->pages || c->frontswap;
}

/* Most fault time first, then most pages. */
static int cmp_busy(const void *a, const void *b)
{
	const struct sw_proc *x = a, *y = b;

	if (x->c.fault_ns != y->c.fault_ns)
		return x->c.fault_ns > y->c.fault_ns ? -1 : 1;
	if (x->c.pages != y->c.pages)
		return x->c.pages > y->c.pages ? -1 : 1;
	return 0;
}

/* The counts as JSON keys: pages also in KiB. */
static void json_counts(struct ms_json *j, const struct sw_counts *c)
{
	ms_json_uint(j, "faults", c->faults);
	ms_json_uint(j, "major", c->major);
	ms_json_uint(j, "minor", c->faults - c->major);
	ms_json_uint(j, "retry", c->retry);
	ms_json_uint(j, "fault_ns", c->fault_ns);
	ms_json_uint(j, "major_ns", c->major_ns);
	ms_json_uint(j, "pages", c->pages);
	ms_json_uint(j, "fault_pages", c->fault_pages);
	ms_json_uint(j, "frontswap_pages", c->frontswap);
	ms_json_uint(j, "pswpin", c->pages - c->frontswap);
	ms_json_uint(j, "swapin_kib", ms_pages_kib(c->pages));
	ms_json_uint(j, "fault_swapin_kib", ms_pages_kib(c->fault_pages));
}

static void print_proc(const struct sw_ctx *ctx, const struct sw_proc *p)
{
	const struct ms_env *env = &ctx->env;
	const struct sw_counts *c = &p->c;
	char comm[MS_COMM_LEN + 1];
	struct ms_json j;

	ms_cstr(comm, p->comm, MS_COMM_LEN);
	if (env->json) {
		ms_json_record(&j, env, "proc");
		ms_json_uint(&j, "pid", p->tgid);
		ms_json_str(&j, "comm", comm);
		ms_cgroup_column(env, &j, p->tgid);
		json_counts(&j, c);
		ms_json_uint(&j, "major_max_ns", p->max_ns);
		if (env->hist)
			ms_hist_json(&j, "major_hist_us", p->hist.slots,
				     MS_HIST_SLOTS);
		ms_json_end(&j);
		return;
	}
	printf("%7u %-15s %7llu %7llu %8.1f %6llu %6llu %8s %8s", p->tgid,
	       comm, c->faults, c->major, c->fault_ns / 1e6,
	       c->major ? c->major_ns / c->major / 1000 : 0, p->max_ns / 1000,
	       ms_kib(env, ms_pages_kib(c->pages)),
	       ms_kib(env, ms_pages_kib(c->fault_pages)));
	ms_cgroup_column(env, NULL, p->tgid);
	putchar('\n');
	if (!env->hist || !c->major)
		return;
	printf("\n  major swap fault latency, pid %u (%s):\n", p->tgid, comm);
	ms_hist_print(stdout, p->hist.slots, MS_HIST_SLOTS, "usecs");
	putchar('\n');
}

/* Print what changed since the last report (everything at the end). */
static void print_tables(struct sw_ctx *ctx, bool since_start)
{
	struct sw_proc *d = ctx->procs.delta;
	size_t i, n;

	n = ms_rows_delta(&ctx->procs, since_start, proc_active);
	qsort(d, n, sizeof(*d), cmp_busy);
	if (!ctx->env.json) {
		printf("%7s %-15s %7s %7s %8s %6s %6s %8s %8s", "PID", "COMM",
		       "FAULTS", "MAJOR", "TIME_ms", "AVG_us", "MAX_us",
		       "SWAPIN", "INFAULT");
		ms_cgroup_head(&ctx->env);
		putchar('\n');
	}
	for (i = 0; i < n && i < ctx->env.top; i++)
		print_proc(ctx, &d[i]);
}

static int report(void *arg, unsigned long iter)
{
	struct sw_ctx *ctx = arg;

	if (read_all(ctx))
		return -1;
	ms_report_begin(&ctx->env, iter);
	print_tables(ctx, false);
	ms_rows_next(&ctx->procs);
	ctx->reports++;
	return 0;
}

/* -e: one swap fault, printed as it comes. */
static int on_event(void *arg, void *data, size_t size)
{
	const struct sw_event *e = data;
	struct sw_ctx *ctx = arg;
	const struct ms_env *env = &ctx->env;
	bool major = e->ret & SW_VM_FAULT_MAJOR;
	bool retry = e->ret & SW_VM_FAULT_RETRY;
	char comm[MS_COMM_LEN + 1];
	struct ms_json j;

	if (size < sizeof(*e))
		return 0;
	ms_cstr(comm, e->comm, MS_COMM_LEN);
	ms_event_begin(&ctx->ev, &j, e->end_ns, e->pid, e->tid, comm);
	if (env->json) {
		ms_json_uint(&j, "latency_ns", e->latency_ns);
		ms_json_uint(&j, "pages", e->pages);
		ms_json_uint(&j, "major", major);
		ms_json_uint(&j, "retry", retry);
		ms_json_end(&j);
		return 0;
	}
	printf("%-15s %7u %7u %9.1f %5llu %3d %5d\n", comm, e->pid, e->tid,
	       e->latency_ns / 1e3, e->pages, major, retry);
	return 0;
}

/* Totals since the start, and what could not be counted. */
static int print_summary(void *arg)
{
	struct sw_ctx *ctx = arg;
	const struct ms_env *env = &ctx->env;
	__u64 drops[SW_NR_DROPS], dropped;
	struct sw_counts t;
	struct ms_json j;

	if (read_all(ctx))
		return -1;
	if (ms_percpu_read(ms_bpf_map(&ctx->bpf, "totals"), 0, (__u64 *)&t,
			   SW_COUNT_FIELDS)) {
		ms_warn(env, "%s", ms_last_error());
		return -1;
	}
	dropped = ms_bpf_drops(&ctx->bpf, drops, SW_NR_DROPS) -
		  drops[SW_UNPAIRED];
	if (!env->interval && (!env->events || env->hist)) {
		/* After -e lines, a blank line first. */
		ms_report_begin(env, env->events);
		print_tables(ctx, true);
	}
	if (dropped)
		ms_warn(env,
			"not counted: %llu faults not timed (too many at once), %llu processes (table full), %llu -e events (ring buffer full)",
			drops[SW_DROP_INFLIGHT], drops[SW_DROP_PROC],
			drops[SW_DROP_EVENT]);
	if (env->json) {
		ms_json_record(&j, env, "summary");
		ms_json_uint(&j, "reports", ctx->reports);
		json_counts(&j, &t);
		if (env->events)
			ms_json_uint(&j, "events", ctx->ev.count);
		ms_json_uint(&j, "dropped", dropped);
		ms_json_uint(&j, "unpaired", drops[SW_UNPAIRED]);
		ms_json_end(&j);
		return 0;
	}
	printf("\nswapin: %lu reports", ctx->reports);
	if (env->events)
		printf(", %lu events", ctx->ev.count);
	printf("; since start:\n");
	printf("  %llu swap faults (%llu major, %llu retried) in %.1f ms\n",
	       t.faults, t.major, t.retry, t.fault_ns / 1e6);
	printf("  read from swap %s (%llu pages: pswpin %llu, frontswap %llu), in faults %s\n",
	       ms_kib(env, ms_pages_kib(t.pages)), t.pages,
	       t.pages - t.frontswap, t.frontswap,
	       ms_kib(env, ms_pages_kib(t.fault_pages)));
	if (drops[SW_UNPAIRED])
		printf("swapin: %llu faults begun before the start were not counted\n",
		       drops[SW_UNPAIRED]);
	return 0;
}

int main(int argc, char **argv)
{
	static struct sw_ctx ctx;
	struct ms_loop loop = {
		.ringbuf_fd = -1, .on_interval = report, .on_record = on_event,
		.ctx = &ctx,
	};
	struct sw_cfg cfg = {};
	bool fentry;
	int ret;

	parse_args(&ctx, argc, argv);
	ms_tool_init(&ctx.env);
	pick_hooks(&ctx);
	ctx.procs = (struct ms_rows){
		.key_size = sizeof(__u32), .row_size = sizeof(struct sw_proc),
		.max = SW_MAX_PROCS, .cmp = cmp_tgid, .fixup = keep_max,
		.counters = offsetof(struct sw_proc, c),
	};
	ms_rows_alloc(&ctx.procs, &ctx.env);

	ms_filter_init(&ctx.env, &cfg.filter);
	cfg.events = ctx.env.events;
	if (ctx.env.events)
		ms_events_start(&ctx.ev, &ctx.env);
	/* Without -A, the kprobes where fentry cannot attach (arm64 5.10). */
	fentry = ctx.env.attach ? ctx.hooks[0].type == MS_HOOK_FEXIT :
		 ms_bpf_start_fentry(&ctx.bpf, &ctx.env, ctx.hooks,
				     ctx.nhooks, &cfg, sizeof(cfg));
	if (ctx.env.attach)
		ms_bpf_start(&ctx.bpf, &ctx.env, ctx.hooks, ctx.nhooks, &cfg,
			     sizeof(cfg));
	ctx.procs.fd = ms_bpf_map(&ctx.bpf, "procs");
	if (ctx.env.events) {
		loop.ringbuf_fd = ms_bpf_map(&ctx.bpf, "events");
		ms_events_header(&ctx.ev, "%-15s %7s %7s %9s %5s %3s %5s\n",
				 "COMM", "PID", "TID", "LAT_us", "PAGES", "MAJ",
				 "RETRY");
	}
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "swapin: tracing swap-ins%s (%s); Ctrl-C to end\n",
		ctx.env.pid ? " of one process" : "",
		fentry ? "fentry" : "kprobe");

	ret = ms_finish(&ctx.bpf, ms_run(&ctx.env, &loop), print_summary,
			&ctx);
	ms_rows_free(&ctx.procs);
	return ret;
}
