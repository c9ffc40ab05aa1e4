package parser

import "time"

// Certificate (RFC 5246 7.4.2, RFC 8446 4.4.2). In TLS 1.2 and before,
// Entries carry only Data; TLS13 is set for the TLS 1.3 form, which adds the
// request context and per-entry extensions.
type Certificate struct {
	TLS13          bool
	RequestContext []byte
	Entries        []CertificateEntry
}

func (*Certificate) Type() HandshakeType { return HandshakeTypeCertificate }

// CertificateEntry is one certificate of the chain, leaf first.
type CertificateEntry struct {
	Data       []byte      // DER (or a raw public key, RFC 7250)
	Extensions []Extension // TLS 1.3 only
	Info       CertInfo
}

// CertInfo summarizes an X.509 certificate. When the DER cannot be parsed by
// crypto/x509, Err is set and the fields that a lenient walk of the
// TBSCertificate could recover (at least SHA256) are filled.
type CertInfo struct {
	Subject            string
	Issuer             string
	Serial             string // lower-case hex, no separators
	NotBefore          time.Time
	NotAfter           time.Time
	Key                string // "RSA 2048", "ECDSA P-256", "Ed25519", "DSA 1024", ...
	SignatureAlgorithm string // "SHA256-RSA", "ECDSA-SHA256", ... (crypto/x509 names)
	SHA256             string // lower-case hex of SHA-256 over the DER
	SAN                []string
	SelfSigned         bool // subject equals issuer and the signature verifies with its own key
	Err                error
}

// ParseCertInfo summarizes one DER certificate. It never fails: see
// CertInfo.Err.
func ParseCertInfo(der []byte) CertInfo {
	return CertInfo{Err: errNotImplemented}
}

// CompressedCertificate (RFC 8879 4). Only zlib is decompressed (the
// standard library has no brotli or zstd); Certificate is then the decoded
// TLS 1.3 Certificate, else nil and Note says why.
type CompressedCertificate struct {
	Algorithm          CertCompressionAlgorithm
	UncompressedLength uint32
	Compressed         []byte
	Certificate        *Certificate
	Note               string
}

func (*CompressedCertificate) Type() HandshakeType { return HandshakeTypeCompressedCertificate }

// CertificateRequest (RFC 5246 7.4.4, RFC 8446 4.3.2). The TLS 1.2 form has
// CertificateTypes, SignatureSchemes (TLS 1.2 only) and
// CertificateAuthorities (DER distinguished names); the TLS 1.3 form
// (TLS13) has RequestContext and Extensions.
type CertificateRequest struct {
	TLS13                  bool
	CertificateTypes       []uint8
	SignatureSchemes       []SignatureScheme
	CertificateAuthorities [][]byte
	RequestContext         []byte
	Extensions             []Extension
}

func (*CertificateRequest) Type() HandshakeType { return HandshakeTypeCertificateRequest }

// CertificateVerify (RFC 5246 7.4.8, RFC 8446 4.4.3). Before TLS 1.2 there is
// no scheme (HasScheme false).
type CertificateVerify struct {
	HasScheme bool
	Scheme    SignatureScheme
	Signature []byte
}

func (*CertificateVerify) Type() HandshakeType { return HandshakeTypeCertificateVerify }

// CertificateStatus (RFC 6066 8, RFC 6961): one OCSP response, or for
// ocsp_multi a list (an empty element means no response for that
// certificate).
type CertificateStatus struct {
	StatusType   CertificateStatusType
	OCSPResponse []byte
	Responses    [][]byte
	Raw          []byte // the response bytes of an unknown status type
}

func (*CertificateStatus) Type() HandshakeType { return HandshakeTypeCertificateStatus }

// CertificateURL (RFC 6066 5).
type CertificateURL struct {
	ChainType uint8 // 0 individual_certs, 1 pkipath
	URLs      []URLAndHash
}

// URLAndHash is one entry of CertificateURL; Hash is the SHA-1, empty when
// absent.
type URLAndHash struct {
	URL  string
	Hash []byte
}

func (*CertificateURL) Type() HandshakeType { return HandshakeTypeCertificateURL }
