package tcp

import (
	"bytes"
	"testing"

	"github.com/ssldissect/ssldissect/internal/tlstest"
	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
	"golang.org/x/crypto/cryptobyte"
)

type discardSink struct{ records, ends int }

func (s *discardSink) Record(*session.RecordEvent) { s.records++ }

func (s *discardSink) End(*session.Conn) { s.ends++ }

// sslv2SessionFlights is an SSL 2.0 session: CLIENT-HELLO, SERVER-HELLO
// with the test RSA certificate, CLIENT-MASTER-KEY, then encrypted records
// (3-byte headers, with contents that happen to start with clear message
// types) both ways.
func sslv2SessionFlights(t testing.TB) []flight {
	cert := tlstest.Certs(t).RSA.Certificate[0]
	connID := bytes.Repeat([]byte{0xc1}, 16)
	encrypted := func(first byte, n int) []byte {
		p := append([]byte{first}, bytes.Repeat([]byte{0x77}, n-1)...)
		return tlstest.Build(t, func(b *cryptobyte.Builder) {
			b.AddUint16(uint16(n))
			b.AddUint8(3)
			b.AddBytes(p)
		})
	}
	return []flight{
		{0, tlstest.SSLv2Hello(t, parser.VersionSSL20, []uint32{0x0700c0, 0x010080}, nil, []byte("0123456789abcdef"))},
		{1, tlstest.SSLv2Rec(t, tlstest.SSLv2ServerHelloMsg(t, false, cert, []uint32{0x0700c0, 0x010080}, connID))},
		{0, append(tlstest.SSLv2Rec(t, tlstest.SSLv2ClientMasterKeyMsg(t, 0x0700c0, nil, bytes.Repeat([]byte{0xee}, 256), []byte{1, 2, 3, 4, 5, 6, 7, 8})),
			encrypted(4, 40)...)}, // CLIENT-FINISHED
		{1, encrypted(2, 40)}, // SERVER-VERIFY
		{1, encrypted(0, 40)}, // SERVER-FINISHED
		{0, encrypted(0x16, 0x1403)},
	}
}
