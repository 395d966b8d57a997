/* SPDX-License-Identifier: GPL-2.0 */
/* heapsnoop: records shared by heapsnoop_kern.c and heapsnoop_user.c. */
#ifndef __HEAPSNOOP_COMMON_H
#define __HEAPSNOOP_COMMON_H

#include "memstat_common.h"

/*
 * Probe sites traced at most: a BPF program each (5.10 has no BPF
 * cookie to tell one uprobe from another).  glibc 2.28-2.38 has about
 * 35 memory probe sites.
 */
#define HS_MAX_SITES	64

/* sites[n]: where the arguments of the probe at site n are. */
struct hs_site {
	__u32 nargs;
	__u32 pad;
	struct ms_usdt_arg args[MS_USDT_MAX_ARGS];
};

/* One probe hit. */
struct hs_event {
	__u64 ts_ns;
	__u64 args[MS_USDT_MAX_ARGS];
	__u32 pid;
	__u32 tid;
	__u32 site;
	__u32 unread;		/* bit i: argument i could not be read */
	char comm[MS_COMM_LEN];
};

struct hs_cfg {
	struct ms_filter filter;
};

enum hs_drop {
	HS_DROP_EVENT,		/* ring buffer full: a hit lost */
	HS_DROP_ARG,		/* an argument not readable */
	HS_NR_DROPS,
};

#endif /* __HEAPSNOOP_COMMON_H */
