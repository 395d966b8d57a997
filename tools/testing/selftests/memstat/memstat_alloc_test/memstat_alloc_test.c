// SPDX-License-Identifier: GPL-2.0
/*
 * memstat_alloc_test: kernel allocations with known ground truth for the
 * memstat selftests.  At load, each source below asks for exactly what
 * its parameters say, from a function of its own (so that every call
 * path names it), and keeps it until unload; the tests compare a tool's
 * view with these counts and with what the kernel itself reports
 * (/proc/vmallocinfo, /proc/slabinfo, Percpu in /proc/meminfo).
 *
 *   memstat_alloc_test_alloc()    nr_allocs blocks of 2^order pages with
 *                                 alloc_pages(): GFP_KERNEL, or
 *                                 GFP_HIGHUSER_MOVABLE (movable=1), from
 *                                 ZONE_DMA only (dma=1), failing at
 *                                 once: no reclaim, retry, warning or
 *                                 kswapd (noretry=1)
 *   memstat_alloc_test_too_big()  too_big requests of order MAX_ORDER,
 *                                 which the allocator always refuses
 *   memstat_alloc_test_vmalloc()  vmalloc(vmalloc_kb KiB)
 *   memstat_alloc_test_slab()     slab_objs objects of slab_size bytes
 *                                 from a kmem_cache of its own
 *   memstat_alloc_test_kmalloc()  kmalloc_objs blocks of kmalloc_size
 *                                 bytes from kmalloc()
 *   memstat_alloc_test_percpu()   percpu_allocs areas of 32 KiB per CPU
 *
 * fail_ok=1 keeps loading when allocations fail (max_failures=N stops
 * asking after N failures); keep=0 gives the blocks back before the load
 * returns.  "allocated" and "failed" report the outcome.
 *
 *   insmod memstat_alloc_test.ko nr_allocs=8 order=2
 *   insmod memstat_alloc_test.ko dma=1 noretry=1 fail_ok=1 max_failures=8 \
 *          nr_allocs=8192
 *   cat /sys/module/memstat_alloc_test/parameters/failed
 *   rmmod memstat_alloc_test
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

static unsigned int nr_allocs = 64;
module_param(nr_allocs, uint, 0444);
MODULE_PARM_DESC(nr_allocs, "Number of blocks to allocate at load (default 64)");

static unsigned int order;
module_param(order, uint, 0444);
MODULE_PARM_DESC(order, "Order of each block (default 0)");

static bool movable;
module_param(movable, bool, 0444);
MODULE_PARM_DESC(movable, "Allocate GFP_HIGHUSER_MOVABLE, not GFP_KERNEL (default N)");

static bool dma;
module_param(dma, bool, 0444);
MODULE_PARM_DESC(dma, "Allocate from ZONE_DMA only, a zone small enough to exhaust (default N)");

static bool noretry;
module_param(noretry, bool, 0444);
MODULE_PARM_DESC(noretry, "Fail at once: no reclaim, retry, warning, OOM or kswapd (default N)");

static bool fail_ok;
module_param(fail_ok, bool, 0444);
MODULE_PARM_DESC(fail_ok, "Load even if allocations fail, keeping the rest (default N)");

static unsigned int max_failures;
module_param(max_failures, uint, 0444);
MODULE_PARM_DESC(max_failures, "With fail_ok: stop after this many failures (default 0: never)");

static bool keep = true;
module_param(keep, bool, 0444);
MODULE_PARM_DESC(keep, "Hold the blocks until unload; N: free them at once (default Y)");

static unsigned int too_big;
module_param(too_big, uint, 0444);
MODULE_PARM_DESC(too_big, "Requests of order MAX_ORDER, each refused (default 0)");

static unsigned int vmalloc_kb;
module_param(vmalloc_kb, uint, 0444);
MODULE_PARM_DESC(vmalloc_kb, "KiB to vmalloc() (default 0)");

static unsigned int slab_objs;
module_param(slab_objs, uint, 0444);
MODULE_PARM_DESC(slab_objs, "Objects to allocate from the module's kmem_cache (default 0)");

static unsigned int slab_size = 1024;
module_param(slab_size, uint, 0444);
MODULE_PARM_DESC(slab_size, "Object size of that cache in bytes (default 1024)");

static unsigned int kmalloc_objs;
module_param(kmalloc_objs, uint, 0444);
MODULE_PARM_DESC(kmalloc_objs, "Blocks to allocate with kmalloc() (default 0)");

static unsigned int kmalloc_size = 100;
module_param(kmalloc_size, uint, 0444);
MODULE_PARM_DESC(kmalloc_size, "Bytes of each kmalloc() block (default 100)");

static unsigned int percpu_allocs;
module_param(percpu_allocs, uint, 0444);
MODULE_PARM_DESC(percpu_allocs, "Per-CPU areas of 32 KiB to allocate (default 0)");

static unsigned int allocated;
module_param(allocated, uint, 0444);
MODULE_PARM_DESC(allocated, "Blocks allocated (output: set at load)");

static unsigned int failed;
module_param(failed, uint, 0444);
MODULE_PARM_DESC(failed, "Requests that returned no page, too_big ones included (output)");

#define PERCPU_AREA_SIZE	(32 << 10)	/* PCPU_MIN_UNIT_SIZE: the largest */

static struct page **blocks;
static unsigned int held;		/* blocks[0..held) are ours */
static void *vmalloc_area;
static struct kmem_cache *cache;
static void **objs;
static void **kmalloc_blocks;
static void __percpu **percpu_areas;

/*
 * Not __init: page_owner symbolizes the saved stacks when it is read, and
 * by then the module's init text is gone.  noinline, so that each of these
 * functions is the caller of the allocator in every stack.
 */
static noinline void memstat_alloc_test_alloc(gfp_t gfp)
{
	unsigned int i, fails = 0;
	struct page *page;

	for (i = 0; i < nr_allocs; i++) {
		page = alloc_pages(gfp, order);
		if (!page) {
			fails++;
			if (!fail_ok || fails == max_failures)
				break;
			continue;
		}
		blocks[held++] = page;
	}
	allocated = held;
	failed += fails;
}

static noinline void memstat_alloc_test_too_big(void)
{
	unsigned int i;

	for (i = 0; i < too_big; i++)
		if (!alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_ORDER))
			failed++;
}

static noinline int memstat_alloc_test_vmalloc(void)
{
	vmalloc_area = vmalloc((unsigned long)vmalloc_kb << 10);
	return vmalloc_area ? 0 : -ENOMEM;
}

/* A constructor keeps SLUB from merging the cache with another one. */
static void memstat_alloc_test_ctor(void *obj)
{
}

static noinline int memstat_alloc_test_slab(void)
{
	unsigned int i;

	cache = kmem_cache_create(KBUILD_MODNAME, slab_size, 0, 0,
				  memstat_alloc_test_ctor);
	if (!cache)
		return -ENOMEM;
	for (i = 0; i < slab_objs; i++) {
		objs[i] = kmem_cache_alloc(cache, GFP_KERNEL);
		if (!objs[i])
			return -ENOMEM;
	}
	return 0;
}

static noinline int memstat_alloc_test_kmalloc(void)
{
	unsigned int i;

	for (i = 0; i < kmalloc_objs; i++) {
		kmalloc_blocks[i] = kmalloc(kmalloc_size, GFP_KERNEL);
		if (!kmalloc_blocks[i])
			return -ENOMEM;
	}
	return 0;
}

static noinline int memstat_alloc_test_percpu(void)
{
	unsigned int i;

	for (i = 0; i < percpu_allocs; i++) {
		percpu_areas[i] = __alloc_percpu(PERCPU_AREA_SIZE, PAGE_SIZE);
		if (!percpu_areas[i])
			return -ENOMEM;
	}
	return 0;
}

static noinline void memstat_alloc_test_free_blocks(void)
{
	unsigned int i;

	for (i = 0; i < held; i++)
		__free_pages(blocks[i], order);
	held = 0;
}

static void memstat_alloc_test_free(void)
{
	unsigned int i;

	memstat_alloc_test_free_blocks();
	kvfree(blocks);
	vfree(vmalloc_area);
	if (objs) {
		for (i = 0; i < slab_objs && objs[i]; i++)
			kmem_cache_free(cache, objs[i]);
		kvfree(objs);
	}
	kmem_cache_destroy(cache);
	if (kmalloc_blocks) {
		for (i = 0; i < kmalloc_objs; i++)
			kfree(kmalloc_blocks[i]);
		kvfree(kmalloc_blocks);
	}
	if (percpu_areas) {
		for (i = 0; i < percpu_allocs; i++)
			free_percpu(percpu_areas[i]);
		kvfree(percpu_areas);
	}
}

static gfp_t memstat_alloc_test_gfp(void)
{
	gfp_t gfp = movable ? GFP_HIGHUSER_MOVABLE : GFP_KERNEL;

	if (dma)
		gfp |= GFP_DMA;
	/*
	 * Neither kswapd nor the request's own direct reclaim may free
	 * memory behind a failure (pages reclaimed from the zone reach the
	 * free lists a moment later): the zone stays as the allocator left
	 * it when it failed, for the tests to compare.
	 */
	if (noretry)
		gfp = (gfp | __GFP_NORETRY | __GFP_NOWARN) & ~__GFP_RECLAIM;
	return gfp;
}

static int __init memstat_alloc_test_check(void)
{
	u64 pages = (u64)nr_allocs << order;

	if (order >= MAX_ORDER || (!fail_ok && pages > totalram_pages())) {
		pr_err("nr_allocs=%u order=%u: need order < %d and (no fail_ok) <= %lu pages\n",
		       nr_allocs, order, MAX_ORDER, totalram_pages());
		return -EINVAL;
	}
	if (dma && (!IS_ENABLED(CONFIG_ZONE_DMA) || movable)) {
		pr_err("dma=1 needs CONFIG_ZONE_DMA and no movable=1\n");
		return -EINVAL;
	}
	if (!slab_size || slab_size > KMALLOC_MAX_CACHE_SIZE ||
	    !kmalloc_size || kmalloc_size > KMALLOC_MAX_CACHE_SIZE) {
		pr_err("slab_size=%u kmalloc_size=%u: need 1..%lu\n", slab_size,
		       kmalloc_size, (unsigned long)KMALLOC_MAX_CACHE_SIZE);
		return -EINVAL;
	}
	return 0;
}

static int __init memstat_alloc_test_init(void)
{
	int err = memstat_alloc_test_check();

	if (err)
		return err;
	blocks = kvcalloc(nr_allocs ? nr_allocs : 1, sizeof(*blocks), GFP_KERNEL);
	objs = kvcalloc(slab_objs ? slab_objs : 1, sizeof(*objs), GFP_KERNEL);
	kmalloc_blocks = kvcalloc(kmalloc_objs ? kmalloc_objs : 1,
				  sizeof(*kmalloc_blocks), GFP_KERNEL);
	percpu_areas = kvcalloc(percpu_allocs ? percpu_allocs : 1,
				sizeof(*percpu_areas), GFP_KERNEL);
	if (!blocks || !objs || !kmalloc_blocks || !percpu_areas) {
		err = -ENOMEM;
		goto fail;
	}

	allocated = 0;
	failed = 0;
	memstat_alloc_test_alloc(memstat_alloc_test_gfp());
	if (failed && !fail_ok) {
		pr_err("allocation %u of %u (order %u) failed\n",
		       allocated + 1, nr_allocs, order);
		err = -ENOMEM;
		goto fail;
	}
	memstat_alloc_test_too_big();
	if (vmalloc_kb)
		err = memstat_alloc_test_vmalloc();
	if (!err && slab_objs)
		err = memstat_alloc_test_slab();
	if (!err)
		err = memstat_alloc_test_kmalloc();
	if (!err)
		err = memstat_alloc_test_percpu();
	if (err) {
		pr_err("vmalloc, slab, kmalloc or percpu allocation failed\n");
		goto fail;
	}
	pr_info("allocated %u of %u blocks of order %u (%lu pages), %u requests failed\n",
		allocated, nr_allocs, order, (unsigned long)allocated << order,
		failed);
	if (!keep)
		memstat_alloc_test_free_blocks();
	return 0;
fail:
	memstat_alloc_test_free();
	return err;
}

static void __exit memstat_alloc_test_exit(void)
{
	memstat_alloc_test_free();
}

module_init(memstat_alloc_test_init);
module_exit(memstat_alloc_test_exit);

MODULE_DESCRIPTION("Kernel allocations with known ground truth for the memstat selftests");
MODULE_LICENSE("GPL");
