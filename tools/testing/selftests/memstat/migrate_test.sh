#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# migrate against /proc/vmstat.  In this one-node VM pages move for
# compaction: memstat_workload fragment fragments memory and faults THP
# regions with defrag "always", or grows the 2 MiB hugetlb pool where a
# THP is 512 MiB (frag_args): direct compaction moves pages in its own
# process, then this shell compacts every zone (compact_memory).  Two
# instances watch: every process (-j -n 0) and text.
#
# Ground truth: the deltas of pgmigrate_success, pgmigrate_fail,
# thp_migration_success, _fail and _split from the moment the counted
# instance traces until migration went quiet again, while it still
# runs; the per-process rows add up to the totals.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
[ -w $thp_dir/defrag ] && [ -w /proc/sys/vm/compact_memory ] ||
	{ echo "1..0 # SKIP needs THP and CONFIG_COMPACTION"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/migrate_test.$$
mkdir -p "$tmp"

tap_plan 8

counters="pgmigrate_success pgmigrate_fail thp_migration_success
thp_migration_fail thp_migration_split"
delta() { echo $(($(kv "$1" < "$tmp/v1") - $(kv "$1" < "$tmp/v0"))); }

thp_compact_on
# With 64 KiB pages (arm64) a pageblock is 512 MiB: the 2 GiB VM has
# four, which boot's unmovable allocations may all mark Unmovable, and
# whether compaction then finds pages to move is chance (none in some
# runs, 64 in others).  There the checks that need pages moved skip
# when none moved, saying so; the totals are compared all the same.
need_moved() {
	_n=$1
	shift
	if thp_small || [ "$_n" -gt 0 ]; then
		check "$@"
	else
		_mb=$(($(cat $thp_dir/hpage_pmd_size) >> 20))
		skip "${1%% (*}: none moved; $_mb MiB pageblocks, $(pageblocks)"
	fi
}
pageblocks() {
	awk '/^Number of blocks type/ { f = 1; next } f && !/^Node/ { f = 0 }
		f { u += $5; m += $6 } END { printf "%d Unmovable, %d Movable", u, m }' \
		/proc/pagetypeinfo
}

rm -f "$tmp/wl"
memstat_workload fragment --regions 64 $(frag_args) --go "$tmp/go" > "$tmp/wl" &
wpid=$!
wait_for "$tmp/wl" '^filled' 1800
# The counted instance last, the counters read as soon as it traces
# and before it ends: a tool's start-up allocates BPF maps, which in
# fragmented memory compacts and migrates pages too.
migrate > "$tmp/text" 2> "$tmp/text.err" &
text=$!
wait_for "$tmp/text.err" tracing || diag "text: $(cat "$tmp/text.err")"
vmstat_quiet "$counters" "$tmp"
migrate -j -n 0 > "$tmp/all" 2> "$tmp/all.err" &
all=$!
wait_for "$tmp/all.err" tracing || diag "all: $(cat "$tmp/all.err")"
vmstat_snap "$counters" > "$tmp/v0"
touch "$tmp/go"
wait $wpid
echo 1 > /proc/sys/vm/compact_memory
vmstat_quiet "$counters" "$tmp"
vmstat_snap "$counters" > "$tmp/v1"
kill -INT $all $text
rc=0
for p in $all $text; do wait $p || rc=$?; done
thp_restore

diag "workload: $(tr '\n' ' ' < "$tmp/wl")"
diag "pageblocks: $(pageblocks)"
diag "compaction: $(grep -E '^compact_(stall|fail|success|isolated)' /proc/vmstat | tr '\n' ' ')"
diag "vmstat deltas: $(for c in $counters; do printf '%s=%s ' $c "$(delta $c)"; done)"
grep '"type":"reason"' "$tmp/all" | while read -r l; do diag "$l"; done
check "migrate: instances ended cleanly ($rc)" $rc -eq 0
moved=$(delta pgmigrate_success)
need_moved "$moved" "migrate: pages moved ($moved)" "$moved" -gt 0

# ---- totals per reason = /proc/vmstat --------------------------------------
reasons=$(grep '"type":"reason"' "$tmp/all")
for k in succeeded:pgmigrate_success failed:pgmigrate_fail \
	 thp_succeeded:thp_migration_success thp_failed:thp_migration_fail \
	 thp_split:thp_migration_split; do
	echo "$reasons" | json_nums "${k%%:*}" | sum > "$tmp/n.${k%%:*}"
done
check "migrate: pages moved and not, of every reason = pgmigrate_success, _fail" \
	"$(cat "$tmp/n.succeeded")" = "$(delta pgmigrate_success)" -a \
	"$(cat "$tmp/n.failed")" = "$(delta pgmigrate_fail)"
check "migrate: THPs moved, failed, split = thp_migration_success, _fail, _split" \
	"$(cat "$tmp/n.thp_succeeded")" = "$(delta thp_migration_success)" -a \
	"$(cat "$tmp/n.thp_failed")" = "$(delta thp_migration_fail)" -a \
	"$(cat "$tmp/n.thp_split")" = "$(delta thp_migration_split)"

# ---- per process: the rows add up, the reasons are the kernel's ------------
procs=$(grep '"type":"proc"' "$tmp/all")
s=$(echo "$procs" | json_nums succeeded | sum)
w=$(echo "$procs" | grep "\"pid\":$wpid," | grep '"reason":"compaction"' |
    json_num succeeded)
diag "workload ($wpid): ${w:-0} pages moved for compaction; all rows $s"
check "migrate: the process rows add up to the totals ($s)" "$s" = "$(delta pgmigrate_success)"
need_moved "${w:-0}" "migrate: the workload's compaction moved pages (${w:-0})" "${w:-0}" -gt 0
check "migrate: reasons by the kernel's names (compaction)" \
	"$(echo "$reasons" | grep -c '"reason":"compaction"')" -eq 1

# ---- text ----------------------------------------------------------------
check "migrate (text): the table and the compaction total" \
	"$(grep -c '^ *PID COMM *REASON' "$tmp/text")" -eq 1 -a \
	"$(grep -c "^ *all *compaction " "$tmp/text")" -eq 1

rm -rf "$tmp"
tap_exit
