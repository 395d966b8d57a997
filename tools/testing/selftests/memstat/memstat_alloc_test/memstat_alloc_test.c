// SPDX-License-Identifier: GPL-2.0
/*
 * memstat_alloc_test: page allocations with known ground truth for the
 * memstat selftests.  At load, memstat_alloc_test_alloc() takes nr_allocs
 * blocks of 2^order pages with alloc_pages() and keeps them; at unload,
 * memstat_alloc_test_free() gives them back.  The tests know how many
 * blocks, of which order, with which gfp flags and from which function
 * the allocator was asked for, and compare a tool's view with that.
 *
 *   insmod memstat_alloc_test.ko nr_allocs=8 order=2
 *   cat /sys/module/memstat_alloc_test/parameters/allocated
 *   rmmod memstat_alloc_test
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

static unsigned int nr_allocs = 64;
module_param(nr_allocs, uint, 0444);
MODULE_PARM_DESC(nr_allocs, "Number of blocks to allocate at load (default 64)");

static unsigned int order;
module_param(order, uint, 0444);
MODULE_PARM_DESC(order, "Order of each block (default 0)");

static bool movable;
module_param(movable, bool, 0444);
MODULE_PARM_DESC(movable, "Allocate GFP_HIGHUSER_MOVABLE, not GFP_KERNEL (default N)");

static bool fail_ok;
module_param(fail_ok, bool, 0444);
MODULE_PARM_DESC(fail_ok, "Load even if allocations fail, keeping the rest (default N)");

static unsigned int allocated;
module_param(allocated, uint, 0444);
MODULE_PARM_DESC(allocated, "Blocks allocated (output: set at load)");

static struct page **blocks;

/*
 * Not __init: page_owner symbolizes the saved stacks when it is read, and
 * by then the module's init text is gone.  noinline, so that this function
 * is the caller of the page allocator in every stack.
 */
static noinline unsigned int memstat_alloc_test_alloc(gfp_t gfp)
{
	unsigned int i, failed = 0;
	struct page *page;

	for (i = 0; i < nr_allocs; i++) {
		page = alloc_pages(gfp, order);
		if (!page) {
			failed++;
			if (!fail_ok)
				break;
			continue;
		}
		blocks[allocated++] = page;
	}
	return failed;
}

static noinline void memstat_alloc_test_free(void)
{
	unsigned int i;

	for (i = 0; i < allocated; i++)
		__free_pages(blocks[i], order);
	kvfree(blocks);
	blocks = NULL;
}

static int __init memstat_alloc_test_init(void)
{
	gfp_t gfp = movable ? GFP_HIGHUSER_MOVABLE : GFP_KERNEL;
	unsigned int failed;

	if (!nr_allocs || order >= MAX_ORDER ||
	    ((u64)nr_allocs << order) > totalram_pages()) {
		pr_err("nr_allocs=%u order=%u: need nr_allocs > 0, order < %d and at most %lu pages in all\n",
		       nr_allocs, order, MAX_ORDER, totalram_pages());
		return -EINVAL;
	}
	blocks = kvcalloc(nr_allocs, sizeof(*blocks), GFP_KERNEL);
	if (!blocks)
		return -ENOMEM;

	allocated = 0;
	failed = memstat_alloc_test_alloc(gfp);
	if (failed && !fail_ok) {
		pr_err("allocation %u of %u (order %u) failed\n",
		       allocated + 1, nr_allocs, order);
		memstat_alloc_test_free();
		return -ENOMEM;
	}
	pr_info("allocated %u of %u blocks of order %u (%lu pages)\n",
		allocated, nr_allocs, order, (unsigned long)allocated << order);
	return 0;
}

static void __exit memstat_alloc_test_exit(void)
{
	memstat_alloc_test_free();
}

module_init(memstat_alloc_test_init);
module_exit(memstat_alloc_test_exit);

MODULE_DESCRIPTION("Page allocations with known ground truth for the memstat selftests");
MODULE_LICENSE("GPL");
