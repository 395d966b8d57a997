#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# hfaults against the kernel's own accounts of hugetlb faults.  A
# workload maps N huge pages of a file on a hugetlbfs mount of the
# test's own and writes into each, then N huge pages of MAP_HUGETLB
# anonymous memory, the same (N = 8 of 2 MiB; fewer when huge pages are
# larger).  Four hfaults instances watch it: all processes (-j -H -n 0),
# one line per fault and the tables at the end (-j -e -H -n 0), the
# kprobe variant (-j -A kprobe -n 0) and the workload only (-j -p); a
# fifth prints its table.  Another process takes two faults first, to
# warm the probes' code up.
#
# Ground truth:
# - the workload's own counts: N faults per mapping (one write per huge
#   page), HugePages_Free of /proc/meminfo before and after each mapping's
#   faults (down by N each), Hugepagesize;
# - kprobe events on hugetlb_fault() entry and return read through a
#   tracefs instance: each fault's process and latency.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
[ -w /proc/sys/vm/nr_hugepages ] && grep -q hugetlbfs /proc/filesystems ||
	{ echo "1..0 # SKIP needs CONFIG_HUGETLBFS"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/hfaults_test.$$
mkdir -p "$tmp/huge"

hp_kb=$(awk '$1 == "Hugepagesize:" { print $2 }' /proc/meminfo)
n=$((16384 / hp_kb))
[ $n -gt 8 ] && n=8
[ $n -lt 1 ] && n=1
nr=$(cat /proc/sys/vm/nr_hugepages)
echo $((nr + 2 * n + 2)) > /proc/sys/vm/nr_hugepages
free=$(awk '$1 == "HugePages_Free:" { print $2 }' /proc/meminfo)
if [ "$free" -lt $((2 * n)) ] || ! mount -t hugetlbfs none "$tmp/huge"; then
	echo $nr > /proc/sys/vm/nr_hugepages
	rm -rf "$tmp"
	echo "1..0 # SKIP cannot get $((2 * n)) huge pages of $hp_kb KiB" \
		"(got $free) or mount hugetlbfs"
	exit $ksft_skip
fi

tap_plan 16
eps_us=$lat_eps_us
# rec_of FILE TYPE PID [NAME]: the last TYPE record of PID (and file NAME).
rec_of() {
	grep "\"type\":\"$2\",\"pid\":$3,.*${4:+\"file\":\"$4\"}" "$1" | tail -n 1
}

# One CPU for the workload and the tools: an -e line wakes its reader,
# and a reader woken on the other vCPU can get the host to deschedule
# the faulting one between two probes of one call (milliseconds seen).
pin=
command -v taskset > /dev/null && pin="taskset -c 0"
$pin sh -c 'kill -STOP $$; exec memstat_workload hugetlb --file '"$tmp"'/huge/f --pages '$n \
	> "$tmp/wl" 2>&1 &
wpid=$!
wait_stopped $wpid

tr=$(tracefs)
sym=$(awk '$3 ~ /^hugetlb_fault(\.constprop|\.isra|\.part|$)/ { print $3; exit }' /proc/kallsyms)
echo "p:hfaults_test/fault $sym" >> $tr/kprobe_events &&
	echo "r:hfaults_test/fault_ret $sym ret=\$retval:u32" >> $tr/kprobe_events &&
	trace_start hfaults hfaults_test/fault hfaults_test/fault_ret
check "tracefs instance with kprobe events on $sym" $? -eq 0

$pin hfaults -j -H -n 0 > "$tmp/all" 2> "$tmp/all.err" &
all=$!
$pin hfaults -j -e -H -n 0 > "$tmp/ev" 2> "$tmp/ev.err" &
ev=$!
$pin hfaults -j -A kprobe -n 0 > "$tmp/kp" 2> "$tmp/kp.err" &
kp=$!
$pin hfaults -j -p $wpid > "$tmp/one" 2> "$tmp/one.err" &
one=$!
$pin hfaults -H > "$tmp/text" 2> "$tmp/text.err" &
text=$!
# -c: the stopped process moves into a cgroup v2 group of its own.
cg=
if [ -w /sys/fs/cgroup/cgroup.procs ] && grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts; then
	cg=/sys/fs/cgroup/hfaults_test.$$
	mkdir $cg && echo $wpid > $cg/cgroup.procs || cg=
fi
cgi=
if [ -n "$cg" ]; then
	$pin hfaults -j -c $cg > "$tmp/cg" 2> "$tmp/cg.err" &
	cgi=$!
fi
for f in all ev kp one text ${cgi:+cg}; do wait_for "$tmp/$f.err" 'tracing'; done
# Two faults of another process first (a file's, an anonymous one, of
# the 2 spare huge pages): qemu TCG translates the probes' code when it
# first runs, which made the first faults 3 to 20 ms longer in the trace.
$pin memstat_workload hugetlb --file "$tmp/huge/warm" --pages 1 > "$tmp/warm" 2>&1
rcw0=$?
rm -f "$tmp/huge/warm"

kill -CONT $wpid
wait $wpid
rcw=$?
trace_stop hfaults "$tmp/trace"
traced=$?
echo "-:hfaults_test/fault_ret" >> $tr/kprobe_events
echo "-:hfaults_test/fault" >> $tr/kprobe_events
for p in $all $ev $kp $one $text $cgi; do kill -INT $p; done
rc=0
for p in $all $ev $kp $one $text $cgi; do wait $p || rc=$?; done
[ -n "$cg" ] && rmdir $cg
diag "workload: $(cat "$tmp/wl")"
rm -f "$tmp/huge/f"
umount "$tmp/huge"
echo $nr > /proc/sys/vm/nr_hugepages

sum=$(grep '"type":"summary"' "$tmp/all")
d="exit $rc, $rcw, warm-up $rcw0"
check "hfaults: five instances and the workloads ended cleanly, trace complete ($d)" \
	$rc -eq 0 -a $rcw -eq 0 -a $rcw0 -eq 0 -a -n "$sum" -a $traced -eq 0

# ---- per mapping against the workload and HugePages_Free ------------------
f0=$(kv free_before < "$tmp/wl")
f1=$(kv free_file < "$tmp/wl")
f2=$(kv free_anon < "$tmp/wl")
f0=${f0:-0} f1=${f1:-0} f2=${f2:-0}
frec=$(rec_of "$tmp/all" mapping $wpid f)
arec=$(rec_of "$tmp/all" mapping $wpid anon_hugepage)
ff=$(echo "$frec" | json_num faults)
fn=$(echo "$frec" | json_num new_pages)
af=$(echo "$arec" | json_num faults)
an=$(echo "$arec" | json_num new_pages)
diag "file f: $ff faults, $fn new pages; anon: $af faults, $an new;" \
	"HugePages_Free $f0 -> $f1 -> $f2"
check "hfaults: file faults = $n writes, new pages = HugePages_Free drop ($ff, $fn, $((f0 - f1)))" \
	"${ff:-x}" = $n -a "${fn:-x}" = $((f0 - f1)) -a $((f0 - f1)) -eq $n
check "hfaults: anon faults = $n writes, new pages = HugePages_Free drop ($af, $an, $((f1 - f2)))" \
	"${af:-x}" = $n -a "${an:-x}" = $((f1 - f2)) -a $((f1 - f2)) -eq $n
v=$(echo "$frec" | json_num hpage_kib)
check "hfaults: the mappings' huge page size = Hugepagesize ($v, $hp_kb KiB), shared and private" \
	"${v:-x}" = "$hp_kb" -a "$(echo "$arec" | json_num hpage_kib)" = "$hp_kb" \
	-a -n "$(echo "$frec" | grep '"mapping":"shared"')" \
	-a -n "$(echo "$arec" | grep '"mapping":"private"')"
prec=$(rec_of "$tmp/all" proc $wpid)
pf=$(echo "$prec" | json_num faults)
pk=$(echo "$prec" | json_num new_kib)
check "hfaults: the process's faults and new memory = both mappings' ($pf, $pk KiB)" \
	"${pf:-x}" = $((2 * n)) -a "${pk:-x}" = $((2 * n * hp_kb))
v=$(echo "$sum" | json_num faults)
t=$(echo "$sum" | json_num new_pages)
check "hfaults: all faults and new pages = the workloads' ($v, $t vs $((2 * n)) + 2)" \
	"${v:-x}" = $((2 * n + 2)) -a "${t:-x}" = $((2 * n + 2))

# ---- the kprobe variant, -p, -e ---------------------------------------------
bad=""
for name in f anon_hugepage; do
	a=$(rec_of "$tmp/all" mapping $wpid $name |
	    sed 's/.*"hpage_kib"/"hpage_kib"/; s/,"fault_ns".*//')
	b=$(rec_of "$tmp/kp" mapping $wpid $name |
	    sed 's/.*"hpage_kib"/"hpage_kib"/; s/,"fault_ns".*//')
	[ -n "$a" ] && [ "$a" = "$b" ] || bad="$bad $name:[$b]"
done
check "hfaults -A kprobe: the same faults and pages as fentry${bad:+ (differ:$bad)}" -z "$bad"
v=$(grep '"type":"summary"' "$tmp/one" | json_num faults)
others=$(grep '"type":"mapping"' "$tmp/one" | grep -c -v "\"pid\":$wpid,")
check "hfaults -p: counts the workload only ($v vs $((2 * n)); other pids: $others)" \
	"${v:-x}" = $((2 * n)) -a "$others" -eq 0
# events_of NAME: -e lines of the workload's faults on file NAME, one
# new page each.
events_of() {
	grep -c "\"type\":\"event\",.*\"pid\":$wpid,.*\"file\":\"$1\",.*\"new_pages\":1," "$tmp/ev"
}
e1=$(events_of f)
e2=$(events_of anon_hugepage)
check "hfaults -e: one line per fault, one new page each ($e1, $e2 vs $n)" \
	"$e1" = $n -a "$e2" = $n

# ---- against the kprobe events ---------------------------------------------
trace_pairs "$tmp/trace" fault fault_ret | awk -v p=$wpid '$2 == p { print $3 }' > "$tmp/lat"
tn=$(wc -l < "$tmp/lat")
check "trace: the workload's faults = hfaults' ($tn vs $pf)" "$tn" = "${pf:-x}"
t_us=$(sum < "$tmp/lat")
ns=$(echo "$prec" | json_num fault_ns)
diag "fault time: trace $t_us us; hfaults ${ns:-?} ns"
# Per fault, in order (one thread): the -e latency against the traced
# call's.  The first fault is shown, not compared (the warm-up above may
# not have run every path of the probes' code).  Most agree within a
# few hundred us (the probes' own run time under TCG), but some differ
# by milliseconds: with three VMs on two host cores, up to 2 of 15 over
# eps in a run, and more within eps (the cause of these gaps is not
# known yet).  At most a quarter (+ 1) may differ by over eps.
grep "\"type\":\"event\",.*\"pid\":$wpid," "$tmp/ev" | json_nums latency_ns |
	awk '{ printf "%.3f\n", $1 / 1000 }' > "$tmp/elat"
paste "$tmp/lat" "$tmp/elat" |
	awk -v e=$eps_us 'NF != 2 { next }
			  NR == 1 { first = off = $1 - $2; next }
			  { d = $1 - $2; c++; if (d > e || d < -e) { far++; off += d }
			    if (d <= e / 5 && d >= -e / 5) near++
			    if (d > max) max = d; if (-d > max) max = -d }
			  END { printf "%d %d %d %d %d %d\n", first, c, far, off, max, near }' \
	> "$tmp/ecmp"
read -r first c far off max near < "$tmp/ecmp"
diag "hfaults -e vs trace: the first fault differs by $first us; of the other" \
	"$c, $near within $((eps_us / 5)) us, $far by over $eps_us us" \
	"(trace - hfaults in all: $off us), the largest by $max us"
ok_e=0
[ "$c" -eq $((tn - 1)) ] && [ "$(wc -l < "$tmp/elat")" -eq "$tn" ] &&
	[ "$far" -le $((c / 4 + 1)) ] && [ "$tn" -gt 1 ] && ok_e=1
d="within $eps_us us but $far ($((c / 4 + 1)) may)"
check "hfaults -e: each fault's time = the trace's, $d" $ok_e -eq 1
[ $ok_e -eq 1 ] || paste "$tmp/lat" "$tmp/elat" |
	awk '{ printf "# fault %d: trace %s us, -e %s us\n", NR, $1, $2 }'
# The fentry instance's total, with those faults' differences (and the
# first's) taken out.
ok_t=0
within "$((${ns:-0} / 1000))" "$(echo "$t_us $off" | awk '{ print $1 - $2 }')" \
	$((tn * eps_us)) && ok_t=1
check "hfaults: fault time = trace's, within $eps_us us a fault (but the first and $far)" \
	$ok_t -eq 1 -a "$tn" -gt 0
# hist_of FILE: the workload's mappings' histograms in FILE added up,
# slot by slot.
hist_of() {
	grep "\"type\":\"mapping\",\"pid\":$wpid," "$1" |
		sed -n 's/.*"fault_hist_us":\(\[[^]]*\]\).*/\1/p' | tr -d '[]' | tr '\n' ','
}
# The trace's kprobes read the clock outside the fentry/fexit hooks
# (x86-64) or inside hfaults' own kprobes (arm64: its faults were seen
# 0.1 ms longer than the trace's): with 16 faults of some milliseconds,
# some cross a slot boundary (shown only).
# The -e -H instance's histograms hold its own -e latencies exactly.
h=$(hist_of "$tmp/all")
diag "-H -n 0 histograms vs trace: $(hist_matches "[$h]" "$tmp/lat" 0 "${ns:-0}")"
h=$(hist_of "$tmp/ev")
why=$(hist_matches "[$h]" "$tmp/elat" 0)
check "hfaults -e -H: the histograms hold its own -e latencies ($why)" \
	$? -eq 0 -a -n "$h" -a "$(wc -l < "$tmp/elat")" -eq "$tn"

if [ -n "$cg" ]; then
	v=$(grep '"type":"summary"' "$tmp/cg" | json_num faults)
	others=$(grep '"type":"mapping"' "$tmp/cg" | grep -c -v "\"pid\":$wpid,")
	check "hfaults -c: counts the cgroup's process only ($v vs $pf; other pids: $others)" \
		"${v:-x}" = "${pf:-y}" -a "$others" -eq 0
else
	skip "hfaults -c: no writable cgroup2 at /sys/fs/cgroup"
fi

# ---- the table -------------------------------------------------------------
v=$(awk -v p=$wpid '$1 == p && $NF == "f" { print $3; exit }' "$tmp/text")
check "hfaults -H: the table shows the file's faults ($v vs $n)" "${v:-x}" = $n
sed 's/^/# /' "$tmp/text" | head -n 30
head -n 3 "$tmp/ev" | sed 's/^/# /'
for f in all ev kp one text ${cgi:+cg}; do
	grep -v tracing "$tmp/$f.err" | while read -r l; do diag "$f: $l"; done
done
rm -rf "$tmp"
tap_exit
