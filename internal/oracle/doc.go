// Package oracle checks ssldissect against independent oracles: tshark,
// run on every capture of testdata/pcaps and on the TLS-over-TCP captures
// of the shared conformance corpus (../shared/conformance from the
// repository root, or $SSLDISSECT_CONFORMANCE): those its
// TSHARK_SUMMARY.tsv lists, and the few of its QUIC captures that also
// carry TLS over TCP (unlistedTCP); and the JA4/JA4S (and JA3/JA3S)
// values shipped with the FoxIO, Arkime and Suricata captures of that
// corpus.
//
// The package holds one helper, Dissect (and DissectKeys), which runs the
// pipeline of `ssldissect dissect --format json` (capture -> reassembly ->
// parser -> report, with the command's defaults and its use of pcapng
// Decryption Secrets Blocks) in-process and keeps the objects it would
// print. The comparisons are its tests:
//
//   - TestTshark matches each tshark TCP stream that carries TLS to our
//     connection by its two endpoints and start time, and compares the
//     client, the negotiated version, the cipher suite, the SNI, JA3/JA3S
//     (hash and string), the number of records each way and, where those
//     agree, the frame of every record. tshark 4.0 runs without keys,
//     reassembles out-of-order segments, reads DSB captures with their
//     secrets removed, and gets a decode-as rule only where the corpus's
//     TSHARK_SUMMARY.tsv (or extraDecodeAs) gives one;
//     captures are concatenated with mergecap so that one tshark run
//     reads many. Captures shipped with key material are dissected again
//     with it, and the compared fields must not change.
//   - TestFingerprintReferences compares JA4/JA4S with FoxIO's Python and
//     Rust reference outputs, and JA4, JA3 and JA3S with Arkime's session
//     expectations and Suricata's eve.json checks.
//
// Every difference the tests allow is listed, with who is right and why,
// in their exception tables (tsharkExceptions, refExceptions); a listed
// difference that no longer occurs fails the test too. The references of
// QUIC and DTLS connections, which are not dissected yet, are listed the
// same way in pendingRefs, so that the QUIC and DTLS work turns them green
// by deleting the entries. The tests skip when tshark or the corpus is
// missing, and say which; they fail instead when SSLDISSECT_REQUIRE names
// it (internal/testenv).
//
// Non-goals: decrypted contents (the decrypt and parser packages and the
// golden files cover them), handshake message details, QUIC and DTLS
// other than pendingRefs (QUIC_TSHARK.tsv and DTLS_TSHARK.tsv are not
// read yet).
package oracle
