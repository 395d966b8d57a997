// SPDX-License-Identifier: GPL-2.0
/*
 * memstat_interpose.so: a minimal allocator that interposes malloc,
 * calloc, realloc and free (LD_PRELOAD), for memleak's test of finding
 * the allocator in a process's maps.  Blocks come from one region by an
 * atomic bump; free() keeps them.  The other allocation functions stay
 * the C library's.
 */
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

#define ARENA_SIZE	(256UL << 20)
#define HEADER		16	/* the block's size, keeping 16-byte alignment */

static char *arena;
static size_t used;

/* The region, mapped at the first call by whichever thread wins. */
static char *region(void)
{
	char *r = __atomic_load_n(&arena, __ATOMIC_ACQUIRE), *none = NULL;

	if (r)
		return r;
	r = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		return NULL;
	if (!__atomic_compare_exchange_n(&arena, &none, r, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		munmap(r, ARENA_SIZE);
		r = none;
	}
	return r;
}

void *malloc(size_t size)
{
	size_t need = HEADER + ((size + 15) & ~15UL), at;
	char *r = region();

	if (!r || size > ARENA_SIZE)
		return NULL;
	at = __atomic_fetch_add(&used, need, __ATOMIC_RELAXED);
	if (at + need > ARENA_SIZE)
		return NULL;
	*(size_t *)(r + at) = size;
	return r + at + HEADER;
}

void free(void *ptr)
{
	(void)ptr;
}

void *calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > (size_t)-1 / size)
		return NULL;
	p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

/* A block of ours, or one the C library made before (copied as is). */
static size_t old_size(char *ptr)
{
	if (arena && ptr > arena && ptr < arena + ARENA_SIZE)
		return *(size_t *)(ptr - HEADER);
	return 0;
}

void *realloc(void *ptr, size_t size)
{
	size_t old = ptr ? old_size(ptr) : 0;
	void *p = malloc(size);

	if (p && ptr)
		memcpy(p, ptr, old < size ? old : size);
	return p;
}
