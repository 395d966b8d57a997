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
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libmemstat.h"
#include "sysstat_common.h"

static const char usage[] =
"Usage: sysstat [-N] [-jTBv] [-d SEC] [interval [count]]\n"
"\n"
"System memory breakdown from the kernel's global and per-node counters\n"
"(the numbers behind /proc/meminfo), read by an on-demand BPF program.\n"
"\n"
"Options:\n"
"  -N, --nodes        add one column (or JSON record) per NUMA node\n"
"\n"
"Fields (KiB; /proc/meminfo name in brackets): total [MemTotal],\n"
"free [MemFree], available [MemAvailable], active, inactive,\n"
"anon_active, anon_inactive, file_active, file_inactive, unevictable,\n"
"dirty, writeback, anonpages, mapped, shmem, kreclaimable, slab,\n"
"sreclaimable, sunreclaim, nfs_unstable, writebacktmp, anonhugepages,\n"
"shmemhugepages.\n"
"\n"
"Examples:\n"
"  sysstat              # one report\n"
"  sysstat -N 1 5       # per node too, every second, 5 times\n"
"  sysstat -j -T 10     # JSON Lines with time, every 10 seconds\n";

struct sysstat_env {
	struct ms_env common;
	bool nodes;			/* -N */
};

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

struct sysstat_ctx {
	struct sysstat_env *env;
	int prog_fd;
	int snapshot_fd;
	unsigned long reports;
	long page_kib;
};

static void parse_args(struct sysstat_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "nodes", no_argument, NULL, 'N' },
		{},
	};

	while (ms_getopt(&env->common, argc, argv, "N", longopts) == 'N')
		env->nodes = true;
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
		       int node, const char *clock)
{
	struct ms_json j;
	int i;

	ms_json_begin(&j, stdout);
	ms_json_str(&j, "type", node < 0 ? "system" : "node");
	if (clock)
		ms_json_str(&j, "time", clock);
	if (node >= 0)
		ms_json_int(&j, "node", node);
	for (i = 0; i < NR_FIELDS; i++) {
		char key[32];

		if (f[i] < 0)
			continue;
		snprintf(key, sizeof(key), "%s_kb", field_names[i]);
		ms_json_int(&j, key, f[i] * ctx->page_kib);
	}
	ms_json_end(&j);
}

static int report(void *arg, unsigned long iter)
{
	struct sysstat_ctx *ctx = arg;
	const struct sysstat_env *env = ctx->env;
	static struct sysstat_snapshot snap;
	static long long node_f[SYSSTAT_MAX_NODES][NR_FIELDS];
	long long f[NR_FIELDS];
	const char *clockp = NULL;
	char clock[16], buf[32];
	int nodes[SYSSTAT_MAX_NODES], nr_nodes = 0, i, n, err;
	__u32 zero = 0, retval = 0;

	err = ms_prog_run(ctx->prog_fd, &retval);
	if (err || retval) {
		ms_warn(&env->common,
			"running the BPF snapshot failed: %s (BPF_PROG_TEST_RUN of raw tracepoints needs Linux 5.10+)",
			err ? strerror(-err) : "program returned an error");
		return -1;
	}
	if (bpf_map_lookup_elem(ctx->snapshot_fd, &zero, &snap)) {
		ms_warn(&env->common, "reading the snapshot map failed: %s",
			strerror(errno));
		return -1;
	}
	if (snap.read_errors) {
		ms_warn(&env->common,
			"%u kernel reads failed: the tool does not match this kernel (rebuild it against this kernel's tree)",
			snap.read_errors);
		return -1;
	}
	ctx->reports++;
	derive(&snap.global, &snap, f);
	for (n = 0; env->nodes && n < SYSSTAT_MAX_NODES; n++) {
		if (!(snap.node_present & (1ULL << n)))
			continue;
		derive(&snap.node[n], NULL, node_f[nr_nodes]);
		nodes[nr_nodes++] = n;
	}
	if (env->common.timestamp)
		clockp = ms_clock(clock, sizeof(clock));

	if (env->common.json) {
		print_json(ctx, f, -1, clockp);
		for (n = 0; n < nr_nodes; n++)
			print_json(ctx, node_f[n], nodes[n], clockp);
		return 0;
	}
	if (iter)
		putchar('\n');
	printf("%-16s %10s", clockp ? clockp : "KiB", "system");
	for (n = 0; n < nr_nodes; n++) {
		snprintf(buf, sizeof(buf), "node%d", nodes[n]);
		printf(" %10s", buf);
	}
	putchar('\n');
	for (i = 0; i < NR_FIELDS; i++) {
		printf("%-16s %10s", field_names[i],
		       ms_fmt_kib(buf, sizeof(buf), f[i] * ctx->page_kib,
				  env->common.raw));
		for (n = 0; n < nr_nodes; n++)
			printf(" %10s", node_f[n][i] < 0 ? "-" :
			       ms_fmt_kib(buf, sizeof(buf),
					  node_f[n][i] * ctx->page_kib,
					  env->common.raw));
		putchar('\n');
	}
	return 0;
}

static void print_summary(const struct sysstat_ctx *ctx)
{
	struct ms_json j;

	if (!ctx->env->common.json) {
		if (ms_summary_wanted(&ctx->env->common))
			printf("\nsysstat: %lu reports\n", ctx->reports);
		return;
	}
	ms_json_begin(&j, stdout);
	ms_json_str(&j, "type", "summary");
	ms_json_uint(&j, "reports", ctx->reports);
	ms_json_end(&j);
}

/* Kernel addresses the BPF program reads, resolved once. */
static void resolve_symbols(const struct sysstat_env *env,
			    struct sysstat_cfg *cfg)
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

	ms_kallsyms_resolve(&env->common, reqs, ARRAY_SIZE(reqs));
	if (!reqs[NODE_DATA].addr && !reqs[CONTIG].addr)
		ms_fatal(&env->common,
			 "kernel symbols node_data and contig_page_data not found: this kernel needs CONFIG_KALLSYMS_ALL=y");
	cfg->vm_zone_stat = reqs[ZONE].addr;
	cfg->vm_node_stat = reqs[NODE].addr;
	cfg->totalreserve_pages = reqs[RESERVE].addr;
	cfg->totalram_pages = reqs[TOTALRAM].addr;
	cfg->node_data = reqs[NODE_DATA].addr;
	cfg->contig_page_data = reqs[CONTIG].addr;
	cfg->max_node_ids = cfg->node_data ? SYSSTAT_MAX_NODES : 1;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d",
		 SYSSTAT_MAX_NODES);
	if (!access(path, F_OK))
		ms_warn(&env->common,
			"nodes from %d on are not shown per node (their memory is in the system column)",
			SYSSTAT_MAX_NODES);
}

int main(int argc, char **argv)
{
	struct sysstat_env env = {};
	struct sysstat_ctx ctx = { .env = &env };
	struct sysstat_cfg cfg = {};
	struct bpf_object *obj;
	__u32 zero = 0;
	int ret;

	ms_env_init(&env.common, "sysstat", usage);
	env.common.snapshot = true;
	parse_args(&env, argc, argv);
	ms_require_root(&env.common);
	/* Before the slow setup: a signal during it still ends cleanly. */
	ms_signals_init();
	resolve_symbols(&env, &cfg);
	ms_libbpf_init(&env.common);

	obj = ms_obj_open(&env.common);
	ms_obj_load(&env.common, obj);
	ctx.prog_fd = bpf_program__fd(ms_prog_find(&env.common, obj,
						   "sysstat_snapshot"));
	ctx.snapshot_fd = ms_map_fd(&env.common, obj, "snapshot");
	ctx.page_kib = ms_page_kib();
	if (bpf_map_update_elem(ms_map_fd(&env.common, obj, "cfg"), &zero,
				&cfg, BPF_ANY))
		ms_fatal(&env.common, "writing the address map failed: %s",
			 strerror(errno));

	ret = ms_run_intervals(&env.common, report, &ctx);
	print_summary(&ctx);
	bpf_object__close(obj);
	if (fflush(stdout) || ferror(stdout))
		return MS_EXIT_RUNTIME;
	return ret ? MS_EXIT_RUNTIME : MS_EXIT_OK;
}
