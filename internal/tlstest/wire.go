package tlstest

import (
	"encoding/hex"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// Build runs f on a fresh cryptobyte.Builder and returns its bytes.
func Build(t testing.TB, f func(b *cryptobyte.Builder)) []byte {
	t.Helper()
	b := cryptobyte.NewBuilder(nil)
	f(b)
	out, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Unhex decodes hex with spaces and newlines allowed.
func Unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// U8, U16 and U24 add a length-prefixed vector filled by f (empty if nil).
func U8(b *cryptobyte.Builder, f func(*cryptobyte.Builder))  { b.AddUint8LengthPrefixed(orEmpty(f)) }
func U16(b *cryptobyte.Builder, f func(*cryptobyte.Builder)) { b.AddUint16LengthPrefixed(orEmpty(f)) }
func U24(b *cryptobyte.Builder, f func(*cryptobyte.Builder)) { b.AddUint24LengthPrefixed(orEmpty(f)) }

func orEmpty(f func(*cryptobyte.Builder)) cryptobyte.BuilderContinuation {
	if f == nil {
		return func(*cryptobyte.Builder) {}
	}
	return f
}

// Ext adds one extension: its 2-byte type and its body, 2-byte length
// prefixed (empty if body is nil).
func Ext[T ~uint16](b *cryptobyte.Builder, typ T, body func(*cryptobyte.Builder)) {
	b.AddUint16(uint16(typ))
	U16(b, func(b *cryptobyte.Builder) {
		if body != nil {
			body(b)
		}
	})
}

// HandshakeMsg frames a body with its 4-byte header (type, 3-byte length).
func HandshakeMsg[T ~uint8](t testing.TB, typ T, body []byte) []byte {
	return Build(t, func(b *cryptobyte.Builder) {
		b.AddUint8(uint8(typ))
		U24(b, func(b *cryptobyte.Builder) { b.AddBytes(body) })
	})
}

// Record frames a payload as one TLS record (type, version, 2-byte length).
func Record[T ~uint8, V ~uint16](t testing.TB, typ T, v V, payload []byte) []byte {
	return Build(t, func(b *cryptobyte.Builder) {
		b.AddUint8(uint8(typ))
		b.AddUint16(uint16(v))
		U16(b, func(b *cryptobyte.Builder) { b.AddBytes(payload) })
	})
}
