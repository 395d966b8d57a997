#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# paf against real allocation failures.
#
# 1. THP faults under fragmentation: the workload fills memory with 4 KiB
#    pages until no zone (but DMA) has a free block of order >= 9, frees
#    every other page, then write-faults 2 MiB-aligned regions with THP
#    "always" and defrag "never" (one order-9 GFP_TRANSHUGE_LIGHT attempt
#    per fault, no compaction).  Ground truth: the workload's own count
#    from smaps for paf -p (fexit) and paf -S -p, which must count exactly
#    that; thp_fault_fallback minus thp_fault_fallback_charge, plus
#    khugepaged's thp_collapse_alloc_failed, over the window
#    (/proc/vmstat, every process) for a system-wide paf -A tracepoint -S
#    (tracepoint fallback).
# 2. fail_page_alloc (patched kernel): N injected failures for the
#    workload only (task-filter, times=N), each a pipe write that fails
#    with ENOMEM; paf -p must count exactly as many as the workload saw.
# 3. Below the min watermark, for real: the test module allocates single
#    pages from ZONE_DMA (16 MiB) with __GFP_NORETRY | __GFP_NOWARN until
#    8 requests have failed, and asks 4 times for a block of order
#    MAX_ORDER.  paf must count the module's 12 failures, give the first 8
#    the below_min verdict and the gfp flags the kernel itself prints for
#    them (kmem:mm_page_alloc in tracefs), the other 4 max_order; its zone
#    table must equal /proc/zoneinfo (watermarks, managed, present,
#    protection; paf gives KiB, compared in pages) and, the zone being
#    held exhausted, /proc/zoneinfo's free pages and /proc/buddyinfo's free
#    blocks per order.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/paf_test.$$
mkdir -p "$tmp"

tap_plan 25

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
if [ -w $thp/enabled ] && thp_small; then
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
	paf -S -p $wpid > "$tmp/sum.out" 2> "$tmp/sum.err" &
	sm=$!
	wait_for "$tmp/sum.err" 'tracing'
	# The counters around all of the system-wide instance's window;
	# khugepaged's collapses fail at order 9 too.
	thp_failures() {
		echo $(($(vmstat thp_fault_fallback) - $(vmstat thp_fault_fallback_charge) +
			$(vmstat thp_collapse_alloc_failed)))
	}
	fb0=$(vmstat thp_fault_fallback)
	ch0=$(vmstat thp_fault_fallback_charge)
	co0=$(vmstat thp_collapse_alloc_failed)
	paf -A tracepoint -S -j > "$tmp/tp.out" 2> "$tmp/tp.err" &
	tp=$!
	wait_for "$tmp/tp.err" 'tracing'
	# Read inside its window too: khugepaged runs on the other CPU.
	in0=$(thp_failures)
	paf -p $wpid > "$tmp/text.out" 2> "$tmp/text.err" &
	tx=$!
	wait_for "$tmp/text.err" 'tracing'
	touch "$tmp/go"
	wait $wpid
	in1=$(thp_failures)
	# paf -p ends by itself when the process is gone.
	kill -INT $tp
	wait $tp
	rc_tp=$?
	fb1=$(vmstat thp_fault_fallback)
	ch1=$(vmstat thp_fault_fallback_charge)
	co1=$(vmstat thp_collapse_alloc_failed)
	wait $ev
	rc_ev=$?
	wait $sm
	rc_sm=$?
	wait $tx
	rc_tx=$?
	echo "$old_enabled" > $thp/enabled
	echo "$old_defrag" > $thp/defrag
	[ -n "${old_pro:-}" ] && echo "$old_pro" > $pro

	truth=$(( (fb1 - fb0) - (ch1 - ch0) + (co1 - co0) ))
	inner=$((in1 - in0))
	own=$(sed -n 's/^thp .*fallback=\([0-9-]*\).*/\1/p' "$tmp/wl")
	grep '"type":"failure"' "$tmp/ev.json" > "$tmp/fail.json"
	grep '"order":9,' "$tmp/fail.json" > "$tmp/o9.json"
	n9=$(wc -l < "$tmp/o9.json")
	nall=$(wc -l < "$tmp/fail.json")
	diag "thp_fault_fallback +$((fb1 - fb0)), _charge +$((ch1 - ch0))," \
	     "collapse failed +$((co1 - co0))"
	diag "workload fallbacks ${own:-?} of $regions; paf order-9 $n9, all $nall"
	diag "first record: $(head -n 1 "$tmp/o9.json" | cut -c 1-600)"
	check "fragmentation made THP faults fall back (${own:-none} of $regions)" \
		"${own:-0}" -ge 1
	check "paf -j: exit 0, fexit on the allocator entry ($rc_ev)" $rc_ev -eq 0 -a \
		"$(grep -c '"type":"summary".*"source":"fexit"' "$tmp/ev.json")" -eq 1
	check "paf -p: order-9 failures = the workload's own count ($n9 vs ${own:-?})" \
		"$n9" -eq "${own:--1}"
	t9=$(grep '"type":"failures_total".*"order":9,' "$tmp/tp.out" | json_nums count |
	     awk '{ s += $1 } END { print s + 0 }')
	diag "paf -A tracepoint -S: $t9 order-9 failures; THP fallbacks + collapse failures:" \
	     "$inner while it surely ran, $truth around it"
	check "paf -A tracepoint -S: order-9 failures = THP fallbacks + collapse failures" \
		"$t9" -ge "$inner" -a "$t9" -le "$truth" -a "$inner" -gt 0 -a $rc_tp -eq 0
	check "paf: every order-9 failure has the fragmentation verdict" "$n9" -gt 0 -a \
		"$(grep -c '"verdict":"fragmentation"' "$tmp/o9.json")" -eq "$n9"
	check "paf: their gfp is GFP_TRANSHUGE_LIGHT (as the kernel prints it)" "$n9" -gt 0 -a \
		"$(grep -c '"gfp":"GFP_TRANSHUGE_LIGHT[|"]' "$tmp/o9.json")" -eq "$n9"
	check "paf: their stack has do_huge_pmd_anonymous_page" "$n9" -gt 0 -a \
		"$(grep -c '"stack":\[[^]]*"do_huge_pmd_anonymous_page+' "$tmp/o9.json")" -eq "$n9"
	s_total=$(summary_total "$tmp/sum.out")
	check "paf -S: total = per-event count (${s_total:-?} vs $nall, exit $rc_sm)" \
		$rc_sm -eq 0 -a "${s_total:--1}" -eq "$nall"
	d_ev=$(grep '"type":"summary"' "$tmp/ev.json" | json_num dropped)
	d_sm=$(summary_dropped "$tmp/sum.out")
	d_tp=$(grep '"type":"summary"' "$tmp/tp.out" | json_num dropped)
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
	why="no THP in this kernel"
	[ ! -w $thp/enabled ] || why=$thp_big_why
	for i in 1 2 3 4 5 6 7 8 9 10 11; do skip "$why"; done
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
	check "paf -p: as many failures as the workload saw (got $got of ${failed:-?}, exit $rc)" \
		$rc -eq 0 -a "$got" -eq "${failed:--1}"
	check "paf: injected failures are pipe_write's, zone state does not explain them" \
		"$(grep '"type":"failure"' "$tmp/fi.json" | grep '"verdict":"none"' |
		   grep -c '"stack":\[[^]]*"pipe_write+')" -eq $n
	memstat_workload json-check "$tmp/fi.json" > /dev/null 2>&1
	check "paf -j (fault injection): every line is a JSON object" $? -eq 0
else
	for i in 1 2 3 4 5; do skip "no fail_page_alloc (CONFIG_FAIL_PAGE_ALLOC, debugfs)"; done
fi

# ---- 3. below the min watermark of ZONE_DMA, and MAX_ORDER -------------
ko=$(alloc_test_module 2>/dev/null)
dma=$(awk '$4 == "DMA" { print $2 }' /proc/buddyinfo)
dma_mb=$(dma_zone_mb)
why="needs the test module and a ZONE_DMA (CONFIG_ZONE_DMA)"
[ "${dma_mb:-0}" -le 64 ] || why="ZONE_DMA is ${dma_mb} MiB here: too big to exhaust"
if [ -n "$ko" ] && [ -n "$dma" ] && [ "${dma_mb:-0}" -le 64 ]; then
	paf -j > "$tmp/dma.json" 2> "$tmp/dma.err" &
	pa=$!
	wait_for "$tmp/dma.err" tracing
	trace_start paf kmem/mm_page_alloc
	insmod "$ko" dma=1 noretry=1 fail_ok=1 max_failures=8 nr_allocs=16384 too_big=4
	rc=$?
	# The zone stays exhausted while the module holds its pages.
	cat /proc/zoneinfo > "$tmp/zoneinfo"
	cat /proc/buddyinfo > "$tmp/buddyinfo"
	failed=$(cat /sys/module/memstat_alloc_test/parameters/failed 2>/dev/null)
	allocated=$(cat /sys/module/memstat_alloc_test/parameters/allocated 2>/dev/null)
	trace_stop paf "$tmp/trace"
	traced=$?
	rmmod memstat_alloc_test
	kill -INT $pa
	wait $pa
	rc_pa=$?
	grep '"type":"failure".*"comm":"insmod"' "$tmp/dma.json" > "$tmp/mod.json"
	grep '"order":0,' "$tmp/mod.json" > "$tmp/min.json"
	grep -v '"order":0,' "$tmp/mod.json" > "$tmp/big.json"
	diag "module: allocated $allocated pages of ZONE_DMA, $failed requests failed"
	diag "first record: $(head -n 1 "$tmp/min.json" | cut -c 1-900)"
	check "insmod dma=1 noretry=1 ... too_big=4: 8 + 4 failed (rc $rc, failed ${failed:-?})" \
		$rc -eq 0 -a "${failed:-0}" -eq 12
	nmod=$(wc -l < "$tmp/mod.json") nmin=$(wc -l < "$tmp/min.json")
	check "paf: the module's 12 failures, 8 of order 0 (got $nmod, $nmin; exit $rc_pa)" \
		"$nmod" -eq 12 -a "$nmin" -eq 8 -a $rc_pa -eq 0
	check "paf: the 8 below the min watermark have the below_min verdict" \
		"$(grep -c '"verdict":"below_min"' "$tmp/min.json")" -eq 8
	check "paf: the 4 of order MAX_ORDER have the max_order verdict" \
		"$(grep -c '"verdict":"max_order"' "$tmp/big.json")" -eq 4
	# The gfp flags and migratetype as the kernel prints them for the
	# same failures; the only zone GFP_DMA may use.
	kgfp=$(trace_lines "$tmp/trace" mm_page_alloc | grep ' pfn=0 order=0 ' |
	       sed -n 's/.*migratetype=\([0-9]*\) gfp_flags=\([^ ]*\).*/\1 \2/p' | sort -u)
	pgfp=$(sed -n 's/.*"gfp":"\([^"]*\)".*"migratetype":"\([^"]*\)".*/\2 \1/p' \
	       "$tmp/min.json" | sed 's/^Unmovable /0 /' | sort -u)
	zones=$(grep -c '"highest_zoneidx":0,"preferred_zone":"DMA"' "$tmp/min.json")
	check "paf: gfp, migratetype as the kernel prints them ($pgfp; $kgfp), zone DMA ($zones)" \
		-n "$kgfp" -a "$pgfp" = "$kgfp" -a $traced -eq 0 -a "$zones" -eq 8
	# The last failure's DMA zone against /proc/zoneinfo and buddyinfo.
	zone=$(tail -n 1 "$tmp/min.json" | sed 's/.*"zones":\[{//; s/}\],"stack".*//')
	awk '/^Node/ { in_dma = $4 == "DMA" } in_dma' "$tmp/zoneinfo" > "$tmp/dma.zone"
	zi() { awk -v k="$1" '$1 == k { print $2; exit }' "$tmp/dma.zone"; }
	# zpages KEY: paf's KEY_kib of the zone, in pages.
	zpages() { p=$(echo "$zone" | json_num "$1_kib"); echo $((${p:-0} / page_kib)); }
	bad=""
	# zoneinfo's watermarks include the boost; paf shows it apart.
	boost=$(zpages boost)
	for k in min low high managed present free_cma; do
		v=$(zpages $k)
		case $k in min|low|high) v=$((v + boost)) ;; esac
		w=$(zi $k)
		[ $k = free_cma ] && w=$(zi nr_free_cma)
		[ "$v" = "${w:-0}" ] || bad="$bad $k:$v/$w"
	done
	prot=$(sed -n 's/.*protection: (\(.*\))/\1/p' "$tmp/dma.zone" | tr -d ' ')
	resv=$(echo "$zone" | sed -n 's/.*"lowmem_reserve_all_kib":\[\([^]]*\)\].*/\1/p' |
	       tr ',' '\n' | awk -v pk=$page_kib '{ printf "%s%d", (NR > 1 ? "," : ""), $1 / pk }')
	case "$resv," in "$prot",*) ;; *) bad="$bad protection:$resv/$prot" ;; esac
	check "paf: DMA watermarks, managed, present, protection = zoneinfo${bad:+ (wrong:$bad)}" \
		-z "$bad" -a -n "$zone"
	v=$(zpages free)
	f=$(awk '$1 == "pages" && $2 == "free" { print $3; exit }' "$tmp/dma.zone")
	# The zone's counter lags by what each CPU has not folded into it
	# yet, up to its "vm stats threshold": read at the failure, it may
	# differ from zoneinfo's, read once the CPUs folded, by that much.
	thr=$(awk '/vm stats threshold:/ { s += $NF } END { print s + 0 }' "$tmp/dma.zone")
	d=$((${v:-0} - ${f:-0}))
	d=${d#-}
	check "paf: DMA free pages = /proc/zoneinfo's +- $thr unfolded, zone exhausted ($v vs $f)" \
		"$d" -le "$thr" -a -n "$v" -a -n "$f" -a -n "$zone"
	v=$(echo "$zone" | sed -n 's/.*"nr_free":\[\([^]]*\)\].*/\1/p' | tr ',' ' ')
	b=$(awk '$4 == "DMA" { for (i = 5; i <= NF; i++) printf "%s%s", $i, i < NF ? " " : "" }' \
	    "$tmp/buddyinfo")
	check "paf: DMA free blocks per order = /proc/buddyinfo ($v vs $b)" \
		-n "$b" -a "$v" = "$b"
	memstat_workload json-check "$tmp/dma.json" > /dev/null 2>&1
	check "paf -j (below min): every line is a JSON object" $? -eq 0
else
	for i in 1 2 3 4 5 6 7 8 9; do skip "$why"; done
fi

rm -rf "$tmp"
tap_exit
