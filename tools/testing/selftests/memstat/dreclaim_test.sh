#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dreclaim against /proc/vmstat: four threads fault in MemAvailable + 100
# MiB of anon memory (same-filled pages, which zram swap keeps almost for
# free) with vm.min_free_kbytes lowered to 8 MiB, so that kswapd wakes only
# 2 MiB (watermark_scale_factor) above the min watermark and the threads
# outrun it into direct reclaim, while an idle process holds 1 MiB.  Three
# dreclaim instances watch the same window: all processes (-j), one line
# per reclaim (-j -e) and the loaded process only (-j -p); a fourth prints
# its table (-H).  Direct reclaims must equal the allocstall_* delta, the
# LRU pages they reclaimed the pgsteal_direct delta, kswapd runs the
# pageoutrun delta; the loaded process carries the reclaims, the idle one
# none.  Nothing else reclaims in the VM, so the window can be wider than
# the load.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
[ "$(wc -l < /proc/swaps)" -gt 1 ] ||
	{ echo "1..0 # SKIP needs a swap device"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/dreclaim_test.$$
mkdir -p "$tmp"

tap_plan 13

# per_line KEY: the number for "KEY" on every line of stdin.
per_line() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }

memstat_workload hold --anon-kb 1024 > "$tmp/idle" &
idle=$!
wait_for "$tmp/idle" '^ready'

# The loaded process stops itself before it starts, so that dreclaim -p
# can name it; its pid stays the same through exec.
sh -c 'kill -STOP $$; exec memstat_workload pressure --anon-kb "$(cat '"$tmp"'/kb)" --threads 4' \
	> "$tmp/wl" 2>&1 &
wpid=$!
i=0
while [ "$(awk '{ print $3 }' /proc/$wpid/stat 2> /dev/null)" != T ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done

dreclaim -j > "$tmp/all" 2> "$tmp/all.err" &
all=$!
dreclaim -j -e > "$tmp/ev" 2> "$tmp/ev.err" &
ev=$!
dreclaim -j -p $wpid > "$tmp/one" 2> "$tmp/one.err" &
one=$!
dreclaim -H > "$tmp/text" 2> "$tmp/text.err" &
text=$!
for f in all ev one text; do wait_for "$tmp/$f.err" 'tracing'; done

min_free=$(cat /proc/sys/vm/min_free_kbytes)
echo 8192 > /proc/sys/vm/min_free_kbytes
avail=$(awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo)
echo $((avail + 102400)) > "$tmp/kb"
diag "min_free_kbytes $min_free -> 8192; MemAvailable $avail KiB; loading $((avail + 102400)) KiB"

b_stall=$(allocstall)
b_steal=$(vmstat pgsteal_direct)
b_runs=$(vmstat pageoutrun)
b_write=$(vmstat nr_vmscan_write)
kill -CONT $wpid
i=0
while ! grep -q '^ready' "$tmp/wl" && [ $i -lt 1800 ] && kill -0 $wpid 2> /dev/null; do
	sleep 0.1
	i=$((i + 1))
done
diag "load: $(cat "$tmp/wl")"
kill -TERM $wpid
wait $wpid
echo "$min_free" > /proc/sys/vm/min_free_kbytes
sleep 1
stall=$(($(allocstall) - b_stall))
steal=$(($(vmstat pgsteal_direct) - b_steal))
runs=$(($(vmstat pageoutrun) - b_runs))
diag "nr_vmscan_write +$(($(vmstat nr_vmscan_write) - b_write))"
for p in $all $ev $one $text; do kill -INT $p; done
rc=0
for p in $all $ev $one $text; do wait $p || rc=$?; done
kill -TERM $idle
wait $idle

sum=$(grep '"type":"summary"' "$tmp/all")
check "dreclaim: four instances ran and ended cleanly (exit $rc)" \
	$rc -eq 0 -a -n "$sum"
direct=$(echo "$sum" | json_num direct)
diag "direct reclaims: dreclaim $direct, allocstall_* +$stall"
check "dreclaim: the load stalled in direct reclaim" "$stall" -gt 0
check "dreclaim: direct reclaims = allocstall delta ($direct vs $stall)" \
	"${direct:-x}" = "$stall"
v=$(echo "$sum" | json_num pgsteal_direct)
check "dreclaim: LRU pages of global direct reclaim = pgsteal_direct delta ($v vs $steal)" \
	"${v:-x}" = "$steal"
d=$(echo "$sum" | json_num direct_lru_pages)
check "dreclaim: all of them were charged to a traced direct reclaim ($d vs $v)" \
	-n "$d" -a "$d" = "${v:-x}"
v=$(echo "$sum" | json_num kswapd_runs)
check "dreclaim: kswapd runs = pageoutrun delta ($v vs $runs)" "${v:-x}" = "$runs"

# Per process: the loaded one carries the reclaims, the idle one has none.
total=0
for n in $(grep '"type":"proc"' "$tmp/all" | per_line direct); do
	total=$((total + n))
done
wl=$(grep "\"type\":\"proc\",\"pid\":$wpid," "$tmp/all" | json_num direct)
id=$(grep "\"type\":\"proc\",\"pid\":$idle," "$tmp/all" | json_num direct)
diag "per process: load $wl, idle ${id:-no record}, sum $total"
check "dreclaim: per-process reclaims add up to the total ($total vs $direct)" \
	"$total" = "${direct:-x}"
check "dreclaim: the loaded process is charged ($wl of $direct)" "${wl:-0}" -gt 0
check "dreclaim: the idle process is not" "${id:-0}" -eq 0

# -p: the kernel filter keeps exactly the loaded process.
v=$(grep '"type":"summary"' "$tmp/one" | json_num direct)
others=$(grep '"type":"proc"' "$tmp/one" | grep -c -v "\"pid\":$wpid,")
check "dreclaim -p: counts the loaded process only ($v vs $wl; other pids: $others)" \
	"${v:-x}" = "${wl:-y}" -a "$others" -eq 0

# -e: one line per direct reclaim.
n=$(grep -c '"type":"event".*"kind":"direct"' "$tmp/ev")
check "dreclaim -e: one event per direct reclaim ($n vs $stall)" "$n" = "$stall"
lat=$(grep '"type":"event"' "$tmp/ev" | head -n 1 | json_num latency_ns)
check "dreclaim -e: events carry a latency" "${lat:-0}" -gt 0
# The table: the loaded process's row says the same.
v=$(awk -v p=$wpid '$1 == p { print $3; exit }' "$tmp/text")
check "dreclaim -H: the table shows the loaded process's reclaims ($v vs $wl)" \
	"${v:-x}" = "${wl:-y}"
sed 's/^/# /' "$tmp/text"
head -n 4 "$tmp/ev" | sed 's/^/# /'
for f in all ev one text; do
	grep -v tracing "$tmp/$f.err" | while read -r l; do diag "$f: $l"; done
done
rm -rf "$tmp"
tap_exit
