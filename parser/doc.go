// Package parser decodes SSL/TLS traffic as seen on the wire, without keys:
// record framing, handshake message reassembly across records, every
// handshake message of SSL 3.0 to TLS 1.3 (including the TLS 1.3 drafts'
// version numbers), hello extensions, alerts, change_cipher_spec, heartbeat,
// the SSLv2-format ClientHello and the messages of SSL 2.0 itself
// (ParseSSLv2Message: SERVER-HELLO, CLIENT-MASTER-KEY, ERROR and the types
// that are only ever sent encrypted, as SSLv2Message values), X.509 certificate
// summaries, and the names of the protocol numbers (cipher suites from the
// IANA registry, see internal/gen/ciphersuites).
//
// It works in three stages, each with its own caps checked before any
// allocation: bytes to records (ParseRecord, ParseSSLv2Record, Sniff,
// FindHello; MaxRecordLen), records to handshake messages (HandshakeReader;
// MaxHandshakeLen, MaxCertificateLen), messages to structs (ParseHandshake,
// ParseExtensions, ParseAlert, ParseHeartbeat). All parsing goes through
// golang.org/x/crypto/cryptobyte; no input makes it panic. Truncation is
// reported as ErrNeedMore, malformed input as an *Error wrapping ErrMalformed
// or ErrTooLarge. Unknown protocol numbers are never rejected: they are kept
// as numbers and printed in hex, and unknown messages and extensions are kept
// raw. Decoded structs own their bytes (inputs are copied), except
// Record.Payload, which aliases the input.
//
// Specifications: RFC 6101 (SSL 3.0), RFC 2246, 4346, 5246 (TLS 1.0-1.2),
// RFC 8446 (TLS 1.3), RFC 6066 (extensions), RFC 7301 (ALPN), RFC 8422 (ECC),
// RFC 4279 and 5489 (PSK), RFC 5077 (tickets), RFC 5746 (renegotiation_info),
// RFC 6520 (heartbeat), RFC 6962 (SCT), RFC 7366 (encrypt_then_mac), RFC 7627
// (extended_master_secret), RFC 7685 (padding), RFC 8449 (record_size_limit),
// RFC 8701 (GREASE), RFC 8879 (certificate compression), RFC 5280 (X.509),
// and draft-hickman-netscape-ssl-00 (SSL 2.0) for the SSLv2 ClientHello
// and SSL 2.0 messages.
// Cipher-suite names come from the IANA TLS Cipher Suites registry.
//
// The package holds no state between calls (HandshakeReader keeps only the
// bytes of the message it is assembling) and imports neither reassembly nor
// decrypt.
//
// Non-goals: DTLS and QUIC framing; decryption (package decrypt), and
// decrypting SSL 2.0 at all: its records after CLIENT-MASTER-KEY (or after a
// SERVER-HELLO with session-id-hit) are shown as opaque, with no key-log or
// RSA-key path to open them; the per-connection state machine (package
// session) and fingerprints (package fingerprint), which build on this
// package's types.
package parser
