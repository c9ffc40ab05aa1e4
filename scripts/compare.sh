#!/bin/sh
# compare.sh: wall time and maximum resident memory of ssldissect, tshark and
# ssldump over synthetic captures of the given sizes, measured in one run.
#
#   scripts/compare.sh [SIZE...]        e.g. scripts/compare.sh 100M 400M
#
# SIZE is bytes or a number with K, M or G (default: 100M 400M). For each size
# a capture is generated from testdata/pcaps/*.pcap by internal/synth (every
# connection of those captures repeated with its own client address and port,
# 8 in flight at a time) together with the key log that decrypts it. Then each
# tool reads it once per run, output to /dev/null, under /usr/bin/time -v.
#
# Environment:
#   OUT=DIR      work directory (default /tmp/ssldissect-compare); the
#                captures are kept there and reused when already of that size
#   RUNS=N       runs of each command (default 1); the table shows the fastest
#   SKIP=REGEX   leave out commands whose label matches (e.g. SKIP=keys)
#   WORKERS="N.." also run ssldissect json [keys] with --workers N (e.g.
#                WORKERS=2; rows "ssldissect json [keys] wN")
#   INPUTS=GLOB  template captures (default testdata/pcaps/*.pcap)
#   STEP=D       time between two packets of the synthetic capture (default
#                10us, 100k packets/s). ssldissect keeps an ended connection
#                until --idle-timeout (2m) of capture time has passed, so a
#                capture shorter than that keeps all of them: use STEP=1ms
#                (1000 packets/s, 35 connections/s) to see memory with a
#                capture that spans more than the idle timeout.
#
# Needs GNU time (/usr/bin/time; on Debian: apt-get install time), tshark and
# ssldump (apt-get install tshark ssldump). A tool that is missing is skipped.
# The machine's load average is printed before and after every command: on a
# shared machine, quote it with the numbers.
set -eu
cd "${ROOT:-$(dirname "$0")/..}" # ROOT: the source tree, when this script is run from a copy
OUT=${OUT:-/tmp/ssldissect-compare}
RUNS=${RUNS:-1}
SKIP=${SKIP:-'^$'}
WORKERS=${WORKERS:-}
INPUTS=${INPUTS:-testdata/pcaps/*.pcap}
STEP=${STEP:-10us}
[ $# -gt 0 ] || set -- 100M 400M

if [ ! -x /usr/bin/time ]; then
	echo "compare.sh: /usr/bin/time (GNU time) is missing: apt-get install time" >&2
	exit 1
fi
TSHARK=$(command -v tshark || true)
SSLDUMP=$(command -v ssldump || ls /usr/sbin/ssldump 2>/dev/null || true)
mkdir -p "$OUT"
echo "# building ssldissect"
CGO_ENABLED=0 go build -o "$OUT/ssldissect" ./cmd/ssldissect
go build -o "$OUT/synthpcap" ./internal/synth/cmd/synthpcap
SSLD="$OUT/ssldissect"
unset SSLKEYLOGFILE || true

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -srm), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# ssldissect $(git describe --always --dirty 2>/dev/null || echo '?'); $("$TSHARK" -v 2>/dev/null | head -1 || echo 'no tshark'); ssldump $(dpkg-query -W -f '${Version}' ssldump 2>/dev/null || echo '?')"

RESULTS="$OUT/results.tsv"
: >"$RESULTS"

# measure LABEL SIZE FILE CMD...: run CMD RUNS times, keep the fastest.
measure() {
	label=$1 size=$2 file=$3
	shift 3
	if echo "$label" | grep -Eq "$SKIP"; then return; fi
	best=""
	i=0
	while [ $i -lt "$RUNS" ]; do
		i=$((i + 1))
		load0=$(cut -d' ' -f1 /proc/loadavg)
		/usr/bin/time -v -o "$OUT/time.txt" "$@" >/dev/null 2>"$OUT/stderr.txt" || {
			echo "compare.sh: $label failed: $(tail -3 "$OUT/stderr.txt")" >&2
			return
		}
		load1=$(cut -d' ' -f1 /proc/loadavg)
		wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(j=1;j<=n;j++) s=s*60+t[j]; print s}' "$OUT/time.txt")
		cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$OUT/time.txt")
		rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/time.txt")
		printf '%s\t%s\t%s\trun %d: wall %ss cpu %ss maxrss %s KB load %s->%s\n' "$size" "$label" "$*" "$i" "$wall" "$cpu" "$rss" "$load0" "$load1"
		if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then
			best=$wall bestcpu=$cpu bestrss=$rss bestload="$load0->$load1"
		fi
	done
	bytes=$(stat -L -c %s "$file")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$label" "$bytes" "$best" "$bestcpu" "$bestrss" "$bestload" >>"$RESULTS"
}

for size in "$@"; do
	pcap="$OUT/synth-$size-$STEP.pcap" keys="$OUT/synth-$size-$STEP.keylog"
	if [ ! -s "$pcap" ] || [ ! -s "$keys" ]; then
		"$OUT/synthpcap" -size "$size" -step "$STEP" -o "$pcap" -keylog "$keys" $INPUTS
	fi
	measure "ssldissect json" "$size" "$pcap" "$SSLD" --format json "$pcap"
	measure "ssldissect text" "$size" "$pcap" "$SSLD" "$pcap"
	measure "ssldissect audit" "$size" "$pcap" "$SSLD" audit "$pcap"
	measure "ssldissect json keys" "$size" "$pcap" "$SSLD" --format json -l "$keys" "$pcap"
	for w in $WORKERS; do
		measure "ssldissect json w$w" "$size" "$pcap" "$SSLD" --workers "$w" --format json "$pcap"
		measure "ssldissect json keys w$w" "$size" "$pcap" "$SSLD" --workers "$w" --format json -l "$keys" "$pcap"
	done
	if [ -n "$SSLDUMP" ]; then
		measure "ssldump" "$size" "$pcap" "$SSLDUMP" -r "$pcap" -n
		measure "ssldump keys" "$size" "$pcap" "$SSLDUMP" -r "$pcap" -n -l "$keys"
	fi
	if [ -n "$TSHARK" ]; then
		measure "tshark" "$size" "$pcap" "$TSHARK" -r "$pcap" -Y tls -T fields -e tls.record.content_type
		measure "tshark keys" "$size" "$pcap" "$TSHARK" -r "$pcap" -o "tls.keylog_file:$keys" -Y tls -T fields -e tls.record.content_type
	fi
done

# The table: each row against ssldissect json (no keys) or, for the rows
# with keys, ssldissect json keys, of the same size: the other tool's wall
# time, CPU time (user+system) and max RSS over ssldissect's, so 5x means
# ssldissect is 5 times faster or smaller. On a loaded machine, wall time
# includes waiting for a CPU; CPU time does not.
echo
echo "# results (fastest of $RUNS run(s)); ratios against ssldissect json [keys] of the same size"
awk -F'\t' '
{ size[NR]=$1; label[NR]=$2; bytes[NR]=$3; wall[NR]=$4; cpu[NR]=$5; rss[NR]=$6; load[NR]=$7
  if ($2=="ssldissect json") { bw[$1]=$4; bc[$1]=$5; br[$1]=$6 }
  if ($2=="ssldissect json keys") { kw[$1]=$4; kc[$1]=$5; kr[$1]=$6 } }
END {
  printf "%-6s %-22s %8s %8s %8s %8s %9s  %-22s %s\n", "size", "command", "MB", "wall s", "cpu s", "MB/s", "maxRSS MB", "vs ssldissect: wall/cpu/rss", "load"
  for (i=1;i<=NR;i++) {
    keyed = (label[i] ~ /keys/)
    rw = keyed ? kw[size[i]] : bw[size[i]]; rc = keyed ? kc[size[i]] : bc[size[i]]; rr = keyed ? kr[size[i]] : br[size[i]]
    ratio = "-"
    if (label[i] !~ /^ssldissect/ && rw > 0 && rc > 0) ratio = sprintf("%.2fx / %.2fx / %.1fx", wall[i]/rw, cpu[i]/rc, rss[i]/rr)
    printf "%-6s %-22s %8.1f %8.2f %8.2f %8.1f %9.1f  %-22s %s\n", size[i], label[i], bytes[i]/1e6, wall[i], cpu[i], (wall[i]>0 ? bytes[i]/1e6/wall[i] : 0), rss[i]/1024, ratio, load[i]
  }
}' "$RESULTS"
echo "# load average now: $(cat /proc/loadavg)"
