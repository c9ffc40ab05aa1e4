#!/usr/bin/env bash
# mkpcaps-matrix.sh — makes the "decryption matrix" captures in testdata/pcaps/
# (issues #3 and #4): every cipher family, CBC MAC-then-encrypt and
# encrypt-then-MAC, extended master secret on/off, static RSA decrypted with
# the server key alone, resumption without the resumed connection's key-log
# line, renegotiation, TLS 1.3 with all five suites from OpenSSL, GnuTLS and
# Go, 0-RTT accepted/rejected, and SSL 3.0 / DEFLATE from scapy's TLS
# automaton — made by real implementations talking over a veth pair between
# two network namespaces that this script creates and removes.
#
# It is the companion of mkpcaps.sh and uses the same conventions,
# certificates and helpers (testdata/gen/lib.sh), but its own namespaces
# (sslds-mc 10.78.0.1 / sslds-ms 10.78.0.2) so that both scripts can run at
# the same time.
#
# Needs root (ip netns, ethtool, tcpdump), plus: openssl, gnutls-serv,
# gnutls-cli, tcpdump, ethtool, iproute2, go, and /usr/bin/python3 with
# python3-scapy (2.5) for the SSL 3.0 / compression captures.
#
#   testdata/gen/mkpcaps-matrix.sh            # (re)make every matrix capture
#   testdata/gen/mkpcaps-matrix.sh NAME...    # (re)make only these captures
#
# For every capture NAME it writes NAME.pcap, NAME.keylog (NSS key log;
# absent for the *-keyonly captures, which have NAME.key, a copy of
# certs/server-rsa.key, instead), and NAME.c2s / NAME.s2c: the exact
# application bytes each side sent in every connection of the capture.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testdata/gen/lib.sh
. "$HERE/lib.sh"
ME=mkpcaps-matrix.sh
# IPv4 only (no C6/S6): certs/server-*.pem do not name 10.78.0.2, so clients
# verify server.test.
NSC=sslds-mc NSS=sslds-ms
VC=sslds-mvc VS=sslds-mvs
C4=10.78.0.1 S4=10.78.0.2 C6= S6=
WAIT_N=200
OUT_EXTS="pcap pcapng keylog key c2s s2c"
SRV_STDIN=/dev/null # the interactive captures give s_server a FIFO as SRV_IN
PY=/usr/bin/python3 # Debian's python3 with python3-scapy

require openssl gnutls-serv gnutls-cli tcpdump ethtool ip go timeout mkfifo
work_init sslds-matrix

# nolog NAME N... — keep only the key-log lines of the connections NOT listed
# (connections numbered by ClientHello order = key-log line order, one
# CLIENT_RANDOM line each); the full log is kept in $WORK/NAME.keylog.full.
nolog() {
	local name=$1; shift
	cp "$OUT/$name.keylog" "$WORK/$name.keylog.full"
	python3 - "$OUT/$name.keylog" "$@" <<'PY'
import sys
path, drop = sys.argv[1], {int(x) for x in sys.argv[2:]}
out, n = [], 0
for line in open(path):
    if line.startswith("CLIENT_RANDOM "):
        n += 1
        if n in drop:
            continue
    out.append(line)
open(path, "w").write("".join(out))
PY
}

# keyonly NAME — static RSA: drop the key log, ship the server key as NAME.key.
keyonly() {
	mv "$OUT/$1.keylog" "$WORK/$1.keylog.full"
	cp "$CERTS/server-rsa.key" "$OUT/$1.key"
}

# ossl NAME SIZE NCONN "SERVER OPTS" "CLIENT OPTS" [CLIENT OPTS FOR CONN 2...]
# s_server -HTTP serving a fixed response, s_client -quiet sending a fixed
# request; NCONN connections in one capture. CLIENT_ENV: env for the client.
ossl() {
	local name=$1 size=$2 n=$3 sopts=$4 copts=$5; shift 5
	local port=${PORT:-443}
	mkresp "$name" "$size"
	mkreq "$name" > "$WORK/$name.req"
	cap_start "$name"
	# shellcheck disable=SC2086
	srv_start "$port" openssl s_server -accept "$port" -naccept "$n" -HTTP $sopts
	local i extra ok=1
	for ((i = 1; i <= n; i++)); do
		extra=
		if ((i > 1)); then extra=${1:-}; shift || true; fi
		# shellcheck disable=SC2086
		env ${CLIENT_ENV:-} timeout 20 ip netns exec $NSC openssl s_client -connect "$S4:$port" -servername server.test \
			-CAfile "$CA" -verify_return_error -quiet -keylogfile "$OUT/$name.keylog" \
			$copts $extra < "$WORK/$name.req" > "$WORK/$name.got.$i" 2>"$WORK/$name.cli.$i.log" ||
			{ ok=0; echo "client $i failed:" >&2; cat "$WORK/$name.cli.$i.log" >&2; }
		same "$WORK/www/$name" "$WORK/$name.got.$i" "$name conn $i" || ok=0
	done
	srv_wait 5
	cap_stop
	cp "$WORK/$name.req" "$OUT/$name.c2s"
	cp "$WORK/www/$name" "$OUT/$name.s2c"
	((ok)) || { echo "FAILED: $name" >&2; cat "$WORK/srv.log" >&2; return 1; }
}

SRV_RSA="-cert $CERTS/server-rsa.pem -key $CERTS/server-rsa.key"
SRV_EC="-cert $CERTS/server-ecdsa.pem -key $CERTS/server-ecdsa.key"
LEGACY="-provider legacy -provider default"

# An OpenSSL config for the client that turns off extended master secret
# (s_client 3.0 has no -no_ems option).
noems_conf() {
	cat > "$WORK/noems.cnf" <<'CNF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Options = -ExtendedMasterSecret
CNF
	echo "OPENSSL_CONF=$WORK/noems.cnf"
}

# ---- TLS 1.0-1.2, OpenSSL ---------------------------------------------------
o12() { # NAME SIZE "SERVER+CLIENT OPTS" [SERVER CERT OPTS]
	ossl "$1" "$2" 1 "${4:-$SRV_RSA} $3" "$3"
}
cap_openssl-tls12-rsa-null-sha256() { o12 "$1" 2000 "-tls1_2 -cipher NULL-SHA256:@SECLEVEL=0"; }
cap_openssl-tls12-ecdhe-ecdsa-null-sha() { o12 "$1" 2000 "-tls1_2 -cipher ECDHE-ECDSA-NULL-SHA:@SECLEVEL=0" "$SRV_EC"; }
cap_openssl-tls12-ecdhe-ecdsa-aes128-ccm() { o12 "$1" 3000 "-tls1_2 -cipher ECDHE-ECDSA-AES128-CCM" "$SRV_EC"; }
cap_openssl-tls12-ecdhe-ecdsa-aes256-ccm8() { o12 "$1" 3000 "-tls1_2 -cipher ECDHE-ECDSA-AES256-CCM8" "$SRV_EC"; }
cap_openssl-tls12-rsa-aes128-ccm8() { o12 "$1" 3000 "-tls1_2 -cipher AES128-CCM8"; }
cap_openssl-tls12-dhe-rsa-aes256-ccm() { o12 "$1" 3000 "-tls1_2 -cipher DHE-RSA-AES256-CCM"; }
cap_openssl-tls12-ecdhe-rsa-aria128-gcm() { o12 "$1" 3000 "-tls1_2 -cipher ECDHE-ARIA128-GCM-SHA256"; }
cap_openssl-tls12-rsa-aria256-gcm() { o12 "$1" 3000 "-tls1_2 -cipher ARIA256-GCM-SHA384"; }
cap_openssl-tls12-ecdhe-rsa-camellia128-cbc-sha256() { o12 "$1" 3000 "-tls1_2 -cipher ECDHE-RSA-CAMELLIA128-SHA256"; }
cap_openssl-tls12-dhe-rsa-camellia256-cbc-mte() { o12 "$1" 3000 "-tls1_2 -no_etm -cipher DHE-RSA-CAMELLIA256-SHA"; }
cap_openssl-tls12-rsa-camellia128-cbc() { o12 "$1" 3000 "-tls1_2 -cipher CAMELLIA128-SHA"; }
cap_openssl-tls12-rsa-seed-cbc() { o12 "$1" 3000 "$LEGACY -tls1_2 -cipher SEED-SHA:@SECLEVEL=0"; }
cap_openssl-tls12-dhe-rsa-seed-cbc-mte() { o12 "$1" 3000 "$LEGACY -tls1_2 -no_etm -cipher DHE-RSA-SEED-SHA:@SECLEVEL=0"; }
cap_openssl-tls12-ecdhe-rsa-aes256-cbc-sha384-mte() { o12 "$1" 3000 "-tls1_2 -no_etm -cipher ECDHE-RSA-AES256-SHA384"; }
cap_openssl-tls11-ecdhe-rsa-aes128-cbc-mte() { o12 "$1" 3000 "-tls1_1 -no_etm -cipher ECDHE-RSA-AES128-SHA:@SECLEVEL=0"; }
cap_openssl-tls10-dhe-rsa-aes256-cbc-mte() { o12 "$1" 3000 "-tls1 -no_etm -cipher DHE-RSA-AES256-SHA:@SECLEVEL=0"; }
cap_openssl-tls12-ecdhe-rsa-aes128-gcm-noems() {
	CLIENT_ENV=$(noems_conf) o12 "$1" 3000 "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256"
}
cap_openssl-tls12-ecdhe-rsa-aes128-cbc-noems() {
	CLIENT_ENV=$(noems_conf) o12 "$1" 3000 "-tls1_2 -cipher ECDHE-RSA-AES128-SHA"
}
# Static RSA, decrypted with NAME.key alone (no key log shipped).
cap_openssl-tls12-rsa-aes256-cbc-sha256-keyonly() {
	o12 "$1" 3000 "-tls1_2 -cipher AES256-SHA256" && keyonly "$1"
}
cap_openssl-tls12-rsa-aes128-gcm-noems-keyonly() {
	CLIENT_ENV=$(noems_conf) o12 "$1" 3000 "-tls1_2 -cipher AES128-GCM-SHA256" && keyonly "$1"
}
cap_openssl-tls10-rsa-aes128-cbc-mte-keyonly() {
	o12 "$1" 3000 "-tls1 -no_etm -cipher AES128-SHA:@SECLEVEL=0" && keyonly "$1"
}
cap_openssl-tls12-rsa-camellia256-cbc-sha256-keyonly() {
	o12 "$1" 3000 "-tls1_2 -cipher CAMELLIA256-SHA256" && keyonly "$1"
}
# Resumption whose second connection has no key-log line: its keys must come
# from the first connection's session (cache by session ID / by ticket).
cap_openssl-tls12-resume-id-nolog() {
	ossl "$1" 2000 2 "$SRV_RSA -tls1_2 -no_ticket" "-tls1_2 -no_ticket -sess_out $WORK/$1.sess" \
		"-sess_in $WORK/$1.sess" && nolog "$1" 2
}
cap_openssl-tls12-resume-ticket-nolog() {
	ossl "$1" 2000 2 "$SRV_EC -tls1_2" "-tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384 -sess_out $WORK/$1.sess" \
		"-sess_in $WORK/$1.sess" && nolog "$1" 2
}
cap_openssl-tls12-rsa-resume-id-keyonly() {
	# Static RSA full handshake (decrypted with the server key), then an
	# abbreviated handshake that has no RSA exchange at all.
	ossl "$1" 2000 2 "$SRV_RSA -tls1_2 -no_ticket" "-tls1_2 -cipher AES128-SHA256 -no_ticket -sess_out $WORK/$1.sess" \
		"-sess_in $WORK/$1.sess" && keyonly "$1"
}

# ---- interactive OpenSSL (renegotiation, 0-RTT) ------------------------------
# The peers run in s_server/s_client's interactive modes with their stdin on
# FIFOs this script writes to step by step, waiting for the other side's
# output in between, so that the command lines ('R', 'r') are consumed as
# commands and never sent as data. Data written to a FIFO at once (< 4 KB) is
# read by the peer in one piece, so a command letter can only start a line.
fifo_open() { # _ PATH
	rm -f "$2"; mkfifo "$2"
}

# reneg NAME WHO "SERVER OPTS" "CLIENT OPTS" — request, response; then the
# client ('R', WHO=client) or the server ('r', WHO=server) renegotiates;
# then one more line each way; then the client closes.
reneg() {
	local name=$1 who=$2 sopts=$3 copts=$4 port=443
	mkresp "$name" 2000
	mkreq "$name" > "$WORK/$name.req"
	local c2="Client data after the ${who}-initiated renegotiation\n"
	local s2="Server data after the ${who}-initiated renegotiation\n"
	{ cat "$WORK/$name.req"; printf "$c2"; } > "$WORK/$name.c2s"
	{ cat "$WORK/www/$name"; printf "$s2"; } > "$WORK/$name.s2c"
	fifo_open x "$WORK/srv.in"; fifo_open x "$WORK/cli.in"
	exec 6<>"$WORK/cli.in"
	cap_start "$name"
	exec 5<>"$WORK/srv.in" # read-write: opening does not block
	# shellcheck disable=SC2086
	SRV_IN=$WORK/srv.in srv_start $port openssl s_server -accept $port -naccept 1 $SRV_RSA $sopts
	# shellcheck disable=SC2086
	timeout 30 ip netns exec $NSC openssl s_client -connect "$S4:$port" -servername server.test \
		-CAfile "$CA" -verify_return_error -keylogfile "$OUT/$name.keylog" $copts \
		<"$WORK/cli.in" >"$WORK/$name.got" 2>"$WORK/$name.cli.log" 5>&- 6>&- &
	local cli=$!
	PIDS+=("$cli")
	wait_for "$WORK/$name.got" "Verify return code" 10 || true
	cat "$WORK/$name.req" >&6
	wait_for "$WORK/srv.log" "Host: server.test" 10 || true
	cat "$WORK/www/$name" >&5
	wait_for "$WORK/$name.got" "$(tail -c 20 "$WORK/www/$name")" 10 || true
	if [[ $who == client ]]; then printf 'R\n' >&6; else printf 'r\n' >&5; fi
	sleep 1.5
	printf "$c2" >&6
	wait_for "$WORK/srv.log" "Client data after" 10 || true
	printf "$s2" >&5
	wait_for "$WORK/$name.got" "Server data after" 10 || true
	sleep 0.3
	exec 6>&-   # client: EOF on stdin -> close_notify, exit
	wait $cli || true
	sleep 0.3
	exec 5>&-   # server: EOF on stdin -> quit
	srv_wait 3
	cap_stop
	grep -qE 'RENEGOTIATING|Renegotiat' "$WORK/$name.got" "$WORK/srv.log" || echo "WARNING: $name: no renegotiation seen" >&2
	grep -c '^CLIENT_RANDOM' "$OUT/$name.keylog" >&2
	cp "$WORK/$name.c2s" "$WORK/$name.s2c" "$OUT/"
}
cap_openssl-tls12-renego-client() {
	reneg "$1" client "-tls1_2 -client_renegotiation" "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256"
}
cap_openssl-tls12-renego-server() {
	reneg "$1" server "-tls1_2" "-tls1_2 -cipher ECDHE-RSA-AES256-SHA384"
}

# early NAME "SERVER OPTS" "CLIENT OPTS 1" "CLIENT OPTS 2"... — TLS 1.3
# 0-RTT. Connection 1 (full handshake, -sess_out) sends the request after
# the handshake and gets the response and the tickets; the later connections
# resume with that session (-sess_in) and send early data where their
# options say -early_data FILE. Where the server accepts it, FILE is the
# request ($REQ); where
# it rejects it (the rejected early data records are skipped by the server,
# RFC 8446 4.2.10), the client sends the request after the handshake. So
# every connection delivers exactly the request and the response.
early() {
	local name=$1 sopts=$2 port=443; shift 2
	mkresp "$name" 2000
	mkreq "$name" > "$WORK/$name.req"
	fifo_open x "$WORK/srv.in"
	exec 5<>"$WORK/srv.in"
	cap_start "$name"
	# shellcheck disable=SC2086
	SRV_IN=$WORK/srv.in srv_start $port openssl s_server -accept $port -naccept $# $SRV_RSA -tls1_3 $sopts
	local i=0 cli copts extra nreq
	for copts in "$@"; do
		i=$((i + 1))
		fifo_open x "$WORK/cli.in"
		exec 6<>"$WORK/cli.in"
		extra="-sess_out $WORK/$name.sess"
		((i > 1)) && extra="-sess_in $WORK/$name.sess"
		copts=${copts//\$REQ/$WORK/$name.req}
		# shellcheck disable=SC2086
		timeout 30 ip netns exec $NSC openssl s_client -connect "$S4:$port" -servername server.test \
			-CAfile "$CA" -verify_return_error -keylogfile "$OUT/$name.keylog" -tls1_3 $copts $extra \
			<"$WORK/cli.in" >"$WORK/$name.got.$i" 2>"$WORK/$name.cli.$i.log" 5>&- 6>&- &
		cli=$!
		PIDS+=("$cli")
		wait_for "$WORK/$name.got.$i" "Verify return code" 10 || true
		sleep 0.2
		grep -a 'arly data' "$WORK/$name.got.$i" | sed "s/^/conn $i: /" >&2 || true
		if ! grep -q 'Early data was accepted' "$WORK/$name.got.$i"; then
			cat "$WORK/$name.req" >&6
		fi
		nreq=$(grep -ac "GET /$name" "$WORK/srv.log" || true)
		wait_for "$WORK/srv.log" "GET /$name" 10 || true
		for _ in $(seq 100); do
			(($(grep -ac "GET /$name" "$WORK/srv.log") >= i)) && break
			sleep 0.05
		done
		sleep 0.2
		cat "$WORK/www/$name" >&5
		wait_for "$WORK/$name.got.$i" "$(tail -c 20 "$WORK/www/$name")" 10 || true
		sleep 0.5 # the tickets
		exec 6>&-
		wait $cli || true
	done
	sleep 0.3
	exec 5>&-
	srv_wait 3
	cap_stop
	grep -a 'arly data' "$WORK/srv.log" >&2 || true
	cp "$WORK/$name.req" "$OUT/$name.c2s"
	cp "$WORK/www/$name" "$OUT/$name.s2c"
}
cap_openssl-tls13-early-data-accepted() {
	early "$1" -early_data "" '-early_data $REQ'
}
cap_openssl-tls13-early-data-rejected-hrr() {
	# The resuming ClientHello's only key share is P-256, the server wants
	# X25519: HelloRetryRequest, so the early data is rejected (the PSK is
	# still used).
	printf 'EARLY DATA (rejected by the server: HelloRetryRequest) %s\r\n' "$1" > "$WORK/$1.early"
	early "$1" "-early_data -groups X25519" "-groups X25519" "-groups P-256:X25519 -early_data $WORK/$1.early"
}
cap_openssl-tls13-early-data-rejected-replay() {
	# Anti-replay (s_server default with -early_data): a ticket is good for
	# one resumption. Connection 2 resumes with 0-RTT accepted; connection 3
	# replays the same ticket: no resumption, full handshake, early data
	# rejected.
	printf 'EARLY DATA (rejected by the server: replayed ticket) %s\r\n' "$1" > "$WORK/$1.early"
	early "$1" -early_data "" '-early_data $REQ' "-early_data $WORK/$1.early"
}

# ---- TLS 1.3, OpenSSL ---------------------------------------------------------
cap_openssl-tls13-aes128-ccm() {
	ossl "$1" 3000 1 "$SRV_RSA -tls1_3 -ciphersuites TLS_AES_128_CCM_SHA256" "-tls1_3 -ciphersuites TLS_AES_128_CCM_SHA256"
}
cap_openssl-tls13-aes128-ccm8() {
	ossl "$1" 3000 1 "$SRV_EC -tls1_3 -ciphersuites TLS_AES_128_CCM_8_SHA256" "-tls1_3 -ciphersuites TLS_AES_128_CCM_8_SHA256"
}

# ---- GnuTLS -------------------------------------------------------------------
# gnutls NAME "SERVER PRIORITY" "CLIENT PRIORITY" [CERT] — gnutls-serv --echo
# and gnutls-cli; the client sends a 4 KB text and the server echoes it.
gnutls() {
	local rc=0
	gnutls_echo "$1" 443 pcap 4000 "${4:-rsa}" "$2" "$3" || rc=$?
	grep -E 'Description|Version|Cipher|MAC|Compression' "$WORK/$1.cli.log" | head -6 >&2 || true
	return $rc
}
G12="NORMAL:-VERS-ALL:+VERS-TLS1.2"
g12() { # NAME KX CIPHER MAC [EXTRA] [CERT]
	gnutls "$1" "NORMAL:+$3:+$4:+VERS-TLS1.0:+VERS-TLS1.1${5:-}" "$G12:-KX-ALL:+$2:-CIPHER-ALL:+$3:-MAC-ALL:+$4${5:-}" "${6:-rsa}"
}
cap_gnutls-tls12-ecdhe-rsa-camellia128-gcm() { g12 "$1" ECDHE-RSA CAMELLIA-128-GCM AEAD; }
cap_gnutls-tls12-rsa-camellia256-gcm() { g12 "$1" RSA CAMELLIA-256-GCM AEAD; }
cap_gnutls-tls12-dhe-rsa-camellia256-cbc() { g12 "$1" DHE-RSA CAMELLIA-256-CBC SHA256; }
cap_gnutls-tls12-ecdhe-rsa-camellia128-cbc-mte() { g12 "$1" ECDHE-RSA CAMELLIA-128-CBC SHA256 ":%NO_ETM"; }
cap_gnutls-tls12-ecdhe-ecdsa-aes128-ccm8() { g12 "$1" ECDHE-ECDSA AES-128-CCM-8 AEAD "" ecdsa; }
cap_gnutls-tls12-rsa-aes256-ccm() { g12 "$1" RSA AES-256-CCM AEAD; }
cap_gnutls-tls12-ecdhe-rsa-null-sha1() { g12 "$1" ECDHE-RSA NULL SHA1; }
cap_gnutls-tls12-ecdhe-rsa-aes128-cbc-noems() { g12 "$1" ECDHE-RSA AES-128-CBC SHA1 ":%NO_SESSION_HASH"; }
cap_gnutls-tls11-rsa-3des-mte() {
	gnutls "$1" "NORMAL:+3DES-CBC:+VERS-TLS1.1" \
		"NORMAL:-VERS-ALL:+VERS-TLS1.1:-KX-ALL:+RSA:-CIPHER-ALL:+3DES-CBC:-MAC-ALL:+SHA1:%NO_ETM"
}
cap_gnutls-tls10-rsa-rc4-md5() {
	gnutls "$1" "NORMAL:+ARCFOUR-128:+MD5:+VERS-TLS1.0" \
		"NORMAL:-VERS-ALL:+VERS-TLS1.0:-KX-ALL:+RSA:-CIPHER-ALL:+ARCFOUR-128:-MAC-ALL:+MD5"
}
G13="NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL"
cap_gnutls-tls13-aes128-gcm() { gnutls "$1" NORMAL "$G13:+AES-128-GCM"; }
cap_gnutls-tls13-aes256-gcm() { gnutls "$1" NORMAL "$G13:+AES-256-GCM" ecdsa; }
cap_gnutls-tls13-chacha20() { gnutls "$1" NORMAL "$G13:+CHACHA20-POLY1305"; }
cap_gnutls-tls13-aes128-ccm8() { gnutls "$1" NORMAL:+AES-128-CCM-8 "$G13:+AES-128-CCM-8" ecdsa; }

# ---- Go crypto/tls client against OpenSSL s_server ----------------------------
# Go offers its three TLS 1.3 suites; the OpenSSL server picks the one given.
gotls_ossl() { # NAME SUITE
	local name=$1 suite=$2
	mkresp "$name" 3000
	mkreq "$name" > "$WORK/$name.req"
	cap_start "$name"
	srv_start 443 openssl s_server -accept 443 -naccept 1 -HTTP $SRV_RSA -tls1_3 -ciphersuites "$suite"
	gotls_get "$name" 1.3
}
cap_gotls-openssl-tls13-chacha20() { gotls_ossl "$1" TLS_CHACHA20_POLY1305_SHA256; }
cap_gotls-openssl-tls13-aes256-gcm() { gotls_ossl "$1" TLS_AES_256_GCM_SHA384; }
cap_gotls-openssl-tls13-aes128-gcm() { gotls_ossl "$1" TLS_AES_128_GCM_SHA256; }

# ---- scapy (SSL 3.0, DEFLATE) --------------------------------------------------
# scapy's TLS automaton on both sides (testdata/gen/scapytls.py): scapy's
# echo server; the client sends a 1500-byte text in one record; it writes
# NAME.keylog itself (CLIENT_RANDOM <client random> <master secret>).
scapy_cap() { # NAME VERSION SUITE [COMP]
	local name=$1 ver=$2 suite=$3 comp=${4:-null} port=443
	body "$name" 1500 > "$WORK/$name.in"
	cap_start "$name"
	srv_start $port $PY "$HERE/scapytls.py" server --port $port --cert "$CERTS/server-rsa.pem" \
		--key "$CERTS/server-rsa.key" --suite "$suite" --comp "$comp"
	timeout 60 ip netns exec $NSC $PY "$HERE/scapytls.py" client --host $S4 --port $port --version "$ver" \
		--suite "$suite" --comp "$comp" --data "$WORK/$name.in" --out "$WORK/$name.got" \
		--keylog "$OUT/$name.keylog" 2>"$WORK/$name.cli.log" ||
		{ echo "scapy client failed" >&2; tail -20 "$WORK/$name.cli.log" >&2; }
	srv_wait 2
	cap_stop
	tail -1 "$WORK/$name.cli.log" >&2
	local ok=1
	same "$WORK/$name.in" "$WORK/$name.got" "$name" || { ok=0; tail -20 "$WORK/$name.cli.log" "$WORK/srv.log" >&2; }
	cp "$WORK/$name.in" "$OUT/$name.c2s"
	cp "$WORK/$name.in" "$OUT/$name.s2c"
	return $((1 - ok))
}
cap_scapy-ssl3-rsa-aes128-cbc() { scapy_cap "$1" sslv3 TLS_RSA_WITH_AES_128_CBC_SHA; }
cap_scapy-ssl3-rsa-rc4-md5() { scapy_cap "$1" sslv3 TLS_RSA_WITH_RC4_128_MD5; }
cap_scapy-ssl3-rsa-3des-ede-cbc() { scapy_cap "$1" sslv3 TLS_RSA_WITH_3DES_EDE_CBC_SHA; }
# IDEA: refused, the cryptography module's OpenSSL 3 backend has no IDEA.
cap_scapy-ssl3-rsa-rc4-sha-keyonly() { scapy_cap "$1" sslv3 TLS_RSA_WITH_RC4_128_SHA && keyonly "$1"; }
cap_scapy-tls12-rsa-seed-cbc() { scapy_cap "$1" tls12 TLS_RSA_WITH_SEED_CBC_SHA; }
cap_scapy-ssl3-rsa-aes128-cbc-deflate() { scapy_cap "$1" sslv3 TLS_RSA_WITH_AES_128_CBC_SHA deflate; }
cap_scapy-tls12-rsa-aes128-cbc-deflate() { scapy_cap "$1" tls12 TLS_RSA_WITH_AES_128_CBC_SHA256 deflate; }

ALL=(
	openssl-tls12-rsa-null-sha256
	openssl-tls12-ecdhe-ecdsa-null-sha
	openssl-tls12-ecdhe-ecdsa-aes128-ccm
	openssl-tls12-ecdhe-ecdsa-aes256-ccm8
	openssl-tls12-rsa-aes128-ccm8
	openssl-tls12-dhe-rsa-aes256-ccm
	openssl-tls12-ecdhe-rsa-aria128-gcm
	openssl-tls12-rsa-aria256-gcm
	openssl-tls12-ecdhe-rsa-camellia128-cbc-sha256
	openssl-tls12-dhe-rsa-camellia256-cbc-mte
	openssl-tls12-rsa-camellia128-cbc
	openssl-tls12-rsa-seed-cbc
	openssl-tls12-dhe-rsa-seed-cbc-mte
	openssl-tls12-ecdhe-rsa-aes256-cbc-sha384-mte
	openssl-tls11-ecdhe-rsa-aes128-cbc-mte
	openssl-tls10-dhe-rsa-aes256-cbc-mte
	openssl-tls12-ecdhe-rsa-aes128-gcm-noems
	openssl-tls12-ecdhe-rsa-aes128-cbc-noems
	openssl-tls12-rsa-aes256-cbc-sha256-keyonly
	openssl-tls12-rsa-aes128-gcm-noems-keyonly
	openssl-tls10-rsa-aes128-cbc-mte-keyonly
	openssl-tls12-rsa-camellia256-cbc-sha256-keyonly
	openssl-tls12-resume-id-nolog
	openssl-tls12-resume-ticket-nolog
	openssl-tls12-rsa-resume-id-keyonly
	openssl-tls12-renego-client
	openssl-tls12-renego-server
	openssl-tls13-aes128-ccm
	openssl-tls13-aes128-ccm8
	openssl-tls13-early-data-accepted
	openssl-tls13-early-data-rejected-hrr
	openssl-tls13-early-data-rejected-replay
	gnutls-tls12-ecdhe-rsa-camellia128-gcm
	gnutls-tls12-rsa-camellia256-gcm
	gnutls-tls12-dhe-rsa-camellia256-cbc
	gnutls-tls12-ecdhe-rsa-camellia128-cbc-mte
	gnutls-tls12-ecdhe-ecdsa-aes128-ccm8
	gnutls-tls12-rsa-aes256-ccm
	gnutls-tls12-ecdhe-rsa-null-sha1
	gnutls-tls12-ecdhe-rsa-aes128-cbc-noems
	gnutls-tls11-rsa-3des-mte
	gnutls-tls10-rsa-rc4-md5
	gnutls-tls13-aes128-gcm
	gnutls-tls13-aes256-gcm
	gnutls-tls13-chacha20
	gnutls-tls13-aes128-ccm8
	gotls-openssl-tls13-aes128-gcm
	gotls-openssl-tls13-aes256-gcm
	gotls-openssl-tls13-chacha20
	scapy-ssl3-rsa-aes128-cbc
	scapy-ssl3-rsa-rc4-md5
	scapy-ssl3-rsa-3des-ede-cbc
	scapy-ssl3-rsa-rc4-sha-keyonly
	scapy-tls12-rsa-seed-cbc
	scapy-ssl3-rsa-aes128-cbc-deflate
	scapy-tls12-rsa-aes128-cbc-deflate
)

main() {
	mkdir -p "$OUT"
	local names=("$@")
	((${#names[@]})) || names=("${ALL[@]}")
	local n
	for n in "${names[@]}"; do
		declare -F "cap_$n" >/dev/null || { echo "unknown capture $n" >&2; exit 1; }
	done
	[[ " ${names[*]}" == *" gotls-"* ]] && build_go gotls
	netns_up
	local failed=()
	for n in "${names[@]}"; do
		log "$n"
		"cap_$n" "$n" || failed+=("$n")
	done
	((${#failed[@]} == 0)) || { echo "FAILED: ${failed[*]}" >&2; exit 1; }
}

main "$@"
