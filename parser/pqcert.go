package parser

import (
	"crypto/x509"
	"encoding/asn1"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Post-quantum and composite certificate algorithms, which crypto/x509
// parses as unknown: named from the algorithm OIDs of the public key and
// of the signature.
//
//   - ML-DSA (FIPS 204) and SLH-DSA (FIPS 205): the NIST CSOR sigAlgs arc,
//     2.16.840.1.101.3.4.3 (RFC 9881, RFC 9909).
//   - Composite ML-DSA (draft-ietf-lamps-pq-composite-sigs): the
//     1.3.6.1.5.5.7.6 arc, 37 to 54, and the earlier drafts' Entrust arc,
//     2.16.840.1.114027.80.8.1 and 80.9.1.
var pqAlgorithms = map[string]string{}

func init() {
	nist := map[int]string{
		17: "ML-DSA-44", 18: "ML-DSA-65", 19: "ML-DSA-87",
		20: "SLH-DSA-SHA2-128s", 21: "SLH-DSA-SHA2-128f", 22: "SLH-DSA-SHA2-192s", 23: "SLH-DSA-SHA2-192f",
		24: "SLH-DSA-SHA2-256s", 25: "SLH-DSA-SHA2-256f", 26: "SLH-DSA-SHAKE-128s", 27: "SLH-DSA-SHAKE-128f",
		28: "SLH-DSA-SHAKE-192s", 29: "SLH-DSA-SHAKE-192f", 30: "SLH-DSA-SHAKE-256s", 31: "SLH-DSA-SHAKE-256f",
	}
	for n, name := range nist {
		pqAlgorithms[asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, n}.String()] = name
	}
	composite := []string{
		"MLDSA44-RSA2048-PSS-SHA256", "MLDSA44-RSA2048-PKCS15-SHA256", "MLDSA44-Ed25519-SHA512", "MLDSA44-ECDSA-P256-SHA256",
		"MLDSA65-RSA3072-PSS-SHA512", "MLDSA65-RSA3072-PKCS15-SHA512", "MLDSA65-RSA4096-PSS-SHA512", "MLDSA65-RSA4096-PKCS15-SHA512",
		"MLDSA65-ECDSA-P256-SHA512", "MLDSA65-ECDSA-P384-SHA512", "MLDSA65-ECDSA-brainpoolP256r1-SHA512", "MLDSA65-Ed25519-SHA512",
		"MLDSA87-ECDSA-P384-SHA512", "MLDSA87-ECDSA-brainpoolP384r1-SHA512", "MLDSA87-Ed448-SHAKE256", "MLDSA87-RSA3072-PSS-SHA512",
		"MLDSA87-RSA4096-PSS-SHA512", "MLDSA87-ECDSA-P521-SHA512",
	}
	for i, name := range composite {
		pqAlgorithms[asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 6, 37 + i}.String()] = "composite " + name
	}
	// The earlier drafts' Entrust OIDs (their order differs between
	// drafts: named as composite ML-DSA only).
	for n := 1; n <= 17; n++ {
		for _, arc := range []int{8, 9} {
			pqAlgorithms[asn1.ObjectIdentifier{2, 16, 840, 1, 114027, 80, arc, 1, n}.String()] = "composite ML-DSA (draft OID)"
		}
	}
}

// PostQuantumAlgorithm reports whether a certificate key or signature
// description (CertInfo.Key, CertInfo.SignatureAlgorithm) names a
// post-quantum or composite algorithm.
func PostQuantumAlgorithm(name string) bool {
	for _, n := range pqAlgorithms {
		if n == name {
			return true
		}
	}
	return false
}

// pqKeyName names the public key algorithm of a certificate that
// crypto/x509 does not know, "" when it is not a post-quantum one.
func pqKeyName(c *x509.Certificate) string {
	s := cryptobyte.String(c.RawSubjectPublicKeyInfo)
	var spki, alg cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&spki, cbasn1.SEQUENCE) || !spki.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) {
		return ""
	}
	return pqAlgorithms[oid.String()]
}

// pqSignatureName names the signature algorithm of a certificate that
// crypto/x509 does not know (Certificate.signatureAlgorithm, RFC 5280
// 4.1.1.2), "" when it is not a post-quantum one.
func pqSignatureName(raw []byte) string {
	s := cryptobyte.String(raw)
	var cert, alg cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&cert, cbasn1.SEQUENCE) || !cert.SkipASN1(cbasn1.SEQUENCE) ||
		!cert.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) {
		return ""
	}
	return pqAlgorithms[oid.String()]
}
