/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memstat: log2 histograms, the layout shared by every <tool>_kern.c that
 * keeps one and by libmemstat's printers (ms_hist_print, ms_hist_json).
 * Slot 0 holds the values 0 and 1, slot k (k >= 1) the values 2^k to
 * 2^(k+1) - 1; values beyond the last slot land in it.
 */
#ifndef __MEMSTAT_HIST_H
#define __MEMSTAT_HIST_H

#define MS_HIST_SLOTS	32

struct ms_hist {
	__u64 slots[MS_HIST_SLOTS];
};

#ifdef __KERNEL__
/* floor(log2(v)), 0 for v <= 1: a few shifts, no loop for the verifier. */
static __always_inline __u32 ms_log2(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xffffffffULL) << 5;
	v >>= shift;
	r |= shift;
	shift = (v > 0xffff) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xff) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u32 ms_hist_slot(__u64 v)
{
	__u32 slot = ms_log2(v);

	return slot < MS_HIST_SLOTS ? slot : MS_HIST_SLOTS - 1;
}

/*
 * The compiler knows ms_hist_slot() < MS_HIST_SLOTS and would drop the
 * check below, which the verifier needs to see: hide the value from it.
 * (__volatile__: samples/bpf/asm_goto_workaround.h redefines volatile().)
 */
#define ms_hist_opaque(x)	({ asm __volatile__("" : "+r"(x)); })

/* Count @v in @h; @h may be shared between CPUs. */
static __always_inline void ms_hist_add_atomic(struct ms_hist *h, __u64 v)
{
	__u32 slot = ms_hist_slot(v);

	ms_hist_opaque(slot);
	if (slot < MS_HIST_SLOTS)
		__sync_fetch_and_add(&h->slots[slot], 1);
}

/* Count @v in a per-CPU @h. */
static __always_inline void ms_hist_add(struct ms_hist *h, __u64 v)
{
	__u32 slot = ms_hist_slot(v);

	ms_hist_opaque(slot);
	if (slot < MS_HIST_SLOTS)
		h->slots[slot]++;
}
#endif /* __KERNEL__ */

#endif /* __MEMSTAT_HIST_H */
