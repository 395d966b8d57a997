// SPDX-License-Identifier: GPL-2.0
/*
 * hfaults: hugetlb faults per process and per mapping (hugetlbfs file,
 * or the internal file of MAP_HUGETLB and SHM_HUGETLB memory): how many,
 * how long, how many huge pages they took from the pool.  Attach points:
 * hfaults_kern.c.  Requires: CONFIG_HUGETLBFS, CONFIG_BPF_SYSCALL, and
 * CONFIG_DEBUG_INFO_BTF or CONFIG_KPROBES and CONFIG_KPROBE_EVENTS.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "libmemstat.h"
#include "hfaults_common.h"

static const char usage[] =
"Usage: hfaults [-e] [-H] [-n N] [-p PID] [-c CGROUP] [-C] [-A HOOK] [-jTBv]\n"
"               [-d SEC] [interval [count]]\n"
"\n"
"hugetlb faults per process and mapping: how many faults each process\n"
"took on each hugetlbfs file (or MAP_HUGETLB / SHM_HUGETLB mapping), how\n"
"long they took, how many huge pages they took from the pool.  With an\n"
"interval, one table per interval; without, the totals when it ends\n"
"(Ctrl-C, SIGTERM or -d).\n"
"\n"
"Options:\n"
"  -e, --events       one line per fault instead of tables\n"
"  -H, --histogram    latency histograms (log2, usecs) per row;\n"
"                     with -e, in the tables at the end\n"
"  -n N               the N rows with the most fault time (default 20,\n"
"                     0: all)\n"
"  -p, --pid PID      only process PID (filtered in the kernel)\n"
"  -A, --attach HOOK  fentry (fentry/fexit: kernel BTF and BPF trampolines,\n"
"                     the default where there) or kprobe (kprobe/kretprobe)\n"
"\n"
"Columns: FAULTS hugetlb_fault() calls, NEW huge pages they allocated,\n"
"TIME_ms time in them, AVG_us mean latency, HPAGE huge page size, FILE\n"
"the file's name (anon_hugepage: MAP_HUGETLB; SYSV<key>: SysV shm).\n"
"-e: TIME(s) since start, LAT_us, NEW, ADDRESS, FILE.\n"
"\n"
"Examples:\n"
"  hfaults                 # per process and mapping, until Ctrl-C\n"
"  hfaults -H -n 5 10 6    # top 5 with histograms, every 10 s for a minute\n"
"  hfaults -e -p 1234      # every hugetlb fault of process 1234\n"
"  hfaults -j -d 60        # JSON totals over one minute\n";

#define HF_TOTAL_FIELDS	(sizeof(struct hf_totals) / sizeof(__u64))

enum { HF_FENTRY, HF_KPROBE };
static const char *const attach_names[] = { "fentry", "kprobe", NULL };
static const char *const fn[] = { "hugetlb_fault", "hugetlb_fault",
				  "alloc_huge_page" };

static const char *const progs[2][3] = {
	{ "hf_fault_entry", "hf_fault_exit", "hf_alloc_exit" },
	{ "hf_fault_entry_kp", "hf_fault_exit_kp", "hf_alloc_exit_kp" },
};

struct hf_ctx {
	struct ms_env env;
	struct ms_bpf bpf;
	struct ms_hook hooks[3];
	char targets[3][128];		/* kallsyms names of fn[] */
	struct ms_rows maps;		/* struct hf_map */
	unsigned long reports;
	struct ms_events ev;		/* -e */
};

static void parse_args(struct hf_ctx *ctx, int argc, char **argv)
{
	struct ms_env *env = &ctx->env;

	ms_env_init(env, "hfaults", usage, MS_OPT_EVENTS | MS_OPT_HIST |
		    MS_OPT_TOP | MS_OPT_PID | MS_OPT_CGROUP |
		    MS_OPT_CGROUP_COLUMN | MS_OPT_ATTACH);
	ms_getopt(env, argc, argv, "", NULL);
	/* A typo is a usage error, found before root or the kernel are. */
	if (env->attach)
		ms_pick(env, "attach point", env->attach, attach_names);
}

/* The hook table of the -A variant, on the functions kallsyms has. */
static void pick_hooks(struct hf_ctx *ctx)
{
	const struct ms_env *env = &ctx->env;
	int v, i;

	v = env->attach ? ms_pick(env, "attach point", env->attach,
				  attach_names) :
	    HF_FENTRY;
	for (i = 0; i < 3; i++) {
		struct ms_hook *h = &ctx->hooks[i];

		if (ms_ksym_func(fn[i], ctx->targets[i],
				 sizeof(ctx->targets[i])))
			ms_fatal(env,
				 "%s is not in /proc/kallsyms: the kernel needs CONFIG_HUGETLBFS",
				 fn[i]);
		h->prog = progs[v][i];
		/* fentry: BTF names the function, not its clone. */
		if (v == HF_FENTRY)
			h->type = i ? MS_HOOK_FEXIT : MS_HOOK_FENTRY;
		else
			h->type = i ? MS_HOOK_KRETPROBE : MS_HOOK_KPROBE;
		h->target = v == HF_FENTRY ? fn[i] : ctx->targets[i];
	}
}

static int cmp_key(const void *a, const void *b)
{
	const struct hf_key *x = &((const struct hf_map *)a)->key;
	const struct hf_key *y = &((const struct hf_map *)b)->key;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* maps[] into ctx->maps, sorted by key. */
static int read_all(struct hf_ctx *ctx)
{
	if (ms_rows_read(&ctx->maps)) {
		ms_warn(&ctx->env, "%s", ms_last_error());
		return -1;
	}
	return 0;
}

/* The maximum is since the start: no difference. */
static void keep_max(void *delta, const void *now)
{
	const struct hf_map *a = now;
	struct hf_map *d = delta;

	d->max_ns = a->max_ns;
}

static bool map_active(const void *row)
{
	const struct hf_map *m = row;

	return m->faults || m->allocs;
}

/* Most fault time first. */
static int cmp_busy(const void *a, const void *b)
{
	const struct hf_map *x = a, *y = b;

	if (x->fault_ns != y->fault_ns)
		return x->fault_ns > y->fault_ns ? -1 : 1;
	return cmp_key(a, b);
}

static long long hpage_kib(__u32 order)
{
	return ms_page_kib() << order;
}

static void print_map(const struct hf_ctx *ctx, const struct hf_map *m)
{
	char comm[MS_COMM_LEN + 1], name[HF_NAME_LEN + 1];
	const struct ms_env *env = &ctx->env;
	struct ms_json j;

	ms_cstr(comm, m->comm, MS_COMM_LEN);
	ms_cstr(name, m->name, HF_NAME_LEN);
	if (env->json) {
		ms_json_record(&j, env, "mapping");
		ms_json_uint(&j, "pid", m->key.tgid);
		ms_json_str(&j, "comm", comm);
		ms_cgroup_column(env, &j, m->key.tgid);
		ms_json_str(&j, "file", name);
		ms_json_uint(&j, "dev", m->key.dev);
		ms_json_uint(&j, "ino", m->key.ino);
		ms_json_str(&j, "mapping", m->shared ? "shared" : "private");
		ms_json_uint(&j, "hpage_kib", hpage_kib(m->order));
		ms_json_uint(&j, "faults", m->faults);
		ms_json_uint(&j, "new_pages", m->allocs);
		ms_json_uint(&j, "new_kib", m->allocs * hpage_kib(m->order));
		ms_json_uint(&j, "retry", m->retry);
		ms_json_uint(&j, "errors", m->errors);
		ms_json_uint(&j, "fault_ns", m->fault_ns);
		ms_json_uint(&j, "max_ns", m->max_ns);
		if (env->hist)
			ms_hist_json(&j, "fault_hist_us", m->hist.slots,
				     MS_HIST_SLOTS);
		ms_json_end(&j);
		return;
	}
	/* FILE padded only when CGROUP follows it. */
	printf("%7u %-15s %7llu %7llu %8.1f %6llu %6s %-*.16s", m->key.tgid,
	       comm, m->faults, m->allocs, m->fault_ns / 1e6,
	       m->faults ? m->fault_ns / m->faults / 1000 : 0,
	       ms_kib(env, hpage_kib(m->order)), env->show_cgroup ? 16 : 0,
	       name);
	ms_cgroup_column(env, NULL, m->key.tgid);
	putchar('\n');
	if (!env->hist)
		return;
	printf("\n  hugetlb fault latency, pid %u (%s), %s:\n", m->key.tgid,
	       comm, name);
	ms_hist_print(stdout, m->hist.slots, MS_HIST_SLOTS, "usecs");
	putchar('\n');
}

/* JSON: one "proc" record per process, its mappings added up. */
static void print_procs(const struct hf_ctx *ctx, const struct hf_map *m,
			size_t n)
{
	struct { __u64 faults, allocs, kib, errors, ns; } s = { 0 };
	char comm[MS_COMM_LEN + 1];
	struct ms_json j;
	size_t i;

	for (i = 0; i < n; i++) {
		s.faults += m[i].faults;
		s.allocs += m[i].allocs;
		s.kib += m[i].allocs * hpage_kib(m[i].order);
		s.errors += m[i].errors;
		s.ns += m[i].fault_ns;
		if (i + 1 < n && m[i + 1].key.tgid == m[i].key.tgid)
			continue;
		ms_cstr(comm, m[i].comm, MS_COMM_LEN);
		ms_json_record(&j, &ctx->env, "proc");
		ms_json_uint(&j, "pid", m[i].key.tgid);
		ms_json_str(&j, "comm", comm);
		ms_cgroup_column(&ctx->env, &j, m[i].key.tgid);
		ms_json_uint(&j, "faults", s.faults);
		ms_json_uint(&j, "new_pages", s.allocs);
		ms_json_uint(&j, "new_kib", s.kib);
		ms_json_uint(&j, "errors", s.errors);
		ms_json_uint(&j, "fault_ns", s.ns);
		ms_json_end(&j);
		memset(&s, 0, sizeof(s));
	}
}

/* Print what changed since the last report (everything at the end). */
static void print_tables(struct hf_ctx *ctx, bool since_start)
{
	struct hf_map *d = ctx->maps.delta;
	size_t i, n;

	n = ms_rows_delta(&ctx->maps, since_start, map_active);
	/* delta[] is still in key order: processes together. */
	if (ctx->env.json)
		print_procs(ctx, d, n);
	qsort(d, n, sizeof(*d), cmp_busy);
	if (!ctx->env.json) {
		printf("%7s %-15s %7s %7s %8s %6s %6s %-*s", "PID", "COMM",
		       "FAULTS", "NEW", "TIME_ms", "AVG_us", "HPAGE",
		       ctx->env.show_cgroup ? 16 : 0, "FILE");
		ms_cgroup_head(&ctx->env);
		putchar('\n');
	}
	for (i = 0; i < n && i < ctx->env.top; i++)
		print_map(ctx, &d[i]);
}

static int report(void *arg, unsigned long iter)
{
	struct hf_ctx *ctx = arg;

	if (read_all(ctx))
		return -1;
	ms_report_begin(&ctx->env, iter);
	print_tables(ctx, false);
	ms_rows_next(&ctx->maps);
	ctx->reports++;
	return 0;
}

/* -e: one fault, printed as it comes. */
static int on_event(void *arg, void *data, size_t size)
{
	const struct hf_event *e = data;
	struct hf_ctx *ctx = arg;
	const struct ms_env *env = &ctx->env;
	char comm[MS_COMM_LEN + 1], name[HF_NAME_LEN + 1];
	struct ms_json j;

	if (size < sizeof(*e))
		return 0;
	ms_cstr(comm, e->comm, MS_COMM_LEN);
	ms_cstr(name, e->name, HF_NAME_LEN);
	ms_event_begin(&ctx->ev, &j, e->end_ns, e->pid, e->tid, comm);
	if (env->json) {
		ms_json_str(&j, "file", name);
		ms_json_uint(&j, "ino", e->ino);
		ms_json_uint(&j, "address", e->address);
		ms_json_uint(&j, "latency_ns", e->latency_ns);
		ms_json_uint(&j, "new_pages", e->allocs);
		ms_json_uint(&j, "ret", e->ret);
		ms_json_end(&j);
		return 0;
	}
	printf("%-15s %7u %9.1f %3llu %14llx %.16s\n", comm, e->tid,
	       e->latency_ns / 1e3, e->allocs, e->address, name);
	return 0;
}

/* Totals since the start, and what could not be counted. */
static int print_summary(void *arg)
{
	struct hf_ctx *ctx = arg;
	const struct ms_env *env = &ctx->env;
	__u64 drops[HF_NR_DROPS], dropped;
	struct hf_totals t;
	struct ms_json j;

	if (read_all(ctx))
		return -1;
	if (ms_percpu_read(ms_bpf_map(&ctx->bpf, "totals"), 0, (__u64 *)&t,
			   HF_TOTAL_FIELDS)) {
		ms_warn(env, "%s", ms_last_error());
		return -1;
	}
	dropped = ms_bpf_drops(&ctx->bpf, drops, HF_NR_DROPS) -
		  drops[HF_UNPAIRED];
	if (!env->interval && (!env->events || env->hist)) {
		/* After -e lines, a blank line first. */
		ms_report_begin(env, env->events);
		print_tables(ctx, true);
	}
	if (dropped)
		ms_warn(env,
			"not counted: %llu faults not timed (too many at once), %llu mappings (table full), %llu -e events (ring buffer full)",
			drops[HF_DROP_INFLIGHT], drops[HF_DROP_MAP],
			drops[HF_DROP_EVENT]);
	if (env->json) {
		ms_json_record(&j, env, "summary");
		ms_json_uint(&j, "reports", ctx->reports);
		ms_json_uint(&j, "faults", t.faults);
		ms_json_uint(&j, "new_pages", t.allocs);
		ms_json_uint(&j, "other_new_pages", t.other_allocs);
		ms_json_uint(&j, "errors", t.errors);
		ms_json_uint(&j, "fault_ns", t.fault_ns);
		if (env->events)
			ms_json_uint(&j, "events", ctx->ev.count);
		ms_json_uint(&j, "dropped", dropped);
		ms_json_uint(&j, "unpaired", drops[HF_UNPAIRED]);
		ms_json_end(&j);
		return 0;
	}
	printf("\nhfaults: %lu reports", ctx->reports);
	if (env->events)
		printf(", %lu events", ctx->ev.count);
	printf("; since start:\n");
	printf("  %llu hugetlb faults (%llu failed) in %.1f ms took %llu huge pages\n",
	       t.faults, t.errors, t.fault_ns / 1e6, t.allocs);
	printf("  %llu huge pages taken outside faults\n", t.other_allocs);
	if (drops[HF_UNPAIRED])
		printf("hfaults: %llu faults begun before the start were not counted\n",
		       drops[HF_UNPAIRED]);
	return 0;
}

int main(int argc, char **argv)
{
	static struct hf_ctx ctx;
	struct ms_loop loop = {
		.ringbuf_fd = -1, .on_interval = report, .on_record = on_event,
		.ctx = &ctx,
	};
	struct hf_cfg cfg = {};
	bool fentry;
	int ret;

	parse_args(&ctx, argc, argv);
	ms_tool_init(&ctx.env);
	pick_hooks(&ctx);
	ctx.maps = (struct ms_rows){
		.key_size = sizeof(struct hf_key),
		.row_size = sizeof(struct hf_map), .max = HF_MAX_KEYS,
		.cmp = cmp_key, .fixup = keep_max,
		.counters = offsetof(struct hf_map, faults),
	};
	ms_rows_alloc(&ctx.maps, &ctx.env);

	ms_filter_init(&ctx.env, &cfg.filter);
	cfg.events = ctx.env.events;
	if (ctx.env.events)
		ms_events_start(&ctx.ev, &ctx.env);
	/* Without -A, the kprobes where fentry cannot attach (arm64 5.10). */
	fentry = ctx.env.attach ? ctx.hooks[0].type == MS_HOOK_FEXIT :
		 ms_bpf_start_fentry(&ctx.bpf, &ctx.env, ctx.hooks,
				     ARRAY_SIZE(ctx.hooks), &cfg, sizeof(cfg));
	if (ctx.env.attach)
		ms_bpf_start(&ctx.bpf, &ctx.env, ctx.hooks,
			     ARRAY_SIZE(ctx.hooks), &cfg, sizeof(cfg));
	ctx.maps.fd = ms_bpf_map(&ctx.bpf, "maps");
	if (ctx.env.events) {
		loop.ringbuf_fd = ms_bpf_map(&ctx.bpf, "events");
		ms_events_header(&ctx.ev, "%-15s %7s %9s %3s %14s %s\n",
				 "COMM", "TID", "LAT_us", "NEW", "ADDRESS",
				 "FILE");
	}
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "hfaults: tracing hugetlb faults%s (%s); Ctrl-C to end\n",
		ctx.env.pid ? " of one process" : "",
		fentry ? "fentry" : "kprobe");

	ret = ms_finish(&ctx.bpf, ms_run(&ctx.env, &loop), print_summary,
			&ctx);
	ms_rows_free(&ctx.maps);
	return ret;
}
