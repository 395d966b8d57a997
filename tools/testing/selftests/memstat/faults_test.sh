#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# faults against the kernel's own fault counters.  A workload prepares two
# files on /mnt/disk (ext4), one in the page cache and one dropped from it
# (posix_fadvise DONTNEED), maps them and anonymous memory, and waits;
# then, in a window, it takes a known set of faults: ANON anonymous write
# faults, FILE copy-on-write faults on the cached file (minor), MAJOR read
# faults on the uncached one with MADV_RANDOM (one page read, one major
# fault each) and GUP pages populated by MAP_POPULATE (get_user_pages(),
# which the perf fault events do not see).  It reads its own
# /proc/self/stat before and after the window and prints the deltas.
#
# Two windows, two workloads: the first under faults -A kprobe -K alone
# (its kretprobe would cut other instances' kernel stacks short: 5.10's
# unwinder stops at kretprobe_trampoline); the second under the default
# hook (fexit where there), -t with kernel and user stacks, all
# processes and the text table.  Ground truth, exactly: minflt and majflt deltas of
# /proc/PID/stat (read by the workload, and from outside around the
# window), the planned counts per file and of get_user_pages() faults.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/faults_test.$$
mkdir -p "$tmp"
disk=/mnt/disk
grep -q " $disk " /proc/mounts || disk=$tmp

tap_plan 17

ANON=256 FILE=64 MAJOR=32 GUP=16
# Fields 10 and 12: minflt, majflt (the comm has no spaces).
stat_flt() { awk '{ print $10, $12 }' /proc/$1/stat; }

# window N NAME "ARGS" [NAME "ARGS"]...: a workload (its output in
# $tmp/wlN) under instances "faults ARGS -p PID" (output $tmp/NAME);
# sets wpid, ext (minflt, majflt deltas read from outside), abs (the
# fields at the end: its whole life), rc.
window() {
	n=$1
	shift
	memstat_workload faults $ANON $FILE $MAJOR $GUP $disk > "$tmp/wl$n" 2>&1 &
	wpid=$!
	wait_for "$tmp/wl$n" '^waiting'
	wait_asleep $wpid sigtimedwait
	pids= names=
	while [ $# -gt 1 ]; do
		faults $2 -p $wpid > "$tmp/$1" 2> "$tmp/$1.err" &
		pids="$pids $!" names="$names $1"
		shift 2
	done
	for f in $names; do wait_for "$tmp/$f.err" 'tracing'; done
	b=$(stat_flt $wpid)
	kill -USR1 $wpid
	wait_for "$tmp/wl$n" '^done' 1200
	a=$(stat_flt $wpid)
	ext="$((${a% *} - ${b% *})) $((${a#* } - ${b#* }))" abs=$a
	rc=0
	# $also: instances started before the window, stopped with it, before
	# the workload exits (its exit faults in pages /proc was read without).
	for p in $pids $also; do kill -INT $p; done
	for p in $pids $also; do wait $p || rc=$?; done
	kill -TERM $wpid
	wait $wpid
	diag "workload $n: $(grep '^done' "$tmp/wl$n"); from outside: $ext"
}

# proc_is FILE MINOR MAJOR [TID]: the process's row says MINOR, MAJOR.
proc_is() {
	_r=$(grep "\"type\":\"proc\",\"pid\":$wpid,${4:+\"tid\":$4,}" "$1")
	[ "$(echo "$_r" | json_num minor) $(echo "$_r" | json_num major)" = "$2 $3" ]
}

# kstack_ok FILE: stacks with a kernel stack from the fault entry.
entry='exc_page_fault|do_user_addr_fault|do_page_fault|do_mem_abort'
kstack_ok() {
	grep '"type":"stack"' "$1" | grep -c -E "\"kstack\":\\[[^]]*($entry)"
}

# ---- window 1: the kprobe variant ----------------------------------------
window 1 kp "-j -A kprobe -K -n 0"
d=$(grep '^done' "$tmp/wl1")
min=$(echo "$d" | kv minflt) maj=$(echo "$d" | kv majflt)
check "faults -A kprobe: ran and ended cleanly, deltas read alike ($min $maj, $ext)" \
	$rc -eq 0 -a "$min $maj" = "$ext"
proc_is "$tmp/kp" "$min" "$maj"
st=$?
# The kretprobe has as many instances as CPUs (perf-made, 5.10): with
# one vCPU, a fault of the workload while any task sleeps in another
# loses its return.  The tool counts each as unpaired: what it counted
# plus what it says it lost must then be every fault.
r=$(grep "\"type\":\"proc\",\"pid\":$wpid," "$tmp/kp")
kmin=$(echo "$r" | json_num minor) kmaj=$(echo "$r" | json_num major)
unp=$(grep '"type":"summary"' "$tmp/kp" | json_num unpaired)
[ $st -eq 0 ] || diag "kp: $(grep -E '"type":"(proc|summary)"' "$tmp/kp" | tr '\n' ' ')"
[ $st -eq 0 ] || [ $((${kmin:-0} + ${kmaj:-0} + ${unp:-0})) -ne $((min + maj)) ] ||
	[ "${kmin:-0}" -gt "$min" ] || [ "${kmaj:-0}" -gt "$maj" ] || st=0
d="faults -A kprobe: minor, major ($kmin, $kmaj) + unpaired ${unp:-0}"
check "$d = /proc/PID/stat minflt, majflt deltas ($min, $maj)" $st -eq 0
n=$(kstack_ok "$tmp/kp")
check "faults -A kprobe -K: kernel stacks from the fault entry ($n stacks)" "$n" -gt 0

# ---- window 2: fexit (or the best there), stacks, all, text ---------------
faults -j -n 0 > "$tmp/all" 2> "$tmp/all.err" &
also=$!
wait_for "$tmp/all.err" 'tracing'
window 2 def "-j" st "-j -t -K -U -F 32 -n 0" text "-KU"
also=
d=$(grep '^done' "$tmp/wl2")
min=$(echo "$d" | kv minflt) maj=$(echo "$d" | kv majflt)
cached=$(echo "$d" | kv cached)
sum=$(grep '"type":"summary"' "$tmp/def")
check "faults: four instances ran and ended cleanly (exit $rc)" \
	$rc -eq 0 -a -n "$sum" -a -n "$min"
check "workload: own stat deltas = those read around the window ($min $maj, $ext)" \
	"$min $maj" = "$ext"
hook=$(echo "$sum" | sed -n 's/.*"hook":"\([a-z]*\)".*/\1/p')
r=$(grep "\"type\":\"proc\",\"pid\":$wpid," "$tmp/def")
diag "faults ($hook): $r"
proc_is "$tmp/def" "$min" "$maj"
check "faults ($hook): minor, major = /proc/PID/stat minflt, majflt deltas ($min, $maj)" $? -eq 0
proc_is "$tmp/st" "$min" "$maj" $wpid
check "faults -t: the thread's minor, major = minflt, majflt deltas" $? -eq 0
# Started before the workload: its whole life, /proc/PID/stat at the end.
proc_is "$tmp/all" ${abs% *} ${abs#* }
st=$?
v=$(grep "\"type\":\"proc\",\"pid\":$wpid," "$tmp/all" | json_num minor)
check "faults (all processes): the workload's minor, major = its minflt, majflt ($abs; minor $v)" \
	$st -eq 0
v=$(echo "$r" | json_num gup)
check "faults: get_user_pages faults = the $GUP pages populated ($v)" "${v:-x}" = $GUP
t=$(awk -v p=$wpid '$1 == p { print $3, $4; exit }' "$tmp/text")
check "faults: the text table's row says the same ($t)" "$t" = "$min $maj"

# ---- the file behind each fault -------------------------------------------
f=$(grep '"type":"file".*"file":"faults_minor.dat"' "$tmp/def")
diag "files: $(grep '"type":"file"' "$tmp/def" | tr '\n' ' ')"
check "faults: $FILE minor faults in faults_minor.dat, no major" \
	"$(echo "$f" | json_num minor) $(echo "$f" | json_num major)" = "$FILE 0"
if [ "${cached:-1}" -eq 0 ]; then
	f=$(grep '"type":"file".*"file":"faults_major.dat"' "$tmp/def")
	check "faults: $MAJOR major faults in faults_major.dat, no minor" \
		"$(echo "$f" | json_num major) $(echo "$f" | json_num minor)" = "$MAJOR 0"
	v=$(echo "$r" | json_num file_major)
	check "faults: all the process's $maj major faults were in files ($v)" \
		"${v:-x}" = "$maj" -a "$maj" -ge $MAJOR
else
	skip "faults: $disk keeps the file cached ($cached pages): no major faults"
	skip "faults: no major faults to attribute"
fi

# ---- stacks ---------------------------------------------------------------
smin=$(grep '"type":"stack"' "$tmp/st" | json_nums minor | sum)
smaj=$(grep '"type":"stack"' "$tmp/st" | json_nums major | sum)
check "faults -KU: the stacks' faults add up to the deltas ($smin, $smaj)" \
	"$smin $smaj" = "$min $maj"
n=$(kstack_ok "$tmp/st")
check "faults -K: kernel stacks from the fault entry ($n stacks)" "$n" -gt 0
n=$(grep '"type":"stack"' "$tmp/st" | grep -c '"ustack":\["faults_window')
diag "a user stack: $(grep -o '"ustack":\[[^]]*' "$tmp/st" | head -n 1)"
check "faults -U: user stacks named, from faults_window ($n stacks)" "$n" -gt 0

bad=0
for f in kp def st all; do
	d=$(grep '"type":"summary"' "$tmp/$f" | json_num dropped)
	u=$(grep '"type":"summary"' "$tmp/$f" | json_num unpaired)
	# Returns the kretprobe lost are the kprobe variant's only drops
	# (-A kprobe, checked above; every instance where fexit does not
	# attach, arm64 5.10).
	d=$((${d:-0} - ${u:-0}))
	[ "${d:-x}" = 0 ] || { bad=1; diag "$f: dropped ${d:-?}"; }
	memstat_workload json-check "$tmp/$f" > /dev/null || { bad=1; diag "$f: bad JSON"; }
done
check "faults: nothing dropped (kprobe: but lost returns), every line valid JSON" $bad -eq 0
sed 's/^/# /' "$tmp/text" | head -n 40
grep -m 1 '"type":"stack"' "$tmp/kp" | sed 's/^/# kp: /'
for f in kp def st all text; do
	grep -v tracing "$tmp/$f.err" | while read -r l; do diag "$f: $l"; done
done
rm -f "$disk/faults_minor.dat" "$disk/faults_major.dat"
rm -rf "$tmp"
tap_exit
