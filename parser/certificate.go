package parser

import (
	"bytes"
	"compress/zlib"
	"crypto/dsa"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

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
	EmbeddedSCTs       int  // SCTs in the certificate's own SCT list extension (RFC 6962 3.3)
	Err                error
	// DER is the certificate as sent: the bytes given to ParseCertInfo,
	// not copied (every caller passes its own clone). The cache keeps no DER.
	DER []byte
}

// ParseCertInfo summarizes one DER certificate. It never fails: see
// CertInfo.Err.
// Results are cached by the certificate's SHA-256 (certcache.go).
func ParseCertInfo(der []byte) CertInfo {
	sum := sha256.Sum256(der)
	ci, ok := cachedCertInfo(sum)
	if !ok {
		ci = cacheCertInfo(sum, parseCertInfo(sum, der))
	}
	ci.DER = der
	return ci
}

func parseCertInfo(sum [32]byte, der []byte) CertInfo {
	ci := CertInfo{SHA256: hex.EncodeToString(sum[:])}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		ci.Err = err
		walkTBSCertificate(der, &ci)
		return ci
	}
	ci.Subject = rdnString(c.RawSubject)
	ci.Issuer = rdnString(c.RawIssuer)
	ci.Serial = serialHex(c.SerialNumber.Bytes(), c.SerialNumber.Sign() < 0)
	ci.NotBefore, ci.NotAfter = c.NotBefore.UTC(), c.NotAfter.UTC()
	ci.Key = keyDescription(c)
	ci.SignatureAlgorithm = c.SignatureAlgorithm.String()
	if c.SignatureAlgorithm == x509.UnknownSignatureAlgorithm {
		if n := pqSignatureName(c.Raw); n != "" {
			ci.SignatureAlgorithm = n
		}
	}
	ci.SAN = append(ci.SAN, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		ci.SAN = append(ci.SAN, ip.String())
	}
	ci.SAN = append(ci.SAN, c.EmailAddresses...)
	ci.EmbeddedSCTs = embeddedSCTs(c)
	for _, u := range c.URIs {
		ci.SAN = append(ci.SAN, u.String())
	}
	if bytes.Equal(c.RawSubject, c.RawIssuer) {
		err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature)
		var insecure x509.InsecureAlgorithmError
		ci.SelfSigned = err == nil || errors.As(err, &insecure)
	}
	return ci
}

func serialHex(b []byte, negative bool) string {
	h := hex.EncodeToString(b)
	if h == "" {
		h = "00"
	}
	if negative {
		h = "-" + h
	}
	return h
}

func keyDescription(c *x509.Certificate) string {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	case *dsa.PublicKey:
		return fmt.Sprintf("DSA %d", k.P.BitLen())
	case *ecdh.PublicKey:
		return "X25519"
	}
	if n := pqKeyName(c); n != "" {
		return n
	}
	return c.PublicKeyAlgorithm.String()
}

// walkTBSCertificate fills what it can from a certificate that crypto/x509
// rejected: serial, names, validity, by walking the TBSCertificate
// (RFC 5280 4.1) without checking the rest.
func walkTBSCertificate(der []byte, ci *CertInfo) {
	s := cryptobyte.String(der)
	var cert, tbs, serial, sigAlg, issuer, validity, subject cryptobyte.String
	if !s.ReadASN1(&cert, cbasn1.SEQUENCE) || !cert.ReadASN1(&tbs, cbasn1.SEQUENCE) ||
		!tbs.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!tbs.ReadASN1(&serial, cbasn1.INTEGER) {
		return
	}
	ci.Serial = serialHex(bytes.TrimLeft(serial, "\x00"), len(serial) > 0 && serial[0]&0x80 != 0)
	if !tbs.ReadASN1Element(&sigAlg, cbasn1.SEQUENCE) || !tbs.ReadASN1Element(&issuer, cbasn1.SEQUENCE) {
		return
	}
	ci.Issuer = rdnString(issuer)
	if !tbs.ReadASN1(&validity, cbasn1.SEQUENCE) {
		return
	}
	ci.NotBefore, _ = readASN1Time(&validity)
	ci.NotAfter, _ = readASN1Time(&validity)
	if tbs.ReadASN1Element(&subject, cbasn1.SEQUENCE) {
		ci.Subject = rdnString(subject)
		ci.SelfSigned = bytes.Equal(subject, issuer)
	}
}

func readASN1Time(s *cryptobyte.String) (time.Time, bool) {
	var t time.Time
	switch {
	case s.PeekASN1Tag(cbasn1.UTCTime):
		if !s.ReadASN1UTCTime(&t) {
			return t, false
		}
	case s.PeekASN1Tag(cbasn1.GeneralizedTime):
		if !s.ReadASN1GeneralizedTime(&t) {
			return t, false
		}
	default:
		return t, false
	}
	return t.UTC(), true
}

func parseCertificate(body []byte, ctx Context) (*Certificate, error) {
	switch {
	case ctx.Version.IsTLS13():
		return parseCertificate13(body)
	case ctx.Version != 0:
		return parseCertificate12(body)
	}
	if m, err := parseCertificate12(body); err == nil {
		return m, nil
	}
	return parseCertificate13(body)
}

func parseCertificate12(body []byte) (*Certificate, error) {
	const layer = "certificate"
	s := cryptobyte.String(body)
	var list cryptobyte.String
	if !s.ReadUint24LengthPrefixed(&list) || !s.Empty() {
		return nil, malformed(layer, "certificate_list", 0)
	}
	m := &Certificate{}
	for !list.Empty() {
		off := len(body) - len(list)
		var cert cryptobyte.String
		if !list.ReadUint24LengthPrefixed(&cert) || cert.Empty() {
			return nil, malformed(layer, "ASN.1Cert", off)
		}
		m.Entries = append(m.Entries, CertificateEntry{Data: clone(cert)})
	}
	m.fillInfo()
	return m, nil
}

func parseCertificate13(body []byte) (*Certificate, error) {
	const layer = "certificate"
	s := cryptobyte.String(body)
	var rc, list cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&rc) {
		return nil, malformed(layer, "certificate_request_context", 0)
	}
	if !s.ReadUint24LengthPrefixed(&list) || !s.Empty() {
		return nil, malformed(layer, "certificate_list", 1+len(rc))
	}
	m := &Certificate{TLS13: true, RequestContext: clone(rc)}
	for !list.Empty() {
		off := len(body) - len(list)
		var cert, exts cryptobyte.String
		if !list.ReadUint24LengthPrefixed(&cert) || cert.Empty() {
			return nil, malformed(layer, "cert_data", off)
		}
		base := len(body) - len(list) + 2
		if !list.ReadUint16LengthPrefixed(&exts) {
			return nil, malformed(layer, "extensions", base-2)
		}
		e := CertificateEntry{Data: clone(cert)}
		var err error
		if e.Extensions, err = ParseExtensions(exts, HandshakeTypeCertificate); err != nil {
			return nil, rebase(err, layer, base)
		}
		m.Entries = append(m.Entries, e)
	}
	m.fillInfo()
	return m, nil
}

func (m *Certificate) fillInfo() {
	for i := range m.Entries {
		m.Entries[i].Info = ParseCertInfo(m.Entries[i].Data)
	}
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

func parseCompressedCertificate(body []byte) (*CompressedCertificate, error) {
	const layer = "compressed_certificate"
	s := cryptobyte.String(body)
	m := &CompressedCertificate{}
	var comp cryptobyte.String
	if !s.ReadUint16((*uint16)(&m.Algorithm)) || !s.ReadUint24(&m.UncompressedLength) {
		return nil, malformed(layer, "header", 0)
	}
	if !s.ReadUint24LengthPrefixed(&comp) || comp.Empty() || !s.Empty() {
		return nil, malformed(layer, "compressed_certificate_message", 5)
	}
	m.Compressed = clone(comp)
	switch {
	case m.UncompressedLength > MaxCertificateLen:
		m.Note = fmt.Sprintf("uncompressed length %d above the %d-byte cap; left compressed", m.UncompressedLength, MaxCertificateLen)
	case m.Algorithm != CertCompressionZlib:
		m.Note = m.Algorithm.String() + " decompression not supported; left compressed"
	default:
		m.decompressZlib()
	}
	return m, nil
}

func (m *CompressedCertificate) decompressZlib() {
	r, err := zlib.NewReader(bytes.NewReader(m.Compressed))
	if err != nil {
		m.Note = "zlib: " + err.Error()
		return
	}
	plain, err := io.ReadAll(io.LimitReader(r, int64(m.UncompressedLength)+1))
	if err != nil {
		m.Note = "zlib: " + err.Error()
		return
	}
	if len(plain) != int(m.UncompressedLength) {
		m.Note = fmt.Sprintf("zlib: decompressed %d bytes, expected %d", len(plain), m.UncompressedLength)
		return
	}
	c, err := parseCertificate13(plain)
	if err != nil {
		m.Note = "decompressed certificate: " + err.Error()
		return
	}
	m.Certificate = c
}

func parseCertificateRequest(body []byte, ctx Context) (*CertificateRequest, error) {
	switch {
	case ctx.Version.IsTLS13():
		return parseCertificateRequest13(body)
	case ctx.Version >= VersionTLS12:
		return parseCertificateRequest12(body, true)
	case ctx.Version != 0:
		return parseCertificateRequest12(body, false)
	}
	if m, err := parseCertificateRequest12(body, true); err == nil {
		return m, nil
	}
	if m, err := parseCertificateRequest12(body, false); err == nil {
		return m, nil
	}
	return parseCertificateRequest13(body)
}

func parseCertificateRequest12(body []byte, withSchemes bool) (*CertificateRequest, error) {
	const layer = "certificate_request"
	s := cryptobyte.String(body)
	off := func() int { return len(body) - len(s) }
	m := &CertificateRequest{}
	var types, cas cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&types) || types.Empty() {
		return nil, malformed(layer, "certificate_types", 0)
	}
	m.CertificateTypes = clone(types)
	if withSchemes && !readUint16List(&s, func(x uint16) { m.SignatureSchemes = append(m.SignatureSchemes, SignatureScheme(x)) }) {
		return nil, malformed(layer, "supported_signature_algorithms", off())
	}
	if !s.ReadUint16LengthPrefixed(&cas) || !s.Empty() {
		return nil, malformed(layer, "certificate_authorities", off())
	}
	for !cas.Empty() {
		var dn cryptobyte.String
		if !cas.ReadUint16LengthPrefixed(&dn) || dn.Empty() {
			return nil, malformed(layer, "DistinguishedName", len(body)-len(cas))
		}
		m.CertificateAuthorities = append(m.CertificateAuthorities, clone(dn))
	}
	return m, nil
}

func parseCertificateRequest13(body []byte) (*CertificateRequest, error) {
	const layer = "certificate_request"
	s := cryptobyte.String(body)
	var rc, exts cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&rc) {
		return nil, malformed(layer, "certificate_request_context", 0)
	}
	if !s.ReadUint16LengthPrefixed(&exts) || !s.Empty() {
		return nil, malformed(layer, "extensions", 1+len(rc))
	}
	m := &CertificateRequest{TLS13: true, RequestContext: clone(rc)}
	var err error
	if m.Extensions, err = ParseExtensions(exts, HandshakeTypeCertificateRequest); err != nil {
		return nil, rebase(err, layer, 3+len(rc))
	}
	if e := findExtension(m.Extensions, ExtSignatureAlgorithms); e != nil {
		if sa, ok := e.Parsed.(SignatureSchemesExt); ok {
			m.SignatureSchemes = sa.Schemes
		}
	}
	return m, nil
}

// Extension returns the first extension of type t, or nil (TLS 1.3 form).
func (m *CertificateRequest) Extension(t ExtensionType) *Extension {
	return findExtension(m.Extensions, t)
}

func parseCertificateVerify(body []byte, ctx Context) (*CertificateVerify, error) {
	switch {
	case ctx.Version >= VersionTLS12:
		return parseDigitallySigned(body, true)
	case ctx.Version != 0:
		return parseDigitallySigned(body, false)
	}
	if m, err := parseDigitallySigned(body, true); err == nil {
		return m, nil
	}
	return parseDigitallySigned(body, false)
}

// parseDigitallySigned reads a DigitallySigned struct that fills body.
func parseDigitallySigned(body []byte, withScheme bool) (*CertificateVerify, error) {
	s := cryptobyte.String(body)
	m := &CertificateVerify{HasScheme: withScheme}
	if !readSignature(&s, withScheme, &m.Scheme, &m.Signature) || !s.Empty() {
		return nil, malformed("certificate_verify", "signature", 0)
	}
	return m, nil
}

// readSignature reads [SignatureScheme] opaque signature<0..2^16-1>; the
// signature is copied.
func readSignature(s *cryptobyte.String, withScheme bool, scheme *SignatureScheme, sig *[]byte) bool {
	var b cryptobyte.String
	if withScheme && !s.ReadUint16((*uint16)(scheme)) {
		return false
	}
	if !s.ReadUint16LengthPrefixed(&b) || b.Empty() {
		return false
	}
	*sig = clone(b)
	return true
}

func parseCertificateStatus(body []byte) (*CertificateStatus, error) {
	const layer = "certificate_status"
	s := cryptobyte.String(body)
	m := &CertificateStatus{}
	if !s.ReadUint8((*uint8)(&m.StatusType)) {
		return nil, malformed(layer, "status_type", 0)
	}
	switch m.StatusType {
	case StatusTypeOCSP:
		var resp cryptobyte.String
		if !s.ReadUint24LengthPrefixed(&resp) || resp.Empty() || !s.Empty() {
			return nil, malformed(layer, "OCSPResponse", 1)
		}
		m.OCSPResponse = clone(resp)
	case StatusTypeOCSPMulti:
		var list cryptobyte.String
		if !s.ReadUint24LengthPrefixed(&list) || list.Empty() || !s.Empty() {
			return nil, malformed(layer, "OCSPResponseList", 1)
		}
		for !list.Empty() {
			var resp cryptobyte.String
			if !list.ReadUint24LengthPrefixed(&resp) {
				return nil, malformed(layer, "OCSPResponse", len(body)-len(list))
			}
			m.Responses = append(m.Responses, clone(resp))
		}
	default:
		m.Raw = clone(s)
	}
	return m, nil
}

func parseCertificateURL(body []byte) (*CertificateURL, error) {
	const layer = "certificate_url"
	s := cryptobyte.String(body)
	m := &CertificateURL{}
	var list cryptobyte.String
	if !s.ReadUint8(&m.ChainType) || !s.ReadUint16LengthPrefixed(&list) || list.Empty() || !s.Empty() {
		return nil, malformed(layer, "url_and_hash_list", 0)
	}
	for !list.Empty() {
		off := len(body) - len(list)
		var u URLAndHash
		var url cryptobyte.String
		var present uint8
		if !list.ReadUint16LengthPrefixed(&url) || url.Empty() || !list.ReadUint8(&present) {
			return nil, malformed(layer, "url", off)
		}
		u.URL = string(url)
		switch present {
		case 0: // RFC 4366: no hash
		case 1:
			var h []byte
			if !list.ReadBytes(&h, 20) {
				return nil, malformed(layer, "SHA1Hash", off)
			}
			u.Hash = clone(h)
		default:
			return nil, malformed(layer, "padding", off)
		}
		m.URLs = append(m.URLs, u)
	}
	return m, nil
}
