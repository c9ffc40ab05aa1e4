#!/usr/bin/env bash
# mkpcaps-ech.sh — makes the ECH (Encrypted ClientHello, RFC 9849) captures in
# testdata/pcaps/ with Go crypto/tls on both sides (testdata/gen/gotls), over
# the veth pair between two network namespaces that this script creates and
# removes (sslds-ec 10.79.0.1, sslds-es 10.79.0.2; helpers in lib.sh).
#
# Needs root (ip netns, ethtool, tcpdump), plus tcpdump, ethtool, iproute2, go.
#
#   testdata/gen/mkpcaps-ech.sh            # (re)make every ECH capture
#   testdata/gen/mkpcaps-ech.sh NAME...    # (re)make only these
#
# Each run makes fresh ECH key pairs (gotls echkey: DHKEM(X25519,
# HKDF-SHA256), HKDF-SHA256, AES-128-GCM or ChaCha20-Poly1305; public name
# public.test), and the server a fresh certificate for secret.test and
# public.test signed by certs/ca.pem. The client asks for secret.test (the
# inner name), offers ALPN http/1.1 and writes two key logs:
#   NAME.noech.keylog  the ordinary lines, as Go writes them: keyed by the
#                      INNER ClientHello's random when ECH is accepted, so
#                      they do not match the random seen on the wire
#   NAME.keylog        the same lines plus, per ClientHello, the RFC 9850
#                      lines ECH_SECRET / ECH_CONFIG keyed by the OUTER random
#                      (the key log the golden and plaintext tests use)
# and, where every connection of the capture carried the same application
# bytes, NAME.c2s / NAME.s2c. The gotls-ech-dns* captures first have the
# client ask a DNS server (testdata/gen/dnsech, its own module requiring
# golang.org/x/net for dnsmessage's HTTPS record) on the server's address,
# UDP port 53, for the HTTPS record of public.test, whose ech SvcParam holds
# the configs DNS_KEYS; gotls-ech-dns then offers that ECHConfigList. Both
# the DNS exchange and the TLS connection are in the capture. Afterwards
# update testdata/pcaps/README.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testdata/gen/lib.sh
. "$HERE/lib.sh"
ME=mkpcaps-ech.sh
NSC=sslds-ec NSS=sslds-es
VC=sslds-evc VS=sslds-evs
C4=10.79.0.1 S4=10.79.0.2 C6= S6=
WAIT_N=100
OUT_EXTS="pcap pcapng keylog noech.keylog c2s s2c"
SRV_STDIN=

require tcpdump ethtool ip go timeout
work_init sslds-ech

G() { "$WORK/bin/gotls" "$@"; }

# ech NAME "SERVER ECH KEYS" "CLIENT ECH KEYS" "KNOWN KEYS" NCONN [CLIENT FLAGS]
# ($SRV_FLAGS: more server flags)
ech() {
	local name=$1 skeys=$2 ckeys=$3 known=$4 n=$5; shift 5
	mkresp "$name" 3000
	printf 'GET /%s HTTP/1.0\r\nHost: secret.test\r\n\r\n' "$name" > "$WORK/$name.req"
	local clist=()
	if [[ -n ${DNS_KEYS:-} ]]; then
		CAP_FILTER="tcp or udp port 53" cap_start "$name"
		ip netns exec $NSS "$WORK/bin/dnsech" serve -listen $S4:53 -name public.test -ech "$DNS_KEYS" -n 1 \
			>"$WORK/dns.log" 2>&1 5>&- 6>&- &
		PIDS+=("$!")
		local i
		for i in $(seq "$WAIT_N"); do inS ss -Hlun "sport = :53" | grep -q . && break; sleep 0.05; done
		timeout 10 ip netns exec $NSC "$WORK/bin/dnsech" query -server $S4:53 -name public.test -out "$WORK/$name.echlist"
		[[ ${DNS_USE:-1} == 1 ]] && clist=(-ech-list "$WORK/$name.echlist")
	else
		cap_start "$name"
	fi
	local sech=()
	[[ -n $skeys ]] && sech=(-ech "$skeys")
	srv_start 443 "$WORK/bin/gotls" server -listen :443 -issue secret.test,public.test -ca "$CA" \
		-ca-key "$CERTS/ca.key" -resp "$WORK/www/$name" -tls 1.3 -n "$n" -alpn http/1.1 ${SRV_FLAGS:-} "${sech[@]}"
	timeout 30 ip netns exec $NSC "$WORK/bin/gotls" client -connect $S4:443 -ca "$CA" -name secret.test \
		-req "$WORK/$name.req" -out "$WORK/$name.got" -tls 1.3 -alpn http/1.1 -keylog "$OUT/$name.noech.keylog" \
		-ech "$ckeys" -ech-known "$known" -ech-keylog "$OUT/$name.keylog" "${clist[@]}" "$@" ||
		echo "gotls client failed" >&2
	srv_wait 5
	cat "$WORK/srv.log" >&2 || true
	cap_stop
}

K() { echo "$WORK/keys/$1"; }

keys() {
	mkdir -p "$WORK/keys"
	G echkey -out "$(K a)" -id 7 -aead aes128gcm
	G echkey -out "$(K b)" -id 9 -aead aes128gcm
	G echkey -out "$(K c)" -id 11 -aead chacha20
}

# Accepted: the server holds the client's config (AES-128-GCM).
cap_gotls-ech-accept() {
	ech "$1" "$(K a)" "$(K a)" "" 1
	same "$WORK/www/$1" "$WORK/$1.got" "$1" && cp "$WORK/$1.req" "$OUT/$1.c2s" && cp "$WORK/www/$1" "$OUT/$1.s2c"
}
# Accepted, ChaCha20-Poly1305 HPKE AEAD.
cap_gotls-ech-chacha20() {
	ech "$1" "$(K c)" "$(K c)" "" 1
	same "$WORK/www/$1" "$WORK/$1.got" "$1" && cp "$WORK/$1.req" "$OUT/$1.c2s" && cp "$WORK/www/$1" "$OUT/$1.s2c"
}
# Accepted after a HelloRetryRequest: the server does P-256 only, the client's
# first ClientHello has X25519MLKEM768 and X25519 shares; both ClientHellos
# carry ECH, the second sealed with the same HPKE context.
cap_gotls-ech-hrr() {
	SRV_FLAGS=-p256 ech "$1" "$(K a)" "$(K a)" "" 1
	same "$WORK/www/$1" "$WORK/$1.got" "$1" && cp "$WORK/$1.req" "$OUT/$1.c2s" && cp "$WORK/www/$1" "$OUT/$1.s2c"
}
# Rejected: the server has another key (config_id 9) and sends it as
# retry_configs; the client gets ECHRejectionError, sends ech_required and
# connects again with the retry config, which is accepted (2 connections).
cap_gotls-ech-reject() {
	ech "$1" "$(K b)" "$(K a)" "$(K b)" 2 -ech-retry
	same "$WORK/www/$1" "$WORK/$1.got" "$1" || true
}
# The server has no ECH keys at all and ignores the extension, as a server
# treats GREASE ECH (Go's client sends no GREASE ECH of its own): no
# retry_configs; the client ends with ECHRejectionError and no retry.
cap_gotls-ech-ignored() {
	ech "$1" "" "$(K a)" "" 1
}

# The client takes its ECHConfigList (config a) from the HTTPS record of
# public.test that it asked the DNS server for; the server accepts it.
cap_gotls-ech-dns() {
	DNS_KEYS=$(K a) ech "$1" "$(K a)" "" "$(K a)" 1
	same "$WORK/www/$1" "$WORK/$1.got" "$1" && cp "$WORK/$1.req" "$OUT/$1.c2s" && cp "$WORK/www/$1" "$OUT/$1.s2c"
}
# The DNS answer publishes config b (config_id 9); the client offers its own
# config a (config_id 7) regardless, which the server accepts: no config in
# the capture's DNS has the ClientHello's config_id.
cap_gotls-ech-dns-mismatch() {
	DNS_KEYS=$(K b) DNS_USE=0 ech "$1" "$(K a)" "$(K a)" "" 1
	same "$WORK/www/$1" "$WORK/$1.got" "$1" && cp "$WORK/$1.req" "$OUT/$1.c2s" && cp "$WORK/www/$1" "$OUT/$1.s2c"
}

ALL=(gotls-ech-accept gotls-ech-chacha20 gotls-ech-hrr gotls-ech-reject gotls-ech-ignored gotls-ech-dns gotls-ech-dns-mismatch)

main() {
	mkdir -p "$OUT"
	build_go gotls
	(cd "$HERE/dnsech" && go build -o "$WORK/bin/dnsech" .)
	keys
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
