#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In the VM: procstat and sysstat on a demo workload.
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
