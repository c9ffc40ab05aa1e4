#!/usr/bin/env bash
# mkpcaps.sh — makes the TLS test captures in testdata/pcaps/ with real TLS
# implementations (OpenSSL, GnuTLS, curl, Go crypto/tls) talking over a veth
# pair between two network namespaces that this script creates and removes.
#
# Needs root (ip netns, ethtool, tcpdump), plus: openssl, gnutls-bin, curl,
# tcpdump, dumpcap, tshark, ethtool, iproute2, go.
#
#   testdata/gen/mkpcaps.sh            # (re)make every capture
#   testdata/gen/mkpcaps.sh NAME...    # (re)make only these captures
#
# Traffic stays inside the namespaces sslds-c (10.77.0.1, fd77::1) and sslds-s
# (10.77.0.2, fd77::2); nothing is sent to any other address. tcpdump runs in
# the server namespace on the server's veth end, with segmentation and
# checksum offloads off on both ends so the capture holds real <=1500-byte
# frames with valid checksums.
#
# For every capture NAME it writes NAME.pcap (one is .pcapng), NAME.keylog
# (NSS key log) and, where the application bytes are known exactly,
# NAME.c2s / NAME.s2c. The captures are committed; re-running replaces them
# with new (equally valid, not byte-identical) ones. Afterwards run
# testdata/gen/check.py and update the table in testdata/pcaps/README.md.
#
# The helpers shared with mkpcaps-matrix.sh (namespaces, capture, server
# start/wait, ...) are in testdata/gen/lib.sh.
#
# The Go peers live in testdata/gen/gotls and testdata/gen/fakesmtp (skipped
# by ./... patterns); they are built here with `go build`, and also run with
# e.g. `go run ./testdata/gen/gotls client -h` from the repository root.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testdata/gen/lib.sh
. "$HERE/lib.sh"
ME=mkpcaps.sh
NSC=sslds-c NSS=sslds-s
VC=sslds-vc VS=sslds-vs
C4=10.77.0.1 S4=10.77.0.2 C6=fd77::1 S6=fd77::2
WAIT_N=100
OUT_EXTS="pcap pcapng keylog c2s s2c"
SRV_STDIN= # servers inherit this script's stdin

require openssl gnutls-serv gnutls-cli curl tcpdump dumpcap ethtool ip go timeout
work_init sslds-gen

# ossl NAME SIZE NCONN "SERVER OPTS" "CLIENT OPTS" [CLIENT OPTS FOR CONN 2...]
# OpenSSL s_server -HTTP serving a fixed response, OpenSSL s_client (-quiet)
# sending a fixed request; NCONN connections in one capture.
ossl() {
	local name=$1 size=$2 n=$3 sopts=$4 copts=$5; shift 5
	local port=${PORT:-443} host=${HOST:-$S4}
	mkresp "$name" "$size"
	mkreq "$name" > "$WORK/$name.req"
	cap_start "$name" "${FMT:-pcap}"
	# shellcheck disable=SC2086
	srv_start "$port" openssl s_server -accept "$port" -naccept "$n" -HTTP $sopts
	local i extra
	for ((i = 1; i <= n; i++)); do
		extra=
		if ((i > 1)); then extra=${1:-}; shift || true; fi
		# shellcheck disable=SC2086
		timeout 20 ip netns exec $NSC openssl s_client -connect "$host:$port" -servername server.test \
			-CAfile "$CA" -verify_return_error -quiet -keylogfile "$OUT/$name.keylog" \
			$copts $extra < "$WORK/$name.req" > "$WORK/$name.got.$i" 2>"$WORK/$name.cli.$i.log" ||
			{ echo "client $i failed:" >&2; cat "$WORK/$name.cli.$i.log" >&2; }
		same "$WORK/www/$name" "$WORK/$name.got.$i" "$name conn $i" || true
	done
	srv_wait 5
	cap_stop
	cp "$WORK/$name.req" "$OUT/$name.c2s"
	cp "$WORK/www/$name" "$OUT/$name.s2c"
}

SRV_RSA="-cert $CERTS/server-rsa.pem -key $CERTS/server-rsa.key"
SRV_EC="-cert $CERTS/server-ecdsa.pem -key $CERTS/server-ecdsa.key"

cap_openssl-tls10-ecdhe-rsa-aes128-cbc() {
	ossl "$1" 2000 1 "$SRV_RSA -tls1 -cipher ECDHE-RSA-AES128-SHA:@SECLEVEL=0" \
		"-tls1 -cipher ECDHE-RSA-AES128-SHA:@SECLEVEL=0"
}
cap_openssl-tls11-dhe-rsa-aes256-cbc() {
	ossl "$1" 2000 1 "$SRV_RSA -tls1_1 -cipher DHE-RSA-AES256-SHA:@SECLEVEL=0" \
		"-tls1_1 -cipher DHE-RSA-AES256-SHA:@SECLEVEL=0"
}
cap_openssl-tls12-rsa-aes128-gcm() {
	ossl "$1" 3000 1 "$SRV_RSA -tls1_2 -cipher AES128-GCM-SHA256" "-tls1_2 -cipher AES128-GCM-SHA256"
}
cap_openssl-tls12-dhe-rsa-aes256-gcm() {
	ossl "$1" 3000 1 "$SRV_RSA -tls1_2 -cipher DHE-RSA-AES256-GCM-SHA384" "-tls1_2 -cipher DHE-RSA-AES256-GCM-SHA384"
}
cap_openssl-tls12-ecdhe-ecdsa-chacha20() {
	ossl "$1" 3000 1 "$SRV_EC -tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305" "-tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305"
}
cap_openssl-tls12-ecdhe-rsa-aes128-cbc-sha256() {
	ossl "$1" 61440 1 "$SRV_RSA -tls1_2 -cipher ECDHE-RSA-AES128-SHA256" "-tls1_2 -cipher ECDHE-RSA-AES128-SHA256"
}
cap_openssl-tls13-aes128-gcm() {
	ossl "$1" 3000 1 "$SRV_RSA -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256" "-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256"
}
cap_openssl-tls13-aes256-gcm() {
	ossl "$1" 40960 1 "$SRV_EC -tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384" "-tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384"
}
cap_openssl-tls13-chacha20() {
	ossl "$1" 3000 1 "$SRV_EC -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256" "-tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256"
}
cap_openssl-tls13-hrr() {
	# The client's first key share is P-256; the server only accepts X25519.
	ossl "$1" 2000 1 "$SRV_RSA -tls1_3 -groups X25519" "-tls1_3 -groups P-256:X25519"
}

cap_openssl-tls12-resume-id() {
	# Full handshake, then resumption by session ID (no tickets on either side).
	ossl "$1" 2000 2 "$SRV_RSA -tls1_2 -no_ticket" "-tls1_2 -no_ticket -sess_out $WORK/$1.sess" \
		"-sess_in $WORK/$1.sess"
}
cap_openssl-tls12-resume-ticket() {
	# Full handshake with a NewSessionTicket, then resumption with the ticket.
	ossl "$1" 2000 2 "$SRV_RSA -tls1_2" "-tls1_2 -sess_out $WORK/$1.sess" "-sess_in $WORK/$1.sess"
}
cap_openssl-tls13-resume-psk() {
	# Full handshake (server sends 2 tickets), then PSK resumption (psk_dhe_ke).
	ossl "$1" 2000 2 "$SRV_RSA -tls1_3" "-tls1_3 -sess_out $WORK/$1.sess" "-sess_in $WORK/$1.sess"
}
CLI_CERT="-cert $CERTS/client.pem -key $CERTS/client.key"
cap_openssl-tls12-client-cert() {
	ossl "$1" 2000 1 "$SRV_RSA -tls1_2 -Verify 1 -CAfile $CA" "-tls1_2 $CLI_CERT"
}
cap_openssl-tls13-client-cert() {
	ossl "$1" 2000 1 "$SRV_RSA -tls1_3 -Verify 1 -CAfile $CA" "-tls1_3 $CLI_CERT"
}
cap_openssl-tls13-ipv6() {
	HOST="[$S6]" ossl "$1" 2000 1 "$SRV_EC -6 -tls1_3" "-6 -tls1_3"
}

cap_openssl-tls13-keyupdate() {
	# s_server/s_client in their interactive modes, driven by timed stdin
	# (data lines must not start with a command letter such as P, Q, R, S, k,
	# K, c, q, r). Client 'k': KeyUpdate(update_not_requested); client 'K':
	# KeyUpdate(update_requested), which the server answers with its own
	# KeyUpdate before its next data; server 'k': one more from the server.
	local name=$1 port=443
	mkresp "$name" 3000
	mkreq "$name" > "$WORK/$name.req"
	local c1="Client data 1 after client KeyUpdate(update_not_requested)\n"
	local c2="Client data 2 after client KeyUpdate(update_requested)\n"
	local s1="Server data 1 after answering the client update_requested\n"
	local s2="Server data 2 after server KeyUpdate(update_not_requested)\n"
	{ cat "$WORK/$name.req"; printf "$c1$c2"; } > "$WORK/$name.c2s"
	{ cat "$WORK/www/$name"; printf "$s1$s2"; } > "$WORK/$name.s2c"
	cap_start "$name"
	# The server's stdin feed starts its clock when the connection is up;
	# the client's clock starts about then too. Client: 1.5 s 'k', 2.0 data 1,
	# 2.5 'K', 3.0 data 2, EOF (close) at 5.5. Server: 0.5 response, 3.0 data
	# 1 (preceded by the KeyUpdate answering 'K'), 3.5 'k', 4.0 data 2.
	local est="until ss -Htn state established '( sport = :$port )' | grep -q .; do sleep 0.02; done"
	# shellcheck disable=SC2086
	srv_start $port bash -c "($est; sleep 0.5; cat '$WORK/www/$name'; sleep 2.5; printf '$s1'; sleep 0.5;
		printf 'k\n'; sleep 0.5; printf '$s2'; sleep 10) | exec openssl s_server -accept $port -naccept 1 $SRV_RSA -tls1_3"
	(cat "$WORK/$name.req"; sleep 1.5; printf 'k\n'; sleep 0.5; printf "$c1"; sleep 0.5
		printf 'K\n'; sleep 0.5; printf "$c2"; sleep 2.5) |
		timeout 20 ip netns exec $NSC openssl s_client -connect "$S4:$port" -servername server.test \
			-CAfile "$CA" -verify_return_error -keylogfile "$OUT/$name.keylog" -tls1_3 \
			> "$WORK/$name.got" 2>"$WORK/$name.cli.log" ||
		{ echo "client failed:" >&2; cat "$WORK/$name.cli.log" >&2; }
	srv_wait 3
	cap_stop
	cp "$WORK/$name.c2s" "$WORK/$name.s2c" "$OUT/"
}

# gnutls NAME PORT FMT "SERVER PRIORITY" "CLIENT PRIORITY" — gnutls-serv --echo
# and gnutls-cli; the client sends a 5 KB text and the server echoes it.
gnutls() {
	gnutls_echo "$1" "$2" "$3" 5000 rsa "$4" "$5"
}

cap_gnutls-tls12-ecdhe-rsa-aes128-gcm() {
	gnutls "$1" 443 pcap NORMAL "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+ECDHE-RSA:-CIPHER-ALL:+AES-128-GCM"
}
cap_gnutls-tls13-aes128-ccm() {
	# Non-standard port 4433; nanosecond-resolution pcap.
	gnutls "$1" 4433 nano NORMAL:+AES-128-CCM "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-CCM"
}
# Legacy ciphers: GnuTLS 3.7.9 still allows them when both priority strings
# add them. A GnuTLS that refuses makes no capture (and says so) instead of
# stopping the run.
refused() {
	echo "NOTE: $1: refused by this GnuTLS; no capture made" >&2
	rm -f "$OUT/$1".{pcap,pcapng,keylog,c2s,s2c}
}
cap_gnutls-tls12-3des() {
	gnutls "$1" 443 pcap NORMAL:+3DES-CBC \
		"NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+ECDHE-RSA:-CIPHER-ALL:+3DES-CBC:-MAC-ALL:+SHA1" || refused "$1"
}
cap_gnutls-tls12-rc4() {
	gnutls "$1" 443 pcap NORMAL:+ARCFOUR-128 \
		"NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+ECDHE-RSA:-CIPHER-ALL:+ARCFOUR-128:-MAC-ALL:+SHA1" || refused "$1"
}

cap_curl-tls13-http() {
	# curl (OpenSSL backend) against s_server -HTTP on port 8443.
	local name=$1 port=8443
	mkresp "$name" 8000
	cap_start "$name"
	srv_start $port openssl s_server -accept $port -naccept 1 -HTTP $SRV_RSA
	SSLKEYLOGFILE="$OUT/$name.keylog" timeout 20 ip netns exec $NSC curl -sS --tlsv1.3 --cacert "$CA" \
		--resolve server.test:$port:$S4 --trace "$WORK/$name.trace" -o "$WORK/$name.got" \
		"https://server.test:$port/$name" 2>"$WORK/$name.cli.log" ||
		{ echo "curl failed:" >&2; cat "$WORK/$name.cli.log" >&2; }
	srv_wait 3
	cap_stop
	# The request bytes as curl itself traced them ("=> Send header"/"=> Send data").
	python3 - "$WORK/$name.trace" "$OUT/$name.c2s" <<'EOPY'
import sys
out, on = bytearray(), False
for line in open(sys.argv[1], encoding="latin-1"):
    if line.startswith("=>") or line.startswith("<=") or line.startswith("=="):
        on = line.startswith("=> Send header") or line.startswith("=> Send data")
        continue
    if on and len(line) > 6 and line[4] == ":":
        out += bytes.fromhex(line[6:54])
open(sys.argv[2], "wb").write(out)
EOPY
	cp "$WORK/www/$name" "$OUT/$name.s2c"
	# curl -o keeps only the body: check it against the served file's body.
	tail -c 8000 "$WORK/www/$name" | same - "$WORK/$name.got" "$name body" || true
}

# gotls NAME VERSION SIZE FMT [CLIENT FLAGS] — Go crypto/tls on both sides.
gotls() {
	local name=$1 ver=$2 size=$3 fmt=$4; shift 4
	mkresp "$name" "$size"
	mkreq "$name" > "$WORK/$name.req"
	cap_start "$name" "$fmt"
	srv_start 443 "$WORK/bin/gotls" server -listen :443 -cert "$CERTS/server-rsa.pem" \
		-key "$CERTS/server-rsa.key" -resp "$WORK/www/$name" -tls "$ver"
	gotls_get "$name" "$ver" "$@"
}
cap_gotls-tls12() { gotls "$1" 1.2 20000 pcap -suite TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384; }
cap_gotls-tls13() { gotls "$1" 1.3 20000 pcapng; }

cap_openssl-smtp-starttls() {
	# Plaintext SMTP on port 25 up to STARTTLS, then TLS (OpenSSL s_client
	# -starttls smtp against testdata/gen/fakesmtp, Go crypto/tls).
	local name=$1
	printf 'EHLO client.test\r\nMAIL FROM:<alice@client.test>\r\nRCPT TO:<bob@server.test>\r\nDATA\r\nSubject: ssldissect STARTTLS test\r\n\r\nHello over SMTP STARTTLS.\r\n.\r\nQUIT\r\n' \
		> "$WORK/$name.in"
	cap_start "$name"
	srv_start 25 "$WORK/bin/fakesmtp" -listen :25 -cert "$CERTS/server-rsa.pem" -key "$CERTS/server-rsa.key" \
		-c2s "$WORK/$name.c2s" -s2c "$WORK/$name.s2c"
	timeout 20 ip netns exec $NSC openssl s_client -starttls smtp -name client.test -connect $S4:25 \
		-servername server.test -CAfile "$CA" -verify_return_error -quiet -keylogfile "$OUT/$name.keylog" \
		< "$WORK/$name.in" > "$WORK/$name.got" 2>"$WORK/$name.cli.log" ||
		{ echo "client failed:" >&2; cat "$WORK/$name.cli.log" >&2; }
	srv_wait 3
	cap_stop
	same "$WORK/$name.in" "$WORK/$name.c2s" "$name c2s" || true
	same "$WORK/$name.s2c" "$WORK/$name.got" "$name s2c" || true
	cp "$WORK/$name.c2s" "$WORK/$name.s2c" "$OUT/"
}

ALL=(
	openssl-tls10-ecdhe-rsa-aes128-cbc
	openssl-tls11-dhe-rsa-aes256-cbc
	openssl-tls12-rsa-aes128-gcm
	openssl-tls12-dhe-rsa-aes256-gcm
	openssl-tls12-ecdhe-ecdsa-chacha20
	openssl-tls12-ecdhe-rsa-aes128-cbc-sha256
	openssl-tls13-aes128-gcm
	openssl-tls13-aes256-gcm
	openssl-tls13-chacha20
	openssl-tls13-hrr
	openssl-tls12-resume-id
	openssl-tls12-resume-ticket
	openssl-tls13-resume-psk
	openssl-tls12-client-cert
	openssl-tls13-client-cert
	openssl-tls13-keyupdate
	openssl-tls13-ipv6
	openssl-smtp-starttls
	gnutls-tls12-ecdhe-rsa-aes128-gcm
	gnutls-tls13-aes128-ccm
	gnutls-tls12-3des
	gnutls-tls12-rc4
	curl-tls13-http
	gotls-tls12
	gotls-tls13
)

main() {
	"$HERE/mkcerts.sh"
	mkdir -p "$OUT"
	build_go gotls fakesmtp
	netns_up
	local names=("$@")
	((${#names[@]})) || names=("${ALL[@]}")
	local n
	for n in "${names[@]}"; do
		declare -F "cap_$n" >/dev/null || { echo "unknown capture $n" >&2; exit 1; }
		log "$n"
		"cap_$n" "$n"
	done
}

main "$@"
