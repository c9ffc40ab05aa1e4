// Package fingerprint computes the client and server fingerprints JA3,
// JA3S, JA4 and JA4S from plain values (ClientInput, ServerInput: code
// points in wire order, GREASE included), and fills those inputs from the
// hellos of package parser (FromClientHello, FromServerHello). The transport
// letter of JA4 and JA4S ('t' TCP, 'q' QUIC, 'd' DTLS) is the caller's.
//
// Specifications: salesforce/ja3's README ("How it works", JA3S);
// FoxIO-LLC/ja4 technical_details/JA4.md and JA4S.md; RFC 8701 (GREASE).
//
// Non-goals: JA4H, JA4X, JA4T and the other members of the JA4+ family;
// fingerprints of malformed (partial) hellos, which the caller withholds.
package fingerprint
