package parser

import (
	"errors"
	"testing"

	"github.com/ssldissect/ssldissect/internal/tlstest"
	"golang.org/x/crypto/cryptobyte"
)

// isParseError reports whether err is an *Error.
func isParseError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// clientHelloBody builds a TLS 1.3-style ClientHello body with the given
// extensions block builder (nil: no extensions block at all).
func clientHelloBody(t testing.TB, exts func(*cryptobyte.Builder)) []byte {
	return tlstest.Build(t, func(b *cryptobyte.Builder) {
		b.AddUint16(0x0303)
		b.AddBytes(make([]byte, 32))
		tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte{1, 2, 3, 4}) })
		tlstest.U16(b, func(b *cryptobyte.Builder) {
			b.AddUint16(0x1301)
			b.AddUint16(0xc02f)
			b.AddUint16(0x00ff)
		})
		tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddUint8(0) })
		if exts != nil {
			tlstest.U16(b, exts)
		}
	})
}

// isPartialHello reports whether m is a ClientHello or ServerHello with
// Partial set.
func isPartialHello(m Message) bool {
	switch h := m.(type) {
	case *ClientHello:
		return h.Partial
	case *ServerHello:
		return h.Partial
	}
	return false
}
