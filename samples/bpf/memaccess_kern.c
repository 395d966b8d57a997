// SPDX-License-Identifier: GPL-2.0
/*
 * memaccess: memory-access cost per process from sampling perf events.
 *
 * The user side opens each event on every CPU with a sample period and
 * attaches program ma_evN to event N's: at each sample the current task
 * gets the period's events.  The samples of every task (idle too) are
 * added per CPU as well; the user side compares that with the events'
 * own counts.  5.10 has no BPF cookie, hence a program per event.
 */
#include <linux/ptrace.h>
#include <uapi/linux/bpf.h>
#include <uapi/linux/bpf_perf_event.h>
#include <bpf/bpf_helpers.h>

#include "memaccess_common.h"
#include "memstat_kern.h"

MS_CONFIG_MAP(struct ma_cfg);
MS_MAP(procs, HASH, __u32, struct ma_proc, MA_MAX_PROCS);
MS_COUNTS_MAP(MA_MAX_EVENTS);		/* events sampled, every task */
MS_DROPS_MAP(MA_NR_DROPS);

static __always_inline int sample(int ev)
{
	struct ma_cfg *cfg = ms_cfg();
	struct ma_proc zero = {}, *p;
	__u32 tgid = ms_tgid();
	__u64 period;

	if (!cfg)
		return 0;
	/* Not ctx->sample_period: software events leave it 0. */
	period = cfg->period[ev];
	ms_percpu_add(&counts, ev, period);
	if (!ms_traced(&cfg->filter, tgid))
		return 0;
	p = ms_proc_get(&procs, tgid, &zero, MA_DROP_PROC);
	if (p) {
		__sync_fetch_and_add(&p->count[ev], period);
		__sync_fetch_and_add(&p->samples[ev], 1);
	}
	return 0;
}

#define MA_PROG(n)							\
SEC("perf_event")							\
int ma_ev##n(struct bpf_perf_event_data *ctx)				\
{									\
	return sample(n);						\
}

MA_PROG(0)
MA_PROG(1)
MA_PROG(2)
MA_PROG(3)

char _license[] SEC("license") = "GPL";
