package tcp

import (
	"bytes"
	"slices"
	"testing"

	"github.com/ssldissect/ssldissect/internal/tlstest"
	"github.com/ssldissect/ssldissect/parser"
	"golang.org/x/crypto/cryptobyte"
)

// Through a Conn: a partial ClientHello gives its SNI, offered ALPN,
// random and suites, a bad_client_hello note, and no fingerprint.
func TestConnPartialClientHello(t *testing.T) {
	body := tlstest.ClientHelloParts{Extensions: func(b *cryptobyte.Builder) {
		tlstest.U16(b, func(b *cryptobyte.Builder) {
			tlstest.ValidSNI(b)
			tlstest.ValidALPN(b)
			b.AddBytes([]byte{0x47, 0xe3, 0x4f, 0xc6, 1, 2, 3})
		})
	}}.Body(t)
	rec := tlstest.Record(t, parser.ContentTypeHandshake, parser.VersionTLS10, tlstest.HandshakeMsg(t, parser.HandshakeTypeClientHello, body))
	c, sink := runConn(t, flight{0, rec})
	ch := c.ClientHello
	if ch == nil || !ch.Partial {
		t.Fatalf("ClientHello = %+v", ch)
	}
	if c.SNI != "example.com" || !slices.Equal(c.ALPNOffered, []string{"h2"}) {
		t.Errorf("SNI %q ALPN %q", c.SNI, c.ALPNOffered)
	}
	if !bytes.Equal(ch.Random[:], tlstest.PartialRandom) || len(ch.CipherSuites) != 2 {
		t.Errorf("random %x suites %v", ch.Random, ch.CipherSuites)
	}
	if c.JA3 != "" || c.JA3Full != "" || c.JA4 != "" {
		t.Errorf("fingerprints of a partial hello: %q %q %q", c.JA3, c.JA3Full, c.JA4)
	}
	found := false
	for _, ev := range sink.records {
		for _, n := range ev.Notes {
			found = found || n.Code == "bad_client_hello"
		}
	}
	if !found {
		t.Error("no bad_client_hello note")
	}
}
