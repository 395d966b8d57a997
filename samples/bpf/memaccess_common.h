/* SPDX-License-Identifier: GPL-2.0 */
/* memaccess: records shared by memaccess_kern.c and memaccess_user.c. */
#ifndef __MEMACCESS_COMMON_H
#define __MEMACCESS_COMMON_H

#include "memstat_common.h"

#define MA_MAX_EVENTS	4	/* events at once: a program each (ma_ev0..3) */
#define MA_MAX_PROCS	8192	/* processes with a record */

/* procs[tgid]: its threads' events, as samples times the period. */
struct ma_proc {
	char comm[MS_COMM_LEN];	/* of the thread first sampled */
	__u32 tgid;
	__u32 pad;
	__u64 count[MA_MAX_EVENTS];	/* events: samples x period */
	__u64 samples[MA_MAX_EVENTS];
};

struct ma_cfg {
	struct ms_filter filter;
	__u64 period[MA_MAX_EVENTS];	/* events per sample */
};

enum ma_drop {
	MA_DROP_PROC,		/* procs map full: a sample not attributed */
	MA_NR_DROPS,
};

#endif /* __MEMACCESS_COMMON_H */
