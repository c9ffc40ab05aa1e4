package parser

import (
	"crypto/tls"
	"testing"

	"github.com/ssldissect/ssldissect/internal/tlstest"
)

// BenchmarkParseRecord splits a TLS 1.2 server's stream into records.
func BenchmarkParseRecord(b *testing.B) {
	_, s2c := tlstest.HandshakeStreams(b, tls.VersionTLS12)
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
	c2s, _ := tlstest.HandshakeStreams(b, tls.VersionTLS13)
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

// BenchmarkFindHello is the TCP sniffer's question on a connection's first
// bytes: where the client's first flight (a crypto/tls ClientHello) and
// the server's (its ServerHello) start.
func BenchmarkFindHello(b *testing.B) {
	for _, v := range []struct {
		name string
		v    uint16
	}{{"tls12", tls.VersionTLS12}, {"tls13", tls.VersionTLS13}} {
		c2s, s2c := tlstest.HandshakeStreams(b, v.v)
		b.Run(v.name, func(b *testing.B) {
			b.SetBytes(int64(len(c2s) + len(s2c)))
			b.ReportAllocs()
			for b.Loop() {
				if off, v := FindHello(c2s, HandshakeTypeClientHello); off != 0 || v != VerdictTLS {
					b.Fatalf("ClientHello: %d, %v", off, v)
				}
				if off, v := FindHello(s2c, HandshakeTypeServerHello); off != 0 || v != VerdictTLS {
					b.Fatalf("ServerHello: %d, %v", off, v)
				}
			}
		})
	}
}
