package parser

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/internal/tlstest"
	"golang.org/x/crypto/cryptobyte"
)

// Hellos broken at several points: ParseHandshake returns the hello as far
// as it was read (Partial) with an *Error, and these tests pin which fields
// survive.

func TestPartialClientHello(t *testing.T) {
	raw := func(x ...byte) func(*cryptobyte.Builder) { return func(b *cryptobyte.Builder) { b.AddBytes(x) } }
	cases := []struct {
		name      string
		parts     tlstest.ClientHelloParts
		field     string // the *Error's Field
		sid       bool   // SessionID read
		suites    bool   // CipherSuites read
		comp      bool   // CompressionMethods read
		sni, alpn string // what SNI() and ALPN() give
		versions  bool   // supported_versions read
		exts      []ExtensionType
		badLast   bool // the last extension is the broken one, raw with Err
	}{
		{name: "session_id_33", parts: tlstest.ClientHelloParts{SessionID: raw(append([]byte{33}, make([]byte, 33)...)...)}, field: "legacy_session_id"},
		{name: "session_id_overrun", parts: tlstest.ClientHelloParts{SessionID: raw(30, 1, 2), NoExtensions: true}, field: "legacy_session_id"},
		{name: "suites_odd", parts: tlstest.ClientHelloParts{Suites: raw(0, 3, 0x13, 0x01, 0xc0)}, field: "cipher_suites", sid: true},
		{name: "suites_empty", parts: tlstest.ClientHelloParts{Suites: raw(0, 0)}, field: "cipher_suites", sid: true},
		{name: "suites_overrun", parts: tlstest.ClientHelloParts{Suites: raw(0x40, 0), NoExtensions: true}, field: "cipher_suites", sid: true},
		{name: "compression_empty", parts: tlstest.ClientHelloParts{Compression: raw(0), NoExtensions: true, Tail: []byte{0xff}}, field: "legacy_compression_methods", sid: true, suites: true},
		{name: "extensions_len_1_byte", parts: tlstest.ClientHelloParts{Extensions: raw(0)}, field: "extensions", sid: true, suites: true, comp: true},
		{
			// The block's length says more than the body holds: the
			// extensions that fit are read.
			name: "extensions_block_overrun",
			parts: tlstest.ClientHelloParts{Extensions: func(b *cryptobyte.Builder) {
				inner := tlstest.Build(t, func(b *cryptobyte.Builder) { tlstest.ValidSNI(b); tlstest.ValidALPN(b) })
				b.AddUint16(uint16(len(inner) + 10))
				b.AddBytes(inner)
			}},
			field: "extensions", sid: true, suites: true, comp: true, sni: "example.com", alpn: "h2",
			exts: []ExtensionType{ExtServerName, ExtALPN},
		},
		{
			name:  "trailing_after_extensions",
			parts: tlstest.ClientHelloParts{Tail: []byte{0xde, 0xad}},
			field: "extensions", sid: true, suites: true, comp: true, sni: "example.com", alpn: "h2", versions: true,
			exts: []ExtensionType{ExtServerName, ExtALPN, ExtSupportedVersions},
		},
		{
			// tls_invalid_reads.pcap#2's shape: after server_name, an
			// extension header whose length overruns the block.
			name: "extension_header_overrun_after_sni",
			parts: tlstest.ClientHelloParts{Extensions: func(b *cryptobyte.Builder) {
				tlstest.U16(b, func(b *cryptobyte.Builder) {
					tlstest.ValidSNI(b)
					b.AddBytes([]byte{0x47, 0xe3, 0x4f, 0xc6, 1, 2, 3})
				})
			}},
			field: "extensions", sid: true, suites: true, comp: true, sni: "example.com",
			exts: []ExtensionType{ExtServerName, 0x47e3}, badLast: true,
		},
		{
			name: "extension_header_cut_after_alpn",
			parts: tlstest.ClientHelloParts{Extensions: func(b *cryptobyte.Builder) {
				tlstest.U16(b, func(b *cryptobyte.Builder) { tlstest.ValidSNI(b); tlstest.ValidALPN(b); b.AddUint8(0x2b) })
			}},
			field: "extensions", sid: true, suites: true, comp: true, sni: "example.com", alpn: "h2",
			exts: []ExtensionType{ExtServerName, ExtALPN, 0}, badLast: true,
		},
		{
			// Damage before server_name: no SNI.
			name: "extension_header_overrun_before_sni",
			parts: tlstest.ClientHelloParts{Extensions: func(b *cryptobyte.Builder) {
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte{0, 0x10, 0x40, 0}); tlstest.ValidSNI(b) })
			}},
			field: "extensions", sid: true, suites: true, comp: true,
			exts: []ExtensionType{ExtALPN}, badLast: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.parts.Body(t)
			m, err := ParseHandshake(HandshakeTypeClientHello, body, Context{})
			var pe *Error
			if !isParseError(err) {
				t.Fatalf("err = %v, want an *Error", err)
			}
			pe = err.(*Error)
			if pe.Layer != "client_hello" || pe.Field != tc.field {
				t.Errorf("error %q: layer/field = %q/%q, want client_hello/%q", err, pe.Layer, pe.Field, tc.field)
			}
			ch, ok := m.(*ClientHello)
			if !ok || !ch.Partial {
				t.Fatalf("got %#v, want a partial *ClientHello", m)
			}
			if ch.LegacyVersion != 0x0303 || !bytes.Equal(ch.Random[:], tlstest.PartialRandom) {
				t.Errorf("version %v random %x", ch.LegacyVersion, ch.Random)
			}
			if got := ch.SessionID != nil; got != tc.sid {
				t.Errorf("session id %x, read = %v, want %v", ch.SessionID, got, tc.sid)
			}
			if tc.sid && !bytes.Equal(ch.SessionID, []byte{9, 9, 9, 9}) {
				t.Errorf("session id %x", ch.SessionID)
			}
			wantSuites := []CipherSuite(nil)
			if tc.suites {
				wantSuites = []CipherSuite{0x1301, 0xc02f}
			}
			if !slices.Equal(ch.CipherSuites, wantSuites) {
				t.Errorf("suites %v, want %v", ch.CipherSuites, wantSuites)
			}
			if got := len(ch.CompressionMethods) == 1; got != tc.comp {
				t.Errorf("compression %v", ch.CompressionMethods)
			}
			if ch.SNI() != tc.sni || strings.Join(ch.ALPN(), ",") != tc.alpn {
				t.Errorf("SNI %q ALPN %q, want %q %q", ch.SNI(), ch.ALPN(), tc.sni, tc.alpn)
			}
			if got := ch.SupportedVersions() != nil; got != tc.versions {
				t.Errorf("supported versions %v", ch.SupportedVersions())
			}
			var types []ExtensionType
			for _, e := range ch.Extensions {
				types = append(types, e.Type)
			}
			if !slices.Equal(types, tc.exts) {
				t.Errorf("extensions %v, want %v", types, tc.exts)
			}
			for i, e := range ch.Extensions {
				bad := tc.badLast && i == len(ch.Extensions)-1
				if bad != (e.Err != nil) || bad && (e.Parsed != nil || e.Data == nil) {
					t.Errorf("extension %d %v: Err %v Parsed %v Data %x", i, e.Type, e.Err, e.Parsed, e.Data)
				}
			}
			if !ch.HasExtensions && len(ch.Extensions) > 0 {
				t.Error("extensions without HasExtensions")
			}
		})
	}
}

// A hello cut in its version or random gives nothing but the raw body: no
// field of it would be reliable.
func TestPartialClientHelloBeforeRandom(t *testing.T) {
	body := tlstest.ClientHelloParts{}.Body(t)
	for _, n := range []int{0, 1, 2, 20, 33} {
		m, err := ParseHandshake(HandshakeTypeClientHello, body[:n], Context{})
		if r, ok := m.(*RawMessage); !ok || !isParseError(err) || !bytes.Equal(r.Body, body[:n]) {
			t.Errorf("%d bytes: %T, %v", n, m, err)
		}
	}
	if m, err := ParseHandshake(HandshakeTypeClientHello, body[:34], Context{}); err == nil || !isPartialHello(m) {
		t.Errorf("34 bytes: %T, %v, want a partial hello", m, err)
	}
}

// A bad extension body is not a partial hello: the hello parses and only
// that extension has Err (the ALPN list longer than its extension).
func TestClientHelloBadALPNBodyIsNotPartial(t *testing.T) {
	body := tlstest.ClientHelloParts{Extensions: func(b *cryptobyte.Builder) {
		tlstest.U16(b, func(b *cryptobyte.Builder) {
			tlstest.ValidSNI(b)
			tlstest.Ext(b, ExtALPN, func(b *cryptobyte.Builder) { b.AddBytes([]byte{0xb8, 0x89, 2, 'h', '2'}) })
		})
	}}.Body(t)
	m, err := ParseHandshake(HandshakeTypeClientHello, body, Context{})
	ch, ok := m.(*ClientHello)
	if err != nil || !ok || ch.Partial {
		t.Fatalf("%T %v", m, err)
	}
	if ch.SNI() != "example.com" || ch.ALPN() != nil || ch.Extension(ExtALPN).Err == nil {
		t.Errorf("SNI %q ALPN %q", ch.SNI(), ch.ALPN())
	}
}

func TestPartialServerHello(t *testing.T) {
	sh := func(rest func(*cryptobyte.Builder)) []byte {
		return tlstest.Build(t, func(b *cryptobyte.Builder) {
			b.AddUint16(0x0303)
			b.AddBytes(tlstest.PartialRandom)
			rest(b)
		})
	}
	alpnSH := func(b *cryptobyte.Builder) {
		tlstest.Ext(b, ExtALPN, func(b *cryptobyte.Builder) {
			tlstest.U16(b, func(b *cryptobyte.Builder) { tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("h2")) }) })
		})
	}
	cases := []struct {
		name   string
		body   []byte
		field  string
		suite  CipherSuite
		alpn   string
		nExts  int
		hasExt bool
	}{
		{"session_id_overrun", sh(func(b *cryptobyte.Builder) { b.AddBytes([]byte{20, 1}) }), "legacy_session_id", 0, "", 0, false},
		{"suite_cut", sh(func(b *cryptobyte.Builder) { b.AddBytes([]byte{0, 0xc0}) }), "cipher_suite", 0, "", 0, false},
		{"no_compression", sh(func(b *cryptobyte.Builder) { b.AddBytes([]byte{0, 0xc0, 0x2f}) }), "legacy_compression_method", 0xc02f, "", 0, false},
		{"extension_overrun_after_alpn", sh(func(b *cryptobyte.Builder) {
			b.AddBytes([]byte{0, 0xc0, 0x2f, 0})
			tlstest.U16(b, func(b *cryptobyte.Builder) { alpnSH(b); b.AddBytes([]byte{0, 0x2b, 0, 9, 3}) })
		}), "extensions", 0xc02f, "h2", 2, true},
		{"trailing_after_extensions", sh(func(b *cryptobyte.Builder) {
			b.AddBytes([]byte{0, 0xc0, 0x2f, 0})
			tlstest.U16(b, alpnSH)
			b.AddUint8(7)
		}), "extensions", 0xc02f, "h2", 1, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseHandshake(HandshakeTypeServerHello, tc.body, Context{})
			if !isParseError(err) || err.(*Error).Field != tc.field {
				t.Fatalf("err = %v, want field %q", err, tc.field)
			}
			h, ok := m.(*ServerHello)
			if !ok || !h.Partial {
				t.Fatalf("got %#v, want a partial *ServerHello", m)
			}
			if h.LegacyVersion != 0x0303 || !bytes.Equal(h.Random[:], tlstest.PartialRandom) || h.CipherSuite != tc.suite ||
				h.ALPN() != tc.alpn || len(h.Extensions) != tc.nExts || h.HasExtensions != tc.hasExt {
				t.Errorf("%+v", h)
			}
		})
	}
}
