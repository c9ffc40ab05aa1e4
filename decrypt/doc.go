// Package decrypt is the cryptography of a passive SSL/TLS analyzer: the
// keys (key logs, server RSA keys, the session cache), the key schedules
// of SSL 3.0 to TLS 1.3, the cipher suite crypto table, and the record
// protection of each direction of a connection. It knows nothing of
// packets, streams, records as parsed or handshake messages as structs:
// the connection state machine (package session) hands it plain values
// (randoms, version and suite numbers, secrets, a record's header fields
// and payload, a handshake message's bytes) and decides when things happen
// (a handshake starts, change_cipher_spec, Finished, KeyUpdate, a gap).
//
// Pieces:
//
//   - KeyStore (NewKeyStore): what every connection of a run shares, safe
//     for concurrent use. KeyLog holds NSS key log lines (--keylog files
//     and pcapng Decryption Secrets Blocks) indexed by (label, client
//     random); Follower loads the lines a program appends to a key log file
//     during a live capture. RSAKeys and DecryptPreMaster serve static-RSA
//     key exchanges. The session cache remembers the master secrets of
//     earlier handshakes by session ID and ticket (RFC 5246 7.3, RFC 5077),
//     so that a resumed session decrypts in a later connection or file.
//     In a sharded run its versions are stamped with the time of the
//     worker that stored them, and a lookup sees what a single loop's
//     cache held at its packet (ShardClock, KeyStore.SetTime).
//   - Handshake: the key state of one handshake. It takes the hellos'
//     values, keeps the Transcript, finds the master secret (FindMaster:
//     key log, pre-master secret, RSA key, session cache) or the TLS 1.3
//     traffic secrets (TrafficSecrets), makes the client's 0-RTT cipher
//     (EarlyCipher, RFC 8446 4.2.10) and the Finished verify_data.
//   - Transcript: the handshake messages, hashed lazily with only the hash
//     the negotiated version and suite need, and not at all when no
//     Finished can be checked.
//   - Key schedules: MasterFromPreMaster, KeysFromMasterSecret (a
//     KeyBlock), FinishedVerifyData for SSL 3.0 (RFC 6101) and TLS 1.0-1.2
//     (RFC 2246, 4346, 5246), 40-bit export keys, the extended master
//     secret (RFC 7627); FinishedVerifyData13 and TrafficKey for TLS 1.3
//     (RFC 8446 7.1-7.3) on crypto/hkdf, with HkdfLabel's prefix a
//     parameter for DTLS 1.3 and QUIC. The PRF's P_hash, the one-block
//     HKDF-Expand-Label (every label of the key schedules) and the TLS 1.3
//     Finished MAC use a pooled HMAC (mac.go, macHash: RFC 2104 over a
//     reused hash state, checked against crypto/hmac), as crypto/hmac.New
//     allocates two hash states and two pads per key.
//   - LookupSuite: the crypto table (key, IV, nonce, MAC, tag lengths, PRF
//     hash, key exchange kind) for the IANA suites whose ciphers exist here.
//   - RecordProtection: one direction's record protection: the current,
//     pending (taken at change_cipher_spec) and next TLS 1.3 ciphers, the
//     0-RTT cipher, TLS 1.3 trial decryption under the keys that follow,
//     and the sequence number search after a gap. Open decrypts into a
//     reused Buffer, without allocating.
//   - HalfConn: one cipher state: stream, CBC (explicit IVs of TLS 1.1+,
//     SSL 3.0 MAC, encrypt-then-MAC of RFC 7366), AEAD (GCM of RFC 5288,
//     CCM of RFC 6655 via NewCCM, ChaCha20-Poly1305 of RFC 7905), TLS 1.3
//     inner plaintext and KeyUpdate (RFC 8446 5.2, 4.6.3), and DEFLATE
//     compression (RFC 3749). All nonce, AAD, IV and padding rules live
//     there. AES-CBC suites decrypt with internal/aescbc (AES-NI with
//     eight blocks in flight on amd64, crypto/cipher elsewhere); the
//     other CBC ciphers with crypto/cipher's CBC decrypter.
//   - QUICKeys: QUIC packet protection (RFC 9001 section 5, RFC 9369
//     section 3.3 for v2, the salts of the drafts and of Google's Q050 and
//     T05x): Initial keys from the client's first DCID, keys from a TLS 1.3
//     traffic secret, header protection (AES and ChaCha20), AEAD open, key
//     phase updates ("quic ku", section 6) and the Retry integrity tag
//     (VerifyQUICRetry, section 5.8).
//   - DTLS13Protection: DTLS 1.3 record protection (RFC 9147 section 4):
//     per-epoch keys with the "dtls13" labels (KeyUpdate epochs derived on
//     demand), record number encryption removed with the same mask as
//     QUIC's header protection, epochs tried from the header's two bits and
//     sequence numbers rebuilt; FinishedVerifyDataDTLS13. DTLS 1.0/1.2 use
//     RecordProtection with SetSequence, and OpenCID for RFC 9146's
//     tls12_cid records.
//   - Encrypted Client Hello (RFC 9849): ParseECHConfig and
//     ParseECHConfigList decode ECHConfigs (version 0xfe0d, capped by
//     MaxECHConfigs, MaxECHCipherSuites, MaxECHConfigExtensions);
//     OpenECH, or an ECHContext for the two ClientHellos of a
//     HelloRetryRequest exchange, decrypts the inner ClientHello of an
//     outer one from the key log's ECH_SECRET and ECH_CONFIG (RFC 9850
//     2.3, KeyLog.ECH, logged under the outer random): ClientHelloOuterAAD,
//     padding removal, ech_outer_extensions expansion and the outer
//     legacy_session_id, giving a handshake message the parser decodes.
//     ECHAccepted, ECHAcceptedHRR and ECHAcceptedAfterHRR check the
//     server's accept confirmations (RFC 9849 7.2, 7.2.1). ECHConfigs
//     (ech_dns.go; KeyStore.DNSECH) is the table of the ECHConfigs a
//     capture's DNS responses published (HTTPS/SVCB ech SvcParam), first
//     come first kept up to MaxDNSECHConfigs, each once by its bytes;
//     Match finds the one an outer ClientHello names (config_id, HPKE
//     suite, enc length, public_name = outer SNI). It is the one part of a
//     KeyStore not shared by the workers of a sharded run
//     (KeyStore.ForWorker): each fills its own in capture order.
//   - HPKE (RFC 9180): the base mode receiver key schedule from a KEM
//     shared secret (HPKESuite.KeySchedule, NewHPKEReceiver) for
//     HKDF-SHA256/384/512 and AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305;
//     the KEM itself is not run (the key log gives its output).
//
// A MAC, tag or padding that does not verify is reported as a MACResult,
// never as a panic; malformed input gives errors. Nothing here keeps
// package-level state that changes after initialization.
//
// ech_trial.go: what an accepted Encrypted ClientHello (RFC 9849) needs of
// the key schedule: the key log's unmatched server handshake secrets to
// try (TrialCandidates, capped by MaxECHTrials), switching a handshake to
// the inner ClientHello's random and transcript (UseInnerRandom).
//
// Non-goals: encrypting (beyond what tests need), constant-time code (the
// data is already captured), DTLS 1.3 early data, QUIC packet number
// decoding and CRYPTO reassembly (transport/quic), SSLv2 records (and with
// them SSLv2's RC2 cipher specs), Kerberos, GOST and SM4 suites, key
// exchanges that need private keys other than a static RSA server key
// (DHE/ECDHE need a key log; ECH needs ECH_SECRET, the server's ECH
// private key is not used), and TLS 1.3 PSK resumption from cached
// secrets (the key log gives each resumed connection's own traffic
// secrets).
package decrypt
