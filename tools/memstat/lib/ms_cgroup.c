// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: -c CGROUP, a directory in cgroup v2 or in a cgroup v1
 * hierarchy, as the BPF side's filter sees it (memstat_kern.h,
 * ms_task_in_cgroup): the cgroup's id, which is its directory's inode
 * number (kernfs), its depth below the root of its hierarchy, and for v1
 * the controller through which a task's cgroup in that hierarchy is found
 * (css_set->subsys[], indexed as /proc/cgroups lists the controllers).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libmemstat.h"

/* The cgroup mount holding a path, from /proc/self/mountinfo. */
struct ms_cg_mount {
	char root[PATH_MAX];	/* the mount's root within its hierarchy */
	char dir[PATH_MAX];	/* where it is mounted */
	char fstype[16];	/* "cgroup2" or "cgroup" */
	char super[1024];	/* super options: v1's controllers */
};

/* Whether @dir is @path or one of its parents. */
static bool ms_path_under(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	return !strcmp(dir, "/") ||
	       (!strncmp(path, dir, len) && (!path[len] || path[len] == '/'));
}

static int ms_cg_mount_of(const char *path, struct ms_cg_mount *m)
{
	static struct ms_cg_mount cur;
	char line[8192], *sep, source[256];
	size_t best = 0;
	FILE *mi;

	mi = fopen("/proc/self/mountinfo", "r");
	if (!mi)
		return ms_set_error(-errno, "cannot read /proc/self/mountinfo: %s",
				    strerror(errno));
	/* id parent dev root mountpoint opts [tags] - fstype source super */
	while (fgets(line, sizeof(line), mi)) {
		sep = strstr(line, " - ");
		if (!sep || sscanf(sep + 3, "%15s %255s %1023s", cur.fstype,
				   source, cur.super) != 3 ||
		    (strcmp(cur.fstype, "cgroup2") &&
		     strcmp(cur.fstype, "cgroup")) ||
		    sscanf(line, "%*s %*s %*s %4095s %4095s", cur.root,
			   cur.dir) != 2 ||
		    !ms_path_under(path, cur.dir) || strlen(cur.dir) < best)
			continue;
		best = strlen(cur.dir);
		*m = cur;
	}
	fclose(mi);
	if (!best)
		return ms_set_error(-EINVAL,
				    "not in a cgroup file system (give a directory under a cgroup2 or cgroup v1 mount)");
	return 0;
}

/* Path components of @s: its depth. */
static __u32 ms_cg_depth(const char *s)
{
	__u32 n = 0;

	for (; *s; s++)
		if (*s != '/' && (s[1] == '/' || !s[1]))
			n++;
	return n;
}

/* Index in /proc/cgroups of the first of @super's options that names one. */
static int ms_cg_controller(const char *super)
{
	char line[256], name[64], opts[1024], *o, *save;
	int index, found = -1;
	FILE *f;

	f = fopen("/proc/cgroups", "r");
	if (!f)
		return ms_set_error(-errno, "cannot read /proc/cgroups: %s",
				    strerror(errno));
	snprintf(opts, sizeof(opts), "%s", super);
	for (o = strtok_r(opts, ",", &save); o && found < 0;
	     o = strtok_r(NULL, ",", &save)) {
		rewind(f);
		index = 0;
		while (fgets(line, sizeof(line), f)) {
			if (line[0] == '#' || sscanf(line, "%63s", name) != 1)
				continue;
			if (!strcmp(name, o)) {
				found = index;
				break;
			}
			index++;
		}
	}
	fclose(f);
	if (found < 0)
		return ms_set_error(-EINVAL,
				    "a cgroup v1 hierarchy without a controller (%s) cannot be filtered: give the path in a controller's hierarchy (memory) or in cgroup v2",
				    super);
	return found;
}

int ms_cgroup_resolve(const char *path, struct ms_cgroup *cg)
{
	char real[PATH_MAX], procs[PATH_MAX + 16];
	struct ms_cg_mount m;
	struct stat st;
	int err;

	if (!realpath(path, real) || stat(real, &st))
		return ms_set_error(-errno, "%s", strerror(errno));
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", real);
	if (!S_ISDIR(st.st_mode) || access(procs, F_OK))
		return ms_set_error(-ENOTDIR, "not a cgroup directory");
	err = ms_cg_mount_of(real, &m);
	if (err)
		return err;
	cg->id = st.st_ino;
	cg->level = ms_cg_depth(m.root) +
		    ms_cg_depth(real + (strcmp(m.dir, "/") ? strlen(m.dir) : 0));
	cg->subsys = -1;
	if (strcmp(m.fstype, "cgroup2")) {
		err = ms_cg_controller(m.super);
		if (err < 0)
			return err;
		cg->subsys = err;
	}
	return 0;
}

/* Whether @list, comma-separated, has @name. */
static bool ms_list_has(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (; list; list = strchr(list, ',') ? strchr(list, ',') + 1 : NULL)
		if (!strncmp(list, name, len) &&
		    (list[len] == ',' || list[len] == '\0'))
			return true;
	return false;
}

/*
 * Whether process @pid is exiting (PF_EXITING in the flags field of
 * /proc/PID/stat) or gone: cgroup v1 then shows it in the root.
 */
static bool ms_pid_exiting(pid_t pid)
{
	char path[64], line[1024], *p;
	unsigned long flags;
	bool ok;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	ok = fgets(line, sizeof(line), f);
	fclose(f);
	p = ok ? strrchr(line, ')') : NULL;
	/* ") state ppid pgrp session tty_nr tpgid flags" */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
		return true;
	return flags & 0x4;	/* PF_EXITING */
}

const char *ms_pid_cgroup(pid_t pid, char *buf, size_t len)
{
	char path[64], line[PATH_MAX + 128], *ctrl, *cg;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	snprintf(buf, len, "-");
	f = fopen(path, "r");
	if (!f)
		return buf;
	/* hierarchy-id:controllers:path; cgroup v2's is "0::path". */
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		ctrl = strchr(line, ':');
		cg = ctrl ? strchr(ctrl + 1, ':') : NULL;
		if (!cg)
			continue;
		*cg++ = '\0';
		/* memory's line wins: there is one only while v1 has it. */
		found = ms_list_has(ctrl + 1, "memory");
		if (found || !ctrl[1])
			snprintf(buf, len, "%s", cg);
	}
	fclose(f);
	/* Read after the cgroup: an exiting task's v1 path says "/". */
	if (ms_pid_exiting(pid))
		snprintf(buf, len, "-");
	return buf;
}

void ms_cgroup_head(const struct ms_env *env)
{
	if (env->show_cgroup)
		fputs(" CGROUP", stdout);
}

void ms_cgroup_column(const struct ms_env *env, struct ms_json *j,
		      pid_t pid)
{
	char path[PATH_MAX];

	if (!env->show_cgroup)
		return;
	ms_pid_cgroup(pid, path, sizeof(path));
	if (env->json)
		ms_json_str(j, "cgroup", path);
	else
		printf(" %s", path);
}

int ms_cgroup_rel(const char *path, char *rel, size_t len)
{
	char real[PATH_MAX];
	struct ms_cg_mount m;
	const char *below;
	int err;

	if (!realpath(path, real))
		return ms_set_error(-errno, "%s: %s", path, strerror(errno));
	err = ms_cg_mount_of(real, &m);
	if (err)
		return err;
	below = real + (strcmp(m.dir, "/") ? strlen(m.dir) : 0);
	snprintf(rel, len, "%s%s", strcmp(m.root, "/") ? m.root : "",
		 *below ? below : (strcmp(m.root, "/") ? "" : "/"));
	return 0;
}

bool ms_cgroup_under(const char *cg, const char *dir)
{
	return ms_path_under(cg, dir);
}

int ms_memcg_root(char *dir, size_t len, bool *v1)
{
	char line[8192], *sep, fstype[16], super[1024], root[PATH_MAX];
	char mnt[PATH_MAX], v2[PATH_MAX] = "", ctrl[PATH_MAX + 32];
	bool found = false;
	FILE *mi, *f;

	mi = fopen("/proc/self/mountinfo", "r");
	if (!mi)
		return ms_set_error(-errno, "cannot read /proc/self/mountinfo: %s",
				    strerror(errno));
	while (!found && fgets(line, sizeof(line), mi)) {
		sep = strstr(line, " - ");
		if (!sep || sscanf(sep + 3, "%15s %*s %1023s", fstype,
				   super) != 2 ||
		    sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
		    strcmp(root, "/"))
			continue;
		if (!strcmp(fstype, "cgroup") && ms_list_has(super, "memory"))
			found = true;
		else if (!strcmp(fstype, "cgroup2") && !*v2)
			snprintf(v2, sizeof(v2), "%s", mnt);
	}
	fclose(mi);
	*v1 = found;
	if (found) {
		snprintf(dir, len, "%s", mnt);
		return 0;
	}
	/* cgroup v2 has memory when its root's controllers list it. */
	snprintf(ctrl, sizeof(ctrl), "%s/cgroup.controllers", v2);
	f = *v2 ? fopen(ctrl, "r") : NULL;
	if (f) {
		found = fgets(line, sizeof(line), f) && strstr(line, "memory");
		fclose(f);
	}
	if (!found)
		return ms_set_error(-ENOENT, "no memory cgroup hierarchy mounted");
	snprintf(dir, len, "%s", v2);
	return 0;
}
