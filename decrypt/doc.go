// Package decrypt holds the cryptographic primitives a passive SSL/TLS
// analyzer needs to read protected records: key logs, server RSA keys, the
// key derivations of SSL 3.0 to TLS 1.3, the cipher suite crypto table, and
// per-direction record protection state. It knows nothing of packets,
// streams or handshake parsing: the connection state machine
// (parser/conn.go) tells it the version, suite, randoms and secrets it saw,
// and hands it one record at a time.
//
// Pieces:
//
//   - KeyLog: NSS key log lines (--keylog files and pcapng Decryption
//     Secrets Blocks), indexed by (label, client random). Follower loads
//     the lines a program appends to a key log file during a live capture.
//   - RSAKeys, ParseRSAKeys, DecryptPreMaster: static-RSA key exchange.
//   - MasterFromPreMaster, KeysFromMasterSecret, FinishedVerifyData,
//     Transcript: the SSL 3.0 (RFC 6101) and TLS 1.0-1.2 (RFC 2246, 4346,
//     5246) PRFs and key blocks, 40-bit export keys, extended master secret
//     (RFC 7627).
//   - FinishedVerifyData13, TrafficKey: the TLS 1.3 key schedule (RFC 8446
//     7.1-7.3) on crypto/hkdf.
//   - LookupSuite: the crypto table (key, IV, nonce, MAC, tag lengths, PRF
//     hash, key exchange kind) for the IANA suites whose ciphers exist here.
//   - HalfConn: one direction's read state. Stream, CBC (explicit IVs of
//     TLS 1.1+, SSL 3.0 MAC, encrypt-then-MAC of RFC 7366), AEAD (GCM of RFC
//     5288, CCM of RFC 6655 via NewCCM, ChaCha20-Poly1305 of RFC 7905), TLS
//     1.3 inner plaintext and KeyUpdate, and DEFLATE compression (RFC 3749).
//
// A MAC, tag or padding that does not verify is reported as a MACResult,
// never as a panic; malformed input gives errors. Nothing here keeps
// package-level state that changes after initialization.
//
// Non-goals: encrypting (beyond what tests need), constant-time code (the
// data is already captured), DTLS, SSLv2 records (and with them SSLv2's
// RC2 cipher specs), QUIC, Kerberos, GOST and SM4 suites, key exchanges
// that need private keys other than a static RSA server key (DHE/ECDHE
// need a key log), and session resumption bookkeeping (the caller
// remembers master secrets by session).
package decrypt
