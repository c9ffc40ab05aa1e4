package parser

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"
)

// pqCert makes a certificate DER with the given public key and signature
// algorithm OIDs (and filler key and signature bytes, which nothing
// verifies), as an ML-DSA or composite CA would issue.
func pqCert(t *testing.T, keyOID, sigOID asn1.ObjectIdentifier) []byte {
	t.Helper()
	type algID struct{ Algorithm asn1.ObjectIdentifier }
	type spki struct {
		Algorithm algID
		Key       asn1.BitString
	}
	type validity struct{ NotBefore, NotAfter time.Time }
	type tbs struct {
		Version   int `asn1:"explicit,tag:0"`
		Serial    *big.Int
		Signature algID
		Issuer    asn1.RawValue
		Validity  validity
		Subject   asn1.RawValue
		Key       spki
	}
	name, err := asn1.Marshal(pkix.Name{CommonName: "pq.test"}.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tb := tbs{Version: 2, Serial: big.NewInt(7), Signature: algID{sigOID}, Issuer: asn1.RawValue{FullBytes: name},
		Validity: validity{at, at.AddDate(1, 0, 0)}, Subject: asn1.RawValue{FullBytes: name},
		Key: spki{algID{keyOID}, asn1.BitString{Bytes: make([]byte, 1952), BitLength: 1952 * 8}}}
	tbDER, err := asn1.Marshal(tb)
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(struct {
		TBS       asn1.RawValue
		Algorithm algID
		Signature asn1.BitString
	}{asn1.RawValue{FullBytes: tbDER}, algID{sigOID}, asn1.BitString{Bytes: make([]byte, 3309), BitLength: 3309 * 8}})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestPostQuantumCertificates(t *testing.T) {
	for _, c := range []struct {
		key, sig         asn1.ObjectIdentifier
		wantKey, wantSig string
	}{
		{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 18}, asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 18}, "ML-DSA-65", "ML-DSA-65"},
		{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 17}, asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 19}, "ML-DSA-44", "ML-DSA-87"},
		{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 6, 45}, asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 6, 45}, "composite MLDSA65-ECDSA-P256-SHA512", "composite MLDSA65-ECDSA-P256-SHA512"},
		{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 20}, asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 20}, "SLH-DSA-SHA2-128s", "SLH-DSA-SHA2-128s"},
	} {
		ci := ParseCertInfo(pqCert(t, c.key, c.sig))
		if ci.Err != nil || ci.Key != c.wantKey || ci.SignatureAlgorithm != c.wantSig || ci.Subject != "CN=pq.test" {
			t.Errorf("%v/%v: key %q, signature %q, subject %q, err %v; want %q, %q", c.key, c.sig, ci.Key, ci.SignatureAlgorithm, ci.Subject, ci.Err, c.wantKey, c.wantSig)
		}
		if !PostQuantumAlgorithm(ci.Key) || !PostQuantumAlgorithm(ci.SignatureAlgorithm) {
			t.Errorf("%q / %q not told post-quantum", ci.Key, ci.SignatureAlgorithm)
		}
	}
	if PostQuantumAlgorithm("RSA 2048") || PostQuantumAlgorithm("ECDSA-SHA256") {
		t.Error("classical algorithms told post-quantum")
	}
}
