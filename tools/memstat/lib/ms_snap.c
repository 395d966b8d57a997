// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: the kernel's own counters read as a snapshot, for a tool
 * that compares two of them (memstat report): /proc/vmstat-style
 * counters, zones with their watermarks and free blocks, memory PSI,
 * every process's memory, and memory cgroups with their limits.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libmemstat.h"

int ms_counters_read(const char *path, const char *const *names,
		     long long *vals, size_t n)
{
	char line[512], key[64];
	long long v;
	size_t i;
	FILE *f;

	for (i = 0; i < n; i++)
		vals[i] = -1;
	f = fopen(path, "r");
	if (!f)
		return ms_set_error(-errno, "cannot read %s: %s", path,
				    strerror(errno));
	/* "key value" (vmstat) or "Key:   value kB" (meminfo, status) */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^: \t]%*[: \t]%lld", key, &v) != 2)
			continue;
		for (i = 0; i < n; i++)
			if (!strcmp(key, names[i]))
				vals[i] = v;
	}
	fclose(f);
	return 0;
}

/* The zone in @z[0..@n) called @name on node @nid. */
static struct ms_zone_snap *ms_zone_find(struct ms_zone_snap *z, size_t n,
					 int nid, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (z[i].nid == nid && !strcmp(z[i].name, name))
			return &z[i];
	return NULL;
}

ssize_t ms_zones_read(struct ms_zone_snap *z, size_t max)
{
	char line[1024], name[16], *p;
	struct ms_zone_snap *cur = NULL;
	size_t n = 0;
	long long v;
	int nid, off, order;
	FILE *f;

	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		return ms_set_error(-errno, "cannot read /proc/zoneinfo: %s",
				    strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %15s", &nid, name) == 2) {
			cur = n < max ? &z[n++] : NULL;
			if (cur) {
				memset(cur, 0, sizeof(*cur));
				cur->nid = nid;
				snprintf(cur->name, sizeof(cur->name), "%s",
					 name);
			}
		} else if (cur && sscanf(line, " pages free %lld", &v) == 1) {
			cur->free = v;
		} else if (cur && sscanf(line, " min %lld", &v) == 1) {
			cur->min = v;
		} else if (cur && sscanf(line, " low %lld", &v) == 1) {
			cur->low = v;
		} else if (cur && sscanf(line, " high %lld", &v) == 1) {
			cur->high = v;
		} else if (cur && sscanf(line, " managed %lld", &v) == 1) {
			cur->managed = v;
		} else if (cur && sscanf(line, " spanned %lld", &v) == 1) {
			cur->spanned = v;
		} else if (cur && sscanf(line, " start_pfn: %lld", &v) == 1) {
			cur->start_pfn = v;
		}
	}
	fclose(f);
	/* "Node 0, zone   Normal   12   7   3 ..." free blocks per order */
	f = fopen("/proc/buddyinfo", "r");
	if (!f)
		return ms_set_error(-errno, "cannot read /proc/buddyinfo: %s",
				    strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d, zone %15s%n", &nid, name, &off) != 2)
			continue;
		cur = ms_zone_find(z, n, nid, name);
		if (!cur)
			continue;
		p = line + off;
		for (order = 0; order < MS_ZONE_ORDERS; order++) {
			unsigned long long blocks;

			if (sscanf(p, "%llu%n", &blocks, &off) != 1)
				break;
			cur->nr_free[order] = blocks;
			p += off;
		}
		cur->orders = order;
	}
	fclose(f);
	return n;
}

long long ms_max_pfn(void)
{
	struct ms_zone_snap z[64];
	long long end = 0;
	ssize_t n, i;

	n = ms_zones_read(z, ARRAY_SIZE(z));
	if (n < 0)
		return n;
	for (i = 0; i < n; i++)
		if (z[i].start_pfn + z[i].spanned > end)
			end = z[i].start_pfn + z[i].spanned;
	return end;
}

int ms_zone_largest(const struct ms_zone_snap *z)
{
	int order;

	for (order = z->orders - 1; order >= 0; order--)
		if (z->nr_free[order])
			return order;
	return -1;
}

void ms_psi_read(struct ms_psi *psi)
{
	char line[256], kind[8];
	double avg10;
	unsigned long long total;
	FILE *f;

	memset(psi, 0, sizeof(*psi));
	/* Opening fails (EOPNOTSUPP) when PSI is built but off: psi=0. */
	f = fopen("/proc/pressure/memory", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%7s avg10=%lf avg60=%*f avg300=%*f total=%llu",
			   kind, &avg10, &total) != 3)
			continue;
		psi->on = true;
		if (!strcmp(kind, "some")) {
			psi->some_avg10 = avg10;
			psi->some_us = total;
		} else if (!strcmp(kind, "full")) {
			psi->full_avg10 = avg10;
			psi->full_us = total;
		}
	}
	fclose(f);
}

/* Process @pid into @p; false for kernel threads and the gone. */
static bool ms_proc_snap_read(pid_t pid, struct ms_proc_snap *p)
{
	static const char *const names[] = {
		"RssAnon", "RssFile", "RssShmem", "VmSwap",
	};
	long long vals[ARRAY_SIZE(names)];
	char path[64], line[1024], *open, *close;
	bool ok;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (ms_counters_read(path, names, vals, ARRAY_SIZE(names)) ||
	    vals[0] < 0)
		return false;	/* no mm: a kernel thread, or exiting */
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->anon = vals[0];
	p->file = vals[1];
	p->shmem = vals[2];
	p->swap = vals[3] < 0 ? 0 : vals[3];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	ok = fgets(line, sizeof(line), f);
	fclose(f);
	open = ok ? strchr(line, '(') : NULL;
	close = ok ? strrchr(line, ')') : NULL;
	if (!open || !close || close < open)
		return false;
	snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(close - open - 1),
		 open + 1);
	/* ") state ppid pgrp session tty tpgid flags minflt cminflt majflt" */
	return sscanf(close + 1, " %*c %*d %*d %*d %*d %*d %*u %llu %*u %llu",
		      &p->minflt, &p->majflt) == 2;
}

static int ms_proc_snap_cmp(const void *a, const void *b)
{
	const struct ms_proc_snap *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

ssize_t ms_procs_read(const struct ms_env *env, struct ms_proc_snap **out)
{
	struct ms_proc_snap *procs = NULL, *grown;
	size_t n = 0, cap = 0;
	struct dirent *d;
	char *end;
	long pid;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return ms_set_error(-errno, "cannot read /proc: %s",
				    strerror(errno));
	while ((d = readdir(dir))) {
		pid = strtol(d->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			grown = realloc(procs, cap * sizeof(*procs));
			if (!grown)
				ms_fatal(env, "out of memory");
			procs = grown;
		}
		if (ms_proc_snap_read(pid, &procs[n]))
			n++;
	}
	closedir(dir);
	qsort(procs, n, sizeof(*procs), ms_proc_snap_cmp);
	*out = procs;
	return n;
}

const struct ms_proc_snap *ms_procs_find(const struct ms_proc_snap *procs,
					 size_t n, pid_t pid)
{
	struct ms_proc_snap key = { .pid = pid };

	return bsearch(&key, procs, n, sizeof(*procs), ms_proc_snap_cmp);
}

/* The first number in file @dir/@name ("max" reads as -1); -1 if none. */
static long long ms_cg_value(const char *dir, const char *name)
{
	char path[PATH_MAX], buf[64], *end;
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f)) {
		v = strtoll(buf, &end, 10);
		if (end == buf)
			v = -1;
	}
	fclose(f);
	return v;
}

/* One memory cgroup's usage, limit and limit hits into @c. */
static void ms_memcg_read(const char *dir, bool v1, struct ms_memcg *c)
{
	static const char *const events[] = { "max", "oom_kill" };
	long long vals[ARRAY_SIZE(events)];
	char path[PATH_MAX];
	long long limit;

	if (v1) {
		c->usage = ms_cg_value(dir, "memory.usage_in_bytes");
		limit = ms_cg_value(dir, "memory.limit_in_bytes");
		c->limit_hits = ms_cg_value(dir, "memory.failcnt");
		snprintf(path, sizeof(path), "%s/memory.oom_control", dir);
	} else {
		c->usage = ms_cg_value(dir, "memory.current");
		limit = ms_cg_value(dir, "memory.max");
		snprintf(path, sizeof(path), "%s/memory.events", dir);
	}
	/* v1 "no limit" is PAGE_COUNTER_MAX pages: beyond any memory. */
	c->limit = limit < 0 || limit >= (1LL << 60) ? -1 : limit;
	if (ms_counters_read(path, events, vals, ARRAY_SIZE(events)))
		return;
	if (!v1)
		c->limit_hits = vals[0];
	c->oom_kills = vals[1];
}

static int ms_memcg_walk(const struct ms_env *env, const char *dir,
			 const char *rel, bool v1, struct ms_memcg **cgs,
			 size_t *n, size_t *cap)
{
	char sub[PATH_MAX], subrel[PATH_MAX];
	struct ms_memcg *grown;
	struct dirent *d;
	DIR *dh;

	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		grown = realloc(*cgs, *cap * sizeof(**cgs));
		if (!grown)
			ms_fatal(env, "out of memory");
		*cgs = grown;
	}
	memset(&(*cgs)[*n], 0, sizeof(**cgs));
	snprintf((*cgs)[*n].path, sizeof((*cgs)[*n].path), "%s",
		 *rel ? rel : "/");
	ms_memcg_read(dir, v1, &(*cgs)[(*n)++]);
	dh = opendir(dir);
	if (!dh)
		return 0;	/* removed meanwhile */
	while ((d = readdir(dh))) {
		if (d->d_type != DT_DIR || d->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, d->d_name);
		snprintf(subrel, sizeof(subrel), "%s/%s", rel, d->d_name);
		ms_memcg_walk(env, sub, subrel, v1, cgs, n, cap);
	}
	closedir(dh);
	return 0;
}

ssize_t ms_memcgs_read(const struct ms_env *env, struct ms_memcg **out,
		       bool *v1)
{
	char root[PATH_MAX];
	size_t n = 0, cap = 0;

	*out = NULL;
	if (ms_memcg_root(root, sizeof(root), v1))
		return 0;	/* no memory controller mounted */
	ms_memcg_walk(env, root, "", *v1, out, &n, &cap);
	return n;
}

int ms_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* The text of an OOM kill line after @key ("order="...), as a number. */
static long long ms_kmsg_num(const char *msg, const char *key)
{
	const char *p = strstr(msg, key);

	return p ? atoll(p + strlen(key)) : -1;
}

size_t ms_oom_kills_read(int fd, struct ms_oom_kill *kills, size_t max)
{
	struct ms_oom_kill *k = NULL;
	char rec[2048], *msg, *p;
	size_t n = 0;
	ssize_t len;

	while (fd >= 0) {
		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)
			continue;	/* overwritten before it was read */
		if (len <= 0)
			break;
		rec[len] = '\0';
		/* "level,seq,time,flags;message" */
		msg = strchr(rec, ';');
		if (!msg++)
			continue;
		msg[strcspn(msg, "\n")] = '\0';
		p = strstr(msg, " invoked oom-killer: ");
		if (p && n < max) {
			k = &kills[n++];
			memset(k, 0, sizeof(*k));
			snprintf(k->trigger, sizeof(k->trigger), "%.*s",
				 (int)(p - msg), msg);
			k->order = ms_kmsg_num(p, "order=");
		} else if (k && !strncmp(msg, "oom-kill:constraint=", 20)) {
			snprintf(k->constraint, sizeof(k->constraint), "%.*s",
				 (int)strcspn(msg + 20, ","), msg + 20);
			p = strstr(msg, ",oom_memcg=");
			if (p)
				snprintf(k->memcg, sizeof(k->memcg), "%.*s",
					 (int)strcspn(p + 11, ","), p + 11);
		} else if (k && strstr(msg, "Killed process ")) {
			p = strstr(msg, "Killed process ") + 15;
			k->pid = atoi(p);
			p = strchr(p, '(');
			if (p)
				snprintf(k->comm, sizeof(k->comm), "%.*s",
					 (int)strcspn(p + 1, ")"), p + 1);
			k->anon_kib = ms_kmsg_num(msg, "anon-rss:");
		}
	}
	return n;
}

void ms_om_gauge(const char *name, const char *help)
{
	printf("# HELP memstat_%s %s\n# TYPE memstat_%s gauge\n", name, help,
	       name);
}

void ms_om_end(void)
{
	printf("# EOF\n");
}

const char *ms_om_escape(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	/* A label value escapes backslash, double quote and newline. */
	for (; *s && n + 3 < len; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n')
			buf[n++] = '\\';
		buf[n++] = *s == '\n' ? 'n' : *s;
	}
	buf[n] = '\0';
	return buf;
}
