#!/usr/bin/env bash
# mkpcaps-ngtcp2.sh — makes the QUIC test captures testdata/pcaps/ngtcp2-*.pcap
# with Debian 12's ngtcp2 example programs (packages ngtcp2-client and
# ngtcp2-server 0.12.1, GnuTLS backend: /usr/bin/gtlsclient and
# /usr/sbin/gtlsserver) speaking HTTP/3 over a veth pair between two network
# namespaces that this script creates and removes; the sibling of
# mkpcaps-quic.sh (quic-go) with the same lib.sh helpers and addresses.
#
# Needs root (ip netns, ethtool, tcpdump), plus tcpdump, ethtool, iproute2,
# gtlsclient, gtlsserver, python3; tshark, if present, for the checks at the
# end.
#
#   apt-get install ngtcp2-client ngtcp2-server
#   testdata/gen/mkpcaps-ngtcp2.sh           # (re)make every ngtcp2 capture
#   testdata/gen/mkpcaps-ngtcp2.sh NAME...   # only these (ngtcp2-aes256 ...)
#
# Traffic stays inside the namespaces sslds-nc (10.77.0.1) and sslds-ns
# (10.77.0.2), UDP port 443; tcpdump (`udp`) runs in the server namespace on
# the server's veth end, offloads off on both ends (lib.sh netns_up), and the
# server sends one datagram per sendmsg (--max-gso-dgrams=1), so every
# datagram is one <=1500-byte frame.
#
# For every capture NAME it writes NAME.pcap, NAME.keylog (the client's NSS
# key log, written by GnuTLS from SSLKEYLOGFILE) and NAME.body: the exact
# response body the server sent (the file it served, /NAME.txt from its
# document root). The client downloads it (--download) and the script checks
# the download against it. HTTP/3 frames the body (HEADERS with QPACK, then
# DATA) so there are no per-stream byte files: the body must appear inside
# the decrypted data the server sent on the request stream, stream 0.
# Re-running replaces the captures with new (equally valid, not
# byte-identical) ones.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testdata/gen/lib.sh
. "$HERE/lib.sh"
ME=mkpcaps-ngtcp2.sh
NSC=sslds-nc NSS=sslds-ns
VC=sslds-nvc VS=sslds-nvs
C4=10.77.0.1 S4=10.77.0.2 C6= S6=
WAIT_N=100
OUT_EXTS="pcap keylog body"
SRV_STDIN=/dev/null
CAP_FILTER=udp
SRV_PROTO=udp

require tcpdump ethtool ip timeout python3 gtlsclient gtlsserver
work_init sslds-ngtcp2

TLS13="NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL"

# ngtcp2 NAME SIZE "SERVER FLAGS" "CLIENT FLAGS" — one capture: gtlsserver
# on 10.77.0.2:443 (ECDSA cert) serving $WORK/www/NAME.txt (SIZE bytes of
# lib.sh body lines), gtlsclient GETting https://server.test/NAME.txt once,
# writing NAME.keylog; then NAME.body. (The client sends SNI "localhost"
# for a numeric HOST, --sni notwithstanding, and does not verify the
# certificate.)
ngtcp2() {
	local name=$1 size=$2 sflags=$3 cflags=$4
	rm -f "$OUT/$name".*
	mkdir -p "$WORK/www" "$WORK/dl"
	body "$name" "$size" > "$WORK/www/$name.txt"
	rm -f "$WORK/dl/$name.txt"
	cap_start "$name"
	# shellcheck disable=SC2086
	srv_start 443 gtlsserver -q -d "$WORK/www" --max-gso-dgrams=1 $sflags \
		$S4 443 "$CERTS/server-ecdsa.key" "$CERTS/server-ecdsa.pem"
	# shellcheck disable=SC2086
	SSLKEYLOGFILE="$OUT/$name.keylog" timeout 30 ip netns exec $NSC gtlsclient -q \
		--exit-on-all-streams-close --download="$WORK/dl" $cflags $S4 443 "https://server.test/$name.txt" \
		>"$WORK/cli.log" 2>&1 ||
		{ echo "gtlsclient failed" >&2; cat "$WORK/cli.log" >&2; srv_wait 1; cap_stop; cat "$WORK/srv.log" >&2; return 1; }
	srv_wait 1
	cap_stop
	same "$WORK/www/$name.txt" "$WORK/dl/$name.txt" "$name download" || return 1
	cp "$WORK/www/$name.txt" "$OUT/$name.body"
}

cap_ngtcp2-aes256() { ngtcp2 "$1" 30000 "--ciphers=$TLS13:+AES-256-GCM" "--ciphers=$TLS13:+AES-256-GCM"; }
cap_ngtcp2-chacha20() { ngtcp2 "$1" 30000 "--ciphers=$TLS13:+CHACHA20-POLY1305" "--ciphers=$TLS13:+CHACHA20-POLY1305"; }
# The client starts a key update 1 ms after the handshake; the server
# follows (RFC 9001 6.2), so both sides flip the key phase bit mid-download.
cap_ngtcp2-keyupdate() { ngtcp2 "$1" 200000 "" "--key-update=1ms"; }
# TLS_AES_128_CCM_SHA256: TShark 4.0 cannot decrypt it in QUIC (its QUIC
# dissector knows the GCM and ChaCha20 suites only), so quic-decrypt-check.py
# checks this one.
cap_ngtcp2-ccm() { ngtcp2 "$1" 30000 "--ciphers=$TLS13:+AES-128-CCM" "--ciphers=$TLS13:+AES-128-CCM"; }
# No QUIC v2 capture: ngtcp2 0.12.1 knows only the v2 draft version
# 0x709a50c4 (alias v2draft), which TShark 4.0 and ssldissect do not
# decrypt; with --version=0x6b3343cf (RFC 9369) the server answers with a
# Version Negotiation packet offering 0x709a50c4 and 1, and the client gives
# up.

ALL=(ngtcp2-aes256 ngtcp2-chacha20 ngtcp2-keyupdate ngtcp2-ccm)

# tshark_check NAME — packets tshark cannot decrypt (should be none), the
# cipher suite of the ServerHello, and the key phase bits of 1-RTT packets.
tshark_check() {
	command -v tshark >/dev/null || return 0
	local name=$1 k=tls.keylog_file:$OUT/$1.keylog q f c kp
	q=$(tshark -r "$OUT/$name.pcap" -Y quic -T fields -e frame.number 2>/dev/null | wc -l)
	f=$(tshark -r "$OUT/$name.pcap" -o "$k" -Y quic.decryption_failed -T fields -e frame.number 2>/dev/null | wc -l)
	c=$(tshark -r "$OUT/$name.pcap" -o "$k" -Y tls.handshake.type==2 -T fields -e tls.handshake.ciphersuite 2>/dev/null)
	kp=$(tshark -r "$OUT/$name.pcap" -o "$k" -Y 'quic.header_form==0' -T fields -e ip.src -e quic.key_phase 2>/dev/null |
		sort | uniq -c | awk '{printf "%s KP%s x%s; ", $2, $3, $1}')
	log "$name: tshark: $q QUIC frames, $f not decrypted, cipher suite $c, short headers: $kp"
	[[ $name == ngtcp2-ccm ]] || ((f == 0)) || echo "WARNING: $name: $f frames tshark cannot decrypt" >&2
	# The server's stream 0 as TShark reassembles it (follow,quic,raw: the
	# server's side indented): HTTP/3 HEADERS, then DATA frames holding the
	# body.
	if [[ $name != ngtcp2-ccm ]]; then
		tshark -r "$OUT/$name.pcap" -o "$k" -q -z follow,quic,raw,0,0 2>/dev/null |
			python3 -c 'import re,sys
s=b"".join(bytes.fromhex(l[1:]) for l in sys.stdin.read().splitlines() if re.fullmatch(r"\t[0-9a-f]+",l))
b=open(sys.argv[1],"rb").read()
i=s.find(b)
print("== %s: tshark: server stream 0: %d bytes, body at offset %d" % (sys.argv[2], len(s), i), file=sys.stderr)
sys.exit(i < 0)' "$OUT/$name.body" "$name" || echo "WARNING: $name: body not in the server's stream 0" >&2
	fi
}

# pycheck NAME AEAD — quic-decrypt-check.py: every packet decrypts, with
# AES-128-CCM (which TShark 4.0 does not do in QUIC) or AES-128-GCM, and the
# body is in the server's stream 0.
pycheck() {
	python3 -c 'import cryptography' 2>/dev/null || { log "$1: no python3-cryptography, not checked"; return 0; }
	python3 "$HERE/quic-decrypt-check.py" "$OUT/$1.pcap" "$OUT/$1.keylog" "$2" "$OUT/$1.body" >&2 ||
		echo "WARNING: $1: quic-decrypt-check.py failed" >&2
}

main() {
	mkdir -p "$OUT"
	netns_up
	local names=("$@")
	((${#names[@]})) || names=("${ALL[@]}")
	local n
	for n in "${names[@]}"; do
		declare -F "cap_$n" >/dev/null || { echo "unknown capture $n" >&2; exit 1; }
		log "$n"
		"cap_$n" "$n"
		tshark_check "$n"
		case $n in
		ngtcp2-ccm) pycheck "$n" ccm ;;
		ngtcp2-keyupdate) pycheck "$n" gcm ;;
		esac
		ls -l "$OUT/$n.pcap" >&2
	done
}

main "$@"
