// SPDX-License-Identifier: GPL-2.0
/*
 * heapsnoop: a uprobe on each USDT probe site of the C library (or of
 * the object -O names), a program per site: the program's number says
 * which site fired, sites[number] where its arguments are.  Each hit
 * reads them and sends one record on the ring buffer; glibc's malloc
 * probes mark rare events (a heap grown, an arena made, a mallopt), so
 * a record each costs little.
 */
#include <linux/ptrace.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "heapsnoop_common.h"
#include "memstat_kern.h"

MS_CONFIG_MAP(struct hs_cfg);
MS_MAP(sites, ARRAY, __u32, struct hs_site, HS_MAX_SITES);
MS_RINGBUF_MAP(256 * 1024);
MS_DROPS_MAP(HS_NR_DROPS);

static __always_inline int hs_hit(struct pt_regs *ctx, __u32 n)
{
	struct hs_site *site = bpf_map_lookup_elem(&sites, &n);
	__u64 id = bpf_get_current_pid_tgid();
	struct hs_event *e;
	int i;

	if (!site || !ms_cfg_traced())
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(HS_DROP_EVENT);
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = id;
	e->site = n;
	e->unread = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
#pragma unroll
	for (i = 0; i < MS_USDT_MAX_ARGS; i++) {
		e->args[i] = 0;
		if (i < site->nargs && !ms_usdt_arg(ctx, &site->args[i],
						    &e->args[i])) {
			e->unread |= 1U << i;
			count_drop(HS_DROP_ARG);
		}
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Program hs_site_AB serves site 0AB: the digits are octal, 64 sites. */
#define HS_SITE(a, b)							\
SEC("uprobe/site")							\
int hs_site_##a##b(struct pt_regs *ctx)					\
{									\
	return hs_hit(ctx, (a) * 8 + (b));				\
}

HS_SITE(0, 0) HS_SITE(0, 1) HS_SITE(0, 2) HS_SITE(0, 3)
HS_SITE(0, 4) HS_SITE(0, 5) HS_SITE(0, 6) HS_SITE(0, 7)
HS_SITE(1, 0) HS_SITE(1, 1) HS_SITE(1, 2) HS_SITE(1, 3)
HS_SITE(1, 4) HS_SITE(1, 5) HS_SITE(1, 6) HS_SITE(1, 7)
HS_SITE(2, 0) HS_SITE(2, 1) HS_SITE(2, 2) HS_SITE(2, 3)
HS_SITE(2, 4) HS_SITE(2, 5) HS_SITE(2, 6) HS_SITE(2, 7)
HS_SITE(3, 0) HS_SITE(3, 1) HS_SITE(3, 2) HS_SITE(3, 3)
HS_SITE(3, 4) HS_SITE(3, 5) HS_SITE(3, 6) HS_SITE(3, 7)
HS_SITE(4, 0) HS_SITE(4, 1) HS_SITE(4, 2) HS_SITE(4, 3)
HS_SITE(4, 4) HS_SITE(4, 5) HS_SITE(4, 6) HS_SITE(4, 7)
HS_SITE(5, 0) HS_SITE(5, 1) HS_SITE(5, 2) HS_SITE(5, 3)
HS_SITE(5, 4) HS_SITE(5, 5) HS_SITE(5, 6) HS_SITE(5, 7)
HS_SITE(6, 0) HS_SITE(6, 1) HS_SITE(6, 2) HS_SITE(6, 3)
HS_SITE(6, 4) HS_SITE(6, 5) HS_SITE(6, 6) HS_SITE(6, 7)
HS_SITE(7, 0) HS_SITE(7, 1) HS_SITE(7, 2) HS_SITE(7, 3)
HS_SITE(7, 4) HS_SITE(7, 5) HS_SITE(7, 6) HS_SITE(7, 7)

char _license[] SEC("license") = "GPL";
