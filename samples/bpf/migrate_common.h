/* SPDX-License-Identifier: GPL-2.0 */
/* migrate: records shared by migrate_kern.c and migrate_user.c. */
#ifndef __MIGRATE_COMMON_H
#define __MIGRATE_COMMON_H

#include "memstat_common.h"

#define MG_MAX_PROCS	4096	/* processes with a record */
#define MG_MAX_THREADS	4096	/* threads inside migrate_pages() at once */
#define MG_NR_REASONS	8	/* enum migrate_reason values kept */

/* migrate_pages() calls of one reason. */
struct mg_count {
	__u64 calls;
	__u64 succeeded;	/* pages moved: pgmigrate_success */
	__u64 failed;		/* pages not: pgmigrate_fail */
	__u64 thp_succeeded;	/* of them THPs: thp_migration_success */
	__u64 thp_failed;	/* thp_migration_fail */
	__u64 thp_split;	/* THPs split to migrate: thp_migration_split */
	__u64 total_ns;		/* time in the calls */
};

/* procs[tgid]: the migrations its threads ran, by reason. */
struct mg_proc {
	char comm[MS_COMM_LEN];	/* of the thread that first migrated */
	__u32 tgid;
	__u32 pad;
	struct mg_count reason[MG_NR_REASONS];
};

/* threads[tid]: inside migrate_pages() since. */
struct mg_thread {
	__u64 start_ns;
};

struct mg_cfg {
	struct ms_filter filter;
};

enum mg_drop {
	MG_DROP_THREAD,		/* threads map full: a call not timed */
	MG_DROP_PROC,		/* procs map full */
	MG_DROP_REASON,		/* a reason beyond MG_NR_REASONS */
	MG_NR_DROPS,
};

#endif /* __MIGRATE_COMMON_H */
