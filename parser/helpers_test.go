package parser

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// build runs f on a fresh cryptobyte.Builder and returns its bytes.
func build(t testing.TB, f func(b *cryptobyte.Builder)) []byte {
	t.Helper()
	b := cryptobyte.NewBuilder(nil)
	f(b)
	out, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// unhex decodes hex with spaces and newlines allowed.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// u8, u16 and u24 add a length-prefixed vector filled by f (empty if nil).
func u8(b *cryptobyte.Builder, f func(*cryptobyte.Builder))  { b.AddUint8LengthPrefixed(orEmpty(f)) }
func u16(b *cryptobyte.Builder, f func(*cryptobyte.Builder)) { b.AddUint16LengthPrefixed(orEmpty(f)) }
func u24(b *cryptobyte.Builder, f func(*cryptobyte.Builder)) { b.AddUint24LengthPrefixed(orEmpty(f)) }

func orEmpty(f func(*cryptobyte.Builder)) cryptobyte.BuilderContinuation {
	if f == nil {
		return func(*cryptobyte.Builder) {}
	}
	return f
}

// ext adds one extension.
func ext(b *cryptobyte.Builder, typ ExtensionType, body func(*cryptobyte.Builder)) {
	b.AddUint16(uint16(typ))
	u16(b, func(b *cryptobyte.Builder) {
		if body != nil {
			body(b)
		}
	})
}

// handshakeMsg frames a body with its 4-byte header.
func handshakeMsg(t testing.TB, typ HandshakeType, body []byte) []byte {
	return build(t, func(b *cryptobyte.Builder) {
		b.AddUint8(uint8(typ))
		u24(b, func(b *cryptobyte.Builder) { b.AddBytes(body) })
	})
}

// record frames a payload as one TLS record.
func record(t testing.TB, typ ContentType, v Version, payload []byte) []byte {
	return build(t, func(b *cryptobyte.Builder) {
		b.AddUint8(uint8(typ))
		b.AddUint16(uint16(v))
		u16(b, func(b *cryptobyte.Builder) { b.AddBytes(payload) })
	})
}

// isParseError reports whether err is an *Error.
func isParseError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// clientHelloBody builds a TLS 1.3-style ClientHello body with the given
// extensions block builder (nil: no extensions block at all).
func clientHelloBody(t testing.TB, exts func(*cryptobyte.Builder)) []byte {
	return build(t, func(b *cryptobyte.Builder) {
		b.AddUint16(0x0303)
		b.AddBytes(make([]byte, 32))
		u8(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte{1, 2, 3, 4}) })
		u16(b, func(b *cryptobyte.Builder) {
			b.AddUint16(0x1301)
			b.AddUint16(0xc02f)
			b.AddUint16(0x00ff)
		})
		u8(b, func(b *cryptobyte.Builder) { b.AddUint8(0) })
		if exts != nil {
			u16(b, exts)
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
