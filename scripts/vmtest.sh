#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel and a memstat initramfs in qemu (TCG; KVM with
# MEMSTAT_KVM=1), stream
# the useful serial console lines, and count the TAP results the VM printed.
#
# Usage: vmtest.sh --kernel BZIMAGE --initrd FILE.cpio.gz [--name LABEL]
#                  [--timeout SECONDS (900)] [--mem MiB (2048)] [--smp N (2)]
#                  [--log FILE] [--append "extra cmdline"] [--icount]
#                  [--idle SECONDS (300)] [--boot SECONDS (120)] [--numa NODES (1)]
#                  [--qemu "more qemu arguments"] [--arch x86_64|arm64]
#
# --arch arm64 boots an arm64 Image on qemu's virt machine (-cpu max, its
# PMUv3 included), console on the PL011, the disk on virtio-mmio.
# --idle ends the VM when no test output (TAP, "#" lines) reached its
# console for that long: a guest stuck in soft lockups still logs those.
# Before it stops qemu it writes where each vCPU is (qemu's monitor:
# info cpus, and each CPU's registers) to the log, with python3.
# --boot: a kernel that has not started the VM's init ("MEMSTAT-VM: up")
# that long after qemu started is stopped the same way and booted once
# more, the hung boot's log kept as LOG.boot1: under TCG a vCPU at times
# stays halted for good early in boot, no test having run yet
# (Documentation/memstat/testing.rst, "Stalls").
#
# The VM gets one virtio disk of 32 MiB (/dev/vda), its writes throttled
# to 1 MiB/s: writeback that lasts long enough to be measured.
#
# --icount runs one CPU with -icount shift=0,sleep=off: guest time then
# advances one nanosecond per instruction, so timings repeat exactly
# (use it for benchmarks; it is slower).
#
# The whole console goes to the log (default: a temporary file); lines with
# TAP results or diagnostics, MEMSTAT-VM: lines and kernel oopses go to
# stdout prefixed with "[LABEL] ", every line with MEMSTAT_VERBOSE=1.
# The last line is "N passed, N failed[, N skipped]"; the numbers also go
# to LOG.counts as "passed failed skipped".  Exits 0 only when nothing
# failed and something passed.
set -euo pipefail
. "$(dirname "$0")/common.sh"

usage() { sed -n '/^# Usage:/,/^#$/s/^# \{0,1\}//p' "$0" >&2; exit 2; }

kernel='' initrd='' label=vm timeout=900 idle=300 boot=120 mem=2048 smp=2 logf='' append=''
numa=1 qemu_more='' arch=x86_64
# A host thread per vCPU.  qemu 7.2 (Debian 12's) now and then kept a
# stale int3 in its translation cache after the kernel patched a hot
# function another vCPU ran (a BPF trampoline attached or detached), and
# the guest looped there; thread=single made vCPUs spinning on each
# other's locks crawl.  qemu 8.1 and later do not race: VMs of more than
# one vCPU run on the backport below (Documentation/memstat/testing.rst,
# "Stalls"; run-vm.sh stall reproduces it).
accel=(-accel tcg,thread=multi -cpu max)
# KVM only when asked for (MEMSTAT_KVM=1) and /dev/kvm is usable: some
# hosts expose a /dev/kvm that stops in the firmware.  TCG stays the
# default and the benchmark method (--icount).
if [ "${MEMSTAT_KVM:-0}" = 1 ] && [ -w /dev/kvm ]; then
	accel=(-accel kvm -cpu host)
fi
while [ $# -gt 0 ]; do
	if [ "$1" = --icount ]; then
		accel=(-accel tcg -icount shift=0,sleep=off -cpu max)
		smp=1
		shift
		continue
	fi
	[ $# -ge 2 ] || usage
	case $1 in
	--kernel) kernel=$2 ;;
	--initrd) initrd=$2 ;;
	--name) label=$2 ;;
	--timeout) timeout=$2 ;;
	--idle) idle=$2 ;;
	--boot) boot=$2 ;;
	--mem) mem=$2 ;;
	--smp) smp=$2 ;;
	--log) logf=$2 ;;
	--append) append=$2 ;;
	--numa) numa=$2 ;;
	--qemu) qemu_more=$2 ;;
	--arch) arch=$2 ;;
	*) usage ;;
	esac
	shift 2
done
[ -n "$kernel" ] && [ -n "$initrd" ] || usage
[ -r "$kernel" ] || die "cannot read kernel $kernel"
[ -r "$initrd" ] || die "cannot read initrd $initrd"
for n in "$timeout" "$idle" "$boot" "$mem" "$smp" "$numa"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "not a positive number: $n"
done
# The machine, console and disk bus of each architecture.  arm64: the
# pointer authentication qemu implements its own way (pauth-impdef),
# several times faster under TCG than the architected QARMA.
qarch=x86_64 machine=() console=ttyS0 blkdev=virtio-blk-pci
case $arch in
x86_64) ;;
arm64) qarch=aarch64 machine=(-M virt) console=ttyAMA0 blkdev=virtio-blk-device
       accel=("${accel[@]/#max/max,pauth-impdef=on}")
       [ "$numa" -eq 1 ] || die "--numa is for x86_64 VMs" ;;
*) die "unknown --arch $arch (x86_64 or arm64)" ;;
esac
# The qemu: MEMSTAT_QEMU if set; else, for more than one vCPU, the
# backport setup-host.sh unpacked into the cache (qemu 8.1 or later:
# 7.2 stalls two vCPUs now and then, testing.rst "Stalls"); else Debian
# 12's qemu 7.2 (the benchmarks' instruction counts were taken with it).
# A qemu outside /usr gets its own firmware (-L).
qemu=${MEMSTAT_QEMU:-}
if [ -z "$qemu" ]; then
	qemu=qemu-system-$qarch
	backport=$MEMSTAT_CACHE/qemu/usr/bin/qemu-system-$qarch
	if [ "$smp" -gt 1 ]; then
		[ -x "$backport" ] ||
			die "$smp vCPUs need qemu 8.1 or later: run scripts/setup-host.sh (or set MEMSTAT_QEMU)"
		qemu=$backport
	fi
fi
qemu=$(command -v "$qemu") || die "${MEMSTAT_QEMU:-qemu-system-$qarch} missing: run scripts/setup-host.sh"
qemu_root=$(dirname "$(dirname "$qemu")")
qemu_data=()
[ "$qemu_root" = /usr ] ||
	qemu_data=(-L "$qemu_root/share/qemu" -L "$qemu_root/share/seabios")

if [ -z "$logf" ]; then
	logf=$(mktemp "${TMPDIR:-/tmp}/vmtest-$label.XXXXXX.log")
else
	mkdir -p "$(dirname "$logf")"
fi
rm -f "$logf.counts" "$logf.boot1"

# What is worth showing live: TAP, our own markers, the kernel in trouble.
show='^[[:space:]]*(not )?ok\b|^[[:space:]]*#|MEMSTAT-VM:'
show+='|Kernel panic|BUG:|Oops|general protection fault|WARNING:|RIP:|Call Trace:'
show+='|Out of memory|soft lockup|blocked for more than'
[ "${MEMSTAT_VERBOSE:-0}" = 1 ] && show=

# progress: lines the tests print (TAP, diagnostics, our markers); a stuck
# kernel keeps printing stall reports, some lines without a timestamp.
progress() { grep -c -E '^(ok|not ok|#|1\.\.|MEMSTAT-VM:)' "$logf" 2>/dev/null || true; }
# where_cpus: qemu's monitor asked where each vCPU is (twice, a second
# apart: a stuck vCPU stays put), as "vcpu-state:" lines.
where_cpus() {
	command -v python3 > /dev/null || return 0
	python3 - "$monitor" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
def ask(cmd):
    s.sendall((cmd + "\n").encode())
    time.sleep(1)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
            if out.endswith(b"(qemu) "):
                break
    except socket.timeout:
        pass
    return out.decode(errors="replace")
ask("")
for n in (1, 2):
    for cmd in ("info cpus", "info registers -a"):
        for l in ask(cmd).replace("\r", "").splitlines():
            if l and not l.startswith("(qemu)") and not l.startswith("info "):
                print("vcpu-state %d: %s" % (n, l))
PY
}
# stop_vm WHY: say why in the log, where the vCPUs are, and stop qemu.
stop_vm() {
	echo "MEMSTAT-VM: $1, stopping the VM" >> "$logf"
	where_cpus >> "$logf" 2>&1
	# Our qemu only: by the pid it wrote, never by pattern.
	kill "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null || true
}
watch_idle() {
	local last=-1 now quiet=0 t0=$SECONDS
	while sleep 10; do
		if [ $((SECONDS - t0)) -ge "$boot" ] && ! grep -q 'MEMSTAT-VM: up' "$logf"; then
			stop_vm "not up after ${boot}s"
			return
		fi
		now=$(progress)
		if [ "$now" != "$last" ]; then
			last=$now quiet=0
			continue
		fi
		quiet=$((quiet + 10))
		if [ $quiet -ge "$idle" ]; then
			stop_vm "no progress for ${idle}s"
			return
		fi
	done
}

pidfile=$logf.pid
monitor=$logf.mon
rm -f "$pidfile" "$monitor"
disk=$logf.disk
slow_disk=(-drive "if=none,id=slow,file=$disk,format=raw,throttling.bps-write=1048576"
	   -device "$blkdev,drive=slow")

# --numa: the memory split evenly into nodes; the CPUs on node 0, the
# others memory only (as a CPU-less memory tier).
numa_args=()
for ((i = 0; numa > 1 && i < numa; i++)); do
	cpus=
	[ $i -ne 0 ] || cpus=",cpus=0-$((smp - 1))"
	numa_args+=(-object "memory-backend-ram,id=mem$i,size=$((mem / numa))M"
		    -numa "node,nodeid=$i,memdev=mem$i$cpus")
done

# boot_once: one qemu run, its console in $logf (first line: the qemu
# that ran), the useful lines on stdout; sets rc to qemu's status.
boot_once() {
	echo "qemu: $("$qemu" --version | head -n 1)" > "$logf"
	log "$label: booting $(basename "$kernel"), console log in $logf"
	rm -f "$disk"
	truncate -s 32M "$disk"
	start=$SECONDS
	watch_idle &
	watcher=$!
	# stdin from /dev/null: -nographic would otherwise grab the terminal.
	# sed -u strips the serial console's \r (a lone one ends a line) and
	# SeaBIOS's terminal escapes without holding lines back.
	set +e +o pipefail
	timeout --kill-after=10 "$timeout" \
		"$qemu" "${qemu_data[@]}" "${machine[@]}" "${accel[@]}" -smp "$smp" -m "$mem" \
		"${numa_args[@]}" -nographic -no-reboot -nic none -pidfile "$pidfile" \
		"${slow_disk[@]}" -monitor "unix:$monitor,server=on,wait=off" $qemu_more \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=$console panic=-1 quiet${append:+ $append}" < /dev/null 2>&1 |
		sed -u 's/\r*$//; s/\r/\n/g; s/\x1b\(c\|\[[0-9;?]*[A-Za-z]\)//g' | tee -a "$logf" |
		grep --line-buffered -E -- "$show" |
		while IFS= read -r line; do printf '[%s] %s\n' "$label" "$line"; done
	rc=${PIPESTATUS[0]}
	rm -f "$pidfile" "$monitor"
	kill $watcher 2>/dev/null
	wait $watcher 2>/dev/null
	set -e -o pipefail
	log "$label: qemu ended after $((SECONDS - start))s with status $rc"
}

boot_once
if grep -q "MEMSTAT-VM: not up after ${boot}s" "$logf"; then
	mv "$logf" "$logf.boot1"
	echo "# $label: boot hung before the VM's init; booting again (its log: $logf.boot1):"
	grep -v '^vcpu-state' "$logf.boot1" | tail -n 6 | sed "s/^/# $label: /"
	boot_once
fi
rm -f "$disk"

# Plain TAP at the start of a line counts; nested (indented) results
# belong to their parent test.
read -r passed failed skipped < <(awk '
	/^ok([ \t]|$)/ { if (tolower($0) ~ /#[ \t]*skip/) s++; else p++; next }
	/^not ok([ \t]|$)/ { f++ }
	END { print p + 0, f + 0, s + 0 }' "$logf")

if ! grep -q 'MEMSTAT-VM: exit [0-9]' "$logf"; then
	failed=$((failed + 1))
	echo "not ok - $label: VM did not finish (timeout or crash)"
	[ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] ||
		echo "# $label: killed by the ${timeout}s timeout"
	tail -n 15 "$logf" | sed "s/^/# $label: /"
fi

echo "$passed $failed $skipped" > "$logf.counts"
summary="$passed passed, $failed failed"
[ "$skipped" -eq 0 ] || summary+=", $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
