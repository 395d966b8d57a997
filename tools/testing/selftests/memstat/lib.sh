# SPDX-License-Identifier: GPL-2.0
# TAP helpers and JSON/proc readers for the memstat selftests (busybox sh).

ksft_skip=4
# The kernel's page size in KiB: JSON sizes are KiB, kernel counters pages.
page_kib=$(awk '/^KernelPageSize:/ { print $2; exit }' /proc/self/smaps)
tap_n=0
tap_failed=0

tap_plan() { echo "1..$1"; }

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n $*"
}

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $*"
}

diag() { echo "# $*"; }

# check DESC CONDITION...: one TAP line from the exit status of a test(1).
check() {
	desc=$1
	shift
	if [ "$@" ]; then ok "$desc"; else not_ok "$desc"; fi
}

tap_exit() { [ "$tap_failed" -eq 0 ]; exit $?; }

# json_num KEY: the number for "KEY" in the JSON object on stdin.
json_num() { sed -n "s/.*\"$1\":\(-\{0,1\}[0-9]*\).*/\1/p" | head -n 1; }

# kv KEY: the number in "KEY=N" on stdin (memstat_workload, memstat_truth).
kv() { sed -n "s/.* $1=\(-\{0,1\}[0-9]*\).*/\1/p" | head -n 1; }

# json_nums KEY: the number for "KEY" on every line of stdin.
json_nums() { sed -n "s/.*\"$1\":\(-\{0,1\}[0-9]*\).*/\1/p"; }

# memcg_lag: how far a memory cgroup's memory.stat event counts (pgsteal,
# pgscan...) may trail the truth in 5.10: each CPU batches up to
# MEMCG_CHARGE_BATCH (32) events before it adds them to what is read.
memcg_lag() { echo $((32 * $(grep -c '^processor' /proc/cpuinfo))); }

# sum: the sum of the numbers on stdin, one a line.
sum() { awk '{ s += $1 } END { print s + 0 }'; }

# vmstat_lag: how far /proc/vmstat's zone and node counters (nr_*) may
# trail the truth: each CPU keeps up to its "vm stats threshold"
# (/proc/zoneinfo) before it folds its differential in.  Event counters
# (pgscan_*, allocstall_*...) are summed over the CPUs on read: exact.
vmstat_lag() {
	awk '/vm stats threshold:/ { if ($4 > t) t = $4 } END { print t + 0 }' /proc/zoneinfo |
		{ read -r t; echo $((t * $(grep -c '^processor' /proc/cpuinfo))); }
}

# status_kb FILE FIELD: "VmRSS:  123 kB" -> 123, from a saved status file.
status_kb() { awk -v f="$2:" '$1 == f { print $2; exit }' "$1"; }

# meminfo_kb FILE FIELD
meminfo_kb() { awk -v f="$2:" '$1 == f { print $2; exit }' "$1"; }

# bracketed V B A: V lies between readings B and A taken before and after
# it, widened by 0.1 % or 32 pages (128 KiB; 2 MiB with 64 KiB pages),
# whichever is larger: the reading tool's own pages pass through per-CPU
# LRU pagevecs (15 pages each) between the readings, and a counter moves
# in per-CPU folds of up to the vm stats threshold (/proc/zoneinfo: tens
# of pages), so that it can pass both readings for a while (arm64: 12
# pages over and 21 under, once each); yet a missing term in a formula
# (watermarks, reserves: megabytes) still shows.
bracketed() {
	lo=$2 hi=$3
	[ "$lo" -gt "$hi" ] && { lo=$3; hi=$2; }
	tol=$((hi / 1000))
	[ $tol -lt $((32 * page_kib)) ] && tol=$((32 * page_kib))
	[ "$1" -ge $((lo - tol)) ] && [ "$1" -le $((hi + tol)) ]
}

# vmstat KEY: a /proc/vmstat counter; allocstall: all allocstall_* added.
vmstat() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }
allocstall() { awk '/^allocstall_/ { s += $2 } END { print s + 0 }' /proc/vmstat; }

# complete_lines FILE: FILE up to its last newline.  A tool still writing
# may have put out part of a line only: stdout is line buffered, and a
# line longer than the buffer (a JSON report with every call path) goes
# out in pieces.
complete_lines() { head -n "$(wc -l < "$1")" "$1"; }

# wait_for FILE PATTERN [TENTHS]: until FILE has a line matching PATTERN
# (default up to 60 s); true if it has.  Remove FILE before starting the
# job that writes it: a background job truncates it only once it runs,
# so a previous run's line may match first.
wait_for() {
	i=0
	while ! grep -q -e "$2" "$1" 2>/dev/null && [ $i -lt "${3:-600}" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q -e "$2" "$1" 2>/dev/null && return 0
	diag "waited $((${3:-600} / 10)) s for '$2' in ${1##*/}: not there"
	return 1
}

# wait_stopped PID: until process PID is stopped (SIGSTOP), up to 30 s.
wait_stopped() {
	i=0
	while [ "$(awk '{ print $3 }' /proc/$1/stat 2> /dev/null)" != T ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# wait_asleep PID WORD: wait until the single-threaded process PID
# sleeps in a function whose name holds WORD, e.g. sigtimedwait for
# sigwait(): "ready" printed, it may still fault in what reclaim swapped
# out of its stack and libc on the way there.  /proc/PID/stack, not
# wchan: x86 finds the wchan with frame pointers, which ORC kernels lack.
wait_asleep() {
	i=0
	until grep -q "$2" /proc/$1/stack 2> /dev/null; do
		[ $i -lt 300 ] || { diag "pid $1 not asleep in $2 after 30 s"; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
}

# global_pressure FILE: four threads fault in MemAvailable + 100 MiB of
# anon memory with vm.min_free_kbytes lowered to 8 MiB, so that kswapd
# wakes only 2 MiB above the min watermark and they outrun it into
# direct reclaim; "ready" in FILE when they are done, then all is given
# back.
global_pressure() {
	min_free=$(cat /proc/sys/vm/min_free_kbytes)
	echo 8192 > /proc/sys/vm/min_free_kbytes
	avail=$(awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo)
	memstat_workload pressure --anon-kb $((avail + 102400)) --threads 4 > "$1" 2>&1 &
	pressure_pid=$!
	wait_for "$1" '^ready' 1800
	kill -TERM $pressure_pid
	wait $pressure_pid
	echo "$min_free" > /proc/sys/vm/min_free_kbytes
}

# vmstat_snap COUNTERS: " name=value" lines of /proc/vmstat counters.
vmstat_snap() { for c in $1; do echo " $c=$(vmstat $c)"; done; }

# vmstat_quiet COUNTERS DIR: until the counters hold still for 2 s (up to
# 60 s); DIR holds the snapshots.
vmstat_quiet() {
	i=0
	vmstat_snap "$1" > "$2/q0"
	while [ $i -lt 30 ]; do
		sleep 2
		vmstat_snap "$1" > "$2/q1"
		cmp -s "$2/q0" "$2/q1" && return 0
		mv "$2/q1" "$2/q0"
		i=$((i + 1))
	done
	diag "counters did not go quiet: $(tr '\n' ' ' < "$2/q1")"
}

# thp_compact_on / thp_restore: THP faults that compact directly (defrag
# always), and nothing else that compacts (khugepaged's defrag and
# proactive compaction off); then the settings as they were.
thp_dir=/sys/kernel/mm/transparent_hugepage
thp_compact_on() {
	thp_old_enabled=$(sed 's/.*\[\(.*\)\].*/\1/' $thp_dir/enabled)
	thp_old_defrag=$(sed 's/.*\[\(.*\)\].*/\1/' $thp_dir/defrag)
	thp_old_kdefrag=$(cat $thp_dir/khugepaged/defrag)
	echo always > $thp_dir/enabled
	echo always > $thp_dir/defrag
	echo 0 > $thp_dir/khugepaged/defrag
	thp_pro=/proc/sys/vm/compaction_proactiveness
	thp_old_pro=
	[ -w $thp_pro ] && { thp_old_pro=$(cat $thp_pro); echo 0 > $thp_pro; }
}
thp_restore() {
	echo "$thp_old_enabled" > $thp_dir/enabled
	echo "$thp_old_defrag" > $thp_dir/defrag
	echo "$thp_old_kdefrag" > $thp_dir/khugepaged/defrag
	[ -z "$thp_old_pro" ] || echo "$thp_old_pro" > $thp_pro
}

# dma_zone_mb: node 0's ZONE_DMA in MiB, managed pages (nothing without
# one).  x86's is 16 MiB; arm64's is the memory below 4 GiB: all of a
# test VM's, too much to bring below its min watermark beside the rest.
dma_zone_mb() {
	awk -v kb="$page_kib" '/^Node .* zone +DMA$/ { z = 1; next } /^Node/ { z = 0 }
		z && $1 == "managed" { print int($2 * kb / 1024); exit }' /proc/zoneinfo
}

# thp_small: a THP is 2 MiB, as the scenarios that fragment memory
# below it and fault THPs need; not the 512 MiB of arm64's 64 KiB pages,
# which a test VM cannot fragment and fault (thp_big_why says so).
thp_small() { [ "$(cat $thp_dir/hpage_pmd_size 2> /dev/null)" = 2097152 ]; }
thp_big_why="a THP is $(($(cat $thp_dir/hpage_pmd_size 2> /dev/null || echo 0) >> 20)) MiB here"
thp_big_why="$thp_big_why (64 KiB pages): more than a test VM can fragment and fault"

# frag_args: memstat_workload fragment's arguments for the allocations
# that compact: none (THP faults) where a THP is 2 MiB; where it is more
# (512 MiB with arm64's 64 KiB pages, past what a test VM can free) the
# 2 MiB hugetlb pool's growth instead.
frag_args() {
	[ "$(cat $thp_dir/hpage_pmd_size 2> /dev/null)" -gt 2097152 ] 2> /dev/null &&
		[ -w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages ] &&
		echo "--hugetlb-kb 2048"
}

# one_line FILE: the file holds exactly one line.
one_line() { [ "$(wc -l < "$1")" -eq 1 ]; }

# alloc_test_module: print the path of memstat_alloc_test.ko (source in
# memstat_alloc_test/), built for the running kernel, or fail when there
# is none (skip with that reason).  It is looked for in
# $MEMSTAT_MODULE_DIR, by default ../modules beside the tests' directory:
# run-vm.sh puts it in the VM as /memstat/modules/memstat_alloc_test.ko.
alloc_test_module() {
	m=${MEMSTAT_MODULE_DIR:-$(dirname "$0")/../modules}/memstat_alloc_test.ko
	[ -r "$m" ] || return 1
	echo "$m"
}

# A tracefs instance of our own: the tracepoints a tool uses, read by the
# kernel's own event formatting, as ground truth for what the tool made of
# them.  trace_start NAME EVENT... (EVENT as "vmscan/mm_vmscan_writepage")
# enables them in instances/NAME with a buffer of $TRACE_KB KiB per CPU
# (default 8192), recording each task's tgid; trace_stop NAME FILE stops
# it, saves the text in FILE and removes the instance.  trace_stop fails
# when the buffer overran: a partial trace is no ground truth.
tracefs() {
	for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -d $d/instances ] && { echo $d; return 0; }
	done
	return 1
}

trace_start() {
	t=$(tracefs)/instances/$1 || return 1
	shift
	mkdir "$t" || return 1
	echo "${TRACE_KB:-8192}" > "$t/buffer_size_kb" || return 1
	echo 1 > "$t/options/record-tgid" 2>/dev/null
	# The clock of bpf_ktime_get_ns(): "local" is per CPU, and a thread
	# that moves between CPUs would see time jump.
	echo mono > "$t/trace_clock" || return 1
	grep -q '\[mono\]' "$t/trace_clock" || return 1
	for e in "$@"; do
		echo 1 > "$t/events/$e/enable" || return 1
	done
}

trace_stop() {
	t=$(tracefs)/instances/$1 || return 1
	echo 0 > "$t/tracing_on"
	cat "$t/trace" > "$2"
	lost=$(cat "$t"/per_cpu/cpu*/stats 2>/dev/null |
	       awk '$1 == "overrun:" || $1 == "dropped" { s += $NF } END { print s + 0 }')
	echo 0 > "$t/events/enable"
	rmdir "$t"
	[ "$lost" -eq 0 ] || { diag "trace $1: $lost events lost (TRACE_KB)"; return 1; }
}

# trace_mark NAME TEXT: a line in instance NAME's trace, to tell phases
# apart in it.
trace_mark() {
	echo "$2" > "$(tracefs)/instances/$1/trace_marker"
}

# reclaim_delay -t TGID | -p TID: "COUNT NS" of direct reclaim (global
# and memcg: each pass of do_try_to_free_pages()) from per-task delay
# accounting (taskstats, tools/accounting/getdelays), for a process (all
# its threads) or one thread.
reclaim_delay() {
	getdelays -d "$1" "$2" 2>/dev/null |
		awk '/^RECLAIM/ { getline; print $1, $2; found = 1 }
		     END { if (!found) exit 1 }'
}

# within A B TOL: |A - B| <= TOL (numbers with a fraction too).
within() {
	awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; exit !((d < 0 ? -d : d) <= t) }'
}

# Two probes on one tracepoint (a tool's BPF program and the tracefs
# event) read the clock microseconds apart, but under qemu TCG a vCPU can
# stall for milliseconds between them: latencies compared across probes
# may differ by this much (microseconds) each.
lat_eps_us=${MEMSTAT_LAT_EPS_US:-5000}

# trace_lines FILE EVENT: "TID TGID SECONDS ARGS..." for each EVENT line
# of a trace_stop FILE; ARGS as the kernel printed them (key=value ...).
trace_lines() {
	# "  comm-TID  (TGID) [CPU] flags SECONDS: EVENT: ARGS"
	sed -n -E "s/^ *.*-([0-9]+) +\( *([0-9-]+)\) +\[[0-9]+\] +[^ ]+ +"\
"([0-9]+\.[0-9]+): $2: (.*)/\1 \2 \3 \4/p" "$1"
}

# trace_pairs FILE BEGIN END: one line "TID TGID LATENCY_US ARGS..." per
# BEGIN ... END pair of one thread (ARGS those of END).
trace_pairs() {
	{ trace_lines "$1" "$2" | sed 's/^/B /'; trace_lines "$1" "$3" | sed 's/^/E /'; } |
		sort -k4,4n -s |
		awk '$1 == "B" { t[$2] = $4; next }
		     $2 in t { $1 = ""; lat = ($4 - t[$2]) * 1e6; delete t[$2]
			       $4 = sprintf("%.1f", lat); sub(/^ /, ""); print }'
}

# hist_matches HIST LATENCIES MOVED [TOTAL_NS]: the log2 histogram HIST
# (the JSON array of {"lo","hi","count"} the tools print, microseconds)
# counts as many values as the file LATENCIES (the trace's, one per line,
# microseconds), each in its slot but for at most MOVED of them, which
# may sit in a neighbouring slot: two probes of one event read the clock
# a little apart.  With TOTAL_NS, the tool's total of the same events,
# the trace's values are first shifted by the mean difference of the two
# probes.  Prints how many moved, and fails when more did or a count
# differs.
hist_matches() {
	echo "$1" | tr '}' '\n' |
		sed -n 's/.*"lo":\([0-9]*\),"hi":[0-9]*,"count":\([0-9]*\).*/\1 \2/p' |
		awk -v max="$3" -v total_ns="${4:-0}" '
		function slot(v, s) {
			v = int(v)
			for (s = 0; v >= 2; s++)
				v = int(v / 2)
			return s
		}
		NR == FNR { got[slot($1)] += $2; total += $2; next }
		{ lat[n++] = $1; sum += $1 }
		END {
			shift = total_ns && n ? (total_ns / 1000 - sum) / n : 0
			for (i = 0; i < n; i++)
				want[slot(lat[i] + shift)]++
			for (s = 0; s < 64; s++) {
				d = got[s] - want[s]
				moved += d < 0 ? -d : d
			}
			moved /= 2
			printf "%d of %d in another slot", moved, n
			if (total != n)
				printf ", %d counted", total
			exit total != n || moved > max
		}' - "$2"
}

# paths_of: one line per element of the "paths" array of pagealloc's
# JSON line on stdin.
paths_of() {
	sed 's/.*"paths":\[//; s/\],"processes":.*//' |
		awk '{ n = split($0, a, /\},\{"stack_id"/)
		       for (i = 1; i <= n; i++) print (i > 1 ? "{\"stack_id\"" : "") a[i] }'
}

# mod_pages KEY FILE: KEY_kib in pages over the paths of pagealloc's
# summary in FILE that memstat_alloc_test_alloc() called: the first frame
# past the allocator's own and addresses (another tool's fexit trampoline
# on the allocator may come first).  page_owner's stack depot allocates
# inside such an allocation, under the same frames.
mod_pages() {
	grep '"type":"summary"' "$2" | paths_of |
		awk -v key="\"$1_kib\":" -v k=$page_kib '
		{ f = $0; sub(/.*"frames":\[/, "", f); sub(/\].*/, "", f)
		  n = split(f, a, ","); first = ""
		  for (i = 1; i <= n && first == ""; i++) {
			gsub(/"/, "", a[i])
			if (a[i] !~ /^(0x|__alloc_pages|alloc_pages)/)
				first = a[i]
		  }
		  v = $0
		  if (first ~ /^memstat_alloc_test_alloc\+/ && sub(".*" key, "", v))
			s += v + 0 }
		END { print s / k }'
}
