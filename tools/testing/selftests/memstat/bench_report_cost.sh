#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (not a test): what one report of each snapshot tool costs.
# procstat and sysstat attach nothing, so between reports they cost
# nothing; a report runs one BPF program (the task iterator over every
# task, or the sysstat snapshot).  With kernel.bpf_stats_enabled the kernel
# counts that program's runs and run time (fdinfo of the program fd).
# Prints a table; under qemu -icount the nanoseconds are instructions.
#
# Usage: bench_report_cost.sh [NR_EXTRA_TASKS (default 200)]

extra=${1:-200}
[ "$(id -u)" -eq 0 ] || { echo "# bench needs root"; exit 4; }
echo 1 > /proc/sys/kernel/bpf_stats_enabled || exit 1

i=0 sleepers=""
while [ $i -lt "$extra" ]; do
	sleep 100000 &
	sleepers="$sleepers $!"
	i=$((i + 1))
done
tasks=$(ls -d /proc/[0-9]*/task/[0-9]* | wc -l)

# fdinfo_sum PID KEY: add up KEY over the BPF program fds of PID.
fdinfo_sum() {
	for f in /proc/$1/fdinfo/*; do
		grep -q '^prog_type:' "$f" 2>/dev/null || continue
		sed -n "s/^$2:[[:space:]]*//p" "$f"
	done | awk '{ s += $1 } END { print s + 0 }'
}

# map_memlock PID: bytes of map memory the tool holds.
map_memlock() {
	for f in /proc/$1/fdinfo/*; do
		grep -q '^map_type:' "$f" 2>/dev/null || continue
		sed -n 's/^memlock:[[:space:]]*//p' "$f"
	done | awk '{ s += $1 } END { print s + 0 }'
}

echo "# bench: kernel $(uname -r), $(nproc) CPU(s), task count $tasks"
printf '# bench: %-9s %8s %8s %12s %10s %10s %10s\n' tool reports runs \
	"ns/report" "ns/task" "maps KiB" "HWM KiB"
for tool in procstat sysstat; do
	$tool -j 1 6 > /tmp/bench.$tool &
	pid=$!
	# Read the counters just before the last report is due.
	n=0
	while [ "$(grep -c '"type":"\(process\|system\)"' /tmp/bench.$tool 2>/dev/null |
		head -n 1)" -lt 1 ] && [ $n -lt 600 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	sleep 4
	runs=$(fdinfo_sum $pid run_cnt)
	ns=$(fdinfo_sum $pid run_time_ns)
	maps=$(map_memlock $pid)
	hwm=$(awk '$1 == "VmHWM:" { print $2 }' /proc/$pid/status)
	wait $pid
	reports=$(sed -n 's/.*"reports":\([0-9]*\).*/\1/p' /tmp/bench.$tool)
	per_run=$((runs ? ns / runs : 0))
	if [ $tool = procstat ]; then
		# The iterator program runs once per task.
		printf '# bench: %-9s %8s %8s %12s %10s %10s %10s\n' $tool \
			"$reports" "$runs" $((per_run * tasks)) $per_run \
			$((maps / 1024)) "$hwm"
	else
		printf '# bench: %-9s %8s %8s %12s %10s %10s %10s\n' $tool \
			"$reports" "$runs" $per_run - $((maps / 1024)) "$hwm"
	fi
done
kill $sleepers 2>/dev/null
echo 0 > /proc/sys/kernel/bpf_stats_enabled
