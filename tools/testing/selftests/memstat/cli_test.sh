#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Everyday behaviour of every memstat tool: help with examples; exit 1
# with one line naming the cause for a missing root, for a kernel of
# another release than the tools were built for, and for a missing
# kernel feature; a clean final summary on SIGINT/SIGTERM; the end of a
# traced process (every tool with -p: one line, exit 0); and no BPF
# program, map or link of a tool left in the kernel after it ends (the
# kernel's own id lists, walked before and after).  Bad input (exit 2)
# is cli_input_test.sh's.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/cli_test.$$
mkdir -p "$tmp"

# The one list (tools/memstat/memstat_tools.h), as the front-end prints it.
tools=$(memstat list | awk '{ print $1 }')
ntools=$(echo $tools | wc -w)
# The tools that take -p, by their help.
ptools=
for tool in $tools; do
	$tool -h 2>/dev/null | grep -q -e '^  -p, --pid' && ptools="$ptools $tool"
done
nptools=$(echo $ptools | wc -w)
tap_plan $((ntools * 5 + nptools + 10))

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
done

# Not root: run through the workload's setuid helper.
for tool in $tools; do
	memstat_workload as-nobody "$(command -v $tool)" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	check "$tool: not root -> one line, exit 1" $rc -eq 1 -a \
		"$(grep -c 'must run as root' "$tmp/err")" -eq 1 -a \
		"$(wc -l < "$tmp/err")" -eq 1
done

# Another kernel: MEMSTAT_OSRELEASE names a file that stands in for
# uname(2)'s release.  Every tool names the release it was built for,
# which must be the running one (the build passes it from the tree's
# include/generated/utsrelease.h), and the other, before it loads
# anything (-d 1 bounds a tool that would not check).
rel=$(uname -r)
echo 0.0.0-other > "$tmp/osrelease"
for tool in $tools; do
	args="-d 1"
	[ $tool = memleak ] && args="-d 1 -p $$"
	MEMSTAT_OSRELEASE=$tmp/osrelease $tool $args > "$tmp/out" 2> "$tmp/err"
	rc=$?
	line="$tool: built for kernel $rel, running 0.0.0-other: rebuild memstat"
	check "$tool: kernel 0.0.0-other -> built for $rel, one line, exit 1" $rc -eq 1 -a \
		"$(grep -c -F "$line against the running kernel's tree" "$tmp/err")" -eq 1 -a \
		"$(wc -l < "$tmp/err")" -eq 1 -a ! -s "$tmp/out"
	[ $rc -eq 1 ] || diag "$tool: rc=$rc stderr: $(cat "$tmp/err")"
done
# The stand-in read, and the same release let through.
uname -r > "$tmp/osrelease"
MEMSTAT_OSRELEASE=$tmp/osrelease sysstat -j > "$tmp/out" 2> "$tmp/err"
check "sysstat: MEMSTAT_OSRELEASE of the running release -> runs, exit 0" $? -eq 0 -a \
	"$(grep -c '"type":"system"' "$tmp/out")" -eq 1 -a ! -s "$tmp/err"

# A kernel without the feature: point the tools at stand-in files.
export MEMSTAT_BTF=/nonexistent
expect_fail procstat 1 "CONFIG_DEBUG_INFO_BTF" \
	"no kernel BTF -> names CONFIG_DEBUG_INFO_BTF, exit 1" --
# The fallback is normal on arm64 (no fexit in 5.10): -v alone says why.
MEMSTAT_BTF=/nonexistent paf -j -d 1 > "$tmp/out" 2> "$tmp/err"
rc=$?
MEMSTAT_BTF=/nonexistent paf -v -j -d 1 > /dev/null 2> "$tmp/err.v"
check "paf: no kernel BTF -> kmem:mm_page_alloc fallback, silent but with -v, exit 0" \
	$rc -eq 0 -a "$(grep -c -v '^paf: tracing .*(tracepoint kmem:mm_page_alloc)' \
			"$tmp/err")" -eq 0 -a \
	"$(grep -c 'CONFIG_DEBUG_INFO_BTF.*kmem:mm_page_alloc' "$tmp/err.v")" -eq 1 -a \
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

# A traced process that exits mid-run: every tool with -p says so in one
# line and ends with exit 0 (-d 120 bounds one that would not).  The
# process is killed once the tool runs, and reaped by this shell.
for tool in $ptools; do
	args=
	if [ $tool = heapsnoop ]; then
		# A process with malloc probes (Debian's C library has none).
		rm -f "$tmp/target"
		memstat_mallocprobes --go "$tmp/never" > "$tmp/target" &
		tpid=$!
		wait_for "$tmp/target" '^waiting'
		args="-O memstat_mallocprobes"
	else
		# Linked with the C library (memleak probes its malloc).
		rm -f "$tmp/target"
		memstat_workload hold > "$tmp/target" &
		tpid=$!
		wait_for "$tmp/target" '^ready'
	fi
	[ $tool = memaccess ] && args="-E minor-faults,major-faults"
	# procstat reports a snapshot: an interval keeps it running.
	[ $tool = procstat ] && args=1
	rm -f "$tmp/out" "$tmp/err"
	$tool $args -p $tpid -d 120 > "$tmp/out" 2> "$tmp/err" &
	pid=$!
	if [ $tool = procstat ]; then
		wait_for "$tmp/out" 'PID'
	else
		wait_for "$tmp/err" 'Ctrl-C to end'
	fi
	kill -TERM $tpid
	wait $tpid
	wait $pid
	rc=$?
	check "$tool: traced process exits -> one line, exit 0" $rc -eq 0 -a \
		"$(grep -c "^$tool: process $tpid exited$" "$tmp/err")" -eq 1
	[ $rc -eq 0 ] || diag "$tool: rc=$rc stderr: $(cat "$tmp/err")"
done

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
