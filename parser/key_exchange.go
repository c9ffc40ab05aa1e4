package parser

// ServerKeyExchange (RFC 5246 7.4.3, RFC 8422 5.4, RFC 4279, RFC 5489). Its
// layout depends on the key exchange of the negotiated suite, given by
// Context.CipherSuite; KeyExchange records which layout was used (the
// SuiteInfo.KeyExchange name, "RSA" for RSA_EXPORT). When the key exchange
// is unknown, or the layout does not match, only Raw is set.
type ServerKeyExchange struct {
	KeyExchange string

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
	KeyExchange        string
	PSKIdentity        []byte // PSK, DHE_PSK, ECDHE_PSK, RSA_PSK
	EncryptedPreMaster []byte // RSA, RSA_PSK
	DHYc               []byte // DHE, DH, DHE_PSK (empty for an implicit, certificate-borne key)
	ECPoint            []byte // ECDHE, ECDH, ECDHE_PSK
	Raw                []byte
}

func (*ClientKeyExchange) Type() HandshakeType { return HandshakeTypeClientKeyExchange }
