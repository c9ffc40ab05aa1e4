package tlstest

import (
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// Extension types the valid defaults of ClientHelloParts carry.
const (
	extServerName        uint16 = 0  // RFC 6066
	extALPN              uint16 = 16 // RFC 7301
	extSupportedVersions uint16 = 43 // RFC 8446
)

// PartialRandom is the random of every ClientHelloParts body: bytes 1 to
// 32, so that a test can tell it apart from zeroes.
var PartialRandom = func() []byte {
	r := make([]byte, 32)
	for i := range r {
		r[i] = byte(i + 1)
	}
	return r
}()

// ClientHelloParts builds a ClientHello body (legacy_version 0x0303 and
// PartialRandom, then the parts); each func writes its field raw (so that
// a test can break it), nil writes the valid default.
type ClientHelloParts struct {
	// SessionID defaults to 4 bytes of 9; Suites to TLS_AES_128_GCM_SHA256
	// and ECDHE-RSA-AES128-GCM-SHA256; Compression to null only.
	SessionID, Suites, Compression func(*cryptobyte.Builder)
	// Extensions writes the whole extensions block, length included; nil
	// writes ValidSNI, ValidALPN and ValidVersions, unless NoExtensions.
	Extensions   func(*cryptobyte.Builder)
	NoExtensions bool
	Tail         []byte // appended after everything
}

// Body returns the ClientHello body.
func (p ClientHelloParts) Body(t testing.TB) []byte {
	return Build(t, func(b *cryptobyte.Builder) {
		b.AddUint16(0x0303)
		b.AddBytes(PartialRandom)
		if p.SessionID != nil {
			p.SessionID(b)
		} else {
			U8(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte{9, 9, 9, 9}) })
		}
		if p.Suites != nil {
			p.Suites(b)
		} else {
			U16(b, func(b *cryptobyte.Builder) { b.AddUint16(0x1301); b.AddUint16(0xc02f) })
		}
		if p.Compression != nil {
			p.Compression(b)
		} else {
			U8(b, func(b *cryptobyte.Builder) { b.AddUint8(0) })
		}
		switch {
		case p.Extensions != nil:
			p.Extensions(b)
		case !p.NoExtensions:
			U16(b, func(b *cryptobyte.Builder) { ValidSNI(b); ValidALPN(b); ValidVersions(b) })
		}
		b.AddBytes(p.Tail)
	})
}

// ValidSNI adds a server_name extension for "example.com".
func ValidSNI(b *cryptobyte.Builder) {
	Ext(b, extServerName, func(b *cryptobyte.Builder) {
		U16(b, func(b *cryptobyte.Builder) {
			b.AddUint8(0) // host_name
			U16(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("example.com")) })
		})
	})
}

// ValidALPN adds an application_layer_protocol_negotiation extension
// offering "h2".
func ValidALPN(b *cryptobyte.Builder) {
	Ext(b, extALPN, func(b *cryptobyte.Builder) {
		U16(b, func(b *cryptobyte.Builder) {
			U8(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("h2")) })
		})
	})
}

// ValidVersions adds a supported_versions extension offering TLS 1.3 and
// TLS 1.2.
func ValidVersions(b *cryptobyte.Builder) {
	Ext(b, extSupportedVersions, func(b *cryptobyte.Builder) {
		U8(b, func(b *cryptobyte.Builder) { b.AddUint16(0x0304); b.AddUint16(0x0303) })
	})
}
