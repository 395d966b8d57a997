#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# report on five scenarios with a known cause.  Each runs inside one
# report window (report -j, ended by SIGINT when the scenario is done);
# the test reads the kernel's counters around the window.
# 1. Idle: healthy, nothing named.  MemTotal, SwapTotal and CommitLimit
#    equal /proc/meminfo's, every zone's watermarks and managed pages
#    /proc/zoneinfo's; the text and OpenMetrics forms, and sysstat's and
#    procstat's OpenMetrics (MemTotal, a workload's anon as the kernel
#    says); the OpenMetrics lines go to the log as "# openmetrics TOOL
#    ...", where run-vm.sh has promtool check them on the host.
# 2. A memory cgroup (v2, 16 MiB limit) whose process re-reads a 48 MiB
#    file (memstat_workload reread): thrashing and memcg limit pressure,
#    naming the cgroup and the process; the cgroup's limit as set;
#    refaults within the counters' change around the window.
# 3. Anonymous memory beyond what is available (zram swap): reclaim
#    pressure naming the loading process and not an idle one; the
#    per-process direct reclaims (dreclaim's programs) add up to
#    allocstall within the reclaims in flight at the window's ends.
# 4. The test module takes 16 MiB of pages in the window: kernel memory
#    growth naming its function; the pages its call path holds equal
#    what the module says it allocated.
# 5. THP faults under fragmentation (memstat_workload fragment, as in
#    paf_test.sh): fragmentation naming the workload; its order-9
#    failures at least the workload's own fallbacks and at most the
#    THP fallback counters' change around the window.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/report_test.$$
mkdir -p "$tmp"

tap_plan 20

# start_report NAME: a window until stop_report; rc then its exit code.
start_report() {
	out=$tmp/$1.json
	report -j -d 3600 > "$out" 2> "$tmp/$1.err" &
	rp=$!
	wait_for "$tmp/$1.err" '^report: watching' 1200
}
stop_report() {
	kill -INT $rp
	wait $rp
	rc=$?
	diag "$(grep -E '"type":"(verdict|unseen)"' "$out" | cut -c 1-400)"
}
# verdicts: the verdicts of $out, sorted, on one line.
verdicts() {
	sed -n 's/.*"type":"verdict".*"verdict":"\([a-z_]*\)".*/\1/p' "$out" |
		sort | tr '\n' ' '
}
# names V: what verdict V names.
names() { sed -n "s/.*\"verdict\":\"$1\".*\"names\":\"\([^\"]*\)\".*/\1/p" "$out"; }
# proc PID: process PID's record.
proc() { grep '"type":"proc"' "$out" | grep "\"pid\":$1,"; }

# ---- 1. idle -----------------------------------------------------------
start_report idle
sleep 3
stop_report
check "idle: healthy, no verdict (exit $rc; $(verdicts))" $rc -eq 0 -a \
	"$(grep -c '"healthy":"yes"' "$out")" -eq 1 -a -z "$(verdicts)"
h=$(grep '"type":"headroom"' "$out")
ok=1
for k in mem_total_kib:MemTotal swap_total_kib:SwapTotal \
	 commit_limit_kib:CommitLimit; do
	v=$(echo "$h" | json_num "${k%%:*}")
	t=$(meminfo_kb /proc/meminfo "${k##*:}")
	[ "$v" = "$t" ] || { ok=0; diag "${k%%:*} $v, /proc/meminfo $t"; }
done
check "idle: MemTotal, SwapTotal, CommitLimit as /proc/meminfo" $ok -eq 1
# zoneinfo_of NODE ZONE FIELD: a zone's field in pages.
zoneinfo_of() {
	awk -v n="Node $1," -v z="$2" -v f="$3" '
		$1 " " $2 == n { cur = ($4 == z) }
		cur && $1 == f && NF == 2 { print $2; exit }
		cur && $1 == "pages" && $2 == f { print $3; exit }' /proc/zoneinfo
}
ok=1 nz=0
for rec in $(grep '"type":"zone"' "$out" | tr -d ' '); do
	node=$(echo "$rec" | json_num node)
	zone=$(echo "$rec" | sed 's/.*"zone":"\([A-Za-z0-9]*\)".*/\1/')
	for f in min low high managed; do
		v=$(($(echo "$rec" | json_num ${f}_kib) / page_kib))
		t=$(zoneinfo_of "$node" "$zone" $f)
		[ "$v" = "$t" ] || { ok=0; diag "node $node $zone $f: $v, zoneinfo $t"; }
	done
	nz=$((nz + 1))
done
check "idle: $nz zones' watermarks and managed pages as /proc/zoneinfo" \
	$ok -eq 1 -a $nz -gt 0
report -d 1 > "$tmp/text" 2> "$tmp/text.err"
rc=$?
check "idle: text form says healthy (exit $rc)" $rc -eq 0 -a \
	"$(grep -c '^VERDICT healthy' "$tmp/text")" -eq 1
report -M -d 1 > "$tmp/om" 2> "$tmp/om.err"
rc=$?
sed 's/^/# openmetrics report /' "$tmp/om"
check "idle: OpenMetrics, every verdict 0, ends with # EOF (exit $rc)" $rc -eq 0 -a \
	"$(grep -c '^memstat_verdict{verdict="[a-z_]*"} 0$' "$tmp/om")" -eq 6 -a \
	"$(tail -n 1 "$tmp/om")" = "# EOF"
# sysstat's and procstat's OpenMetrics too: their figures as the kernel's.
memstat_workload hold --anon-kb 4096 > "$tmp/hold" &
hold=$!
wait_for "$tmp/hold" '^ready'
sysstat -M > "$tmp/om.sys" 2> "$tmp/err"
r1=$?
procstat -f -M -p $hold > "$tmp/om.ps" 2> "$tmp/err"
r2=$?
anon=$(status_kb /proc/$hold/status RssAnon)
kill -TERM $hold
wait $hold
sed 's/^/# openmetrics sysstat /' "$tmp/om.sys"
sed 's/^/# openmetrics procstat /' "$tmp/om.ps"
v1=$(sed -n 's/^memstat_sysstat_bytes{node="all",field="total"} //p' "$tmp/om.sys")
v2=$(sed -n 's/^memstat_procstat_bytes{.*field="anon"} //p' "$tmp/om.ps")
t=$(meminfo_kb /proc/meminfo MemTotal)
check "sysstat -M: MemTotal ${v1:-none} B = $t KiB (exit $r1)" \
	$r1 -eq 0 -a "${v1:-0}" = $((t * 1024))
check "procstat -f -M -p: anon ${v2:-none} B = RssAnon $anon KiB (exit $r2)" \
	$r2 -eq 0 -a "${v2:-0}" = $((anon * 1024))
report 5 > /dev/null 2> "$tmp/bad1"
r1=$?
report -M -j > /dev/null 2> "$tmp/bad2"
r2=$?
lines=0
one_line "$tmp/bad1" && one_line "$tmp/bad2" && lines=1
check "bad input: an interval, -M with -j: one line each, exit 2 ($r1 $r2)" \
	$r1 -eq 2 -a $r2 -eq 2 -a $lines -eq 1

# ---- 4. kernel memory growth ----------------------------------------------
ko=$(alloc_test_module)
if [ -n "$ko" ]; then
	nr=$((16384 / page_kib))
	start_report module
	sleep 1
	insmod "$ko" nr_allocs=$nr
	got=$(cat /sys/module/memstat_alloc_test/parameters/allocated)
	sleep 1
	stop_report
	rmmod memstat_alloc_test
	held=$(grep '"type":"path"' "$out" |
		grep '"stack":\["memstat_alloc_test_alloc' | json_nums held_kib | sum)
	check "module: kernel memory growth names memstat_alloc_test_alloc ($(verdicts))" \
		"$(names kernel_memory_growth | grep -c '^memstat_alloc_test_alloc')" -eq 1
	check "module: its path holds what it allocated (${held:-none} KiB, $got pages)" \
		"${held:-0}" -eq $((got * page_kib)) -a "$got" -eq $nr
else
	skip "module: no memstat_alloc_test.ko for this kernel"
	skip "module: no memstat_alloc_test.ko for this kernel"
fi

# ---- 2. memcg limit pressure, thrashing --------------------------------------
root=/sys/fs/cgroup
disk=/mnt/disk
grep -q " $disk " /proc/mounts || disk=$tmp
if echo +memory > $root/cgroup.subtree_control 2> /dev/null; then
	cg=$root/report_test.$$
	mkdir $cg
	echo $((16 * 1024 * 1024)) > $cg/memory.max
	dd if=/dev/zero of=$disk/report_test bs=1M count=48 2> /dev/null
	# Out of the page cache: the reads in the cgroup charge it anew.
	sync
	echo 3 > /proc/sys/vm/drop_caches
	start_report memcg
	r0=$(vmstat workingset_refault_file)
	sh -c "echo \$\$ > $cg/cgroup.procs
		exec memstat_workload reread $disk/report_test" > "$tmp/reread" &
	loop=$!
	wait_for "$tmp/reread" '^ready'
	sleep 10
	kill $loop
	wait $loop 2> /dev/null
	stop_report
	r1=$(vmstat workingset_refault_file)
	rm -f $disk/report_test
	rmdir $cg
	n=$(names memcg_limit_pressure)
	diag "memcg names: $n"
	check "memcg: memcg limit pressure names the cgroup ($(verdicts))" \
		"$(echo "$n" | grep -c "^cgroup /report_test.$$;")" -eq 1
	check "memcg: ... and its process $loop" \
		"$(echo "$n" | grep -c "; $loop memstat_workloa (")" -eq 1
	check "memcg: thrashing too" "$(verdicts | grep -c thrashing)" -eq 1
	c=$(grep '"type":"cgroup"' "$out" | grep "\"path\":\"/report_test.$$\"")
	lim=$(echo "$c" | json_num limit_kib)
	ref=$(grep '"type":"counters"' "$out" | json_num workingset_refault_file)
	check "memcg: limit 16384 KiB (${lim:-none}); refaults $ref in 0..$((r1 - r0))" \
		"${lim:-0}" -eq 16384 -a "${ref:-0}" -gt 0 -a "${ref:-0}" -le $((r1 - r0))
else
	for i in 1 2 3 4; do skip "memcg: no memory controller in cgroup v2"; done
fi

# ---- 3. reclaim pressure -------------------------------------------------
memstat_workload hold --anon-kb 8192 > "$tmp/idle.wl" &
idle=$!
wait_for "$tmp/idle.wl" '^ready'
min_free=$(cat /proc/sys/vm/min_free_kbytes)
echo 8192 > /proc/sys/vm/min_free_kbytes
avail=$(meminfo_kb /proc/meminfo MemAvailable)
start_report reclaim
s0=$(allocstall)
memstat_workload pressure --anon-kb $((avail + 102400)) --threads 2 > "$tmp/wl" 2>&1 &
wpid=$!
wait_for "$tmp/wl" '^ready' 1800
stop_report
s1=$(allocstall)
kill -TERM $wpid $idle
wait $wpid $idle
echo "$min_free" > /proc/sys/vm/min_free_kbytes
n=$(names reclaim_pressure)
diag "reclaim names: $n"
check "reclaim: reclaim pressure names the loading process $wpid ($(verdicts))" \
	"$(echo "$n" | grep -c "^$wpid memstat_workloa\|, $wpid memstat_workloa")" -eq 1
check "reclaim: ... and not the idle one $idle" \
	"$(echo "$n" | grep -c "\(^\|, \)$idle ")" -eq 0 -a \
	"$(proc $idle | json_num direct)" = 0
stall=$(grep '"type":"counters"' "$out" | json_num allocstall)
direct=$(grep '"type":"proc"' "$out" | json_nums direct | sum)
check "reclaim: allocstall $stall in 1..$((s1 - s0)) (the counters around it)" \
	"${stall:-0}" -gt 0 -a "${stall:-0}" -le $((s1 - s0))
check "reclaim: per-process direct reclaims $direct = allocstall $stall (+-4 in flight)" \
	$((direct - stall)) -le 4 -a $((stall - direct)) -le 4

# ---- 5. fragmentation ------------------------------------------------------
thp=/sys/kernel/mm/transparent_hugepage
if [ -w $thp/enabled ] && thp_small; then
	old_enabled=$(sed 's/.*\[\(.*\)\].*/\1/' $thp/enabled)
	old_defrag=$(sed 's/.*\[\(.*\)\].*/\1/' $thp/defrag)
	echo always > $thp/enabled
	echo never > $thp/defrag
	# No proactive compaction to mend what the workload fragments.
	pro=/proc/sys/vm/compaction_proactiveness
	[ -w $pro ] && { old_pro=$(cat $pro); echo 0 > $pro; }
	memstat_workload fragment --regions 96 --go "$tmp/go" > "$tmp/frag.wl" &
	wpid=$!
	wait_for "$tmp/frag.wl" '^filled' 1800
	start_report frag
	fb0=$(vmstat thp_fault_fallback)
	ch0=$(vmstat thp_fault_fallback_charge)
	co0=$(vmstat thp_collapse_alloc_failed)
	touch "$tmp/go"
	wait $wpid
	stop_report
	fb1=$(vmstat thp_fault_fallback)
	ch1=$(vmstat thp_fault_fallback_charge)
	co1=$(vmstat thp_collapse_alloc_failed)
	echo "$old_enabled" > $thp/enabled
	echo "$old_defrag" > $thp/defrag
	[ -n "${old_pro:-}" ] && echo "$old_pro" > $pro
	own=$(sed -n 's/^thp .*fallback=\([0-9-]*\).*/\1/p' "$tmp/frag.wl")
	truth=$(( (fb1 - fb0) - (ch1 - ch0) + (co1 - co0) ))
	o9=$(grep '"type":"failures"' "$out" | grep '"order":9,' | json_num count)
	n=$(names fragmentation)
	diag "fragmentation names: $n; workload: $(tr '\n' ' ' < "$tmp/frag.wl")"
	check "fragmentation: names the workload's order-9 path ($(verdicts))" \
		"$(echo "$n" | grep -c "order 9, $wpid memstat_workloa$")" -eq 1
	check "fragmentation: order-9 failures ${o9:-none} in ${own:-?}..$truth" \
		"${o9:-0}" -ge "${own:-1}" -a "${o9:-0}" -le "$truth" -a "${own:-0}" -ge 1
else
	why="no THP in this kernel"
	[ ! -w $thp/enabled ] || why=$thp_big_why
	skip "fragmentation: $why"
	skip "fragmentation: $why"
fi

rm -rf "$tmp"
tap_exit
