#!/bin/sh
# live-bench.sh: live capture at a given rate. Two network namespaces
# joined by a veth pair (MTU 1500, GRO/GSO/TSO off); ssldissect sniffs one
# end with the capture's key log while tcpreplay sends the capture from the
# other at RATE Mbit/s ("top" for as fast as it goes). Prints one
# tab-separated line: binary, rate asked, rate tcpreplay reached (Mbit/s),
# packets sent, kernel_packets, kernel_drops, queue_drops, kernel_freezes,
# decrypted/connections, capture_method, sniffer CPU seconds, /proc/loadavg
# before.
#
#   scripts/live-bench.sh BINARY RATE CAPTURE.pcap [extra ssldissect flags]
#
# LOOP=N replays the capture N times over, the addresses changed each time
# (tcpreplay --unique-ip), so N times the connections.
# PIN=1 runs the sniffer on CPU 0 and tcpreplay on CPU 1 (taskset).
# Needs root, ip, ethtool and tcpreplay. The key log is CAPTURE.keylog
# (the name scripts/bench.sh gives it).
set -eu
bin=$1 rate=$2 pcap=$3
shift 3
keylog=${pcap%.pcap}.keylog
id=$$
a=sdbA$id b=sdbB$id
out=$(mktemp -d)
cleanup() { ip netns del "$a" 2>/dev/null || true; ip netns del "$b" 2>/dev/null || true; rm -rf "$out"; }
trap cleanup EXIT
ip netns add "$a"
ip netns add "$b"
ip link add vA netns "$a" mtu 1500 type veth peer name vB netns "$b" mtu 1500
for ns in "$a:vA" "$b:vB"; do
	n=${ns%%:*} i=${ns#*:}
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip -n "$n" link set "$i" up
	ip netns exec "$n" ethtool -K "$i" gro off gso off tso off >/dev/null 2>&1 || true
done
pin0= pin1=
if [ -n "${PIN:-}" ]; then pin0="taskset -c 0" pin1="taskset -c 1"; fi
load=$(cut -d' ' -f1-3 /proc/loadavg)
$pin0 ip netns exec "$a" "$bin" dissect -i vA -l "$keylog" --key-wait 0 --format json "$@" \
	>"$out/out.json" 2>"$out/err" &
pid=$!
i=0
until grep -q "listening on" "$out/err" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 100 ] || { cat "$out/err" >&2; exit 1; }
	sleep 0.1
done
unique=
[ "${LOOP:-1}" = 1 ] || unique=--unique-ip
if [ "$rate" = top ]; then
	speed=--topspeed
else
	speed=--mbps=$rate
fi
$pin1 ip netns exec "$b" tcpreplay -q -K --loop="${LOOP:-1}" $unique -i vB "$speed" "$pcap" >"$out/replay" 2>&1 || { cat "$out/replay" >&2; kill "$pid"; exit 1; }
# Let the sniffer catch up: it ends when SIGTERM comes and it has parsed
# what it holds.
sleep 2
# The sniffer's CPU time (user+system), in seconds.
cpu=$(awk '{printf "%.2f", ($14+$15)/100}' /proc/$pid/stat)
kill -TERM "$pid"
wait "$pid" || true
sent=$(sed -n 's/.*Actual: \([0-9]*\) packets.*/\1/p' "$out/replay")
mbps=$(sed -n 's/.*Rated: .*, \([0-9.]*\) Mbps.*/\1/p' "$out/replay")
sum=$(grep '"type":"summary"' "$out/out.json")
field() { printf '%s' "$sum" | sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p"; }
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s/%s\t%s\t%s\t%s\n' "$(basename "$bin")" "$rate" "$mbps" "$sent" \
	"$(field kernel_packets)" "$(field kernel_drops)" "$(field queue_drops)" "$(field kernel_freezes)" \
	"$(field decrypted_connections)" "$(field connections)" "$(field capture_method)" "$cpu" "$load"
