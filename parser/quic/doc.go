// Package quic decodes the bytes of QUIC packets as they appear on the
// wire: the version-independent invariants (RFC 8999), the long and short
// headers of QUIC v1 (RFC 9000 section 17), v2 (RFC 9369) and the drafts
// still seen (29 to 34), Version Negotiation and Retry packets, the frames
// of a decrypted payload (RFC 9000 section 19, DATAGRAM of RFC 9221) and
// the quic_transport_parameters extension (RFC 9000 section 18). Google
// QUIC versions are recognised and named (Q043 to Q050, T050 to T051).
//
// Like package parser, it holds no state: header protection, packet
// protection and keys belong to package decrypt, connection IDs and CRYPTO
// reassembly to transport/quic.
//
// Non-goals: building packets, congestion or loss recovery state, HTTP/3
// beyond naming its frame and stream types.
package quic
