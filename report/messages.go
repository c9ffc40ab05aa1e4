package report

import (
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/ssldissect/ssldissect/parser"

	"github.com/ssldissect/ssldissect/internal/boundcache"
)

func suiteList(cs []parser.CipherSuite) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.String()
	}
	return out
}

func idList16[T ~uint16](v []T) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = hex16(uint16(x))
	}
	return out
}

func stringList[T fmt.Stringer](v []T) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = x.String()
	}
	return out
}

// versionFields names a version beside its hex id.
func versionFields(o Object, prefix string, v parser.Version) Object {
	id := prefix + "_id"
	switch prefix { // constant keys: no concatenation
	case "version":
		id = "version_id"
	case "selected":
		id = "selected_id"
	}
	return append(o, Field{prefix, v.String()}, Field{id, hex16(uint16(v))})
}

// MessageObject maps a parsed handshake message to its output fields.
func MessageObject(m parser.Message) Object { return messageObject(nil, m) }

// messageObject is MessageObject with its Objects taken from a (nil: the
// heap).
func messageObject(a *objArena, m parser.Message) Object {
	o := append(a.object(16), Field{"type", parser.MessageName(m)}, Field{"type_id", hex8(uint8(m.Type()))})
	switch m.(type) {
	case *parser.ClientHello, *parser.ServerHello:
		return helloFields(a, o, m)
	case *parser.Certificate, *parser.CompressedCertificate, *parser.CertificateRequest, *parser.CertificateVerify, *parser.CertificateStatus, *parser.CertificateURL:
		return certificateFields(a, o, m)
	case *parser.ServerKeyExchange, *parser.ClientKeyExchange:
		return keyExchangeFields(a, o, m)
	case *parser.SSLv2ServerHello, *parser.SSLv2ClientMasterKey, *parser.SSLv2Error, *parser.SSLv2ClientFinished, *parser.SSLv2ServerVerify, *parser.SSLv2ServerFinished, *parser.SSLv2RequestCertificate, *parser.SSLv2ClientCertificate, *parser.SSLv2RawMessage:
		return sslv2Fields(a, o, m)
	}
	return otherFields(a, o, m)
}

// helloFields appends the fields of a ClientHello or ServerHello to o.
func helloFields(a *objArena, o Object, m parser.Message) Object {
	switch m := m.(type) {
	case *parser.ClientHello:
		if m.SSLv2 {
			o = append(o, Field{"sslv2", true})
		}
		if m.Partial {
			o = append(o, Field{"partial", true})
		}
		o = versionFields(o, "version", m.LegacyVersion)
		o = append(o,
			Field{"random", hex.EncodeToString(m.Random[:])},
			Field{"session_id", hex.EncodeToString(m.SessionID)},
			Field{"cipher_suites", suiteList(m.CipherSuites)},
			Field{"cipher_suite_ids", idList16(m.CipherSuites)},
		)
		if m.SSLv2 {
			specs := make([]string, len(m.V2CipherSpecs))
			for i, s := range m.V2CipherSpecs {
				specs[i] = s.String()
			}
			o = append(o, Field{"v2_cipher_specs", specs}, Field{"challenge", hex.EncodeToString(m.Challenge)})
		}
		o = append(o, Field{"compression_methods", stringList(m.CompressionMethods)})
		o = append(o, Field{"extensions", extensionObjects(a, m.Extensions)})
	case *parser.ServerHello:
		if m.Partial {
			o = append(o, Field{"partial", true})
		}
		o = versionFields(o, "version", m.LegacyVersion)
		o = append(o, Field{"random", hex.EncodeToString(m.Random[:])})
		if !m.IsHelloRetryRequest() {
			if d := m.Downgrade(); d != "" {
				o = append(o, Field{"downgrade_sentinel", d})
			}
		}
		o = append(o,
			Field{"session_id", hex.EncodeToString(m.SessionID)},
			Field{"cipher_suite", m.CipherSuite.String()},
			Field{"cipher_suite_id", hex16(uint16(m.CipherSuite))},
			Field{"compression_method", m.Compression.String()},
			Field{"extensions", extensionObjects(a, m.Extensions)},
		)
	}
	return o
}

// certificateFields appends the fields of the certificate messages to o.
func certificateFields(a *objArena, o Object, m parser.Message) Object {
	switch m := m.(type) {
	case *parser.Certificate:
		if m.TLS13 {
			o = append(o, Field{"request_context", hex.EncodeToString(m.RequestContext)})
		}
		certs := a.objects(len(m.Entries))
		for _, e := range m.Entries {
			c := certObject(a, e.Info)
			c = append(c, Field{"length", len(e.Data)})
			if len(e.Extensions) > 0 {
				c = append(c, Field{"extensions", extensionObjects(a, e.Extensions)})
			}
			certs = append(certs, c)
		}
		o = append(o, Field{"certificates", certs})
	case *parser.CompressedCertificate:
		o = append(o, Field{"algorithm", m.Algorithm.String()}, Field{"uncompressed_length", m.UncompressedLength},
			Field{"compressed_length", len(m.Compressed)})
		if m.Note != "" {
			o = append(o, Field{"note", m.Note})
		}
		if m.Certificate != nil {
			inner := messageObject(a, m.Certificate)
			o = append(o, Field{"certificate", inner})
		}
	case *parser.CertificateRequest:
		if m.TLS13 {
			o = append(o, Field{"request_context", hex.EncodeToString(m.RequestContext)},
				Field{"extensions", extensionObjects(a, m.Extensions)})
		} else {
			types := make([]string, len(m.CertificateTypes))
			for i, t := range m.CertificateTypes {
				types[i] = certTypeName(t)
			}
			o = append(o, Field{"certificate_types", types}, Field{"signature_algorithms", stringList(m.SignatureSchemes)},
				Field{"certificate_authorities", len(m.CertificateAuthorities)})
		}
	case *parser.CertificateVerify:
		if m.HasScheme {
			o = append(o, Field{"signature_algorithm", m.Scheme.String()}, Field{"signature_algorithm_id", hex16(uint16(m.Scheme))})
		}
		o = append(o, Field{"signature_length", len(m.Signature)})
	case *parser.CertificateStatus:
		o = append(o, Field{"status_type", m.StatusType.String()})
		if len(m.OCSPResponse) > 0 {
			o = append(o, Field{"ocsp_response_length", len(m.OCSPResponse)})
		}
		if len(m.Responses) > 0 {
			o = append(o, Field{"responses", len(m.Responses)})
		}
	case *parser.CertificateURL:
		urls := make([]string, len(m.URLs))
		for i, u := range m.URLs {
			urls[i] = u.URL
		}
		o = append(o, Field{"chain_type", m.ChainType}, Field{"urls", urls})
	}
	return o
}

// keyExchangeFields appends the fields of a ServerKeyExchange or ClientKeyExchange to o.
func keyExchangeFields(a *objArena, o Object, m parser.Message) Object {
	switch m := m.(type) {
	case *parser.ServerKeyExchange:
		o = append(o, Field{"key_exchange", string(m.KeyExchange)})
		if len(m.PSKHint) > 0 {
			o = append(o, Field{"psk_identity_hint", string(m.PSKHint)})
		}
		switch {
		case m.Group != 0:
			o = append(o, Field{"curve_type", m.CurveType.String()}, Field{"group", m.Group.String()},
				Field{"group_id", hex16(uint16(m.Group))}, Field{"public_key_length", len(m.PublicKey)})
		case len(m.DHP) > 0:
			o = append(o, Field{"dh_p_bits", m.DHBits()}, Field{"dh_g", hex.EncodeToString(m.DHG)},
				Field{"dh_ys_length", len(m.DHYs)})
		case len(m.RSAModulus) > 0:
			o = append(o, Field{"rsa_modulus_bits", m.RSABits()}, Field{"rsa_exponent", hex.EncodeToString(m.RSAExponent)})
		}
		if m.HasScheme {
			o = append(o, Field{"signature_algorithm", m.Scheme.String()}, Field{"signature_algorithm_id", hex16(uint16(m.Scheme))})
		}
		if m.HasSignature {
			o = append(o, Field{"signature_length", len(m.Signature)})
		}
		if m.KeyExchange == "" && len(m.Raw) > 0 {
			o = append(o, Field{"length", len(m.Raw)})
		}
	case *parser.ClientKeyExchange:
		o = append(o, Field{"key_exchange", string(m.KeyExchange)})
		if len(m.PSKIdentity) > 0 {
			o = append(o, Field{"psk_identity", string(m.PSKIdentity)})
		}
		switch {
		case len(m.EncryptedPreMaster) > 0:
			o = append(o, Field{"encrypted_premaster_length", len(m.EncryptedPreMaster)})
		case len(m.DHYc) > 0:
			o = append(o, Field{"dh_yc_length", len(m.DHYc)})
		case len(m.ECPoint) > 0:
			o = append(o, Field{"public_key_length", len(m.ECPoint)})
		default:
			o = append(o, Field{"length", len(m.Raw)})
		}
	}
	return o
}

// sslv2Fields appends the fields of an SSL 2.0 message to o.
func sslv2Fields(a *objArena, o Object, m parser.Message) Object {
	switch m := m.(type) {
	case *parser.SSLv2ServerHello:
		o = append(o, Field{"sslv2", true}, Field{"session_id_hit", m.SessionIDHit},
			Field{"certificate_type", sslv2CertTypeName(m.CertificateType)})
		o = versionFields(o, "version", m.Version)
		if len(m.Certificate) > 0 {
			c := certObject(a, m.CertInfo)
			c = append(c, Field{"length", len(m.Certificate)})
			o = append(o, Field{"certificate", c})
		}
		o = append(o, Field{"v2_cipher_specs", stringList(m.CipherSpecs)},
			Field{"connection_id", hex.EncodeToString(m.ConnectionID)})
	case *parser.SSLv2ClientMasterKey:
		o = append(o, Field{"sslv2", true}, Field{"cipher_kind", m.CipherKind.String()},
			Field{"cipher_kind_id", fmt.Sprintf("0x%06x", uint32(m.CipherKind))},
			Field{"clear_key_length", len(m.ClearKey)}, Field{"encrypted_key_length", len(m.EncryptedKey)},
			Field{"key_arg", hex.EncodeToString(m.KeyArg)})
	case *parser.SSLv2Error:
		o = append(o, Field{"sslv2", true}, Field{"error_code", m.Code.String()}, Field{"error_code_id", hex16(uint16(m.Code))})
	case *parser.SSLv2ClientFinished:
		o = append(o, Field{"sslv2", true}, Field{"connection_id", hex.EncodeToString(m.ConnectionID)})
	case *parser.SSLv2ServerVerify:
		o = append(o, Field{"sslv2", true}, Field{"challenge", hex.EncodeToString(m.Challenge)})
	case *parser.SSLv2ServerFinished:
		o = append(o, Field{"sslv2", true}, Field{"session_id", hex.EncodeToString(m.SessionID)})
	case *parser.SSLv2RequestCertificate:
		o = append(o, Field{"sslv2", true}, Field{"authentication_type", hex8(m.AuthenticationType)},
			Field{"challenge", hex.EncodeToString(m.Challenge)})
	case *parser.SSLv2ClientCertificate:
		o = append(o, Field{"sslv2", true}, Field{"certificate_type", sslv2CertTypeName(m.CertificateType)})
		if len(m.Certificate) > 0 {
			c := certObject(a, m.CertInfo)
			c = append(c, Field{"length", len(m.Certificate)})
			o = append(o, Field{"certificate", c})
		}
		o = append(o, Field{"response_length", len(m.Response)})
	case *parser.SSLv2RawMessage:
		o = append(o, Field{"sslv2", true}, Field{"length", len(m.Body)})
	}
	return o
}

// otherFields appends the fields of the other handshake messages to o.
func otherFields(a *objArena, o Object, m parser.Message) Object {
	switch m := m.(type) {
	case *parser.Finished:
		o = append(o, Field{"verify_data", hex.EncodeToString(m.VerifyData)})
	case *parser.NewSessionTicket:
		o = append(o, Field{"lifetime", m.Lifetime})
		if m.TLS13 {
			o = append(o, Field{"age_add", m.AgeAdd}, Field{"nonce", hex.EncodeToString(m.Nonce)})
		}
		o = append(o, Field{"ticket_length", len(m.Ticket)})
		if m.TLS13 {
			o = append(o, Field{"extensions", extensionObjects(a, m.Extensions)})
		}
	case *parser.EncryptedExtensions:
		o = append(o, Field{"extensions", extensionObjects(a, m.Extensions)})
	case *parser.KeyUpdate:
		o = append(o, Field{"request_update", m.Request.String()})
	case *parser.NextProtocol:
		o = append(o, Field{"protocol", m.Protocol})
	case *parser.SupplementalData:
		o = append(o, Field{"entries", len(m.Entries)})
	case *parser.MessageHash:
		o = append(o, Field{"hash", hex.EncodeToString(m.Hash)})
	case *parser.RawMessage:
		o = append(o, Field{"length", len(m.Body)})
	}
	return o
}

// sslv2CertTypeName names an SSL 2.0 certificate type (1: SSL_CT_X509_CERTIFICATE).
func sslv2CertTypeName(t uint8) string {
	if t == 1 {
		return "x509_certificate"
	}
	return hex8(t)
}

func certTypeName(t uint8) string {
	switch t {
	case 1:
		return "rsa_sign"
	case 2:
		return "dss_sign"
	case 3:
		return "rsa_fixed_dh"
	case 4:
		return "dss_fixed_dh"
	case 64:
		return "ecdsa_sign"
	case 65:
		return "rsa_fixed_ecdh"
	case 66:
		return "ecdsa_fixed_ecdh"
	}
	return hex8(t)
}

func certObject(a *objArena, c parser.CertInfo) Object {
	cv := certValuesOf(&c)
	o := append(a.object(13),
		Field{"subject", cv.v[0]}, Field{"issuer", cv.v[1]}, Field{"serial", cv.v[2]},
		Field{"not_before", cv.v[3]}, Field{"not_after", cv.v[4]},
		Field{"key", cv.v[5]}, Field{"signature_algorithm", cv.v[6]}, Field{"sha256", cv.v[7]},
		Field{"san", cv.v[8]}, Field{"self_signed", c.SelfSigned},
	)
	if c.Err != nil {
		o = append(o, Field{"error", c.Err.Error()})
	}
	return o
}

// Certificate maps a certificate summary to the connection's JSON form.
func certificate(c parser.CertInfo) Certificate {
	cv := certValuesOf(&c)
	out := Certificate{
		Subject: c.Subject, Issuer: c.Issuer, Serial: c.Serial,
		NotBefore: cv.notBefore, NotAfter: cv.notAfter,
		Key: c.Key, SignatureAlgorithm: c.SignatureAlgorithm, SHA256: c.SHA256,
		SAN: nonNil(c.SAN), SelfSigned: c.SelfSigned,
	}
	if c.Err != nil {
		out.Error = c.Err.Error()
	}
	return out
}

// certValues are a certificate's values as certObject and certificate
// write them: the validity times formatted, and the Field values boxed
// (each string put in a Field's any allocated), once per distinct
// certificate (by SHA-256; the summary is a function of the DER) instead
// of once per record and connection. Shared, never changed.
type certValues struct {
	v                   [9]any
	notBefore, notAfter string
	src                 parser.CertInfo // the summary they are of (its DER dropped)
	// json is the JSON of the certificate's Object up to self_signed
	// (not included): "{" and the fields of v, for appendCertificateJSON.
	json []byte
}

// of reports whether cv are the values of c: a summary made by hand (in
// a test, by another program) may give any SHA-256.
func (cv *certValues) of(c *parser.CertInfo) bool {
	s := &cv.src
	return s.Subject == c.Subject && s.Issuer == c.Issuer && s.Serial == c.Serial && s.Key == c.Key &&
		s.SignatureAlgorithm == c.SignatureAlgorithm && s.NotBefore.Equal(c.NotBefore) && s.NotAfter.Equal(c.NotAfter) && slices.Equal(s.SAN, c.SAN) && (s.SAN == nil) == (c.SAN == nil)
}

// certValueCache keeps the certValues of at most maxCertValues
// certificates; when full, it starts again empty.
var certValueCache = boundcache.New[string, *certValues](maxCertValues)

const maxCertValues = 4096

func certValuesOf(c *parser.CertInfo) *certValues {
	if c.SHA256 != "" {
		if cv, _ := certValueCache.Get(c.SHA256); cv != nil && cv.of(c) {
			return cv
		}
	}
	cv := &certValues{notBefore: timeString(c.NotBefore), notAfter: timeString(c.NotAfter), src: *c}
	cv.src.DER = nil
	cv.v = [9]any{c.Subject, c.Issuer, c.Serial, cv.notBefore, cv.notAfter, c.Key, c.SignatureAlgorithm, c.SHA256, nonNil(c.SAN)}
	j := append(make([]byte, 0, 512), '{')
	for i, k := range [9]string{"subject", "issuer", "serial", "not_before", "not_after", "key", "signature_algorithm", "sha256", "san"} {
		if i > 0 {
			j = append(j, ',')
		}
		j = append(appendJSONString(j, k), ':')
		var err error
		if j, err = appendJSONValue(j, cv.v[i]); err != nil {
			j = nil
			break
		}
	}
	cv.json = j
	if c.SHA256 != "" {
		certValueCache.Put(c.SHA256, cv)
	}
	return cv
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func extensionObjects(a *objArena, exts []parser.Extension) []Object {
	out := a.objects(len(exts))
	for i := range exts {
		out = append(out, extensionObject(a, &exts[i]))
	}
	return out
}

func extensionObject(a *objArena, e *parser.Extension) Object {
	name := e.Type.String()
	if e.GREASE() {
		name = "GREASE"
	}
	o := append(a.object(7), Field{"type", name}, Field{"type_id", hex16(uint16(e.Type))}, Field{"length", len(e.Data)})
	if e.Err != nil {
		o = append(o, Field{"error", e.Err.Error()})
	}
	if e.Type == parser.ExtQUICTransportParameters {
		params, err := transportParameters(e.Data)
		if err != nil {
			o = append(o, Field{"error", err.Error()})
		}
		if params == nil {
			params = []Object{}
		}
		return append(o, Field{"parameters", params})
	}
	switch x := e.Parsed.(type) {
	case parser.ServerNameExt:
		names := make([]string, 0, len(x.Names))
		for _, n := range x.Names {
			names = append(names, n.Name)
		}
		o = append(o, Field{"server_names", names})
	case parser.ALPNExt:
		o = append(o, Field{"protocols", nonNil(x.Protocols)})
	case parser.SupportedVersionsExt:
		if len(x.Versions) > 0 {
			o = append(o, Field{"versions", stringList(x.Versions)})
		} else {
			o = versionFields(o, "selected", x.Selected)
		}
	case parser.SupportedGroupsExt:
		o = append(o, Field{"groups", stringList(x.Groups)})
	case parser.KeyShareExt:
		if x.HRR {
			o = append(o, Field{"selected_group", x.SelectedGroup.String()})
		} else {
			shares := a.objects(len(x.Entries))
			for _, k := range x.Entries {
				shares = append(shares, append(a.object(3), Field{"group", k.Group.String()}, Field{"group_id", hex16(uint16(k.Group))}, Field{"key_length", len(k.Key)}))
			}
			o = append(o, Field{"key_shares", shares})
		}
	case parser.SignatureSchemesExt:
		o = append(o, Field{"signature_algorithms", stringList(x.Schemes)})
	case parser.ECPointFormatsExt:
		o = append(o, Field{"formats", stringList(x.Formats)})
	case parser.SessionTicketExt:
		o = append(o, Field{"ticket_length", len(x.Ticket)})
	case parser.PreSharedKeyExt:
		if x.HasSelected {
			o = append(o, Field{"selected_identity", x.Selected})
		} else {
			o = append(o, Field{"identities", len(x.Identities)})
		}
	case parser.PSKModesExt:
		o = append(o, Field{"modes", stringList(x.Modes)})
	case parser.EarlyDataExt:
		if x.HasMax {
			o = append(o, Field{"max_early_data_size", x.MaxEarlyDataSize})
		}
	case parser.ConnectionIDExt:
		o = append(o, Field{"cid", hex.EncodeToString(x.CID)})
	case parser.RenegotiationInfoExt:
		o = append(o, Field{"renegotiated_connection", hex.EncodeToString(x.RenegotiatedConnection)})
	case parser.StatusRequestExt:
		if !x.Empty {
			o = append(o, Field{"status_type", x.StatusType.String()})
		}
	case parser.SCTListExt:
		o = append(o, Field{"scts", len(x.SCTs)})
	case parser.RecordSizeLimitExt:
		o = append(o, Field{"limit", x.Limit})
	case parser.CookieExt:
		o = append(o, Field{"cookie_length", len(x.Cookie)})
	case parser.PaddingExt:
		o = append(o, Field{"padding_length", x.Length})
	case parser.HeartbeatExt:
		o = append(o, Field{"mode", x.Mode.String()})
	case parser.CompressCertificateExt:
		o = append(o, Field{"algorithms", stringList(x.Algorithms)})
	case parser.MaxFragmentLengthExt:
		o = append(o, Field{"code", x.Code})
	case parser.ApplicationSettingsExt:
		o = append(o, Field{"protocols", nonNil(x.Protocols)})
	case parser.NPNExt:
		o = append(o, Field{"protocols", nonNil(x.Protocols)})
	case parser.EncryptedClientHelloExt:
		o = append(o, Field{"ech_type", x.Type}, Field{"config_id", x.ConfigID}, Field{"payload_length", x.PayloadLen})
	}
	return o
}
