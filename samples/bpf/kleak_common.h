/* SPDX-License-Identifier: GPL-2.0 */
/* kleak: records shared by kleak_kern.c and kleak_user.c. */
#ifndef __KLEAK_COMMON_H
#define __KLEAK_COMMON_H

#include "memstat_common.h"

#define KL_MAX_OBJS	262144	/* outstanding objects tracked (-M) */
#define KL_MAX_SITES	16384	/* (kind, cache, stack) triples */
#define KL_MAX_STACKS	16384	/* distinct kernel stacks */
#define KL_MAX_CACHES	1024	/* kmem_caches named */
#define KL_CACHE_NAME	32

/* What an object is (its allocator). */
enum kl_kind {
	KL_KMALLOC,		/* kmalloc() and friends: kmem:kmalloc */
	KL_CACHE,		/* kmem_cache_alloc() of a named cache */
	KL_PERCPU,		/* __alloc_percpu(): bytes per CPU */
	KL_NR_KINDS,
};

/* objs[address]: one outstanding object. */
struct kl_obj {
	__u64 stack;		/* key in stacks, or MS_NO_STACK */
	__u64 cache;		/* its kmem_cache (KL_CACHE), else 0 */
	__u64 bytes;		/* asked for */
	__u32 kind;
	__u32 pad;
};

/* sites[(kind, cache, stack)]: what is outstanding (struct ms_outstanding). */
struct kl_site_key {
	__u64 stack;
	__u64 cache;
	__u32 kind;
	__u32 pad;
};

/* caches[struct kmem_cache address]: its name. */
struct kl_cache {
	char name[KL_CACHE_NAME];
};

enum kl_count {
	KL_FREES_UNKNOWN,	/* frees of objects from before the start */
	KL_NR_COUNTS = KL_FREES_UNKNOWN + KL_NR_KINDS,
};

enum kl_drop {
	KL_DROP_STACK,		/* stack not walked or stored: MS_NO_STACK */
	KL_DROP_OBJ,		/* objs map full: object not tracked */
	KL_DROP_SITE,		/* sites map full: object not tracked */
	KL_DROP_CACHE,		/* caches map full: cache unnamed */
	KL_DROP_ENTRY,		/* kprobe not run: cache object not tracked */
	KL_NR_DROPS,
};

struct kl_cfg {
	__u32 stacks;		/* walk kernel stacks */
	__u32 pad;
};

#endif /* __KLEAK_COMMON_H */
