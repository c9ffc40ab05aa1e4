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
# with new (equally valid, not byte-identical) ones.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$ROOT/testdata/pcaps
CERTS=$HERE/certs
NSC=sslds-c NSS=sslds-s
VC=sslds-vc VS=sslds-vs
C4=10.77.0.1 S4=10.77.0.2 C6=fd77::1 S6=fd77::2
CA=$CERTS/ca.pem

[[ $EUID -eq 0 ]] || { echo "mkpcaps.sh: must run as root (network namespaces, tcpdump)" >&2; exit 1; }
for t in openssl gnutls-serv gnutls-cli curl tcpdump dumpcap ethtool ip go timeout; do
	command -v "$t" >/dev/null || { echo "mkpcaps.sh: missing $t" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/sslds-gen.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	ip netns del $NSC 2>/dev/null || true
	ip netns del $NSS 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '== %s\n' "$*" >&2; }
inS() { ip netns exec $NSS "$@"; }
inC() { ip netns exec $NSC "$@"; }

netns_up() {
	ip netns del $NSC 2>/dev/null || true
	ip netns del $NSS 2>/dev/null || true
	ip netns add $NSC
	ip netns add $NSS
	ip link add $VC netns $NSC type veth peer name $VS netns $NSS
	local ns dev a4 a6
	for ns in $NSC $NSS; do
		if [[ $ns == "$NSC" ]]; then dev=$VC a4=$C4 a6=$C6; else dev=$VS a4=$S4 a6=$S6; fi
		ip -n $ns link set lo up
		ip -n $ns link set $dev mtu 1500
		ip -n $ns addr add $a4/24 dev $dev
		ip -n $ns -6 addr add $a6/64 dev $dev nodad
		ip netns exec $ns sysctl -qw net.ipv6.conf.$dev.router_solicitations=0
		ip netns exec $ns ethtool -K $dev tso off gso off gro off tx off rx off sg off >/dev/null 2>&1 ||
			ip netns exec $ns ethtool -K $dev tso off gso off gro off tx off rx off >/dev/null
		ip -n $ns link set $dev up
	done
	# Wait for both ends to be up with no tentative address.
	local i
	for i in $(seq 100); do
		if [[ $(ip -n $NSC -o link show $VC) == *LOWER_UP* && $(ip -n $NSS -o link show $VS) == *LOWER_UP* ]] &&
			! ip -n $NSC addr show tentative | grep -q inet && ! ip -n $NSS addr show tentative | grep -q inet; then
			return 0
		fi
		sleep 0.1
	done
	echo "mkpcaps.sh: namespaces not reachable" >&2
	return 1
}

build_go() {
	mkdir -p "$WORK/bin"
	(cd "$ROOT" && go build -o "$WORK/bin/gotls" ./testdata/gen/gotls &&
		go build -o "$WORK/bin/fakesmtp" ./testdata/gen/fakesmtp)
}

# body NAME SIZE -> prints a deterministic, recognisable body of SIZE bytes.
body() {
	python3 - "$1" "$2" <<'PY'
import sys
name, size = sys.argv[1], int(sys.argv[2])
out, i = [], 0
while sum(map(len, out)) < size:
    i += 1
    line = "ssldissect %s line %05d " % (name, i)
    out.append(line + "." * (63 - len(line)) + "\n")
sys.stdout.write("".join(out)[:size])
PY
}

# mkresp NAME SIZE -> writes a complete HTTP/1.0 response to $WORK/www/NAME.
mkresp() {
	local name=$1 size=$2 f=$WORK/www/$1
	mkdir -p "$WORK/www"
	body "$name" "$size" > "$f.body"
	{ printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n' "$size"; cat "$f.body"; } > "$f"
	rm -f "$f.body"
}

mkreq() { printf 'GET /%s HTTP/1.0\r\nHost: server.test\r\n\r\n' "$1"; }

# cap_start NAME [pcapng|nano] — capture on the server's veth end.
CAP_PID=
cap_start() {
	local name=$1 fmt=${2:-pcap}
	rm -f "$OUT/$name".{pcap,pcapng,keylog,c2s,s2c}
	: > "$WORK/cap.log"
	case $fmt in
	pcap) ip netns exec $NSS tcpdump -Z root -i $VS -s 0 -U --immediate-mode -n -w "$OUT/$name.pcap" tcp 2>"$WORK/cap.log" & ;;
	nano) ip netns exec $NSS tcpdump -Z root -i $VS -s 0 -U --immediate-mode -n --time-stamp-precision=nano -w "$OUT/$name.pcap" tcp 2>"$WORK/cap.log" & ;;
	pcapng) ip netns exec $NSS dumpcap -q -i $VS -s 0 -f tcp -w "$OUT/$name.pcapng" 2>"$WORK/cap.log" & ;;
	esac
	CAP_PID=$!
	PIDS+=("$CAP_PID")
	local i
	for i in $(seq 100); do
		grep -qiE 'listening on|capturing on' "$WORK/cap.log" && { sleep 0.2; return 0; }
		sleep 0.05
	done
	echo "capture did not start:" >&2; cat "$WORK/cap.log" >&2
	return 1
}

cap_stop() {
	sleep 1 # let the last FIN/ACKs arrive and be written
	kill -INT "$CAP_PID" 2>/dev/null || true
	wait "$CAP_PID" || true
	grep -E 'packets captured|Packets captured' "$WORK/cap.log" >&2 || true
}

# srv_start PORT CMD... — run a server in the server namespace, cwd $WORK/www,
# and wait until it listens on PORT.
SRV_PID=
srv_start() {
	local port=$1; shift
	mkdir -p "$WORK/www"
	(cd "$WORK/www" && exec ip netns exec $NSS "$@") >"$WORK/srv.log" 2>&1 &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	local i
	for i in $(seq 100); do
		inS ss -Hltn "sport = :$port" | grep -q . && return 0
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "server did not start:" >&2; cat "$WORK/srv.log" >&2
	return 1
}

# srv_wait [SECONDS] — let the server finish by itself, else stop it.
srv_wait() {
	local t=${1:-10} i
	for i in $(seq $((t * 10))); do
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SRV_PID" 2>/dev/null; then
		kill "$SRV_PID" 2>/dev/null || true
	fi
	wait "$SRV_PID" 2>/dev/null || true
}

# same A B WHAT — warn loudly when two byte strings differ.
same() {
	if cmp -s "$1" "$2"; then return 0; fi
	echo "WARNING: $3: $1 and $2 differ" >&2
	return 1
}

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
)

main() {
	"$HERE/mkcerts.sh"
	mkdir -p "$OUT"
	build_go
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
