// SPDX-License-Identifier: GPL-2.0
/*
 * sysstat: the system's memory breakdown (free, available, LRU lists, dirty,
 * writeback, anon, mapped, shmem, slab, THP...), system wide and per NUMA
 * node, once or every interval.
 *
 * The numbers are the kernel's global counters (vm_zone_stat, vm_node_stat)
 * and each node's pglist_data counters, read by a BPF program that the tool
 * runs on demand (BPF_PROG_TEST_RUN): nothing is attached, nothing runs
 * between reports.  Values are what /proc/meminfo would show at the same
 * moment; "available" is computed exactly as si_mem_available() does.
 *
 * Requires: CONFIG_BPF_SYSCALL, CONFIG_KALLSYMS_ALL, a 5.10+ kernel.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "libmemstat.h"
#include "sysstat_common.h"

static const char usage[] =
"Usage: sysstat [-N] [-M] [-jTBv] [-d SEC] [interval [count]]\n"
"\n"
"System memory breakdown from the kernel's global and per-node counters\n"
"(the numbers behind /proc/meminfo), read by an on-demand BPF program.\n"
"\n"
"Options:\n"
"  -N, --nodes        add one column (or JSON record) per NUMA node\n"
"  -M, --openmetrics  one report as OpenMetrics text (node_exporter's\n"
"                     textfile collector): memstat_sysstat_bytes\n"
"\n"
"Fields (KiB, K/M/G; /proc/meminfo name in brackets): total [MemTotal],\n"
"free [MemFree], available [MemAvailable], active, inactive,\n"
"anon_active, anon_inactive, file_active, file_inactive, unevictable,\n"
"dirty, writeback, anonpages, mapped, shmem, kreclaimable, slab,\n"
"sreclaimable, sunreclaim, nfs_unstable, writebacktmp, anonhugepages,\n"
"shmemhugepages.  A table holds up to 8 node columns (5 with -B); more\n"
"nodes make more tables.\n"
"\n"
"Examples:\n"
"  sysstat              # one report\n"
"  sysstat -N 1 5       # per node too, every second, 5 times\n"
"  sysstat -j -T 10     # JSON Lines with time, every 10 seconds\n"
"  sysstat -M -N > /var/lib/node_exporter/sysstat.prom\n";

enum sysstat_field {
	F_TOTAL, F_FREE, F_AVAILABLE, F_ACTIVE, F_INACTIVE, F_ANON_ACTIVE,
	F_ANON_INACTIVE, F_FILE_ACTIVE, F_FILE_INACTIVE, F_UNEVICTABLE,
	F_DIRTY, F_WRITEBACK, F_ANONPAGES, F_MAPPED, F_SHMEM, F_KRECLAIMABLE,
	F_SLAB, F_SRECLAIMABLE, F_SUNRECLAIM, F_NFS_UNSTABLE, F_WRITEBACKTMP,
	F_ANONHUGEPAGES, F_SHMEMHUGEPAGES, NR_FIELDS,
};

static const char *const field_names[NR_FIELDS] = {
	"total", "free", "available", "active", "inactive", "anon_active",
	"anon_inactive", "file_active", "file_inactive", "unevictable",
	"dirty", "writeback", "anonpages", "mapped", "shmem", "kreclaimable",
	"slab", "sreclaimable", "sunreclaim", "nfs_unstable", "writebacktmp",
	"anonhugepages", "shmemhugepages",
};

static const struct ms_hook hooks[] = {
	{ "sysstat_snapshot", MS_HOOK_NONE, NULL },
};

/* Width of the field names, the longest being "shmemhugepages". */
#define NAME_W		14
#define LINE_W		80

struct sysstat_ctx {
	struct ms_env env;
	bool nodes;			/* -N */
	bool openmetrics;		/* -M */
	struct ms_bpf bpf;
	int snapshot_fd;
	unsigned long reports;
};

static void parse_args(struct sysstat_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "nodes", no_argument, NULL, 'N' },
		{ "openmetrics", no_argument, NULL, 'M' },
		{},
	};
	int opt;

	ms_env_init(&ctx->env, "sysstat", usage, 0);
	while ((opt = ms_getopt(&ctx->env, argc, argv, "NM", longopts)) != -1) {
		if (opt == 'N')
			ctx->nodes = true;
		else
			ctx->openmetrics = true;
	}
	if (ctx->openmetrics && (ctx->env.json || ctx->env.interval))
		ms_usage_error(&ctx->env, "-M is one report: no -j, no interval");
	ctx->env.snapshot = true;
}

/*
 * Derive the fields (in pages) from raw counters.  @snap is set for the
 * system-wide column, where MemTotal and MemAvailable are defined.
 */
static void derive(const struct sysstat_counters *c,
		   const struct sysstat_snapshot *snap, long long *f)
{
	const __s64 *it = c->item;
	long long pagecache, reclaimable, avail, low;

	f[F_FREE] = ms_clamp0(it[SYSSTAT_FREE]);
	f[F_ANON_ACTIVE] = ms_clamp0(it[SYSSTAT_ACTIVE_ANON]);
	f[F_ANON_INACTIVE] = ms_clamp0(it[SYSSTAT_INACTIVE_ANON]);
	f[F_FILE_ACTIVE] = ms_clamp0(it[SYSSTAT_ACTIVE_FILE]);
	f[F_FILE_INACTIVE] = ms_clamp0(it[SYSSTAT_INACTIVE_FILE]);
	f[F_ACTIVE] = f[F_ANON_ACTIVE] + f[F_FILE_ACTIVE];
	f[F_INACTIVE] = f[F_ANON_INACTIVE] + f[F_FILE_INACTIVE];
	f[F_UNEVICTABLE] = ms_clamp0(it[SYSSTAT_UNEVICTABLE]);
	f[F_DIRTY] = ms_clamp0(it[SYSSTAT_FILE_DIRTY]);
	f[F_WRITEBACK] = ms_clamp0(it[SYSSTAT_WRITEBACK]);
	f[F_ANONPAGES] = ms_clamp0(it[SYSSTAT_ANON_MAPPED]);
	f[F_MAPPED] = ms_clamp0(it[SYSSTAT_FILE_MAPPED]);
	f[F_SHMEM] = ms_clamp0(it[SYSSTAT_SHMEM]);
	f[F_SRECLAIMABLE] = ms_clamp0(it[SYSSTAT_SLAB_RECLAIMABLE]);
	f[F_SUNRECLAIM] = ms_clamp0(it[SYSSTAT_SLAB_UNRECLAIMABLE]);
	f[F_SLAB] = f[F_SRECLAIMABLE] + f[F_SUNRECLAIM];
	f[F_KRECLAIMABLE] = f[F_SRECLAIMABLE] +
			    ms_clamp0(it[SYSSTAT_KERNEL_MISC_RECLAIMABLE]);
	/* NR_UNSTABLE_NFS is gone since 5.8; meminfo prints 0. */
	f[F_NFS_UNSTABLE] = 0;
	f[F_WRITEBACKTMP] = ms_clamp0(it[SYSSTAT_WRITEBACK_TEMP]);
	f[F_ANONHUGEPAGES] = ms_clamp0(it[SYSSTAT_ANON_THPS]);
	f[F_SHMEMHUGEPAGES] = ms_clamp0(it[SYSSTAT_SHMEM_THPS]);
	if (!snap) {
		f[F_TOTAL] = ms_clamp0(it[SYSSTAT_MANAGED]);
		f[F_AVAILABLE] = -1;
		return;
	}
	f[F_TOTAL] = snap->totalram_pages;

	/* si_mem_available(), mm/page_alloc.c */
	low = it[SYSSTAT_WMARK_LOW];
	avail = ms_clamp0(it[SYSSTAT_FREE]) - (long long)snap->totalreserve_pages;
	pagecache = f[F_FILE_ACTIVE] + f[F_FILE_INACTIVE];
	pagecache -= pagecache / 2 < low ? pagecache / 2 : low;
	avail += pagecache;
	reclaimable = f[F_KRECLAIMABLE];
	avail += reclaimable - (reclaimable / 2 < low ? reclaimable / 2 : low);
	f[F_AVAILABLE] = avail < 0 ? 0 : avail;
}

static void print_json(const struct sysstat_ctx *ctx, const long long *f,
		       int node)
{
	struct ms_json j;
	int i;

	ms_json_record(&j, &ctx->env, node < 0 ? "system" : "node");
	if (node >= 0)
		ms_json_int(&j, "node", node);
	for (i = 0; i < NR_FIELDS; i++)
		if (f[i] >= 0)
			ms_json_uint2(&j, field_names[i], "_kib",
				      ms_pages_kib(f[i]));
	ms_json_end(&j);
}

/* -M: the system's fields (node "all") and each node's, in bytes. */
static void print_openmetrics(const long long *f,
			      long long (*node_f)[NR_FIELDS], const int *nodes,
			      int nr_nodes)
{
	const long long *v;
	char node[16];
	int i, n;

	ms_om_gauge("sysstat_bytes",
		    "Memory by /proc/meminfo field, system-wide (node all) and per node.");
	for (n = -1; n < nr_nodes; n++) {
		v = n < 0 ? f : node_f[n];
		if (n < 0)
			snprintf(node, sizeof(node), "all");
		else
			snprintf(node, sizeof(node), "%d", nodes[n]);
		for (i = 0; i < NR_FIELDS; i++) {
			if (v[i] < 0)
				continue;
			printf("memstat_sysstat_bytes{node=\"%s\",", node);
			printf("field=\"%s\"} %lld\n", field_names[i],
			       ms_pages_kib(v[i]) * 1024);
		}
	}
	ms_om_end();
}

/* The system column and node columns [@from, @to) of @nodes. */
static void print_table(const struct sysstat_ctx *ctx, const long long *f,
			long long (*node_f)[NR_FIELDS], const int *nodes,
			int from, int to, int w)
{
	const struct ms_env *env = &ctx->env;
	char clock[16], name[16];
	int i, n;

	printf("%-*s %*s", NAME_W,
	       env->timestamp ? ms_clock(clock, sizeof(clock)) : "KiB", w,
	       "system");
	for (n = from; n < to; n++) {
		snprintf(name, sizeof(name), "node%d", nodes[n]);
		printf(" %*s", w, name);
	}
	putchar('\n');
	for (i = 0; i < NR_FIELDS; i++) {
		printf("%-*s %*s", NAME_W, field_names[i], w,
		       ms_kib(env, ms_pages_kib(f[i])));
		for (n = from; n < to; n++)
			printf(" %*s", w, node_f[n][i] < 0 ? "-" :
			       ms_kib(env, ms_pages_kib(node_f[n][i])));
		putchar('\n');
	}
}

static int report(void *arg, unsigned long iter)
{
	struct sysstat_ctx *ctx = arg;
	const struct ms_env *env = &ctx->env;
	static struct sysstat_snapshot snap;
	static long long node_f[MS_MAX_NODES][NR_FIELDS];
	/* Sizes are at most 5 wide as K/M/G; exact KiB take more. */
	int w = env->raw ? 10 : 6, per = (LINE_W - NAME_W - 1 - w) / (w + 1);
	int nodes[MS_MAX_NODES], nr_nodes = 0, n, from;
	long long f[NR_FIELDS];
	__u32 zero = 0;

	if (ms_bpf_run(&ctx->bpf, "sysstat_snapshot")) {
		ms_warn(env,
			"%s (BPF_PROG_TEST_RUN of raw tracepoints needs Linux 5.10+)",
			ms_last_error());
		return -1;
	}
	if (bpf_map_lookup_elem(ctx->snapshot_fd, &zero, &snap)) {
		ms_warn(env, "reading the snapshot map failed: %s",
			strerror(errno));
		return -1;
	}
	if (snap.read_errors) {
		ms_warn(env,
			"%u kernel reads failed: the tool does not match this kernel (rebuild it against this kernel's tree)",
			snap.read_errors);
		return -1;
	}
	ctx->reports++;
	derive(&snap.global, &snap, f);
	for (n = 0; ctx->nodes && n < MS_MAX_NODES; n++) {
		if (!(snap.node_present & (1ULL << n)))
			continue;
		derive(&snap.node[n], NULL, node_f[nr_nodes]);
		nodes[nr_nodes++] = n;
	}
	if (ctx->openmetrics) {
		print_openmetrics(f, node_f, nodes, nr_nodes);
		return 0;
	}
	if (env->json) {
		print_json(ctx, f, -1);
		for (n = 0; n < nr_nodes; n++)
			print_json(ctx, node_f[n], nodes[n]);
		return 0;
	}
	/* Tables of up to @per nodes each keep every line in LINE_W. */
	for (from = 0; !from || from < nr_nodes; from += per) {
		if (iter || from)
			putchar('\n');
		print_table(ctx, f, node_f, nodes, from,
			    from + per < nr_nodes ? from + per : nr_nodes, w);
	}
	return 0;
}

static int print_summary(void *arg)
{
	const struct sysstat_ctx *ctx = arg;
	struct ms_json j;

	if (!ctx->env.json) {
		if (ms_summary_wanted(&ctx->env))
			printf("\nsysstat: %lu reports\n", ctx->reports);
		return 0;
	}
	ms_json_record(&j, &ctx->env, "summary");
	ms_json_uint(&j, "reports", ctx->reports);
	ms_json_end(&j);
	return 0;
}

/* Kernel addresses the BPF program reads, resolved once. */
static void resolve_symbols(const struct ms_env *env, struct sysstat_cfg *cfg)
{
	enum { ZONE, NODE, RESERVE, TOTALRAM, NODE_DATA, CONTIG };
	char path[64];
	struct ms_ksym_req reqs[] = {
		[ZONE] = { "vm_zone_stat", "CONFIG_KALLSYMS_ALL" },
		[NODE] = { "vm_node_stat", "CONFIG_KALLSYMS_ALL" },
		[RESERVE] = { "totalreserve_pages", "CONFIG_KALLSYMS_ALL" },
		[TOTALRAM] = { "_totalram_pages", "CONFIG_KALLSYMS_ALL" },
		/* node_data[] with CONFIG_NUMA, contig_page_data without */
		[NODE_DATA] = { "node_data", NULL },
		[CONTIG] = { "contig_page_data", NULL },
	};

	ms_ksyms_init(env, reqs, ARRAY_SIZE(reqs));
	if (!reqs[NODE_DATA].addr && !reqs[CONTIG].addr)
		ms_fatal(env,
			 "kernel symbols node_data and contig_page_data not found: this kernel needs CONFIG_KALLSYMS_ALL=y");
	cfg->vm_zone_stat = reqs[ZONE].addr;
	cfg->vm_node_stat = reqs[NODE].addr;
	cfg->totalreserve_pages = reqs[RESERVE].addr;
	cfg->totalram_pages = reqs[TOTALRAM].addr;
	cfg->node_data = reqs[NODE_DATA].addr;
	cfg->contig_page_data = reqs[CONTIG].addr;
	cfg->max_node_ids = cfg->node_data ? MS_MAX_NODES : 1;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d",
		 MS_MAX_NODES);
	if (!access(path, F_OK))
		ms_warn(env,
			"nodes from %d on are not shown per node (their memory is in the system column)",
			MS_MAX_NODES);
}

int main(int argc, char **argv)
{
	static struct sysstat_ctx ctx;
	struct ms_loop loop = {
		.ringbuf_fd = -1, .on_interval = report, .ctx = &ctx,
	};
	struct sysstat_cfg cfg = {};

	parse_args(&ctx, argc, argv);
	ms_tool_init(&ctx.env);
	resolve_symbols(&ctx.env, &cfg);
	ms_bpf_start(&ctx.bpf, &ctx.env, hooks, ARRAY_SIZE(hooks), &cfg,
		     sizeof(cfg));
	ctx.snapshot_fd = ms_bpf_map(&ctx.bpf, "snapshot");

	return ms_finish(&ctx.bpf, ms_run(&ctx.env, &loop), print_summary,
			 &ctx);
}
