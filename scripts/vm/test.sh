#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In the VM: run the selftests /memstat/tests.list names, in order.  Each
# script must run its whole plan and exit 0 (4: skipped as a whole).
export PATH=/memstat/bin:$PATH
cd /memstat/tests || exit 1
for t in $(cat /memstat/tests.list); do
	echo "# running $t on $(uname -r)"
	start=$(cut -d . -f 1 /proc/uptime)
	# Live output: the runner's idle watchdog sees a test make progress.
	{ sh ./$t; echo $? > /tmp/$t.rc; } 2>&1 | tee /tmp/$t.out
	rc=$(cat /tmp/$t.rc)
	echo "# $t took $(($(cut -d . -f 1 /proc/uptime) - start)) s"
	plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' /tmp/$t.out | head -n 1)
	ran=$(grep -c -E '^(not )?ok [0-9]' /tmp/$t.out)
	if [ "$plan" = 0 ] && [ $rc -eq 4 ]; then
		echo "ok - $t # SKIP $(grep '^1\.\.0' /tmp/$t.out)"
	elif [ -z "$plan" ] || [ "$ran" -ne "$plan" ] || [ $rc -ne 0 ]; then
		echo "not ok - $t: plan ${plan:-missing}, ran $ran, exit $rc"
	fi
done
