package parser

// Record-layer caps (RFC 8446 section 5.2, RFC 5246 section 6.2.3).
const (
	MaxPlaintextLen = 16384        // TLSPlaintext.length limit
	MaxRecordLen    = 16384 + 2048 // TLSCiphertext.length limit: above it the stream is out of sync
)

// Record is one record as framed on the wire. Payload aliases the input of
// ParseRecord; copy it before keeping it past the next read.
type Record struct {
	Type      ContentType
	Version   Version // legacy_record_version; VersionSSL20 for an SSLv2 record
	Payload   []byte
	SSLv2     bool // framed with an SSLv2 2- or 3-byte header; Payload then starts with the SSLv2 message type
	HeaderLen int  // 5 for TLS, 2 or 3 for SSLv2
}

// Verdict is what Sniff and FindHello make of a byte stream.
type Verdict uint8

const (
	VerdictNeedMore   Verdict = iota // too few bytes to decide
	VerdictTLS                       // an SSL 3.0/TLS record header (for FindHello: a hello)
	VerdictSSLv2Hello                // an SSLv2-format ClientHello
	VerdictNotTLS                    // anything else
)

func (v Verdict) String() string {
	switch v {
	case VerdictNeedMore:
		return "need_more"
	case VerdictTLS:
		return "tls"
	case VerdictSSLv2Hello:
		return "sslv2_hello"
	case VerdictNotTLS:
		return "not_tls"
	}
	return hexName(uint8(v))
}
