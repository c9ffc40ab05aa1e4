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
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/reassembly"
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

type discardSink struct{ records, ends int }

func (s *discardSink) Record(*RecordEvent) { s.records++ }
func (s *discardSink) End(*Conn)           { s.ends++ }

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

// BenchmarkConn runs whole connections (both directions, handed over in
// 1400-byte chunks as reassembly does) through the Analyzer, without keys,
// to a sink that keeps nothing: the parser's cost per connection.
func BenchmarkConn(b *testing.B) {
	for _, v := range []struct {
		name string
		v    uint16
	}{{"tls12", tls.VersionTLS12}, {"tls13", tls.VersionTLS13}} {
		b.Run(v.name, func(b *testing.B) {
			c2s, s2c := handshakeStreams(b, v.v)
			sink := &discardSink{}
			an := NewAnalyzer(sink, NewKeys())
			key := reassembly.ConnKey{A: netip.MustParseAddrPort("10.0.0.1:40000"), B: netip.MustParseAddrPort("10.0.0.2:443")}
			t0 := time.Unix(1e9, 0)
			feed := func(h reassembly.Handler, d reassembly.Dir, data []byte, pend *[]byte) {
				*pend = append(*pend, data...)
				c := reassembly.Chunk{Data: *pend, Segments: []reassembly.Segment{{Time: t0, Packet: 1}}}
				n := h.Data(d, &c)
				*pend = append((*pend)[:0], (*pend)[n:]...)
			}
			b.SetBytes(int64(len(c2s) + len(s2c)))
			b.ReportAllocs()
			var pc, ps []byte
			for b.Loop() {
				h := an.Factory(key, t0, 1)
				pc, ps = pc[:0], ps[:0]
				// The client's first flight, then the server's, then the rest.
				for i := 0; i < len(c2s) || i < len(s2c); i += 1400 {
					if i < len(c2s) {
						feed(h, reassembly.Dir0, c2s[i:min(i+1400, len(c2s))], &pc)
					}
					if i < len(s2c) {
						feed(h, reassembly.Dir1, s2c[i:min(i+1400, len(s2c))], &ps)
					}
				}
				h.End(reassembly.EndFIN, t0)
			}
			if sink.ends != b.N || sink.records < b.N*3 {
				b.Fatalf("%d connections ended, %d records, for %d runs", sink.ends, sink.records, b.N)
			}
		})
	}
}
