#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In the VM: procstat and sysstat on a demo workload, then memstat report
# while a memory cgroup re-reads a file larger than its limit.
export PATH=/memstat/bin:$PATH
memstat_workload hold --anon-kb 65536 --swap-kb 16384 --file-kb 8192 \
	--file /mnt/ramfs/demo --shmem-kb 16384 --stack-kb 256 --threads 4 \
	> /tmp/demo.wl &
pid=$!
while ! grep -q ready /tmp/demo.wl 2>/dev/null; do sleep 0.2; done
cat /tmp/demo.wl
for cmd in "memstat procstat -n 8" "memstat procstat -t -p $pid" \
	   "memstat sysstat -N"; do
	echo "\$ $cmd"
	$cmd && echo "ok - $cmd" || echo "not ok - $cmd"
done
kill $pid

# A 16 MiB cgroup whose process reads a 48 MiB file over and over.
cg=/sys/fs/cgroup/demo
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
mkdir -p $cg
echo $((16 << 20)) > $cg/memory.max
dd if=/dev/zero of=/mnt/disk/demo bs=1M count=48 2> /dev/null
# Out of the page cache, so that reading it charges the cgroup.
sync
echo 3 > /proc/sys/vm/drop_caches
sh -c "echo \$\$ > $cg/cgroup.procs
	while :; do cat /mnt/disk/demo > /dev/null; done" &
loop=$!
echo "\$ memstat report -d 8   # cgroup /demo: 16 MiB limit, re-reading 48 MiB"
memstat report -d 8 && echo "ok - memstat report" || echo "not ok - memstat report"
kill $loop
