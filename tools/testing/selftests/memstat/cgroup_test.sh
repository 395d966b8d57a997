#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# -c CGROUP in every tool, in a cgroup v1 memory hierarchy (openEuler
# 22.03's default) and in cgroup v2.  Two identical workloads run at
# once: A in $h/in/sub, below the cgroup the tools are given ($h/in), and
# B in $h/out beside it.  Each faults in 64 MiB of anonymous memory
# under a 32 MiB memory limit of its own cgroup (zram swap): page
# allocations, page faults and memcg limit reclaim, started after the
# tools.  Anonymous memory, not page cache: what a file system's journal
# keeps of its metadata would keep the v1 cgroups from going away.
# Ground truth: the pids the test started, the cgroups they are in.
# - procstat, pagealloc, dreclaim: every pid in the tool's JSON is A's,
#   and A's is there (B did the same, outside).
# - vmscan: memcg limit reclaims counted with -c in plus those with
#   -c out equal an unfiltered run's, and neither is 0.
# - pr: anon pages scanned with -c in and with -c out are not 0, and add up
#   to no more than an unfiltered run's (kswapd's are in no cgroup).
# - paf (fail_page_alloc: patched kernel): with fault injection for A
#   and B, paf -c in counts exactly A's failed pipe writes.
# The v1 part needs the memory controller free of cgroup v2 (this test
# runs before any other enables it there).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/cgroup_test.$$
mkdir -p "$tmp"
v2=/sys/fs/cgroup
v1=$tmp/v1

# The per-process tools; checks per hierarchy: 3 + vmscan 2 + pr 1 + paf 1.
ptools="procstat pagealloc dreclaim"
tap_plan $((2 * 7))

# pids_of FILE: every "pid" of a tool's JSON, sorted, one line.
pids_of() {
	grep -o '"pid":[0-9]*' "$1" | cut -d : -f 2 | sort -un | tr '\n' ' '
}

# start_in CG NAME CMD...: run CMD in cgroup CG; its pid in $tmp/NAME.pid.
start_in() {
	cg=$1 name=$2
	shift 2
	sh -c "echo \$\$ > $cg/cgroup.procs && exec \"\$@\"" sh "$@" \
		> "$tmp/$name.wl" 2>&1 &
	echo $! > "$tmp/$name.pid"
}

# load HIER: A and B each fault in 64 MiB through a 32 MiB limit, at
# once; returns when both hold their memory.
load() {
	start_in $1/in/sub a memstat_workload hold --anon-kb 65536
	start_in $1/out b memstat_workload hold --anon-kb 65536
	wait_for "$tmp/a.wl" '^ready' 1200
	wait_for "$tmp/b.wl" '^ready' 1200
}

unload() {
	for n in a b; do
		kill -TERM "$(cat "$tmp/$n.pid")" 2> /dev/null
		wait "$(cat "$tmp/$n.pid")" 2> /dev/null
	done
	# Their output files, which they wrote, are charged to their cgroups.
	rm -f "$tmp/a.wl" "$tmp/b.wl"
}

# run_tracers HIER: the tracing tools with -c in, -c out and none, over
# one load each; outputs in $tmp/HIER.TOOL.{in,out,all}.
run_tracers() {
	h=$1 dir=$2
	for t in pagealloc dreclaim vmscan pr; do
		opts=
		[ $t = pagealloc ] && opts="-F 0 -n 0"
		[ $t = dreclaim ] && opts="-n 0"
		pids=
		for which in all in out; do
			cg="-c $dir/$which"
			[ $which = all ] && cg=
			$t -j $opts $cg > "$tmp/$h.$t.$which" \
				2> "$tmp/$h.$t.$which.err" &
			pids="$pids $!"
			wait_for "$tmp/$h.$t.$which.err" 'tracing' 600
		done
		load "$dir"
		cp "$tmp/a.pid" "$tmp/$h.$t.a"
		if [ $t = pagealloc ]; then
			procstat -j -n 0 -c $dir/in > "$tmp/$h.procstat.in" 2>&1
			cp "$tmp/a.pid" "$tmp/$h.procstat.a"
		fi
		unload
		kill -INT $pids
		wait $pids
	done
}

# check_tracers HIER: the checks above on run_tracers' output.
check_tracers() {
	h=$1
	for t in $ptools; do
		a=$(cat "$tmp/$h.$t.a")
		got=$(pids_of "$tmp/$h.$t.in")
		check "$h: $t -c: only the cgroup's process ($a; got ${got:-none})" \
			"$got" = "$a "
	done
	in=$(json_num memcg < "$tmp/$h.vmscan.in")
	out=$(json_num memcg < "$tmp/$h.vmscan.out")
	all=$(json_num memcg < "$tmp/$h.vmscan.all")
	diag "$h: vmscan memcg reclaims: in ${in:-?} out ${out:-?} all ${all:-?}"
	check "$h: vmscan -c: memcg reclaims in the cgroup and outside it not 0" \
		"${in:-0}" -gt 0 -a "${out:-0}" -gt 0
	check "$h: vmscan -c: in + out = every memcg reclaim" \
		$((${in:-0} + ${out:-0})) -eq "${all:--1}"
	in=$(json_num scanned_anon_kib < "$tmp/$h.pr.in")
	out=$(json_num scanned_anon_kib < "$tmp/$h.pr.out")
	all=$(json_num scanned_anon_kib < "$tmp/$h.pr.all")
	diag "$h: pr anon KiB scanned: in ${in:-?} out ${out:-?} all ${all:-?}"
	check "$h: pr -c: both scanned, in + out <= all" \
		"${in:-0}" -gt 0 -a "${out:-0}" -gt 0 -a \
		$((${in:-0} + ${out:-0})) -le "${all:--1}"
}

# paf_check HIER: fail_page_alloc fails 4 pipe writes of A, then 4 of B.
fpa=/sys/kernel/debug/fail_page_alloc
paf_check() {
	h=$1 dir=$2
	if [ ! -w $fpa/times ]; then
		skip "$h: paf -c: no fail_page_alloc (CONFIG_FAIL_PAGE_ALLOC, debugfs)"
		return
	fi
	rm -f "$tmp/go.a" "$tmp/go.b"
	start_in $dir/in/sub a memstat_workload failpipe --writes 16 --go "$tmp/go.a"
	start_in $dir/out b memstat_workload failpipe --writes 16 --go "$tmp/go.b"
	wait_for "$tmp/a.wl" '^ready'
	wait_for "$tmp/b.wl" '^ready'
	paf -S -j -c $dir/in > "$tmp/$h.paf" 2> "$tmp/$h.paf.err" &
	pid=$!
	wait_for "$tmp/$h.paf.err" 'tracing' 600
	for kv in task-filter=Y probability=100 interval=1 times=4 space=0 \
		  ignore-gfp-wait=N ignore-gfp-highmem=N min-order=0 verbose=0; do
		echo "${kv#*=}" > $fpa/${kv%%=*}
	done
	for n in a b; do
		echo 4 > $fpa/times
		touch "$tmp/go.$n"
		wait "$(cat "$tmp/$n.pid")"
	done
	echo 0 > $fpa/probability
	echo N > $fpa/task-filter
	echo 1 > $fpa/times
	kill -INT $pid
	wait $pid
	fa=$(sed -n 's/^pipe-writes .*failed=\([0-9]*\).*/\1/p' "$tmp/a.wl")
	fb=$(sed -n 's/^pipe-writes .*failed=\([0-9]*\).*/\1/p' "$tmp/b.wl")
	got=$(grep '"type":"summary"' "$tmp/$h.paf" | json_num failures)
	rm -f "$tmp/a.wl" "$tmp/b.wl"
	check "$h: paf -c: A's failures only (A ${fa:-?}, B ${fb:-?}, paf ${got:-?})" \
		"${got:--1}" -eq "${fa:--2}" -a "${fb:-0}" -gt 0
}

# hier_setup DIR: in/sub and out, each leaf limited to 32 MiB.
hier_setup() {
	dir=$1 limit=$2
	mkdir -p $dir/in/sub $dir/out
	for c in $dir $dir/in; do
		[ -e $c/cgroup.subtree_control ] &&
			echo +memory > $c/cgroup.subtree_control
	done
	echo $((32 * 1024 * 1024)) > $dir/in/sub/$limit
	echo $((32 * 1024 * 1024)) > $dir/out/$limit
}

hier_teardown() {
	rmdir $1/in/sub $1/in $1/out
}

# ---- cgroup v1: the memory controller's own hierarchy --------------------
mkdir -p $v1
if [ -w $v2/cgroup.subtree_control ] && ! grep -q memory $v2/cgroup.subtree_control &&
   mount -t cgroup -o memory memstat_v1 $v1 2> "$tmp/v1.err"; then
	hier_setup $v1 memory.limit_in_bytes
	run_tracers v1 $v1
	check_tracers v1
	paf_check v1 $v1
	hier_teardown $v1
	umount $v1
	# Back to cgroup v2 once the hierarchy's cgroups are freed: the swap
	# entries their processes left in the per-CPU swap slot caches hold
	# them (a swapoff drains those), nothing else was charged to them.
	for dev in $(awk 'NR > 1 { print $1 }' /proc/swaps); do
		swapoff "$dev" && swapon "$dev"
	done
	sync
	echo 3 > /proc/sys/vm/drop_caches
	i=0
	while [ "$(awk '$1 == "memory" { print $2 }' /proc/cgroups)" != 0 ] &&
	      [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	diag "memory controller in cgroup v2 after $((i / 10)) s:" \
	     "$(awk '$1 == "memory"' /proc/cgroups)"
else
	for i in 1 2 3 4 5 6 7; do
		skip "v1: cannot mount the memory controller: $(cat "$tmp/v1.err" 2> /dev/null)"
	done
fi

# ---- cgroup v2 -----------------------------------------------------------
if echo +memory > $v2/cgroup.subtree_control 2> "$tmp/v2.err"; then
	hier_setup $v2/cgroup_test.$$ memory.max
	run_tracers v2 $v2/cgroup_test.$$
	check_tracers v2
	paf_check v2 $v2/cgroup_test.$$
	hier_teardown $v2/cgroup_test.$$
	rmdir $v2/cgroup_test.$$
	echo -memory > $v2/cgroup.subtree_control 2> /dev/null
else
	for i in 1 2 3 4 5 6 7; do
		skip "v2: no memory controller: $(cat "$tmp/v2.err")"
	done
fi

rm -rf "$tmp"
tap_exit
