#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vmscan against the kernel's own accounts of reclaim, over one window of
# four phases, each making one kind of reclaim happen:
# 1. memcg limit reclaim: a process faults in 96 MiB of anon memory inside
#    a cgroup v2 limited to 48 MiB (memory.max; zram swap takes the rest);
# 2. slab shrinking: 5000 negative dentries, then drop_caches=2 runs
#    every shrinker;
# 3. global reclaim: four threads fault in MemAvailable + 100 MiB with
#    vm.min_free_kbytes lowered to 8 MiB: direct reclaim and kswapd;
#    meanwhile a cgroup v1 memory group 48 MiB over its 16 MiB soft limit
#    (where the kernel lets the memory controller move to a v1 hierarchy),
#    which global reclaim shrinks first (soft limit reclaim).
# Ground truth:
# - memory.events "max" (one per memcg reclaim, counted by try_charge()
#   right before it) and memory.stat pgsteal of the cgroup;
# - /proc/vmstat over the window: allocstall_*, pgsteal_direct,
#   pgsteal_kswapd, pageoutrun, nr_vmscan_write;
# - per-task delay accounting (taskstats) of the phase-1 process: its
#   memcg reclaims and their time;
# - the same tracepoints read through a tracefs instance: count, latency
#   (timestamps) and pages of every reclaim of each kind and of every
#   shrinker call, kswapd wakeup requests, pageout() writes of anon and
#   file pages.
# The per-interval rows and their histograms must add up to the summary.
# Nothing else reclaims in the VM, so the window can be wider than the
# loads.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
root=/sys/fs/cgroup
[ -w $root/cgroup.subtree_control ] ||
	{ echo "1..0 # SKIP no cgroup2 at $root"; exit $ksft_skip; }
[ "$(wc -l < /proc/swaps)" -gt 1 ] ||
	{ echo "1..0 # SKIP needs a swap device"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/vmscan_test.$$
mkdir -p "$tmp"

tap_plan 28

eps_us=$lat_eps_us

# field FILE KEY: "KEY N" lines (memory.stat, memory.events).
field() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
# hist_count KEY: the counts of every slot of histogram "KEY" on stdin.
hist_count() {
	sed -n "s/.*\"$1\":\[\([^]]*\)\].*/\1/p" | tr '}' '\n' |
		sed -n 's/.*"count":\([0-9]*\).*/\1/p'
}
# json_pages KEY: "KEY" (KiB) on stdin in pages, as the kernel counts.
json_pages() { _v=$(json_num "$1"); [ -z "$_v" ] || echo $((_v / page_kib)); }
# about A_NS B_US N: A (ns) and B (us) differ by at most N * eps_us.
about() { within "$(($1 / 1000))" "$2" $(($3 * eps_us)); }

# The trace first: its probe runs before vmscan's at both ends.
trace_start vmscan_test vmscan/mm_vmscan_direct_reclaim_begin vmscan/mm_vmscan_direct_reclaim_end \
	vmscan/mm_vmscan_memcg_reclaim_begin vmscan/mm_vmscan_memcg_reclaim_end \
	vmscan/mm_vmscan_memcg_softlimit_reclaim_begin \
	vmscan/mm_vmscan_memcg_softlimit_reclaim_end \
	vmscan/mm_shrink_slab_start vmscan/mm_shrink_slab_end \
	vmscan/mm_vmscan_wakeup_kswapd vmscan/mm_vmscan_writepage \
	vmscan/mm_vmscan_lru_shrink_inactive
check "tracefs instance with the vmscan events" $? -eq 0
vmscan -H -j 1 > "$tmp/out" 2> "$tmp/err" &
vpid=$!
vmscan > "$tmp/text" 2> "$tmp/text.err" &
tpid=$!
wait_for "$tmp/err" tracing
wait_for "$tmp/text.err" tracing

b_stall=$(allocstall)
b_runs=$(vmstat pageoutrun)
b_write=$(vmstat nr_vmscan_write)
b_pgsteal_direct=$(vmstat pgsteal_direct)
b_pgsteal_kswapd=$(vmstat pgsteal_kswapd)

# ---- 1. memcg limit reclaim ---------------------------------------------
echo +memory > $root/cgroup.subtree_control ||
	diag "memory controller not available in cgroup2 (a v1 hierarchy holds it)"
cg=$root/vmscan_test.$$
mkdir $cg
echo $((48 * 1024 * 1024)) > $cg/memory.max
b_max=$(field $cg/memory.events max)
b_steal=$(field $cg/memory.stat pgsteal)
sh -c "echo \$\$ > $cg/cgroup.procs
	exec memstat_workload hold --anon-kb 98304" > "$tmp/wl" &
wpid=$!
wait_for "$tmp/wl" '^ready' 1200
wait_asleep $wpid sigtimedwait
# Out of the cgroup and its limit lifted before it exits: the swap-ins
# of its exit charge the cgroup that owns the swap entries and, at the
# limit, would reclaim there after the counts are read.
echo $wpid > $root/cgroup.procs
delay=$(reclaim_delay -t $wpid)
max=$(($(field $cg/memory.events max) - b_max))
steal=$(($(field $cg/memory.stat pgsteal) - b_steal))
trace_mark vmscan_test "memstat: phase 1 counted"
echo max > $cg/memory.max
kill -TERM $wpid
wait $wpid
# The process's output is a tmpfs page charged to the cgroup: gone with
# the file, it no longer keeps the dead cgroup around.
rm -f "$tmp/wl"
rmdir $cg
echo -memory > $root/cgroup.subtree_control 2>/dev/null

# ---- 2. slab shrinking --------------------------------------------------
i=0
while [ $i -lt 5000 ]; do
	[ -e "$tmp/nothing.$i" ]
	i=$((i + 1))
done
echo 2 > /proc/sys/vm/drop_caches
trace_mark vmscan_test "memstat: phase 2 done"

# ---- 3. global reclaim, soft limit reclaim --------------------------------
v1=$tmp/memcg-v1
soft=""
mkdir -p $v1
# The memory controller moves to a v1 hierarchy only when no v2 cgroup
# uses it, dying ones included: write back and drop the page cache they
# are charged with, and the swap entries parked in the per-CPU swap slot
# caches (a swapoff drains them), and give them 20 s to go.
sync
echo 3 > /proc/sys/vm/drop_caches
for dev in $(awk 'NR > 1 { print $1 }' /proc/swaps); do
	swapoff "$dev" && swapon "$dev"
done
i=0
while ! mount -t cgroup -o memory memstat_v1 $v1 2> "$tmp/v1.err" && [ $i -lt 40 ]; do
	sleep 0.5
	i=$((i + 1))
done
if grep -q " $v1 cgroup " /proc/mounts; then
	soft=$v1/soft
	mkdir $soft
	echo $((16 * 1024 * 1024)) > $soft/memory.soft_limit_in_bytes
	sh -c "echo \$\$ > $soft/cgroup.procs
		exec memstat_workload hold --anon-kb 65536" > "$tmp/soft.wl" &
	spid=$!
	wait_for "$tmp/soft.wl" '^ready' 1200
else
	diag "no cgroup v1 memory hierarchy: $(cat "$tmp/v1.err")"
	diag "memory cgroups: $(awk '$1 == "memory"' /proc/cgroups); in $root:" \
	     "$(ls $root | grep -v '^cgroup\.' | tr '\n' ' ')"
fi
global_pressure "$tmp/pr.wl"
if [ -n "$soft" ]; then
	kill -TERM $spid
	wait $spid
	rmdir $soft
	umount $v1
fi
sleep 1

stall=$(($(allocstall) - b_stall))
runs=$(($(vmstat pageoutrun) - b_runs))
write=$(($(vmstat nr_vmscan_write) - b_write))
pgsteal_direct=$(($(vmstat pgsteal_direct) - b_pgsteal_direct))
pgsteal_kswapd=$(($(vmstat pgsteal_kswapd) - b_pgsteal_kswapd))
trace_stop vmscan_test "$tmp/trace"
traced=$?
kill -INT $vpid $tpid
wait $vpid
rc=$?
wait $tpid || rc=$?

sum=$(grep '"type":"summary"' "$tmp/out")
check "vmscan: two instances ran and ended cleanly, trace complete (exit $rc)" \
	$rc -eq 0 -a -n "$sum" -a $traced -eq 0

# ---- the kernel's counters ------------------------------------------------
memcg=$(echo "$sum" | json_num memcg)
memcg_ns=$(echo "$sum" | json_num memcg_ns)
diag "memcg reclaims: vmscan $memcg in $memcg_ns ns, memory.events max +$max"
check "vmscan: the cgroup reclaimed itself" "$max" -gt 0
check "vmscan: memcg reclaims = memory.events max delta ($memcg vs $max)" \
	"${memcg:-x}" = "$max"
# vmscan counts every task's memcg reclaims, the cgroup only its own: a
# difference is named from the trace, with the phase marks around it.
[ "${memcg:-x}" = "$max" ] ||
	grep -E 'mm_vmscan_memcg_reclaim_begin|tracing_mark_write' "$tmp/trace" |
	grep -v -E "\( *$wpid\)" | head -n 12 | while read -r l; do diag "other: $l"; done
# The phase 1 process reclaims in its cgroup only: its threads' LRU pages
# are memcg reclaim's.  memory.stat's event counts trail by a batch a CPU.
v=$(echo "$sum" | json_pages memcg_lru_kib)
t=$(trace_lines "$tmp/trace" mm_vmscan_lru_shrink_inactive |
    awk -v p=$wpid '$2 == p { sub(/nr_reclaimed=/, "", $6); s += $6 } END { print s + 0 }')
lag=$(memcg_lag)
check "vmscan: memcg LRU pages = trace ($v, $t), memory.stat pgsteal +$steal +-$lag" \
	"${v:-x}" = "$t" -a "$t" -gt 0 -a "$t" -ge $((steal - lag)) -a "$t" -le $((steal + lag))
dcount=${delay%% *} dns=${delay##* }
diag "phase 1 process: taskstats ${dcount:-?} reclaims in ${dns:-?} ns"
check "vmscan: memcg reclaims = the process's taskstats count ($memcg vs ${dcount:-?})" \
	"${memcg:-x}" = "${dcount:-y}"
check "vmscan: memcg time covers freepages_delay_total, + at most $eps_us us each" \
	-n "$dns" -a "${memcg_ns:-0}" -ge "${dns:-1}" -a \
	"${memcg_ns:-0}" -le $(( ${dns:-0} + ${memcg:-0} * eps_us * 1000 ))
v=$(echo "$sum" | json_num direct)
check "vmscan: direct reclaims = allocstall delta ($v vs $stall, > 0)" \
	"${v:-x}" = "$stall" -a "$stall" -gt 0
d=$(echo "$sum" | json_pages direct_lru_kib)
o=$(echo "$sum" | json_pages other_lru_kib)
s=$(echo "$sum" | json_pages softlimit_lru_kib)
k=$(echo "$sum" | json_pages kswapd_lru_kib)
diag "global reclaim LRU pages: direct $d + other $o, kswapd $k, soft limit $s"
check "vmscan: direct + other LRU pages = pgsteal_direct delta ($d + $o vs $pgsteal_direct)" \
	-n "$d" -a -n "$o" -a "$((d + o))" = "$pgsteal_direct" -a "$d" -gt 0
check "vmscan: kswapd LRU pages = pgsteal_kswapd delta ($k vs $pgsteal_kswapd, > 0)" \
	"${k:-x}" = "$pgsteal_kswapd" -a "$pgsteal_kswapd" -gt 0
v=$(echo "$sum" | json_num kswapd_runs)
check "vmscan: kswapd runs = pageoutrun delta ($v vs $runs)" "${v:-x}" = "$runs"
a=$(echo "$sum" | json_pages writepage_anon_kib)
f=$(echo "$sum" | json_pages writepage_file_kib)
lag=$(vmstat_lag)
check "vmscan: pages written = nr_vmscan_write delta ($a anon + $f file vs $write +-$lag)" \
	-n "$a" -a -n "$f" -a "$((a + f))" -ge $((write - lag)) -a "$((a + f))" -le $((write + lag))

# ---- the tracepoints' own records, kind by kind ------------------------
# compare_kind KIND BEGIN END WHAT MOVED: count, time, pages (WHAT) and
# histogram, of which MOVED values may sit in a neighbouring slot.
compare_kind() {
	trace_pairs "$tmp/trace" "$2" "$3" > "$tmp/pairs.$1"
	awk '{ print $3 }' "$tmp/pairs.$1" > "$tmp/lat.$1"
	n=$(wc -l < "$tmp/lat.$1")
	t_us=$(awk '{ s += $1 } END { printf "%d", s }' "$tmp/lat.$1")
	# The end event's last number: nr_reclaimed=N, or a shrinker's
	# "last shrinker return val N" (objects freed by that call).
	pages=$(awk '{ v = $NF; sub(/.*=/, "", v); s += v } END { print s + 0 }' "$tmp/pairs.$1")
	c=$(echo "$sum" | json_num "$1")
	ns=$(echo "$sum" | json_num "$1_ns")
	if [ "$4" = freed ]; then
		got=$(echo "$sum" | json_num "$1_$4")
	else
		got=$(echo "$sum" | json_pages "$1_$4_kib")
	fi
	h=$(echo "$sum" | sed -n "s/.*\"$1_hist_us\":\(\[[^]]*\]\).*/\1/p")
	diag "$1: vmscan $c in ${ns}ns, $4 $got; trace $n in ${t_us}us, $pages"
	why=$(hist_matches "$h" "$tmp/lat.$1" "$5" "${ns:-0}")
	hist_ok=$?
	time_ok=0
	about "${ns:-0}" "$t_us" "$n" && time_ok=1
	check "vmscan: $1 count, time, $4, histogram = trace's (histogram: $why)" \
		"${c:-x}" = "$n" -a "${got:-x}" = "$pages" -a $hist_ok -eq 0 -a $time_ok -eq 1
}
# Reclaims take milliseconds: 2 % of them (+ 2) may cross a slot boundary
# between the two probes.  Shrinker calls take microseconds, the probes'
# own run time: their histogram is compared by count only.
most() { echo $(($(trace_pairs "$tmp/trace" "$1" "$2" | wc -l) / 50 + 2)); }
compare_kind memcg mm_vmscan_memcg_reclaim_begin mm_vmscan_memcg_reclaim_end reclaimed \
	"$(most mm_vmscan_memcg_reclaim_begin mm_vmscan_memcg_reclaim_end)"
compare_kind direct mm_vmscan_direct_reclaim_begin mm_vmscan_direct_reclaim_end reclaimed \
	"$(most mm_vmscan_direct_reclaim_begin mm_vmscan_direct_reclaim_end)"
compare_kind slab mm_shrink_slab_start mm_shrink_slab_end freed 1000000
check "vmscan: shrinkers ran (phase 2, $(wc -l < "$tmp/lat.slab") calls)" \
	"$(wc -l < "$tmp/lat.slab")" -gt 0
if [ -n "$soft" ]; then
	compare_kind softlimit mm_vmscan_memcg_softlimit_reclaim_begin \
		mm_vmscan_memcg_softlimit_reclaim_end reclaimed \
		"$(most mm_vmscan_memcg_softlimit_reclaim_begin \
			mm_vmscan_memcg_softlimit_reclaim_end)"
	# Soft limit reclaim shrinks only LRU lists: what it reports.
	check "vmscan: soft limit LRU pages = its end events' nr_reclaimed ($s vs $pages, > 0)" \
		"${s:-x}" = "$pages" -a "$pages" -gt 0
else
	skip "vmscan: soft limit reclaim: no cgroup v1 memory controller here"
	skip "vmscan: soft limit LRU pages: no cgroup v1 memory controller here"
fi
trace_lines "$tmp/trace" mm_vmscan_writepage > "$tmp/writes"
ta=$(grep -c 'RECLAIM_WB_ANON' "$tmp/writes")
tf=$(grep -c 'RECLAIM_WB_FILE' "$tmp/writes")
check "vmscan: anon and file pages written = writepage events ($a/$f vs $ta/$tf)" \
	"${a:-x}" = "$ta" -a "${f:-x}" = "$tf"
v=$(echo "$sum" | json_num kswapd_wakeups)
t=$(trace_lines "$tmp/trace" mm_vmscan_wakeup_kswapd | wc -l)
check "vmscan: kswapd wakeup requests = the trace's ($v vs $t, > 0)" "${v:-x}" = "$t" -a "$t" -gt 0

# ---- intervals and the table -------------------------------------------
for k in memcg direct slab; do
	n=$(grep '"type":"interval"' "$tmp/out" | json_nums "$k" | sum)
	c=$(echo "$sum" | json_num "$k")
	check "vmscan: $k interval rows add up to the summary ($n vs $c)" "$n" = "${c:-x}"
	n=$(grep '"type":"interval"' "$tmp/out" | hist_count "${k}_hist_us" | sum)
	check "vmscan -H: $k interval histograms count every call ($n vs $c)" "$n" = "${c:-x}"
done
v=$(awk '$1 == "total" { print $7 }' "$tmp/text")
check "vmscan: the table's MEMCG column says the same ($v vs $memcg)" \
	"${v:-x}" = "${memcg:-y}"
v=$(awk '$1 == "total" { print $2 }' "$tmp/text")
c=$(echo "$sum" | json_num slab)
check "vmscan: the table's SLAB column says the same ($v vs $c)" "${v:-x}" = "${c:-y}"
sed 's/^/# /' "$tmp/text" | tail -n 10
grep -v tracing "$tmp/text.err" | while read -r l; do diag "text stderr: $l"; done
grep -v tracing "$tmp/err" | while read -r l; do diag "stderr: $l"; done
rm -rf "$tmp"
tap_exit
