#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# shmsnoop against a known sequence of calls.  memstat_workload shm-calls
# makes SysV shmget (a new key, the same key again: EEXIST, IPC_PRIVATE),
# shmat (read-only and not), shmctl (IPC_STAT, IPC_RMID), shmdt (one
# twice: EINVAL) calls, opens a /dev/shm/ path as shm_open() does (and
# again with open() where the arch has it: EEXIST), opens /dev/null (not
# shared memory), unlinks the path as shm_unlink() does and calls
# memfd_create(), all as raw syscalls, and prints each shared memory call
# with its arguments and result as shmsnoop -j should print it.  Three
# instances watch: one line per call of the process (-j -p), its -S
# table (-j -S -p) and the text lines of the whole system.
#
# Ground truth: the workload's own list of calls and results, which must
# come out line by line, in order, nothing missing and nothing else.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/shmsnoop_test.$$
mkdir -p "$tmp"
if ! awk '$2 == "/dev/shm" { f = 1 } END { exit !f }' /proc/mounts; then
	mkdir -p /dev/shm
	mount -t tmpfs shm /dev/shm ||
		{ echo "1..0 # SKIP no tmpfs on /dev/shm"; exit $ksft_skip; }
	mounted=1
fi

tap_plan 7

memstat_workload shm-calls --go "$tmp/go" > "$tmp/wl" 2>&1 &
wpid=$!
wait_for "$tmp/wl" '^waiting'
shmsnoop -j -p $wpid > "$tmp/ev" 2> "$tmp/ev.err" &
ev=$!
shmsnoop -j -S -n 0 -p $wpid > "$tmp/sum" 2> "$tmp/sum.err" &
sm=$!
shmsnoop > "$tmp/text" 2> "$tmp/text.err" &
text=$!
for f in ev sum text; do wait_for "$tmp/$f.err" 'tracing'; done
touch "$tmp/go"
wait_for "$tmp/wl" '^done'
wait $wpid
wrc=$?
sleep 0.5
for p in $ev $sm $text; do kill -INT $p; done
rc=0
for p in $ev $sm $text; do wait $p || rc=$?; done
check "shmsnoop: workload ran ($wrc), three instances ended cleanly ($rc)" \
	$wrc -eq 0 -a $rc -eq 0
kp=$(sed -n 's/^done .*page_kib=\([0-9]*\).*/\1/p' "$tmp/wl")

# ---- every call, in order, with its arguments and result ---------------
grep '^"call"' "$tmp/wl" > "$tmp/want"
grep '"type":"event"' "$tmp/ev" | sed 's/.*"comm":"[^"]*",//; s/}$//' > "$tmp/got"
n=$(wc -l < "$tmp/want")
diag "workload: $n calls; shmsnoop -p: $(wc -l < "$tmp/got") lines"
same=1
if ! cmp -s "$tmp/want" "$tmp/got"; then
	same=0
	diff "$tmp/want" "$tmp/got" | sed 's/^/# /' | head -n 40
fi
check "shmsnoop -j -p: each of the $n calls, in order, arguments and result exact" \
	"$n" -eq 15 -a $same -eq 1
others=$(grep '"type":"event"' "$tmp/ev" | grep -c -v "\"pid\":$wpid,\"tid\":$wpid,")
sum=$(grep '"type":"summary"' "$tmp/ev")
check "shmsnoop: only the workload's thread (others: $others), none dropped ($sum)" \
	"$others" -eq 0 -a "$(echo "$sum" | json_num events)" = "$n" -a \
	"$(echo "$sum" | json_num dropped)" = 0

# ---- -S: the counts of the sequence ------------------------------------
rec=$(grep "\"type\":\"proc\",\"pid\":$wpid," "$tmp/sum")
diag "-S: $rec"
got=""
for k in shmget shmget_failed shmat shmdt shmdt_failed shmctl shm_open \
	 shm_open_failed shm_unlink memfd_create; do
	got="$got $(echo "$rec" | json_num $k)"
done
check "shmsnoop -S: calls and failures per kind (${got# } vs 3 1 2 3 1 3 2 1 1 1)" \
	"$got" = " 3 1 2 3 1 3 2 1 1 1"
v=$(echo "$rec" | json_num shmget_kib)
check "shmsnoop -S: SysV memory asked ($v vs $((8 * kp)) KiB), one process" \
	"${v:-x}" = $((8 * kp)) -a "$(grep -c '"type":"proc"' "$tmp/sum")" -eq 1

# ---- text, system-wide --------------------------------------------------
awk '/^ / { sub(/^ +/, ""); line = line (line ~ /[|]$/ ? "" : " ") $0; next }
     { if (line != "") print line; line = $0 } END { print line }' "$tmp/text" |
	awk -v p=$wpid '$2 == p' > "$tmp/text.wl"
t=$(cat "$tmp/text.wl")
check "shmsnoop: text lines of the workload: $n, IPC_RMID, EEXIST, memfd name" \
	"$(echo "$t" | grep -c .)" -eq "$n" -a \
	"$(echo "$t" | grep -c 'IPC_RMID')" -eq 2 -a \
	"$(echo "$t" | grep -c '= EEXIST')" -eq 2 -a \
	"$(echo "$t" | grep -c 'memstat.memfd')" -eq 1
cat "$tmp/ev" "$tmp/sum" > "$tmp/all.json"
js=$(memstat_workload json-check "$tmp/all.json")
check "shmsnoop: JSON Lines valid ($js)" $? -eq 0
sed 's/^/# /' "$tmp/text.wl"
for f in ev sum text; do
	grep -v tracing "$tmp/$f.err" | while read -r l; do diag "$f: $l"; done
done
[ -z "${mounted:-}" ] || umount /dev/shm
rm -rf "$tmp"
tap_exit
