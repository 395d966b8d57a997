#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# migrate on two NUMA nodes (run-vm.sh boots the stock kernel once more
# with two for this test; with one node it is skipped).  memstat_workload
# numa-move puts N pages on node 0; in a window mbind() moves them to
# node 1 (reason mempolicy_mbind) and move_pages(2) back (reason
# syscall_or_cpuset), and move_pages' query says where each page is.
#
# Ground truth: those moves, page by page, for the workload's rows;
# the pgmigrate_success and pgmigrate_fail deltas of /proc/vmstat (read
# while the instances trace, once migration went quiet) for the totals
# per reason of every process.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
nodes=$(ls -d /sys/devices/system/node/node[0-9]* 2> /dev/null | wc -l)
[ "$nodes" -ge 2 ] ||
	{ echo "1..0 # SKIP needs two NUMA nodes (run-vm.sh's numa VM)"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/migrate_numa_test.$$
mkdir -p "$tmp"

tap_plan 6

N=307
counters="pgmigrate_success pgmigrate_fail"
delta() { echo $(($(kv "$1" < "$tmp/v1") - $(kv "$1" < "$tmp/v0"))); }

memstat_workload numa-move --pages $N > "$tmp/wl" 2>&1 &
wpid=$!
wait_for "$tmp/wl" '^waiting'
wait_asleep $wpid sigtimedwait
migrate -j -p $wpid > "$tmp/one" 2> "$tmp/one.err" &
one=$!
migrate -j -n 0 > "$tmp/all" 2> "$tmp/all.err" &
all=$!
for f in one all; do
	wait_for "$tmp/$f.err" tracing || diag "$f: $(cat "$tmp/$f.err")"
done
vmstat_quiet "$counters" "$tmp"
vmstat_snap "$counters" > "$tmp/v0"
kill -USR1 $wpid
wait_for "$tmp/wl" '^done' 1200
vmstat_quiet "$counters" "$tmp"
vmstat_snap "$counters" > "$tmp/v1"
kill -INT $one $all
rc=0
wait $one || rc=$?
wait $all || rc=$?
kill -TERM $wpid
wait $wpid
d=$(grep '^done' "$tmp/wl")
diag "workload: $(grep '^waiting' "$tmp/wl"); $d"
mb=$(echo "$d" | kv mbind) mp=$(echo "$d" | kv move_pages)
check "workload: $N pages on node 0, moved to node 1 and back ($mb, $mp)" \
	"$(grep '^waiting' "$tmp/wl" | kv on0)" = $N -a "$mb" = $N -a "$mp" = $N -a \
	"$(echo "$d" | kv on0)" = $N
check "migrate: two instances ran and ended cleanly (exit $rc)" \
	$rc -eq 0 -a -n "$(grep '"type":"summary"' "$tmp/one")"

# row FILE REASON KEY: the workload's KEY for REASON.
row() {
	grep "\"type\":\"proc\",\"pid\":$wpid,.*\"reason\":\"$2\"" "$1" | json_num "$3"
}
r1=$(row "$tmp/one" mempolicy_mbind succeeded)
r2=$(row "$tmp/one" syscall_or_cpuset succeeded)
f=$(grep "\"type\":\"proc\",\"pid\":$wpid," "$tmp/one" | json_nums failed | sum)
diag "rows: $(grep '"type":"proc"' "$tmp/one" | tr '\n' ' ')"
check "migrate -p: mempolicy_mbind moved the $mb pages mbind() moved ($r1)" "$r1" = "$mb"
check "migrate -p: syscall_or_cpuset moved the $mp pages move_pages() moved ($r2), none failed" \
	"$r2" = "$mp" -a "$f" = 0
a1=$(row "$tmp/all" mempolicy_mbind succeeded)
a2=$(row "$tmp/all" syscall_or_cpuset succeeded)
check "migrate (every process): the workload's rows say the same ($a1, $a2)" \
	"$a1 $a2" = "$mb $mp"
reasons=$(grep '"type":"reason"' "$tmp/all")
s=$(echo "$reasons" | json_nums succeeded | sum)
f=$(echo "$reasons" | json_nums failed | sum)
check "migrate: every reason's pages moved, not = pgmigrate_success, _fail ($s, $f)" \
	"$s $f" = "$(delta pgmigrate_success) $(delta pgmigrate_fail)"

rm -rf "$tmp"
tap_exit
