#!/usr/bin/env bash
# Generates the test PKI used by mkpcaps.sh into testdata/gen/certs/.
# Run once; the results are committed. Existing files are kept unless -f is given.
# These are TEST keys only (the private keys are committed on purpose: the
# static-RSA captures are decrypted with certs/server-rsa.key).
set -euo pipefail
cd "$(dirname "$0")/certs"
if [[ "${1:-}" != "-f" && -s ca.pem && -s server-rsa.pem && -s server-ecdsa.pem && -s client.pem ]]; then
	echo "certs: present (use -f to regenerate)"; exit 0
fi
DAYS=7300
SUBJ="/O=ssldissect test"
# CA: RSA-2048, self-signed.
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days $DAYS \
	-subj "$SUBJ/CN=ssldissect test CA" -sha256 \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
sign() { # name csr-ext
	local name=$1 ext=$2
	printf '%b' "$ext" > "$name.ext"
	openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
		-out "$name.pem" -days $DAYS -sha256 -extfile "$name.ext"
	rm -f "$name.csr" "$name.ext"
}
SRVEXT='basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:server.test,IP:10.77.0.2,IP:fd77::2\n'
# Server RSA-2048 (traditional PKCS#1 is not needed; PKCS#8 PEM is what Wireshark and Go read).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out server-rsa.key
openssl req -new -key server-rsa.key -subj "$SUBJ/CN=server.test" -out server-rsa.csr
sign server-rsa "$SRVEXT"
# Server ECDSA P-256.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server-ecdsa.key
openssl req -new -key server-ecdsa.key -subj "$SUBJ/CN=server.test" -out server-ecdsa.csr
sign server-ecdsa "$(echo "$SRVEXT" | sed 's/,keyEncipherment//')"
# Client certificate, ECDSA P-256.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out client.key
openssl req -new -key client.key -subj "$SUBJ/CN=client.test" -out client.csr
sign client 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:client.test\n'
rm -f ca.srl
chmod 644 *.key
for f in ca server-rsa server-ecdsa client; do openssl verify -CAfile ca.pem "$f.pem"; done
