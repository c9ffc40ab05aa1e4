package parser

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/internal/tlstest"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

func TestParseCertInfo(t *testing.T) {
	c := tlstest.Certs(t)
	ci := ParseCertInfo(c.RSA.Certificate[0])
	if ci.Err != nil || ci.Key != "RSA 2048" || ci.Subject != "CN=rsa.example,O=ssldissect test" || ci.Issuer != ci.Subject ||
		!ci.SelfSigned || ci.SignatureAlgorithm != "SHA256-RSA" || len(ci.SHA256) != 64 || ci.Serial != "1234abcd" ||
		!ci.NotBefore.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) || ci.NotBefore.Location() != time.UTC {
		t.Fatalf("%+v", ci)
	}
	if strings.Join(ci.SAN, ",") != "rsa.example,www.rsa.example,192.0.2.1" {
		t.Fatalf("SAN = %q", ci.SAN)
	}

	// Ed25519 leaf signed by the ECDSA "CA": not self-signed.
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	ca, _ := x509.ParseCertificate(c.ECDSA.Certificate[0])
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "leaf"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0),
	}, ca, pub, c.ECDSA.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	ci = ParseCertInfo(der)
	if ci.Err != nil || ci.Key != "Ed25519" || ci.SelfSigned || ci.Issuer != "CN=ecdsa.example,O=ssldissect test" || ci.SignatureAlgorithm != "ECDSA-SHA256" {
		t.Fatalf("%+v", ci)
	}

	// Same subject and issuer but a signature by another key: not self-signed.
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: ca.Subject, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0)}
	der, _ = x509.CreateCertificate(rand.Reader, tmpl, ca, &other.PublicKey, c.ECDSA.PrivateKey)
	if ci = ParseCertInfo(der); ci.SelfSigned || ci.Key != "ECDSA P-256" {
		t.Fatalf("%+v", ci)
	}
}

// A certificate crypto/x509 rejects (a negative serial number) still gives
// what a walk of its TBSCertificate finds.
func TestParseCertInfoFallback(t *testing.T) {
	name, _ := asn1.Marshal(pkix.Name{CommonName: "odd.example"}.ToRDNSequence())
	der := tlstest.Build(t, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // tbsCertificate
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1Int64(2) })
				b.AddASN1Int64(-5)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11})
				})
				b.AddBytes(name)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1UTCTime(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC))
					b.AddASN1GeneralizedTime(time.Date(2060, 1, 2, 3, 4, 5, 0, time.UTC))
				})
				b.AddBytes(name)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1NULL() })
			})
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11})
			})
			b.AddASN1BitString([]byte{0})
		})
	})
	ci := ParseCertInfo(der)
	if ci.Err == nil {
		t.Fatal("crypto/x509 accepted the certificate; the test needs one it rejects")
	}
	if ci.Subject != "CN=odd.example" || ci.Issuer != "CN=odd.example" || !ci.SelfSigned || ci.Serial != "-fb" ||
		ci.NotBefore.Year() != 2020 || ci.NotAfter.Year() != 2060 || len(ci.SHA256) != 64 {
		t.Fatalf("%+v", ci)
	}
	// Garbage: only the hash and the error.
	for _, in := range [][]byte{nil, {0x30}, {0x30, 0x03, 0x02, 0x01}, []byte("not a certificate")} {
		ci := ParseCertInfo(in)
		if ci.Err == nil || len(ci.SHA256) != 64 || ci.Subject != "" {
			t.Fatalf("%x: %+v", in, ci)
		}
	}
}
