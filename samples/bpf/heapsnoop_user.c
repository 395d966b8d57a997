// SPDX-License-Identifier: GPL-2.0
/*
 * heapsnoop: glibc malloc's own USDT probes (provider "libc", the
 * memory_* probes its manual lists as internal probes), with their
 * arguments, per process.  The probes are read from the object's
 * .note.stapsdt (ms_usdt_probes: libelf, no systemtap) and a uprobe put
 * on each site (heapsnoop_kern.c).  Only a C library built with
 * --enable-systemtap has them (Fedora, openEuler; not Debian).
 * Requires: CONFIG_BPF_SYSCALL, CONFIG_BPF_EVENTS, CONFIG_UPROBE_EVENTS.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "libmemstat.h"
#include "heapsnoop_common.h"

static const char usage[] =
"Usage: heapsnoop [-p PID[,PID...] | -c CGROUP | -- COMMAND [ARG...]]\n"
"                 [-O OBJ] [-P PROVIDER] [-N PATTERN] [-l] [-S [-n N]]\n"
"                 [-C] [-jTBv] [-d SEC] [interval [count]]\n"
"\n"
"One line per hit of the C library's malloc probes (USDT), arguments\n"
"named: sbrk_more/less (the main heap grown or trimmed), heap_new/more/\n"
"less/free (a thread arena's heap), arena_new, arena_reuse*, *_retry (an\n"
"allocation retried in another arena), mallopt*, tunable_*, and\n"
"tcache_double_free.  -S instead a table per process, every interval (an\n"
"interval implies -S) or at the end.\n"
"\n"
"Options:\n"
"  -p, --pid PID,...   these processes (up to 64)\n"
"  -- COMMAND ARG...   run COMMAND and trace it\n"
"  -O, --object OBJ    probes of the mapped file whose path contains OBJ,\n"
"                      or of file OBJ (default: the C library)\n"
"  -P, --provider P    the probes' provider (default: libc)\n"
"  -N, --probes PAT    probe names matching PAT (default: 'memory_*')\n"
"  -l, --list          list the probe sites found and how their\n"
"                      arguments are read, then exit\n"
"  -S, --summary       a table per process, no lines\n"
"  -n N                rows of the -S table (default 20, 0: all)\n"
"\n"
"Only a C library built with --enable-systemtap has the probes (Fedora,\n"
"openEuler; not Debian).  Without -p, every process mapping the object.\n"
"\n"
"Examples:\n"
"  heapsnoop -p 1234           # process 1234's heap and arena events\n"
"  heapsnoop -S -d 60          # a table per process over a minute\n"
"  heapsnoop -l                # the probe sites of the C library\n"
"  heapsnoop -- ./server       # run ./server and trace it\n";

/* The -S table's columns: per process, counts or bytes. */
enum hs_col {
	C_EVENTS, C_SBRK_MORE, C_SBRK_LESS, C_SBRK_FAILED, C_HEAPS_NEW,
	C_HEAPS_FREED, C_HEAP_GROWN, C_HEAP_SHRUNK, C_ARENAS_NEW,
	C_ARENAS_REUSED, C_ARENA_WAITS, C_RETRIES, C_MALLOPT, C_DOUBLE_FREES,
	C_NR,
};

static const struct hs_column {
	const char *key;	/* JSON; "_bytes": in bytes */
	const char *head;	/* text, NULL: JSON only */
} cols[C_NR] = {
	{ "events", "EVENTS" }, { "sbrk_more_bytes", "SBRK+" },
	{ "sbrk_less_bytes", "SBRK-" }, { "sbrk_failed" },
	{ "heaps_new", "HEAP+" }, { "heaps_freed", "HEAP-" },
	{ "heap_grown_bytes", "HEAPGRW" }, { "heap_shrunk_bytes", "HEAPSHR" },
	{ "arenas_new", "ARENAS" }, { "arenas_reused", "REUSED" },
	{ "arena_waits" }, { "retries", "RETRY" }, { "mallopt", "MALLOPT" },
	{ "tcache_double_frees", "DFREE" },
};

/* What glibc's probes mean: their arguments, in its manual's order. */
enum hs_kind { K_OTHER, K_SBRK_MORE, K_SBRK_LESS, K_HEAP_SIZE };

static const struct hs_known {
	const char *name;	/* a pattern for fnmatch() */
	const char *args;	/* names; "*" before one: a pointer */
	enum hs_col col;	/* the count it adds to, C_EVENTS: none */
	enum hs_kind kind;	/* sizes it adds */
} known[] = {
	{ "memory_sbrk_more", "*brk size", C_EVENTS, K_SBRK_MORE },
	{ "memory_sbrk_less", "*brk size", C_EVENTS, K_SBRK_LESS },
	{ "memory_heap_new", "*heap size", C_HEAPS_NEW, K_HEAP_SIZE },
	{ "memory_heap_free", "*heap size", C_HEAPS_FREED, K_HEAP_SIZE },
	{ "memory_heap_more", "*heap size", C_EVENTS, K_HEAP_SIZE },
	{ "memory_heap_less", "*heap size", C_EVENTS, K_HEAP_SIZE },
	{ "memory_arena_new", "*arena size", C_ARENAS_NEW },
	{ "memory_arena_reuse", "*arena *prev", C_ARENAS_REUSED },
	{ "memory_arena_reuse_free_list", "*arena", C_ARENAS_REUSED },
	{ "memory_arena_reuse_wait", "*mutex *arena *prev", C_ARENA_WAITS },
	{ "memory_arena_retry", "bytes *arena", C_RETRIES },
	{ "memory_realloc_retry", "bytes *ptr", C_RETRIES },
	{ "memory_memalign_retry", "bytes align", C_RETRIES },
	{ "memory_*_retry", "bytes", C_RETRIES },
	{ "memory_mallopt", "param value", C_MALLOPT },
	{ "memory_mallopt_free_dyn_thresholds", "mmap_threshold trim_threshold" },
	{ "memory_mallopt_*", "value old dyn_off" },
	{ "memory_tunable_*", "value old" },
	{ "memory_tcache_double_free", "*ptr bin", C_DOUBLE_FREES },
};

/* mallopt()'s parameters, M_MXFAST (1) and M_TRIM_THRESHOLD (-1) on. */
static const char *const mallopt_params[] = {
	"M_ARENA_MAX", "M_ARENA_TEST", "M_PERTURB", "M_CHECK_ACTION",
	"M_MMAP_MAX", "M_MMAP_THRESHOLD", "M_TOP_PAD", "M_TRIM_THRESHOLD",
	NULL, "M_MXFAST",
};

/* A heap's size, to turn heap_more and heap_less into bytes. */
struct hs_heap {
	__u32 pid, pad;
	__u64 addr, size;
};

struct hs_proc {
	__u32 pid;		/* first: the key of ms_array_get() */
	char comm[MS_COMM_LEN + 1];
	__u64 v[C_NR];
};

struct hs_ctx {
	struct ms_env env;
	struct ms_bpf bpf;
	struct ms_events ev;
	bool list;
	struct ms_usdt_sites sites;
	const struct hs_known *known[HS_MAX_SITES];	/* NULL: not glibc's */
	struct ms_links probes;
	struct hs_heap *heaps;
	size_t nheaps;
	struct hs_proc *procs;
	size_t nprocs;
	unsigned long reports;
};

static void parse_args(struct hs_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "object", required_argument, NULL, 'O' },
		{ "provider", required_argument, NULL, 'P' },
		{ "probes", required_argument, NULL, 'N' },
		{ "list", no_argument, NULL, 'l' },
		{}
	};
	struct ms_env *env = &ctx->env;
	int opt;

	ms_env_init(env, "heapsnoop", usage,
		    MS_OPT_PID | MS_OPT_PIDS | MS_OPT_COMMAND | MS_OPT_CGROUP |
		    MS_OPT_CGROUP_COLUMN | MS_OPT_SUMMARY | MS_OPT_TOP);
	ctx->sites = (struct ms_usdt_sites){
		.provider = "libc", .pattern = "memory_*", .max = HS_MAX_SITES,
	};
	while ((opt = ms_getopt(env, argc, argv, "O:P:N:l", longopts)) != -1) {
		if (opt == 'O')
			ctx->sites.object = optarg;
		else if (opt == 'P')
			ctx->sites.provider = optarg;
		else if (opt == 'N')
			ctx->sites.pattern = optarg;
		else if (opt == 'l')
			ctx->list = true;
	}
	/* Lines come as probes fire: an interval is for tables. */
	if (env->interval)
		env->summary = true;
}

/* Find the probe sites; exits 1 when there are none. */
static void find_sites(struct hs_ctx *ctx, pid_t child)
{
	struct ms_usdt_sites *s = &ctx->sites;
	struct ms_env *env = &ctx->env;
	size_t i, k;

	if (!ms_die_on(env, ms_usdt_sites_find(s, env, child)))
		ms_fatal(env,
			 "no USDT probes of provider %s named %s in %s (glibc has them only when built with --enable-systemtap, Debian's has none): -O names an object that has them",
			 s->provider, s->pattern,
			 s->object ? s->object : "the C library");
	for (i = 0; i < s->n; i++)
		for (k = 0; k < ARRAY_SIZE(known); k++)
			if (!fnmatch(known[k].name, s->site[i].probe.name, 0)) {
				ctx->known[i] = &known[k];
				break;
			}
}

/* Fill the sites map, attach a program per site and process. */
static void attach_sites(struct hs_ctx *ctx)
{
	struct hs_site site = {};
	int fd = ms_bpf_map(&ctx->bpf, "sites");
	__u32 i;

	for (i = 0; i < ctx->sites.n; i++) {
		site.nargs = ctx->sites.site[i].probe.nargs;
		memcpy(site.args, ctx->sites.site[i].probe.args,
		       sizeof(site.args));
		if (bpf_map_update_elem(fd, &i, &site, 0))
			ms_fatal(&ctx->env, "cannot fill the sites map: %s",
				 strerror(errno));
	}
	/* Program hs_site_AB serves site 0AB (octal: two digits). */
	ms_die_on(&ctx->env, ms_usdt_sites_attach(&ctx->sites, &ctx->bpf,
						  &ctx->probes, "hs_site_%02zo"));
}

static struct hs_proc *proc_of(struct hs_ctx *ctx, const struct hs_event *e)
{
	struct hs_proc *p = ms_array_get(&ctx->env, &ctx->procs, &ctx->nprocs,
					 sizeof(*p), &e->pid, sizeof(e->pid));

	if (!p->comm[0])
		ms_cstr(p->comm, e->comm, MS_COMM_LEN);
	return p;
}

/*
 * Heap @addr of @pid is now @size bytes (0: gone); returns its size
 * before, @size for one made before we started (it counts from now).
 */
static __u64 heap_resize(struct hs_ctx *ctx, __u32 pid, __u64 addr,
			 __u64 size)
{
	struct hs_heap key = { pid, 0, addr }, *h;
	__u64 old;

	h = ms_array_get(&ctx->env, &ctx->heaps, &ctx->nheaps, sizeof(*h),
			 &key, offsetof(struct hs_heap, size));
	old = h->size ?: size;
	h->size = size;
	if (!size)
		*h = ctx->heaps[--ctx->nheaps];
	return old;
}

static void account(struct hs_ctx *ctx, const struct hs_event *e)
{
	const struct hs_known *k = ctx->known[e->site];
	__u64 *v = proc_of(ctx, e)->v, old, size;
	const __u64 *a = e->args;

	v[C_EVENTS]++;
	if (!k)
		return;
	if (k->col != C_EVENTS)
		v[k->col]++;
	if (k->kind == K_SBRK_MORE && a[0] == (__u64)-1)
		v[C_SBRK_FAILED]++;
	else if (k->kind == K_SBRK_MORE)
		v[C_SBRK_MORE] += a[1];
	else if (k->kind == K_SBRK_LESS)
		v[C_SBRK_LESS] += a[1];
	if (k->kind != K_HEAP_SIZE)
		return;
	/* Made: from 0; freed: from the size glibc says, to 0. */
	size = k->col == C_HEAPS_FREED ? 0 : a[1];
	old = heap_resize(ctx, e->pid, a[0], size);
	if (k->col == C_HEAPS_NEW)
		old = 0;
	else if (k->col == C_HEAPS_FREED)
		old = a[1];
	if (size > old)
		v[C_HEAP_GROWN] += size - old;
	else
		v[C_HEAP_SHRUNK] += old - size;
}

/* The arguments of @e, named as glibc's manual does (else arg1...). */
static void print_args(struct hs_ctx *ctx, const struct hs_event *e,
		       struct ms_json *j, char *p)
{
	const struct ms_usdt *u = &ctx->sites.site[e->site].probe;
	const char *names = ctx->known[e->site] ? ctx->known[e->site]->args : "";
	int i, len;
	char key[32], val[32];
	bool ptr, text;
	__s64 v;

	for (i = 0; i < u->nargs; i++) {
		ptr = *names == '*';
		names += ptr;
		len = strcspn(names, " ");
		if (len)
			snprintf(key, sizeof(key), "%.*s", len, names);
		else
			snprintf(key, sizeof(key), "arg%d", i + 1);
		names += len + !!names[len];
		v = e->args[i];
		text = true;
		if (e->unread & (1U << i))
			snprintf(val, sizeof(val), "?");
		else if (ptr)
			snprintf(val, sizeof(val), "0x%llx", (__u64)v);
		else if (!strcmp(key, "param") && v >= -8 && v <= 1 &&
			 mallopt_params[v + 8])
			snprintf(val, sizeof(val), "%s", mallopt_params[v + 8]);
		else
			text = false;
		if (!text)
			snprintf(val, sizeof(val), u->args[i].size < 0 ?
				 "%lld" : "%llu", (long long)v);
		if (!j)
			p += sprintf(p, " %s=%s", key, val);
		else if (text)
			ms_json_str(j, key, val);
		else if (u->args[i].size < 0)
			ms_json_int(j, key, v);
		else
			ms_json_uint(j, key, v);
	}
}

static int on_event(void *arg, void *data, size_t size)
{
	const struct hs_event *e = data;
	struct hs_ctx *ctx = arg;
	const char *name, *comm;
	char line[512];
	struct ms_json j;
	int col;

	if (size < sizeof(*e) || e->site >= ctx->sites.n)
		return 0;
	account(ctx, e);
	if (ctx->env.summary)
		return 0;
	name = ctx->sites.site[e->site].probe.name;
	comm = proc_of(ctx, e)->comm;
	col = ms_event_begin(&ctx->ev, &j, e->ts_ns, e->pid, e->tid, comm);
	if (ctx->env.json) {
		ms_json_str(&j, "probe", name);
		ms_json_obj(&j, "args");
		print_args(ctx, e, &j, NULL);
		ms_json_pop(&j);
		ms_json_end(&j);
		return 0;
	}
	if (!strncmp(name, "memory_", 7))
		name += 7;
	col += printf("%7u %-12.12s %-20s", e->pid, comm, name);
	print_args(ctx, e, NULL, line);
	ms_print_wrapped(line, col, 12, 80);
	return 0;
}

static int cmp_proc(const void *a, const void *b)
{
	const struct hs_proc *x = a, *y = b;

	if (x->v[C_EVENTS] != y->v[C_EVENTS])
		return x->v[C_EVENTS] > y->v[C_EVENTS] ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static void print_procs(struct hs_ctx *ctx)
{
	const struct ms_env *env = &ctx->env;
	struct hs_proc *p = ctx->procs;
	size_t i, n = ctx->nprocs;
	struct ms_json j;
	int c;

	qsort(p, n, sizeof(*p), cmp_proc);
	if (env->top && n > env->top)
		n = env->top;
	if (!env->json) {
		printf("%7s %-12s", "PID", "COMM");
		for (c = 0; c < C_NR; c++)
			if (cols[c].head)
				printf(" %7s", cols[c].head);
		ms_cgroup_head(env);
		putchar('\n');
	}
	for (i = 0; i < n; i++, p++) {
		if (env->json) {
			ms_json_record(&j, env, "proc");
			ms_json_uint(&j, "pid", p->pid);
			ms_json_str(&j, "comm", p->comm);
			ms_cgroup_column(env, &j, p->pid);
		} else {
			printf("%7u %-12.12s", p->pid, p->comm);
		}
		for (c = 0; c < C_NR; c++) {
			if (env->json)
				ms_json_uint(&j, cols[c].key, p->v[c]);
			else if (cols[c].head && strstr(cols[c].key, "_bytes"))
				printf(" %7s", ms_kib(env, p->v[c] / 1024));
			else if (cols[c].head)
				printf(" %7llu", p->v[c]);
		}
		if (env->json) {
			ms_json_end(&j);
			continue;
		}
		ms_cgroup_column(env, NULL, p->pid);
		putchar('\n');
	}
}

static int report(void *arg, unsigned long iter)
{
	struct hs_ctx *ctx = arg;

	if (!ctx->env.summary)
		return 0;
	ms_report_begin(&ctx->env, iter);
	print_procs(ctx);
	ctx->reports++;
	return 0;
}

static int print_summary(void *arg)
{
	struct hs_ctx *ctx = arg;
	const struct ms_env *env = &ctx->env;
	__u64 drops[HS_NR_DROPS], events = 0;
	struct ms_json j;
	size_t i;

	if (env->summary && !env->interval)
		report(ctx, 0);
	for (i = 0; i < ctx->nprocs; i++)
		events += ctx->procs[i].v[C_EVENTS];
	ms_bpf_drops(&ctx->bpf, drops, HS_NR_DROPS);
	if (drops[HS_DROP_EVENT] || drops[HS_DROP_ARG])
		ms_warn(env, "not seen: %llu probe hits (ring buffer full); %llu arguments unreadable (shown as ?)",
			drops[HS_DROP_EVENT], drops[HS_DROP_ARG]);
	if (!env->json) {
		printf("\nheapsnoop: %lu %s; %llu probe hits from %zu processes at %zu sites\n",
		       env->summary ? ctx->reports : ctx->ev.count,
		       env->summary ? "reports" : "lines", events, ctx->nprocs,
		       ctx->sites.n);
		return 0;
	}
	ms_json_record(&j, env, "summary");
	ms_json_uint(&j, "sites", ctx->sites.n);
	ms_json_uint(&j, "events", events);
	ms_json_uint(&j, "processes", ctx->nprocs);
	if (env->summary)
		ms_json_uint(&j, "reports", ctx->reports);
	ms_json_uint(&j, "lost_events", drops[HS_DROP_EVENT]);
	ms_json_uint(&j, "unread_args", drops[HS_DROP_ARG]);
	ms_json_end(&j);
	return 0;
}

int main(int argc, char **argv)
{
	static struct hs_ctx ctx;
	struct ms_env *env = &ctx.env;
	struct ms_loop loop = {
		.on_interval = report, .on_record = on_event, .ctx = &ctx,
	};
	struct hs_cfg cfg = {};
	pid_t child = 0;
	int ret;

	parse_args(&ctx, argc, argv);
	ms_tool_init(env);
	if (ctx.list) {
		find_sites(&ctx, 0);
		ms_usdt_sites_print(&ctx.sites);
		return 0;
	}
	ms_die_on(env, ms_bpf_open(&ctx.bpf, env, NULL, 0));
	ms_die_on(env, ms_bpf_load(&ctx.bpf));
	if (env->command) {
		child = ms_command_start(env);
		env->pid = child;
	}
	ms_filter_init(env, &cfg.filter);
	ms_die_on(env, ms_bpf_cfg(&ctx.bpf, &cfg, sizeof(cfg)));
	find_sites(&ctx, child);
	attach_sites(&ctx);
	loop.ringbuf_fd = ms_bpf_map(&ctx.bpf, "events");
	if (!env->summary) {
		ms_events_start(&ctx.ev, env);
		ms_events_header(&ctx.ev, "%7s %-12s %-20s %s\n", "PID",
				 "COMM", "PROBE", "ARGS");
	}
	if (child)
		ms_command_go(child);
	/* On stderr in JSON mode too: scripts wait for it. */
	fprintf(stderr, "heapsnoop: tracing %zu probe sites; Ctrl-C to end\n",
		ctx.sites.n);
	ret = ms_run(env, &loop);
	ms_links_detach(&ctx.probes);
	ret = ms_finish(&ctx.bpf, ret, print_summary, &ctx);
	ms_usdt_sites_free(&ctx.sites);
	free(ctx.procs);
	free(ctx.heaps);
	return ret;
}
