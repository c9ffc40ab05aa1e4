package tlstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"
)

// CertPair is the two test certificates, each self-signed with its key.
type CertPair struct {
	RSA   tls.Certificate // RSA 2048, for "rsa.example"
	ECDSA tls.Certificate // ECDSA P-256, for "ecdsa.example"
}

var (
	certsOnce sync.Once
	certs     CertPair
	certsErr  error
)

// Certs returns the test certificates, generated once per test binary.
// Each is a CA for "NAME" and "www.NAME" and 192.0.2.1, valid 2025 to 2035.
func Certs(t testing.TB) CertPair {
	t.Helper()
	certsOnce.Do(func() {
		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			certsErr = err
			return
		}
		ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			certsErr = err
			return
		}
		if certs.RSA, err = selfSigned(rk, &rk.PublicKey, "rsa.example"); err != nil {
			certsErr = err
			return
		}
		certs.ECDSA, certsErr = selfSigned(ek, &ek.PublicKey, "ecdsa.example")
	})
	if certsErr != nil {
		t.Fatal(certsErr)
	}
	return certs
}

// selfSigned makes a self-signed certificate for key.
func selfSigned(key any, pub any, cn string) (tls.Certificate, error) {
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(0x1234abcd),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"ssldissect test"}},
		NotBefore:             time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
		DNSNames:              []string{cn, "www." + cn},
		IPAddresses:           []net.IP{net.ParseIP("192.0.2.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
