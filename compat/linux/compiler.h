/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kbuild's user halves build against the system's headers, which have no
 * <linux/compiler.h> (the kernel tree's tools/include does): the few of
 * its macros memstat uses.
 */
#ifndef __MEMSTAT_COMPILER_H
#define __MEMSTAT_COMPILER_H

#define __printf(a, b)	__attribute__((__format__(__printf__, a, b)))
#define __noreturn	__attribute__((__noreturn__))
#define __maybe_unused	__attribute__((__unused__))
#define likely(x)	__builtin_expect(!!(x), 1)
#define READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, val)	__atomic_store_n(&(x), (val), __ATOMIC_RELAXED)

#endif /* __MEMSTAT_COMPILER_H */
