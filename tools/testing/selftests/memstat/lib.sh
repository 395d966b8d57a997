# SPDX-License-Identifier: GPL-2.0
# TAP helpers and JSON/proc readers for the memstat selftests (busybox sh).

ksft_skip=4
tap_n=0
tap_failed=0

tap_plan() { echo "1..$1"; }

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n $*"
}

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $*"
}

diag() { echo "# $*"; }

# check DESC CONDITION...: one TAP line from the exit status of a test(1).
check() {
	desc=$1
	shift
	if [ "$@" ]; then ok "$desc"; else not_ok "$desc"; fi
}

tap_exit() { [ "$tap_failed" -eq 0 ]; exit $?; }

# json_num KEY: the number for "KEY" in the JSON object on stdin.
json_num() { sed -n "s/.*\"$1\":\(-\{0,1\}[0-9]*\).*/\1/p" | head -n 1; }

# status_kb FILE FIELD: "VmRSS:  123 kB" -> 123, from a saved status file.
status_kb() { awk -v f="$2:" '$1 == f { print $2; exit }' "$1"; }

# meminfo_kb FILE FIELD
meminfo_kb() { awk -v f="$2:" '$1 == f { print $2; exit }' "$1"; }

# bracketed V B A: V lies between readings B and A taken before and after
# it, widened by 0.1 % or 32 pages (128 KiB), whichever is larger: the
# reading tool's own pages pass through per-CPU LRU pagevecs (15 pages
# each) between the readings, yet a missing term in a formula
# (watermarks, reserves: megabytes) still shows.
bracketed() {
	lo=$2 hi=$3
	[ "$lo" -gt "$hi" ] && { lo=$3; hi=$2; }
	tol=$((hi / 1000))
	[ $tol -lt 128 ] && tol=128
	[ "$1" -ge $((lo - tol)) ] && [ "$1" -le $((hi + tol)) ]
}

# vmstat KEY: a /proc/vmstat counter; allocstall: all allocstall_* added.
vmstat() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }
allocstall() { awk '/^allocstall_/ { s += $2 } END { print s + 0 }' /proc/vmstat; }

# wait_for FILE PATTERN [TENTHS]: until FILE has a line matching PATTERN
# (default up to 60 s); true if it has.
wait_for() {
	i=0
	while ! grep -q -e "$2" "$1" 2>/dev/null && [ $i -lt "${3:-600}" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q -e "$2" "$1" 2>/dev/null
}

# one_line FILE: the file holds exactly one line.
one_line() { [ "$(wc -l < "$1")" -eq 1 ]; }

# alloc_test_module: print the path of memstat_alloc_test.ko (source in
# memstat_alloc_test/), built for the running kernel, or fail when there
# is none (skip with that reason).  It is looked for in
# $MEMSTAT_MODULE_DIR, by default ../modules beside the tests' directory:
# run-vm.sh puts it in the VM as /memstat/modules/memstat_alloc_test.ko.
alloc_test_module() {
	m=${MEMSTAT_MODULE_DIR:-$(dirname "$0")/../modules}/memstat_alloc_test.ko
	[ -r "$m" ] || return 1
	echo "$m"
}
