// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: sampling perf events.  One event per online CPU, counting
 * every task there, each running a BPF program at every sample; the
 * events' own counts say what the samples missed (throttling, a BPF
 * program already running on that CPU).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <bpf/libbpf.h>

#include "libmemstat.h"

static int ms_perf_event_open(__u32 type, __u64 config, __u64 period, int cpu)
{
	struct perf_event_attr attr = {
		.type = type,
		.size = sizeof(attr),
		.config = config,
		.sample_period = period,
		.disabled = 1,		/* enabled once the program is on */
	};

	return syscall(__NR_perf_event_open, &attr, -1, cpu, -1,
		       PERF_FLAG_FD_CLOEXEC);
}

int ms_perf_probe(__u32 type, __u64 config)
{
	int fd = ms_perf_event_open(type, config, 1000000, 0);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int ms_perf_attach(struct ms_perf *p, struct ms_bpf *b, const char *prog,
		   __u32 type, __u64 config, __u64 period)
{
	struct bpf_program *bp = bpf_object__find_program_by_name(b->obj, prog);
	int cpu, ncpus = libbpf_num_possible_cpus(), fd, err;
	struct bpf_link *link;

	if (!bp)
		return ms_set_error(-ENOENT,
				    "BPF program %s missing from %s_kern.o (rebuild the tool)",
				    prog, b->tool);
	if (ncpus < 0)
		return ms_set_error(ncpus, "cannot count the CPUs: %s",
				    ms_strerror(ncpus));
	p->fds = calloc(ncpus, sizeof(*p->fds));
	if (!p->fds)
		return ms_set_error(-ENOMEM, "out of memory");
	for (cpu = 0; cpu < ncpus; cpu++) {
		fd = ms_perf_event_open(type, config, period, cpu);
		/* A possible CPU that is not online has no events. */
		if (fd < 0 && errno == ENODEV && cpu)
			continue;
		if (fd < 0)
			return ms_set_error(-errno,
					    "perf_event_open on CPU %d: %s",
					    cpu, strerror(errno));
		link = bpf_program__attach_perf_event(bp, fd);
		err = libbpf_get_error(link);
		if (err) {
			close(fd);
			return ms_set_error(err,
					    "cannot attach %s to a perf event on CPU %d: %s",
					    prog, cpu, ms_strerror(err));
		}
		if (ms_links_add(&p->links, link))
			return -1;
		/* The link owns the fd and closes it at detach. */
		p->fds[p->nfds++] = fd;
	}
	return 0;
}

void ms_perf_stop(struct ms_perf *p)
{
	int i;

	for (i = 0; i < p->nfds; i++)
		ioctl(p->fds[i], PERF_EVENT_IOC_DISABLE, 0);
}

__u64 ms_perf_count(const struct ms_perf *p)
{
	__u64 sum = 0, v;
	int i;

	for (i = 0; i < p->nfds; i++)
		if (read(p->fds[i], &v, sizeof(v)) == sizeof(v))
			sum += v;
	return sum;
}

void ms_perf_detach(struct ms_perf *p)
{
	ms_links_detach(&p->links);
	free(p->fds);
	p->fds = NULL;
	p->nfds = 0;
}
