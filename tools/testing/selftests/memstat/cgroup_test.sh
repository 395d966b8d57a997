#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# -c CGROUP in every tool, in a cgroup v1 memory hierarchy (openEuler
# 22.03's default) and in cgroup v2, at once.  Two identical workloads
# run together: A in the child "sub" of the cgroup the tools are given
# ("in") and B in "out" beside it, in both hierarchies.  Each faults in
# 64 MiB of anonymous memory under a 32 MiB limit of its own memory
# cgroup (zram swap): page allocations, page faults and memcg limit
# reclaim, started after the tools.  Ground truth: the pids the test
# started and the cgroups it put them in.
# - procstat, pagealloc, dreclaim: every pid in the tool's JSON is A's,
#   and A's is there (B did the same, outside).
# - vmscan: memcg limit reclaims counted with -c in plus those with
#   -c out equal an unfiltered run's, and neither is 0.
# - pr: anon pages scanned with -c in and with -c out are not 0 and add
#   up to no more than an unfiltered run's (kswapd's are in no cgroup).
# - paf (fail_page_alloc: patched kernel): with fault injection for A
#   and B, paf -c in counts exactly A's failed pipe writes.
# - -C (the CGROUP column), procstat's and dreclaim's (per interval,
#   while A and B live): A's cgroup and B's as /proc/PID/cgroup names
#   them, the memory controller's: in/sub and out.
# The memory controller moves to a v1 hierarchy only when no cgroup v2
# group uses it (so this test runs early: cli_test.sh uses none), and
# back only when the hierarchy is unmounted with no child cgroup left,
# dying ones included: the teardown waits for them.  Without a v1
# hierarchy the limits are v2's and the v1 checks skip, saying why.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/cgroup_test.$$
mkdir -p "$tmp"
v2=/sys/fs/cgroup/cgroup_test.$$
v1=$tmp/v1

# Checks per hierarchy: procstat, pagealloc, dreclaim; vmscan 2, pr, paf.
ptools="procstat pagealloc dreclaim"
tap_plan $((2 * 7 + 2))

# pids_of FILE: every "pid" of a tool's JSON, sorted, one line.
pids_of() {
	grep -o '"pid":[0-9]*' "$1" | cut -d : -f 2 | sort -un | tr '\n' ' '
}

# ---- the hierarchies -----------------------------------------------------
# Free the controller from cgroup v2 as vmscan_test.sh does: the dying
# groups of earlier tests go with their page cache and swap entries.
echo -memory > /sys/fs/cgroup/cgroup.subtree_control 2> /dev/null
sync
echo 3 > /proc/sys/vm/drop_caches
for dev in $(awk 'NR > 1 { print $1 }' /proc/swaps); do
	swapoff "$dev" && swapon "$dev"
done
mkdir -p $v1
i=0
while ! mount -t cgroup -o memory memstat_v1 $v1 2> "$tmp/v1.err" &&
      [ $i -lt 40 ]; do
	sleep 0.5
	i=$((i + 1))
done
hiers=v2
if grep -q " $v1 cgroup " /proc/mounts; then
	hiers="v1 v2"
	limit=$v1
	limit_file=memory.limit_in_bytes
else
	diag "no cgroup v1 memory hierarchy: $(cat "$tmp/v1.err")"
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control
	limit=$v2
	limit_file=memory.max
fi
dir_of() { [ $1 = v1 ] && echo $v1 || echo $v2; }
for h in v1 v2; do
	d=$(dir_of $h)
	[ $h = v1 ] && [ "$hiers" = v2 ] && continue
	mkdir -p $d/in/sub $d/out
done
if [ $limit = $v2 ]; then
	echo +memory > $v2/cgroup.subtree_control
	echo +memory > $v2/in/cgroup.subtree_control
fi
echo $((32 * 1024 * 1024)) > $limit/in/sub/$limit_file
echo $((32 * 1024 * 1024)) > $limit/out/$limit_file

# start_in LEAF NAME CMD...: run CMD in LEAF (in/sub or out) of every
# hierarchy; its pid in $tmp/NAME.pid.
start_in() {
	leaf=$1 name=$2
	shift 2
	join="echo \$\$ > $v2/$leaf/cgroup.procs"
	case $hiers in v1*) join="$join && echo \$\$ > $v1/$leaf/cgroup.procs" ;; esac
	rm -f "$tmp/$name.wl"
	sh -c "$join && exec \"\$@\"" sh "$@" > "$tmp/$name.wl" 2>&1 &
	echo $! > "$tmp/$name.pid"
}

# load: A and B each fault in 64 MiB through a 32 MiB limit, at once;
# returns when both hold their memory.
load() {
	start_in in/sub a memstat_workload hold --anon-kb 65536
	start_in out b memstat_workload hold --anon-kb 65536
	wait_for "$tmp/a.wl" '^ready' 1200
	wait_for "$tmp/b.wl" '^ready' 1200
}

unload() {
	for n in a b; do
		kill -TERM "$(cat "$tmp/$n.pid")" 2> /dev/null
		wait "$(cat "$tmp/$n.pid")" 2> /dev/null
	done
	rm -f "$tmp/a.wl" "$tmp/b.wl"
}

# The tracing tools, each with -c in and -c out of every hierarchy and
# without -c, over one load each: $tmp/TOOL.{all,HIER.in,HIER.out}.
for t in pagealloc dreclaim vmscan pr; do
	opts=
	[ $t = pagealloc ] && opts="-F 0 -R 1 -n 0"
	[ $t = dreclaim ] && opts="-n 0"
	pids=
	for which in all $(for h in $hiers; do echo $h.in $h.out; done); do
		cg=
		[ $which = all ] || cg="-c $(dir_of ${which%.*})/${which#*.}"
		# -C needs the processes alive: reports every second.
		[ $t$which = dreclaimall ] && cg="-C 1"
		$t -j $opts $cg > "$tmp/$t.$which" 2> "$tmp/$t.$which.err" &
		pids="$pids $!"
		wait_for "$tmp/$t.$which.err" 'tracing' 600
	done
	load
	cp "$tmp/a.pid" "$tmp/$t.a"
	cp "$tmp/b.pid" "$tmp/$t.b"
	if [ $t = pagealloc ]; then
		for h in $hiers; do
			procstat -j -n 0 -c $(dir_of $h)/in > "$tmp/procstat.$h.in" 2>&1
		done
		procstat -j -n 0 -C > "$tmp/procstat.cgcol" 2>&1
		cp "$tmp/a.pid" "$tmp/procstat.a"
		cp "$tmp/b.pid" "$tmp/procstat.b"
	fi
	# dreclaim -C 1: a report while both still live (with 64 KiB pages
	# a fill's reclaims can all fall in its last second).
	[ $t = dreclaim ] && sleep 3
	unload
	kill -INT $pids
	wait $pids
done

# paf: fail_page_alloc fails 4 pipe writes of A, then 4 of B.
fpa=/sys/kernel/debug/fail_page_alloc
if [ -w $fpa/times ]; then
	rm -f "$tmp/go.a" "$tmp/go.b"
	start_in in/sub a memstat_workload failpipe --writes 16 --go "$tmp/go.a"
	start_in out b memstat_workload failpipe --writes 16 --go "$tmp/go.b"
	wait_for "$tmp/a.wl" '^ready'
	wait_for "$tmp/b.wl" '^ready'
	pids=
	for h in $hiers; do
		paf -S -j -c $(dir_of $h)/in > "$tmp/paf.$h" 2> "$tmp/paf.$h.err" &
		pids="$pids $!"
		wait_for "$tmp/paf.$h.err" 'tracing' 600
	done
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
	kill -INT $pids
	wait $pids
	fa=$(sed -n 's/^pipe-writes .*failed=\([0-9]*\).*/\1/p' "$tmp/a.wl")
	fb=$(sed -n 's/^pipe-writes .*failed=\([0-9]*\).*/\1/p' "$tmp/b.wl")
	rm -f "$tmp/a.wl" "$tmp/b.wl"
fi

# ---- the checks, per hierarchy ---------------------------------------------
for h in v1 v2; do
	if ! echo " $hiers " | grep -q " $h "; then
		for i in 1 2 3 4 5 6 7; do
			skip "$h: no v1 memory hierarchy (cgroup v2 holds the controller)"
		done
		continue
	fi
	for t in $ptools; do
		a=$(cat "$tmp/$t.a")
		got=$(pids_of "$tmp/$t.$h.in")
		check "$h: $t -c: only the cgroup's process ($a; got ${got:-none})" \
			"$got" = "$a "
	done
	in=$(json_num memcg < "$tmp/vmscan.$h.in")
	out=$(json_num memcg < "$tmp/vmscan.$h.out")
	all=$(json_num memcg < "$tmp/vmscan.all")
	diag "$h: vmscan memcg reclaims: in ${in:-?} out ${out:-?} all ${all:-?}"
	check "$h: vmscan -c: memcg reclaims in the cgroup and outside it not 0" \
		"${in:-0}" -gt 0 -a "${out:-0}" -gt 0
	check "$h: vmscan -c: in + out = every memcg reclaim" \
		$((${in:-0} + ${out:-0})) -eq "${all:--1}"
	in=$(json_num scanned_anon_kib < "$tmp/pr.$h.in")
	out=$(json_num scanned_anon_kib < "$tmp/pr.$h.out")
	all=$(json_num scanned_anon_kib < "$tmp/pr.all")
	diag "$h: pr anon KiB scanned: in ${in:-?} out ${out:-?} all ${all:-?}"
	check "$h: pr -c: both scanned, in + out <= all" \
		"${in:-0}" -gt 0 -a "${out:-0}" -gt 0 -a \
		$((${in:-0} + ${out:-0})) -le "${all:--1}"
	if [ -w $fpa/times ]; then
		got=$(grep '"type":"summary"' "$tmp/paf.$h" | json_num failures)
		check "$h: paf -c: A's failures only (A ${fa:-?}, B ${fb:-?}, paf ${got:-?})" \
			"${got:--1}" -eq "${fa:--2}" -a "${fb:-0}" -gt 0
	else
		skip "$h: paf -c: no fail_page_alloc (CONFIG_FAIL_PAGE_ALLOC, debugfs)"
	fi
done

# ---- -C: the memory cgroup of A and of B -------------------------------
# /proc/PID/cgroup's path: the v1 memory hierarchy's, else cgroup v2's.
top=/$(basename $v2)
case $hiers in v1*) top= ;; esac
# cgroup_of FILE PID: the cgroups of PID's records in FILE, each once;
# not "-", a report after the process exited.
cgroup_of() {
	grep "\"pid\":$2," "$1" | sed -n 's/.*"cgroup":"\(\/[^"]*\)".*/\1/p' |
		sort -u | tr '\n' ' '
}
for t in procstat dreclaim; do
	f=$tmp/$t.cgcol
	[ $t = dreclaim ] && f=$tmp/dreclaim.all
	a=$(cgroup_of "$f" "$(cat "$tmp/$t.a")")
	b=$(cgroup_of "$f" "$(cat "$tmp/$t.b")")
	check "$t -C: A in $top/in/sub, B in $top/out (A: ${a:-none}; B: ${b:-none})" \
		"$a" = "$top/in/sub " -a "$b" = "$top/out "
done

for h in $hiers; do
	d=$(dir_of $h)
	rmdir $d/in/sub $d/in $d/out
done
rmdir $v2
if grep -q " $v1 cgroup " /proc/mounts; then
	# The workloads' swap entries in the per-CPU swap slot caches hold
	# their memory cgroups: a swapoff drains them.
	for dev in $(awk 'NR > 1 { print $1 }' /proc/swaps); do
		swapoff "$dev" && swapon "$dev"
	done
	memcgs() { awk -v f=$1 '$1 == "memory" { print $f }' /proc/cgroups; }
	# Page cache and slab objects charged to them keep dying groups
	# too (the stock kernel charges kmem): reclaimed every 2 s.
	i=0
	while [ "$(memcgs 3)" != 1 ] && [ $i -lt 900 ]; do
		[ $((i % 20)) != 0 ] || { sync; echo 3 > /proc/sys/vm/drop_caches; }
		sleep 0.1
		i=$((i + 1))
	done
	umount $v1
	while [ "$(memcgs 2)" != 0 ] && [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	diag "memory controller back in cgroup v2 after $((i / 10)) s:" \
	     "$(awk '$1 == "memory"' /proc/cgroups)"
fi
rm -rf "$tmp"
tap_exit
