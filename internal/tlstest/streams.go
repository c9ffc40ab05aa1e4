package tlstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/internal/connrec"
)

// HandshakeStreams runs a crypto/tls handshake of version v and one small
// exchange of application data over a pipe, and returns the bytes each
// side sent: real record streams for benchmarks.
func HandshakeStreams(t testing.TB, v uint16) (c2s, s2c []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bench.test"},
		DNSNames: []string{"bench.test"}, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}
	cp, sp := net.Pipe()
	cr, sr := connrec.New(cp), connrec.New(sp)
	srv := tls.Server(sr, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: v, MaxVersion: v})
	cli := tls.Client(cr, &tls.Config{InsecureSkipVerify: true, ServerName: "bench.test", MinVersion: v, MaxVersion: v})
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 64)
		n, err := io.ReadFull(srv, buf[:5])
		if err == nil {
			_, err = srv.Write(buf[:n])
		}
		if err == nil {
			err = srv.Close()
		}
		done <- err
	}()
	if _, err := cli.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(cli); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	cli.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return cr.Bytes(), sr.Bytes()
}
