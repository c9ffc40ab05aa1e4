package parser

import "golang.org/x/crypto/cryptobyte"

// helloRetryRequestRandom is SHA-256("HelloRetryRequest"), the Random of a
// HelloRetryRequest (RFC 8446 4.1.3).
var helloRetryRequestRandom = [32]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11,
	0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
	0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// ServerHello (RFC 5246 7.4.1.3, RFC 8446 4.1.3), which is also the
// HelloRetryRequest of TLS 1.3 (see IsHelloRetryRequest).
type ServerHello struct {
	LegacyVersion Version
	Random        [32]byte
	SessionID     []byte
	CipherSuite   CipherSuite
	Compression   CompressionMethod
	Extensions    []Extension
	HasExtensions bool // false when the message ends after the compression method

	// Partial is set on a hello that failed to parse, which ParseHandshake
	// returns together with its *Error: as for ClientHello.Partial, the
	// fields up to the failure are filled (LegacyVersion and Random always),
	// and a broken extensions block leaves the extensions before the break
	// and the broken one kept raw with its Err.
	Partial bool
}

func (*ServerHello) Type() HandshakeType { return HandshakeTypeServerHello }

// IsHelloRetryRequest reports whether the message is a TLS 1.3
// HelloRetryRequest, recognised by its special Random.
func (m *ServerHello) IsHelloRetryRequest() bool { return m.Random == helloRetryRequestRandom }

// Downgrade reports the RFC 8446 4.1.3 downgrade sentinel in the last 8
// bytes of Random: "TLS 1.2" or "TLS 1.1", "" when absent.
func (m *ServerHello) Downgrade() string {
	tail := string(m.Random[24:])
	switch tail {
	case "DOWNGRD\x01":
		return "TLS 1.2"
	case "DOWNGRD\x00":
		return "TLS 1.1"
	}
	return ""
}

func parseServerHello(body []byte) (*ServerHello, error) {
	const layer = "server_hello"
	s := cryptobyte.String(body)
	off := func() int { return len(body) - len(s) }
	m := &ServerHello{}
	if !s.ReadUint16((*uint16)(&m.LegacyVersion)) {
		return nil, malformed(layer, "legacy_version", off())
	}
	if !s.CopyBytes(m.Random[:]) {
		return nil, malformed(layer, "random", off())
	}
	partial := func(err error) (*ServerHello, error) {
		m.Partial = true
		return m, err
	}
	draft := m.draftFormat()
	if !draft {
		var sid cryptobyte.String
		if !s.ReadUint8LengthPrefixed(&sid) || len(sid) > 32 {
			return partial(malformed(layer, "legacy_session_id", off()))
		}
		m.SessionID = clone(sid)
	}
	if !s.ReadUint16((*uint16)(&m.CipherSuite)) {
		return partial(malformed(layer, "cipher_suite", off()))
	}
	if !draft && !s.ReadUint8((*uint8)(&m.Compression)) {
		return partial(malformed(layer, "legacy_compression_method", off()))
	}
	if s.Empty() {
		return m, nil
	}
	typ := HandshakeTypeServerHello
	if m.IsHelloRetryRequest() {
		typ = HandshakeTypeHelloRetryRequest
	}
	var err error
	if m.Extensions, m.HasExtensions, err = parseHelloExtensions(layer, body, off(), typ); err != nil {
		return partial(err)
	}
	return m, nil
}

// draftFormat reports whether the hello has the layout of TLS 1.3 drafts
// before -22 ({version, random, cipher_suite, extensions}: no session id,
// no compression method): its version is one of those drafts (0x7f00 to
// 0x7f15), or 0x0304, which early TLS 1.3 implementations sent in that
// layout and which a final TLS 1.3 ServerHello never has in this field
// (RFC 8446 4.1.3: legacy_version is 0x0303).
func (m *ServerHello) draftFormat() bool { return draftLayout(m.LegacyVersion) }

// draftLayout is draftFormat of a ServerHello whose legacy_version is v.
func draftLayout(v Version) bool {
	return v == VersionTLS13 || v.IsTLS13Draft() && v&0xff < 22
}

// Extension returns the first extension of type t, or nil.
func (m *ServerHello) Extension(t ExtensionType) *Extension { return findExtension(m.Extensions, t) }

// SelectedVersion is the negotiated version: supported_versions when present
// (TLS 1.3), else LegacyVersion.
func (m *ServerHello) SelectedVersion() Version {
	if e := m.Extension(ExtSupportedVersions); e != nil {
		if v, ok := e.Parsed.(SupportedVersionsExt); ok && v.Selected != 0 {
			return v.Selected
		}
	}
	return m.LegacyVersion
}

// ALPN is the selected application protocol, "" when none (in TLS 1.3 it is
// in EncryptedExtensions instead).
func (m *ServerHello) ALPN() string { return alpnOf(m.Extensions) }

// alpnOf is the single protocol of an ALPN extension sent by a server.
func alpnOf(exts []Extension) string {
	if e := findExtension(exts, ExtALPN); e != nil {
		if a, ok := e.Parsed.(ALPNExt); ok && len(a.Protocols) > 0 {
			return a.Protocols[0]
		}
	}
	return ""
}
