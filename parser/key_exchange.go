package parser

import "golang.org/x/crypto/cryptobyte"

// ServerKeyExchange (RFC 5246 7.4.3, RFC 8422 5.4, RFC 4279, RFC 5489). Its
// layout depends on the key exchange of the negotiated suite, given by
// Context.CipherSuite; KeyExchange records which layout was used: the
// SuiteInfo.KeyExchange name ("RSA" for RSA_EXPORT), except "DHE" and
// "ECDHE" for the DH_anon and ECDH_anon suites, whose parameters are
// ephemeral too but unsigned. When the key exchange is unknown (including
// SRP, KRB5, GOST, ECCPWD), only Raw is set; when the body does not fit the
// layout, ParseHandshake reports an *Error.
type ServerKeyExchange struct {
	KeyExchange KeyExchange

	PSKHint []byte // PSK, DHE_PSK, ECDHE_PSK, RSA_PSK

	// ECDHE, ECDHE_PSK, ECDH_anon
	CurveType ECCurveType
	Group     NamedGroup // CurveType named_curve only
	PublicKey []byte

	// DHE, DHE_PSK, DH_anon
	DHP, DHG, DHYs []byte

	// RSA export (ephemeral RSA key)
	RSAModulus, RSAExponent []byte

	// Signed parameters: HasScheme only from TLS 1.2 on.
	HasSignature bool
	HasScheme    bool
	Scheme       SignatureScheme
	Signature    []byte

	Raw []byte
}

func (*ServerKeyExchange) Type() HandshakeType { return HandshakeTypeServerKeyExchange }

// DHBits is the size of the DH prime in bits (leading zero bytes ignored),
// 0 when there is none.
func (m *ServerKeyExchange) DHBits() int { return bitLen(m.DHP) }

// RSABits is the size of an export RSA modulus in bits, 0 when there is none.
func (m *ServerKeyExchange) RSABits() int { return bitLen(m.RSAModulus) }

func bitLen(b []byte) int {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0
	}
	n := (len(b) - 1) * 8
	for x := b[0]; x != 0; x >>= 1 {
		n++
	}
	return n
}

// ClientKeyExchange (RFC 5246 7.4.7, RFC 8422 5.7, RFC 4279). The layout
// depends on Context.CipherSuite (and Context.Version: SSL 3.0 sends the RSA
// premaster without a length prefix). Unknown layouts keep only Raw.
type ClientKeyExchange struct {
	KeyExchange        KeyExchange
	PSKIdentity        []byte // PSK, DHE_PSK, ECDHE_PSK, RSA_PSK
	EncryptedPreMaster []byte // RSA, RSA_PSK
	DHYc               []byte // DHE, DH, DHE_PSK (empty for an implicit, certificate-borne key)
	ECPoint            []byte // ECDHE, ECDH, ECDHE_PSK
	Raw                []byte
}

func (*ClientKeyExchange) Type() HandshakeType { return HandshakeTypeClientKeyExchange }

// kexLayout is the key exchange that decides the ServerKeyExchange and
// ClientKeyExchange layouts, and whether the server parameters are signed.
func kexLayout(cs CipherSuite) (kex KeyExchange, signed bool) {
	info, ok := CipherSuiteInfo(cs)
	if !ok {
		return "", false
	}
	switch {
	case info.KeyExchange == KeyExchangeDH && info.Auth == "anon":
		return KeyExchangeDHE, false
	case info.KeyExchange == KeyExchangeECDH && info.Auth == "anon":
		return KeyExchangeECDHE, false
	case info.KeyExchange == KeyExchangeDHE || info.KeyExchange == KeyExchangeECDHE || info.KeyExchange == KeyExchangeRSA:
		return info.KeyExchange, true
	}
	return info.KeyExchange, false
}

func parseServerKeyExchange(body []byte, ctx Context) (*ServerKeyExchange, error) {
	const layer = "server_key_exchange"
	kex, signed := kexLayout(ctx.CipherSuite)
	m := &ServerKeyExchange{KeyExchange: kex}
	s := cryptobyte.String(body)
	off := func() int { return len(body) - len(s) }
	switch kex {
	case KeyExchangePSK, KeyExchangeRSAPSK, KeyExchangeDHEPSK, KeyExchangeECDHEPSK:
		var hint cryptobyte.String
		if !s.ReadUint16LengthPrefixed(&hint) {
			return nil, malformed(layer, "psk_identity_hint", 0)
		}
		m.PSKHint = clone(hint)
	}
	switch kex {
	case KeyExchangeECDHE, KeyExchangeECDHEPSK:
		var pub cryptobyte.String
		if !s.ReadUint8((*uint8)(&m.CurveType)) {
			return nil, malformed(layer, "curve_type", off())
		}
		if m.CurveType != CurveTypeNamedCurve {
			// Explicit curves (RFC 4492, deprecated): keep the parameters raw.
			m.Raw = clone(body)
			return m, nil
		}
		if !s.ReadUint16((*uint16)(&m.Group)) {
			return nil, malformed(layer, "namedcurve", off())
		}
		if !s.ReadUint8LengthPrefixed(&pub) || pub.Empty() {
			return nil, malformed(layer, "point", off())
		}
		m.PublicKey = clone(pub)
	case KeyExchangeDHE, KeyExchangeDHEPSK:
		var p, g, y cryptobyte.String
		if !s.ReadUint16LengthPrefixed(&p) || p.Empty() {
			return nil, malformed(layer, "dh_p", off())
		}
		if !s.ReadUint16LengthPrefixed(&g) || g.Empty() {
			return nil, malformed(layer, "dh_g", off())
		}
		if !s.ReadUint16LengthPrefixed(&y) || y.Empty() {
			return nil, malformed(layer, "dh_Ys", off())
		}
		m.DHP, m.DHG, m.DHYs = clone(p), clone(g), clone(y)
	case KeyExchangeRSA:
		var mod, exp cryptobyte.String
		if !s.ReadUint16LengthPrefixed(&mod) || mod.Empty() {
			return nil, malformed(layer, "rsa_modulus", off())
		}
		if !s.ReadUint16LengthPrefixed(&exp) || exp.Empty() {
			return nil, malformed(layer, "rsa_exponent", off())
		}
		m.RSAModulus, m.RSAExponent = clone(mod), clone(exp)
	case KeyExchangePSK, KeyExchangeRSAPSK:
	default:
		m.Raw = clone(body)
		return m, nil
	}
	if !signed {
		if !s.Empty() {
			return nil, malformed(layer, "trailing data", off())
		}
		return m, nil
	}
	m.HasSignature = true
	sigOff := off()
	rest := s
	withScheme := ctx.Version >= VersionTLS12
	if ctx.Version == 0 {
		// Unknown version: a TLS 1.2 signature has the scheme in front.
		probe := rest
		var scheme SignatureScheme
		var sig []byte
		withScheme = readSignature(&probe, true, &scheme, &sig) && probe.Empty()
	}
	m.HasScheme = withScheme
	if !readSignature(&rest, withScheme, &m.Scheme, &m.Signature) || !rest.Empty() {
		return nil, malformed(layer, "signature", sigOff)
	}
	return m, nil
}

func parseClientKeyExchange(body []byte, ctx Context) (*ClientKeyExchange, error) {
	const layer = "client_key_exchange"
	kex, _ := kexLayout(ctx.CipherSuite)
	m := &ClientKeyExchange{KeyExchange: kex}
	s := cryptobyte.String(body)
	off := func() int { return len(body) - len(s) }
	switch kex {
	case KeyExchangePSK, KeyExchangeRSAPSK, KeyExchangeDHEPSK, KeyExchangeECDHEPSK:
		var id cryptobyte.String
		if !s.ReadUint16LengthPrefixed(&id) {
			return nil, malformed(layer, "psk_identity", 0)
		}
		m.PSKIdentity = clone(id)
	}
	switch kex {
	case KeyExchangeRSA, KeyExchangeRSAPSK:
		var enc cryptobyte.String
		switch {
		case kex == KeyExchangeRSA && ctx.Version == VersionSSL30:
			enc, s = s, nil // SSL 3.0: no length prefix
		case kex == KeyExchangeRSA && ctx.Version == 0 && !prefixedWhole(s):
			enc, s = s, nil
		default:
			if !s.ReadUint16LengthPrefixed(&enc) {
				return nil, malformed(layer, "EncryptedPreMasterSecret", off())
			}
		}
		if enc.Empty() {
			return nil, malformed(layer, "EncryptedPreMasterSecret", off())
		}
		m.EncryptedPreMaster = clone(enc)
	case KeyExchangeDHE, KeyExchangeDH, KeyExchangeDHEPSK:
		if kex == "DH" && s.Empty() {
			break // implicit: the client certificate holds the DH key
		}
		var y cryptobyte.String
		if !s.ReadUint16LengthPrefixed(&y) || y.Empty() {
			return nil, malformed(layer, "dh_Yc", off())
		}
		m.DHYc = clone(y)
	case KeyExchangeECDHE, KeyExchangeECDH, KeyExchangeECDHEPSK:
		if kex == "ECDH" && s.Empty() {
			break // implicit (fixed_ecdh client certificate)
		}
		var p cryptobyte.String
		if !s.ReadUint8LengthPrefixed(&p) || p.Empty() {
			return nil, malformed(layer, "ecdh_Yc", off())
		}
		m.ECPoint = clone(p)
	case KeyExchangePSK:
	default:
		m.Raw = clone(body)
		return m, nil
	}
	if !s.Empty() {
		return nil, malformed(layer, "trailing data", off())
	}
	return m, nil
}

// prefixedWhole reports whether s is exactly one uint16-length-prefixed
// vector.
func prefixedWhole(s cryptobyte.String) bool {
	var v cryptobyte.String
	return s.ReadUint16LengthPrefixed(&v) && s.Empty()
}
