#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The one entry point: set up the host, get and prepare the Debian 5.10
# kernel, build the patched kernel and the tools, and run them in qemu.
#
#   run-vm.sh demo [stock|patched]   procstat and sysstat on a demo workload
#   run-vm.sh bench [stock|patched]  benchmarks (qemu -icount), a table
#   run-vm.sh test [stock|patched|arm64|both|all]
#                                    series checks on the host, then the
#                                    selftests in a VM per kernel (all:
#                                    stock, patched and arm64, the
#                                    patched kernel cross-built for arm64
#                                    with 64 KiB pages; both: the two
#                                    x86-64 ones); the last line is
#                                    "N passed, N failed"
#   run-vm.sh stall [BOOTS]          the live-patching stall reproducer:
#                                    the stock kernel booted BOOTS times
#                                    (10) with two vCPUs, handle_mm_fault
#                                    and the allocator patched (ftrace,
#                                    faults, paf) under page fault churn
#                                    (scripts/vm/stall.sh); how many
#                                    boots stalled
#
# Everything downloaded or built is cached under $MEMSTAT_CACHE
# (default ~/.cache/memstat), keyed by content.  Runs sharing a cache take
# turns (the prepared trees are checked out and built in place).
# MEMSTAT_TESTS="pr_test.sh ..." runs only those selftests;
# MEMSTAT_BENCH="faults swapin ..." benchmarks only those tools' events.
# Benchmarks of dreclaim, oomkill or swapin (or of all) also run their
# peers as Debian packages them (scripts/peers.sh); the patched kernel's
# benchmark boots it twice more, running only the page fault churn:
# without the series' kernel change, and with page_owner=on.
set -euo pipefail
. "$(dirname "$0")/common.sh"

mode=${1:-}
which=${2:-}
case $mode in
demo|bench) which=${which:-stock} ;;
test) which=${which:-all} ;;
stall) boots=${which:-10} which=stock
       [[ $boots =~ ^[1-9][0-9]*$ ]] ||
	{ echo "run-vm.sh: not a number of boots: $boots" >&2; exit 2; } ;;
*) echo "usage: run-vm.sh demo|bench [stock|patched] | test [stock|patched|arm64|both|all] | stall [BOOTS]" >&2
   exit 2 ;;
esac
case $which in
stock|patched|both) ;;
arm64|all) [ "$mode" = test ] ||
	{ echo "run-vm.sh: $mode runs on x86-64 only (stock or patched)" >&2; exit 2; } ;;
*) echo "run-vm.sh: unknown kernel '$which' (stock, patched, arm64, both or all)" >&2; exit 2 ;;
esac
# Which kernels: x86-64 stock and patched, the arm64 one.
want() {
	case $which/$1 in
	all/*|both/stock|both/patched|stock/stock|patched/patched|arm64/arm64) return 0 ;;
	esac
	return 1
}

scripts=$MEMSTAT_TOP/scripts
work=$MEMSTAT_CACHE/run
mkdir -p "$work"
exec 9> "$MEMSTAT_CACHE/run.lock"
if ! flock -n 9; then
	log "waiting for another run-vm.sh on $MEMSTAT_CACHE to finish"
	flock 9
fi
# The tools of tools/memstat/memstat_tools.h (MEMSTAT_ONLY_TOOLS="pr ..."
# builds only those); every selftest runs, unless MEMSTAT_TESTS names
# some: the early ones, then cli_test.sh, then the others.  compact's and
# migrate's direct compaction run before cli_test.sh: after it (every
# tool started and stopped) direct compaction is about ten times slower,
# and on the stock kernel init_on_alloc's zeroing of each THP then trips
# the soft lockup watchdog (testing.rst, "Stalls"; cause not yet found).
early="compact_test.sh migrate_test.sh cli_test.sh"
tools=${MEMSTAT_ONLY_TOOLS:-$(make -s -C "$MEMSTAT_TOP/tools/memstat" list)}
[ -n "$tools" ] || die "no tools in tools/memstat/memstat_tools.h"
tests=${MEMSTAT_TESTS:-$early $(cd "$MEMSTAT_TOP/tools/testing/selftests/memstat" &&
	ls *_test.sh | grep -vxF "$(echo $early | tr ' ' '\n')" | LC_ALL=C sort |
	tr '\n' ' ')}
# Tests that need two NUMA nodes run in a VM of their own: the stock
# kernel (the patched one is built without CONFIG_NUMA) booted once more,
# with two nodes, after its one-node run.
numa_tests= rest=
for t in $tests; do
	case $t in
	migrate_numa_test.sh) numa_tests+=" $t" ;;
	*) rest+=" $t" ;;
	esac
done
tests=$rest
[ "$mode" = test ] || numa_tests=
host_passed=0 host_failed=0

# host_check DESC CMD...: a TAP line for a check made on the host.
host_check() {
	local desc=$1 log
	shift
	log=$work/check.log
	if "$@" > "$log" 2>&1; then
		echo "ok - $desc"
		host_passed=$((host_passed + 1))
	else
		echo "not ok - $desc"
		sed 's/^/# /' "$log" | tail -n 40
		host_failed=$((host_failed + 1))
	fi
}

# abort_run WHAT: a build step failed; nothing more to build.  The VMs
# of the kernels built so far still run and count.
abort_run() {
	echo "not ok - $1"
	host_failed=$((host_failed + 1))
	start_boots
	summary
	exit 1
}

# The arm64 build: Debian's cross compiler, linking against the arm64
# sysroot setup-host.sh unpacked (libc, libelf, libdw, zlib).
sysroot=$MEMSTAT_CACHE/sysroot-arm64
cross_kbuild=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- SYSROOT="$sysroot"
	      TPROGS_LDFLAGS=--sysroot="$sysroot")
cross_user=(CROSS_COMPILE=aarch64-linux-gnu- CC="aarch64-linux-gnu-gcc --sysroot=$sysroot")

# build_tools TREE OUT [arm64]: build tools, workload and tests in TREE
# (which must carry the series) and lay out the VM payload in OUT.
build_tools() {
	local tree=$1 out=$2 log=$2.build.log kb=() us=()
	[ "${3:-}" != arm64 ] || kb=("${cross_kbuild[@]}") us=("${cross_user[@]}")
	rm -rf "$out"
	mkdir -p "$out/bin" "$out/tests"
	{
		make -C "$tree" "${kb[@]}" -j"$MEMSTAT_JOBS" M=samples/bpf MEMSTAT_ONLY=1 \
			${MEMSTAT_ONLY_TOOLS:+MEMSTAT_TOOLS="$MEMSTAT_ONLY_TOOLS"} &&
		make -C "$tree/tools/testing/selftests/memstat" "${us[@]}"
	} > "$log" 2>&1 || { tail -n 30 "$log" >&2; return 1; }
	# The samples' clang | llc pipeline hides clang's exit status.
	if grep -q 'error:' "$log"; then
		grep 'error:' "$log" | head -n 20 >&2
		return 1
	fi
	for t in $tools; do
		cp "$tree/samples/bpf/$t" "$out/bin/"
		# report has no object of its own: it loads the others'.
		[ ! -f "$tree/samples/bpf/${t}_kern.c" ] ||
			cp "$tree/samples/bpf/${t}_kern.o" "$out/bin/"
	done
	cp "$tree/samples/bpf/memstat" "$out/bin/"
	for p in memstat_workload memstat_truth bpf_event_cost getdelays \
		 memstat_leaker memstat_interpose.so memstat_mallocprobes; do
		cp "$tree/tools/testing/selftests/memstat/$p" "$out/bin/"
	done
	cp "$tree"/tools/testing/selftests/memstat/*.sh "$out/tests/"
}

# installed TREE DIR: tools/memstat's install into DIR (man pages made
# by rst2man, a warning an error) holds the front-end, every tool and
# BPF object, memstat(8) and a memstat-TOOL(8) page per tool.
installed() {
	local tree=$1 dir=$2 t
	rm -rf "$dir"
	make -s -C "$tree/tools/memstat" clean install DESTDIR="$dir" prefix=/usr || return 1
	[ -x "$dir/usr/bin/memstat" ] && [ -f "$dir/usr/share/man/man8/memstat.8" ] || return 1
	for t in $tools; do
		[ -x "$dir/usr/lib/memstat/$t" ] && { [ ! -f "$tree/samples/bpf/${t}_kern.c" ] ||
			[ -f "$dir/usr/lib/memstat/${t}_kern.o" ]; } &&
			[ -f "$dir/usr/share/man/man8/memstat-$t.8" ] ||
			{ echo "$t: not installed whole"; return 1; }
	done
}

# rpm_built TREE DIR: rpmbuild of TREE's tools/memstat/memstat.spec (as
# openEuler builds tools) in DIR; the package holds the front-end, every
# tool, its BPF object as built, its man page and nothing else.
rpm_built() {
	local tree=$1 dir=$2 list t
	rm -rf "$dir"
	mkdir -p "$dir/x"
	rpmbuild -bb --nodeps --define "_topdir $dir" --define "ksrc $tree" \
		"$tree/tools/memstat/memstat.spec" > "$dir/build.log" 2>&1 ||
		{ tail -n 20 "$dir/build.log"; return 1; }
	list=$(rpm -qlp "$dir"/RPMS/*/memstat-*.rpm) || return 1
	rpm2cpio "$dir"/RPMS/*/memstat-*.rpm | (cd "$dir/x" && cpio -idm --quiet) || return 1
	grep -qx /usr/bin/memstat <<< "$list" &&
		grep -q '^/usr/share/man/man8/memstat\.8' <<< "$list" || return 1
	for t in $tools; do
		grep -qx "/usr/lib/memstat/$t" <<< "$list" &&
			{ [ ! -f "$tree/samples/bpf/${t}_kern.c" ] ||
			  cmp -s "$dir/x/usr/lib/memstat/${t}_kern.o" "$tree/samples/bpf/${t}_kern.o"; } &&
			grep -q "^/usr/share/man/man8/memstat-$t\.8" <<< "$list" ||
			{ echo "$t: missing from the package, or its BPF object changed"; return 1; }
	done
	! grep -v -E '^/usr/(bin/memstat|lib/\.build-id(/.*)?|lib/memstat(/[a-z0-9_]+(_kern\.o)?)?|share/man/man8/memstat(-[a-z0-9_]+)?\.8(\.gz)?)$' \
		<<< "$list"
}

# The stored series keeps placeholders: writing it to send must fail
# with a usage error naming them.
send_refused() {
	MEMSTAT_PATCH_AUTHOR= MEMSTAT_BUGZILLA= "$scripts/mkpatches.sh" --send "$work/send"
	[ $? -eq 2 ]
}

# Compiler diagnostics only: kbuild's own "WARNING:" lines are not ours.
no_compiler_warnings() { ! grep -E '(warning|error):' "$1"; }

# bpf_5_10_insns DIR: the BPF objects in DIR use no atomic operation but
# add without fetch, all 5.10's verifier takes ("BPF_STX uses reserved
# fields"): clang 14 emits an atomic or for an add of a constant 0, and
# fetch-add when the old value is used.
bpf_5_10_insns() {
	! llvm-objdump -d "$1"/*_kern.o | grep -E 'lock .*([|&^]=|fetch|xchg)'
}

# build_module TREE OUT [arm64]: build the selftests' test module against TREE,
# out of tree in a copy of its source beside OUT (no build output in a
# tree), and put it in the payload as OUT/modules/memstat_alloc_test.ko,
# without debug info (as INSTALL_MOD_STRIP=1 would): 10 KiB, not 250,
# for insmod to read, which keeps MemFree steady around a load.
build_module() {
	local tree=$1 out=$2 src=$2.module log=$2.module.log kb=() strip=strip
	[ "${3:-}" != arm64 ] || kb=("${cross_kbuild[@]}") strip=aarch64-linux-gnu-strip
	rm -rf "$src"
	cp -R "$tree/tools/testing/selftests/memstat/memstat_alloc_test" "$src"
	make -C "$tree" "${kb[@]}" M="$src" modules > "$log" 2>&1 ||
		{ tail -n 30 "$log" >&2; return 1; }
	mkdir -p "$out/modules"
	$strip --strip-debug -o "$out/modules/memstat_alloc_test.ko" "$src/memstat_alloc_test.ko"
}

# Every diagnostic of the module build is ours, modpost's included.
no_warnings() { ! grep -i -E 'warning|error' "$1"; }

# write_vm_main OUT: the guest's script (scripts/vm/) for this mode, and
# the tests to run in test mode.
write_vm_main() {
	local out=$1 script=$mode
	case $mode/$(basename "$out") in
	bench/base|bench/pageowner) script=bench-base ;;
	esac
	cp "$scripts/vm/$script.sh" "$out/vm-main.sh"
	chmod +x "$out/vm-main.sh"
	echo "$tests" > "$out/tests.list"
	echo "${MEMSTAT_BENCH:-}" > "$out/bench.list"
	echo "${MEMSTAT_STALL_ROUNDS:-1000} ${MEMSTAT_STALL_SECONDS:-120}" \
	     "${MEMSTAT_STALL_TOGGLES:-20}" > "$out/stall.rounds"
}

# boot LABEL BZIMAGE PAYLOAD [MODULES_DEB KABI]
boot() {
	local label=$1 kernel=$2 payload=$3 initrd=$work/$1.cpio.gz
	shift 3
	write_vm_main "$payload"
	local peers= cross=()
	case $label in stock|patched) peers=$peers_cpio ;; esac
	[ "$label" != arm64 ] || cross=(--sysroot "$sysroot")
	"$scripts/mkinitramfs.sh" --out "$initrd" --payload "$payload" "${cross[@]}" \
		${1:+--modules-deb "$1" --kabi "$2"} ${peers:+--append "$peers"} >&2
	# loglevel=5: a soft lockup or RCU stall comes with its stack.
	# page_owner=on on the patched kernel (CONFIG_PAGE_OWNER) for the
	# tests that read /sys/kernel/debug/page_owner; not in benchmarks,
	# which would count its stack saving in every allocation, but for
	# the boot (pageowner) that measures just that.
	local append=loglevel=5
	case $label in patched|arm64) [ "$mode" = bench ] || append+=" page_owner=on" ;; esac
	# arm64's default huge page (a PMD's, 512 MiB with 64 KiB pages) is
	# a quarter of its VM: hugetlbfs and the hugetlb tests take the 2 MiB
	# one (contiguous PTEs), which OLK-5.10 offers as well.
	[ "$label" != arm64 ] || append+=" default_hugepagesz=2M"
	[ "$label" = pageowner ] && append+=" page_owner=on"
	# A whole test run takes 15 to 25 minutes a kernel under TCG.
	local vmargs=(--kernel "$kernel" --initrd "$initrd" --name "$label"
		      --log "$work/$label.log" --append "$append" --timeout 3000)
	# 1 GiB is enough for every test and halves the time the loads
	# that fill memory take under TCG; benchmarks keep 2 GiB.  Two
	# vCPUs, so that the tools meet concurrency; vmtest.sh runs them
	# on the backported qemu: qemu 7.2 now and then kept a stale int3
	# in its translation cache after a BPF trampoline was attached or
	# detached at a hot function, and the guest looped on it
	# (testing.rst, "Stalls"; run-vm.sh stall).
	[ "$mode" = bench ] && vmargs+=(--icount) || vmargs+=(--mem 1024 --smp 2)
	[ "$label" = numa ] && vmargs+=(--numa 2)
	# arm64: 2 GiB.  Its blocks of 64 KiB pages' MAX_ORDER 14 are 512 MiB
	# (pageblocks too): 1 GiB holds two, and compaction, which works
	# within and between pageblocks, finds nothing to move.
	[ "$label" = arm64 ] && vmargs+=(--arch arm64 --mem 2048)
	"$scripts/vmtest.sh" "${vmargs[@]}" || true
	if [ "$label" = stock ] && [ -n "$numa_tests" ]; then
		tests=$numa_tests boot numa "$kernel" "$payload" "$@"
	fi
}

# boot_later LABEL ARGS...: in test mode, boot() once every kernel is
# built (start_boots), each VM in the background on a host CPU of its
# own; else boot() now.  Adds LABEL to labels[] either way.
queued=() booting=()
boot_later() {
	labels+=("$1")
	if [ "$mode" != test ]; then
		phase "boot-$1" boot "$@"
		return
	fi
	queued+=("$(printf '%q ' "$@")")
}
start_boots() {
	local q

	for q in "${queued[@]}"; do
		eval "phase boot-${q%% *} boot $q" &
		booting+=($!)
	done
	queued=()
}

# kbuild_built OUT: the top-level Kbuild against the stock kernel's
# headers package (Debian's linux-headers, unpacked) and Debian's libbpf:
# every tool but compact builds without a warning, and each BPF object
# has the instructions and relocations of the one the stock tree built
# (the debug info names other paths).  OUT/kbuild goes into the stock
# VM, where kbuild_test.sh runs the tools.
kbuild_built() {
	local out=$1 root=$1.headers f
	rm -rf "$root" "$out/kbuild"
	mkdir -p "$root"
	for f in "$HEADERS_DEB" "$HEADERS_COMMON_DEB"; do
		dpkg-deb -x "$f" "$root" || return 1
	done
	make -s -C "$MEMSTAT_TOP" -f Kbuild -j"$MEMSTAT_JOBS" O="$out/kbuild.build" \
		KDIR="$root/usr/src/linux-headers-$KABI" \
		KSRC="$(echo "$root"/usr/src/linux-headers-*-common)" \
		> "$out.kbuild.log" 2>&1 || { tail -n 20 "$out.kbuild.log"; return 1; }
	! grep -E '(warning|error):' "$out.kbuild.log" || return 1
	for f in "$out"/kbuild.build/*_kern.o; do
		cmp -s <(llvm-objdump -d -r "$f" | tail -n +3) \
			<(llvm-objdump -d -r "$pristine/samples/bpf/${f##*/}" | tail -n +3) ||
			{ echo "${f##*/}: not the code the tree built"; return 1; }
	done
	[ ! -e "$out/kbuild.build/compact" ] && [ -x "$out/kbuild.build/report" ] || return 1
	# The binaries and objects only, for the VM.
	mkdir -p "$out/kbuild"
	find "$out/kbuild.build" -maxdepth 1 -type f -exec cp {} "$out/kbuild/" \;
	rm -rf "$root" "$out/kbuild.build"
}

# openmetrics_ok LOG: the OpenMetrics text of report, sysstat and
# procstat that report_test.sh logged (as "# openmetrics TOOL LINE")
# passes Prometheus' own linter, each tool's apart.
openmetrics_ok() {
	local t
	for t in report sysstat procstat; do
		sed -n "s/^# openmetrics $t //p" "$1" | tr -d '\r' > "$1.$t.prom"
		[ -s "$1.$t.prom" ] || { echo "no OpenMetrics text of $t"; return 1; }
		"$MEMSTAT_CACHE/promtool/promtool" check metrics < "$1.$t.prom" ||
			{ echo "$t: promtool check metrics failed"; return 1; }
	done
}

# What in a VM's console log fails the run, test output and kernel
# messages alike: a kernel warning, BUG (soft lockups included), oops,
# RCU stall, hung task, panic, sanitizer report, or a tool's BPF program
# the verifier refused ("loading BPF programs failed").
kernel_bad='WARNING: CPU: [0-9]+ PID: [0-9]+ at |BUG: |kernel BUG at|Oops|general protection fault'
kernel_bad+='|detected stalls?|self-detected stall|soft lockup|hard LOCKUP'
kernel_bad+='|blocked for more than [0-9]+ seconds|Kernel panic|UBSAN:|KASAN:'
kernel_bad+='|list_(add|del) corruption|refcount_t: |loading BPF programs failed|verifier'
# What a test provokes knowingly, as "TEST<tab>PATTERN" (an extended
# regular expression): the line passes only while TEST runs.
# - vmscan_test.sh moves the memory controller from cgroup v2 to a v1
#   hierarchy while tmpfs pages are still charged to a v2 group: 5.10
#   uncharges them from the v1 root's counters afterwards, which warns of
#   the underflow (seen on the patched kernel when its files are removed).
kernel_allowed=$(printf '%s\t%s\n' \
	vmscan_test.sh 'WARNING: CPU: [0-9]+ PID: [0-9]+ at mm/page_counter\.c:[0-9]+ page_counter_uncharge\+')

# kernel_log_clean LOG: no line of LOG matches kernel_bad but for those
# kernel_allowed lets pass during the test that provokes them (the test
# running is the last "# running TEST" line before it).  The console
# log holds what a hung test left too.
kernel_log_clean() {
	printf '%s\n' "$kernel_allowed" | awk -F '\t' -v bad="$kernel_bad" '
		FNR == NR { if (NF == 2) { test[++n] = $1; re[n] = $2 } next }
		{ sub(/\r$/, "") }
		/^# running [^ ]+ on / { split($0, w, " "); cur = w[3] }
		$0 ~ bad {
			for (i = 1; i <= n; i++)
				if (cur == test[i] && $0 ~ re[i])
					next
			printf "%s (during %s)\n", $0, cur == "" ? "boot" : cur
			found = 1
		}
		END { exit found }' - "$1"
}

# summary: wait for the VMs, then "N passed, N failed[, N skipped]" over
# the host checks and every VM (one that did not finish counts a failure),
# after every VM's "not ok" lines; the status is 0 only when nothing
# failed and something passed.
summary() {
	local l p f s passed failed skipped=0

	[ ${#booting[@]} -eq 0 ] || wait "${booting[@]}"
	for l in "${labels[@]}"; do
		grep -q '^# openmetrics ' "$work/$l.log" 2> /dev/null || continue
		host_check "promtool check metrics accepts report, sysstat, procstat -M ($l)" \
			openmetrics_ok "$work/$l.log"
	done
	for l in "${labels[@]}"; do
		[ -r "$work/$l.log" ] || continue
		host_check "$l: no kernel warning, BUG, oops, stall, lockup or verifier failure in the console log" \
			kernel_log_clean "$work/$l.log"
	done
	passed=$host_passed failed=$host_failed
	for l in "${labels[@]}"; do
		if [ -r "$work/$l.log.counts" ]; then
			read -r p f s < "$work/$l.log.counts"
		else
			p=0 f=1 s=0
		fi
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	done
	# The failures again (with five lines after each) at the end,
	# where a log's tail shows them.
	for l in "${labels[@]}"; do
		[ -r "$work/$l.log" ] || continue
		awk '/^not ok/ { n = 6 } n && n-- { print }' "$work/$l.log" |
			sed "s/^/[$l] /"
	done
	printf 'phase %-24s %4ds\n' total $SECONDS >&2
	echo "$passed passed, $failed failed$([ $skipped -gt 0 ] && echo ", $skipped skipped")"
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
}

phase setup-host "$scripts/setup-host.sh"
# The peers of dreclaim, oomkill and swapin, for their benchmarks.
peers_cpio=
if [ "$mode" = bench ]; then
	case " ${MEMSTAT_BENCH:-dreclaim} " in
	*" dreclaim "*|*" oomkill "*|*" swapin "*)
		peers_cpio=$(phase peers "$scripts/peers.sh") ||
			die "getting the benchmark peers (scripts/peers.sh) failed" ;;
	esac
fi
load_vars phase fetch-kernel "$scripts/fetch-kernel.sh" --headers
pristine=$(phase prepare-tree "$scripts/prepare-tree.sh") ||
	die "preparing the Debian tree failed"

# Build and test what is in the work tree: its series, generated afresh.
phase mkpatches "$scripts/mkpatches.sh" --out "$work/series" > /dev/null ||
	die "generating the series from the work tree failed"
export MEMSTAT_SERIES=$work/series/linux-5.10
# The checks of the whole repo (minutes of checkpatch) in full runs; a
# run of some tests (MEMSTAT_TESTS) is for a change under work.
if [ "$mode" = test ] && [ -z "${MEMSTAT_TESTS:-}" ]; then
	host_check "patches/ is in sync with the repo" \
		diff -r "$MEMSTAT_TOP/patches" "$work/series/patches"
	for target in linux-5.10 OLK-5.10; do
		host_check "checkpatch --strict is clean on every patch of $target" \
			"$scripts/checkpatch.sh" "$work/series/$target"
	done
	host_check "mkpatches --send refuses the placeholder author and bugzilla" \
		send_refused
	host_check "tool list, docs, tests, patches and file budgets in step" \
		"$scripts/check-tools.sh"
	host_check "gfp decoder matches the flag names of the Debian tree" \
		"$MEMSTAT_TOP/tools/testing/selftests/memstat/gfp_names_check.sh" "$pristine"
fi

labels=()
if want stock; then
	# The stock kernel runs tools built against its own config: the
	# pristine tree with the series applied.
	host_check "series applies with git am to the pristine Debian tree" \
		"$scripts/apply-series.sh" "$pristine"
	phase build-tools-stock build_tools "$pristine" "$work/stock" ||
		abort_run "tools build for the stock kernel"
	[ "$mode" = test ] && host_check "tools build without compiler warnings (stock config)" \
		no_compiler_warnings "$work/stock.build.log"
	[ "$mode" = test ] && host_check "BPF objects: only the atomic add 5.10 verifies" \
		bpf_5_10_insns "$work/stock/bin"
	[ "$mode" = test ] && [ -z "${MEMSTAT_ONLY_TOOLS:-}" ] &&
		host_check "make install: the tools, their BPF objects, the man pages" \
		installed "$pristine" "$work/stock.install"
	[ "$mode" = test ] && [ -z "${MEMSTAT_ONLY_TOOLS:-}" ] &&
		host_check "rpmbuild of tools/memstat/memstat.spec: the package's files" \
		rpm_built "$pristine" "$work/stock.rpm"
	[ "$mode" = test ] && [ -z "${MEMSTAT_ONLY_TOOLS:-}" ] &&
		host_check "Kbuild: the tools from Debian's linux-headers and libbpf (not compact)" \
		kbuild_built "$work/stock"
	phase build-module-stock build_module "$pristine" "$work/stock" ||
		abort_run "test module build for the stock kernel"
	[ "$mode" = test ] && host_check "test module builds without warnings (stock kernel)" \
		no_warnings "$work/stock.module.log"
	dpkg-deb --fsys-tarfile "$IMAGE_DEB" | tar -xO "./boot/vmlinuz-$KABI" > "$work/vmlinuz-stock"
	[ "$mode" = stall ] ||
		boot_later stock "$work/vmlinuz-stock" "$work/stock" "$IMAGE_DEB" "$KABI"
	# boot() runs the numa VM after the stock one.
	[ -z "$numa_tests" ] || labels+=(numa)
fi
if want patched; then
	vars=$(phase build-kernel "$scripts/build-kernel.sh") ||
		abort_run "patched kernel build"
	eval "$vars"
	[ "$mode" = test ] && host_check "gfp decoder matches the flag names of the patched tree" \
		"$MEMSTAT_TOP/tools/testing/selftests/memstat/gfp_names_check.sh" "$PATCHED_TREE"
	phase build-tools-patched build_tools "$PATCHED_TREE" "$work/patched" ||
		abort_run "tools build for the patched kernel"
	[ "$mode" = test ] && host_check "tools build without compiler warnings (patched config)" \
		no_compiler_warnings "$work/patched.build.log"
	phase build-module-patched build_module "$PATCHED_TREE" "$work/patched" ||
		abort_run "test module build for the patched kernel"
	[ "$mode" = test ] && host_check "test module builds without warnings (patched kernel)" \
		no_warnings "$work/patched.module.log"
	boot_later patched "$PATCHED_KERNEL" "$work/patched"
fi
# arm64: the patched kernel cross-built with 64 KiB pages (Debian serves
# no arm64 image of this version), in qemu's virt machine.
if want arm64; then
	vars=$(phase build-kernel-arm64 "$scripts/build-kernel.sh" --arm64) ||
		abort_run "arm64 kernel build"
	eval "$vars"
	phase build-tools-arm64 build_tools "$ARM64_TREE" "$work/arm64" arm64 ||
		abort_run "tools build for arm64"
	[ "$mode" = test ] && host_check "tools build without compiler warnings (arm64)" \
		no_compiler_warnings "$work/arm64.build.log"
	[ "$mode" = test ] && host_check "BPF objects: only the atomic add 5.10 verifies (arm64)" \
		bpf_5_10_insns "$work/arm64/bin"
	phase build-module-arm64 build_module "$ARM64_TREE" "$work/arm64" arm64 ||
		abort_run "test module build for arm64"
	[ "$mode" = test ] && host_check "test module builds without warnings (arm64)" \
		no_warnings "$work/arm64.module.log"
	boot_later arm64 "$ARM64_KERNEL" "$work/arm64"
fi
# Stall mode: BOOTS boots of the stock kernel with two vCPUs, the
# reproducer's rounds in each until they end or make no progress for
# 60 s (scripts/vm/stall.sh).  MEMSTAT_STALL_ROUNDS rounds a boot at
# most (1000), MEMSTAT_STALL_SECONDS of them at most (120),
# MEMSTAT_STALL_TOGGLES ftrace toggles a round (20);
# MEMSTAT_STALL_APPEND more kernel arguments, MEMSTAT_STALL_QEMU more
# qemu arguments, MEMSTAT_QEMU another qemu-system-x86_64.
if [ "$mode" = stall ]; then
	cp "$work/vmlinuz-stock" "$work/stall.vmlinuz"
	write_vm_main "$work/stock"
	"$scripts/mkinitramfs.sh" --out "$work/stall.cpio.gz" --payload "$work/stock" \
		--modules-deb "$IMAGE_DEB" --kabi "$KABI" >&2
	stalled=0 rounds=
	for ((i = 1; i <= boots; i++)); do
		"$scripts/vmtest.sh" --kernel "$work/stall.vmlinuz" --initrd "$work/stall.cpio.gz" \
			--name "stall-$i" --log "$work/stall-$i.log" --mem 1024 --smp 2 \
			--idle 60 --timeout 1800 --qemu "${MEMSTAT_STALL_QEMU:-}" \
			--append "loglevel=5${MEMSTAT_STALL_APPEND:+ $MEMSTAT_STALL_APPEND}" \
			> /dev/null || true
		r=$(sed -n 's/^# stall: round \([0-9]*\) .*/\1/p' "$work/stall-$i.log" | tail -n 1)
		if grep -q '^ok - stall' "$work/stall-$i.log"; then
			log "boot $i: ${r:-0} rounds, no stall"
		else
			stalled=$((stalled + 1))
			log "boot $i: stalled after ${r:-0} rounds ($work/stall-$i.log)"
		fi
		rounds+=" ${r:-0}"
	done
	echo "# stall: $stalled of $boots boots stalled; rounds per boot:$rounds" \
	     "(${MEMSTAT_STALL_TOGGLES:-20} toggles a round; $(sed -n 's/^qemu: //p' "$work/stall-1.log" | head -n 1))" \
	     "${MEMSTAT_STALL_QEMU:+; qemu $MEMSTAT_STALL_QEMU}${MEMSTAT_STALL_APPEND:+; kernel $MEMSTAT_STALL_APPEND})"
	[ "$stalled" -eq 0 ]
	exit
fi
# Test mode: both VMs at once, once nothing builds any more (a build
# beside a VM slows its tests, and a VM's time is the run's).
start_boots

# The allocator's own cost with mm_page_alloc_path compiled in but
# disabled: the patched kernel against the same kernel without the
# series' kernel changes, same benchmark.
if [ "$mode" = bench ] && [ "$which" != stock ]; then
	vars=$(phase build-kernel-base "$scripts/build-kernel.sh" --base) ||
		abort_run "base kernel build"
	eval "$vars"
	rm -rf "$work/base"
	cp -R "$work/patched" "$work/base"
	phase boot-base boot base "$BASE_KERNEL" "$work/base"
	labels+=(base)
	# page_owner=on, the kernel's own call path of every page: the
	# patched kernel booted once more with it (a boot option).
	rm -rf "$work/pageowner"
	cp -R "$work/patched" "$work/pageowner"
	phase boot-pageowner boot pageowner "$PATCHED_KERNEL" "$work/pageowner"
	labels+=(pageowner)
	churn() { sed -n 's/.*# bench: nothing *\([0-9][0-9]*\).*/\1/p' "$work/$1.log" | head -n 1; }
	with=$(churn patched) without=$(churn base) owner=$(churn pageowner)
	if [ -n "$with" ] && [ -n "$without" ]; then
		echo "# bench: page fault + free, nothing attached: $with ns/page with" \
		     "mm_page_alloc_path compiled in (disabled), $without without" \
		     "(ratio $(awk -v a="$with" -v b="$without" 'BEGIN { printf "%.4f", a / b }'))"
	fi
	if [ -n "$with" ] && [ -n "$owner" ]; then
		echo "# bench: page_owner=on adds $((owner - with)) instructions per page" \
		     "($owner ns/page with it, $with without; patched kernel)"
	fi
fi
if [ "$mode" = bench ]; then
	echo "# command: scripts/run-vm.sh bench $which (qemu -icount: ns = instructions)"
fi
if [ "$mode" = demo ]; then
	# Show what the tools printed in the VM.
	for l in "${labels[@]}"; do
		sed -n '/MEMSTAT-VM: up/,/MEMSTAT-VM: exit/p' "$work/$l.log"
	done
fi

summary
