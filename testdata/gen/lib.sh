# lib.sh — the helpers that mkpcaps.sh and mkpcaps-matrix.sh share: the two
# network namespaces and the veth pair between them, the capture, the server
# under test, and the expected-bytes helpers. Sourced, not run:
#
#   HERE=$(cd "$(dirname "$0")" && pwd)
#   . "$HERE/lib.sh"
#
# It sets ROOT, OUT, CERTS and CA from HERE. Before calling anything here the
# script sets:
#   ME         its own name, for messages (mkpcaps.sh)
#   NSC NSS    client / server namespace names
#   VC VS      client / server veth ends
#   C4 S4      client / server IPv4 addresses (a /24)
#   C6 S6      client / server IPv6 addresses (a /64); empty or unset: no
#              IPv6 at all (disabled on the veth ends)
#   WAIT_N     how many 50 ms steps cap_start and srv_start wait at most
#   OUT_EXTS   the file endings cap_start removes from $OUT before a capture
#   SRV_STDIN  the servers' stdin when SRV_IN is not set; empty: the
#              script's own stdin
# and may set (mkpcaps-quic.sh):
#   CAP_FILTER the capture filter; unset: tcp
#   SRV_PROTO  what srv_start waits for the server to listen on: tcp (unset)
#              or udp
# and calls require TOOL... and work_init PREFIX before the rest.

ROOT=$(cd "$HERE/../.." && pwd)
OUT=$ROOT/testdata/pcaps
CERTS=$HERE/certs
CA=$CERTS/ca.pem

# require TOOL... — root, and every TOOL on PATH; else exit.
require() {
	[[ $EUID -eq 0 ]] || { echo "$ME: must run as root (network namespaces, tcpdump)" >&2; exit 1; }
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "$ME: missing $t" >&2; exit 1; }
	done
}

# work_init PREFIX — the scratch directory WORK=/tmp/PREFIX.XXXXXX; on exit
# the started processes are killed, the namespaces and WORK removed.
PIDS=()
work_init() {
	WORK=$(mktemp -d "/tmp/$1.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	ip netns del $NSC 2>/dev/null || true
	ip netns del $NSS 2>/dev/null || true
	rm -rf "$WORK"
}

log() { printf '== %s\n' "$*" >&2; }
inS() { ip netns exec $NSS "$@"; }
inC() { ip netns exec $NSC "$@"; }

# netns_up — the two namespaces and the veth pair between them, with
# segmentation and checksum offloads off on both ends so the capture holds
# real <=1500-byte frames with valid checksums. IPv6 only where C6/S6 are set.
netns_up() {
	ip netns del $NSC 2>/dev/null || true
	ip netns del $NSS 2>/dev/null || true
	ip netns add $NSC
	ip netns add $NSS
	ip link add $VC netns $NSC type veth peer name $VS netns $NSS
	local ns dev a4 a6
	for ns in $NSC $NSS; do
		if [[ $ns == "$NSC" ]]; then dev=$VC a4=$C4 a6=${C6:-}; else dev=$VS a4=$S4 a6=${S6:-}; fi
		ip -n $ns link set lo up
		ip -n $ns link set $dev mtu 1500
		ip -n $ns addr add $a4/24 dev $dev
		if [[ -n $a6 ]]; then
			ip -n $ns -6 addr add $a6/64 dev $dev nodad
			ip netns exec $ns sysctl -qw net.ipv6.conf.$dev.router_solicitations=0
		else
			ip netns exec $ns sysctl -qw net.ipv6.conf.$dev.disable_ipv6=1
		fi
		ip netns exec $ns ethtool -K $dev tso off gso off gro off tx off rx off sg off >/dev/null 2>&1 ||
			ip netns exec $ns ethtool -K $dev tso off gso off gro off tx off rx off >/dev/null
		ip -n $ns link set $dev up
	done
	# Wait for both ends to be up (with IPv6: with no tentative address).
	local i
	for i in $(seq 100); do
		if [[ $(ip -n $NSC -o link show $VC) == *LOWER_UP* && $(ip -n $NSS -o link show $VS) == *LOWER_UP* ]] &&
			{ [[ -z ${C6:-} ]] ||
				{ ! ip -n $NSC addr show tentative | grep -q inet && ! ip -n $NSS addr show tentative | grep -q inet; }; }; then
			return 0
		fi
		sleep 0.1
	done
	echo "$ME: namespaces not reachable" >&2
	return 1
}

# build_go PKG... — go build ./testdata/gen/PKG into $WORK/bin/PKG, in order,
# stopping at the first failure.
build_go() {
	mkdir -p "$WORK/bin"
	local p
	(cd "$ROOT" && for p in "$@"; do go build -o "$WORK/bin/$p" "./testdata/gen/$p" || exit; done)
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

# cap_start NAME [pcapng|nano] — capture on the server's veth end. The
# capture does not hold the FIFO descriptors 5 and 6 (mkpcaps-matrix.sh)
# open.
CAP_PID=
cap_start() {
	local name=$1 fmt=${2:-pcap} e
	for e in $OUT_EXTS; do rm -f "$OUT/$name.$e"; done
	: > "$WORK/cap.log"
	case $fmt in
	pcap) ip netns exec $NSS tcpdump -Z root -i $VS -s 0 -U --immediate-mode -n -w "$OUT/$name.pcap" "${CAP_FILTER:-tcp}" 2>"$WORK/cap.log" 5>&- 6>&- & ;;
	nano) ip netns exec $NSS tcpdump -Z root -i $VS -s 0 -U --immediate-mode -n --time-stamp-precision=nano -w "$OUT/$name.pcap" "${CAP_FILTER:-tcp}" 2>"$WORK/cap.log" 5>&- 6>&- & ;;
	pcapng) ip netns exec $NSS dumpcap -q -i $VS -s 0 -f "${CAP_FILTER:-tcp}" -w "$OUT/$name.pcapng" 2>"$WORK/cap.log" 5>&- 6>&- & ;;
	esac
	CAP_PID=$!
	PIDS+=("$CAP_PID")
	local i
	for i in $(seq "$WAIT_N"); do
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
# stdin from $SRV_IN (default $SRV_STDIN, or the script's own stdin where
# that is empty), and wait until it listens on PORT.
SRV_PID=
srv_start() {
	local port=$1 in=${SRV_IN:-${SRV_STDIN:-}}; shift
	mkdir -p "$WORK/www"
	( if [[ -n $in ]]; then exec <"$in"; fi
		cd "$WORK/www" && exec ip netns exec $NSS "$@") >"$WORK/srv.log" 2>&1 5>&- 6>&- &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	local i
	for i in $(seq "$WAIT_N"); do
		if [[ ${SRV_PROTO:-tcp} == udp ]]; then inS ss -Hlun "sport = :$port"; else inS ss -Hltn "sport = :$port"; fi | grep -q . && return 0
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

# wait_for FILE FIXED-STRING [SECONDS] — until FILE contains the string.
wait_for() {
	local f=$1 s=$2 t=${3:-10} i
	for i in $(seq $((t * 20))); do
		grep -qaF -- "$s" "$f" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "WARNING: timeout waiting for '$s' in $f" >&2
	return 1
}

# gnutls_echo NAME PORT FMT SIZE CERT "SERVER PRIORITY" "CLIENT PRIORITY" —
# gnutls-serv --echo (certs/server-CERT.pem) and gnutls-cli; the client sends
# a SIZE-byte text and the server echoes it. Returns 1 if the client failed
# (and then writes no NAME.c2s / NAME.s2c).
gnutls_echo() {
	local name=$1 port=$2 fmt=$3 size=$4 cert=$5 sprio=$6 cprio=$7
	body "$name" "$size" > "$WORK/$name.in"
	cap_start "$name" "$fmt"
	srv_start "$port" gnutls-serv --echo -p "$port" --x509certfile "$CERTS/server-$cert.pem" \
		--x509keyfile "$CERTS/server-$cert.key" --disable-client-cert --priority "$sprio"
	local ok=1
	(cat "$WORK/$name.in"; sleep 2) |
		SSLKEYLOGFILE="$OUT/$name.keylog" timeout 20 ip netns exec $NSC \
			gnutls-cli --x509cafile "$CA" --sni-hostname server.test --verify-hostname server.test \
			--priority "$cprio" -p "$port" $S4 > "$WORK/$name.got" 2>"$WORK/$name.cli.log" ||
		{ ok=0; echo "client failed:" >&2; tail -5 "$WORK/$name.cli.log" >&2; }
	srv_wait 0
	cap_stop
	if ((ok)); then
		cp "$WORK/$name.in" "$OUT/$name.c2s"
		cp "$WORK/$name.in" "$OUT/$name.s2c"
	fi
	return $((1 - ok))
}

# gotls_get NAME VERSION [CLIENT FLAGS] — the Go crypto/tls client
# ($WORK/bin/gotls) sends $WORK/NAME.req to $S4:443 and checks the answer
# against $WORK/www/NAME; then the server and the capture end and NAME.c2s /
# NAME.s2c are written.
gotls_get() {
	local name=$1 ver=$2; shift 2
	timeout 20 ip netns exec $NSC "$WORK/bin/gotls" client -connect $S4:443 -ca "$CA" -name server.test \
		-req "$WORK/$name.req" -out "$WORK/$name.got" -tls "$ver" -keylog "$OUT/$name.keylog" "$@" ||
		echo "gotls client failed" >&2
	srv_wait 3
	cap_stop
	same "$WORK/www/$name" "$WORK/$name.got" "$name" || true
	cp "$WORK/$name.req" "$OUT/$name.c2s"
	cp "$WORK/www/$name" "$OUT/$name.s2c"
}
