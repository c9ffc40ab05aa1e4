package parser

// Extension is one extension of a hello, EncryptedExtensions, Certificate
// entry, CertificateRequest or NewSessionTicket. Data is the extension_data
// (copied). Parsed holds the decoded form, one of the *Ext value types below
// (not pointers), or nil when the type is unknown or the body is malformed;
// in the latter case Err says why, and the rest of the message is still
// parsed.
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
// with its Err set; only a broken framing (a length that overruns the block)
// fails the whole block.
func ParseExtensions(b []byte, msg HandshakeType) ([]Extension, error) {
	return nil, errNotImplemented
}
