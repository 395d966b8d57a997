// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: why a page allocation failed, from the state of the zones
 * it could use.  The allocator's last watermark check, __zone_watermark_ok()
 * as the slow path calls it (ALLOC_WMARK_MIN, watermark + boost) with the
 * request's ALLOC_HIGH/HARDER/CMA flags, on zone data read just after the
 * failure; and the node lists the verdict names.
 */
#include <stdio.h>
#include <string.h>

#include "libmemstat.h"

#define MT_PCPTYPES	3	/* Unmovable, Movable, Reclaimable */
#define MT_HIGHATOMIC	3

const char *const ms_zone_check_names[] = {
	[MS_ZONE_OK] = "ok",
	[MS_ZONE_BELOW_MIN] = "below_min",
	[MS_ZONE_CMA_MIN] = "below_min_without_cma",
	[MS_ZONE_FRAG] = "no_block",
	[MS_ZONE_CMA_FRAG] = "block_only_in_cma",
};

static long long zone_min(const struct ms_zone_req *r, const struct ms_zone *z)
{
	long long min = z->min + z->boost;

	if (r->high)
		min -= min / 2;
	if (r->harder)
		min -= min / 4;
	return min;
}

/* Free pages the watermark check counts (__zone_watermark_unusable_free). */
static long long zone_usable(const struct ms_zone_req *r,
			     const struct ms_zone *z, bool with_cma)
{
	long long free = z->free - ((1LL << r->order) - 1);

	if (!r->harder)
		free -= z->highatomic;
	if (!with_cma)
		free -= z->free_cma;
	return free;
}

/* A free block of order >= r->order in a list the request may use? */
static bool have_block(const struct ms_zone_req *r, const struct ms_zone *z,
		       bool with_cma)
{
	unsigned int o, lists = (1U << MT_PCPTYPES) - 1;

	if (with_cma && r->migrate_cma < 32)
		lists |= 1U << r->migrate_cma;
	if (r->harder)
		lists |= 1U << MT_HIGHATOMIC;
	for (o = r->order; o < r->max_order && o < MS_ZONE_ORDERS; o++)
		if (z->lists[o] & lists)
			return true;
	return false;
}

enum ms_zone_check ms_zone_check(const struct ms_zone_req *r,
				 const struct ms_zone *z)
{
	long long limit = zone_min(r, z) + z->reserve;
	bool cma_only = !r->alloc_cma && r->have_cma;

	if (zone_usable(r, z, r->alloc_cma) <= limit)
		return cma_only && zone_usable(r, z, true) > limit ?
		       MS_ZONE_CMA_MIN : MS_ZONE_BELOW_MIN;
	if (!r->order || have_block(r, z, r->alloc_cma))
		return MS_ZONE_OK;
	return cma_only && have_block(r, z, true) ?
	       MS_ZONE_CMA_FRAG : MS_ZONE_FRAG;
}

const char *ms_zone_verdict(const struct ms_env *env,
			    const struct ms_zone_req *r,
			    const struct ms_zone *zones, unsigned int n,
			    char *text, size_t len)
{
	const struct ms_zone *z = &zones[0];
	char nodes[64], all[64];
	unsigned int i, o;

	if (r->order >= r->max_order) {
		snprintf(text, len, "order %u >= MAX_ORDER (%u): never served",
			 r->order, r->max_order);
		return "max_order";
	}
	if (!n) {
		snprintf(text, len, "no zone data (no allowed zone on node %d)",
			 r->preferred_nid);
		return "unknown";
	}
	for (i = 0; i < n; i++) {
		if (ms_zone_check(r, &zones[i]) != MS_ZONE_OK)
			continue;
		snprintf(text, len,
			 "not explained by the zone state: a zone can serve it now (memory freed since, fault injection, memcg charge, or the request gave up early)");
		return "none";
	}
	if ((r->mem_nodes & ~r->allowed) && r->numa) {
		snprintf(text, len,
			 "cpuset/mempolicy: only nodes %s allowed of %s with memory (mempolicy %s)",
			 ms_fmt_nodes(r->allowed, nodes, sizeof(nodes)),
			 ms_fmt_nodes(r->mem_nodes, all, sizeof(all)),
			 ms_mempolicy_name(r->mempolicy));
		return "cpuset_mempolicy";
	}
	switch (ms_zone_check(r, z)) {
	case MS_ZONE_CMA_MIN:
		snprintf(text, len,
			 "CMA excluded: %s has %s free but %s of it is CMA, which a non-movable request cannot use",
			 z->name, ms_kib(env, ms_pages_kib(z->free)),
			 ms_kib(env, ms_pages_kib(z->free_cma)));
		return "cma";
	case MS_ZONE_CMA_FRAG:
		snprintf(text, len,
			 "CMA excluded: the only free blocks of order >= %u in %s are CMA",
			 r->order, z->name);
		return "cma";
	case MS_ZONE_FRAG:
		for (o = r->order; o < r->max_order && o < MS_ZONE_ORDERS; o++)
			if (z->nr_free[o])
				break;
		snprintf(text, len,
			 "fragmentation: %s has %s free, above min+reserve, but no usable free block of order >= %u%s",
			 z->name, ms_kib(env, ms_pages_kib(z->free)), r->order,
			 o < r->max_order && o < MS_ZONE_ORDERS ?
			 " (the free ones are reserved: highatomic or isolated)" : "");
		return "fragmentation";
	default:
		snprintf(text, len,
			 "below the min watermark: %s has %s usable free <= min %s + lowmem_reserve %s",
			 z->name,
			 ms_kib(env, ms_pages_kib(zone_usable(r, z, r->alloc_cma))),
			 ms_kib(env, ms_pages_kib(zone_min(r, z))),
			 ms_kib(env, ms_pages_kib(z->reserve)));
		return "below_min";
	}
}

static const char *const size_keys[] = {
	"free_kib", "min_kib", "low_kib", "high_kib", "boost_kib",
	"lowmem_reserve_kib", "free_cma_kib", "highatomic_kib", "managed_kib",
	"present_kib",
};

#define NR_SIZES	ARRAY_SIZE(size_keys)

/* The sizes of a zone, in the order of size_keys. */
static void zone_sizes(const struct ms_zone *z, long long *v)
{
	const long long sizes[NR_SIZES] = {
		z->free, z->min, z->low, z->high, z->boost, z->reserve,
		z->free_cma, z->highatomic, z->managed, z->present,
	};

	memcpy(v, sizes, sizeof(sizes));
}

static unsigned int zone_orders(const struct ms_zone_req *r)
{
	return r->max_order < MS_ZONE_ORDERS ? r->max_order : MS_ZONE_ORDERS;
}

void ms_zone_json(struct ms_json *j, const struct ms_zone_req *r,
		  const struct ms_zone *z)
{
	unsigned long long resv[MS_ZONE_TYPES];
	long long v[NR_SIZES];
	unsigned int i;

	zone_sizes(z, v);
	ms_json_obj(j, NULL);
	ms_json_str(j, "zone", z->name);
	ms_json_int(j, "node", z->nid);
	ms_json_str(j, "check", ms_zone_check_names[ms_zone_check(r, z)]);
	for (i = 0; i < NR_SIZES; i++)
		ms_json_int(j, size_keys[i], ms_pages_kib(v[i]));
	for (i = 0; i < MS_ZONE_TYPES; i++)
		resv[i] = ms_pages_kib(z->lowmem_reserve[i]);
	ms_json_uint_array(j, "lowmem_reserve_all_kib", resv, MS_ZONE_TYPES);
	ms_json_uint_array(j, "nr_free", z->nr_free, zone_orders(r));
	ms_json_pop(j);
}

void ms_zone_print(const struct ms_env *env, const struct ms_zone_req *r,
		   const struct ms_zone *zones, unsigned int n)
{
	long long v[NR_SIZES];
	unsigned int i, k, o;

	if (n)
		printf("  %-7s %3s %5s %5s %5s %5s %5s %5s %5s  %s\n", "ZONE",
		       "NID", "FREE", "MIN", "LOW", "HIGH", "BOOST", "RESV",
		       "CMA", "CHECK");
	for (i = 0; i < n; i++) {
		zone_sizes(&zones[i], v);
		printf("  %-7s %3d", zones[i].name, zones[i].nid);
		for (k = 0; k < 7; k++)	/* FREE .. CMA */
			printf(" %5s", ms_kib(env, ms_pages_kib(v[k])));
		printf("  %s\n",
		       ms_zone_check_names[ms_zone_check(r, &zones[i])]);
	}
	for (i = 0; i < n; i++) {
		printf("  %-7s managed %s, free blocks by order:", zones[i].name,
		       ms_kib(env, ms_pages_kib(zones[i].managed)));
		for (o = 0; o < zone_orders(r); o++)
			printf(" %llu", zones[i].nr_free[o]);
		putchar('\n');
	}
}

__u64 ms_mem_nodes(void)
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
		for (; lo <= hi && lo < 64; lo++)
			mask |= 1ULL << lo;
	}
	return mask ? mask : 1;
}

const char *ms_fmt_nodes(__u64 mask, char *buf, size_t len)
{
	size_t pos = 0;
	int n, end;

	buf[0] = '\0';
	for (n = 0; n < 64 && pos < len; n++) {
		if (!(mask >> n & 1))
			continue;
		for (end = n; end + 1 < 64 && (mask >> (end + 1) & 1);)
			end++;
		pos += snprintf(buf + pos, len - pos, end > n ? "%s%d-%d" : "%s%d",
				pos ? "," : "", n, end);
		n = end;
	}
	if (!buf[0])
		snprintf(buf, len, "none");
	return buf;
}

const char *ms_mempolicy_name(int mode)
{
	static const char *const names[] = {
		"default", "preferred", "bind", "interleave", "local",
	};

	if (mode < 0)
		return "none";
	return mode < (int)ARRAY_SIZE(names) ? names[mode] : "unknown";
}
