package parser

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
