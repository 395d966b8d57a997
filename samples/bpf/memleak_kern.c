// SPDX-License-Identifier: GPL-2.0
/*
 * memleak: outstanding user allocations by process and call path.
 *
 * uprobes at the entries of the allocator's functions keep the size in
 * the thread's slot; a uretprobe takes the block's address and the user
 * stack (first frame: the caller), records the block in allocs[] and
 * adds it to its site (process, stack) in sites[] with atomic adds;
 * free() and munmap() take it off.  User space reads the sums.
 *
 * Allocator functions call each other (realloc(NULL, n) calls malloc,
 * malloc calls mmap): only a thread's outermost call counts, its return
 * known by the stack pointer (a nested call's is lower).  That also
 * tells the return apart when 5.10 runs the uretprobe handlers of every
 * process's perf event (-p A,B): it does not filter them by process.
 * The user side bumps cfg->gen at every attach of the allocation probes
 * (sampling): a slot whose return probe went away is stale.
 */
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "memleak_common.h"
#include "memstat_kern.h"

MS_CONFIG_MAP(struct ml_cfg);

/* allocs[]: max_entries is set by the user side (-M). */
MS_MAP(allocs, HASH, struct ml_alloc_key, struct ml_alloc, ML_MAX_ALLOCS);
MS_MAP(sites, HASH, struct ml_site_key, struct ms_outstanding, ML_MAX_SITES);
MS_STACK_MAP(ML_MAX_STACKS);
MS_SCRATCH_MAP;
MS_MAP(procs, HASH, __u32, struct ml_proc, ML_MAX_PROCS);
/* A slot per thread (ms_thread_slot), kept between its calls. */
MS_MAP(inflight, LRU_HASH, __u32, struct ml_slot, ML_MAX_INFLIGHT);
MS_COUNTS_MAP(ML_NR_COUNTS);
MS_RINGBUF_MAP(64 * 1024);
MS_DROPS_MAP(ML_NR_DROPS);

#define count(idx)	ms_percpu_add(&counts, idx, 1)

#if defined(__TARGET_ARCH_x86)
#define RET_SP(sp)	((sp) + 8)	/* ret popped the return address */
#else
#define RET_SP(sp)	(sp)		/* returned through the link register */
#endif

/* A call at stack pointer @sp is inside the call of slot @s. */
static __always_inline bool inside(struct ml_slot *s, struct ml_cfg *c,
				   __u64 sp)
{
	return s->busy && s->gen == c->gen && sp < s->sp;
}

/*
 * An allocator call begins: the thread's slot, when this is its
 * outermost call (and the process is traced); NULL otherwise.
 */
static __always_inline struct ml_slot *enter(struct pt_regs *ctx, __u32 kind,
					     __u64 size, __u64 arg)
{
	__u64 id = bpf_get_current_pid_tgid(), sp = PT_REGS_SP(ctx);
	struct ml_cfg *c = ms_cfg();
	struct ml_slot zero = {}, *s;

	if (!c || !ms_traced(&c->filter, id >> 32))
		return NULL;
	s = ms_thread_slot(&inflight, id, &zero);
	if (!s) {
		count_drop(ML_DROP_SLOT);
		return NULL;
	}
	if (inside(s, c, sp))
		return NULL;
	*s = (struct ml_slot){ .busy = 1, .gen = c->gen, .sp = sp,
			       .kind = kind, .size = size, .arg = arg };
	return s;
}

/* @n blocks of @bytes (negative: given back) to site @key. */
static __always_inline void site_add(struct ml_site_key *key, __s64 bytes,
				     __s64 n)
{
	struct ms_outstanding *site = bpf_map_lookup_elem(&sites, key);

	if (site)
		ms_outstanding_add(site, bytes, n, false);
}

/*
 * Block @addr of the current process goes: off its site.  Only the
 * thread whose delete succeeds subtracts (a double free counts once).
 * Its record into @old when not NULL.  False if it was not tracked.
 */
static __always_inline bool release(__u32 tgid, __u64 addr,
				    struct ml_alloc *old)
{
	struct ml_alloc_key key = { .tgid = tgid, .addr = addr };
	struct ml_site_key skey = { .tgid = tgid };
	struct ml_alloc *a, copy;

	a = bpf_map_lookup_elem(&allocs, &key);
	if (!a)
		return false;
	copy = *a;
	if (bpf_map_delete_elem(&allocs, &key))
		return false;
	skey.stack = copy.stack;
	site_add(&skey, -(__s64)copy.size, -1);
	if (old)
		*old = copy;
	return true;
}

/* Block @addr of @size bytes allocated by the current thread: record it. */
static __always_inline void track(struct pt_regs *ctx, struct ml_cfg *c,
				  __u32 tgid, __u64 addr, __u64 size)
{
	struct ml_alloc_key key = { .tgid = tgid, .addr = addr };
	struct ml_site_key skey = { .tgid = tgid };
	struct ml_alloc rec = { .size = size };
	struct ms_outstanding zero = {}, *site;

	if (size < c->min_size || size > c->max_size) {
		count(ML_FILTERED);
		return;
	}
	if (c->stacks) {
		skey.stack = ms_stack_key(ctx, &stacks, &scratch,
					  BPF_F_USER_STACK, c->stacks);
		if (skey.stack == MS_NO_STACK)
			count_drop(ML_DROP_STACK);
	}
	site = bpf_map_lookup_elem(&sites, &skey);
	if (!site) {
		site = ms_map_insert(&sites, &skey, &zero);
		if (!site) {
			count_drop(ML_DROP_SITE);
			return;
		}
		ms_proc_announce(&procs, tgid, struct ml_event, 0,
				 ML_DROP_PROC, ML_DROP_NOTICE);
	}
	rec.stack = skey.stack;
	rec.ts_ns = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&allocs, &key, &rec, BPF_NOEXIST)) {
		/* A block still recorded here was freed unseen. */
		release(tgid, addr, NULL);
		if (bpf_map_update_elem(&allocs, &key, &rec, BPF_NOEXIST)) {
			count_drop(ML_DROP_ALLOC);
			return;
		}
	}
	ms_outstanding_add(site, size, 1, true);
}

SEC("uprobe/malloc")
int ml_malloc(struct pt_regs *ctx)
{
	enter(ctx, ML_ALLOC, PT_REGS_PARM1(ctx), 0);
	return 0;
}

SEC("uprobe/calloc")
int ml_calloc(struct pt_regs *ctx)
{
	enter(ctx, ML_ALLOC, PT_REGS_PARM1(ctx) * PT_REGS_PARM2(ctx), 0);
	return 0;
}

/* memalign(align, size), aligned_alloc(align, size), mmap(addr, size, ...) */
SEC("uprobe/memalign")
int ml_size_arg2(struct pt_regs *ctx)
{
	enter(ctx, ML_ALLOC, PT_REGS_PARM2(ctx), 0);
	return 0;
}

/* posix_memalign(memptr, align, size): the block lands in *memptr. */
SEC("uprobe/posix_memalign")
int ml_posix_memalign(struct pt_regs *ctx)
{
	enter(ctx, ML_MEMALIGN_PTR, PT_REGS_PARM3(ctx),
	      PT_REGS_PARM1(ctx));
	return 0;
}

/*
 * realloc(ptr, size) and reallocarray(ptr, n, size): the old block goes
 * now, while this thread still owns it (once the allocator let it go,
 * another thread may get the address); back again if the call fails.
 * realloc(ptr, 0) frees it (glibc calls free(), which finds it gone)
 * and returns NULL or a new block.
 */
static __always_inline void realloc_enter(struct pt_regs *ctx, __u64 ptr,
					  __u64 size)
{
	struct ml_slot *s = enter(ctx, ML_REALLOC, size, ptr);

	if (!s || !ptr)
		return;
	if (release(ms_tgid(), ptr, &s->old))
		s->old_valid = size != 0;
	else
		count(ML_FREES_UNKNOWN);
}

SEC("uprobe/realloc")
int ml_realloc(struct pt_regs *ctx)
{
	realloc_enter(ctx, PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx));
	return 0;
}

SEC("uprobe/reallocarray")
int ml_reallocarray(struct pt_regs *ctx)
{
	realloc_enter(ctx, PT_REGS_PARM1(ctx),
		      PT_REGS_PARM2(ctx) * PT_REGS_PARM3(ctx));
	return 0;
}

/* The return of every function above. */
SEC("uretprobe/malloc")
int ml_alloc_ret(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), addr = PT_REGS_RC(ctx);
	struct ml_cfg *c = ms_cfg();
	__u32 tid = id;
	struct ml_slot *s;

	s = bpf_map_lookup_elem(&inflight, &tid);
	if (!c || !s || !s->busy || s->gen != c->gen ||
	    PT_REGS_SP(ctx) != RET_SP(s->sp))
		return 0;
	s->busy = 0;
	/* posix_memalign() returns 0 or an error; mmap() MAP_FAILED. */
	if (s->kind == ML_MEMALIGN_PTR &&
	    ((int)addr || bpf_probe_read_user(&addr, sizeof(addr),
					      (void *)s->arg)))
		addr = 0;
	if (addr && addr != (__u64)-1) {
		track(ctx, c, id >> 32, addr, s->size);
		return 0;
	}
	if (s->kind != ML_REALLOC || s->size)
		count(ML_FAILED);
	/* A failed realloc() left the old block as it was. */
	if (s->kind == ML_REALLOC && s->old_valid) {
		struct ml_alloc_key key = { .tgid = id >> 32, .addr = s->arg };
		struct ml_site_key skey = { .tgid = id >> 32,
					    .stack = s->old.stack };

		if (!bpf_map_update_elem(&allocs, &key, &s->old, BPF_NOEXIST))
			site_add(&skey, s->old.size, 1);
	}
	return 0;
}

SEC("uprobe/free")
int ml_free(struct pt_regs *ctx)
{
	__u64 ptr = PT_REGS_PARM1(ctx), id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = id;
	struct ml_cfg *c = ms_cfg();
	struct ml_slot *s;

	if (!ptr || !c || !ms_traced(&c->filter, tgid))
		return 0;
	if (release(tgid, ptr, NULL) || c->sampled)
		return 0;
	/* Untracked: from before the start, or realloc(p, 0)'s p. */
	s = bpf_map_lookup_elem(&inflight, &tid);
	if (!(s && inside(s, c, PT_REGS_SP(ctx))))
		count(ML_FREES_UNKNOWN);
	return 0;
}

/*
 * munmap(addr, length): a mapping recorded at @addr goes (all of it).
 * Most are of mappings made elsewhere (ld.so, malloc): not "unknown".
 */
SEC("uprobe/munmap")
int ml_munmap(struct pt_regs *ctx)
{
	struct ml_cfg *c = ms_cfg();
	__u32 tgid = ms_tgid();

	if (c && ms_traced(&c->filter, tgid))
		release(tgid, PT_REGS_PARM1(ctx), NULL);
	return 0;
}

char _license[] SEC("license") = "GPL";
