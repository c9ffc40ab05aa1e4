package parser

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
	"sync"
	"testing"
	"time"
)

// recorder keeps a copy of what is written through it.
type recorder struct {
	net.Conn
	mu  sync.Mutex
	out []byte
}

func (r *recorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	r.out = append(r.out, b...)
	r.mu.Unlock()
	return r.Conn.Write(b)
}

// handshakeStreams runs a crypto/tls handshake of version v and one small
// exchange of application data over a pipe, and returns the bytes each
// side sent: real record streams for the parser benchmarks.
func handshakeStreams(b *testing.B, v uint16) (c2s, s2c []byte) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bench.test"},
		DNSNames: []string{"bench.test"}, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		b.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}
	cp, sp := net.Pipe()
	cr, sr := &recorder{Conn: cp}, &recorder{Conn: sp}
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
		b.Fatal(err)
	}
	if _, err := io.ReadAll(cli); err != nil && err != io.EOF {
		b.Fatal(err)
	}
	cli.Close()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	cr.mu.Lock()
	sr.mu.Lock()
	defer cr.mu.Unlock()
	defer sr.mu.Unlock()
	return cr.out, sr.out
}

// BenchmarkParseRecord splits a TLS 1.2 server's stream into records.
func BenchmarkParseRecord(b *testing.B) {
	_, s2c := handshakeStreams(b, tls.VersionTLS12)
	b.SetBytes(int64(len(s2c)))
	b.ReportAllocs()
	for b.Loop() {
		for rest := s2c; len(rest) > 0; {
			_, n, err := ParseRecord(rest)
			if err != nil || n == 0 {
				b.Fatalf("ParseRecord: %d, %v", n, err)
			}
			rest = rest[n:]
		}
	}
}

// BenchmarkParseClientHello parses the body of a crypto/tls ClientHello.
func BenchmarkParseClientHello(b *testing.B) {
	c2s, _ := handshakeStreams(b, tls.VersionTLS13)
	rec, _, err := ParseRecord(c2s)
	if err != nil {
		b.Fatal(err)
	}
	var hr HandshakeReader
	if err := hr.Write(rec.Payload); err != nil {
		b.Fatal(err)
	}
	typ, body, _, err := hr.Next()
	if err != nil || typ != HandshakeTypeClientHello {
		b.Fatalf("first message %v, %v", typ, err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHandshake(typ, body, Context{}); err != nil {
			b.Fatal(err)
		}
	}
}
