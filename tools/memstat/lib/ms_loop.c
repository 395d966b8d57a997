// SPDX-License-Identifier: GPL-2.0
/*
 * libmemstat: the run loop every tool shares.  Reports every interval,
 * ring buffer records as they come, the -d deadline, the count, signals
 * and the end of the -p process, in one place; the head of each report
 * and -e line, and a tool's end.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <time.h>
#include <linux/compiler.h>
#include <bpf/libbpf.h>

#include "libmemstat.h"

/* Longest wait between looks at the signal flag and the -p process. */
#define MS_TICK	0.1

static sig_atomic_t exiting;

static void ms_on_signal(int sig)
{
	WRITE_ONCE(exiting, 1);
}

void ms_signals_init(void)
{
	struct sigaction sa = { .sa_handler = ms_on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

bool ms_exiting(void)
{
	return READ_ONCE(exiting);
}

bool ms_summary_wanted(const struct ms_env *env)
{
	return env->interval || env->duration || ms_exiting();
}

struct ms_run_state {
	const struct ms_loop *loop;
	int stop;			/* a callback's > 0 or < 0 */
};

/* Ring buffer records go to the tool; its > 0 ends the run. */
static int ms_record(void *arg, void *data, size_t size)
{
	struct ms_run_state *st = arg;
	int ret = st->loop->on_record(st->loop->ctx, data, size);

	if (ret && !st->stop)
		st->stop = ret;
	return ret < 0 ? ret : 0;
}

/* Wait until @until (monotonic seconds), reading the ring buffer. */
static int ms_wait_until(struct ring_buffer *rb, double until)
{
	double left = until - ms_now();
	int err = 0;

	if (left > MS_TICK)
		left = MS_TICK;
	if (left < 0)
		left = 0;
	if (rb) {
		err = ring_buffer__poll(rb, (int)(left * 1000));
		return err == -EINTR || err > 0 ? 0 : err;
	}
	if (left > 0) {
		struct timespec ts = { 0, (long)(left * 1e9) };

		nanosleep(&ts, NULL);
	}
	return 0;
}

/* Every process -p named has exited (none named: never). */
static bool ms_pids_gone(const struct ms_env *env)
{
	unsigned int i;

	if (!env->npids)
		return env->pid && ms_pid_exited(env->pid);
	for (i = 0; i < env->npids; i++)
		if (!ms_pid_exited(env->pids[i]))
			return false;
	return true;
}

static void ms_warn_gone(const struct ms_env *env)
{
	if (env->npids > 1)
		ms_warn(env, "the %u processes of -p exited", env->npids);
	else
		ms_warn(env, "process %d exited",
			env->npids ? env->pids[0] : env->pid);
}

int ms_run(const struct ms_env *env, const struct ms_loop *loop)
{
	struct ms_run_state st = { .loop = loop };
	double start = ms_now(), next = start + env->interval;
	double deadline = env->duration ? start + env->duration : 0;
	bool reports = loop->on_interval && (env->interval || env->snapshot);
	struct ring_buffer *rb = NULL;
	unsigned long iter = 0;
	bool gone = false;
	int err = 0;

	if (loop->ringbuf_fd >= 0) {
		rb = ring_buffer__new(loop->ringbuf_fd, ms_record, &st, NULL);
		err = libbpf_get_error(rb);
		if (err) {
			ms_warn(env, "cannot open the ring buffer: %s",
				ms_strerror(err));
			return err;
		}
	}
	if (env->snapshot)
		next = start;
	while (!ms_exiting() && !st.stop) {
		double now = ms_now();

		if (reports && (now >= next || gone)) {
			st.stop = loop->on_interval(loop->ctx, iter++);
			fflush(stdout);
			if (st.stop || (env->count && iter >= env->count))
				break;
			if (gone) {
				ms_warn_gone(env);
				break;
			}
			if (deadline && ms_now() >= deadline)
				break;
			if (env->interval)
				next += env->interval;
			else if (deadline)
				next = deadline;
			else
				break;
			/* The last report comes at the deadline. */
			if (deadline && next > deadline)
				next = deadline;
			continue;
		}
		if (gone) {
			ms_warn_gone(env);
			break;
		}
		if (deadline && now >= deadline)
			break;
		err = ms_wait_until(rb, reports ? next :
				    deadline ? deadline : now + MS_TICK);
		if (err < 0)
			break;
		if (ms_pids_gone(env))
			gone = true;
	}
	/* What the kernel wrote before the stop is still in the ring. */
	if (rb && err >= 0 && st.stop >= 0)
		err = ring_buffer__consume(rb);
	fflush(stdout);
	ring_buffer__free(rb);
	if (st.stop < 0)
		return st.stop;
	if (err < 0) {
		ms_warn(env, "reading the ring buffer failed: %s",
			ms_strerror(err));
		return err;
	}
	return 0;
}

int ms_finish(struct ms_bpf *b, int err, int (*summary)(void *ctx),
	      void *ctx)
{
	ms_bpf_detach(b);
	if (summary && summary(ctx))
		err = -1;
	ms_bpf_close(b);
	if (fflush(stdout) || ferror(stdout) || err)
		return MS_EXIT_RUNTIME;
	return MS_EXIT_OK;
}

void ms_report_begin(const struct ms_env *env, unsigned long iter)
{
	char clock[16];

	if (env->json)
		return;
	if (iter)
		putchar('\n');
	if (env->timestamp)
		printf("%s\n", ms_clock(clock, sizeof(clock)));
}

void ms_events_start(struct ms_events *ev, const struct ms_env *env)
{
	ev->env = env;
	ev->start_ns = ms_now() * 1e9;
	ev->count = 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
}

void ms_events_header(const struct ms_events *ev, const char *fmt, ...)
{
	va_list ap;

	if (ev->env->json)
		return;
	printf("%-9s ", ev->env->timestamp ? "TIME" : "TIME(s)");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

int ms_event_begin(struct ms_events *ev, struct ms_json *j, __u64 ts_ns,
		   __u32 pid, __u32 tid, const char *comm)
{
	const struct ms_env *env = ev->env;
	__u64 elapsed = ts_ns > ev->start_ns ? ts_ns - ev->start_ns : 0;
	char clock[16];

	ev->count++;
	if (env->json) {
		ms_json_record(j, env, "event");
		ms_json_uint(j, "elapsed_ns", elapsed);
		ms_json_uint(j, "pid", pid);
		ms_json_uint(j, "tid", tid);
		ms_json_str(j, "comm", comm);
		return 0;
	}
	if (env->timestamp)
		return printf("%-9s ", ms_clock(clock, sizeof(clock)));
	return printf("%-9.3f ", elapsed / 1e9);
}
