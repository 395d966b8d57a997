#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vmscan against memory.events, memory.stat and /proc/vmstat: a process
# faults in 96 MiB of anon memory inside a memory cgroup limited to 48 MiB
# (memory.max only, set before the window; zram swap takes the rest), so
# the cgroup reclaims itself.  Over the same window vmscan's memcg
# reclaims must equal the cgroup's memory.events "max" delta (try_charge()
# counts one right before each try_to_free_mem_cgroup_pages()), the LRU
# pages they reclaimed the cgroup's memory.stat pgsteal delta, and direct
# reclaims, kswapd runs, reclaim writes and LRU pages of global reclaim
# the allocstall_*, pageoutrun, nr_vmscan_write and
# pgsteal_{direct,kswapd} deltas (memcg reclaim counts in memory.stat, not
# in the last two).  The per-interval rows and their histograms must add
# up to the summary.  Nothing else reclaims in the VM (2 GiB, the load
# stays far from global pressure), so the window can be wider than the
# load.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
root=/sys/fs/cgroup
[ -w $root/cgroup.subtree_control ] ||
	{ echo "1..0 # SKIP no cgroup2 at $root"; exit $ksft_skip; }
[ "$(wc -l < /proc/swaps)" -gt 1 ] ||
	{ echo "1..0 # SKIP needs a swap device"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/vmscan_test.$$
mkdir -p "$tmp"

tap_plan 13

# field FILE KEY: "KEY N" lines (memory.stat, memory.events).
field() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
# per_line KEY: the number for "KEY" on every line of stdin.
per_line() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
# hist_count KEY: the counts of every slot of histogram "KEY" on stdin.
hist_count() {
	sed -n "s/.*\"$1\":\[\([^]]*\)\].*/\1/p" | tr '}' '\n' |
		sed -n 's/.*"count":\([0-9]*\).*/\1/p'
}
sum() { s=0; while read -r n; do s=$((s + n)); done; echo $s; }

echo +memory > $root/cgroup.subtree_control
cg=$root/vmscan_test.$$
mkdir $cg
echo $((48 * 1024 * 1024)) > $cg/memory.max

vmscan -H -j 1 > "$tmp/out" 2> "$tmp/err" &
vpid=$!
vmscan > "$tmp/text" 2> "$tmp/text.err" &
tpid=$!
i=0
while ! grep -q tracing "$tmp/err" || ! grep -q tracing "$tmp/text.err"; do
	[ $i -lt 600 ] || break
	sleep 0.1
	i=$((i + 1))
done

b_max=$(field $cg/memory.events max)
b_steal=$(field $cg/memory.stat pgsteal)
b_stall=$(allocstall)
b_runs=$(vmstat pageoutrun)
b_write=$(vmstat nr_vmscan_write)
b_pgsteal_direct=$(vmstat pgsteal_direct)
b_pgsteal_kswapd=$(vmstat pgsteal_kswapd)
sh -c "echo \$\$ > $cg/cgroup.procs
	exec memstat_workload hold --anon-kb 98304" > "$tmp/wl" &
wpid=$!
i=0
while ! grep -q '^ready' "$tmp/wl" && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM $wpid
wait $wpid
sleep 1
max=$(($(field $cg/memory.events max) - b_max))
steal=$(($(field $cg/memory.stat pgsteal) - b_steal))
stall=$(($(allocstall) - b_stall))
runs=$(($(vmstat pageoutrun) - b_runs))
write=$(($(vmstat nr_vmscan_write) - b_write))
pgsteal_direct=$(($(vmstat pgsteal_direct) - b_pgsteal_direct))
pgsteal_kswapd=$(($(vmstat pgsteal_kswapd) - b_pgsteal_kswapd))
kill -INT $vpid $tpid
wait $vpid
rc=$?
wait $tpid || rc=$?
rmdir $cg

sum=$(grep '"type":"summary"' "$tmp/out")
check "vmscan: two instances ran and ended cleanly (exit $rc)" $rc -eq 0 -a -n "$sum"
memcg=$(echo "$sum" | json_num memcg)
memcg_ns=$(echo "$sum" | json_num memcg_ns)
diag "memcg reclaims: vmscan $memcg in $memcg_ns ns, memory.events max +$max"
check "vmscan: the cgroup reclaimed itself" "$max" -gt 0
check "vmscan: memcg reclaims = memory.events max delta ($memcg vs $max)" \
	"${memcg:-x}" = "$max"
check "vmscan: memcg reclaim time > 0" "${memcg_ns:-0}" -gt 0
v=$(echo "$sum" | json_num memcg_lru_pages)
check "vmscan: memcg LRU pages = memory.stat pgsteal delta ($v vs $steal)" \
	"${v:-x}" = "$steal"
d=$(echo "$sum" | json_num direct_lru_pages)
o=$(echo "$sum" | json_num other_lru_pages)
k=$(echo "$sum" | json_num kswapd_lru_pages)
diag "global reclaim LRU pages: direct $d + other $o, kswapd $k"
check "vmscan: = pgsteal_direct +$pgsteal_direct, pgsteal_kswapd +$pgsteal_kswapd" \
	-n "$d" -a -n "$o" -a "$((d + o))" = "$pgsteal_direct" -a "${k:-x}" = "$pgsteal_kswapd"
v=$(echo "$sum" | json_num direct)
check "vmscan: direct reclaims = allocstall delta ($v vs $stall)" "${v:-x}" = "$stall"
v=$(echo "$sum" | json_num kswapd_runs)
check "vmscan: kswapd runs = pageoutrun delta ($v vs $runs)" "${v:-x}" = "$runs"
a=$(echo "$sum" | json_num writepage_anon)
f=$(echo "$sum" | json_num writepage_file)
check "vmscan: pages written = nr_vmscan_write delta ($a anon + $f file vs $write)" \
	-n "$a" -a -n "$f" -a "$((a + f))" = "$write"

# Intervals and their histograms add up to the summary.
n=$(grep '"type":"interval"' "$tmp/out" | per_line memcg | sum)
check "vmscan: interval rows add up to the summary ($n vs $memcg)" "$n" = "${memcg:-x}"
n=$(grep '"type":"interval"' "$tmp/out" | hist_count memcg_hist_usec | sum)
check "vmscan -H: interval histograms count every memcg reclaim ($n vs $memcg)" \
	"$n" = "${memcg:-x}"
n=$(echo "$sum" | hist_count memcg_hist_usec | sum)
check "vmscan -H: the summary histogram too ($n vs $memcg)" "$n" = "${memcg:-x}"
v=$(awk '$1 == "total" { print $8 }' "$tmp/text")
check "vmscan: the table's MEMCG column says the same ($v vs $memcg)" \
	"${v:-x}" = "${memcg:-y}"
sed 's/^/# /' "$tmp/text"
grep -v tracing "$tmp/text.err" | while read -r l; do diag "text stderr: $l"; done
grep -v tracing "$tmp/err" | while read -r l; do diag "stderr: $l"; done
rm -rf "$tmp"
tap_exit
