#!/usr/bin/env bash
# bench.sh: ssldissect against tshark and ssldump on two captures of real
# TLS connections made by the project's generator (internal/synth,
# cmd/tlspcap), measured in one run, and the table of issue 13 ("Measured,
# not hoped"): now against target, pass or fail per row.
#
#   scripts/bench.sh            (make bench)
#
# The captures (made once, kept in OUT and reused):
#   bulk        BULK_CONNS (1000) connections x BULK_BYTES (131072) bytes of
#               application data, about 143 MB
#   handshakes  HANDSHAKE_CONNS (20000) x HANDSHAKE_BYTES (1024), about 68 MB
# each with the key log that decrypts it. Connection n is variant n mod 9 of
# synth.Variants (TLS 1.3 AES-128/256-GCM and ChaCha20, TLS 1.2 ECDHE-RSA and
# ECDHE-ECDSA AES-GCM, ChaCha20 and CBC-SHA); the client sends a quarter of
# the data (at most 1 KiB), the server the rest; 8 connections in flight.
# After generating a capture, ssldissect is run once on it with the key log
# and must report every connection decrypted.
#
# The commands, each under GNU time, output to /dev/null:
#   ssldissect dissect --format json [-l KEYS] FILE
#   tshark -r FILE [-o tls.keylog_file:KEYS] -Y tls -T fields -e tls.record.content_type
#   ssldump -r FILE -n
# A ratio is the other tool's wall time over ssldissect's (CPU time, user +
# system, in brackets): 20x means ssldissect took a twentieth of the time.
# The verdict is on wall time. Peak RSS is the largest maximum resident set
# of the ssldissect runs.
#
# Environment:
#   OUT=DIR     work directory (default /tmp/ssldissect-bench)
#   RUNS=N      runs of each command (default 1), taking turns; the fastest counts
#   SEED=N      generator seed (default 1)
#   BULK_CONNS, BULK_BYTES, HANDSHAKE_CONNS, HANDSHAKE_BYTES: sizes
#   STRICT=1    exit 1 when a row fails (default: print the table, exit 0)
#
# Needs GNU time (/usr/bin/time), tshark and ssldump (Debian: apt-get
# install time tshark ssldump); a missing one is an error. The load average
# is printed before and after every command: quote it with the numbers.
set -eu
cd "${ROOT:-$(dirname "$0")/..}" # ROOT: the source tree, when this script is run from a copy
OUT=${OUT:-/tmp/ssldissect-bench}
RUNS=${RUNS:-1}
SEED=${SEED:-1}
BULK_CONNS=${BULK_CONNS:-1000}
BULK_BYTES=${BULK_BYTES:-131072}
HANDSHAKE_CONNS=${HANDSHAKE_CONNS:-20000}
HANDSHAKE_BYTES=${HANDSHAKE_BYTES:-1024}
STRICT=${STRICT:-0}

die() {
	echo "bench.sh: $*" >&2
	exit 1
}
[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is missing: apt-get install time"
TSHARK=$(command -v tshark || true)
SSLDUMP=$(command -v ssldump || ls /usr/sbin/ssldump 2>/dev/null || true)
[ -n "$TSHARK" ] || die "tshark is missing: apt-get install tshark"
[ -n "$SSLDUMP" ] || die "ssldump is missing: apt-get install ssldump"

mkdir -p "$OUT"
echo "# building ssldissect and tlspcap"
CGO_ENABLED=0 go build -o "$OUT/ssldissect" ./cmd/ssldissect
CGO_ENABLED=0 go build -o "$OUT/tlspcap" ./internal/synth/cmd/tlspcap
SSLD="$OUT/ssldissect"
unset SSLKEYLOGFILE || true
# A capture is named by its parameters and the generator binary, so that a
# changed generator makes new captures.
GEN=$(sha256sum "$OUT/tlspcap" | cut -c1-10)

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -srm), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "# ssldissect $(git describe --always --dirty 2>/dev/null || echo '?'); $("$TSHARK" -v 2>/dev/null | head -1); ssldump $(dpkg-query -W -f '${Version}' ssldump 2>/dev/null || echo '?')"
echo "# load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

# capture NAME CONNS BYTES: sets PCAP and KEYS, generating them if needed.
capture() {
	PCAP="$OUT/$1-$2x$3-s$SEED-$GEN.pcap" KEYS="$OUT/$1-$2x$3-s$SEED-$GEN.keylog"
	if [ ! -s "$PCAP" ] || [ ! -s "$KEYS" ] || [ ! -e "$PCAP.ok" ]; then
		rm -f "$PCAP.ok"
		"$OUT/tlspcap" -conns "$2" -bytes "$3" -seed "$SEED" -o "$PCAP" -keylog "$KEYS"
		# Every connection decrypts, or the numbers measure something else.
		sum=$("$SSLD" dissect --format json -l "$KEYS" "$PCAP" | tail -1)
		{ echo "$sum" | grep -q "\"tls_connections\":$2," && echo "$sum" | grep -q "\"decrypted_connections\":$2,"; } ||
			die "$PCAP: not every connection decrypted: $sum"
		echo "$sum" >"$PCAP.ok"
	fi
	echo "# $1: $PCAP ($(stat -L -c %s "$PCAP") bytes, $2 connections x $3 bytes), $KEYS"
}

# measure ID CMD...: run CMD once; keep the fastest run's wall, CPU,
# max RSS (KB) and load for ID. The tools take turns, run by run (each
# tool's first run, then each one's second, ...), so that a slow spell of
# the shared machine falls on all of them rather than on one tool's runs.
RESULTS="$OUT/results.tsv"
: >"$RESULTS"
declare -A best bestcpu bestrss bestload runs
measure() {
	id=$1
	shift
	i=$((${runs[$id]:-0} + 1))
	runs[$id]=$i
	load0=$(cut -d' ' -f1 /proc/loadavg)
	/usr/bin/time -v -o "$OUT/time.txt" "$@" >/dev/null 2>"$OUT/stderr.txt" ||
		die "$id failed: $(tail -3 "$OUT/stderr.txt")"
	load1=$(cut -d' ' -f1 /proc/loadavg)
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(j=1;j<=n;j++) s=s*60+t[j]; print s}' "$OUT/time.txt")
	cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$OUT/time.txt")
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/time.txt")
	printf '%-26s run %d: wall %6.2fs cpu %6.2fs maxrss %7.1f MB load %s -> %s  (%s)\n' "$id" "$i" "$wall" "$cpu" "$(echo "$rss" | awk '{print $1/1024}')" "$load0" "$load1" "$*"
	if [ -z "${best[$id]:-}" ] || awk "BEGIN{exit !($wall < ${best[$id]})}"; then
		best[$id]=$wall bestcpu[$id]=$cpu bestrss[$id]=$rss bestload[$id]="$load0->$load1"
	fi
}

for set in bulk handshakes; do
	if [ $set = bulk ]; then
		capture bulk "$BULK_CONNS" "$BULK_BYTES"
	else
		capture handshakes "$HANDSHAKE_CONNS" "$HANDSHAKE_BYTES"
	fi
	r=0
	while [ $r -lt "$RUNS" ]; do
		r=$((r + 1))
		measure "$set ssldissect keys" "$SSLD" dissect --format json -l "$KEYS" "$PCAP"
		measure "$set ssldissect" "$SSLD" dissect --format json "$PCAP"
		measure "$set ssldump" "$SSLDUMP" -r "$PCAP" -n
		measure "$set tshark keys" "$TSHARK" -r "$PCAP" -o "tls.keylog_file:$KEYS" -Y tls -T fields -e tls.record.content_type
	done
done
for id in "${!best[@]}"; do
	printf '%s\t%s\t%s\t%s\t%s\n' "$id" "${best[$id]}" "${bestcpu[$id]}" "${bestrss[$id]}" "${bestload[$id]}" >>"$RESULTS"
done

echo
echo "# issue 13: ratio = other tool's wall time / ssldissect's (CPU-time ratio in brackets); fastest of $RUNS run(s)"
awk -F'\t' -v strict="$STRICT" '
{ wall[$1]=$2; cpu[$1]=$3; rss[$1]=$4; load[$1]=$5 }
function row(name, other, mine, target,   r, c, ok) {
  r = wall[other] / wall[mine]; c = (cpu[mine] > 0 ? cpu[other] / cpu[mine] : 0)
  ok = (r >= target); if (!ok) fails++
  printf "| %-42s | %6.2fx (cpu %6.2fx) | >= %4.1fx  | %-4s | %6.2fs / %6.2fs | %s, %s |\n", name, r, c, target, ok ? "pass" : "FAIL", wall[other], wall[mine], load[other], load[mine]
}
END {
  printf "| %-42s | %-22s | %-9s | %-4s | %-17s | %s |\n", "", "now", "target", "", "wall: other / ssldissect", "load (other, ssldissect)"
  printf "| %-42s | %-22s | %-9s | %-4s | %-17s | %s |\n", "---", "---", "---", "---", "---", "---"
  row("bulk, with keys vs tshark", "bulk tshark keys", "bulk ssldissect keys", 20)
  row("bulk, with keys vs ssldump *without* keys", "bulk ssldump", "bulk ssldissect keys", 1.0)
  row("bulk, without keys vs ssldump", "bulk ssldump", "bulk ssldissect", 1.5)
  row("handshakes, with keys vs tshark", "handshakes tshark keys", "handshakes ssldissect keys", 10)
  row("handshakes, without keys vs ssldump", "handshakes ssldump", "handshakes ssldissect", 1.5)
  peak = 0
  for (k in rss) if (k ~ /ssldissect/ && rss[k] > peak) { peak = rss[k]; which = k }
  ok = (peak / 1024 <= 150); if (!ok) fails++
  printf "| %-42s | %-22s | <= 150 MB | %-4s | %-17s | %s |\n", "peak RSS", sprintf("%.1f MB", peak / 1024), ok ? "pass" : "FAIL", which, load[which]
  printf "# %d of 6 rows fail\n", fails
  if (strict == 1 && fails > 0) exit 1
}' "$RESULTS"
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
