// SPDX-License-Identifier: GPL-2.0
/*
 * memstat_interpose.so: a minimal allocator to LD_PRELOAD, for memleak's
 * test of finding the allocator in a process's maps.  It replaces every
 * allocation function of the C library, as glibc's manual asks of a
 * replacement malloc: with only some replaced, glibc's own allocator
 * also runs, first set up by whichever thread calls it first, and two
 * threads doing that at once end in glibc's abort ("a->attached_threads
 * > 0" at thread exit).  Blocks come from one region by an atomic bump,
 * each with its size just before it; free() keeps them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
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

/* @size bytes at a multiple of @align, a power of two of at least 16. */
static void *alloc_aligned(size_t align, size_t size)
{
	char *r = region();
	size_t need, at;
	uintptr_t p;

	if (!r || size > ARENA_SIZE || align > ARENA_SIZE / 2)
		goto nomem;
	need = HEADER + align + ((size + 15) & ~15UL);
	at = __atomic_fetch_add(&used, need, __ATOMIC_RELAXED);
	if (at + need > ARENA_SIZE)
		goto nomem;
	p = ((uintptr_t)(r + at + HEADER) + align - 1) & ~(uintptr_t)(align - 1);
	*(size_t *)(p - HEADER) = size;
	return (void *)p;
nomem:
	errno = ENOMEM;
	return NULL;
}

void *malloc(size_t size)
{
	return alloc_aligned(16, size);
}

void free(void *ptr)
{
	(void)ptr;
}

void *calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > (size_t)-1 / size) {
		errno = ENOMEM;
		return NULL;
	}
	p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

/* A block of ours, or one made before we were loaded (copied as is). */
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

void *reallocarray(void *ptr, size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(ptr, n * size);
}

void *memalign(size_t align, size_t size)
{
	if (align & (align - 1)) {
		errno = EINVAL;
		return NULL;
	}
	return alloc_aligned(align < 16 ? 16 : align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	return memalign(align, size);
}

/* POSIX: the error number returned (positive), errno untouched. */
int posix_memalign(void **out, size_t align, size_t size)
{
	int saved = errno, err = EINVAL;
	void *p;

	if (align && !(align % sizeof(void *)) && !(align & (align - 1))) {
		p = memalign(align, size);
		err = p ? 0 : ENOMEM;
		if (p)
			*out = p;
	}
	errno = saved;
	return err;
}

void *valloc(size_t size)
{
	return memalign(sysconf(_SC_PAGESIZE), size);
}

void *pvalloc(size_t size)
{
	size_t page = sysconf(_SC_PAGESIZE);

	return memalign(page, (size + page - 1) & ~(page - 1));
}
