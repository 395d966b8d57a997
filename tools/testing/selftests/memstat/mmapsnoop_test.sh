#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mmapsnoop against a known sequence of calls.  memstat_workload
# mmap-calls makes twelve mmap, munmap, mremap, mprotect and brk calls
# (anonymous and file, fixed and not, distinct sizes, an mremap that
# moves, two failing calls, brk up and down) with raw syscalls, and
# prints each call with its arguments and result as mmapsnoop -j should
# print it.  Three instances watch it: one line per call of the process
# (-j -p), its -S tables (-j -S -p) and the text lines of the whole
# system; a fourth (-j -c) the cgroup v2 the workload is moved into.
#
# Ground truth: the workload's own list of calls and results.  Every call
# must be reported, in order, with the same arguments and result, and
# nothing else; the -S counts and bytes are the sums of that list.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/mmapsnoop_test.$$
mkdir -p "$tmp"

tap_plan 11

memstat_workload mmap-calls --file "$tmp/mmapsnoop.dat" --go "$tmp/go" > "$tmp/wl" 2>&1 &
wpid=$!
wait_for "$tmp/wl" '^waiting'
mmapsnoop -j -p $wpid > "$tmp/ev" 2> "$tmp/ev.err" &
ev=$!
mmapsnoop -j -S -n 0 -p $wpid > "$tmp/sum" 2> "$tmp/sum.err" &
sm=$!
mmapsnoop > "$tmp/text" 2> "$tmp/text.err" &
text=$!
for f in ev sum text; do wait_for "$tmp/$f.err" 'tracing'; done
cg=/sys/fs/cgroup/mmapsnoop_test.$$ cgp=
if [ -f /sys/fs/cgroup/cgroup.controllers ] && mkdir $cg; then
	echo $wpid > $cg/cgroup.procs
	mmapsnoop -j -c $cg > "$tmp/cg" 2> "$tmp/cg.err" &
	cgp=$!
	wait_for "$tmp/cg.err" 'tracing'
fi
touch "$tmp/go"
wait_for "$tmp/wl" '^done'
wait $wpid
wrc=$?
sleep 0.5
for p in $ev $sm $text $cgp; do kill -INT $p; done
rc=0
for p in $ev $sm $text $cgp; do wait $p || rc=$?; done
check "mmapsnoop: workload ran ($wrc), three instances ended cleanly ($rc)" \
	$wrc -eq 0 -a $rc -eq 0
kp=$(sed -n 's/^done .*page_kib=\([0-9]*\).*/\1/p' "$tmp/wl")

# ---- every call, in order, with its arguments and result ---------------
grep '^"call"' "$tmp/wl" > "$tmp/want"
grep '"type":"event"' "$tmp/ev" | sed 's/.*"comm":"[^"]*",//; s/}$//' > "$tmp/got"
n=$(wc -l < "$tmp/want")
diag "workload: $n calls; mmapsnoop -p: $(wc -l < "$tmp/got") lines"
same=1
if ! cmp -s "$tmp/want" "$tmp/got"; then
	same=0
	diff "$tmp/want" "$tmp/got" | sed 's/^/# /' | head -n 40
fi
check "mmapsnoop -j -p: each of the $n calls, in order, arguments and result exact" \
	"$n" -eq 12 -a $same -eq 1
if [ -n "$cgp" ]; then
	grep '"type":"event"' "$tmp/cg" | sed 's/.*"comm":"[^"]*",//; s/}$//' > "$tmp/cg.got"
	check "mmapsnoop -c: the cgroup's calls are the same $n lines" \
		$(cmp -s "$tmp/want" "$tmp/cg.got" && echo 1 || echo 0) -eq 1
	rmdir $cg
else
	skip "mmapsnoop -c: no cgroup v2 at /sys/fs/cgroup"
fi
others=$(grep '"type":"event"' "$tmp/ev" | grep -c -v "\"pid\":$wpid,\"tid\":$wpid,")
check "mmapsnoop -p: every line is the workload's pid and thread (others: $others)" \
	"$others" -eq 0
sum=$(grep '"type":"summary"' "$tmp/ev")
check "mmapsnoop: summary counts the lines, none dropped ($sum)" \
	"$(echo "$sum" | json_num events)" = "$n" -a \
	"$(echo "$sum" | json_num dropped)" = 0

# ---- -S: the sums of the sequence --------------------------------------
rec=$(grep "\"type\":\"proc\",\"pid\":$wpid," "$tmp/sum")
diag "-S: $rec"
got=""
for k in mmap mmap_failed munmap mremap mprotect mprotect_failed brk; do
	got="$got $(echo "$rec" | json_num $k)"
done
check "mmapsnoop -S: calls and failures per kind (${got# } vs 4 1 2 1 2 1 3)" \
	"$got" = " 4 1 2 1 2 1 3"
got=""
for k in mapped_kib unmapped_kib mapped_file_kib protected_kib brk_grown_kib brk_shrunk_kib; do
	got="$got $(echo "$rec" | json_num $k)"
done
want=" $((15 * kp)) $((12 * kp)) $((5 * kp)) $((2 * kp)) $((4 * kp)) $((4 * kp))"
check "mmapsnoop -S: mapped, unmapped, file, mprotect, brk +/- KiB (${got# } vs ${want# })" \
	"$got" = "$want"
others=$(grep -c '"type":"proc"' "$tmp/sum")
check "mmapsnoop -S -p: one process ($others)" "$others" -eq 1
ino=$(stat -c %i "$tmp/mmapsnoop.dat")
f=$(grep '"type":"file"' "$tmp/sum")
diag "-S file: $f (inode $ino)"
want="\"file\":\"mmapsnoop.dat\",\"dev\":\"[0-9:]*\",\"ino\":$ino,"
want="$want\"maps\":1,\"mapped_kib\":$((5 * kp))}"
check "mmapsnoop -S: the file, its inode, one map of $((5 * kp)) KiB" \
	"$(echo "$f" | grep -c "$want")" -eq 1

# ---- text, system-wide --------------------------------------------------
# Long lines are wrapped after a blank or a "|": continuation lines
# start with blanks.
awk '/^ / { sub(/^ +/, ""); line = line (line ~ /[|]$/ ? "" : " ") $0; next }
     { if (line != "") print line; line = $0 } END { print line }' "$tmp/text" |
	awk -v p=$wpid '$2 == p' > "$tmp/text.wl"
t=$(cat "$tmp/text.wl")
check "mmapsnoop: text lines of the workload: 12, the file, EBADF, EINVAL" \
	"$(echo "$t" | grep -c .)" -eq 12 -a \
	"$(echo "$t" | grep -c 'mmapsnoop.dat')" -eq 1 -a \
	"$(echo "$t" | grep -c '= EBADF')" -eq 1 -a \
	"$(echo "$t" | grep -c '= EINVAL')" -eq 1
cat "$tmp/ev" "$tmp/sum" > "$tmp/all.json"
js=$(memstat_workload json-check "$tmp/all.json")
check "mmapsnoop: JSON Lines valid ($js)" $? -eq 0
sed 's/^/# /' "$tmp/text.wl"
for f in ev sum text; do
	grep -v tracing "$tmp/$f.err" | while read -r l; do diag "$f: $l"; done
done
rm -rf "$tmp"
tap_exit
