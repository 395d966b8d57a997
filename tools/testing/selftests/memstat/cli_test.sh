#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Everyday behaviour of every memstat tool: help with examples, one-line
# errors with exit 2 for bad input, exit 1 with a named cause for a missing
# root or kernel feature, a clean final summary on SIGINT/SIGTERM, the
# end of a traced process, and no BPF program, map or link of a tool left
# in the kernel after it ends (the kernel's own id lists, walked before
# and after).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/cli_test.$$
mkdir -p "$tmp"

# The one list (tools/memstat/memstat_tools.h), as the front-end prints it.
tools=$(memstat list | awk '{ print $1 }')
ntools=$(echo $tools | wc -w)
# Two -c checks a tool: sysstat refuses -c and -C, the others two bad paths.
tap_plan $((ntools * 10 + 23))

# What the kernel holds before any tool ran.
memstat_truth bpf-objects > "$tmp/bpf.before" 2>&1

# expect_fail TOOL RC PATTERN DESC -- ARGS: exit code RC, one stderr line
# matching PATTERN, nothing on stdout.
expect_fail() {
	tool=$1 want=$2 pattern=$3 desc=$4
	shift 5
	"$tool" "$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ $rc -eq "$want" ] && one_line "$tmp/err" && grep -q "$pattern" "$tmp/err" &&
	   [ ! -s "$tmp/out" ]; then
		ok "$tool: $desc"
	else
		diag "rc=$rc stderr: $(cat "$tmp/err")"
		not_ok "$tool: $desc"
	fi
}

for tool in $tools; do
	$tool -h > "$tmp/out" 2>&1
	check "$tool: -h exits 0 and shows examples" $? -eq 0 -a \
		"$(grep -c Examples "$tmp/out")" -eq 1
	expect_fail $tool 2 "unknown option -x" "unknown option -> exit 2" -- -x
	expect_fail $tool 2 "interval 'abc' is not a number" "bad number -> exit 2" -- abc
	expect_fail $tool 2 "count '0' out of range" "zero count -> exit 2" -- 1 0
	expect_fail $tool 2 "option -d needs a value" "missing value -> exit 2" -- -d
	if [ $tool = sysstat ] || [ $tool = kleak ]; then
		expect_fail $tool 2 "$tool shows system-wide state" \
			"-c refused -> exit 2" -- -c /sys/fs/cgroup
		expect_fail $tool 2 "$tool has no table of processes" \
			"-C refused -> exit 2" -- -C
		continue
	fi
	expect_fail $tool 2 "/proc: not a cgroup directory" \
		"-c not a cgroup -> exit 2" -- -c /proc
	expect_fail $tool 2 "/nonexistent: No such file" \
		"-c missing cgroup -> exit 2" -- -c /nonexistent
done

# Not root: run through the workload's setuid helper.
for tool in $tools; do
	memstat_workload as-nobody "$(command -v $tool)" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	check "$tool: not root -> one line, exit 1" $rc -eq 1 -a \
		"$(grep -c 'must run as root' "$tmp/err")" -eq 1 -a \
		"$(wc -l < "$tmp/err")" -eq 1
done

expect_fail procstat 2 "no such process: 999999" "missing pid -> exit 2" -- -p 999999
expect_fail procstat 2 "option -p needs a value" "-p without pid -> exit 2" -- -p
expect_fail procstat 2 "unknown sort field" "bad sort field -> exit 2" -- -s nope
expect_fail dreclaim 2 "no such process: 999999" "missing pid -> exit 2" -- -p 999999
expect_fail dreclaim 2 "it takes no interval" "-e with an interval -> exit 2" -- -e 1
memstat_workload hold --threads 1 > "$tmp/wl" &
wpid=$!
i=0
while ! grep -q '^thread' "$tmp/wl" && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
tid=$(sed -n 's/^thread tid=\([0-9]*\).*/\1/p' "$tmp/wl")
expect_fail procstat 2 "${tid:-none} is a thread of process $wpid: use -p $wpid" \
	"thread id for -p -> names the process, exit 2" -- -p "${tid:-0}"
kill -TERM $wpid
wait $wpid
expect_fail paf 2 "pid 'abc' is not a number" "bad -p -> exit 2" -- -p abc
expect_fail paf 2 "no such process: 999999" "missing pid -> exit 2" -- -p 999999
expect_fail paf 2 "order '99' out of range" "bad order -> exit 2" -- -o 99
expect_fail pagealloc 2 "no such process: 999999" "missing pid -> exit 2" -- -p 999999
expect_fail pagealloc 2 "frames '99' out of range" "bad frame count -> exit 2" -- -F 99
expect_fail pagealloc 2 "unknown attach point 'nope'" "bad -A -> exit 2" -- -A nope
expect_fail pagealloc 2 "max-blocks '5' out of range" "too few blocks -> exit 2" -- -M 5

# A kernel without the feature: point the tools at stand-in files.
export MEMSTAT_BTF=/nonexistent
expect_fail procstat 1 "CONFIG_DEBUG_INFO_BTF" \
	"no kernel BTF -> names CONFIG_DEBUG_INFO_BTF, exit 1" --
MEMSTAT_BTF=/nonexistent paf -j -d 1 > "$tmp/out" 2> "$tmp/err"
rc=$?
check "paf: no kernel BTF -> kmem:mm_page_alloc fallback, one warning, exit 0" \
	$rc -eq 0 -a "$(grep -c 'CONFIG_DEBUG_INFO_BTF' "$tmp/err")" -eq 1 -a \
	"$(wc -l < "$tmp/err")" -eq 1 -a \
	"$(grep -c '"type":"summary".*"source":"tracepoint"' "$tmp/out")" -eq 1
unset MEMSTAT_BTF
grep -v ' vm_node_stat$' /proc/kallsyms > "$tmp/kallsyms"
export MEMSTAT_KALLSYMS=$tmp/kallsyms
expect_fail sysstat 1 "vm_node_stat not found.*CONFIG_KALLSYMS_ALL" \
	"missing symbol -> names it and CONFIG_KALLSYMS_ALL, exit 1" --
grep -v ' __tracepoint_mm_page_alloc_path$' /proc/kallsyms > "$tmp/kallsyms"
MEMSTAT_KALLSYMS=$tmp/kallsyms pagealloc -j -d 1 > "$tmp/out" 2> "$tmp/err"
rc=$?
check "pagealloc: no mm_page_alloc_path -> kmem:mm_page_alloc, exit 0" \
	$rc -eq 0 -a "$(grep -c '"type":"summary".*"event":"mm_page_alloc"' "$tmp/out")" -eq 1
unset MEMSTAT_KALLSYMS

# SIGINT and SIGTERM after the first report: final summary, exit 0.
for sig in INT TERM; do
	for tool in $tools; do
		# A file of its own: the shell may truncate a shared one
		# only after the wait below has read the last tool's output.
		out=$tmp/out.$tool.$sig
		# report has one window, which a signal ends: then its screen.
		if [ $tool = report ]; then
			report > "$out" 2> "$tmp/err" &
			pid=$!
			wait_for "$tmp/err" '^report: watching'
			kill -$sig $pid
			wait $pid
			rc=$?
			check "report: SIG$sig -> the report, exit 0" $rc -eq 0 -a \
				"$(grep -c '^memstat report: a' "$out")" -eq 1
			continue
		fi
		# Debian's C library has no probes: the test program's.
		args=
		[ $tool = heapsnoop ] && args="-O $(command -v memstat_mallocprobes)"
		# The test VM has no PMU: the events every machine has.
		[ $tool = memaccess ] && args="-E minor-faults,major-faults"
		$tool $args 1 > "$out" 2> "$tmp/err" &
		pid=$!
		i=0
		heads='PID|^KiB|^NID|^TIME|OUTSTAND|^OOM|CALL PATH|^no outstanding'
		while ! grep -q -E "$heads" "$out" 2>/dev/null &&
		      [ $i -lt 600 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -$sig $pid
		wait $pid
		rc=$?
		# memleak without a process is kleak.
		name=$tool
		[ $tool = memleak ] && name=kleak
		check "$tool: SIG$sig -> summary, exit 0" $rc -eq 0 -a \
			"$(grep -c "^$name: [1-9][0-9]* reports" "$out")" -eq 1
	done
done
# No tool may leave a BPF object behind: the kernel's lists of program,
# map and link ids are as they were, and they do show a running tool.
pagealloc -A kprobe > /dev/null 2> "$tmp/err" &
pid=$!
wait_for "$tmp/err" tracing
memstat_truth bpf-objects > "$tmp/bpf.during" 2>&1
kill -INT $pid
wait $pid
# A program's maps are released an RCU grace period after the program
# (bpf_prog_put's deferred free): wait up to 5 s for the lists to settle.
i=0
while memstat_truth bpf-objects > "$tmp/bpf.after" 2>&1 &&
      ! cmp -s "$tmp/bpf.before" "$tmp/bpf.after" && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
b=$(head -n 1 "$tmp/bpf.before") d=$(head -n 1 "$tmp/bpf.during") a=$(head -n 1 "$tmp/bpf.after")
diag "before: $b; pagealloc -A kprobe running: $d; after every tool: $a"
check "no BPF program, map or link left after the tools ended" \
	"$(kv progs < "$tmp/bpf.during")" -gt "$(kv progs < "$tmp/bpf.before")" -a \
	"$a" = "$b" -a -n "$b"

# A traced process that exits: say so, exit 0.
sleep 8 &
spid=$!
procstat -p $spid 1 > "$tmp/out" 2> "$tmp/err"
rc=$?
check "procstat: traced pid exits -> says so, exit 0" $rc -eq 0 -a \
	"$(grep -c "process $spid exited" "$tmp/err")" -eq 1

# The front-end: list, help, typos, and the tool's exit code passed through.
memstat list > "$tmp/out" 2>&1
rc=$?
missing=""
for tool in $tools; do
	grep -q "^  $tool " "$tmp/out" || missing="$missing $tool"
done
check "memstat: list names every tool${missing:+ (missing:$missing)}" $rc -eq 0 -a \
	-z "$missing" -a "$(grep -c '^  [a-z]' "$tmp/out")" -eq "$(echo $tools | wc -w)"
memstat help sysstat > "$tmp/out" 2>&1
check "memstat: help TOOL shows the tool's help" $? -eq 0 -a \
	"$(grep -c '^Usage: sysstat' "$tmp/out")" -eq 1
expect_fail memstat 2 "did you mean 'procstat'" "typo -> suggestion, exit 2" -- procstatt
expect_fail memstat 2 "^procstat: unknown option -x" "tool's exit code passes through" -- \
	procstat -x

rm -rf "$tmp"
tap_exit
