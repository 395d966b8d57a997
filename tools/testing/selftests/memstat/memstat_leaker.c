// SPDX-License-Identifier: GPL-2.0
/*
 * memstat_leaker: a program that leaks known blocks from known sites,
 * for memleak's test.  Each site is a function of its own; what it
 * leaks (sizes and counts are primes) is printed as the ground truth.
 *
 *   memstat_leaker leak [THREADS]    every site in THREADS threads (3)
 *   memstat_leaker noleak            every block freed again
 *   memstat_leaker steady ROUNDS     three sites leaking a block a round,
 *                                    2 ms apart, besides churn
 *   memstat_leaker churn PAIRS LIVE  LIVE blocks kept, then PAIRS of
 *                                    malloc(64) + free(): prints the ns
 *                                    a pair takes (the benchmark's load)
 *
 * It stops itself (SIGSTOP) before it starts, so that a tracer can be
 * attached, and after it printed the truth, so that the tracer reads it
 * while it lives; MEMSTAT_LEAKER_NOSTOP=1 runs straight through (a
 * command the tracer starts).  Lines:
 *   site NAME BYTES COUNT   outstanding from site_NAME at the end
 *   done
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/mman.h>

#define MAX_BLOCKS	4096

/* Every block lives here, so no allocation can be optimized away. */
static void *blocks[MAX_BLOCKS];

/* @p escapes: the compiler must keep its malloc() and free(). */
static inline void escape(void *p)
{
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

static int nblocks;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

struct site {
	const char *name;
	unsigned long long bytes, count;
};

static struct site sites[] = {
	{ "malloc", 0, 0 }, { "calloc", 0, 0 }, { "realloc", 0, 0 },
	{ "posix_memalign", 0, 0 }, { "aligned_alloc", 0, 0 },
	{ "memalign", 0, 0 }, { "partial", 0, 0 }, { "valloc", 0, 0 },
	{ "reallocarray", 0, 0 }, { "mmap", 0, 0 }, { "big", 0, 0 },
	{ "freed", 0, 0 }, { "realloc_zero", 0, 0 },
};

enum {
	S_MALLOC, S_CALLOC, S_REALLOC, S_POSIX_MEMALIGN, S_ALIGNED_ALLOC,
	S_MEMALIGN, S_PARTIAL, S_VALLOC, S_REALLOCARRAY, S_MMAP, S_BIG,
	S_FREED, S_REALLOC_ZERO, NR_SITES
};

static int noleak;

/* Keep @p (leaked from site @s, @size bytes), or free it with noleak. */
static void keep(int s, void *p, size_t size)
{
	if (!p) {
		fprintf(stderr, "memstat_leaker: site %s: allocation failed\n",
			sites[s].name);
		exit(1);
	}
	memset(p, 0x5a, size < 64 ? size : 64);
	if (noleak) {
		if (s == S_MMAP)
			munmap(p, size);
		else
			free(p);
		return;
	}
	pthread_mutex_lock(&lock);
	if (nblocks < MAX_BLOCKS)
		blocks[nblocks++] = p;
	sites[s].bytes += size;
	sites[s].count++;
	pthread_mutex_unlock(&lock);
}

/* The sites: noinline, so that each is a frame of its own. */
#define SITE static __attribute__((noinline)) void

SITE site_malloc(void)
{
	for (int i = 0; i < 7; i++)
		keep(S_MALLOC, malloc(4099), 4099);
}

SITE site_calloc(void)
{
	for (int i = 0; i < 11; i++)
		keep(S_CALLOC, calloc(13, 331), 13 * 331);
}

/* Blocks from malloc() grown by realloc(): outstanding under realloc. */
SITE site_realloc(void)
{
	for (int i = 0; i < 5; i++) {
		char *p = malloc(101);

		memset(p, 1, 101);
		keep(S_REALLOC, realloc(p, 5003), 5003);
	}
}

SITE site_posix_memalign(void)
{
	for (int i = 0; i < 3; i++) {
		void *p = NULL;

		if (posix_memalign(&p, 64, 2003))
			p = NULL;
		keep(S_POSIX_MEMALIGN, p, 2003);
	}
}

SITE site_aligned_alloc(void)
{
	for (int i = 0; i < 13; i++)
		keep(S_ALIGNED_ALLOC, aligned_alloc(64, 3011), 3011);
}

SITE site_memalign(void)
{
	for (int i = 0; i < 2; i++)
		keep(S_MEMALIGN, memalign(128, 1511), 1511);
}

/* 17 blocks, 10 of them freed again. */
SITE site_partial(void)
{
	void *p[17];
	int i;

	for (i = 0; i < 17; i++) {
		p[i] = malloc(1009);
		memset(p[i], 2, 1009);
	}
	for (i = 0; i < 10; i++)
		free(p[i]);
	for (; i < 17; i++)
		keep(S_PARTIAL, p[i], 1009);
}

SITE site_valloc(void)
{
	for (int i = 0; i < 2; i++)
		keep(S_VALLOC, valloc(2017), 2017);
}

SITE site_reallocarray(void)
{
	for (int i = 0; i < 3; i++)
		keep(S_REALLOCARRAY, reallocarray(NULL, 19, 23), 19 * 23);
}

/* Five-page mappings, three kept, one unmapped again. */
SITE site_mmap(void)
{
	size_t len = 5 * 4096;
	void *p;

	for (int i = 0; i < 3; i++) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		keep(S_MMAP, p == MAP_FAILED ? NULL : p, len);
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		munmap(p, len);
}

/* Above glibc's mmap threshold: malloc() calls mmap() itself. */
SITE site_big(void)
{
	for (int i = 0; i < 2; i++)
		keep(S_BIG, malloc(1048583), 1048583);
}

/* Allocated and freed: nothing outstanding. */
SITE site_freed(void)
{
	for (int i = 0; i < 29; i++) {
		char *p = malloc(20011);

		escape(p);
		free(p);
	}
}

/* realloc(p, 0) frees p (glibc): nothing outstanding. */
SITE site_realloc_zero(void)
{
	for (int i = 0; i < 3; i++) {
		char *p = malloc(307);

		escape(p);
		p = realloc(p, 0);
		escape(p);
		free(p);
	}
}

static void *run_sites(void *arg)
{
	site_malloc();
	site_calloc();
	site_realloc();
	site_posix_memalign();
	site_aligned_alloc();
	site_memalign();
	site_partial();
	site_valloc();
	site_reallocarray();
	site_mmap();
	site_big();
	site_freed();
	site_realloc_zero();
	return arg;
}

/* Three sites leak a block a round; churn frees what it allocates. */
SITE site_steady_a(void)
{
	keep(S_MALLOC, malloc(1031), 1031);
}

SITE site_steady_b(void)
{
	keep(S_CALLOC, calloc(1, 2053), 2053);
}

SITE site_steady_small(void)
{
	keep(S_PARTIAL, malloc(61), 61);
}

SITE churn(void)
{
	for (int i = 0; i < 8; i++) {
		char *p = malloc(97 + i);

		escape(p);
		free(p);
	}
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* malloc + free pairs with @live blocks outstanding: ns per pair. */
static int churn_pairs(long pairs, long live)
{
	void **keep = calloc(live ? live : 1, sizeof(*keep));
	double start;
	long i;

	for (i = 0; i < live; i++)
		keep[i] = malloc(64);
	start = now_ns();
	for (i = 0; i < pairs; i++) {
		char *p = malloc(64);

		escape(p);
		free(p);
	}
	printf("pairs=%ld live=%ld ns_per_pair=%.0f\n", pairs, live,
	       (now_ns() - start) / pairs);
	for (i = 0; i < live; i++)
		free(keep[i]);
	free(keep);
	return 0;
}

static void stop_here(void)
{
	const char *nostop = getenv("MEMSTAT_LEAKER_NOSTOP");

	fflush(stdout);
	if (!nostop || strcmp(nostop, "1"))
		raise(SIGSTOP);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	pthread_t tids[16];
	int i, threads = 3;

	if (!strcmp(mode, "churn") && argc > 3 && atol(argv[2]) > 0)
		return churn_pairs(atol(argv[2]), atol(argv[3]));
	if (!strcmp(mode, "steady")) {
		int rounds = argc > 2 ? atoi(argv[2]) : 1000;

		sites[S_MALLOC].name = "steady_a";
		sites[S_CALLOC].name = "steady_b";
		sites[S_PARTIAL].name = "steady_small";
		if (rounds < 1 || rounds > MAX_BLOCKS / 3)
			rounds = MAX_BLOCKS / 3;
		printf("pid %d\n", getpid());
		stop_here();
		for (i = 0; i < rounds; i++) {
			site_steady_a();
			site_steady_b();
			site_steady_small();
			churn();
			usleep(2000);
		}
		printf("site steady_a %llu %llu\n", sites[S_MALLOC].bytes,
		       sites[S_MALLOC].count);
		printf("site steady_b %llu %llu\n", sites[S_CALLOC].bytes,
		       sites[S_CALLOC].count);
		printf("site steady_small %llu %llu\n", sites[S_PARTIAL].bytes,
		       sites[S_PARTIAL].count);
		printf("done\n");
		stop_here();
		return 0;
	}
	if (strcmp(mode, "leak") && strcmp(mode, "noleak")) {
		fprintf(stderr,
			"usage: memstat_leaker leak [THREADS] | noleak | steady ROUNDS | churn PAIRS LIVE\n");
		return 2;
	}
	noleak = !strcmp(mode, "noleak");
	if (argc > 2)
		threads = atoi(argv[2]);
	if (threads < 1 || threads > 16)
		threads = 3;
	if (noleak)
		threads = 1;
	printf("pid %d\n", getpid());
	stop_here();
	if (noleak) {
		run_sites(NULL);
	} else {
		for (i = 0; i < threads; i++)
			if (pthread_create(&tids[i], NULL, run_sites, NULL))
				return 1;
		for (i = 0; i < threads; i++)
			pthread_join(tids[i], NULL);
	}
	for (i = 0; i < NR_SITES; i++)
		printf("site %s %llu %llu\n", sites[i].name, sites[i].bytes,
		       sites[i].count);
	printf("done\n");
	stop_here();
	return 0;
}
