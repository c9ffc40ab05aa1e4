// Package oracle checks ssldissect against independent oracles: tshark,
// run on every capture of testdata/pcaps and of the shared conformance
// corpus (../shared/conformance from the repository root, or
// $SSLDISSECT_CONFORMANCE), and the JA4/JA4S values shipped with the FoxIO,
// Arkime and Suricata captures of that corpus.
//
// The package holds one helper, Dissect, which runs the same pipeline as
// `ssldissect dissect --format json` (capture -> reassembly -> parser ->
// report) in-process and keeps what it would print; the comparisons are
// its tests. Per connection they compare the negotiated version, the
// cipher suite, the SNI, JA3/JA3S (hash and full string) and the number of
// records in each direction; every difference the tests allow is listed,
// with the reason, in their exception tables.
//
// Non-goals: the tests do not compare decrypted data (tshark is run
// without keys, and the pipeline is run without them too), nor the
// handshake message details, which the parser's unit tests cover.
package oracle
