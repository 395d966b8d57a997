#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In the VM: the live-patching stall reproducer (run-vm.sh stall).  Page
# faults and allocations churn on every CPU, a loop pinned to each (nice
# 19: the time they leave is what the rest needs), while the first
# instruction of handle_mm_fault and of __alloc_pages_nodemask is patched
# again and again, as attaching or detaching a BPF trampoline there does:
# each round turns ftrace's function tracer on and off at both
# (text_poke_bp() each time) TOGGLES times, then attaches and detaches
# faults (fexit at handle_mm_fault) and, every fifth round, paf (fexit at
# __alloc_pages_nodemask).  /memstat/stall.rounds: "ROUNDS SECONDS
# TOGGLES"; the rounds end after ROUNDS or once SECONDS have passed.  A
# line per round; a VM that stops printing them stalled (vmtest.sh
# --idle).
export PATH=/memstat/bin:$PATH
read -r rounds seconds toggles < /memstat/stall.rounds
ncpu=$(grep -c '^processor' /proc/cpuinfo)
tr=/sys/kernel/tracing
echo "# stall: $ncpu CPUs, $rounds rounds or $seconds s, $toggles toggles a round;" \
     "$(cat /proc/cmdline)"
uptime_s() { cut -d . -f 1 /proc/uptime; }

# attach TOOL: start TOOL, wait until it traces (its trampoline is in),
# stop it (the trampoline goes).
attach() {
	"$1" > /dev/null 2> /tmp/$1.err &
	pid=$!
	i=0
	while ! grep -q tracing /tmp/$1.err && [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q tracing /tmp/$1.err ||
		{ echo "# stall: $1 did not start in $((i / 10)) s"; sed 's/^/# /' /tmp/$1.err; }
	kill -INT $pid
	wait $pid
}

echo 0 > $tr/tracing_on
printf '%s\n' handle_mm_fault __alloc_pages_nodemask > $tr/set_ftrace_filter ||
	{ echo "not ok - stall: cannot filter ftrace"; exit 1; }
churners=
for c in $(seq 0 $((ncpu - 1))); do
	nice -n 19 taskset -c $c sh -c 'while :; do memstat_workload churn 512 1000 > /dev/null; done' &
	churners="$churners $!"
done
start=$(uptime_s)
r=0
while [ $r -lt "$rounds" ] && [ $(($(uptime_s) - start)) -lt "$seconds" ]; do
	r=$((r + 1))
	t=0
	while [ $t -lt "$toggles" ]; do
		echo function > $tr/current_tracer
		echo nop > $tr/current_tracer
		t=$((t + 1))
	done
	attach faults
	[ $((r % 5)) -ne 0 ] || attach paf
	echo "# stall: round $r at $(($(uptime_s) - start)) s"
done
kill $churners
echo "ok - stall: $r rounds without a stall"
