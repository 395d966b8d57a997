// SPDX-License-Identifier: GPL-2.0
/*
 * heapsnoop's ground truth.  Debian's C library has no USDT probes, so
 * this program carries probes of its own, made as <sys/sdt.h> makes
 * them (a nop, and a note in .note.stapsdt naming it, provider "libc",
 * glibc's probe names and argument types), with register, memory and
 * constant operands.  It changes mallopt settings, grows and trims the
 * main heap and makes arenas from threads for real, and fires the probe
 * glibc would fire with the values it knows, printing each:
 *
 *   fired tid=TID memory_sbrk_more brk=0x... size=N
 *
 * then "done pid=PID events=N" and the totals heapsnoop's table shows.
 *
 *   memstat_mallocprobes --go FILE [--threads N]
 *
 * prints "waiting pid=PID sites=N" and waits for FILE to exist first.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "memstat_mallocprobes: probe operands are written for x86-64 and arm64"
#endif

/*
 * A probe: "990:" is the nop the uprobe replaces; the note holds its
 * address, the base the addresses are relative to, the semaphore (none),
 * provider, name and @args, whose %N the compiler turns into the
 * operands' places (x86-64 "%rdi", "-20(%rsp)", "$5"; arm64 "x0",
 * "[sp, 20]", "5").
 */
#define SDT(name, args, ...)						\
({									\
	__asm__ __volatile__(						\
		"990:	nop\n"						\
		"	.pushsection .note.stapsdt,\"?\",\"note\"\n"	\
		"	.balign 4\n"					\
		"	.4byte 992f-991f, 994f-993f, 3\n"		\
		"991:	.asciz \"stapsdt\"\n"				\
		"992:	.balign 4\n"					\
		"993:	.8byte 990b, _.stapsdt.base, 0\n"		\
		"	.asciz \"libc\"\n"				\
		"	.asciz \"" name "\"\n"				\
		"	.asciz \"" args "\"\n"				\
		"994:	.balign 4\n"					\
		"	.popsection\n"					\
		"	.ifndef _.stapsdt.base\n"			\
		"	.pushsection .stapsdt.base,\"aG\",\"progbits\","	\
		".stapsdt.base,comdat\n"				\
		"	.weak _.stapsdt.base\n"				\
		"	.hidden _.stapsdt.base\n"			\
		"_.stapsdt.base:	.space 1\n"			\
		"	.size _.stapsdt.base, 1\n"			\
		"	.popsection\n"					\
		"	.endif\n" : : __VA_ARGS__);			\
})

/* The probe sites below (heapsnoop -l lists as many). */
#define SITES	12

static pthread_barrier_t barrier;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long events;

/* Print a probe hit as heapsnoop shows it. */
static void hit(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	printf("fired tid=%ld ", (long)syscall(SYS_gettid));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	events++;
	pthread_mutex_unlock(&out_lock);
}

/*
 * mallopt(@param, @value) for real, then the probes glibc fires.  Not
 * inlined: each probe is one site, whatever the calls.
 */
static __attribute__((noinline)) void set_option(int param, const char *name,
						 int value, int old)
{
	int dyn_off = 1;

	mallopt(param, value);
	SDT("memory_mallopt", "-4@%0 -4@%1", "r"(param), "r"(value));
	hit("memory_mallopt param=%s value=%d", name, value);
	if (param == M_MMAP_THRESHOLD) {
		SDT("memory_mallopt_mmap_threshold", "-4@%0 -4@%1 -4@%2",
		    "r"(value), "m"(old), "m"(dyn_off));
		hit("memory_mallopt_mmap_threshold value=%d old=%d dyn_off=%d",
		    value, old, dyn_off);
	} else if (param == M_ARENA_MAX) {
		SDT("memory_mallopt_arena_max", "-4@%0 -4@%1", "r"(value),
		    "i"(0));
		hit("memory_mallopt_arena_max value=%d old=0", value);
	}
}

/* A thread of its own arena: made, its heap grown and shrunk, freed. */
static void *arena_thread(void *arg)
{
	size_t size = 132 * 1024, more = (uintptr_t)arg * 4096;
	unsigned long heap, arena;
	int bin = 7;
	void *p;

	pthread_barrier_wait(&barrier);
	p = malloc(1000);	/* all at once: each gets a new arena */
	/* Its heap_info starts the 64 MiB-aligned heap the chunk is in. */
	heap = (uintptr_t)p & ~(64UL * 1024 * 1024 - 1);
	arena = heap + 32;
	SDT("memory_heap_new", "8@%0 8@%1", "r"(heap), "r"(size));
	hit("memory_heap_new heap=0x%lx size=%zu", heap, size);
	SDT("memory_arena_new", "8@%0 8@%1", "r"(arena), "m"(size));
	hit("memory_arena_new arena=0x%lx size=%zu", arena, size);
	size += more;
	SDT("memory_heap_more", "8@%0 8@%1", "r"(heap), "r"(size));
	hit("memory_heap_more heap=0x%lx size=%zu", heap, size);
	size -= 4096;
	SDT("memory_heap_less", "8@%0 8@%1", "r"(heap), "r"(size));
	hit("memory_heap_less heap=0x%lx size=%zu", heap, size);
	SDT("memory_tcache_double_free", "8@%0 -4@%1", "r"(p), "m"(bin));
	hit("memory_tcache_double_free ptr=%p bin=%d", p, bin);
	free(p);
	pthread_barrier_wait(&barrier);
	SDT("memory_heap_free", "8@%0 8@%1", "r"(heap), "r"(size));
	hit("memory_heap_free heap=0x%lx size=%zu", heap, size);
	return NULL;
}

/* The number of arenas, as malloc_info() lists them. */
static int arenas(void)
{
	char *buf = NULL, *p;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int n = 0;

	if (!f)
		return -1;
	malloc_info(0, f);
	fclose(f);
	for (p = buf; (p = strstr(p, "<heap nr=")); p++)
		n++;
	free(buf);
	return n;
}

int main(int argc, char **argv)
{
	const char *go = NULL;
	long threads = 3, i;
	pthread_t tid[16];
	char *brk0, *brk1, *brk2;
	size_t grown, trimmed;
	void *p;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--go"))
			go = argv[i + 1];
		else if (!strcmp(argv[i], "--threads"))
			threads = strtol(argv[i + 1], NULL, 10);
	}
	if (!go || threads < 1 || threads > 16) {
		fprintf(stderr, "usage: memstat_mallocprobes --go FILE [--threads 1-16]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("waiting pid=%d sites=%d\n", getpid(), SITES);
	while (access(go, F_OK))
		usleep(10000);

	set_option(M_MMAP_THRESHOLD, "M_MMAP_THRESHOLD", 512 * 1024, 128 * 1024);
	set_option(M_TRIM_THRESHOLD, "M_TRIM_THRESHOLD", 64 * 1024, 0);
	set_option(M_ARENA_MAX, "M_ARENA_MAX", 64, 0);

	/* The main heap grown by a block below the mmap threshold... */
	brk0 = sbrk(0);
	p = malloc(300 * 1024);
	/* Used, as far as the compiler knows: it keeps malloc and free. */
	__asm__ __volatile__("" : : "r"(p) : "memory");
	brk1 = sbrk(0);
	grown = brk1 - brk0;
	SDT("memory_sbrk_more", "8@%0 8@%1", "r"(brk0), "r"(grown));
	hit("memory_sbrk_more brk=%p size=%zu", brk0, grown);
	/* ... and trimmed when it goes. */
	free(p);
	malloc_trim(0);
	brk2 = sbrk(0);
	trimmed = brk1 - brk2;
	SDT("memory_sbrk_less", "8@%0 8@%1", "r"(brk2), "r"(trimmed));
	hit("memory_sbrk_less brk=%p size=%zu", brk2, trimmed);
	SDT("memory_malloc_retry", "8@%0", "i"(12345));
	hit("memory_malloc_retry bytes=12345");

	pthread_barrier_init(&barrier, NULL, threads);
	for (i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, arena_thread, (void *)(i + 1));
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	printf("done pid=%d events=%lu sbrk_more=%zu sbrk_less=%zu threads=%ld arenas=%d\n",
	       getpid(), events, grown, trimmed, threads, arenas());
	return 0;
}
