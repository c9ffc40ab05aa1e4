#!/usr/bin/env bash
# mkpcaps-quic.sh — makes the QUIC test captures testdata/pcaps/quicgo-*.pcap
# with quic-go (testdata/gen/quicgo, its own Go module requiring
# github.com/quic-go/quic-go v0.65.0) on both sides, talking over a veth pair
# between two network namespaces that this script creates and removes.
#
# Needs root (ip netns, ethtool, tcpdump), plus tcpdump, ethtool, iproute2,
# go (and the module proxy or module cache for quic-go); tshark, if present,
# for the check at the end.
#
#   testdata/gen/mkpcaps-quic.sh            # (re)make every QUIC capture
#   testdata/gen/mkpcaps-quic.sh NAME...    # only these (quicgo-v1 ...)
#
# Traffic stays inside the namespaces sslds-qc (10.77.0.1) and sslds-qs
# (10.77.0.2), UDP port 443; tcpdump (`udp`) runs in the server namespace on
# the server's veth end, offloads off on both ends (lib.sh netns_up), and
# quic-go's UDP GSO is off (QUIC_GO_DISABLE_GSO), so every datagram is one
# <=1500-byte frame.
#
# For every capture NAME it writes NAME.pcap, NAME.keylog (the client's NSS
# key log) and, per bidirectional stream, NAME.s<ID>.c2s / NAME.s<ID>.s2c:
# the exact bytes the client sent / received on stream ID (decimal QUIC
# stream ID, 0 4 8 ...), recorded by the client, which also checks each
# response against the expected body. With two connections (quicgo-0rtt) the
# files are NAME.c1.s<ID>.* and NAME.c2.s<ID>.*. Re-running replaces the
# captures with new (equally valid, not byte-identical) ones.
#
# The request on each stream is "GET <size>\n" (then FIN); the response is
# exactly <size> bytes of 64-byte lines "quicgo line 00001 .....\n".
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testdata/gen/lib.sh
. "$HERE/lib.sh"
ME=mkpcaps-quic.sh
NSC=sslds-qc NSS=sslds-qs
VC=sslds-qvc VS=sslds-qvs
C4=10.77.0.1 S4=10.77.0.2 C6= S6=
WAIT_N=100
OUT_EXTS="pcap keylog"
SRV_STDIN=/dev/null
CAP_FILTER=udp
SRV_PROTO=udp
export QUIC_GO_DISABLE_GSO=true QUIC_GO_DISABLE_RECEIVE_BUFFER_WARNING=true

require tcpdump ethtool ip go timeout
work_init sslds-quic

# quicgo NAME "SERVER FLAGS" "CLIENT FLAGS" — one capture: quicgo server on
# 10.77.0.2:443 (ECDSA cert), quicgo client writing NAME.keylog and
# NAME[.cN].s<ID>.{c2s,s2c} into testdata/pcaps.
quicgo() {
	local name=$1 sflags=$2 cflags=$3
	rm -f "$OUT/$name".*
	cap_start "$name"
	# shellcheck disable=SC2086
	srv_start 443 "$WORK/bin/quicgo" server -listen :443 -cert "$CERTS/server-ecdsa.pem" \
		-key "$CERTS/server-ecdsa.key" $sflags
	# shellcheck disable=SC2086
	timeout 30 ip netns exec $NSC "$WORK/bin/quicgo" client -connect $S4:443 -servername server.test \
		-ca "$CA" -keylog "$OUT/$name.keylog" -out "$OUT/$name" $cflags ||
		{ echo "quicgo client failed" >&2; srv_wait 1; cap_stop; cat "$WORK/srv.log" >&2; return 1; }
	srv_wait 5
	cap_stop
	cat "$WORK/srv.log" >&2
}

cap_quicgo-v1() { quicgo "$1" "-version v1" "-version v1 -streams 3 -size 30000"; }
cap_quicgo-v2() { quicgo "$1" "-version v2" "-version v2 -streams 3 -size 30000"; }
cap_quicgo-retry() { quicgo "$1" "-retry" "-streams 3 -size 30000"; }
cap_quicgo-0rtt() { quicgo "$1" "-0rtt -n 2" "-0rtt -conns 2 -streams 2 -size 20000"; }

ALL=(quicgo-v1 quicgo-v2 quicgo-retry quicgo-0rtt)

# tshark_check NAME — how many QUIC packets tshark sees and how many STREAM
# frames it decrypts (tshark 4.0 knows QUIC v1 only).
tshark_check() {
	command -v tshark >/dev/null || return 0
	local name=$1 q s
	q=$(tshark -r "$OUT/$name.pcap" -Y quic -T fields -e frame.number 2>/dev/null | wc -l)
	s=$(tshark -r "$OUT/$name.pcap" -o "tls.keylog_file:$OUT/$name.keylog" -Y 'quic.frame_type >= 8 && quic.frame_type <= 15' \
		-T fields -e frame.number 2>/dev/null | wc -l)
	log "$name: tshark: $q QUIC packets, $s with STREAM frames decrypted"
}

main() {
	mkdir -p "$OUT" "$WORK/bin"
	(cd "$HERE/quicgo" && go build -o "$WORK/bin/quicgo" .)
	netns_up
	local names=("$@")
	((${#names[@]})) || names=("${ALL[@]}")
	local n
	for n in "${names[@]}"; do
		declare -F "cap_$n" >/dev/null || { echo "unknown capture $n" >&2; exit 1; }
		log "$n"
		"cap_$n" "$n"
		tshark_check "$n"
	done
}

main "$@"
