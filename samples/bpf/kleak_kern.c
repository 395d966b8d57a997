// SPDX-License-Identifier: GPL-2.0
/*
 * kleak: outstanding kernel objects (kmalloc, kmem_cache, percpu) by
 * kernel call path; the pages come from pagealloc's programs.
 *
 * An allocation is recorded in objs[] under its address, with its size,
 * kind, cache and call path, and added to its site (kind, cache, path)
 * in sites[] with atomic adds; a free takes it off again.  Frees of
 * objects allocated before the start are counted apart.
 *
 *   kmalloc, kmalloc_node: TP_PROTO(unsigned long call_site,
 *	const void *ptr, size_t bytes_req, size_t bytes_alloc,
 *	gfp_t gfp_flags[, int node])
 *   kfree, kmem_cache_free: TP_PROTO(unsigned long call_site,
 *	const void *ptr)
 *   percpu_alloc_percpu: TP_PROTO(bool reserved, bool is_atomic,
 *	size_t size, size_t align, void *base_addr, int off,
 *	void __percpu *ptr)
 *   percpu_free_percpu: TP_PROTO(void *base_addr, int off,
 *	void __percpu *ptr)
 *
 * 5.10's kmem_cache_alloc event has no cache: fexit on
 * kmem_cache_alloc{,_node} (a kprobe and the event where fexit cannot
 * attach) reads it from the argument.  kfree_bulk()
 * and kmem_cache_free_bulk() (kfree_rcu's batches) free without an
 * event: a kprobe on kmem_cache_free_bulk takes their first 64 objects.
 */
#include <linux/ptrace.h>
#include <linux/slab.h>
#include <linux/slub_def.h>
#include <uapi/linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "kleak_common.h"
#include "memstat_kern.h"

#define KL_BULK	64	/* objects of a bulk free taken off */

MS_CONFIG_MAP(struct kl_cfg);
/* objs[]: max_entries is set by the user side (-M). */
MS_MAP(objs, HASH, __u64, struct kl_obj, KL_MAX_OBJS);
MS_MAP(sites, HASH, struct kl_site_key, struct ms_outstanding, KL_MAX_SITES);
MS_MAP(caches, HASH, __u64, struct kl_cache, KL_MAX_CACHES);
MS_STACK_MAP(KL_MAX_STACKS);
MS_SCRATCH_MAP;
MS_COUNTS_MAP(KL_NR_COUNTS);
MS_DROPS_MAP(KL_NR_DROPS);

/* Object @ptr goes: off its site; false if it was not tracked. */
static __always_inline bool release(__u64 ptr)
{
	struct kl_obj *o = bpf_map_lookup_elem(&objs, &ptr), copy;
	struct kl_site_key key = {};
	struct ms_outstanding *site;

	if (!o)
		return false;
	copy = *o;
	if (bpf_map_delete_elem(&objs, &ptr))
		return false;	/* another CPU was first */
	key.stack = copy.stack;
	key.cache = copy.cache;
	key.kind = copy.kind;
	site = bpf_map_lookup_elem(&sites, &key);
	if (site)
		ms_outstanding_add(site, -(__s64)copy.bytes, -1, false);
	return true;
}

static __always_inline void on_free(__u64 ptr, __u32 kind)
{
	/* kfree(NULL), and ZERO_SIZE_PTR from kmalloc(0). */
	if (ptr > 16 && !release(ptr))
		ms_percpu_add(&counts, KL_FREES_UNKNOWN + kind, 1);
}

/* Object @ptr of @bytes, of @kind (and @cache), allocated now. */
static __always_inline void track(void *ctx, __u64 ptr, __u64 bytes,
				  __u32 kind, __u64 cache)
{
	struct kl_obj o = { .bytes = bytes, .kind = kind, .cache = cache };
	struct kl_site_key key = { .kind = kind, .cache = cache };
	struct kl_cfg *c = ms_cfg();
	struct ms_outstanding zero = {}, *site;

	if (ptr <= 16 || !c)
		return;
	if (c->stacks) {
		key.stack = ms_stack_key(ctx, &stacks, &scratch, 0,
					 MS_STACK_DEPTH);
		if (key.stack == MS_NO_STACK)
			count_drop(KL_DROP_STACK);
	}
	site = ms_map_get(&sites, &key, &zero);
	if (!site) {
		count_drop(KL_DROP_SITE);
		return;
	}
	o.stack = key.stack;
	if (bpf_map_update_elem(&objs, &ptr, &o, BPF_NOEXIST)) {
		release(ptr);	/* freed unseen (a bulk free) */
		if (bpf_map_update_elem(&objs, &ptr, &o, BPF_NOEXIST)) {
			count_drop(KL_DROP_OBJ);
			return;
		}
	}
	ms_outstanding_add(site, bytes, 1, true);
}

SEC("raw_tracepoint/kmalloc")
int kl_kmalloc(struct bpf_raw_tracepoint_args *ctx)
{
	track(ctx, ctx->args[1], ctx->args[2], KL_KMALLOC, 0);
	return 0;
}

SEC("raw_tracepoint/kmalloc_node")
int kl_kmalloc_node(struct bpf_raw_tracepoint_args *ctx)
{
	track(ctx, ctx->args[1], ctx->args[2], KL_KMALLOC, 0);
	return 0;
}

/*
 * A cache's object from @s: its name noted at the cache's first.  @btf:
 * @s is fexit's typed argument, read directly; else a number (kprobe).
 */
static __always_inline void cache_alloc(void *ctx, struct kmem_cache *s,
					__u64 ptr, bool btf)
{
	__u64 key = (__u64)s;
	struct kl_cache name = {};
	const char *cname = NULL;
	unsigned int size = 0;

	if (!ptr)
		return;
	if (btf)
		size = s->object_size;
	else
		bpf_probe_read_kernel(&size, sizeof(size), &s->object_size);
	if (!bpf_map_lookup_elem(&caches, &key)) {
		if (btf)
			cname = s->name;
		else
			bpf_probe_read_kernel(&cname, sizeof(cname), &s->name);
		bpf_probe_read_kernel_str(name.name, sizeof(name.name), cname);
		if (bpf_map_update_elem(&caches, &key, &name, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&caches, &key))
			count_drop(KL_DROP_CACHE);
	}
	track(ctx, ptr, size, KL_CACHE, key);
}

/* ctx: s, gfpflags, the returned object */
SEC("fexit/kmem_cache_alloc")
int kl_cache_alloc(__u64 *ctx)
{
	cache_alloc(ctx, (void *)ctx[0], ctx[2], true);
	return 0;
}

/* ctx: s, gfpflags, node, the returned object */
SEC("fexit/kmem_cache_alloc_node")
int kl_cache_alloc_node(__u64 *ctx)
{
	cache_alloc(ctx, (void *)ctx[0], ctx[3], true);
	return 0;
}

/*
 * Without BPF trampolines (arm64 5.10): a kprobe keeps the cache under
 * (thread, return address), the call_site of kmem_cache_alloc's event,
 * which takes it with the object and a stack walked inside the
 * allocator (a kretprobe's misses the caller on arm64, and its
 * instances run out while allocations sleep).
 */
struct kl_entry {
	__u64 tid;
	__u64 ret_ip;
};

MS_MAP(entered, LRU_HASH, struct kl_entry, __u64, 4096);

SEC("kprobe/kmem_cache_alloc")
int kl_cache_enter_kp(struct pt_regs *ctx)
{
	struct kl_entry key = {
		(__u32)bpf_get_current_pid_tgid(), ms_kprobe_ret_ip(ctx)
	};
	__u64 s = PT_REGS_PARM1(ctx);

	bpf_map_update_elem(&entered, &key, &s, BPF_ANY);
	return 0;
}

/* kmem_cache_alloc{,_node} events: call_site, ptr, bytes_req, ... */
SEC("raw_tracepoint/kmem_cache_alloc")
int kl_cache_alloc_tp(struct bpf_raw_tracepoint_args *ctx)
{
	struct kl_entry key = {
		(__u32)bpf_get_current_pid_tgid(), ctx->args[0]
	};
	__u64 *kept = bpf_map_lookup_elem(&entered, &key), s;

	if (!kept) {
		if (ctx->args[1])
			count_drop(KL_DROP_ENTRY);
		return 0;
	}
	s = *kept;
	bpf_map_delete_elem(&entered, &key);
	cache_alloc(ctx, (void *)s, ctx->args[1], false);
	return 0;
}

SEC("raw_tracepoint/kfree")
int kl_kfree(struct bpf_raw_tracepoint_args *ctx)
{
	on_free(ctx->args[1], KL_KMALLOC);
	return 0;
}

SEC("raw_tracepoint/kmem_cache_free")
int kl_cache_free(struct bpf_raw_tracepoint_args *ctx)
{
	on_free(ctx->args[1], KL_CACHE);
	return 0;
}

/*
 * kmem_cache_free_bulk(s (NULL from kfree_bulk), size, p[]): a kprobe,
 * since 5.10's fentry cannot read an argument that points to no struct.
 */
SEC("kprobe/kmem_cache_free_bulk")
int kl_free_bulk(struct pt_regs *ctx)
{
	__u32 kind = PT_REGS_PARM1(ctx) ? KL_CACHE : KL_KMALLOC;
	void **p = (void **)PT_REGS_PARM3(ctx);
	__u64 n = PT_REGS_PARM2(ctx), ptr;
	int i;

	for (i = 0; i < KL_BULK && i < n; i++)
		if (!bpf_probe_read_kernel(&ptr, sizeof(ptr), &p[i]))
			on_free(ptr, kind);
	return 0;
}

SEC("raw_tracepoint/percpu_alloc_percpu")
int kl_percpu_alloc(struct bpf_raw_tracepoint_args *ctx)
{
	track(ctx, ctx->args[6], ctx->args[2], KL_PERCPU, 0);
	return 0;
}

SEC("raw_tracepoint/percpu_free_percpu")
int kl_percpu_free(struct bpf_raw_tracepoint_args *ctx)
{
	on_free(ctx->args[2], KL_PERCPU);
	return 0;
}

char _license[] SEC("license") = "GPL";
