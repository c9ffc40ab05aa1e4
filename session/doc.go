// Package session is the TLS state machine of one connection: it is fed by a
// transport (TCP today: the two reassembled byte streams), finds where
// SSL/TLS starts (also after a STARTTLS exchange), tells the client from the
// ClientHello, splits records, reassembles handshake messages across
// records, tracks the negotiated version, suite, key exchange, certificates
// and fingerprints, drives decryption (package decrypt) and Finished
// verification, keeps the connection's notes and Zeek-style history letters,
// and emits events (each record, the connection's end) to a Sink.
//
// Specifications: RFC 6101, 2246, 4346, 5246, 8446 (the record and
// handshake state machines of SSL 3.0 to TLS 1.3), RFC 5077 (ticket
// resumption), RFC 5746 (renegotiation), RFC 8446 section 4.2.10 (0-RTT),
// Zeek's ssl_history letters (base/protocols/ssl/main.zeek).
//
// Non-goals: decoding bytes (package parser), cryptography and key storage
// (package decrypt), TCP reassembly (package reassembly), output formats
// (package report).
package session
