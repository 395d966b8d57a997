#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# paf against real allocation failures.
#
# 1. THP faults under fragmentation: the workload fills memory with 4 KiB
#    pages until no zone (but DMA) has a free block of order >= 9, frees
#    every other page, then write-faults 2 MiB-aligned regions with THP
#    "always" and defrag "never" (one order-9 GFP_TRANSHUGE_LIGHT attempt
#    per fault, no compaction).  Ground truth: thp_fault_fallback minus
#    thp_fault_fallback_charge over the window (/proc/vmstat), and the
#    workload's own count from smaps.  paf -p (fexit), paf -s and paf -t -s
#    (tracepoint fallback) run at once and must all count exactly that.
# 2. fail_page_alloc (patched kernel): N injected failures for the
#    workload only (task-filter, times=N), each a pipe write that fails
#    with ENOMEM; paf -p must count exactly N.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/paf_test.$$
mkdir -p "$tmp"

tap_plan 17

# summary_total FILE: failures in paf's final text line.
summary_total() {
	sed -n 's/^paf: [0-9]* reports; \([0-9]*\) failures traced.*/\1/p' "$1"
}
summary_dropped() {
	sed -n 's/^paf: .* \([0-9]*\) dropped$/\1/p' "$1"
}

# ---- 1. THP faults under fragmentation -------------------------------
thp=/sys/kernel/mm/transparent_hugepage
regions=96
if [ -w $thp/enabled ]; then
	old_enabled=$(sed 's/.*\[\(.*\)\].*/\1/' $thp/enabled)
	old_defrag=$(sed 's/.*\[\(.*\)\].*/\1/' $thp/defrag)
	echo always > $thp/enabled
	echo never > $thp/defrag
	pro=/proc/sys/vm/compaction_proactiveness
	[ -w $pro ] && { old_pro=$(cat $pro); echo 0 > $pro; }

	memstat_workload fragment --regions $regions --go "$tmp/go" > "$tmp/wl" &
	wpid=$!
	wait_for "$tmp/wl" '^filled' 1800
	diag "workload: $(tr "\n" " " < "$tmp/wl")"
	# One at a time: attaching rewrites the allocator's entry, and
	# several rewrites at once while memory is nearly full is where
	# qemu TCG has been seen to stall (Documentation/memstat/testing.rst).
	paf -j -p $wpid 1 > "$tmp/ev.json" 2> "$tmp/ev.err" &
	ev=$!
	wait_for "$tmp/ev.json" '"type":"interval"'
	paf -s -p $wpid > "$tmp/sum.out" 2> "$tmp/sum.err" &
	sm=$!
	wait_for "$tmp/sum.err" 'tracing'
	paf -t -s -p $wpid > "$tmp/tp.out" 2> "$tmp/tp.err" &
	tp=$!
	wait_for "$tmp/tp.err" 'tracing'
	paf -p $wpid > "$tmp/text.out" 2> "$tmp/text.err" &
	tx=$!
	wait_for "$tmp/text.err" 'tracing'
	fb0=$(vmstat thp_fault_fallback)
	ch0=$(vmstat thp_fault_fallback_charge)
	touch "$tmp/go"
	wait $wpid
	fb1=$(vmstat thp_fault_fallback)
	ch1=$(vmstat thp_fault_fallback_charge)
	# paf ends by itself when the -p process is gone.
	wait $ev
	rc_ev=$?
	wait $sm
	rc_sm=$?
	wait $tp
	rc_tp=$?
	wait $tx
	rc_tx=$?
	echo "$old_enabled" > $thp/enabled
	echo "$old_defrag" > $thp/defrag
	[ -n "${old_pro:-}" ] && echo "$old_pro" > $pro

	truth=$(( (fb1 - fb0) - (ch1 - ch0) ))
	own=$(sed -n 's/^thp .*fallback=\([0-9-]*\).*/\1/p' "$tmp/wl")
	grep '"type":"failure"' "$tmp/ev.json" > "$tmp/fail.json"
	grep '"order":9,' "$tmp/fail.json" > "$tmp/o9.json"
	n9=$(wc -l < "$tmp/o9.json")
	nall=$(wc -l < "$tmp/fail.json")
	diag "thp_fault_fallback +$((fb1 - fb0)), _charge +$((ch1 - ch0))"
	diag "workload fallbacks ${own:-?} of $regions; paf order-9 $n9, all $nall"
	diag "first record: $(head -n 1 "$tmp/o9.json" | cut -c 1-600)"
	check "fragmentation made THP faults fall back (${own:-none} of $regions)" \
		"${own:-0}" -ge 1
	check "paf -j: exit 0, fexit on the allocator entry ($rc_ev)" $rc_ev -eq 0 -a \
		"$(grep -c '"type":"summary".*"source":"fexit"' "$tmp/ev.json")" -eq 1
	check "paf: order-9 failures = thp_fault_fallback - _charge ($n9 vs $truth)" \
		"$n9" -eq "$truth"
	check "paf: order-9 failures = the workload's own count ($n9 vs ${own:-?})" \
		"$n9" -eq "${own:--1}"
	check "paf: every order-9 failure has the fragmentation verdict" "$n9" -gt 0 -a \
		"$(grep -c '"verdict":"fragmentation"' "$tmp/o9.json")" -eq "$n9"
	check "paf: their gfp is GFP_TRANSHUGE_LIGHT (as the kernel prints it)" "$n9" -gt 0 -a \
		"$(grep -c '"gfp":"GFP_TRANSHUGE_LIGHT[|"]' "$tmp/o9.json")" -eq "$n9"
	check "paf: their stack has do_huge_pmd_anonymous_page" "$n9" -gt 0 -a \
		"$(grep -c '"stack":\[[^]]*"do_huge_pmd_anonymous_page+' "$tmp/o9.json")" -eq "$n9"
	s_total=$(summary_total "$tmp/sum.out")
	check "paf -s: total = per-event count (${s_total:-?} vs $nall, exit $rc_sm)" \
		$rc_sm -eq 0 -a "${s_total:--1}" -eq "$nall"
	t_total=$(summary_total "$tmp/tp.out")
	check "paf -t -s: total = per-event count (${t_total:-?} vs $nall, exit $rc_tp)" \
		$rc_tp -eq 0 -a "${t_total:--1}" -eq "$nall"
	d_ev=$(grep '"type":"summary"' "$tmp/ev.json" | json_num dropped)
	d_sm=$(summary_dropped "$tmp/sum.out")
	d_tp=$(summary_dropped "$tmp/tp.out")
	check "paf: nothing dropped (${d_ev:-?} ${d_sm:-?} ${d_tp:-?})" \
		"${d_ev:-1}" -eq 0 -a "${d_sm:-1}" = 0 -a "${d_tp:-1}" = 0
	x_total=$(summary_total "$tmp/text.out")
	sed -n '1,/^$/p' "$tmp/text.out" | while IFS= read -r l; do diag "$l"; done
	check "paf (text): total = JSON count (${x_total:-?} vs $nall, exit $rc_tx)" \
		$rc_tx -eq 0 -a "${x_total:--1}" -eq "$nall" -a \
		"$(grep -c 'order 9 page allocation failure' "$tmp/text.out")" -eq "$n9"
	memstat_workload json-check "$tmp/ev.json" > "$tmp/jc" 2>&1
	check "paf -j: every line is a JSON object ($(head -n 1 "$tmp/jc"))" $? -eq 0
else
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do skip "no THP in this kernel"; done
fi

# ---- 2. fail_page_alloc fault injection -------------------------------
fpa=/sys/kernel/debug/fail_page_alloc
n=7
if [ -w $fpa/times ]; then
	memstat_workload failpipe --writes 16 --go "$tmp/go2" > "$tmp/wl2" &
	wpid=$!
	wait_for "$tmp/wl2" '^ready'
	paf -j -p $wpid 1 > "$tmp/fi.json" 2> "$tmp/fi.err" &
	ev=$!
	wait_for "$tmp/fi.json" '"type":"interval"'
	for kv in task-filter=Y probability=100 interval=1 times=$n space=0 \
		  ignore-gfp-wait=N ignore-gfp-highmem=N min-order=0 verbose=0; do
		echo "${kv#*=}" > $fpa/${kv%%=*}
	done
	touch "$tmp/go2"
	wait $wpid
	left=$(cat $fpa/times)
	echo 0 > $fpa/probability
	echo N > $fpa/task-filter
	echo 1 > $fpa/times
	wait $ev
	rc=$?
	failed=$(sed -n 's/^pipe-writes .*failed=\([0-9]*\).*/\1/p' "$tmp/wl2")
	got=$(grep -c '"type":"failure"' "$tmp/fi.json")
	diag "workload: $(tr "\n" " " < "$tmp/wl2"); times left $left; paf $got"
	diag "first record: $(grep -m 1 '"type":"failure"' "$tmp/fi.json" | cut -c 1-600)"
	check "fail_page_alloc injected $n failures (times $n -> $left)" "$left" -eq 0
	check "the workload saw $n ENOMEM writes (${failed:-?})" "${failed:--1}" -eq $n
	check "paf -p: $n failures (got $got, exit $rc)" $rc -eq 0 -a "$got" -eq $n
	check "paf: injected failures are pipe_write's, zone state does not explain them" \
		"$(grep '"type":"failure"' "$tmp/fi.json" | grep '"verdict":"none"' |
		   grep -c '"stack":\[[^]]*"pipe_write+')" -eq $n
	memstat_workload json-check "$tmp/fi.json" > /dev/null 2>&1
	check "paf -j (fault injection): every line is a JSON object" $? -eq 0
else
	for i in 1 2 3 4 5; do skip "no fail_page_alloc (CONFIG_FAIL_PAGE_ALLOC, debugfs)"; done
fi

rm -rf "$tmp"
tap_exit
