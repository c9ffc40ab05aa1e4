package parser

import "golang.org/x/crypto/cryptobyte"

// Extension is one extension of a hello, EncryptedExtensions, Certificate
// entry, CertificateRequest or NewSessionTicket. Data is the extension_data
// (copied). Parsed holds the decoded form, one of the *Ext value types below
// (not pointers), or nil when the type is unknown or the body is malformed;
// in the latter case Err, an *Error whose Offset counts from the start of the
// extensions block, says why, and the rest of the message is still parsed.
type Extension struct {
	Type   ExtensionType
	Data   []byte
	Parsed any
	Err    error
}

// GREASE reports whether the extension type is an RFC 8701 GREASE value.
func (e *Extension) GREASE() bool { return IsGREASE(uint16(e.Type)) }

// ServerNameExt is server_name (RFC 6066 3). It is empty in a ServerHello or
// EncryptedExtensions.
type ServerNameExt struct {
	Names []ServerName
}

// ServerName is one ServerNameList entry; Type 0 is host_name.
type ServerName struct {
	Type uint8
	Name string
}

// MaxFragmentLengthExt is max_fragment_length (RFC 6066 4): 1..4 mean
// 2^9..2^12 bytes.
type MaxFragmentLengthExt struct {
	Code uint8
}

// StatusRequestExt is status_request (RFC 6066 8). In a ClientHello it holds
// the request; in a ServerHello it is empty; in a TLS 1.3 Certificate entry
// it holds the OCSP response (RFC 8446 4.4.2.1).
type StatusRequestExt struct {
	StatusType        CertificateStatusType
	ResponderIDs      [][]byte
	RequestExtensions []byte
	OCSPResponse      []byte
	Empty             bool
}

// SupportedGroupsExt is supported_groups (RFC 8422 5.1.1, RFC 8446 4.2.7).
type SupportedGroupsExt struct {
	Groups []NamedGroup
}

// ECPointFormatsExt is ec_point_formats (RFC 8422 5.1.2).
type ECPointFormatsExt struct {
	Formats []ECPointFormat
}

// SignatureSchemesExt is signature_algorithms or signature_algorithms_cert
// (RFC 5246 7.4.1.4.1, RFC 8446 4.2.3).
type SignatureSchemesExt struct {
	Schemes []SignatureScheme
}

// HeartbeatExt is heartbeat (RFC 6520 2).
type HeartbeatExt struct {
	Mode HeartbeatMode
}

// ALPNExt is application_layer_protocol_negotiation (RFC 7301): the offered
// list in a ClientHello, exactly one protocol in a ServerHello or
// EncryptedExtensions.
type ALPNExt struct {
	Protocols []string
}

// SCTListExt is signed_certificate_timestamp (RFC 6962 3.3): empty in a
// ClientHello, the serialized SCTs otherwise.
type SCTListExt struct {
	SCTs [][]byte
}

// PaddingExt is padding (RFC 7685). NonZero is set when a padding byte is not
// zero, which the RFC forbids.
type PaddingExt struct {
	Length  int
	NonZero bool
}

// EmptyExt is an extension whose body is empty by definition:
// extended_master_secret (RFC 7627), encrypt_then_mac (RFC 7366),
// post_handshake_auth, server_name in a ServerHello, and the like.
type EmptyExt struct{}

// CompressCertificateExt is compress_certificate (RFC 8879 3).
type CompressCertificateExt struct {
	Algorithms []CertCompressionAlgorithm
}

// RecordSizeLimitExt is record_size_limit (RFC 8449).
type RecordSizeLimitExt struct {
	Limit uint16
}

// SessionTicketExt is session_ticket (RFC 5077): the ticket offered by the
// client, empty for a fresh request or in a ServerHello.
type SessionTicketExt struct {
	Ticket []byte
}

// PreSharedKeyExt is pre_shared_key (RFC 8446 4.2.11): identities and
// binders in a ClientHello, the selected identity in a ServerHello
// (HasSelected).
type PreSharedKeyExt struct {
	Identities  []PSKIdentity
	Binders     [][]byte
	Selected    uint16
	HasSelected bool
}

// PSKIdentity is one offered PSK identity.
type PSKIdentity struct {
	Identity            []byte
	ObfuscatedTicketAge uint32
}

// EarlyDataExt is early_data (RFC 8446 4.2.10); MaxEarlyDataSize is present
// (HasMax) only in a NewSessionTicket.
type EarlyDataExt struct {
	MaxEarlyDataSize uint32
	HasMax           bool
}

// SupportedVersionsExt is supported_versions (RFC 8446 4.2.1): the list in a
// ClientHello, Selected in a ServerHello or HelloRetryRequest.
type SupportedVersionsExt struct {
	Versions []Version
	Selected Version
}

// CookieExt is cookie (RFC 8446 4.2.2).
type CookieExt struct {
	Cookie []byte
}

// PSKModesExt is psk_key_exchange_modes (RFC 8446 4.2.9).
type PSKModesExt struct {
	Modes []PSKKeyExchangeMode
}

// KeyShareExt is key_share (RFC 8446 4.2.8): the client's shares in a
// ClientHello, one share in a ServerHello, and only SelectedGroup in a
// HelloRetryRequest (HRR set).
type KeyShareExt struct {
	Entries       []KeyShareEntry
	SelectedGroup NamedGroup
	HRR           bool
}

// KeyShareEntry is one KeyShareEntry; Key is the key_exchange bytes.
type KeyShareEntry struct {
	Group NamedGroup
	Key   []byte
}

// ConnectionIDExt is connection_id (RFC 9146 section 3; RFC 9147 section
// 9 for DTLS 1.3): the connection ID the sender wants to receive in the
// records sent to it; empty when it will send one but wants none.
type ConnectionIDExt struct {
	CID []byte
}

// RenegotiationInfoExt is renegotiation_info (RFC 5746).
type RenegotiationInfoExt struct {
	RenegotiatedConnection []byte
}

// ApplicationSettingsExt is application_settings (ALPS,
// draft-vvv-tls-alps): the protocols in a ClientHello, the settings bytes in
// EncryptedExtensions.
type ApplicationSettingsExt struct {
	Protocols []string
	Settings  []byte
}

// NPNExt is next_protocol_negotiation: empty in a ClientHello, the server's
// protocol list in a ServerHello.
type NPNExt struct {
	Protocols []string
}

// EncryptedClientHelloExt is encrypted_client_hello
// (draft-ietf-tls-esni). In a ClientHello it has the outer (Type 0) or inner
// (Type 1) form; elsewhere (retry configs, HRR confirmation) only Raw is set.
type EncryptedClientHelloExt struct {
	Type       uint8
	KDF        uint16
	AEAD       uint16
	ConfigID   uint8
	Enc        []byte
	PayloadLen int
	Raw        []byte
}

// ParseExtensions decodes the contents of an extensions vector (without its
// 2-byte length) of a message of type msg. Use HandshakeTypeHelloRetryRequest
// for the extensions of a HelloRetryRequest, HandshakeTypeCertificate for
// those of a TLS 1.3 CertificateEntry. A malformed extension body is kept
// with its Err set (an *Error); only a broken framing (a length that overruns
// the block) fails the whole block, and then the extensions before the break
// are returned with the error.
func ParseExtensions(b []byte, msg HandshakeType) ([]Extension, error) {
	var exts []Extension // nil when there are none, as before
	if n := countExtensions(b); n > 0 {
		exts = make([]Extension, 0, n)
		// One private copy of the block, each extension's Data a part
		// of it (capacity cut to its end): one allocation, not one per
		// extension.
		b = clone(b)
	}
	s := cryptobyte.String(b)
	for !s.Empty() {
		off := len(b) - len(s)
		var typ uint16
		var data cryptobyte.String
		if !s.ReadUint16(&typ) || !s.ReadUint16LengthPrefixed(&data) {
			return exts, malformed("extensions", "extension header", off)
		}
		e := Extension{Type: ExtensionType(typ), Data: data[:len(data):len(data)]}
		var ok bool
		if e.Parsed, ok = parseExtension(e.Type, e.Data, msg); !ok {
			e.Parsed = nil
			e.Err = malformed("extension "+e.Type.String(), "", off+4)
		}
		exts = append(exts, e)
	}
	return exts, nil
}

// DuplicateExtensions lists the extension types that occur more than once in
// exts, in order of their second occurrence; RFC 8446 4.2 and RFC 5246
// 7.4.1.4 forbid duplicates.
func DuplicateExtensions(exts []Extension) []ExtensionType {
	var dups []ExtensionType
	seen := make(map[ExtensionType]int, len(exts))
	for _, e := range exts {
		seen[e.Type]++
		if seen[e.Type] == 2 {
			dups = append(dups, e.Type)
		}
	}
	return dups
}

// countExtensions counts the extension headers in b, as far as the framing
// holds, so that ParseExtensions allocates its result once.
func countExtensions(b []byte) int {
	s := cryptobyte.String(b)
	n := 0
	for !s.Empty() {
		var body cryptobyte.String
		if !s.Skip(2) || !s.ReadUint16LengthPrefixed(&body) {
			break
		}
		n++
	}
	return n
}

// findExtension returns the first extension of type t, or nil.
func findExtension(exts []Extension, t ExtensionType) *Extension {
	for i := range exts {
		if exts[i].Type == t {
			return &exts[i]
		}
	}
	return nil
}

// parseExtension decodes one extension body; data is already a private copy,
// so the decoded form may point into it. Unknown types give (nil, true).
func parseExtension(t ExtensionType, data []byte, msg HandshakeType) (any, bool) {
	s := cryptobyte.String(data)
	var v any
	var ok bool
	switch t {
	case ExtServerName:
		v, ok = parseServerName(&s)
	case ExtMaxFragmentLength:
		var e MaxFragmentLengthExt
		ok = s.ReadUint8(&e.Code)
		v = e
	case ExtStatusRequest:
		v, ok = parseStatusRequest(&s, msg)
	case ExtSupportedGroups:
		var e SupportedGroupsExt
		ok = readUint16List(&s, func(x uint16) { e.Groups = append(e.Groups, NamedGroup(x)) })
		v = e
	case ExtECPointFormats:
		var e ECPointFormatsExt
		ok = readUint8List(&s, func(x uint8) { e.Formats = append(e.Formats, ECPointFormat(x)) })
		v = e
	case ExtSignatureAlgorithms, ExtSignatureAlgorithmsCert:
		var e SignatureSchemesExt
		ok = readUint16List(&s, func(x uint16) { e.Schemes = append(e.Schemes, SignatureScheme(x)) })
		v = e
	case ExtHeartbeat:
		var e HeartbeatExt
		ok = s.ReadUint8((*uint8)(&e.Mode))
		v = e
	case ExtALPN:
		var e ALPNExt
		var list cryptobyte.String
		ok = s.ReadUint16LengthPrefixed(&list) && readProtocolList(&list, &e.Protocols) && len(e.Protocols) > 0
		v = e
	case ExtSignedCertificateTimestamp:
		if s.Empty() {
			return SCTListExt{}, true // the client's request
		}
		v, ok = parseSCTList(&s)
	case ExtPadding:
		return parsePadding(s), true
	case ExtEncryptThenMAC, ExtExtendedMasterSecret, ExtPostHandshakeAuth:
		return EmptyExt{}, s.Empty()
	case ExtCompressCertificate:
		v, ok = parseCompressCertificate(&s)
	case ExtRecordSizeLimit:
		var e RecordSizeLimitExt
		ok = s.ReadUint16(&e.Limit)
		v = e
	case ExtSessionTicket:
		return SessionTicketExt{Ticket: data}, true
	case ExtPreSharedKey:
		v, ok = parsePreSharedKey(&s, msg)
	case ExtEarlyData:
		var e EarlyDataExt
		ok = true
		if msg == HandshakeTypeNewSessionTicket {
			ok = s.ReadUint32(&e.MaxEarlyDataSize)
			e.HasMax = ok
		}
		v = e
	case ExtSupportedVersions:
		v, ok = parseSupportedVersions(&s, msg)
	case ExtCookie:
		var e CookieExt
		var c cryptobyte.String
		ok = s.ReadUint16LengthPrefixed(&c) && !c.Empty()
		e.Cookie = c
		v = e
	case ExtPSKKeyExchangeModes:
		var e PSKModesExt
		ok = readUint8List(&s, func(x uint8) { e.Modes = append(e.Modes, PSKKeyExchangeMode(x)) })
		v = e
	case ExtKeyShare:
		v, ok = parseKeyShare(&s, msg)
	case ExtConnectionID, ExtConnectionIDDeprecated:
		var e ConnectionIDExt
		var cid cryptobyte.String
		ok = s.ReadUint8LengthPrefixed(&cid)
		e.CID = cid
		v = e
	case ExtRenegotiationInfo:
		var e RenegotiationInfoExt
		var rc cryptobyte.String
		ok = s.ReadUint8LengthPrefixed(&rc)
		e.RenegotiatedConnection = rc
		v = e
	case ExtApplicationSettings, ExtApplicationSettingsOld:
		v, ok = parseApplicationSettings(&s, data, msg)
	case ExtNPN:
		var e NPNExt
		ok = readProtocolList(&s, &e.Protocols)
		v = e
	case ExtEncryptedClientHello:
		v, ok = parseECH(&s, data, msg)
	default:
		return nil, true
	}
	return v, ok && s.Empty()
}

// parseSCTList reads a signed_certificate_timestamp list (RFC 6962 3.3).
func parseSCTList(s *cryptobyte.String) (SCTListExt, bool) {
	var e SCTListExt
	var list cryptobyte.String
	ok := s.ReadUint16LengthPrefixed(&list)
	for ok && !list.Empty() {
		var sct cryptobyte.String
		ok = list.ReadUint16LengthPrefixed(&sct) && !sct.Empty()
		e.SCTs = append(e.SCTs, sct)
	}
	return e, ok
}

// parsePadding measures a padding extension (RFC 7685), whose bytes should
// all be zero.
func parsePadding(s cryptobyte.String) PaddingExt {
	e := PaddingExt{Length: len(s)}
	for _, x := range s {
		if x != 0 {
			e.NonZero = true
		}
	}
	return e
}

// parseCompressCertificate reads compress_certificate (RFC 8879 3).
func parseCompressCertificate(s *cryptobyte.String) (CompressCertificateExt, bool) {
	var e CompressCertificateExt
	var list cryptobyte.String
	ok := s.ReadUint8LengthPrefixed(&list) && !list.Empty()
	for ok && !list.Empty() {
		var x uint16
		ok = list.ReadUint16(&x)
		e.Algorithms = append(e.Algorithms, CertCompressionAlgorithm(x))
	}
	return e, ok
}

// parseSupportedVersions reads supported_versions (RFC 8446 4.2.1): a list
// in a ClientHello, the selected version elsewhere.
func parseSupportedVersions(s *cryptobyte.String, msg HandshakeType) (SupportedVersionsExt, bool) {
	var e SupportedVersionsExt
	if msg != HandshakeTypeClientHello {
		return e, s.ReadUint16((*uint16)(&e.Selected))
	}
	var list cryptobyte.String
	ok := s.ReadUint8LengthPrefixed(&list) && !list.Empty()
	for ok && !list.Empty() {
		var x uint16
		ok = list.ReadUint16(&x)
		e.Versions = append(e.Versions, Version(x))
	}
	return e, ok
}

// parseApplicationSettings reads ALPS (draft-vvv-tls-alps): the protocols
// in a ClientHello, opaque settings elsewhere (all of data, consumed).
func parseApplicationSettings(s *cryptobyte.String, data []byte, msg HandshakeType) (ApplicationSettingsExt, bool) {
	var e ApplicationSettingsExt
	if msg == HandshakeTypeClientHello {
		var list cryptobyte.String
		ok := s.ReadUint16LengthPrefixed(&list) && readProtocolList(&list, &e.Protocols)
		return e, ok
	}
	e.Settings = data
	*s = nil
	return e, true
}

// readUint8List reads a non-empty uint8-length-prefixed vector of uint8.
func readUint8List(s *cryptobyte.String, add func(uint8)) bool {
	var list cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&list) || list.Empty() {
		return false
	}
	for _, x := range list {
		add(x)
	}
	return true
}

// readUint16List reads a non-empty uint16-length-prefixed vector of uint16.
func readUint16List(s *cryptobyte.String, add func(uint16)) bool {
	var list cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&list) || list.Empty() || len(list)%2 != 0 {
		return false
	}
	for !list.Empty() {
		var x uint16
		list.ReadUint16(&x)
		add(x)
	}
	return true
}

// readProtocolList reads ProtocolName entries (uint8-prefixed, non-empty)
// until s is empty.
func readProtocolList(s *cryptobyte.String, out *[]string) bool {
	for !s.Empty() {
		var p cryptobyte.String
		if !s.ReadUint8LengthPrefixed(&p) || p.Empty() {
			return false
		}
		*out = append(*out, string(p))
	}
	return true
}

func parseServerName(s *cryptobyte.String) (ServerNameExt, bool) {
	var e ServerNameExt
	if s.Empty() {
		return e, true // ServerHello / EncryptedExtensions acknowledgement
	}
	var list cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&list) || list.Empty() {
		return e, false
	}
	for !list.Empty() {
		var n ServerName
		var name cryptobyte.String
		if !list.ReadUint8(&n.Type) || !list.ReadUint16LengthPrefixed(&name) || name.Empty() {
			return e, false
		}
		n.Name = string(name)
		e.Names = append(e.Names, n)
	}
	return e, true
}

func parseStatusRequest(s *cryptobyte.String, msg HandshakeType) (StatusRequestExt, bool) {
	var e StatusRequestExt
	if s.Empty() {
		e.Empty = true
		return e, true
	}
	if !s.ReadUint8((*uint8)(&e.StatusType)) {
		return e, false
	}
	if msg == HandshakeTypeCertificate {
		// CertificateStatus in a TLS 1.3 CertificateEntry.
		var resp cryptobyte.String
		if !s.ReadUint24LengthPrefixed(&resp) || resp.Empty() {
			return e, false
		}
		e.OCSPResponse = resp
		return e, true
	}
	if e.StatusType != StatusTypeOCSP {
		*s = nil // unknown request format: keep the type only
		return e, true
	}
	var ids, exts cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&ids) || !s.ReadUint16LengthPrefixed(&exts) {
		return e, false
	}
	for !ids.Empty() {
		var id cryptobyte.String
		if !ids.ReadUint16LengthPrefixed(&id) || id.Empty() {
			return e, false
		}
		e.ResponderIDs = append(e.ResponderIDs, id)
	}
	e.RequestExtensions = exts
	return e, true
}

func parsePreSharedKey(s *cryptobyte.String, msg HandshakeType) (PreSharedKeyExt, bool) {
	var e PreSharedKeyExt
	if msg != HandshakeTypeClientHello {
		e.HasSelected = s.ReadUint16(&e.Selected)
		return e, e.HasSelected
	}
	var ids, binders cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&ids) || ids.Empty() ||
		!s.ReadUint16LengthPrefixed(&binders) || binders.Empty() {
		return e, false
	}
	for !ids.Empty() {
		var id PSKIdentity
		var ident cryptobyte.String
		if !ids.ReadUint16LengthPrefixed(&ident) || ident.Empty() || !ids.ReadUint32(&id.ObfuscatedTicketAge) {
			return e, false
		}
		id.Identity = ident
		e.Identities = append(e.Identities, id)
	}
	for !binders.Empty() {
		var b cryptobyte.String
		if !binders.ReadUint8LengthPrefixed(&b) || len(b) < 32 {
			return e, false
		}
		e.Binders = append(e.Binders, b)
	}
	return e, true
}

func parseKeyShare(s *cryptobyte.String, msg HandshakeType) (KeyShareExt, bool) {
	var e KeyShareExt
	readEntry := func(s *cryptobyte.String) bool {
		var k KeyShareEntry
		var key cryptobyte.String
		if !s.ReadUint16((*uint16)(&k.Group)) || !s.ReadUint16LengthPrefixed(&key) || key.Empty() {
			return false
		}
		k.Key = key
		e.Entries = append(e.Entries, k)
		return true
	}
	switch msg {
	case HandshakeTypeHelloRetryRequest:
		e.HRR = true
		return e, s.ReadUint16((*uint16)(&e.SelectedGroup))
	case HandshakeTypeClientHello:
		var list cryptobyte.String
		if !s.ReadUint16LengthPrefixed(&list) {
			return e, false
		}
		for !list.Empty() {
			if !readEntry(&list) {
				return e, false
			}
		}
		return e, true
	default:
		return e, readEntry(s)
	}
}

func parseECH(s *cryptobyte.String, data []byte, msg HandshakeType) (EncryptedClientHelloExt, bool) {
	e := EncryptedClientHelloExt{Raw: data}
	if msg != HandshakeTypeClientHello {
		*s = nil
		return e, true
	}
	if !s.ReadUint8(&e.Type) {
		return e, false
	}
	switch e.Type {
	case 0: // outer
		var enc, payload cryptobyte.String
		if !s.ReadUint16(&e.KDF) || !s.ReadUint16(&e.AEAD) || !s.ReadUint8(&e.ConfigID) ||
			!s.ReadUint16LengthPrefixed(&enc) || !s.ReadUint16LengthPrefixed(&payload) || payload.Empty() {
			return e, false
		}
		e.Enc, e.PayloadLen = enc, len(payload)
	case 1: // inner: empty
	default:
		*s = nil
	}
	return e, true
}
