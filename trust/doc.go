// Package trust verifies the certificate chain a server sent, as Zeek's
// policy/protocols/ssl/validate-certs does with OpenSSL, but with
// crypto/x509: the chain is built from the certificates sent (the first
// one is the leaf, the others are untrusted intermediates) up to a root of
// a pool (the system roots, or a PEM bundle given with --ca-file), at the
// connection's own capture time, never at the time of the run. The verdict
// is written in OpenSSL's X509_verify_cert_error_string wording, which is
// what Zeek's ssl.log validation_status holds ("ok", "unable to get local
// issuer certificate", "certificate has expired", ...); see Status* for
// the strings and how crypto/x509's errors map to them.
//
// The name is checked apart from the chain, as Zeek's sni_matches_cert:
// the SNI against the leaf's DNS names (its common name when it has none).
// The chain's weaknesses (SHA-1 and MD5 signatures below the root, RSA keys
// under 2048 bits) are listed for the auditor.
//
// Each distinct chain is parsed and verified once per validity class of
// its certificates at the capture time (a bounded cache keyed by the
// SHA-256 of the chain's DER, holding each certificate's validity, the
// verdicts and the leaf's name check per SNI): many connections to one
// server cost one parse and one verification. The system's roots (on
// Linux: the files and directories x509.SystemCertPool reads, with
// SSL_CERT_FILE and SSL_CERT_DIR) are read in the background from the
// start, indexed by subject, and parsed only as chains name them
// (NewSystem, rootIndex): the same verdicts as against the whole pool.
// Out of scope: revocation (OCSP responses are not checked,
// only counted by the session), CT log signatures, and client chains.
package trust
