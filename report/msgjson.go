package report

import (
	"encoding/hex"
	"strconv"

	"github.com/ssldissect/ssldissect/parser"
)

// The JSON of the handshake messages most records carry (ClientHello and
// ServerHello with their extensions, Certificate, ServerKeyExchange and
// ClientKeyExchange) written straight from the parser's
// structs into the output (issue 13: no intermediate object model on the
// hot path). The bytes are exactly messageObject's written by
// Object.appendJSON (TestMessageJSONCaptures compares them for every
// message of the shipped and conformance captures); every other message,
// and the rare extensions, go through messageObject.

// appendMessageJSON appends the JSON object of m, taking any Objects it
// needs from a.
func appendMessageJSON(b []byte, a *objArena, m parser.Message) ([]byte, error) {
	switch m := m.(type) {
	case *parser.ClientHello:
		return appendClientHelloJSON(b, a, m)
	case *parser.ServerHello:
		return appendServerHelloJSON(b, a, m)
	case *parser.Certificate:
		return appendCertificateJSON(b, a, m)
	case *parser.ServerKeyExchange, *parser.ClientKeyExchange:
		return append(appendKeyExchangeJSON(jmessageHead(b, m), m), '}'), nil
	}
	return messageObject(a, m).appendJSON(b)
}

// appendCertificateJSON is certificateFields' JSON of a Certificate: each
// certificate's values as certValuesOf made them once (certValues.json).
func appendCertificateJSON(b []byte, a *objArena, m *parser.Certificate) ([]byte, error) {
	b = jmessageHead(b, m)
	if m.TLS13 {
		b = jhex(b, "request_context", m.RequestContext)
	}
	b = append(jkey(b, "certificates", false), '[')
	for i := range m.Entries {
		e := &m.Entries[i]
		if i > 0 {
			b = append(b, ',')
		}
		cv := certValuesOf(&e.Info)
		if cv.json == nil { // not reached: the values are strings
			c := append(certObject(a, e.Info), Field{"length", len(e.Data)})
			if len(e.Extensions) > 0 {
				c = append(c, Field{"extensions", extensionObjects(a, e.Extensions)})
			}
			var err error
			if b, err = c.appendJSON(b); err != nil {
				return nil, err
			}
			continue
		}
		b = append(b, cv.json...)
		b = strconv.AppendBool(append(b, `,"self_signed":`...), e.Info.SelfSigned)
		if e.Info.Err != nil {
			b = jstr(b, "error", e.Info.Err.Error())
		}
		b = jint(b, "length", int64(len(e.Data)))
		if len(e.Extensions) > 0 {
			var err error
			if b, err = appendExtensionsJSON(b, a, e.Extensions); err != nil {
				return nil, err
			}
		}
		b = append(b, '}')
	}
	return append(b, ']', '}'), nil
}

// appendKeyExchangeJSON is keyExchangeFields' JSON.
func appendKeyExchangeJSON(b []byte, m parser.Message) []byte {
	switch m := m.(type) {
	case *parser.ServerKeyExchange:
		b = jstr(b, "key_exchange", string(m.KeyExchange))
		if len(m.PSKHint) > 0 {
			b = jstr(b, "psk_identity_hint", string(m.PSKHint))
		}
		switch {
		case m.Group != 0:
			b = jname(b, "curve_type", m.CurveType.String())
			b = jname(b, "group", m.Group.String())
			b = jname(b, "group_id", hex16(uint16(m.Group)))
			b = jint(b, "public_key_length", int64(len(m.PublicKey)))
		case len(m.DHP) > 0:
			b = jint(b, "dh_p_bits", int64(m.DHBits()))
			b = jhex(b, "dh_g", m.DHG)
			b = jint(b, "dh_ys_length", int64(len(m.DHYs)))
		case len(m.RSAModulus) > 0:
			b = jint(b, "rsa_modulus_bits", int64(m.RSABits()))
			b = jhex(b, "rsa_exponent", m.RSAExponent)
		}
		if m.HasScheme {
			b = jname(b, "signature_algorithm", m.Scheme.String())
			b = jname(b, "signature_algorithm_id", hex16(uint16(m.Scheme)))
		}
		if m.HasSignature {
			b = jint(b, "signature_length", int64(len(m.Signature)))
		}
		if m.KeyExchange == "" && len(m.Raw) > 0 {
			b = jint(b, "length", int64(len(m.Raw)))
		}
	case *parser.ClientKeyExchange:
		b = jstr(b, "key_exchange", string(m.KeyExchange))
		if len(m.PSKIdentity) > 0 {
			b = jstr(b, "psk_identity", string(m.PSKIdentity))
		}
		switch {
		case len(m.EncryptedPreMaster) > 0:
			b = jint(b, "encrypted_premaster_length", int64(len(m.EncryptedPreMaster)))
		case len(m.DHYc) > 0:
			b = jint(b, "dh_yc_length", int64(len(m.DHYc)))
		case len(m.ECPoint) > 0:
			b = jint(b, "public_key_length", int64(len(m.ECPoint)))
		default:
			b = jint(b, "length", int64(len(m.Raw)))
		}
	}
	return b
}

// jkey appends ,"key": (or {"key": when first).
func jkey(b []byte, key string, first bool) []byte {
	if first {
		b = append(b, '{', '"')
	} else {
		b = append(b, ',', '"')
	}
	b = append(b, key...)
	return append(b, '"', ':')
}

// jstr appends ,"key":"s".
func jstr(b []byte, key, s string) []byte {
	return appendJSONString(jkey(b, key, false), s)
}

// jint appends ,"key":v.
func jint(b []byte, key string, v int64) []byte {
	return strconv.AppendInt(jkey(b, key, false), v, 10)
}

// jname appends ,"key":"s" for a name or id from the code-point tables
// (plain: appendPlain).
func jname(b []byte, key, s string) []byte {
	return appendPlain(jkey(b, key, false), s)
}

// jnames is jlist for names from the code-point tables.
func jnames(b []byte, key string, n int, s func(int) string) []byte {
	return jstrings(b, key, n, s, appendPlain)
}

// jhex appends ,"key":"<hex of p>" (hex is always plain).
func jhex(b []byte, key string, p []byte) []byte {
	b = append(jkey(b, key, false), '"')
	b = hex.AppendEncode(b, p)
	return append(b, '"')
}

// jlist appends ,"key":[s(0),...,s(n-1)], each a JSON string.
func jlist(b []byte, key string, n int, s func(int) string) []byte {
	return jstrings(b, key, n, s, appendJSONString)
}

// jstrings appends ,"key":[...] of the n strings s gives, each with str.
func jstrings(b []byte, key string, n int, s func(int) string, str func([]byte, string) []byte) []byte {
	b = append(jkey(b, key, false), '[')
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = str(b, s(i))
	}
	return append(b, ']')
}

// jversion is versionFields: ,"prefix":"name","prefix_id":"0x...."
func jversion(b []byte, key, idKey string, v parser.Version) []byte {
	return jname(jname(b, key, v.String()), idKey, hex16(uint16(v)))
}

// jmessageHead appends {"type":...,"type_id":... of m.
func jmessageHead(b []byte, m parser.Message) []byte {
	b = appendPlain(jkey(b, "type", true), parser.MessageName(m))
	return jname(b, "type_id", hex8(uint8(m.Type())))
}

func appendClientHelloJSON(b []byte, a *objArena, m *parser.ClientHello) ([]byte, error) {
	b = jmessageHead(b, m)
	if m.SSLv2 {
		b = append(b, `,"sslv2":true`...)
	}
	if m.Partial {
		b = append(b, `,"partial":true`...)
	}
	b = jversion(b, "version", "version_id", m.LegacyVersion)
	b = jhex(b, "random", m.Random[:])
	b = jhex(b, "session_id", m.SessionID)
	cs := m.CipherSuites
	b = jnames(b, "cipher_suites", len(cs), func(i int) string { return cs[i].String() })
	b = jnames(b, "cipher_suite_ids", len(cs), func(i int) string { return hex16(uint16(cs[i])) })
	if m.SSLv2 {
		specs := m.V2CipherSpecs
		b = jlist(b, "v2_cipher_specs", len(specs), func(i int) string { return specs[i].String() })
		b = jhex(b, "challenge", m.Challenge)
	}
	cm := m.CompressionMethods
	b = jnames(b, "compression_methods", len(cm), func(i int) string { return cm[i].String() })
	b, err := appendExtensionsJSON(b, a, m.Extensions)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

func appendServerHelloJSON(b []byte, a *objArena, m *parser.ServerHello) ([]byte, error) {
	b = jmessageHead(b, m)
	if m.Partial {
		b = append(b, `,"partial":true`...)
	}
	b = jversion(b, "version", "version_id", m.LegacyVersion)
	b = jhex(b, "random", m.Random[:])
	if !m.IsHelloRetryRequest() {
		if d := m.Downgrade(); d != "" {
			b = jstr(b, "downgrade_sentinel", d)
		}
	}
	b = jhex(b, "session_id", m.SessionID)
	b = jname(b, "cipher_suite", m.CipherSuite.String())
	b = jname(b, "cipher_suite_id", hex16(uint16(m.CipherSuite)))
	b = jname(b, "compression_method", m.Compression.String())
	b, err := appendExtensionsJSON(b, a, m.Extensions)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendExtensionsJSON appends ,"extensions":[...] (extensionObjects).
func appendExtensionsJSON(b []byte, a *objArena, exts []parser.Extension) ([]byte, error) {
	b = append(jkey(b, "extensions", false), '[')
	for i := range exts {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendExtensionJSON(b, a, &exts[i]); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// appendExtensionJSON is extensionObject's JSON.
func appendExtensionJSON(b []byte, a *objArena, e *parser.Extension) ([]byte, error) {
	if e.Type == parser.ExtQUICTransportParameters {
		return extensionObject(a, e).appendJSON(b)
	}
	name := e.Type.String()
	if e.GREASE() {
		name = "GREASE"
	}
	b = appendPlain(jkey(b, "type", true), name)
	b = jname(b, "type_id", hex16(uint16(e.Type)))
	b = jint(b, "length", int64(len(e.Data)))
	if e.Err != nil {
		b = jstr(b, "error", e.Err.Error())
	}
	switch x := e.Parsed.(type) {
	case parser.ServerNameExt:
		b = jlist(b, "server_names", len(x.Names), func(i int) string { return x.Names[i].Name })
	case parser.ALPNExt:
		b = jlist(b, "protocols", len(x.Protocols), func(i int) string { return x.Protocols[i] })
	case parser.SupportedVersionsExt:
		if len(x.Versions) > 0 {
			b = jnames(b, "versions", len(x.Versions), func(i int) string { return x.Versions[i].String() })
		} else {
			b = jversion(b, "selected", "selected_id", x.Selected)
		}
	case parser.SupportedGroupsExt:
		b = jnames(b, "groups", len(x.Groups), func(i int) string { return x.Groups[i].String() })
	case parser.KeyShareExt:
		if x.HRR {
			b = jname(b, "selected_group", x.SelectedGroup.String())
		} else {
			b = append(jkey(b, "key_shares", false), '[')
			for i, k := range x.Entries {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendPlain(jkey(b, "group", true), k.Group.String())
				b = jname(b, "group_id", hex16(uint16(k.Group)))
				b = jint(b, "key_length", int64(len(k.Key)))
				b = append(b, '}')
			}
			b = append(b, ']')
		}
	case parser.SignatureSchemesExt:
		b = jnames(b, "signature_algorithms", len(x.Schemes), func(i int) string { return x.Schemes[i].String() })
	case parser.ECPointFormatsExt:
		b = jnames(b, "formats", len(x.Formats), func(i int) string { return x.Formats[i].String() })
	case parser.SessionTicketExt:
		b = jint(b, "ticket_length", int64(len(x.Ticket)))
	case parser.PreSharedKeyExt:
		if x.HasSelected {
			b = jint(b, "selected_identity", int64(x.Selected))
		} else {
			b = jint(b, "identities", int64(len(x.Identities)))
		}
	case parser.PSKModesExt:
		b = jnames(b, "modes", len(x.Modes), func(i int) string { return x.Modes[i].String() })
	case parser.EarlyDataExt:
		if x.HasMax {
			b = jint(b, "max_early_data_size", int64(x.MaxEarlyDataSize))
		}
	case parser.ConnectionIDExt:
		b = jhex(b, "cid", x.CID)
	case parser.RenegotiationInfoExt:
		b = jhex(b, "renegotiated_connection", x.RenegotiatedConnection)
	case parser.StatusRequestExt:
		if !x.Empty {
			b = jname(b, "status_type", x.StatusType.String())
		}
	case parser.SCTListExt:
		b = jint(b, "scts", int64(len(x.SCTs)))
	case parser.RecordSizeLimitExt:
		b = jint(b, "limit", int64(x.Limit))
	case parser.CookieExt:
		b = jint(b, "cookie_length", int64(len(x.Cookie)))
	case parser.PaddingExt:
		b = jint(b, "padding_length", int64(x.Length))
	case parser.HeartbeatExt:
		b = jname(b, "mode", x.Mode.String())
	case parser.CompressCertificateExt:
		b = jnames(b, "algorithms", len(x.Algorithms), func(i int) string { return x.Algorithms[i].String() })
	case parser.MaxFragmentLengthExt:
		b = jint(b, "code", int64(x.Code))
	case parser.ApplicationSettingsExt:
		b = jlist(b, "protocols", len(x.Protocols), func(i int) string { return x.Protocols[i] })
	case parser.NPNExt:
		b = jlist(b, "protocols", len(x.Protocols), func(i int) string { return x.Protocols[i] })
	case parser.EncryptedClientHelloExt:
		b = jint(b, "ech_type", int64(x.Type))
		b = jint(b, "config_id", int64(x.ConfigID))
		b = jint(b, "payload_length", int64(x.PayloadLen))
	}
	return append(b, '}'), nil
}
