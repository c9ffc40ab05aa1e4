// Package session is the TLS state machine of one connection: it is fed by a
// transport (TCP today: transport/tcp frames the two reassembled byte
// streams into records and tells the client from the server) through the
// transport interface (transport.go), reassembles handshake messages
// across records, tracks the negotiated version, suite, key exchange,
// certificates and fingerprints, keeps the connection's notes and
// Zeek-style history letters, and emits events (each record, the
// connection's end) to a Sink. It carries the connection's wire figures
// (Wire: packets, bytes, retransmissions per direction) that the transport
// counts, to the report. split.go has the interfaces by which a Sink that
// only formats (report.Writer) lets the workers of a sharded run do its
// formatting: Splitter, SinkPart, IDMark. The JA3, JA4, JA3S and JA4S of each
// distinct hello shape are computed once (fingerprints.go: a bounded cache
// shared by all connections, keyed by every field the fingerprints read).
//
// For decryption it decides when things happen and which notes to file:
// when a handshake starts (a ClientHello not after a HelloRetryRequest),
// which messages enter the transcript (not TLS 1.3's post-handshake
// messages), when keys are looked for (ServerHello, ClientKeyExchange,
// change_cipher_spec), when a direction changes cipher (change_cipher_spec,
// Finished, EndOfEarlyData, KeyUpdate), when sequence numbers may be lost
// (a gap), and what a Finished is checked against. The keys, ciphers,
// sequence numbers and the session cache are package decrypt's (a
// decrypt.Handshake per handshake, a decrypt.RecordProtection per
// direction, the run's decrypt.KeyStore).
//
// Specifications: RFC 6101, 2246, 4346, 5246, 8446 (the record and
// handshake state machines of SSL 3.0 to TLS 1.3), RFC 5077 (ticket
// resumption), RFC 5746 (renegotiation), RFC 8446 section 4.2.10 (0-RTT),
// Zeek's ssl_history letters (base/protocols/ssl/main.zeek), RFC 9849
// (Encrypted ClientHello: ech.go keeps ECHInfo, whether the server
// accepted the inner ClientHello, whether the capture's DNS published the
// config it names (decrypt.ECHConfigs, ECHInfo.DNS), and finds an accepted
// connection's inner random among the key log's unmatched secrets).
//
// Non-goals: decoding bytes (package parser), cryptography, key storage
// and record protection (package decrypt), finding records in a byte
// stream (package transport/tcp), TCP reassembly (package reassembly),
// output formats (package report).
package session
