#!/usr/bin/env bash
# mkpcaps-pion.sh — makes the test captures testdata/pcaps/pion-*.pcap with
# pion/dtls (testdata/gen/piondtls, its own Go module requiring
# github.com/pion/dtls/v3 v3.1.16 for the DTLS 1.2 captures pion-dtls12-* and
# github.com/pion/dtls/v4 v4.0.2 for the DTLS 1.3 captures pion-dtls13-*)
# on both sides, talking over a veth pair between two network namespaces that
# this script creates and removes.
#
# Needs root (ip netns, ethtool, tcpdump), plus tcpdump, ethtool, iproute2,
# go (and the module proxy or module cache for pion/dtls); tshark, if
# present, for the check at the end.
#
#   testdata/gen/mkpcaps-pion.sh            # (re)make every pion capture
#   testdata/gen/mkpcaps-pion.sh NAME...    # only these (pion-dtls12-cid ...)
#   testdata/gen/mkpcaps-pion.sh dtls12     # only the DTLS 1.2 ones (dtls13: 1.3)
#
# Traffic stays inside the namespaces sslds-pc (10.77.0.1) and sslds-ps
# (10.77.0.2), veth sslds-pvc / sslds-pvs, UDP port 4433; tcpdump (`udp`)
# runs in the server namespace on the server's veth end, offloads off on both
# ends (lib.sh netns_up), MTU 1500. Every application record is at most 1200
# bytes, so no datagram is IP-fragmented.
#
# For every capture NAME it writes NAME.pcap, NAME.keylog (the client's NSS
# key log: DTLS 1.2: CLIENT_RANDOM <client_random> <master_secret>; DTLS 1.3:
# CLIENT_/SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_/SERVER_TRAFFIC_SECRET_0 and
# EXPORTER_SECRET), NAME.c2s (the
# exact application bytes the client sent) and NAME.s2c (those the server
# sent). Both sides record what they sent and received; the client checks
# the server's bytes against the expected body and exits nonzero otherwise,
# and this script fails the capture unless the server's record of both
# directions equals the client's. Re-running replaces the captures with new
# (equally valid, not byte-identical) ones.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testdata/gen/lib.sh
. "$HERE/lib.sh"
ME=mkpcaps-pion.sh
NSC=sslds-pc NSS=sslds-ps
VC=sslds-pvc VS=sslds-pvs
C4=10.77.0.1 S4=10.77.0.2 C6= S6=
PORT=4433
WAIT_N=100
OUT_EXTS="pcap keylog c2s s2c"
SRV_STDIN=/dev/null
CAP_FILTER=udp
SRV_PROTO=udp

require tcpdump ethtool ip go timeout cmp
work_init sslds-pion

# pion NAME SEND RECV "COMMON FLAGS" "SERVER FLAGS" "CLIENT FLAGS" — one
# capture: the piondtls server on 10.77.0.2:4433 (ECDSA certificate unless
# the flags say otherwise), the client sends SEND bytes and receives RECV
# bytes, writing NAME.keylog, NAME.c2s and NAME.s2c into testdata/pcaps.
pion() {
	local name=$1 send=$2 recv=$3 common=$4 sflags=$5 cflags=$6
	rm -f "$OUT/$name".*
	cap_start "$name"
	# shellcheck disable=SC2086
	srv_start $PORT "$WORK/bin/piondtls" server -listen :$PORT -recv "$send" -send "$recv" \
		-out "$WORK/$name.srv" $common $sflags
	# shellcheck disable=SC2086
	timeout 30 ip netns exec $NSC "$WORK/bin/piondtls" client -connect $S4:$PORT -servername server.test \
		-ca "$CA" -keylog "$OUT/$name.keylog" -out "$OUT/$name" -send "$send" -recv "$recv" $common $cflags ||
		{ echo "piondtls client failed" >&2; srv_wait 1; cap_stop; cat "$WORK/srv.log" >&2; return 1; }
	srv_wait 5
	cap_stop
	cat "$WORK/srv.log" >&2
	grep -q '^piondtls server: done' "$WORK/srv.log" || { echo "piondtls server failed" >&2; return 1; }
	same "$WORK/$name.srv.c2s" "$OUT/$name.c2s" "$name c2s (server's record vs client's)" &&
		same "$WORK/$name.srv.s2c" "$OUT/$name.s2c" "$name s2c (server's record vs client's)"
}

# pion13 NAME SEND RECV "COMMON FLAGS" "SERVER FLAGS" "CLIENT FLAGS" — the
# same with the DTLS 1.3 subcommands server13 / client13 (pion/dtls v4).
pion13() {
	local name=$1 send=$2 recv=$3 common=$4 sflags=$5 cflags=$6
	rm -f "$OUT/$name".*
	cap_start "$name"
	# shellcheck disable=SC2086
	srv_start $PORT "$WORK/bin/piondtls" server13 -listen :$PORT -recv "$send" -send "$recv" \
		-out "$WORK/$name.srv" $common $sflags
	# shellcheck disable=SC2086
	timeout 30 ip netns exec $NSC "$WORK/bin/piondtls" client13 -connect $S4:$PORT -servername server.test \
		-ca "$CA" -keylog "$OUT/$name.keylog" -out "$OUT/$name" -send "$send" -recv "$recv" $common $cflags ||
		{ echo "piondtls client13 failed" >&2; srv_wait 1; cap_stop; cat "$WORK/srv.log" >&2; return 1; }
	srv_wait 5
	cap_stop
	cat "$WORK/srv.log" >&2
	grep -q '^piondtls server13: done' "$WORK/srv.log" || { echo "piondtls server13 failed" >&2; return 1; }
	same "$WORK/$name.srv.c2s" "$OUT/$name.c2s" "$name c2s (server's record vs client's)" &&
		same "$WORK/$name.srv.s2c" "$OUT/$name.s2c" "$name s2c (server's record vs client's)"
}

ECDSA="-cert $CERTS/server-ecdsa.pem -key $CERTS/server-ecdsa.key"
CHUNKS_C="-chunks 1000,1,517,1200,64"
CHUNKS_S="-chunks 1200,333,1000,16"

# 8-byte CIDs both ways; the client pads its tls12_cid records with 13 zero
# bytes (PaddingLengthGenerator), the server does not pad.
cap_pion-dtls12-cid() {
	pion "$1" 6000 9000 "-suite TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 -cid 8" \
		"$ECDSA $CHUNKS_S" "$CHUNKS_C -pad 13"
}
# The client sends an empty CID (OnlySendCIDGenerator: it will send CIDs but
# wants none), the server asks for 6-byte CIDs: client->server records are
# tls12_cid with the server's CID, server->client records are plain.
cap_pion-dtls12-cid-oneway() {
	pion "$1" 5000 7000 "-suite TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" \
		"$ECDSA $CHUNKS_S -cid 6" "$CHUNKS_C -cid send"
}
cap_pion-dtls12-ccm8() {
	pion "$1" 5000 7000 "-suite TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8" "$ECDSA $CHUNKS_S" "$CHUNKS_C"
}
cap_pion-dtls12-psk() {
	pion "$1" 4000 6000 "-suite TLS_PSK_WITH_AES_128_CCM_8 -psk 0123456789abcdef0123456789abcdef" \
		"$CHUNKS_S -psk-hint pion-server-hint" "$CHUNKS_C -psk-hint pion-client-identity"
}
# pion has no AES_128_CBC_SHA suite; TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA is
# its only ECDSA CBC suite (MAC-then-encrypt, no encrypt_then_mac).
cap_pion-dtls12-cbc() {
	pion "$1" 5000 7000 "-suite TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" "$ECDSA $CHUNKS_S" "$CHUNKS_C"
}
cap_pion-dtls12-ems-off() {
	pion "$1" 5000 7000 "-suite TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 -ems disable" "$ECDSA $CHUNKS_S" "$CHUNKS_C"
}

ALL12=(pion-dtls12-cid pion-dtls12-cid-oneway pion-dtls12-ccm8 pion-dtls12-psk pion-dtls12-cbc pion-dtls12-ems-off)

# DTLS 1.3 (pion/dtls v4.0.2). A pion DTLS 1.3 server answers every first
# ClientHello with a cookie HelloRetryRequest unless -no-cookie
# (WithInsecureSkipVerifyHello); the client sends a key share for its first
# group only. pion writes every DTLS 1.3 record after the ServerHello with a
# unified header (16-bit sequence number, length present).

# No HelloRetryRequest: -no-cookie, and both sides want X25519 first.
cap_pion-dtls13-aes128-gcm() {
	pion13 "$1" 5000 7000 "-suite TLS_AES_128_GCM_SHA256 -curves X25519,P-256" \
		"$ECDSA $CHUNKS_S -no-cookie" "$CHUNKS_C"
}

# HelloRetryRequest with both a cookie (pion's default) and
# key_share.selected_group: the client prefers X25519 and sends only an X25519
# key share; the server prefers P-256, which the client offered in
# supported_groups.
cap_pion-dtls13-hrr() {
	pion13 "$1" 5000 7000 "-suite TLS_AES_128_GCM_SHA256" \
		"$ECDSA $CHUNKS_S -curves P-256,X25519" "$CHUNKS_C -curves X25519,P-256"
}
# 8-byte CIDs both ways (WithConnectionID(RandomCIDGenerator(8))); the
# default cookie HRR.
cap_pion-dtls13-cid() {
	pion13 "$1" 6000 9000 "-suite TLS_AES_128_GCM_SHA256 -curves X25519 -cid 8" "$ECDSA $CHUNKS_S" "$CHUNKS_C"
}
# KeyUpdates: the client calls UpdateKeys(update_requested) after its 3rd and
# 7th application records (epoch 3 -> 4 -> 5; the server answers each with its
# own KeyUpdate: 3 -> 4 -> 5), the server calls UpdateKeys (not requested)
# after its 4th record (5 -> 6: epoch bits 2 again, as in the handshake epoch).
cap_pion-dtls13-keyupdate() {
	pion13 "$1" 6000 9000 "-suite TLS_AES_128_GCM_SHA256 -curves X25519" \
		"$ECDSA $CHUNKS_S -keyupdate 4" "$CHUNKS_C -keyupdate 3,7 -keyupdate-request"
}
cap_pion-dtls13-chacha20() {
	pion13 "$1" 5000 7000 "-suite TLS_CHACHA20_POLY1305_SHA256 -curves X25519" "$ECDSA $CHUNKS_S" "$CHUNKS_C"
}
cap_pion-dtls13-aes256() {
	pion13 "$1" 5000 7000 "-suite TLS_AES_256_GCM_SHA384 -curves P-384" "$ECDSA $CHUNKS_S" "$CHUNKS_C"
}

ALL13=(pion-dtls13-aes128-gcm pion-dtls13-hrr pion-dtls13-cid pion-dtls13-keyupdate pion-dtls13-chacha20 pion-dtls13-aes256)
declare -A CID13=([pion-dtls13-cid]=8,8)
ALL=("${ALL12[@]}" "${ALL13[@]}")

# tshark_check NAME — with NAME.keylog: the DTLS records tshark sees, how
# many are tls12_cid (content type 25 on the wire: dtls.record.special_type),
# and the application bytes it decrypts each way (data.len of the decrypted
# application_data records) against the sizes of NAME.c2s / NAME.s2c.
tshark_check() {
	command -v tshark >/dev/null || return 0
	local name=$1 f=$OUT/$1
	tshark -r "$f.pcap" -o "tls.keylog_file:$f.keylog" -Y dtls -T fields -E separator=/t \
		-e udp.dstport -e dtls.record.content_type -e dtls.record.special_type -e data.len 2>/dev/null |
		python3 -c '
import sys
port, name, c2s, s2c = sys.argv[1:]
recs = cid = 0
app = {"c2s": [0, 0], "s2c": [0, 0]}
for line in sys.stdin:
    dport, types, special, lens = (line.rstrip("\n").split("\t") + [""] * 4)[:4]
    recs += len([t for t in types.split(",") if t])
    cid += len([t for t in special.split(",") if t])
    d = app["c2s" if dport == port else "s2c"]
    for n in lens.split(","):
        if n:
            d[0] += int(n)
            d[1] += 1
print("%s: tshark: %d DTLS records, %d with CID (tls12_cid); decrypted application data: "
      "c2s %d bytes in %d records (%s: %s), s2c %d bytes in %d records (%s: %s)" % (
          name, recs, cid, app["c2s"][0], app["c2s"][1], "c2s", c2s,
          app["s2c"][0], app["s2c"][1], "s2c", s2c))
ok = app["c2s"][0] == int(c2s) and app["s2c"][0] == int(s2c)
print("%s: tshark: %s" % (name, "decrypted bytes match c2s/s2c" if ok else "MISMATCH against c2s/s2c"))
' "$PORT" "$name" "$(wc -c <"$f.c2s")" "$(wc -c <"$f.s2c")" | sed 's/^/== /' >&2
}

# check13 NAME — a DTLS 1.3 capture: TShark 4.0 cannot decrypt DTLS 1.3 or
# parse unified headers, so it is asked only for the handshake messages it
# sees in clear (DTLSPlaintext, epoch 0: ClientHello, HelloRetryRequest /
# ServerHello). The datagrams themselves are walked here (pcap-records13.py):
# per direction the plaintext records by content type and the unified-header
# records by epoch bits, sequence number width, length field and CID; with the
# key log it decrypts them (its own HKDF, record number decryption and AEAD)
# and fails unless every record decrypts and the application data each way
# equals NAME.c2s / NAME.s2c. CID13[NAME] = "C2SLEN,S2CLEN", the CID lengths
# on the wire each way (c2s records carry the CID the server asked for).
check13() {
	local name=$1 f=$OUT/$1
	python3 "$HERE/pcap-records13.py" "$f.pcap" "$PORT" "$f.keylog" "$f.c2s" "$f.s2c" --cid "${CID13[$name]:-0,0}" |
		sed "s/^/== $name: /" >&2 || { echo "$ME: $name: pcap-records13.py failed" >&2; return 1; }
	echo "== $name: c2s $(wc -c <"$f.c2s") bytes, s2c $(wc -c <"$f.s2c") bytes" >&2
	command -v tshark >/dev/null || return 0
	local hs
	# -d: the heuristic takes only the ClientHello datagram (the ServerHello
	# one goes on with unified-header records TShark 4.0 does not know).
	hs=$(tshark -r "$f.pcap" -d udp.port==$PORT,dtls -Y dtls.handshake -T fields -e udp.dstport \
		-e dtls.handshake.type 2>/dev/null |
		awk -v port=$PORT '{ d = ($1 == port) ? "c2s" : "s2c"; n = split($2, t, ","); for (i = 1; i <= n; i++) c[d " type " t[i]]++ }
			END { for (k in c) { printf "%s%s x%d", sep, k, c[k]; sep = ", " } }' | sort)
	echo "== $name: tshark (clear handshake messages, 1 ClientHello, 2 ServerHello/HRR): ${hs:-none}" >&2
}

main() {
	mkdir -p "$OUT" "$WORK/bin"
	(cd "$HERE/piondtls" && go build -o "$WORK/bin/piondtls" .)
	netns_up
	local names=("$@")
	((${#names[@]})) || names=("${ALL[@]}")
	if [[ ${names[*]} == dtls12 ]]; then names=("${ALL12[@]}"); fi
	if [[ ${names[*]} == dtls13 ]]; then names=("${ALL13[@]}"); fi
	local n
	for n in "${names[@]}"; do
		declare -F "cap_$n" >/dev/null || { echo "unknown capture $n" >&2; exit 1; }
		log "$n"
		"cap_$n" "$n"
		case $n in
		pion-dtls13-*) check13 "$n" ;;
		*) tshark_check "$n" ;;
		esac
	done
}

main "$@"
