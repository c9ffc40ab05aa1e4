package parser

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// oid parses a dotted OID.
func oid(t *testing.T, s string) asn1.ObjectIdentifier {
	t.Helper()
	var id asn1.ObjectIdentifier
	for _, f := range strings.Split(s, ".") {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		id = append(id, n)
	}
	return id
}

// TestEVSubject: an EV certificate's subject, as a CA issues them, with
// the CA/Browser Forum's jurisdiction attributes, businessCategory,
// serialNumber and organizationIdentifier, is written with OpenSSL's
// names in the certificate's order (openssl x509 -nameopt RFC2253), not
// with raw OIDs and DER; an unknown type keeps its OID and DER, and a
// multi-valued RDN its '+'.
func TestEVSubject(t *testing.T) {
	atv := func(o, v string) pkix.AttributeTypeAndValue {
		return pkix.AttributeTypeAndValue{Type: oid(t, o), Value: v}
	}
	subject := pkix.RDNSequence{
		{atv("1.3.6.1.4.1.311.60.2.1.3", "US")},
		{atv("1.3.6.1.4.1.311.60.2.1.2", "Delaware")},
		{atv("1.3.6.1.4.1.311.60.2.1.1", "Wilmington")},
		{atv("2.5.4.15", "Private Organization")},
		{atv("2.5.4.5", "5157550")},
		{atv("2.5.4.97", "NTRUS+DE-5157550")},
		{atv("2.5.4.6", "US")},
		{atv("2.5.4.8", "California")},
		{atv("2.5.4.7", "San Francisco")},
		{atv("2.5.4.10", "Example, Inc.")},
		{atv("2.5.4.11", "Web"), atv("0.9.2342.19200300.100.1.1", "u1")},
		{atv("1.2.3.4.5", "x")},
		{atv("2.5.4.3", "www.example.com")},
	}
	raw, err := asn1.Marshal(subject)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		RawSubject:   raw,
		NotBefore:    time.Unix(1700000000, 0),
		NotAfter:     time.Unix(1800000000, 0),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	const want = `CN=www.example.com,1.2.3.4.5=#130178,UID=u1+OU=Web,O=Example\, Inc.,L=San Francisco,ST=California,C=US,` +
		`organizationIdentifier=NTRUS\+DE-5157550,serialNumber=5157550,businessCategory=Private Organization,` +
		`jurisdictionL=Wilmington,jurisdictionST=Delaware,jurisdictionC=US`
	ci := parseCertInfo([32]byte{}, der)
	if ci.Err != nil || ci.Subject != want || ci.Issuer != want {
		t.Errorf("err %v\nsubject %s\nissuer  %s\nwant    %s", ci.Err, ci.Subject, ci.Issuer, want)
	}
	// The same from the fallback walk of a certificate crypto/x509 refuses.
	var fb CertInfo
	walkTBSCertificate(der, &fb)
	if fb.Subject != want || fb.Issuer != want {
		t.Errorf("walk: subject %s", fb.Subject)
	}
	// And as OpenSSL writes it, when there is one to ask.
	if _, err := exec.LookPath("openssl"); err == nil {
		f := filepath.Join(t.TempDir(), "ev.der")
		if err := os.WriteFile(f, der, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("openssl", "x509", "-inform", "der", "-in", f, "-noout", "-subject", "-nameopt", "RFC2253").Output()
		if got := strings.TrimSpace(strings.TrimPrefix(string(out), "subject=")); err != nil || got != want {
			t.Errorf("openssl: %s (%v)\nwant    %s", got, err, want)
		}
	}
	// Escaping as RFC 4514: a leading '#' or space, a trailing space.
	if got := rdnString(mustMarshal(t, pkix.RDNSequence{{atv("2.5.4.3", "#a b ")}, {atv("2.5.4.10", " x")}})); got != `O=\ x,CN=\#a b\ ` {
		t.Errorf("escaped: %s", got)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
