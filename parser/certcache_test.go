package parser

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"reflect"
	"testing"
	"time"
)

func testCert(t testing.TB) []byte {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42),
		Subject:      pkix.Name{CommonName: "cache.test"},
		NotBefore:    time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0),
		DNSNames: []string{"cache.test", "www.cache.test"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestCertInfoCache(t *testing.T) {
	der := testCert(t)
	first := ParseCertInfo(der)
	if first.Subject != "CN=cache.test" || !first.SelfSigned || len(first.SAN) != 2 {
		t.Fatalf("info %+v", first)
	}
	again := ParseCertInfo(der)
	if !reflect.DeepEqual(first, again) {
		t.Fatalf("cached %+v\nfirst  %+v", again, first)
	}
	// An append to one result's SAN does not show in the next.
	_ = append(again.SAN, "x")
	if got := ParseCertInfo(der); len(got.SAN) != 2 || !reflect.DeepEqual(got, first) {
		t.Fatalf("after append: %+v", got)
	}
	if uncached := parseCertInfo([32]byte{}, der); uncached.Subject != first.Subject || uncached.Key != first.Key {
		t.Fatalf("uncached %+v", uncached)
	}
}

// BenchmarkParseCertInfo is one self-signed ECDSA certificate seen again
// and again, as in a capture of many connections to one server: through
// the cache, and parsed each time.
func BenchmarkParseCertInfo(b *testing.B) {
	der := testCert(b)
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ParseCertInfo(der)
		}
	})
	b.Run("uncached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			parseCertInfo([32]byte{}, der)
		}
	})
}
