#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# compact against /proc/vmstat.  memstat_workload fragment fills memory
# with base pages and frees every other one, then write-faults 96
# THP-eligible regions with THP defrag "always": each fault compacts
# directly (where a THP is 512 MiB, arm64's 64 KiB pages, it grows the
# 2 MiB hugetlb pool by 96 pages instead: frag_args).  Then
# /proc/sys/vm/compact_memory compacts every zone (manual).  Three
# instances watch: every process (-j -H), the workload (-p) and text.
#
# Ground truth: the deltas of compact_stall, compact_success,
# compact_fail, compact_migrate_scanned, compact_free_scanned,
# compact_isolated, pgmigrate_success and pgmigrate_fail from the moment
# the counted instance traces until compaction went quiet again, while
# it still runs (nothing else compacts or migrates pages in this VM:
# one node, khugepaged's defrag off, proactive compaction off, the
# other instances started first).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
[ -w $thp_dir/defrag ] && [ -w /proc/sys/vm/compact_memory ] ||
	{ echo "1..0 # SKIP needs THP and CONFIG_COMPACTION"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/compact_test.$$
mkdir -p "$tmp"

tap_plan 10

counters="compact_stall compact_success compact_fail compact_migrate_scanned
compact_free_scanned compact_isolated pgmigrate_success pgmigrate_fail"
delta() { echo $(($(kv "$1" < "$tmp/v1") - $(kv "$1" < "$tmp/v0"))); }

thp_compact_on

rm -f "$tmp/wl"
memstat_workload fragment --regions 96 $(frag_args) --go "$tmp/go" > "$tmp/wl" &
wpid=$!
wait_for "$tmp/wl" '^filled' 1800
# The counted instance last, the counters read as soon as it traces
# and before it ends: a tool's start-up allocates BPF maps, which in
# fragmented memory compacts too.
compact -j -p $wpid > "$tmp/one" 2> "$tmp/one.err" &
one=$!
compact > "$tmp/text" 2> "$tmp/text.err" &
text=$!
for f in one text; do
	wait_for "$tmp/$f.err" tracing || diag "$f: $(cat "$tmp/$f.err")"
done
vmstat_quiet "$counters" "$tmp"
compact -j -H -n 0 > "$tmp/all" 2> "$tmp/all.err" &
all=$!
wait_for "$tmp/all.err" tracing || diag "all: $(cat "$tmp/all.err")"
vmstat_snap "$counters" > "$tmp/v0"
start=$(date +%s)
touch "$tmp/go"
wait $wpid
# The -p instance ends with its process: let it be gone first.  On 5.10
# a trampoline rewritten while a task runs in the traced function (the
# manual compaction of a zone) can lose that call's fexit for the other
# instances' programs too.
wait $one
rc_one=$?
echo 1 > /proc/sys/vm/compact_memory
elapsed=$(($(date +%s) - start + 1))
vmstat_quiet "$counters" "$tmp"
vmstat_snap "$counters" > "$tmp/v1"
kill -INT $all $text
rc=$rc_one
for p in $all $text; do wait $p || rc=$?; done
thp_restore

diag "workload: $(grep -E '^(thp|hugetlb)' "$tmp/wl")"
diag "vmstat deltas: $(for c in $counters; do printf '%s=%s ' $c "$(delta $c)"; done)"
sum=$(grep '"type":"summary"' "$tmp/all")
diag "compact: $(echo "$sum" | cut -c 1-400)"
check "compact: instances ended cleanly ($rc), the workload stalled ($(delta compact_stall))" \
	$rc -eq 0 -a "$(delta compact_stall)" -gt 0

# ---- direct compaction: stalls and their outcome ---------------------------
s=$(echo "$sum" | json_num stalls) ok=$(echo "$sum" | json_num success)
f=$(echo "$sum" | json_num fail)
check "compact: stalls, success, fail = compact_stall, _success, _fail ($s $ok $f)" \
	"${s:-x}" = "$(delta compact_stall)" -a "${ok:-x}" = "$(delta compact_success)" -a \
	"${f:-x}" = "$(delta compact_fail)"
row=$(grep "\"type\":\"proc\".*\"pid\":$wpid," "$tmp/one")
check "compact -p: the workload's stalls are all of them ($(echo "$row" | json_num stalls))" \
	"$(echo "$row" | json_num stalls)" = "$(delta compact_stall)" -a \
	"$(echo "$row" | json_num success)" = "$(delta compact_success)"
row=$(grep "\"type\":\"proc\".*\"pid\":$wpid," "$tmp/all")
h=$(echo "$row" | sed -n 's/.*"hist_us":\(\[[^]]*\]\).*/\1/p' | tr '}' '\n' |
	json_nums count | sum)
ns=$(echo "$row" | json_num stall_ns)
check "compact -H: the histogram counts every stall ($h), their time within the run (${ns:-?} ns)" \
	"$h" = "$(delta compact_stall)" -a "${ns:-0}" -gt 0 -a \
	"${ns:-0}" -le $((elapsed * 1000000000))

# ---- pages scanned, isolated, migrated -------------------------------------
for k in migrate_scanned free_scanned isolated; do
	v=$(echo "$sum" | json_num $k)
	check "compact: $k = compact_$k (${v:-?} vs $(delta compact_$k))" \
		"${v:-x}" = "$(delta compact_$k)"
done
m=$(echo "$sum" | json_num migrated) mf=$(echo "$sum" | json_num migrate_failed)
check "compact: pages migrated, failed = pgmigrate_success, _fail ($m $mf)" \
	"${m:-x}" = "$(delta pgmigrate_success)" -a "${mf:-x}" = "$(delta pgmigrate_fail)"

# ---- zones: every run by its source, results named -------------------------
zones=$(grep '"type":"zone"' "$tmp/all")
echo "$zones" | head -n 6 | cut -c 1-300 | while read -r l; do diag "$l"; done
zscan=$(echo "$zones" | json_nums migrate_scanned | sum)
manual=$(echo "$zones" | grep '"order":-1,"source":"manual"' | json_nums runs | sum)
named=$(echo "$zones" | grep -c '"results":{"[a-z_]*":')
check "compact: zone rows add up to the scanned total, manual runs seen ($manual), results named" \
	"$zscan" = "$(delta compact_migrate_scanned)" -a "$manual" -gt 0 -a \
	"$named" -eq "$(echo "$zones" | grep -c .)"

# ---- text ----------------------------------------------------------------
# Started first, it also saw the others' start-ups: the workload's row.
check "compact (text): the table, the workload's row with its stalls ($s)" \
	"$(grep -c '^ *PID COMM' "$tmp/text")" -eq 1 -a \
	"$(grep -c -E "^ *$wpid +memstat_workloa +$s " "$tmp/text")" -eq 1

rm -rf "$tmp"
tap_exit
