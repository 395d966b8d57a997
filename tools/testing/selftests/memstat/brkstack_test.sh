#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# brkstack against a workload of known brk() moves.  memstat_workload brk
# (built with frame pointers) moves its break by +5 KiB in brk_grow_5k,
# +37 KiB twice in brk_grow_37k (from two call sites: two stacks),
# +300 KiB in brk_grow_300k and -20 KiB in brk_shrink_20k, each function
# making the system call itself, and exits before brkstack reports: the
# stacks are named from the mappings brkstack read at its first brk().
# Four instances watch: all processes (-j -n 0), one line per call
# (-j -e), the workload only (-j -p) and a text table.  The workload
# stops itself after its first move until every instance has read its
# mappings (no race with its exit): the -e instance has printed that
# move (read again at the first move, libc.so.6 mapped by then), the
# others map memstat_workload's ELF (libdwfl reads it with mmap).
#
# Ground truth: the moves the workload made (it checks each brk()
# returned the break it asked for and prints "brk fn=F bytes=B"), and
# strace-like knowledge of its other brk() calls: ld.so's brk(0) and its
# own brk(0), which move nothing (7 calls in all).  Calls sh (busybox)
# makes before its exec are the same process's; brkstack reads the maps
# again after the exec.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/brkstack_test.$$
mkdir -p "$tmp"

tap_plan 15

# The workload stops itself before it starts, so that brkstack -p can
# name it; its pid stays the same through exec.
sh -c 'kill -STOP $$; exec memstat_workload brk --stop' > "$tmp/wl" 2>&1 &
wpid=$!
wait_stopped $wpid

brkstack -j -n 0 > "$tmp/all" 2> "$tmp/all.err" &
all=$!
brkstack -j -e > "$tmp/ev" 2> "$tmp/ev.err" &
ev=$!
brkstack -j -p $wpid > "$tmp/one" 2> "$tmp/one.err" &
one=$!
brkstack -n 0 -F 3 > "$tmp/text" 2> "$tmp/text.err" &
text=$!
for f in all ev one text; do wait_for "$tmp/$f.err" 'tracing'; done

kill -CONT $wpid
wait_for "$tmp/wl" '^brk pid='
wait_stopped $wpid
wait_for "$tmp/ev" "\"pid\":$wpid,.*\"stack\":\[\"brk_grow_5k+"
for p in $all $one $text; do
	wait_for /proc/$p/maps /memstat_workload
done
kill -CONT $wpid
wait $wpid
wrc=$?
diag "workload (exit $wrc): $(tr '\n' ' ' < "$tmp/wl")"
# Gone before the report: its symbols come from what was read at its start.
check "workload moved its break and exited before the report" \
	$wrc -eq 0 -a "$(grep -c '^brk fn=' "$tmp/wl")" -eq 5 -a ! -d /proc/$wpid
sleep 0.5
for p in $all $ev $one $text; do kill -INT $p; done
rc=0
for p in $all $ev $one $text; do wait $p || rc=$?; done
sum=$(grep '"type":"summary"' "$tmp/all")
check "brkstack: four instances ran and ended cleanly (exit $rc)" \
	$rc -eq 0 -a -n "$sum"

# stacks FN: the workload's stack records whose innermost frame is FN.
stacks() { grep "\"type\":\"stack\",\"pid\":$wpid,.*\"stack\":\[\"$1+0x" "$tmp/all"; }
# field FN KEY: KEY summed over those records.
field() { stacks "$1" | json_nums "$2" | sum; }

for fn_kib_n in brk_grow_5k:5:1 brk_grow_37k:74:2 brk_grow_300k:300:1; do
	fn=${fn_kib_n%%:*} n=${fn_kib_n##*:} kib=${fn_kib_n#*:}
	kib=${kib%%:*}
	g=$(field $fn grow_kib) s=$(field $fn shrink_kib) c=$(field $fn calls)
	r=$(stacks $fn | wc -l)
	check "brkstack: $fn grew $kib KiB in $n calls, $n stacks ($g, $c, $r, shrunk $s)" \
		"$g" = "$kib" -a "$c" = "$n" -a "$r" = "$n" -a "$s" = 0
done
g=$(field brk_shrink_20k grow_kib) s=$(field brk_shrink_20k shrink_kib)
check "brkstack: brk_shrink_20k shrank it by 20 KiB ($s, grew $g)" \
	"$s" = 20 -a "$g" = 0
# The two brk_grow_37k stacks: 37 KiB each, callers at two offsets.
v=$(stacks brk_grow_37k | json_nums grow_kib | tr '\n' ' ')
check "brkstack: each brk_grow_37k stack holds 37 KiB ($v)" "$v" = "37 37 "
# Frame pointers: the caller is the next frame, module named.
fp='"stack":\["brk_[a-z0-9_]*+0x[0-9a-f]* (memstat_workload)",'
fp=$fp'"brk_moves+0x[0-9a-f]* (memstat_workload)","main+0x'
n=$(stacks 'brk_[gs][a-z0-9_]*' | grep -c "$fp")
check "brkstack: the five moves' stacks read fn, brk_moves, main with module ($n of 5)" \
	"$n" = 5
# The process: sh before its exec (busybox) apart, the workload's 7 calls
# (ld.so's brk(0), its own, the five moves); its totals add its stacks up.
# libc's frame below main has its module: the maps were read again at the
# first move, after ld.so's brk(0) (a symbol only where libc has one for
# it: the VM's stripped libc.so.6 has no __libc_start_call_main).
main='"main\+0x[0-9a-f]* \(memstat_workload\)"'
libc='"([A-Za-z_][A-Za-z0-9_]*\+)?0x[0-9a-f]* \(libc\.so\.6\)"'
n=$(grep "\"pid\":$wpid,.*\"stack\":\[\"brk_[gs]" "$tmp/ev" |
    grep -c -E "\"stack\":\[[^]]*$main,$libc")
check "brkstack -e: the frame below main is in libc.so.6 ($n of 5)" "$n" = 5
rec=$(grep "\"type\":\"proc\",\"pid\":$wpid," "$tmp/all")
mine=$(grep "\"type\":\"stack\",\"pid\":$wpid," "$tmp/all" | grep -v '(busybox)')
g=$(echo "$mine" | json_nums grow_kib | sum) s=$(echo "$mine" | json_nums shrink_kib | sum)
c=$(echo "$mine" | json_nums calls | sum)
all_g=$(grep "\"type\":\"stack\",\"pid\":$wpid," "$tmp/all" | json_nums grow_kib | sum)
pg=$(echo "$rec" | json_num grow_kib)
check "brkstack: the workload grew 379 KiB, shrank 20 in 7 calls ($g, $s, $c; $pg = $all_g)" \
	"$g" = 379 -a "$s" = 20 -a "$c" = 7 -a "$pg" = "$all_g"
# Short-lived processes (sleep, grep) may exit before their maps are read;
# other processes' stacks may collide in the stack map (counted).
u=$(echo "$sum" | json_num untracked) d=$(echo "$sum" | json_num dropped)
ns=$(echo "$sum" | json_num no_stack)
diag "processes gone before their maps were read: $u; calls without a stack: $ns"
check "brkstack: nothing dropped but stackless calls ($d, $ns)" "$((d - ns))" = 0

# -p: only the workload, the same numbers.
others=$(grep '"type":"stack"' "$tmp/one" | grep -c -v "\"pid\":$wpid,")
g=$(grep "\"type\":\"stack\",\"pid\":$wpid," "$tmp/one" | grep -v '(busybox)' |
    json_nums grow_kib | sum)
check "brkstack -p: the workload only ($g KiB; other pids: $others)" \
	"$g" = 379 -a "$others" = 0
# -e: one event per call, moves in KiB, the function innermost.
n=$(grep "\"type\":\"event\",.*\"pid\":$wpid," "$tmp/ev" | grep -c -v '(busybox)')
check "brkstack -e: 7 events for the workload's calls ($n)" "$n" = 7
v=$(grep "\"pid\":$wpid,.*\"stack\":\[\"brk_[gs]" "$tmp/ev" | json_nums delta_kib | tr '\n' ' ')
check "brkstack -e: moves 5 37 37 300 -20 in order ($v)" "$v" = "5 37 37 300 -20 "
# The table names them too.
n=$(grep -c '^ *300K *0K *1  brk_grow_300k+0x[0-9a-f]* (memstat_workload)$' "$tmp/text")
check "brkstack: the table shows brk_grow_300k's 300K ($n)" "$n" = 1
sed 's/^/# /' "$tmp/text" | grep -A 12 "^# $wpid " | head -n 24
grep "\"pid\":$wpid," "$tmp/all" | head -n 3 | sed 's/^/# /'
for f in all ev one text; do
	grep -v tracing "$tmp/$f.err" | while read -r l; do diag "$f: $l"; done
done
rm -rf "$tmp"
tap_exit
