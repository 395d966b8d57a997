/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memstat: what every <tool>_kern.c repeats, once: the config map and
 * the drop counters, per-CPU counters, records created at first use
 * (per process), the -p and -c filters, log2 histograms.
 * Include after the kernel headers a tool needs and bpf_helpers.h.
 */
#ifndef __MEMSTAT_KERN_H
#define __MEMSTAT_KERN_H

#include <linux/sched.h>
#include <linux/mmzone.h>
#include <linux/build_bug.h>
#include <asm/ptrace.h>
#include <bpf/bpf_tracing.h>
/*
 * struct cgroup and struct css_set for -c.  The headers under it assert
 * with offsetof(), which bpf_helpers.h has redefined into a form that is
 * no constant: the compiler's own for them.
 */
#pragma push_macro("offsetof")
#undef offsetof
#define offsetof(type, member) __builtin_offsetof(type, member)
#include <linux/cgroup-defs.h>
#pragma pop_macro("offsetof")

#include "memstat_common.h"

static_assert(MS_COMM_LEN == TASK_COMM_LEN, "MS_COMM_LEN is TASK_COMM_LEN");
static_assert(MS_NR_ORDERS >= MAX_ORDER, "MS_NR_ORDERS covers MAX_ORDER");
static_assert(!(MS_STACK_DEPTH & (MS_STACK_DEPTH - 1)),
	      "MS_STACK_DEPTH is a power of two (ms_stack_key)");

/* A map @name of BPF_MAP_TYPE_@type: @nr entries, @key_t to @val_t. */
#define MS_MAP(name, type_, key_t, val_t, nr)				\
struct {								\
	__uint(type, BPF_MAP_TYPE_##type_);				\
	__uint(max_entries, nr);					\
	__type(key, key_t);						\
	__type(value, val_t);						\
} name SEC(".maps")

/* Entry @idx of array @map as a pointer to its value; NULL past the end. */
#define ms_map_elem(map, idx)						\
({									\
	typeof(map) __em = (map);					\
	__u32 __ei = (idx);						\
									\
	(typeof(*__em->value) *)bpf_map_lookup_elem(__em, &__ei);	\
})

/*
 * A record created at first use, after a lookup of @key in hash @map
 * missed: insert @init unless another CPU was first (BPF_NOEXIST), then
 * look it up.  NULL only when @map is full.
 */
#define ms_map_insert(map, key, init)					\
({									\
	typeof(map) __im = (map);					\
	typeof(key) __ik = (key);					\
									\
	bpf_map_update_elem(__im, __ik, init, BPF_NOEXIST);		\
	(typeof(*__im->value) *)bpf_map_lookup_elem(__im, __ik);	\
})

/*
 * @key's record in hash @map, created from @zero at its first use (@zero
 * is evaluated only then; NULL: none made).  NULL when none could be made.
 */
#define ms_map_get(map, key, zero)					\
({									\
	typeof(map) __gm = (map);					\
	typeof(key) __gk = (key);					\
	typeof(*__gm->value) *__g = bpf_map_lookup_elem(__gm, __gk);	\
									\
	if (!__g) {							\
		typeof(__g) __gz = (zero);				\
									\
		if (__gz)						\
			__g = ms_map_insert(__gm, __gk, __gz);		\
	}								\
	__g;								\
})

/*
 * Thread @tid's slot in @map, an LRU hash keyed by tid that holds a
 * call's state from a function's entry to its exit: created from @zero
 * at the thread's first call and kept for its next ones, so that a call
 * costs a lookup at each end, not an insert and a delete (swapin's two
 * programs: 855 instructions a fault instead of 1270).  The slot's owner
 * marks it busy and idle itself; threads gone age out.  The map must be
 * called "inflight": ms_bpf_load() gives it at least 256 entries per CPU,
 * which a common LRU needs.
 */
#define ms_thread_slot(map, tid, zero)					\
({									\
	__u32 __st = (tid);						\
									\
	ms_map_get(map, &__st, zero);					\
})

/*
 * stacks[] for ms_stack_key(), up to @nr stacks kept under a hash of
 * their frames, and scratch, where a stack is walked (too large for the
 * BPF stack).
 */
#define MS_STACK_MAP(nr)	MS_MAP(stacks, HASH, __u64, struct ms_frames, nr)
#define MS_SCRATCH_MAP	MS_MAP(scratch, PERCPU_ARRAY, __u32, struct ms_frames, 1)

/*
 * ms_stack_key()'s @flags beside bpf_get_stack()'s, for a kernel stack:
 * @ctx is a kprobe's on a function's first instruction (MS_STACK_ENTRY)
 * or a kretprobe's (MS_STACK_RETURN).  arm64 walks from the frame
 * pointer's record, which at the entry does not hold the caller yet (the
 * link register does), and after the return starts with pc 0.
 */
#define MS_STACK_ENTRY	BIT_ULL(32)
#define MS_STACK_RETURN	BIT_ULL(33)

/*
 * Frames @ip (MS_STACK_DEPTH of them, @bytes walked) made what the walk
 * gives elsewhere for @flags (above); returns the bytes they now take.
 */
static __always_inline long ms_stack_fix(void *ctx, __u64 *ip, long bytes,
					 __u64 flags)
{
#if defined(__TARGET_ARCH_arm64)
	int i;

	if (bytes <= 0)
		return bytes;
	if (flags & MS_STACK_ENTRY) {
#pragma clang loop unroll(full)
		for (i = MS_STACK_DEPTH - 1; i > 1; i--)
			ip[i] = ip[i - 1];
		ip[1] = PT_REGS_RET((struct pt_regs *)ctx);
		bytes += bytes < MS_STACK_DEPTH * 8 ? 8 : 0;
	} else if ((flags & MS_STACK_RETURN) && !ip[0]) {
#pragma clang loop unroll(full)
		for (i = 0; i < MS_STACK_DEPTH - 1; i++)
			ip[i] = ip[i + 1];
		ip[MS_STACK_DEPTH - 1] = 0;
		bytes -= 8;
	}
#endif
	return bytes;
}

/*
 * The current stack (@flags: 0 for the kernel's, BPF_F_USER_STACK for
 * the user's, MS_STACK_ENTRY or _RETURN too from a kprobe), its first
 * @depth frames (1 to MS_STACK_DEPTH: a walk of fewer frames costs
 * less), walked into per-CPU array @scratch (one struct ms_frames) and
 * kept in hash @stacks (key __u64, value struct ms_frames) under a hash
 * of its frames (FNV-1a), which is returned; MS_NO_STACK when it cannot
 * be walked or stored: a drop for the caller to count.  A hash map, not
 * a stack trace map: there two stacks whose hashes share a bucket
 * cannot both be stored.
 */
static __always_inline __u64 ms_stack_key(void *ctx, void *stacks,
					  void *scratch, __u64 flags,
					  __u32 depth)
{
	__u64 hash = 0xcbf29ce484222325ULL;
	__u32 zero = 0, size;
	struct ms_frames *f;
	int i;

	f = bpf_map_lookup_elem(scratch, &zero);
	if (!f || !depth)
		return MS_NO_STACK;
	/* 1 to MS_STACK_DEPTH frames, in a form the verifier can bound. */
	size = (((depth - 1) & (MS_STACK_DEPTH - 1)) + 1) * sizeof(__u64);
	/* A shorter walk leaves the rest as it was: zeroed here. */
	if (size < sizeof(f->ip))
		__builtin_memset(f->ip, 0, sizeof(f->ip));
	if (ms_stack_fix(ctx, f->ip, bpf_get_stack(ctx, f->ip, size, (__u32)flags),
			 flags) <= 0)
		return MS_NO_STACK;
#pragma clang loop unroll(full)
	for (i = 0; i < MS_STACK_DEPTH; i++)
		hash = (hash ^ f->ip[i]) * 0x100000001b3ULL;
	if (hash == MS_NO_STACK)
		hash = 1;
	if (bpf_map_lookup_elem(stacks, &hash) ||
	    !bpf_map_update_elem(stacks, &hash, f, BPF_NOEXIST) ||
	    bpf_map_lookup_elem(stacks, &hash))
		return hash;
	return MS_NO_STACK;
}

/*
 * The tool's configuration, @cfg_type, written once by the user side
 * (ms_bpf_cfg) before attaching; ms_cfg() looks it up (NULL: missing).
 * A name no tool's local variable takes (ms_cfg() must see the map).
 */
#define MS_CONFIG_MAP(cfg_type)	MS_MAP(ms_cfg_map, ARRAY, __u32, cfg_type, 1)

#define ms_cfg()	ms_map_elem(&ms_cfg_map, 0)

/*
 * The current task passes the filter of the config map (whose struct
 * starts with struct ms_filter filter).
 */
#define ms_cfg_traced()							\
({									\
	typeof(*ms_cfg_map.value) *__cfg = ms_cfg();			\
									\
	__cfg && ms_traced(&__cfg->filter, ms_tgid());			\
})

/*
 * @n blocks of @bytes into @o (negative: given back); @alloc: newly
 * allocated, counted since the start too.  Atomic: @o is shared.
 */
static __always_inline void ms_outstanding_add(struct ms_outstanding *o,
					       __s64 bytes, __s64 n,
					       bool alloc)
{
	__sync_fetch_and_add(&o->bytes, bytes);
	__sync_fetch_and_add(&o->count, n);
	if (alloc) {
		__sync_fetch_and_add(&o->allocs, n);
		__sync_fetch_and_add(&o->alloc_bytes, bytes);
	}
}

/* Add @n to entry @idx of a per-CPU array of __u64. */
#define ms_percpu_add(map, idx, n)					\
({									\
	__u32 __key = (idx);						\
	__u64 *__val = bpf_map_lookup_elem(map, &__key);		\
									\
	if (__val)							\
		*__val += (n);						\
})

/*
 * drops[reason]: what could not be recorded, per reason (a tool's enum
 * of @nr reasons), summed over CPUs by ms_bpf_drops(); count_drop()
 * counts one.
 */
#define MS_DROPS_MAP(nr)	MS_MAP(drops, PERCPU_ARRAY, __u32, __u64, nr)

#define count_drop(reason)	ms_percpu_add(&drops, reason, 1)

/* counts[idx]: a tool's per-CPU totals, @nr of them (ms_percpu_read). */
#define MS_COUNTS_MAP(nr)	MS_MAP(counts, PERCPU_ARRAY, __u32, __u64, nr)

/* @zero, when not NULL, named for process @pid and the current comm. */
#define ms_proc_zero(zero, pid)						\
({									\
	typeof(zero) __z = (zero);					\
									\
	if (__z) {							\
		bpf_get_current_comm(__z->comm, sizeof(__z->comm));	\
		__z->tgid = (pid);					\
	}								\
	__z;								\
})

/*
 * Process @pid's record in hash @map, whose value starts with char
 * comm[MS_COMM_LEN] and __u32 tgid: at first use a zeroed one with the
 * current comm, built in @zero (evaluated only then: a zeroed value
 * nothing else writes, a local or for records too large for the BPF
 * stack a per-CPU array's).  NULL when @map is full: drop @reason.
 */
#define ms_proc_get(map, pid, zero, reason)				\
({									\
	typeof(map) __pm = (map);					\
	__u32 __pp = (pid);						\
	typeof(*__pm->value) *__p;					\
									\
	__p = ms_map_get(__pm, &__pp, ms_proc_zero(zero, __pp));	\
	if (!__p)							\
		count_drop(reason);					\
	__p;								\
})

/*
 * System calls traced from raw_syscalls:sys_enter to sys_exit: a slot
 * per thread in the tool's LRU hash "inflight" (key: tid), whose record
 * has a __u32 busy, set from the entry to the exit; and in its one-entry
 * array "pending" how many are busy, so that the exit of every other
 * system call returns after an array read.  Slots stay for the thread's
 * next call (see ms_thread_slot).
 */
/* sys_enter: keep *@rec for thread @tid; no slot is drop @reason. */
#define ms_call_enter(tid, rec, reason)					\
({									\
	__u64 *__ep = ms_map_elem(&pending, 0);				\
	__u32 __et = (tid);						\
	typeof(*inflight.value) *__es, *__er = (rec);			\
	bool __new = true;						\
									\
	__er->busy = 1;							\
	__es = bpf_map_lookup_elem(&inflight, &__et);			\
	if (__es) {							\
		__new = !__es->busy;					\
		*__es = *__er;						\
	} else if (bpf_map_update_elem(&inflight, &__et, __er,		\
				       BPF_NOEXIST)) {			\
		__new = false;						\
		count_drop(reason);					\
	}								\
	if (__new && __ep)						\
		__sync_fetch_and_add(__ep, 1);				\
})

/* sys_exit: the current thread's busy record; NULL, at once if none. */
#define ms_call_find()							\
({									\
	typeof(*inflight.value) *__fr = NULL;				\
	__u64 *__fp = ms_map_elem(&pending, 0);				\
	__u32 __ft;							\
									\
	if (__fp && *__fp) {						\
		__ft = bpf_get_current_pid_tgid();			\
		__fr = bpf_map_lookup_elem(&inflight, &__ft);		\
		if (__fr && !__fr->busy)				\
			__fr = NULL;					\
	}								\
	__fr;								\
})

/* sys_exit: the call of @rec (from ms_call_find) is done. */
#define ms_call_done(rec)						\
({									\
	__u64 *__dp = ms_map_elem(&pending, 0);				\
									\
	(rec)->busy = 0;						\
	if (__dp)							\
		__sync_fetch_and_add(__dp, -1);				\
})

/* Records for the user side, read by ms_run(). */
#define MS_RINGBUF_MAP(bytes)						\
struct {								\
	__uint(type, BPF_MAP_TYPE_RINGBUF);				\
	__uint(max_entries, bytes);					\
} events SEC(".maps")

/*
 * The first sight of process @pid_: its record in hash @procs (a value
 * whose first member is char comm[MS_COMM_LEN]) made with the current
 * comm, and a record of type @type (with __u32 kind and tgid, and char
 * comm[MS_COMM_LEN]) of kind @kind sent on "events", on which the user
 * side reads the process's mappings while it lives.  A full ring takes
 * the record back, so the next call tries again; drops @no_proc (map
 * full) and @no_notice (ring full).
 */
#define ms_proc_announce(procs, pid_, type, kind_, no_proc, no_notice)	\
({									\
	typeof(procs) __apm = (procs);					\
	typeof(*__apm->value) __ap = {};				\
	__u32 __at = (pid_);						\
	type *__ae = NULL;						\
	bool __anew;							\
									\
	if (!bpf_map_lookup_elem(__apm, &__at)) {			\
		bpf_get_current_comm(__ap.comm, sizeof(__ap.comm));	\
		__anew = !bpf_map_update_elem(__apm, &__at, &__ap,	\
					      BPF_NOEXIST);		\
		if (!__anew && !bpf_map_lookup_elem(__apm, &__at))	\
			count_drop(no_proc);				\
		if (__anew)						\
			__ae = bpf_ringbuf_reserve(&events, sizeof(*__ae), 0); \
		if (__ae) {						\
			__builtin_memset(__ae, 0, sizeof(*__ae));	\
			__ae->kind = (kind_);				\
			__ae->tgid = __at;				\
			__builtin_memcpy(__ae->comm, __ap.comm,		\
					 sizeof(__ae->comm));		\
			bpf_ringbuf_submit(__ae, 0);			\
		} else if (__anew) {					\
			bpf_map_delete_elem(__apm, &__at);		\
			count_drop(no_notice);				\
		}							\
	}								\
})

/*
 * @task is in the -c cgroup or below it: in cgroup v2 its dfl_cgrp, in a
 * v1 hierarchy the cgroup of that hierarchy's controller.  Four reads of
 * kernel memory, done only when -c is given.
 */
static __always_inline bool ms_task_in_cgroup(const struct ms_filter *f,
					      struct task_struct *task)
{
#ifdef CONFIG_CGROUPS
	struct cgroup_subsys_state *css;
	__u32 level = f->cg_level;
	int ssid = f->cg_subsys;
	struct css_set *cset;
	struct cgroup *cgrp;
	int task_level;
	__u64 id;

	if (bpf_probe_read_kernel(&cset, sizeof(cset), &task->cgroups) ||
	    !cset)
		return false;
	if (ssid < 0) {
		if (bpf_probe_read_kernel(&cgrp, sizeof(cgrp), &cset->dfl_cgrp))
			return false;
	} else {
		if (ssid >= CGROUP_SUBSYS_COUNT ||
		    bpf_probe_read_kernel(&css, sizeof(css),
					  &cset->subsys[ssid]) || !css ||
		    bpf_probe_read_kernel(&cgrp, sizeof(cgrp), &css->cgroup))
			return false;
	}
	if (!cgrp || bpf_probe_read_kernel(&task_level, sizeof(task_level),
					   &cgrp->level))
		return false;
	/* ancestor_ids[] has level + 1 entries: the root's to its own. */
	if (task_level < 0 || (__u32)task_level < level)
		return false;
	if (bpf_probe_read_kernel(&id, sizeof(id), &cgrp->ancestor_ids[level]))
		return false;
	return id == f->cg_id;
#else
	return false;
#endif
}

/* The current task, of process @tgid, passes the filter (NULL: no map). */
static __always_inline bool ms_traced(const struct ms_filter *f, __u32 tgid)
{
	if (!f || (f->tgid && f->tgid != tgid))
		return false;
	return !f->cg_id ||
	       ms_task_in_cgroup(f, (struct task_struct *)bpf_get_current_task());
}

/* The same for a task that may not be the current one. */
static __always_inline bool ms_task_traced(const struct ms_filter *f,
					   struct task_struct *task)
{
	__u32 tgid = 0;

	if (!f)
		return false;
	if (f->tgid &&
	    (bpf_probe_read_kernel(&tgid, sizeof(tgid), &task->tgid) ||
	     tgid != f->tgid))
		return false;
	return !f->cg_id || ms_task_in_cgroup(f, task);
}

static __always_inline __u32 ms_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

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

/*
 * A kernel function's hook in the two forms 5.10 offers: fentry (fexit)
 * where it has BPF trampolines (x86-64), named @name, and kprobe
 * (kretprobe) where it has not (arm64), named @name_kp; the user side
 * starts the first that attaches (ms_bpf_start_fentry).  Both return
 * @call, which reads argument @n (from 0) as MS_ARG(n) and, at an exit,
 * the result as MS_RET(n), n the number of arguments.  A kretprobe sees
 * no arguments: what an exit needs, its entry keeps.
 */
#define MS_ENTRY(fn, name, call)	MS_TWINS(fentry, kprobe, fn, name, call)
#define MS_EXIT(fn, name, call)		MS_TWINS(fexit, kretprobe, fn, name, call)
#define MS_TWINS(tramp, probe, fn, name, call)				\
static __always_inline int name##_body(void *ctx, const bool ms_kp)	\
{									\
	return call;							\
}									\
SEC(#tramp "/" #fn) int name(__u64 *ctx)				\
{									\
	return name##_body(ctx, false);					\
}									\
SEC(#probe "/" #fn) int name##_kp(struct pt_regs *ctx)			\
{									\
	return name##_body(ctx, true);					\
}

#define MS_ARG(n)	ms_arg(ctx, ms_kp, n)
#define MS_RET(n)	ms_ret(ctx, ms_kp, n)

/*
 * What a kprobe keeps for its kretprobe (which sees no arguments): a
 * __u64 in the tool's LRU hash @map (MS_RET_MAP) keyed by thread and
 * stack pointer, so the return finds its own call's: an interrupt's
 * call nested in another, or a return the kretprobe missed, takes
 * nobody else's.
 */
struct ms_ret_key {
	__u64 tid;
	__u64 sp;
};

#define MS_RET_MAP(name)						\
	MS_MAP(name, LRU_HASH, struct ms_ret_key, __u64, 4096)

/* @regs: the kprobe's (@entry) or the kretprobe's. */
static __always_inline struct ms_ret_key ms_ret_key(struct pt_regs *regs,
						    bool entry)
{
	struct ms_ret_key key = {
		(__u32)bpf_get_current_pid_tgid(), PT_REGS_SP(regs)
	};

#if defined(__TARGET_ARCH_x86)
	if (entry)
		key.sp += 8;	/* the return pops the return address */
#endif
	return key;
}

/* At the kprobe: keep @v for this call's return. */
static __always_inline void ms_ret_keep(void *map, struct pt_regs *regs,
					__u64 v)
{
	struct ms_ret_key key = ms_ret_key(regs, true);

	bpf_map_update_elem(map, &key, &v, BPF_ANY);
}

/* At the kretprobe: what the kprobe kept into *@v; false if nothing. */
static __always_inline bool ms_ret_take(void *map, struct pt_regs *regs,
					__u64 *v)
{
	struct ms_ret_key key = ms_ret_key(regs, false);
	__u64 *kept = bpf_map_lookup_elem(map, &key);

	if (!kept)
		return false;
	*v = *kept;
	bpf_map_delete_elem(map, &key);
	return true;
}

/* At a kprobe on a function's first instruction: where it returns to. */
static __always_inline __u64 ms_kprobe_ret_ip(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_arm64)
	return PT_REGS_RET(regs);	/* the link register */
#else
	__u64 ip = 0;

	/* The call pushed it (5.10's BPF_KPROBE_READ_RET_IP, but arm64's). */
	bpf_probe_read_kernel(&ip, sizeof(ip), (void *)PT_REGS_SP(regs));
	return ip;
#endif
}

static __always_inline __u64 ms_regs_arg(struct pt_regs *regs, int n)
{
	switch (n) {
	case 0:
		return PT_REGS_PARM1(regs);
	case 1:
		return PT_REGS_PARM2(regs);
	case 2:
		return PT_REGS_PARM3(regs);
	case 3:
		return PT_REGS_PARM4(regs);
	default:
		return PT_REGS_PARM5(regs);
	}
}

static __always_inline __u64 ms_arg(void *ctx, bool kprobe, int n)
{
	return kprobe ? ms_regs_arg(ctx, n) : ((__u64 *)ctx)[n];
}

static __always_inline __u64 ms_ret(void *ctx, bool kprobe, int n)
{
	return kprobe ? PT_REGS_RC((struct pt_regs *)ctx) : ((__u64 *)ctx)[n];
}

/*
 * The first @n (4 to 6) arguments of a native 64-bit system call, from
 * the registers its entry saved (raw_syscalls:sys_enter's regs); false
 * for a 32-bit task's call (ia32, aarch32), whose numbers differ.
 */
static __always_inline bool ms_syscall_args(struct pt_regs *regs, __u64 *a,
					    int n)
{
#if defined(__TARGET_ARCH_x86)
	struct pt_regs r;

	/* ia32 calls come from __USER32_CS; x32 ones have other numbers. */
	if (bpf_probe_read_kernel(&r, sizeof(r), regs) || r.cs != __USER_CS)
		return false;
	a[0] = r.di;
	a[1] = r.si;
	a[2] = r.dx;
	a[3] = r.r10;	/* not cx: the syscall instruction took it */
	if (n > 4) {
		a[4] = r.r8;
		a[5] = r.r9;
	}
	return true;
#elif defined(__TARGET_ARCH_arm64)
	__u64 pstate;

	if (bpf_probe_read_kernel(&pstate, sizeof(pstate), &regs->pstate) ||
	    (pstate & PSR_MODE32_BIT))
		return false;
	return !bpf_probe_read_kernel(a, n * sizeof(__u64), &regs->regs[0]);
#else
#error "memstat: no system call argument registers for this architecture"
#endif
}

/*
 * Argument @a of the USDT probe whose uprobe gave @ctx (struct ms_usdt_arg,
 * from the probe's note): read from the saved registers or the user
 * memory they point to, then cut to its size and extended by its sign.
 * False when it cannot be read.
 */
static __always_inline bool ms_usdt_arg(struct pt_regs *ctx,
					const struct ms_usdt_arg *a, __u64 *v)
{
	unsigned int shift = 64 - 8 * (a->size < 0 ? -a->size : a->size);
	__u64 x = 0, base;

	shift &= 63;
	if (a->loc == MS_USDT_IMM) {
		x = a->val;
	} else if (a->loc == MS_USDT_REG || a->loc == MS_USDT_MEM) {
		if (bpf_probe_read_kernel(&x, sizeof(x), (void *)ctx + a->reg))
			return false;
		if (a->loc == MS_USDT_MEM) {
			base = x + a->val;
			if (bpf_probe_read_user(&x, sizeof(x), (void *)base))
				return false;
		}
	} else {
		return false;
	}
	x <<= shift;
	*v = a->size < 0 ? (__u64)((__s64)x >> shift) : x >> shift;
	return true;
}

#endif /* __MEMSTAT_KERN_H */
