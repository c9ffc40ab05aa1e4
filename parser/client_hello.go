package parser

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
}

func (*ClientHello) Type() HandshakeType { return HandshakeTypeClientHello }

// SSLv2CipherSpec is a 3-byte SSLv2 cipher spec (draft-hickman-netscape-ssl-00
// appendix C). Specs whose first byte is 0 carry a TLS cipher suite in their
// low 16 bits.
type SSLv2CipherSpec uint32

// ParseSSLv2ClientHello decodes an SSLv2 CLIENT-HELLO message: body starts at
// the message type byte (1) that follows the SSLv2 record header, as in
// Record.Payload of ParseSSLv2Record.
func ParseSSLv2ClientHello(body []byte) (*ClientHello, error) {
	return nil, errNotImplemented
}
