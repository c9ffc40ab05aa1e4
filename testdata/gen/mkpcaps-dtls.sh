#!/usr/bin/env bash
# mkpcaps-dtls.sh — makes the DTLS test captures testdata/pcaps/{openssl,gnutls}-dtls*.pcap
# with OpenSSL (s_server / s_client) and GnuTLS (gnutls-serv / gnutls-cli)
# talking DTLS over a veth pair between two network namespaces that this
# script creates and removes; the sibling of mkpcaps.sh and mkpcaps-quic.sh
# with the same lib.sh helpers and addresses.
#
# Needs root (ip netns, ethtool, tcpdump), plus openssl, gnutls-bin, tcpdump,
# ethtool, iproute2, python3; tshark, if present, for the check at the end.
#
#   testdata/gen/mkpcaps-dtls.sh            # (re)make every DTLS capture
#   testdata/gen/mkpcaps-dtls.sh NAME...    # only these (openssl-dtls12-chacha20 ...)
#
# Traffic stays inside the namespaces sslds-dc (10.77.0.1) and sslds-ds
# (10.77.0.2), UDP port 443 (veth ends sslds-dvc / sslds-dvs, MTU 1500);
# tcpdump (`udp`) runs in the server namespace on the server's veth end,
# offloads off on both ends (lib.sh netns_up).
#
# For every capture NAME it writes NAME.pcap, NAME.keylog (the client's NSS
# key log: OpenSSL -keylogfile, GnuTLS SSLKEYLOGFILE; appended to by every
# connection of a capture) and NAME.c2s / NAME.s2c: the exact application
# bytes the client sent and the server sent in each connection (every
# connection of a capture carries the same bytes). They are what this script
# fed the programs on their stdin; the script also checks them against what
# the other side printed (OpenSSL -quiet: the application data alone) or
# echoed back (gnutls-serv --echo: s2c = c2s). Static-RSA captures also get
# NAME.key, a copy of certs/server-rsa.key (the server's private key).
#
# DTLS writes one record per SSL_write / gnutls_record_send, and neither
# program splits its stdin reads to the path MTU (a read larger than the MTU
# fails with EMSGSIZE: the sockets set DF). So the stdin feeder ($WORK/feed.py)
# writes the bytes in CHUNK-byte pieces DELAY seconds apart: one read, one
# record, one datagram. It also sequences each connection: data only once
# the client's key log has the connection's CLIENT_RANDOM line (the
# handshake is then done; plus 0.3 s), and the client's stdin ends (so it
# sends close_notify, and the other side answers with its own) only once the
# client has received all of s2c. Re-running replaces the captures with new
# (equally valid, not byte-identical) ones.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testdata/gen/lib.sh
. "$HERE/lib.sh"
ME=mkpcaps-dtls.sh
NSC=sslds-dc NSS=sslds-ds
VC=sslds-dvc VS=sslds-dvs
C4=10.77.0.1 S4=10.77.0.2 C6='' S6=''
WAIT_N=100
OUT_EXTS="pcap keylog c2s s2c key"
SRV_STDIN=/dev/null
CAP_FILTER=udp
SRV_PROTO=udp
PORT=443

require openssl gnutls-serv gnutls-cli tcpdump ethtool ip python3 timeout
work_init sslds-dtls

# mkfeed writes $WORK/feed.py and $WORK/tcheck.py (tshark_check's counting).
# $WORK/feed.py OP... — writes to stdout, step by step:
#   keylog:FILE:N          wait (20 s at most) until FILE has N CLIENT_RANDOM
#                          lines, then 0.3 s more
#   data:FILE:CHUNK:DELAY  FILE in CHUNK-byte writes, DELAY seconds apart
#   size:FILE:N            wait (20 s at most) until FILE has N bytes, then 0.3 s
#   sleep:SECONDS
mkfeed() {
	cat > "$WORK/feed.py" <<'EOPY'
import os, sys, time
def wait(cond, what):
    end = time.time() + 20
    while not cond():
        if time.time() > end:
            sys.stderr.write("feed.py: timeout waiting for %s\n" % what)
            return
        time.sleep(0.02)
    time.sleep(0.3)
def randoms(f):
    try:
        return sum(1 for l in open(f) if l.startswith("CLIENT_RANDOM "))
    except OSError:
        return 0
def size(f):
    try:
        return os.path.getsize(f)
    except OSError:
        return 0
for op in sys.argv[1:]:
    kind, *a = op.split(":")
    if kind == "keylog":
        wait(lambda: randoms(a[0]) >= int(a[1]), op)
    elif kind == "size":
        wait(lambda: size(a[0]) >= int(a[1]), op)
    elif kind == "data":
        data, n, d = open(a[0], "rb").read(), int(a[1]), float(a[2])
        for i in range(0, len(data), n):
            os.write(1, data[i:i + n])
            time.sleep(d)
    elif kind == "sleep":
        time.sleep(float(a[0]))
    else:
        sys.exit("feed.py: bad op " + op)
EOPY
	cat > "$WORK/tcheck.py" <<'EOPY'
import os, sys
name, client, c2s, s2c = sys.argv[1:5]
def vals(s):
    return [v for v in s.split(";") if v != ""]
recs = enc = fin = alerts = apps = conns = 0
got = {True: 0, False: 0}
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    f += [""] * (6 - len(f))
    src, epochs, hs, cookie, alert, dlen = f[:6]
    epochs = vals(epochs)
    recs += len(epochs)
    enc += sum(1 for e in epochs if e != "0")
    fin += vals(hs).count("20")
    # A ClientHello with an empty cookie starts a connection.
    conns += sum(1 for c in vals(cookie) if c == "0") if src == client else 0
    alerts += len(vals(alert))
    lens = [int(x) for x in vals(dlen)]
    apps += len(lens)
    got[src == client] += sum(lens)
conns = max(conns, 1)
want_c, want_s = conns * os.path.getsize(c2s), conns * os.path.getsize(s2c)
ok = got[True] == want_c and got[False] == want_s and fin == 2 * conns and fin + alerts + apps == enc
print("== %s: tshark: %d DTLS records (%d encrypted), %d decrypted (%d Finished, %d alerts, %d application data); "
      "app data c2s %d/%d, s2c %d/%d bytes (%d connection%s)%s" % (
          name, recs, enc, fin + alerts + apps, fin, alerts, apps, got[True], want_c, got[False], want_s,
          conns, "" if conns == 1 else "s",
          "" if ok else "  (none: TShark 4.0 does not decrypt DTLS ChaCha20-Poly1305)" if enc and not fin + alerts + apps
          else "  <-- not all decrypted"), file=sys.stderr)
EOPY
}

# feed_start OPS... — the feeder writing into the FIFO $WORK/srv.in (the
# server's stdin: SRV_IN), in the background.
FEED_PID=
feed_start() {
	rm -f "$WORK/srv.in"
	mkfifo "$WORK/srv.in"
	python3 "$WORK/feed.py" "$@" > "$WORK/srv.in" 5>&- 6>&- &
	FEED_PID=$!
	PIDS+=("$FEED_PID")
}
feed_stop() { kill "$FEED_PID" 2>/dev/null || true; wait "$FEED_PID" 2>/dev/null || true; }

SRV_RSA="-cert $CERTS/server-rsa.pem -key $CERTS/server-rsa.key"

# ossl NAME C2S-SIZE S2C-SIZE CHUNK NCONN "SERVER OPTS" "CLIENT OPTS" [CLIENT OPTS FOR CONN 2...]
# — OpenSSL s_server -quiet (server namespace, port 443, RSA cert, -naccept
# NCONN) and NCONN s_client -quiet -no_ign_eof runs one after another; each
# connection: client sends C2S-SIZE bytes, server S2C-SIZE bytes, both in
# CHUNK-byte records, then the client closes.
ossl() {
	local name=$1 csize=$2 ssize=$3 chunk=$4 n=$5 sopts=$6 copts=$7; shift 7
	local keylog=$OUT/$name.keylog
	body "$name c2s" "$csize" > "$WORK/$name.c2s"
	body "$name s2c" "$ssize" > "$WORK/$name.s2c"
	cap_start "$name"
	local i ops=()
	for ((i = 1; i <= n; i++)); do ops+=("keylog:$keylog:$i" "data:$WORK/$name.s2c:$chunk:0.05"); done
	feed_start "${ops[@]}" sleep:60
	# The server's stderr to srv.err, so srv.log is what it printed: the data it received.
	# shellcheck disable=SC2086,SC2016
	SRV_IN=$WORK/srv.in srv_start $PORT sh -c 'exec "$@" 2>"$0"' "$WORK/srv.err" \
		openssl s_server -accept $PORT -naccept "$n" -quiet $SRV_RSA $sopts
	local extra ok=1
	for ((i = 1; i <= n; i++)); do
		extra=
		if ((i > 1)); then extra=${1:-}; shift || true; fi
		: > "$WORK/$name.got.$i"
		# shellcheck disable=SC2086
		python3 "$WORK/feed.py" "keylog:$keylog:$i" "data:$WORK/$name.c2s:$chunk:0.05" \
			"size:$WORK/$name.got.$i:$ssize" |
			timeout 40 ip netns exec $NSC openssl s_client -connect $S4:$PORT -servername server.test \
				-CAfile "$CA" -verify_return_error -quiet -no_ign_eof -keylogfile "$keylog" \
				$copts $extra > "$WORK/$name.got.$i" 2>"$WORK/$name.cli.$i.log" ||
			{ ok=0; echo "client $i failed:" >&2; cat "$WORK/$name.cli.$i.log" >&2; }
		same "$WORK/$name.s2c" "$WORK/$name.got.$i" "$name conn $i s2c" || ok=0
		grep -E '^(Reused|New), ' "$WORK/$name.cli.$i.log" >&2 || true
	done
	srv_wait 5
	feed_stop
	cap_stop
	for ((i = 1; i <= n; i++)); do cat "$WORK/$name.c2s"; done > "$WORK/$name.c2s.all"
	same "$WORK/$name.c2s.all" "$WORK/srv.log" "$name c2s (what the server printed)" || { ok=0; cat "$WORK/srv.err" >&2; }
	cp "$WORK/$name.c2s" "$WORK/$name.s2c" "$OUT/"
	return $((1 - ok))
}

cap_openssl-dtls12-ecdhe-rsa-aes128-gcm() {
	# -listen: DTLSv1_listen, so ClientHello, HelloVerifyRequest (cookie), ClientHello with the cookie.
	ossl "$1" 4000 5000 700 1 "-dtls1_2 -listen -cipher ECDHE-RSA-AES128-GCM-SHA256" \
		"-dtls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256"
}
cap_openssl-dtls10-ecdhe-rsa-aes128-cbc() {
	ossl "$1" 3000 4000 700 1 "-dtls1 -listen -cipher ECDHE-RSA-AES128-SHA:@SECLEVEL=0" \
		"-dtls1 -cipher ECDHE-RSA-AES128-SHA:@SECLEVEL=0"
}
cap_openssl-dtls12-mtu-fragmented() {
	# -mtu 400 both sides: handshake messages fragmented to fit 400-byte datagrams.
	ossl "$1" 20000 20000 1000 1 "-dtls1_2 -listen -mtu 400" "-dtls1_2 -mtu 400"
}
# Resumption: two connections to one s_server -naccept 2, without -listen:
# after DTLSv1_listen s_server connect()s its one UDP socket to the first
# client, so a second client (another source port) gets ECONNREFUSED.
# Without -listen s_server still asks for a cookie (HelloVerifyRequest), but
# on the unconnected socket it cannot query the path MTU and fragments its
# handshake messages for a ~256-byte MTU.
cap_openssl-dtls12-resumption() {
	# Full handshake with NewSessionTicket, then resumption with the ticket.
	ossl "$1" 3000 3000 700 2 "-dtls1_2" "-dtls1_2 -sess_out $WORK/$1.sess" "-sess_in $WORK/$1.sess"
}
cap_openssl-dtls12-resumption-id() {
	# No tickets on either side: resumption by session ID.
	ossl "$1" 3000 3000 700 2 "-dtls1_2 -no_ticket" "-dtls1_2 -no_ticket -sess_out $WORK/$1.sess" \
		"-sess_in $WORK/$1.sess"
}
cap_openssl-dtls12-rsa-aes128-gcm() {
	# Static RSA key exchange; NAME.key = the server's key, so the capture
	# decrypts with the key log or with the private key alone.
	ossl "$1" 3000 4000 700 1 "-dtls1_2 -listen -cipher AES128-GCM-SHA256" \
		"-dtls1_2 -cipher AES128-GCM-SHA256" && cp "$CERTS/server-rsa.key" "$OUT/$1.key"
}
cap_openssl-dtls12-chacha20() {
	ossl "$1" 3000 4000 700 1 "-dtls1_2 -listen -cipher ECDHE-RSA-CHACHA20-POLY1305" \
		"-dtls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305"
}

# gnutls NAME SIZE CHUNK "SERVER PRIORITY" "CLIENT PRIORITY" — gnutls-serv
# --udp --echo (RSA cert) and gnutls-cli --udp; the client sends a SIZE-byte
# text in CHUNK-byte records and the server echoes each record (s2c = c2s).
gnutls() {
	local name=$1 size=$2 chunk=$3 sprio=$4 cprio=$5 ok=1
	local keylog=$OUT/$name.keylog
	body "$name" "$size" > "$WORK/$name.c2s"
	cap_start "$name"
	srv_start $PORT gnutls-serv --udp --echo -p $PORT --x509certfile "$CERTS/server-rsa.pem" \
		--x509keyfile "$CERTS/server-rsa.key" --disable-client-cert --priority "$sprio"
	: > "$WORK/$name.got"
	python3 "$WORK/feed.py" "keylog:$keylog:1" "data:$WORK/$name.c2s:$chunk:0.05" "size:$WORK/$name.got:$size" |
		SSLKEYLOGFILE=$keylog timeout 40 ip netns exec $NSC gnutls-cli --udp --x509cafile "$CA" \
			--sni-hostname server.test --verify-hostname server.test --logfile "$WORK/$name.cli.log" \
			--priority "$cprio" -p $PORT $S4 > "$WORK/$name.got" 2>"$WORK/$name.cli.err" ||
		{ ok=0; echo "client failed:" >&2; tail -5 "$WORK/$name.cli.log" "$WORK/$name.cli.err" >&2; }
	srv_wait 1
	cap_stop
	same "$WORK/$name.c2s" "$WORK/$name.got" "$name echo" || ok=0
	cp "$WORK/$name.c2s" "$OUT/$name.c2s"
	cp "$WORK/$name.c2s" "$OUT/$name.s2c"
	return $((1 - ok))
}

cap_gnutls-dtls12-aes256-gcm() {
	gnutls "$1" 5000 700 NORMAL "NORMAL:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL:+ECDHE-RSA:-CIPHER-ALL:+AES-256-GCM"
}
cap_gnutls-dtls10-ecdhe-rsa-aes128-cbc() {
	gnutls "$1" 5000 700 NORMAL:+VERS-DTLS1.0 "NORMAL:-VERS-ALL:+VERS-DTLS1.0:-KX-ALL:+ECDHE-RSA:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA1"
}

ALL=(
	openssl-dtls12-ecdhe-rsa-aes128-gcm
	openssl-dtls10-ecdhe-rsa-aes128-cbc
	openssl-dtls12-mtu-fragmented
	openssl-dtls12-resumption
	openssl-dtls12-resumption-id
	openssl-dtls12-chacha20
	openssl-dtls12-rsa-aes128-gcm
	gnutls-dtls12-aes256-gcm
	gnutls-dtls10-ecdhe-rsa-aes128-cbc
)

# tshark_check NAME — DTLS records tshark sees, how many of the encrypted
# ones (epoch > 0) it decrypted (Finished, alerts and application data it
# shows in the clear), and the application bytes it decrypted each way
# against NAME.c2s / NAME.s2c times the number of connections (counted as
# the client's ClientHellos with an empty cookie: every connection here
# starts with one). TShark 4.0 does not decrypt DTLS with ChaCha20-Poly1305.
# Where NAME.key exists, the same once more with the private key alone
# (uat:rsa_keys, no key log).
tshark_check() {
	command -v tshark >/dev/null || return 0
	local name=$1
	tshark_count "$name" "" -o "tls.keylog_file:$OUT/$name.keylog"
	if [[ -f $OUT/$name.key ]]; then
		tshark_count "$name" "RSA key alone" -o "uat:rsa_keys:\"$OUT/$name.key\",\"\""
	fi
}
# tshark_count NAME LABEL TSHARK-OPTS... — one tshark_check count with those keys.
tshark_count() {
	local name=$1 label=$2; shift 2
	tshark -r "$OUT/$name.pcap" "$@" -Y dtls -T fields -E occurrence=a -E aggregator=';' \
		-e ip.src -e dtls.record.epoch -e dtls.handshake.type -e dtls.handshake.cookie_length \
		-e dtls.alert_message.desc -e data.len 2>/dev/null |
		python3 "$WORK/tcheck.py" "$name${label:+ ($label)}" "$C4" "$OUT/$name.c2s" "$OUT/$name.s2c"
}

main() {
	mkdir -p "$OUT"
	mkfeed
	netns_up
	local names=("$@")
	((${#names[@]})) || names=("${ALL[@]}")
	local n
	for n in "${names[@]}"; do
		declare -F "cap_$n" >/dev/null || { echo "unknown capture $n" >&2; exit 1; }
		log "$n"
		"cap_$n" "$n" || echo "WARNING: $n: see above" >&2
		tshark_check "$n"
	done
}

main "$@"
