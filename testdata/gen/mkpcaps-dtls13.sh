#!/usr/bin/env bash
# mkpcaps-dtls13.sh — makes the DTLS 1.3 (RFC 9147) test captures
# testdata/pcaps/wolfssl-dtls13-*.pcap with dtls13peer
# (testdata/gen/dtls13/dtls13peer.c) on both sides: wolfSSL 5.5.4 from
# Debian 12's source package, rebuilt with DTLS 1.3, connection IDs and the
# TLS 1.3 secret callback by testdata/gen/dtls13/build.sh (Debian's binary
# libwolfssl has DTLS 1.2 only). The two talk over a veth pair between two
# network namespaces that this script creates and removes; the sibling of
# mkpcaps-quic.sh with the same lib.sh helpers and addresses.
#
# Needs root (ip netns, ethtool, tcpdump, apt-get in build.sh), plus
# tcpdump, ethtool, iproute2, python3; tshark, if present, for the check at
# the end.
#
#   testdata/gen/mkpcaps-dtls13.sh            # (re)make every DTLS 1.3 capture
#   testdata/gen/mkpcaps-dtls13.sh NAME...    # only these (wolfssl-dtls13-cid ...)
#
# DTLS13_BUILD (default /tmp/sslds-wolfssl-dtls13) is build.sh's directory.
#
# Traffic stays inside the namespaces sslds-3c (10.77.0.1) and sslds-3s
# (10.77.0.2), UDP port 4433; tcpdump (`udp`) runs in the server namespace on
# the server's veth end, offloads off on both ends (lib.sh netns_up). wolfSSL
# sends one record a datagram at most 1500 bytes, no record over MTU.
#
# For every capture NAME it writes NAME.pcap, NAME.keylog (the client's NSS
# key log, from wolfSSL's TLS 1.3 secret callback:
# CLIENT/SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT/SERVER_TRAFFIC_SECRET_0),
# NAME.c2s and NAME.s2c: the exact application bytes the client sent / the
# server sent (each side writes what it received, and the script checks that
# against what the other side sent). The exchange runs in 4 rounds: client
# part i (records of at most 1000 bytes), then server part i; then the
# client sends close_notify and the server answers with its own. Re-running
# replaces the captures with new (equally valid, not byte-identical) ones.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testdata/gen/lib.sh
. "$HERE/lib.sh"
ME=mkpcaps-dtls13.sh
NSC=sslds-3c NSS=sslds-3s
VC=sslds-3vc VS=sslds-3vs
C4=10.77.0.1 S4=10.77.0.2 C6= S6=
WAIT_N=100
OUT_EXTS="pcap keylog c2s s2c"
SRV_STDIN=/dev/null
CAP_FILTER=udp
SRV_PROTO=udp
PORT=4433
C2S_SIZE=6000 S2C_SIZE=12000
BUILD=${DTLS13_BUILD:-/tmp/sslds-wolfssl-dtls13}
PEER=$BUILD/dtls13peer

require tcpdump ethtool ip timeout python3
work_init sslds-dtls13

# dtls13 NAME "SERVER FLAGS" "CLIENT FLAGS" — one capture: dtls13peer server
# on 10.77.0.2:4433 (ECDSA cert), dtls13peer client (verifies it against
# ca.pem for server.test) writing NAME.keylog; then NAME.c2s / NAME.s2c.
dtls13() {
	local name=$1 sflags=$2 cflags=$3
	rm -f "$OUT/$name".*
	body "$name-c2s" $C2S_SIZE > "$WORK/$name.c2s"
	body "$name-s2c" $S2C_SIZE > "$WORK/$name.s2c"
	rm -f "$WORK/$name.sgot" "$WORK/$name.cgot"
	cap_start "$name"
	# shellcheck disable=SC2086
	srv_start $PORT "$PEER" server -port $PORT -cert "$CERTS/server-ecdsa.pem" -key "$CERTS/server-ecdsa.key" \
		-in "$WORK/$name.s2c" -out "$WORK/$name.sgot" -peer-size $C2S_SIZE $sflags
	# shellcheck disable=SC2086
	timeout 30 ip netns exec $NSC "$PEER" client -connect $S4 -port $PORT -ca "$CA" -name server.test \
		-in "$WORK/$name.c2s" -out "$WORK/$name.cgot" -peer-size $S2C_SIZE -keylog "$OUT/$name.keylog" $cflags \
		2>"$WORK/cli.log" ||
		{ echo "dtls13peer client failed" >&2; cat "$WORK/cli.log" >&2; srv_wait 1; cap_stop; cat "$WORK/srv.log" >&2; return 1; }
	srv_wait 5
	cap_stop
	cat "$WORK/cli.log" "$WORK/srv.log" >&2
	same "$WORK/$name.c2s" "$WORK/$name.sgot" "$name c2s" || return 1
	same "$WORK/$name.s2c" "$WORK/$name.cgot" "$name s2c" || return 1
	cp "$WORK/$name.c2s" "$OUT/$name.c2s"
	cp "$WORK/$name.s2c" "$OUT/$name.s2c"
}

AES128="-cipher TLS13-AES128-GCM-SHA256"
CHACHA="-cipher TLS13-CHACHA20-POLY1305-SHA256"

# plain: no HelloRetryRequest (the server's default stateless cookie
# exchange off), client key share P-256 (wolfSSL's default).
cap_wolfssl-dtls13-aes128-gcm() { dtls13 "$1" "-nocookie $AES128" "$AES128"; }
# HRR: the server's stateless HelloRetryRequest with a cookie (wolfSSL's
# DTLS 1.3 default), which also asks for P-256 instead of the client's
# X25519 key share.
cap_wolfssl-dtls13-hrr() { dtls13 "$1" "$AES128 -groups P-256" "$AES128 -groups X25519,P-256 -keyshare X25519"; }
# CID: the server wants 8-byte CIDs (0x5e..), the client 4-byte ones (0xc1..).
cap_wolfssl-dtls13-cid() { dtls13 "$1" "-nocookie $AES128 -cid 5e5e5e5e00000001" "$AES128 -cid c1c1c101"; }
# KeyUpdate: the client calls wolfSSL_update_keys before round 2
# (update_requested, so the server updates too).
cap_wolfssl-dtls13-keyupdate() { dtls13 "$1" "-nocookie $AES128" "$AES128 -keyupdate 2"; }
cap_wolfssl-dtls13-chacha20() { dtls13 "$1" "-nocookie $CHACHA" "$CHACHA"; }

ALL=(wolfssl-dtls13-aes128-gcm wolfssl-dtls13-hrr wolfssl-dtls13-cid wolfssl-dtls13-keyupdate wolfssl-dtls13-chacha20)

# tshark_check NAME — what tshark 4.0 sees in clear: DTLS records, the
# handshake messages (types), unified-header records and ACK records.
tshark_check() {
	command -v tshark >/dev/null || return 0
	local name=$1 f=$OUT/$1.pcap d=(-d udp.port==$PORT,dtls) r hs
	r=$(tshark -r "$f" "${d[@]}" -Y dtls -T fields -e frame.number 2>/dev/null | wc -l)
	hs=$(tshark -r "$f" "${d[@]}" -Y dtls.handshake.type -T fields -e dtls.handshake.type 2>/dev/null | tr '\n' ' ')
	log "$name: tshark: $r DTLS datagrams; handshake types in clear: $hs"
}

# decrypt_check NAME — every record decrypts with NAME.keylog and the
# application data is NAME.c2s / NAME.s2c (dtls13-decrypt-check.py; needs
# python3-cryptography).
decrypt_check() {
	python3 -c 'import cryptography' 2>/dev/null || { log "no python3-cryptography: decrypt check skipped"; return 0; }
	python3 "$HERE/dtls13-decrypt-check.py" "$OUT/$1.pcap" "$OUT/$1.keylog" "$OUT/$1.c2s" "$OUT/$1.s2c" >&2
}

main() {
	mkdir -p "$OUT"
	"$HERE/dtls13/build.sh" "$BUILD"
	netns_up
	local names=("$@")
	((${#names[@]})) || names=("${ALL[@]}")
	local n
	for n in "${names[@]}"; do
		declare -F "cap_$n" >/dev/null || { echo "unknown capture $n" >&2; exit 1; }
		log "$n"
		"cap_$n" "$n"
		tshark_check "$n"
		decrypt_check "$n"
	done
}

main "$@"
