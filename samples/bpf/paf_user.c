// SPDX-License-Identifier: GPL-2.0
/*
 * paf: page allocation failures, as they happen: who asked (process,
 * order, gfp flags, migratetype, preferred node), the state of the zones
 * the request could use (free pages, watermarks with boost,
 * lowmem_reserve, free CMA pages, managed and present pages, free blocks
 * per order), the kernel stack, and a verdict where the zone state
 * supports one.  -s counts failures by (order, gfp, stack) instead.
 *
 * Attach point: fexit (BTF trampoline) on the allocator's entry point,
 * __alloc_pages_nodemask (5.10 LTS) or __alloc_pages (OLK-5.10), found in
 * /proc/kallsyms; it sees every NULL return.  Fallback: the raw tracepoint
 * kmem:mm_page_alloc with page == NULL, which misses failures decided
 * before it (fault injection, order >= MAX_ORDER) and has no node.
 * Requires: CONFIG_BPF_SYSCALL, CONFIG_DEBUG_INFO_BTF (fexit) or
 * CONFIG_TRACEPOINTS (fallback), CONFIG_KALLSYMS_ALL.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libmemstat.h"
#include "paf_common.h"

static const char usage[] =
"Usage: paf [-p PID] [-o ORDER] [-W] [-s] [-t] [-jTBv] [-d SEC]\n"
"           [interval [count]]\n"
"\n"
"Page allocation failures, as they happen: process, order, gfp flags,\n"
"migratetype, preferred node and zone, the state of the zones the request\n"
"could use (pages: free, min/low/high watermarks, boost, lowmem_reserve,\n"
"free CMA, managed, present, free blocks per order), the kernel stack and\n"
"a verdict: below the min watermark, fragmentation (enough free memory\n"
"but no free block of the order), CMA excluded, cpuset/mempolicy, or not\n"
"explained by the zone state.  Runs until Ctrl-C, SIGTERM, -d or the end\n"
"of the -p process; an interval adds a tally (with -s: the table).\n"
"\n"
"Options:\n"
"  -p, --pid PID      only failures of process PID\n"
"  -o, --order N      only failures of order >= N\n"
"  -W, --warn-only    only requests without __GFP_NOWARN (those the\n"
"                     kernel may log)\n"
"  -s, --summary      count failures by (order, gfp flags, stack) in the\n"
"                     kernel; print the table per interval and at the end\n"
"  -t, --tracepoint   use the kmem:mm_page_alloc fallback, not fexit\n"
"\n"
"Examples:\n"
"  paf                # every failure, with zones, stack and verdict\n"
"  paf -o 1 -W        # failures of order >= 1 the kernel may warn about\n"
"  paf -s 10          # top (order, gfp, stack) every 10 s\n"
"  paf -j -p 1234     # JSON Lines for process 1234\n";

#define MAX_NODES	64

struct paf_env {
	struct ms_env common;
	pid_t pid;			/* -p */
	unsigned long min_order;	/* -o */
	bool warn_only;			/* -W */
	bool summary;			/* -s */
	bool tracepoint;		/* -t */
};

struct summary_row {
	struct paf_key key;
	__u64 count;
	__u64 prev;			/* count at the previous report */
};

struct paf_ctx {
	struct paf_env *env;
	struct ms_ksyms *ksyms;
	const char *target;		/* allocator entry symbol */
	bool fexit;
	__u64 mem_nodes;		/* nodes with memory (N_MEMORY) */
	int drops_fd, counts_fd, stacks_fd;
	/* Records copied by the ring buffer callback, printed after it. */
	struct paf_event *queue;
	size_t queued, queue_cap;
	bool queue_oom;
	__u64 failures;			/* records received */
	__u64 interval_failures;
	unsigned long reports;
	struct summary_row *rows;
	size_t nr_rows, rows_cap;
};

static void parse_args(struct paf_env *env, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "order", required_argument, NULL, 'o' },
		{ "warn-only", no_argument, NULL, 'W' },
		{ "summary", no_argument, NULL, 's' },
		{ "tracepoint", no_argument, NULL, 't' },
		{},
	};
	struct ms_env *common = &env->common;
	int opt;

	while ((opt = ms_getopt(common, argc, argv, "p:o:Wst", longopts)) != -1) {
		switch (opt) {
		case 'p':
			env->pid = ms_parse_ulong_or_die(common, "pid", optarg,
							 1, INT_MAX);
			break;
		case 'o':
			env->min_order = ms_parse_ulong_or_die(common, "order",
							       optarg, 0,
							       PAF_NR_ORDERS - 1);
			break;
		case 'W':
			env->warn_only = true;
			break;
		case 's':
			env->summary = true;
			break;
		case 't':
			env->tracepoint = true;
			break;
		}
	}
	if (env->pid)
		ms_check_pid(common, env->pid);
}

/* Nodes 0..63 with memory, from sysfs; node 0 only without NUMA. */
static __u64 read_mem_nodes(void)
{
	FILE *f = fopen("/sys/devices/system/node/has_memory", "r");
	char buf[256], *p;
	__u64 mask = 0;

	if (!f)
		return 1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	/* "0-1,3" */
	for (p = strtok(buf, ",\n"); p; p = strtok(NULL, ",\n")) {
		int lo, hi, n;

		n = sscanf(p, "%d-%d", &lo, &hi);
		if (n < 1)
			continue;
		if (n == 1)
			hi = lo;
		for (; lo <= hi && lo < MAX_NODES; lo++)
			mask |= 1ULL << lo;
	}
	return mask ? mask : 1;
}

/* "0-1,3" from a mask of nodes 0..63. */
static const char *fmt_nodes(__u64 mask, char *buf, size_t len)
{
	size_t pos = 0;
	int n;

	buf[0] = '\0';
	for (n = 0; n < MAX_NODES && pos < len; n++) {
		int end = n;

		if (!(mask >> n & 1))
			continue;
		while (end + 1 < MAX_NODES && (mask >> (end + 1) & 1))
			end++;
		pos += snprintf(buf + pos, len - pos, end > n ? "%s%d-%d" : "%s%d",
				pos ? "," : "", n, end);
		n = end;
	}
	if (!buf[0])
		snprintf(buf, len, "none");
	return buf;
}

/*
 * The verdict, mirroring __zone_watermark_ok() for the slow path's last
 * try (ALLOC_WMARK_MIN, watermark + boost) with the request's
 * ALLOC_HIGH/HARDER/CMA flags, on zone data read just after the failure.
 */
enum zone_check {
	ZONE_OK,		/* the zone could serve the request now */
	ZONE_BELOW_MIN,		/* free pages at or below min + reserve */
	ZONE_CMA_MIN,		/* ... only because free CMA pages are excluded */
	ZONE_FRAG,		/* above min, no free block of the order */
	ZONE_CMA_FRAG,		/* ... a block exists, but only in CMA */
};

struct alloc_rules {
	bool high, harder, cma;
};

static struct alloc_rules alloc_rules(const struct paf_event *ev)
{
	/* Derived in the kernel with the tree's own gfp bits. */
	struct alloc_rules r = {
		.high = ev->flags & PAF_F_HIGH,
		.harder = ev->flags & PAF_F_HARDER,
		.cma = ev->flags & PAF_F_ALLOC_CMA,
	};

	return r;
}

static long long zone_min(const struct paf_zone *z, const struct alloc_rules *r)
{
	long long min = z->wmark[0] + z->boost;

	if (r->high)
		min -= min / 2;
	if (r->harder)
		min -= min / 4;
	return min;
}

static long long zone_reserve(const struct paf_event *ev,
			      const struct paf_zone *z)
{
	return ev->highest_zoneidx < PAF_NR_ZONE_IDX ?
	       z->lowmem_reserve[ev->highest_zoneidx] : 0;
}

/* Free pages the watermark check counts (__zone_watermark_unusable_free). */
static long long zone_usable(const struct paf_event *ev,
			     const struct paf_zone *z, const struct alloc_rules *r,
			     bool with_cma)
{
	long long free = (long long)z->free - ((1LL << ev->order) - 1);

	if (!r->harder)
		free -= z->highatomic;
	if (!with_cma)
		free -= z->free_cma;
	return free;
}

/* Has a free block of order >= ev->order in a list the request may use? */
static bool have_block(const struct paf_event *ev, const struct paf_zone *z,
		       const struct alloc_rules *r, bool with_cma)
{
	unsigned int o, mt;

	for (o = ev->order; o < ev->max_order && o < PAF_NR_ORDERS; o++) {
		for (mt = 0; mt < 3; mt++)	/* MIGRATE_PCPTYPES */
			if (z->lists[o][mt])
				return true;
		if (with_cma && ev->migrate_cma < PAF_NR_MT &&
		    z->lists[o][ev->migrate_cma])
			return true;
		if (r->harder && z->lists[o][3])	/* MIGRATE_HIGHATOMIC */
			return true;
	}
	return false;
}

static enum zone_check check_zone(const struct paf_event *ev,
				  const struct paf_zone *z)
{
	struct alloc_rules r = alloc_rules(ev);
	long long limit = zone_min(z, &r) + zone_reserve(ev, z);

	if (zone_usable(ev, z, &r, r.cma) <= limit)
		return !r.cma && (ev->flags & PAF_F_CMA) &&
		       zone_usable(ev, z, &r, true) > limit ?
		       ZONE_CMA_MIN : ZONE_BELOW_MIN;
	if (!ev->order || have_block(ev, z, &r, r.cma))
		return ZONE_OK;
	return !r.cma && (ev->flags & PAF_F_CMA) && have_block(ev, z, &r, true) ?
	       ZONE_CMA_FRAG : ZONE_FRAG;
}

static const char *const zone_check_names[] = {
	[ZONE_OK] = "ok",
	[ZONE_BELOW_MIN] = "below_min",
	[ZONE_CMA_MIN] = "below_min_without_cma",
	[ZONE_FRAG] = "no_block",
	[ZONE_CMA_FRAG] = "block_only_in_cma",
};

/* MPOL_* of include/uapi/linux/mempolicy.h; -1: the task has none. */
static const char *mempolicy_name(int mode)
{
	static const char *const names[] = {
		"default", "preferred", "bind", "interleave", "local",
	};

	if (mode < 0)
		return "none";
	return mode < (int)ARRAY_SIZE(names) ? names[mode] : "unknown";
}

/* Short verdict key for JSON and -s, and a sentence for people. */
static const char *verdict(const struct paf_ctx *ctx, const struct paf_event *ev,
			   char *text, size_t len)
{
	const struct paf_zone *z = &ev->zones[0];
	__u64 allowed = ev->nodemask & ev->mems_allowed;
	char nodes[64], all[64];
	unsigned int i, o;
	bool any_ok = false;

	if (ev->order >= ev->max_order) {
		snprintf(text, len, "order %u >= MAX_ORDER (%u): never served",
			 ev->order, ev->max_order);
		return "max_order";
	}
	if (!ev->nr_zones) {
		snprintf(text, len, "no zone data (no allowed zone on node %d)",
			 ev->preferred_nid);
		return "unknown";
	}
	for (i = 0; i < ev->nr_zones && i < PAF_NR_ZONES; i++)
		any_ok |= check_zone(ev, &ev->zones[i]) == ZONE_OK;
	if (any_ok) {
		snprintf(text, len,
			 "not explained by the zone state: a zone can serve it now (memory freed since, fault injection, memcg charge, or the request gave up early)");
		return "none";
	}
	if ((ctx->mem_nodes & ~allowed) && (ev->flags & PAF_F_NUMA)) {
		snprintf(text, len,
			 "cpuset/mempolicy: only nodes %s allowed of %s with memory (mempolicy %s)",
			 fmt_nodes(allowed, nodes, sizeof(nodes)),
			 fmt_nodes(ctx->mem_nodes, all, sizeof(all)),
			 mempolicy_name(ev->mempolicy));
		return "cpuset_mempolicy";
	}
	switch (check_zone(ev, z)) {
	case ZONE_CMA_MIN:
		snprintf(text, len,
			 "CMA excluded: %s has %llu free pages but %llu are CMA, which a non-movable request cannot use",
			 z->name, z->free, z->free_cma);
		return "cma";
	case ZONE_CMA_FRAG:
		snprintf(text, len,
			 "CMA excluded: the only free blocks of order >= %u in %s are CMA",
			 ev->order, z->name);
		return "cma";
	case ZONE_FRAG:
		for (o = ev->order; o < ev->max_order && o < PAF_NR_ORDERS; o++)
			if (z->nr_free[o])
				break;
		snprintf(text, len,
			 "fragmentation: %s has %llu free pages, above min+reserve, but no usable free block of order >= %u%s",
			 z->name, z->free, ev->order,
			 o < ev->max_order && o < PAF_NR_ORDERS ?
			 " (the free ones are reserved: highatomic or isolated)" : "");
		return "fragmentation";
	default: {
		struct alloc_rules r = alloc_rules(ev);

		snprintf(text, len,
			 "below the min watermark: %s has %lld usable free pages <= min %lld + lowmem_reserve %lld",
			 z->name, zone_usable(ev, z, &r, r.cma), zone_min(z, &r),
			 zone_reserve(ev, z));
		return "below_min";
	}
	}
}

/* Frames to print: from the allocator entry on, without BPF frames. */
static unsigned int stack_start(const struct paf_ctx *ctx, const __u64 *ips,
				unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const char *name = ms_ksyms_lookup(ctx->ksyms, ips[i], NULL);

		if (name && ctx->target && !strcmp(name, ctx->target))
			return i;
	}
	/* No allocator frame (tracepoint): skip what belongs to BPF. */
	for (i = 0; i < n; i++) {
		const char *name = ms_ksyms_lookup(ctx->ksyms, ips[i], NULL);

		if (name && strncmp(name, "bpf_", 4) && strncmp(name, "__bpf", 5))
			return i;
	}
	return 0;
}

static unsigned int stack_frames(const struct paf_ctx *ctx, const __u64 *ips,
				 unsigned int max, char sym[][128],
				 const char **names)
{
	unsigned int n = 0, i, start;

	while (n < max && ips[n])
		n++;
	start = stack_start(ctx, ips, n);
	for (i = start; i < n; i++) {
		ms_ksyms_format(ctx->ksyms, ips[i], sym[i - start], 128);
		names[i - start] = sym[i - start];
	}
	return n - start;
}

static void zone_json(const struct paf_event *ev, const struct paf_zone *z,
		      char **out)
{
	unsigned long long nr_free[PAF_NR_ORDERS], reserve[PAF_NR_ZONE_IDX];
	unsigned int o, n = ev->max_order < PAF_NR_ORDERS ? ev->max_order :
			    PAF_NR_ORDERS;
	struct ms_json j;
	size_t len;
	FILE *f;

	f = open_memstream(out, &len);
	if (!f) {
		*out = NULL;
		return;
	}
	for (o = 0; o < n; o++)
		nr_free[o] = z->nr_free[o];
	for (o = 0; o < PAF_NR_ZONE_IDX; o++)
		reserve[o] = z->lowmem_reserve[o];
	ms_json_begin(&j, f);
	ms_json_str(&j, "zone", z->name);
	ms_json_int(&j, "node", z->nid);
	ms_json_str(&j, "check", zone_check_names[check_zone(ev, z)]);
	ms_json_uint(&j, "free", z->free);
	ms_json_uint(&j, "min", z->wmark[0]);
	ms_json_uint(&j, "low", z->wmark[1]);
	ms_json_uint(&j, "high", z->wmark[2]);
	ms_json_uint(&j, "boost", z->boost);
	ms_json_int(&j, "lowmem_reserve", zone_reserve(ev, z));
	ms_json_uint_array(&j, "lowmem_reserve_all", reserve, PAF_NR_ZONE_IDX);
	ms_json_uint(&j, "free_cma", z->free_cma);
	ms_json_uint(&j, "highatomic", z->highatomic);
	ms_json_uint(&j, "managed", z->managed);
	ms_json_uint(&j, "present", z->present);
	ms_json_uint_array(&j, "nr_free", nr_free, n);
	fputc('}', f);
	fclose(f);
}

static void print_event_json(struct paf_ctx *ctx, const struct paf_event *ev,
			     const char *key, const char *text, char sym[][128],
			     const char **names, unsigned int frames)
{
	char gfp[256], buf[64], *zones = NULL;
	struct ms_json j;
	unsigned int i;
	size_t zlen = 0;
	FILE *zf;

	ms_json_begin(&j, stdout);
	ms_json_str(&j, "type", "failure");
	ms_json_str(&j, "time", ms_clock(buf, sizeof(buf)));
	ms_json_uint(&j, "ts_ns", ev->ts_ns);
	ms_json_uint(&j, "pid", ev->pid);
	ms_json_uint(&j, "tid", ev->tid);
	ms_json_str(&j, "comm", ev->comm);
	ms_json_uint(&j, "order", ev->order);
	ms_json_str(&j, "gfp", ms_gfp_decode(ev->gfp, gfp, sizeof(gfp)));
	snprintf(buf, sizeof(buf), "0x%x", ev->gfp);
	ms_json_str(&j, "gfp_hex", buf);
	ms_json_str(&j, "migratetype", ms_migratetype_name(ev->migratetype));
	ms_json_int(&j, "preferred_nid", ev->preferred_nid);
	ms_json_uint(&j, "highest_zoneidx", ev->highest_zoneidx);
	ms_json_str(&j, "preferred_zone", ev->nr_zones ? ev->zones[0].name : "");
	if (ev->flags & PAF_F_NODEMASK)
		ms_json_str(&j, "nodemask", fmt_nodes(ev->nodemask, buf, sizeof(buf)));
	if (ev->flags & PAF_F_CPUSETS)
		ms_json_str(&j, "mems_allowed",
			    fmt_nodes(ev->mems_allowed, buf, sizeof(buf)));
	ms_json_str(&j, "mempolicy", mempolicy_name(ev->mempolicy));
	ms_json_str(&j, "source", ev->flags & PAF_F_FEXIT ? "fexit" : "tracepoint");
	ms_json_str(&j, "verdict", key);
	ms_json_str(&j, "verdict_text", text);
	zf = open_memstream(&zones, &zlen);
	if (zf) {
		fputc('[', zf);
		for (i = 0; i < ev->nr_zones && i < PAF_NR_ZONES; i++) {
			char *one;

			zone_json(ev, &ev->zones[i], &one);
			if (one)
				fprintf(zf, "%s%s", i ? "," : "", one);
			free(one);
		}
		fputc(']', zf);
		fclose(zf);
		ms_json_raw(&j, "zones", zones);
		free(zones);
	}
	if (ev->stack_bytes < 0)
		ms_json_int(&j, "stack_error", ev->stack_bytes);
	ms_json_str_array(&j, "stack", names, frames);
	ms_json_end(&j);
}

static void print_zone_row(const struct paf_event *ev, const struct paf_zone *z)
{
	printf("  %-8s %4d %9llu %8llu %8llu %8llu %6llu %8lld %7llu %9llu %9llu  %s\n",
	       z->name, z->nid, z->free, z->wmark[0], z->wmark[1], z->wmark[2],
	       z->boost, zone_reserve(ev, z), z->free_cma, z->managed,
	       z->present, zone_check_names[check_zone(ev, z)]);
}

static void print_event_text(struct paf_ctx *ctx, const struct paf_event *ev,
			     const char *text, const char *const *names,
			     unsigned int frames)
{
	char gfp[256], buf[64], mems[64];
	unsigned int i, o;

	printf("%s %s pid %u tid %u: order %u page allocation failure (%s)\n",
	       ms_clock(buf, sizeof(buf)), ev->comm, ev->pid, ev->tid,
	       ev->order, ev->flags & PAF_F_FEXIT ? "fexit" : "tracepoint");
	printf("  gfp %s (0x%x), migratetype %s, preferred node %d, zone %s\n",
	       ms_gfp_decode(ev->gfp, gfp, sizeof(gfp)), ev->gfp,
	       ms_migratetype_name(ev->migratetype), ev->preferred_nid,
	       ev->nr_zones ? ev->zones[0].name : "-");
	if (ev->flags & (PAF_F_NODEMASK | PAF_F_CPUSETS))
		printf("  nodemask %s, cpuset mems %s, mempolicy %s\n",
		       ev->flags & PAF_F_NODEMASK ?
		       fmt_nodes(ev->nodemask, buf, sizeof(buf)) : "-",
		       ev->flags & PAF_F_CPUSETS ?
		       fmt_nodes(ev->mems_allowed, mems, sizeof(mems)) : "-",
		       mempolicy_name(ev->mempolicy));
	printf("  verdict: %s\n", text);
	if (ev->nr_zones) {
		printf("  %-8s %4s %9s %8s %8s %8s %6s %8s %7s %9s %9s  %s (pages)\n",
		       "ZONE", "NODE", "FREE", "MIN", "LOW", "HIGH", "BOOST",
		       "RESERVE", "CMA", "MANAGED", "PRESENT", "CHECK");
		for (i = 0; i < ev->nr_zones && i < PAF_NR_ZONES; i++)
			print_zone_row(ev, &ev->zones[i]);
		for (i = 0; i < ev->nr_zones && i < PAF_NR_ZONES; i++) {
			printf("  free blocks %-8s", ev->zones[i].name);
			for (o = 0; o < ev->max_order && o < PAF_NR_ORDERS; o++)
				printf(" %llu", ev->zones[i].nr_free[o]);
			printf("  (order 0..%u)\n", ev->max_order - 1);
		}
	}
	if (ev->stack_bytes < 0)
		printf("  stack: not available (%s)\n", strerror(-ev->stack_bytes));
	for (i = 0; i < frames; i++)
		printf("    %s\n", names[i]);
	putchar('\n');
}

static void print_event(struct paf_ctx *ctx, const struct paf_event *ev)
{
	char sym[PAF_STACK_DEPTH][128], text[512];
	const char *names[PAF_STACK_DEPTH];
	unsigned int frames = 0;
	const char *key;

	if (ev->stack_bytes > 0)
		frames = stack_frames(ctx, ev->stack, ev->stack_bytes / 8 <
				      PAF_STACK_DEPTH ? ev->stack_bytes / 8 :
				      PAF_STACK_DEPTH, sym, names);
	key = verdict(ctx, ev, text, sizeof(text));
	if (ctx->env->common.json)
		print_event_json(ctx, ev, key, text, sym, names, frames);
	else
		print_event_text(ctx, ev, text, names, frames);
}

/* Ring buffer callback: copy only; printing happens after the poll. */
static int on_event(void *arg, void *data, size_t size)
{
	struct paf_ctx *ctx = arg;

	if (size < sizeof(struct paf_event))
		return 0;
	if (ctx->queued == ctx->queue_cap) {
		size_t ncap = ctx->queue_cap ? ctx->queue_cap * 2 : 16;
		struct paf_event *q = realloc(ctx->queue, ncap * sizeof(*q));

		if (!q) {
			ctx->queue_oom = true;
			return -ENOMEM;
		}
		ctx->queue = q;
		ctx->queue_cap = ncap;
	}
	memcpy(&ctx->queue[ctx->queued++], data, sizeof(struct paf_event));
	return 0;
}

static void flush_events(struct paf_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->queued; i++)
		print_event(ctx, &ctx->queue[i]);
	ctx->failures += ctx->queued;
	ctx->interval_failures += ctx->queued;
	ctx->queued = 0;
	fflush(stdout);
}

static __u64 drops_total(const struct paf_ctx *ctx, __u64 *each)
{
	__u64 total = 0;
	__u32 r;

	for (r = 0; r < PAF_NR_DROPS; r++) {
		each[r] = 0;
		ms_percpu_sum(ctx->drops_fd, r, &each[r]);
		total += each[r];
	}
	return total;
}

static struct summary_row *find_row(struct paf_ctx *ctx,
				    const struct paf_key *key)
{
	size_t i;

	for (i = 0; i < ctx->nr_rows; i++)
		if (!memcmp(&ctx->rows[i].key, key, sizeof(*key)))
			return &ctx->rows[i];
	if (ctx->nr_rows == ctx->rows_cap) {
		size_t ncap = ctx->rows_cap ? ctx->rows_cap * 2 : 64;
		struct summary_row *r = realloc(ctx->rows, ncap * sizeof(*r));

		if (!r)
			return NULL;
		ctx->rows = r;
		ctx->rows_cap = ncap;
	}
	memset(&ctx->rows[ctx->nr_rows], 0, sizeof(*ctx->rows));
	ctx->rows[ctx->nr_rows].key = *key;
	return &ctx->rows[ctx->nr_rows++];
}

static int read_summary(struct paf_ctx *ctx)
{
	struct paf_key key, next, *prev = NULL;
	struct summary_row *row;
	__u64 count;

	while (!bpf_map_get_next_key(ctx->counts_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(ctx->counts_fd, &key, &count))
			continue;
		row = find_row(ctx, &key);
		if (!row)
			return -ENOMEM;
		row->count = count;
	}
	return 0;
}

static __u64 row_value(const struct summary_row *r, bool delta)
{
	return delta ? r->count - r->prev : r->count;
}

static bool by_delta;

static int row_cmp(const void *a, const void *b)
{
	__u64 x = row_value(a, by_delta), y = row_value(b, by_delta);

	return x < y ? 1 : x > y ? -1 : 0;
}

static void print_summary_table(struct paf_ctx *ctx, bool delta)
{
	char gfp[256], clock[16], sym[PAF_STACK_DEPTH][128];
	const char *names[PAF_STACK_DEPTH];
	__u64 ips[PAF_STACK_DEPTH];
	unsigned int frames, i;
	struct ms_json j;
	size_t r;

	by_delta = delta;
	qsort(ctx->rows, ctx->nr_rows, sizeof(*ctx->rows), row_cmp);
	ms_clock(clock, sizeof(clock));
	if (!ctx->env->common.json) {
		if (ctx->env->common.timestamp)
			printf("%s\n", clock);
		printf("%8s %5s  %s\n", "COUNT", "ORDER", "GFP / STACK");
	}
	for (r = 0; r < ctx->nr_rows; r++) {
		const struct summary_row *row = &ctx->rows[r];
		__u64 n = row_value(row, delta);

		if (!n)
			continue;
		frames = 0;
		memset(ips, 0, sizeof(ips));
		if (row->key.stack_id >= 0 &&
		    !bpf_map_lookup_elem(ctx->stacks_fd, &row->key.stack_id, ips))
			frames = stack_frames(ctx, ips, PAF_STACK_DEPTH, sym, names);
		ms_gfp_decode(row->key.gfp, gfp, sizeof(gfp));
		if (!ctx->env->common.json) {
			printf("%8llu %5u  %s\n", n, row->key.order, gfp);
			for (i = 0; i < frames; i++)
				printf("%16s%s\n", "", names[i]);
			continue;
		}
		ms_json_begin(&j, stdout);
		ms_json_str(&j, "type", delta ? "failures" : "failures_total");
		if (ctx->env->common.timestamp)
			ms_json_str(&j, "time", clock);
		ms_json_uint(&j, "count", n);
		ms_json_uint(&j, "order", row->key.order);
		ms_json_str(&j, "gfp", gfp);
		ms_json_int(&j, "stack_id", row->key.stack_id);
		ms_json_str_array(&j, "stack", names, frames);
		ms_json_end(&j);
	}
	for (r = 0; r < ctx->nr_rows; r++)
		ctx->rows[r].prev = ctx->rows[r].count;
}

static __u64 summary_total(const struct paf_ctx *ctx)
{
	__u64 total = 0;
	size_t r;

	for (r = 0; r < ctx->nr_rows; r++)
		total += ctx->rows[r].count;
	return total;
}

/* One report per interval: the -s table, or a tally of failures. */
static int report(struct paf_ctx *ctx)
{
	char clock[16];
	struct ms_json j;

	if (ctx->env->summary) {
		if (read_summary(ctx))
			return -1;
		if (ctx->reports && !ctx->env->common.json)
			putchar('\n');
		print_summary_table(ctx, true);
	} else if (ctx->env->common.json) {
		ms_json_begin(&j, stdout);
		ms_json_str(&j, "type", "interval");
		ms_json_str(&j, "time", ms_clock(clock, sizeof(clock)));
		ms_json_uint(&j, "failures", ctx->interval_failures);
		ms_json_uint(&j, "total", ctx->failures);
		ms_json_end(&j);
	} else {
		if (!ctx->reports)
			printf("%-8s %9s %9s\n", "TIME", "FAILURES", "TOTAL");
		printf("%-8s %9llu %9llu\n", ms_clock(clock, sizeof(clock)),
		       ctx->interval_failures, ctx->failures);
	}
	ctx->interval_failures = 0;
	ctx->reports++;
	fflush(stdout);
	return 0;
}

static int print_final(struct paf_ctx *ctx)
{
	__u64 each[PAF_NR_DROPS], dropped = drops_total(ctx, each), total;
	struct ms_json j;

	total = ctx->failures;
	if (ctx->env->summary) {
		if (read_summary(ctx))
			return -1;
		total = summary_total(ctx);
		if (!ctx->env->common.json)
			printf("%stotals:\n", ctx->reports ? "\n" : "");
		print_summary_table(ctx, false);
	}
	if (dropped)
		ms_warn(&ctx->env->common,
			"dropped: %llu records (ring buffer full), %llu failures (summary map full), %llu stacks",
			each[PAF_DROP_RINGBUF], each[PAF_DROP_KEYS],
			each[PAF_DROP_STACK]);
	if (!ctx->env->common.json) {
		printf("\npaf: %lu reports; %llu failures traced (%s %s), %llu dropped\n",
		       ctx->reports, total, ctx->fexit ? "fexit" : "tracepoint",
		       ctx->fexit ? ctx->target : "kmem:mm_page_alloc", dropped);
		return 0;
	}
	ms_json_begin(&j, stdout);
	ms_json_str(&j, "type", "summary");
	ms_json_uint(&j, "reports", ctx->reports);
	ms_json_uint(&j, "failures", total);
	ms_json_str(&j, "source", ctx->fexit ? "fexit" : "tracepoint");
	ms_json_str(&j, "attach", ctx->fexit ? ctx->target : "kmem:mm_page_alloc");
	ms_json_uint(&j, "dropped", dropped);
	ms_json_uint(&j, "dropped_ringbuf", each[PAF_DROP_RINGBUF]);
	ms_json_uint(&j, "dropped_keys", each[PAF_DROP_KEYS]);
	ms_json_uint(&j, "dropped_stacks", each[PAF_DROP_STACK]);
	ms_json_end(&j);
	return 0;
}

static void write_cfg(const struct paf_env *env, struct bpf_object *obj,
		      const struct ms_ksym_req *reqs)
{
	struct paf_cfg cfg = {
		.node_data = reqs[0].addr,
		.contig_page_data = reqs[0].addr ? 0 : reqs[1].addr,
		.tgid = env->pid,
		.min_order = env->min_order,
		.summary = env->summary,
		.warn_only = env->warn_only,
	};
	int fd = ms_map_fd(&env->common, obj, "cfg");
	__u32 zero = 0;

	if (bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY))
		ms_fatal(&env->common, "cannot configure the BPF program: %s",
			 strerror(errno));
}

/*
 * fexit on the allocator entry when the kernel has BTF; else, or when
 * that fails, the tracepoint.  Returns the loaded object and its link.
 */
static struct bpf_object *load_attach(struct paf_ctx *ctx,
				      const struct ms_ksym_req *reqs,
				      struct bpf_link **link)
{
	const struct paf_env *env = ctx->env;
	struct bpf_program *fexit, *tp;
	struct bpf_object *obj;
	char why[256] = "";
	long err;

	if (!ctx->target)
		snprintf(why, sizeof(why),
			 "neither __alloc_pages_nodemask nor __alloc_pages is in /proc/kallsyms");
	else if (!ms_kernel_btf_exists())
		snprintf(why, sizeof(why),
			 "no kernel BTF for fexit on %s (needs CONFIG_DEBUG_INFO_BTF=y)",
			 ctx->target);
	if (!why[0] && !env->tracepoint) {
		obj = ms_obj_open(&env->common);
		fexit = ms_prog_find(&env->common, obj, "paf_alloc_exit");
		tp = ms_prog_find(&env->common, obj, "paf_page_alloc");
		bpf_program__set_autoload(tp, false);
		err = bpf_program__set_attach_target(fexit, 0, ctx->target);
		if (!err)
			err = bpf_object__load(obj);
		if (!err) {
			write_cfg(env, obj, reqs);
			*link = bpf_program__attach(fexit);
			err = libbpf_get_error(*link);
		}
		if (!err) {
			ctx->fexit = true;
			return obj;
		}
		snprintf(why, sizeof(why), "fexit on %s failed: %s",
			 ctx->target, ms_strerror(err));
		bpf_object__close(obj);
	}
	obj = ms_obj_open(&env->common);
	fexit = ms_prog_find(&env->common, obj, "paf_alloc_exit");
	tp = ms_prog_find(&env->common, obj, "paf_page_alloc");
	bpf_program__set_autoload(fexit, false);
	err = bpf_object__load(obj);
	if (!err) {
		write_cfg(env, obj, reqs);
		*link = bpf_program__attach(tp);
		err = libbpf_get_error(*link);
	}
	if (err)
		ms_fatal(&env->common,
			 "cannot trace allocation failures: %s; tracepoint kmem:mm_page_alloc: %s (needs CONFIG_TRACEPOINTS=y)",
			 why[0] ? why : "fexit not tried (-t)",
			 ms_strerror(err));
	if (why[0])
		ms_warn(&env->common,
			"%s: using tracepoint kmem:mm_page_alloc, which misses failures before it (fault injection, order >= MAX_ORDER) and has no preferred node",
			why);
	return obj;
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Poll and print until a signal, -d, the count, or the -p process ends. */
static int run(struct paf_ctx *ctx, struct ring_buffer *rb)
{
	const struct ms_env *common = &ctx->env->common;
	double start = now_sec(), next = start + common->interval;
	double deadline = common->duration ? start + common->duration : 0;
	bool gone = false;
	int err;

	while (!ms_exiting()) {
		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR) {
			if (ctx->queue_oom)
				ms_warn(common, "out of memory for records");
			else
				ms_warn(common, "reading the ring buffer failed: %s",
					ms_strerror(err));
			return -1;
		}
		flush_events(ctx);
		if (ctx->env->pid && kill(ctx->env->pid, 0) && errno == ESRCH)
			gone = true;
		if (common->interval && (now_sec() >= next || gone)) {
			if (report(ctx))
				return -1;
			next += common->interval;
			if (common->count && ctx->reports >= common->count)
				break;
		}
		if (gone) {
			ms_warn(common, "process %d exited", ctx->env->pid);
			break;
		}
		if (deadline && now_sec() >= deadline)
			break;
	}
	/* What the kernel wrote before we stopped. */
	ring_buffer__consume(rb);
	flush_events(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	struct ms_ksym_req reqs[] = {
		{ "node_data", NULL },
		{ "contig_page_data", NULL },
		{ "__alloc_pages_nodemask", NULL },
		{ "__alloc_pages", NULL },
	};
	struct paf_env env = {};
	struct paf_ctx ctx = {};
	struct bpf_link *link = NULL;
	struct ring_buffer *rb;
	struct bpf_object *obj;
	int ret;

	ms_env_init(&env.common, "paf", usage);
	parse_args(&env, argc, argv);
	ms_tool_init(&env.common);
	ctx.env = &env;

	ms_kallsyms_resolve(&env.common, reqs, ARRAY_SIZE(reqs));
	if (!reqs[0].addr && !reqs[1].addr)
		ms_fatal(&env.common,
			 "kernel symbols node_data and contig_page_data not found: this kernel needs CONFIG_KALLSYMS_ALL=y");
	ctx.target = reqs[2].addr ? reqs[2].name :
		     reqs[3].addr ? reqs[3].name : NULL;
	ctx.ksyms = ms_ksyms_load();
	if (!ctx.ksyms)
		ms_fatal(&env.common, "cannot read kernel symbols: %s",
			 strerror(errno));
	ctx.mem_nodes = read_mem_nodes();

	obj = load_attach(&ctx, reqs, &link);
	ctx.drops_fd = ms_map_fd(&env.common, obj, "drops");
	ctx.counts_fd = ms_map_fd(&env.common, obj, "counts");
	ctx.stacks_fd = ms_map_fd(&env.common, obj, "stack_traces");
	rb = ring_buffer__new(ms_map_fd(&env.common, obj, "events"), on_event,
			      &ctx, NULL);
	if (libbpf_get_error(rb))
		ms_fatal(&env.common, "cannot open the ring buffer: %s",
			 ms_strerror(libbpf_get_error(rb)));
	if (!env.common.json)
		fprintf(stderr, "paf: tracing page allocation failures (%s %s); Ctrl-C to end\n",
			ctx.fexit ? "fexit" : "tracepoint",
			ctx.fexit ? ctx.target : "kmem:mm_page_alloc");

	ret = run(&ctx, rb);
	bpf_link__destroy(link);
	if (print_final(&ctx))
		ret = -1;

	ring_buffer__free(rb);
	bpf_object__close(obj);
	ms_ksyms_free(ctx.ksyms);
	free(ctx.queue);
	free(ctx.rows);
	if (fflush(stdout) || ferror(stdout))
		return MS_EXIT_RUNTIME;
	return ret ? MS_EXIT_RUNTIME : MS_EXIT_OK;
}
