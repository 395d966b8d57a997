# SPDX-License-Identifier: GPL-2.0
#
# A Documentation/memstat page as plain reStructuredText for rst2man:
# the title becomes the page's name (-v name=...), the tool's line of
# memstat_tools.h (-v desc=...) its description, section 8; Sphinx's
# cross references become man page names; index.rst's toctree becomes a
# list of the tools' pages (-v tools=memstat_tools.h).
# Usage: awk -v name=NAME -v desc=TEXT [-v tools=FILE] -f man.awk PAGE.rst

function bar(c, n,	s) {
	while (length(s) < n)
		s = s c
	return s
}

# The title block (overline, title, underline) as the name, then the
# description.
title < 2 && /^=+$/ {
	if (++title < 2)
		next
	print bar("=", length(name))
	print name
	print bar("=", length(name))
	print ""
	print bar("-", length(desc))
	print desc
	print bar("-", length(desc))
	print ""
	print ":Manual section: 8"
	print ":Manual group: memstat"
	next
}
title == 1 { next }

# Sphinx's toctree: dropped, the tools are listed at the end.
/^\.\. toctree::/ { toc = 1; next }
toc && (/^$/ || /^[ \t]/) { next }
{ toc = 0 }

{
	gsub(/:doc:`index`/, "memstat(8)")
	gsub(/:doc:`testing`/, "Documentation/memstat/testing.rst")
	while (match($0, /:doc:`[a-z0-9_]+`/))
		$0 = substr($0, 1, RSTART - 1) "memstat-" \
		     substr($0, RSTART + 6, RLENGTH - 7) "(8)" \
		     substr($0, RSTART + RLENGTH)
	print
}

END {
	if (!tools)
		exit
	print ""
	print "Tools"
	print "====="
	print ""
	while ((getline line < tools) > 0) {
		if (line !~ /^MEMSTAT_TOOL\(/)
			continue
		t = line
		sub(/^MEMSTAT_TOOL\(/, "", t)
		sub(/,.*/, "", t)
		d = line
		sub(/^[^"]*"/, "", d)
		sub(/"\)$/, "", d)
		print "memstat-" t "(8)"
		print "    " d
	}
}
