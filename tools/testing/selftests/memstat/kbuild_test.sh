#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The tools the top-level Kbuild built without a kernel tree: from the
# stock kernel's headers package and the distribution's libbpf (run-vm.sh
# puts them in ../kbuild, in the stock VM only; elsewhere the test skips).
# - every tool there answers -h, exit 0; compact is not there (it needs
#   mm/internal.h), and the front-end says so in one line;
# - sysstat: MemTotal as /proc/meminfo's;
# - procstat -f -p: a workload's anonymous memory as its /proc/PID/status;
# - pagealloc: the page allocations of a churning workload, at least the
#   pages it faulted in;
# - report: its window ends with the screen, and it names what it could
#   not see: compaction (no compact object beside it).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit $ksft_skip; }
dir=${MEMSTAT_KBUILD_DIR:-$(dirname "$0")/../kbuild}
[ -x "$dir/memstat" ] ||
	{ echo "1..0 # SKIP no Kbuild tools here (the stock VM has them)"; exit $ksft_skip; }
tmp=${TMPDIR:-/tmp}/kbuild_test.$$
mkdir -p "$tmp"

tap_plan 6

ok=1 n=0
for t in $("$dir/memstat" list | awk '{ print $1 }'); do
	[ $t = compact ] && continue
	"$dir/$t" -h > "$tmp/h" 2>&1 || { ok=0; diag "$t -h failed"; }
	n=$((n + 1))
done
check "every tool but compact answers -h ($n)" $ok -eq 1 -a $n -gt 10
# Only the Kbuild tools: PATH has the tree's.
MEMSTAT_TOOLS_DIR=$dir "$dir/memstat" compact > /dev/null 2> "$tmp/err"
rc=$?
diag "memstat compact: $(cat "$tmp/err")"
lines=0
one_line "$tmp/err" && lines=1
check "compact is not built; memstat compact says so in one line (exit $rc)" \
	! -e "$dir/compact" -a $rc -eq 1 -a $lines -eq 1

"$dir/sysstat" -j > "$tmp/sys" 2> "$tmp/err"
rc=$?
v=$(grep '"type":"system"' "$tmp/sys" | json_num total_kib)
t=$(meminfo_kb /proc/meminfo MemTotal)
check "sysstat: MemTotal ${v:-none} = /proc/meminfo $t (exit $rc)" \
	$rc -eq 0 -a "${v:-0}" = "$t"

memstat_workload hold --anon-kb 8192 > "$tmp/wl" &
wpid=$!
wait_for "$tmp/wl" '^ready'
"$dir/procstat" -f -j -p $wpid > "$tmp/ps" 2> "$tmp/err"
rc=$?
v=$(grep '"type":"process"' "$tmp/ps" | json_num anon_kib)
t=$(status_kb /proc/$wpid/status RssAnon)
kill -TERM $wpid
wait $wpid
check "procstat -f -p: anon ${v:-none} KiB = RssAnon $t (exit $rc)" \
	$rc -eq 0 -a "${v:-0}" = "$t"

rm -f "$tmp/pa.err"
"$dir/pagealloc" -j > "$tmp/pa" 2> "$tmp/pa.err" &
pid=$!
wait_for "$tmp/pa.err" tracing
memstat_workload churn 1024 4 > "$tmp/churn"
kill -INT $pid
wait $pid
rc=$?
# The first "alloc_kib": the total (the record has per-category ones).
v=$(grep '"type":"summary"' "$tmp/pa" | grep -o '"alloc_kib":[0-9]*' |
    head -n 1 | cut -d : -f 2)
check "pagealloc: ${v:-none} KiB allocated >= the 4 MiB churned (exit $rc)" \
	$rc -eq 0 -a "${v:-0}" -ge 4096

"$dir/report" -d 2 > "$tmp/rp" 2> "$tmp/err"
rc=$?
diag "$(grep -A 9 '^NOT SEEN' "$tmp/rp" | tr '\n' '|')"
check "report: the screen, compaction named unseen (exit $rc)" $rc -eq 0 -a \
	"$(grep -c '^memstat report: a' "$tmp/rp")" -eq 1 -a \
	"$(grep -c 'compaction not timed' "$tmp/rp")" -eq 1

rm -rf "$tmp"
tap_exit
