package parser

import "golang.org/x/crypto/cryptobyte"

// ClientHello (RFC 5246 7.4.1.2, RFC 8446 4.1.2), or an SSLv2-format
// CLIENT-HELLO converted as RFC 5246 appendix E.2 describes.
type ClientHello struct {
	LegacyVersion      Version // client_version; for an SSLv2 hello the version field (0x0002 for SSL 2.0 itself)
	Random             [32]byte
	SessionID          []byte
	CipherSuites       []CipherSuite // for an SSLv2 hello: the specs whose first byte is 0 (TLS suites)
	CompressionMethods []CompressionMethod
	// Extensions in wire order. HasExtensions is false when the hello ends
	// after the compression methods (no extensions block at all), which is
	// different from an empty block.
	Extensions    []Extension
	HasExtensions bool

	// SSLv2 is set for an SSLv2-format hello (RFC 5246 E.2); then
	// V2CipherSpecs holds every 3-byte cipher spec in order, Challenge the
	// challenge bytes, and Random is the challenge right-aligned in 32 bytes
	// and left-padded with zeros.
	SSLv2         bool
	V2CipherSpecs []SSLv2CipherSpec
	Challenge     []byte

	// Partial is set on a hello that failed to parse, which ParseHandshake
	// returns together with its *Error: the fields up to the failure are
	// filled (LegacyVersion and Random always; SessionID, then
	// CipherSuites, then CompressionMethods when their vectors were read
	// whole), the later ones are zero. When the failure is in the extensions
	// block, Extensions holds those before it and then the broken one, kept
	// raw with its Err (each extension is as reliable as its own Err says).
	// A fingerprint of a partial hello is not computed: see Conn.
	Partial bool
}

func (*ClientHello) Type() HandshakeType { return HandshakeTypeClientHello }

// SSLv2CipherSpec is a 3-byte SSLv2 cipher spec (draft-hickman-netscape-ssl-00
// appendix C). Specs whose first byte is 0 carry a TLS cipher suite in their
// low 16 bits.
type SSLv2CipherSpec uint32

// SSLv2 message types (draft-hickman-netscape-ssl-00).
const (
	SSLv2MsgClientHello = 1
	SSLv2MsgServerHello = 4
)

// ParseSSLv2ClientHello decodes an SSLv2 CLIENT-HELLO message: body starts at
// the message type byte (1) that follows the SSLv2 record header, as in
// Record.Payload of ParseSSLv2Record.
func ParseSSLv2ClientHello(body []byte) (*ClientHello, error) {
	const layer = "sslv2_client_hello"
	s := cryptobyte.String(body)
	m := &ClientHello{SSLv2: true}
	var typ uint8
	var csLen, sidLen, chLen uint16
	if !s.ReadUint8(&typ) || typ != SSLv2MsgClientHello {
		return nil, malformed(layer, "msg_type", 0)
	}
	if !s.ReadUint16((*uint16)(&m.LegacyVersion)) || !s.ReadUint16(&csLen) ||
		!s.ReadUint16(&sidLen) || !s.ReadUint16(&chLen) {
		return nil, malformed(layer, "header", len(body)-len(s))
	}
	// Cipher specs are 3 bytes each; the session ID is 0 or 16 bytes (we
	// accept up to 32); the challenge is 16 to 32 bytes.
	if csLen == 0 || csLen%3 != 0 || sidLen > 32 || chLen < 16 || chLen > 32 {
		return nil, malformed(layer, "lengths", 3)
	}
	var specs, sid, ch cryptobyte.String
	if !s.ReadBytes((*[]byte)(&specs), int(csLen)) {
		return nil, malformed(layer, "cipher_specs", len(body)-len(s))
	}
	if !s.ReadBytes((*[]byte)(&sid), int(sidLen)) {
		return nil, malformed(layer, "session_id", len(body)-len(s))
	}
	if !s.ReadBytes((*[]byte)(&ch), int(chLen)) || !s.Empty() {
		return nil, malformed(layer, "challenge", len(body)-len(s))
	}
	for !specs.Empty() {
		var x uint32
		specs.ReadUint24(&x)
		m.V2CipherSpecs = append(m.V2CipherSpecs, SSLv2CipherSpec(x))
		if x>>16 == 0 {
			m.CipherSuites = append(m.CipherSuites, CipherSuite(x))
		}
	}
	m.SessionID = clone(sid)
	m.Challenge = clone(ch)
	copy(m.Random[32-len(ch):], ch)
	m.CompressionMethods = []CompressionMethod{CompressionNull}
	return m, nil
}

// SSLv2ServerHello is an SSLv2 SERVER-HELLO (draft-hickman-netscape-ssl-00):
// the server's answer when it speaks SSL 2.0 itself.
type SSLv2ServerHello struct {
	SessionIDHit    bool
	CertificateType uint8 // 1: X.509
	Version         Version
	Certificate     []byte // DER, absent on a session-id hit
	CertInfo        CertInfo
	CipherSpecs     []SSLv2CipherSpec
	ConnectionID    []byte
}

// ParseSSLv2ServerHello decodes an SSLv2 SERVER-HELLO message: body starts at
// its message type byte (4), as in Record.Payload of ParseSSLv2Record.
func ParseSSLv2ServerHello(body []byte) (*SSLv2ServerHello, error) {
	const layer = "sslv2_server_hello"
	s := cryptobyte.String(body)
	m := &SSLv2ServerHello{}
	var typ, hit uint8
	var certLen, csLen, idLen uint16
	if !s.ReadUint8(&typ) || typ != SSLv2MsgServerHello {
		return nil, malformed(layer, "msg_type", 0)
	}
	if !s.ReadUint8(&hit) || !s.ReadUint8(&m.CertificateType) || !s.ReadUint16((*uint16)(&m.Version)) ||
		!s.ReadUint16(&certLen) || !s.ReadUint16(&csLen) || !s.ReadUint16(&idLen) {
		return nil, malformed(layer, "header", len(body)-len(s))
	}
	if csLen%3 != 0 || idLen < 16 || idLen > 32 {
		return nil, malformed(layer, "lengths", 7)
	}
	m.SessionIDHit = hit != 0
	var cert, specs, id []byte
	if !s.ReadBytes(&cert, int(certLen)) || !s.ReadBytes(&specs, int(csLen)) ||
		!s.ReadBytes(&id, int(idLen)) || !s.Empty() {
		return nil, malformed(layer, "body", 11)
	}
	if len(cert) > 0 {
		m.Certificate = clone(cert)
		m.CertInfo = ParseCertInfo(m.Certificate)
	}
	cs := cryptobyte.String(specs)
	for !cs.Empty() {
		var x uint32
		cs.ReadUint24(&x)
		m.CipherSpecs = append(m.CipherSpecs, SSLv2CipherSpec(x))
	}
	m.ConnectionID = clone(id)
	return m, nil
}

// parseClientHello decodes a ClientHello body. When the body is malformed
// after the random it returns, with the *Error, the hello as far as it was
// read (Partial set): the fields before the failure, and when the failure is
// in the extensions block, the extensions before the break followed by the
// broken one kept raw with its Err (see salvageExtensions). A failure in the
// version or random gives a nil hello: nothing of it can be relied on.
func parseClientHello(body []byte) (*ClientHello, error) {
	const layer = "client_hello"
	s := cryptobyte.String(body)
	off := func() int { return len(body) - len(s) }
	m := &ClientHello{}
	if !s.ReadUint16((*uint16)(&m.LegacyVersion)) {
		return nil, malformed(layer, "legacy_version", off())
	}
	if !s.CopyBytes(m.Random[:]) {
		return nil, malformed(layer, "random", off())
	}
	partial := func(err error) (*ClientHello, error) {
		m.Partial = true
		return m, err
	}
	var sid, suites, comp cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&sid) || len(sid) > 32 {
		return partial(malformed(layer, "legacy_session_id", off()))
	}
	m.SessionID = clone(sid)
	if !s.ReadUint16LengthPrefixed(&suites) || suites.Empty() || len(suites)%2 != 0 {
		return partial(malformed(layer, "cipher_suites", off()))
	}
	m.CipherSuites = make([]CipherSuite, 0, len(suites)/2)
	for !suites.Empty() {
		var cs uint16
		suites.ReadUint16(&cs)
		m.CipherSuites = append(m.CipherSuites, CipherSuite(cs))
	}
	if !s.ReadUint8LengthPrefixed(&comp) || comp.Empty() {
		return partial(malformed(layer, "legacy_compression_methods", off()))
	}
	for _, c := range comp {
		m.CompressionMethods = append(m.CompressionMethods, CompressionMethod(c))
	}
	if s.Empty() {
		return m, nil
	}
	var err error
	if m.Extensions, m.HasExtensions, err = parseHelloExtensions(layer, body, off(), HandshakeTypeClientHello); err != nil {
		return partial(err)
	}
	return m, nil
}

// parseHelloExtensions reads the extensions block that starts at offset
// start of a hello body and must end with it. On success it returns the
// extensions and true. On failure it returns, with the *Error, what could
// be read: when the block's length is readable, the extensions of the
// block as declared (or of what the body holds of it, when the length
// overruns the body) up to a broken extension header, which is kept as
// salvageExtensions describes; has is false only when not even the block's
// length could be read.
func parseHelloExtensions(layer string, body []byte, start int, msg HandshakeType) (exts []Extension, has bool, err error) {
	s := cryptobyte.String(body[start:])
	var n uint16
	if !s.ReadUint16(&n) {
		return nil, false, malformed(layer, "extensions", start)
	}
	base := start + 2
	block := []byte(s)
	var frameErr error
	if len(block) != int(n) {
		// The block overruns the body, or bytes follow it: the hello is
		// malformed either way, but the extensions that fit are kept.
		// The offset is where the block's end was found missing or
		// where the bytes after it start.
		frameErr = malformed(layer, "extensions", base)
		if len(block) > int(n) {
			block = block[:n]
			frameErr = malformed(layer, "extensions", base+int(n))
		}
	}
	exts, err = ParseExtensions(block, msg)
	if err != nil {
		exts = salvageExtensions(exts, block, err)
		return exts, true, rebase(err, layer, base)
	}
	return exts, true, frameErr
}

// salvageExtensions appends to exts, the extensions ParseExtensions read
// before the broken header that err (its *Error) points at, that broken
// extension as far as it goes: its type when two bytes of it remain, as
// Data whatever follows its (possibly incomplete) 4-byte header, no Parsed,
// and err as Err, offset from the start of the block as for any extension.
func salvageExtensions(exts []Extension, block []byte, err error) []Extension {
	e, ok := err.(*Error)
	if !ok || e.Offset < 0 || e.Offset >= len(block) {
		return exts
	}
	rest := block[e.Offset:]
	bad := Extension{Err: err}
	if len(rest) >= 2 {
		bad.Type = ExtensionType(uint16(rest[0])<<8 | uint16(rest[1]))
	}
	if len(rest) > 4 {
		bad.Data = clone(rest[4:])
	} else {
		bad.Data = []byte{}
	}
	return append(exts, bad)
}

// rebase turns an *Error from a nested parser into one of layer, with its
// offset made relative to the enclosing message.
func rebase(err error, layer string, base int) error {
	if e, ok := err.(*Error); ok {
		return &Error{Layer: layer, Field: e.Layer, Offset: base + e.Offset, Err: e.Err}
	}
	return err
}

// Extension returns the first extension of type t, or nil.
func (m *ClientHello) Extension(t ExtensionType) *Extension { return findExtension(m.Extensions, t) }

// SNI is the first host_name of server_name, "" when absent.
func (m *ClientHello) SNI() string {
	if e := m.Extension(ExtServerName); e != nil {
		if sn, ok := e.Parsed.(ServerNameExt); ok {
			for _, n := range sn.Names {
				if n.Type == 0 {
					return n.Name
				}
			}
		}
	}
	return ""
}

// ALPN is the list of offered application protocols, nil when absent.
func (m *ClientHello) ALPN() []string {
	if e := m.Extension(ExtALPN); e != nil {
		if a, ok := e.Parsed.(ALPNExt); ok {
			return a.Protocols
		}
	}
	return nil
}

// SupportedVersions is the supported_versions list, nil when absent.
func (m *ClientHello) SupportedVersions() []Version {
	if e := m.Extension(ExtSupportedVersions); e != nil {
		if v, ok := e.Parsed.(SupportedVersionsExt); ok {
			return v.Versions
		}
	}
	return nil
}

// MaxVersion is the highest non-GREASE version the client offers: from
// supported_versions when present, else LegacyVersion.
func (m *ClientHello) MaxVersion() Version {
	max := Version(0)
	for _, v := range m.SupportedVersions() {
		if !IsGREASE(uint16(v)) && versionRank(v) > versionRank(max) {
			max = v
		}
	}
	if max == 0 {
		return m.LegacyVersion
	}
	return max
}

// versionRank orders versions, with TLS 1.3 drafts below TLS 1.3.
func versionRank(v Version) int {
	switch {
	case v == VersionSSL20:
		return 1
	case v.IsTLS13Draft():
		return int(VersionTLS12)<<8 + 1 + int(v&0xff) // between TLS 1.2 and TLS 1.3
	default:
		return int(v) << 8
	}
}
