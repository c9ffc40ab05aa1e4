#!/usr/bin/env bash
# build.sh — builds dtls13peer (dtls13peer.c) against a private, static
# wolfSSL with DTLS 1.3 made from Debian 12's own wolfssl source package
# (bookworm: 5.5.4-2+deb12u3 at the time of writing). Debian's binary
# libwolfssl35 has DTLS 1.2 only (no --enable-dtls13, no connection IDs, no
# secret callback), so the source is rebuilt with:
#
#   ./configure --enable-dtls --enable-dtls13 --enable-dtlscid --enable-tls13
#     --enable-sni --enable-opensslextra --enable-aesgcm --enable-chacha
#     --enable-poly1305 --enable-curve25519 --enable-ecc --enable-debug
#     --disable-shared --enable-static
#     CFLAGS="-DHAVE_SECRET_CALLBACK -DDTLS_CID_MAX_SIZE=20"
#
# plus one source fix (below: the ChaCha20 record number mask).
# (DTLS_CID_MAX_SIZE: wolfSSL 5.5.4 accepts connection IDs of at most 2
# bytes unless told otherwise; --enable-dtls13 also turns on WOLFSSL_SEND_HRR_COOKIE: the server's
# stateless HelloRetryRequest with a cookie; --enable-debug only makes the
# DTLS13PEER_DEBUG=1 trace possible.)
#
#   testdata/gen/dtls13/build.sh [BUILD_DIR]   # default /tmp/sslds-wolfssl-dtls13
#
# Needs root for apt-get (it installs build-essential, autoconf, automake,
# libtool, dpkg-dev) and, if apt has no deb-src lines, adds
# /etc/apt/sources.list.d/sslds-debsrc.sources (deb-src for bookworm,
# bookworm-updates, bookworm-security) and runs apt-get update. The binary
# ends up at BUILD_DIR/dtls13peer; nothing is written into the repository.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-/tmp/sslds-wolfssl-dtls13}
PREFIX=$BUILD/prefix
JOBS=$(nproc 2>/dev/null || echo 4)

CONFIGURE=(--enable-dtls --enable-dtls13 --enable-dtlscid --enable-tls13
	--enable-sni --enable-opensslextra
	--enable-aesgcm --enable-chacha --enable-poly1305 --enable-curve25519 --enable-ecc
	--enable-debug --disable-examples --disable-shared --enable-static
	"CFLAGS=-DHAVE_SECRET_CALLBACK -DDTLS_CID_MAX_SIZE=20")
STAMP="${CONFIGURE[*]} patch:chacha-rn-mask-endian"

if [[ -x $BUILD/dtls13peer && $BUILD/dtls13peer -nt $HERE/dtls13peer.c && -f $PREFIX/lib/libwolfssl.a &&
	$(cat "$PREFIX/configure-flags" 2>/dev/null) == "$STAMP" ]]; then
	echo "build.sh: $BUILD/dtls13peer is up to date" >&2
	exit 0
fi

need=()
for p in build-essential autoconf automake libtool dpkg-dev; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if ((${#need[@]})); then
	DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"
fi

mkdir -p "$BUILD"
cd "$BUILD"
if ! ls -d wolfssl-*/configure.ac >/dev/null 2>&1; then
	if ! apt-get source --print-uris wolfssl >/dev/null 2>&1; then
		cat > /etc/apt/sources.list.d/sslds-debsrc.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
		apt-get update
	fi
	apt-get source wolfssl
fi
SRCDIR=$(ls -d "$BUILD"/wolfssl-*/ | head -1)
# The upstream fix of wolfSSL PR #6641 (5.6.4): Dtls13GetRnMask tested
# BIG_ENDIAN, which glibc's <endian.h> always defines, so on little-endian
# Linux 5.5.4 byte-swaps the ChaCha20 counter of the record number mask
# (RFC 9147 4.2.3: ciphertext[0..3] little-endian) and its ChaCha20 records
# interoperate with nothing else. wolfSSL's own macro is BIG_ENDIAN_ORDER.
sed -i 's/^#ifdef BIG_ENDIAN$/#ifdef BIG_ENDIAN_ORDER/' "$SRCDIR/src/dtls13.c"
echo "build.sh: wolfSSL source $SRCDIR ($(ls "$BUILD"/wolfssl_*.dsc))" >&2

if [[ ! -f $PREFIX/lib/libwolfssl.a || $(cat "$PREFIX/configure-flags" 2>/dev/null) != "$STAMP" ]]; then
	cd "$SRCDIR"
	[[ -x configure ]] || ./autogen.sh
	[[ ! -f Makefile ]] || make distclean
	rm -rf "$PREFIX"
	./configure --prefix="$PREFIX" "${CONFIGURE[@]}"
	make -j"$JOBS"
	make install
	printf '%s\n' "$STAMP" > "$PREFIX/configure-flags"
fi

gcc -O2 -Wall -Wextra -o "$BUILD/dtls13peer" "$HERE/dtls13peer.c" \
	-I"$PREFIX/include" "$PREFIX/lib/libwolfssl.a" -lm -lpthread
echo "build.sh: built $BUILD/dtls13peer" >&2
