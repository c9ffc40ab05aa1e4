// Package dtls decodes the bytes of DTLS as they appear in UDP datagrams:
// the record layer of DTLS 1.0 and 1.2 (RFC 4347, RFC 6347 section 4.1),
// including the tls12_cid records of RFC 9146, and the unified header of
// DTLS 1.3 (RFC 9147 section 4); handshake fragments (RFC 6347 section
// 4.2.2), HelloVerifyRequest (RFC 6347 section 4.2.1), the cookie of a
// DTLS ClientHello, and the ACK content type of DTLS 1.3 (RFC 9147 section
// 7). It also tells DTLS from the other protocols that share a UDP port
// with it (RFC 7983: STUN, ZRTP, TURN channels, RTP and RTCP).
//
// Like package parser, it holds no state and never panics on any input.
// Every slice it returns points into the input, with its capacity capped at
// its length, so that appending to it cannot overwrite what follows; a
// caller that keeps one past the life of the datagram copies it. Every list
// has a cap, checked before anything is allocated for it.
//
// # Connection IDs
//
// A connection ID (RFC 9146, RFC 9147 section 9) has a length that the
// receiver chose during the handshake and that nothing in the record tells.
// ParseRecord and ParseDatagram therefore take it as a parameter, cidLen:
// the length negotiated for the direction being read, 0 when none was.
//
// # DTLS 1.3 unified headers
//
// An encrypted DTLS 1.3 record has a short header whose first byte is
// 0b001CSLEE. Its sequence number is encrypted on the wire (RFC 9147
// section 4.2.3) and only its low 8 or 16 bits are sent, as are the low
// two bits of the epoch: Record keeps them as sent, and Record.Header keeps
// the header bytes, which are the additional data of the record's AEAD.
// Removing the sequence number protection and reconstructing the full
// numbers belong to the decrypting layer.
//
// # Handshake messages and TLS parsers
//
// A DTLS handshake message is sent in fragments, each with a 12-byte
// header (type, length, message_seq, fragment_offset, fragment_length)
// instead of the 4 bytes of TLS. Once the fragments of a message are
// reassembled (by the caller: this package holds no state), Header4 gives
// the TLS-style header, so that Header4(type, length) || body can be fed to
// a TLS handshake parser.
//
// The DTLS ClientHello differs from the TLS one by a field: after
// session_id comes opaque cookie<0..2^8-1> (DTLS 1.0 and 1.2; DTLS 1.3
// keeps it as legacy_cookie, always empty), which TLS ClientHello parsers
// do not expect. ClientHelloCookie returns the cookie and a copy of the
// body without the field, which a TLS ClientHello parser reads.
//
// Non-goals: record protection and keys (package decrypt), reassembly of
// handshake messages, replay windows, retransmission, building records.
package dtls
