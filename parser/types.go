package parser

import "fmt"

//go:generate sh -c "go run golang.org/x/tools/cmd/stringer@v0.38.0 -linecomment -output types_string.go -type ContentType,HandshakeType,ExtensionType,NamedGroup,SignatureScheme,CompressionMethod,AlertLevel,AlertDescription,ECPointFormat,PSKKeyExchangeMode,CertificateStatusType,HeartbeatMessageType,HeartbeatMode,CertCompressionAlgorithm,ECCurveType,KeyUpdateRequest,SSLv2MessageType,SSLv2ErrorCode && sed -i -E -e 's/return \"[A-Za-z0-9]+\\(\" \\+ strconv\\.FormatInt\\(int64\\(i\\), 10\\) \\+ \"\\)\"/return hexName(i)/' -e '/^import \"strconv\"$/d' types_string.go && gofmt -w types_string.go"

// Protocol numbers stay numbers: every type below is the wire integer, its
// String method gives the registry name and falls back to lower-case hex
// ("0x1301") for values this package does not know. No value is rejected for
// being unknown.

// hexName is the fallback name of an unknown protocol number: "0x15" for a
// one-byte field, "0x1301" for a two-byte one.
func hexName[T ~uint8 | ~uint16](v T) string {
	if uint64(^T(0)) > 0xff {
		return fmt.Sprintf("0x%04x", uint64(v))
	}
	return fmt.Sprintf("0x%02x", uint64(v))
}

// IsGREASE reports whether v is one of the RFC 8701 reserved values
// 0x0a0a, 0x1a1a, ... 0xfafa used for cipher suites, extensions, named groups,
// signature algorithms and versions.
func IsGREASE(v uint16) bool {
	return v&0x0f0f == 0x0a0a && v>>8 == v&0xff
}

// ContentType is the TLSPlaintext.type of a record (RFC 8446 section 5.1).
type ContentType uint8

const (
	ContentTypeChangeCipherSpec ContentType = 20 // change_cipher_spec
	ContentTypeAlert            ContentType = 21 // alert
	ContentTypeHandshake        ContentType = 22 // handshake
	ContentTypeApplicationData  ContentType = 23 // application_data
	ContentTypeHeartbeat        ContentType = 24 // heartbeat
	ContentTypeTLS12CID         ContentType = 25 // tls12_cid
	ContentTypeACK              ContentType = 26 // ack
)

// Version is a protocol version as sent on the wire (ProtocolVersion).
// SSL 2.0 is 0x0002, as in the version field of an SSLv2 ClientHello.
type Version uint16

const (
	VersionSSL20 Version = 0x0002
	VersionSSL30 Version = 0x0300
	VersionTLS10 Version = 0x0301
	VersionTLS11 Version = 0x0302
	VersionTLS12 Version = 0x0303
	VersionTLS13 Version = 0x0304
	// DTLS (RFC 6347, RFC 9147), and OpenSSL's pre-RFC DTLS 0x0100.
	VersionDTLS10    Version = 0xfeff
	VersionDTLS12    Version = 0xfefd
	VersionDTLS13    Version = 0xfefc
	VersionDTLS10Pre Version = 0x0100
)

// String gives "SSL 3.0", "TLS 1.2", "TLS 1.3 draft 23" (0x7f17), "GREASE"
// for RFC 8701 values, and "0x...." otherwise.
func (v Version) String() string {
	switch v {
	case VersionSSL20:
		return "SSL 2.0"
	case VersionSSL30:
		return "SSL 3.0"
	case VersionTLS10:
		return "TLS 1.0"
	case VersionTLS11:
		return "TLS 1.1"
	case VersionTLS12:
		return "TLS 1.2"
	case VersionTLS13:
		return "TLS 1.3"
	case VersionDTLS10:
		return "DTLS 1.0"
	case VersionDTLS12:
		return "DTLS 1.2"
	case VersionDTLS13:
		return "DTLS 1.3"
	case VersionDTLS10Pre:
		return "DTLS 1.0 (OpenSSL pre-RFC)"
	}
	if v>>8 == 0x7f {
		return fmt.Sprintf("TLS 1.3 draft %d", uint8(v))
	}
	if IsGREASE(uint16(v)) {
		return "GREASE"
	}
	return hexName(uint16(v))
}

// IsTLS13Draft reports whether v is a TLS 1.3 draft version (0x7fxx).
func (v Version) IsTLS13Draft() bool { return v>>8 == 0x7f }

// TLSEquivalent is the TLS version whose message layouts a DTLS version
// uses (RFC 6347 section 1: DTLS 1.0 is TLS 1.1's, DTLS 1.2 TLS 1.2's;
// RFC 9147: DTLS 1.3 is TLS 1.3's); other versions are themselves.
func (v Version) TLSEquivalent() Version {
	switch v {
	case VersionDTLS10, VersionDTLS10Pre:
		return VersionTLS11
	case VersionDTLS12:
		return VersionTLS12
	case VersionDTLS13:
		return VersionTLS13
	}
	return v
}

// IsTLS13 reports whether v is TLS 1.3 or one of its drafts.
func (v Version) IsTLS13() bool { return v == VersionTLS13 || v.IsTLS13Draft() }

// HandshakeType is the msg_type of a handshake message (IANA TLS
// HandshakeType registry).
type HandshakeType uint8

const (
	HandshakeTypeHelloRequest          HandshakeType = 0   // hello_request
	HandshakeTypeClientHello           HandshakeType = 1   // client_hello
	HandshakeTypeServerHello           HandshakeType = 2   // server_hello
	HandshakeTypeHelloVerifyRequest    HandshakeType = 3   // hello_verify_request
	HandshakeTypeNewSessionTicket      HandshakeType = 4   // new_session_ticket
	HandshakeTypeEndOfEarlyData        HandshakeType = 5   // end_of_early_data
	HandshakeTypeHelloRetryRequest     HandshakeType = 6   // hello_retry_request
	HandshakeTypeEncryptedExtensions   HandshakeType = 8   // encrypted_extensions
	HandshakeTypeRequestConnectionID   HandshakeType = 9   // request_connection_id
	HandshakeTypeNewConnectionID       HandshakeType = 10  // new_connection_id
	HandshakeTypeCertificate           HandshakeType = 11  // certificate
	HandshakeTypeServerKeyExchange     HandshakeType = 12  // server_key_exchange
	HandshakeTypeCertificateRequest    HandshakeType = 13  // certificate_request
	HandshakeTypeServerHelloDone       HandshakeType = 14  // server_hello_done
	HandshakeTypeCertificateVerify     HandshakeType = 15  // certificate_verify
	HandshakeTypeClientKeyExchange     HandshakeType = 16  // client_key_exchange
	HandshakeTypeClientCertRequest     HandshakeType = 17  // client_certificate_request
	HandshakeTypeFinished              HandshakeType = 20  // finished
	HandshakeTypeCertificateURL        HandshakeType = 21  // certificate_url
	HandshakeTypeCertificateStatus     HandshakeType = 22  // certificate_status
	HandshakeTypeSupplementalData      HandshakeType = 23  // supplemental_data
	HandshakeTypeKeyUpdate             HandshakeType = 24  // key_update
	HandshakeTypeCompressedCertificate HandshakeType = 25  // compressed_certificate
	HandshakeTypeEKTKey                HandshakeType = 26  // ekt_key
	HandshakeTypeNextProtocol          HandshakeType = 67  // next_protocol
	HandshakeTypeMessageHash           HandshakeType = 254 // message_hash
)

// CipherSuite is a two-byte cipher suite number. Its String method and
// CipherSuiteInfo are generated from the IANA registry (ciphersuites_gen.go).
type CipherSuite uint16

// Signalling cipher suite values, also in the generated table.
const (
	TLS_EMPTY_RENEGOTIATION_INFO_SCSV CipherSuite = 0x00ff
	TLS_FALLBACK_SCSV                 CipherSuite = 0x5600
)

// ExtensionType is a TLS ExtensionType (IANA TLS ExtensionType Values).
type ExtensionType uint16

const (
	ExtServerName                   ExtensionType = 0     // server_name
	ExtMaxFragmentLength            ExtensionType = 1     // max_fragment_length
	ExtClientCertificateURL         ExtensionType = 2     // client_certificate_url
	ExtTrustedCAKeys                ExtensionType = 3     // trusted_ca_keys
	ExtTruncatedHMAC                ExtensionType = 4     // truncated_hmac
	ExtStatusRequest                ExtensionType = 5     // status_request
	ExtUserMapping                  ExtensionType = 6     // user_mapping
	ExtClientAuthz                  ExtensionType = 7     // client_authz
	ExtServerAuthz                  ExtensionType = 8     // server_authz
	ExtCertType                     ExtensionType = 9     // cert_type
	ExtSupportedGroups              ExtensionType = 10    // supported_groups
	ExtECPointFormats               ExtensionType = 11    // ec_point_formats
	ExtSRP                          ExtensionType = 12    // srp
	ExtSignatureAlgorithms          ExtensionType = 13    // signature_algorithms
	ExtUseSRTP                      ExtensionType = 14    // use_srtp
	ExtHeartbeat                    ExtensionType = 15    // heartbeat
	ExtALPN                         ExtensionType = 16    // application_layer_protocol_negotiation
	ExtStatusRequestV2              ExtensionType = 17    // status_request_v2
	ExtSignedCertificateTimestamp   ExtensionType = 18    // signed_certificate_timestamp
	ExtClientCertificateType        ExtensionType = 19    // client_certificate_type
	ExtServerCertificateType        ExtensionType = 20    // server_certificate_type
	ExtPadding                      ExtensionType = 21    // padding
	ExtEncryptThenMAC               ExtensionType = 22    // encrypt_then_mac
	ExtExtendedMasterSecret         ExtensionType = 23    // extended_master_secret
	ExtTokenBinding                 ExtensionType = 24    // token_binding
	ExtCachedInfo                   ExtensionType = 25    // cached_info
	ExtTLSLTS                       ExtensionType = 26    // tls_lts
	ExtCompressCertificate          ExtensionType = 27    // compress_certificate
	ExtRecordSizeLimit              ExtensionType = 28    // record_size_limit
	ExtPwdProtect                   ExtensionType = 29    // pwd_protect
	ExtPwdClear                     ExtensionType = 30    // pwd_clear
	ExtPasswordSalt                 ExtensionType = 31    // password_salt
	ExtTicketPinning                ExtensionType = 32    // ticket_pinning
	ExtTLSCertWithExternPSK         ExtensionType = 33    // tls_cert_with_extern_psk
	ExtDelegatedCredential          ExtensionType = 34    // delegated_credential
	ExtSessionTicket                ExtensionType = 35    // session_ticket
	ExtTLMSP                        ExtensionType = 36    // TLMSP
	ExtTLMSPProxying                ExtensionType = 37    // TLMSP_proxying
	ExtTLMSPDelegate                ExtensionType = 38    // TLMSP_delegate
	ExtSupportedEKTCiphers          ExtensionType = 39    // supported_ekt_ciphers
	ExtPreSharedKey                 ExtensionType = 41    // pre_shared_key
	ExtEarlyData                    ExtensionType = 42    // early_data
	ExtSupportedVersions            ExtensionType = 43    // supported_versions
	ExtCookie                       ExtensionType = 44    // cookie
	ExtPSKKeyExchangeModes          ExtensionType = 45    // psk_key_exchange_modes
	ExtCertificateAuthorities       ExtensionType = 47    // certificate_authorities
	ExtOIDFilters                   ExtensionType = 48    // oid_filters
	ExtPostHandshakeAuth            ExtensionType = 49    // post_handshake_auth
	ExtSignatureAlgorithmsCert      ExtensionType = 50    // signature_algorithms_cert
	ExtKeyShare                     ExtensionType = 51    // key_share
	ExtTransparencyInfo             ExtensionType = 52    // transparency_info
	ExtConnectionIDDeprecated       ExtensionType = 53    // connection_id (deprecated)
	ExtConnectionID                 ExtensionType = 54    // connection_id
	ExtExternalIDHash               ExtensionType = 55    // external_id_hash
	ExtExternalSessionID            ExtensionType = 56    // external_session_id
	ExtQUICTransportParameters      ExtensionType = 57    // quic_transport_parameters
	ExtTicketRequest                ExtensionType = 58    // ticket_request
	ExtDNSSECChain                  ExtensionType = 59    // dnssec_chain
	ExtSequenceNumberEncryptionAlgs ExtensionType = 60    // sequence_number_encryption_algorithms
	ExtRRC                          ExtensionType = 61    // rrc
	ExtTLSFlags                     ExtensionType = 62    // tls_flags
	ExtNPN                          ExtensionType = 13172 // next_protocol_negotiation
	ExtApplicationSettingsOld       ExtensionType = 17513 // application_settings_old
	ExtApplicationSettings          ExtensionType = 17613 // application_settings
	ExtChannelID                    ExtensionType = 30032 // channel_id
	ExtECHOuterExtensions           ExtensionType = 64768 // ech_outer_extensions
	ExtEncryptedClientHello         ExtensionType = 65037 // encrypted_client_hello
	ExtRenegotiationInfo            ExtensionType = 65281 // renegotiation_info
)

// NamedGroup is a supported_groups / key_share group (IANA TLS Supported
// Groups, formerly EC Named Curves).
type NamedGroup uint16

const (
	GroupSect163k1          NamedGroup = 1      // sect163k1
	GroupSect163r1          NamedGroup = 2      // sect163r1
	GroupSect163r2          NamedGroup = 3      // sect163r2
	GroupSect193r1          NamedGroup = 4      // sect193r1
	GroupSect193r2          NamedGroup = 5      // sect193r2
	GroupSect233k1          NamedGroup = 6      // sect233k1
	GroupSect233r1          NamedGroup = 7      // sect233r1
	GroupSect239k1          NamedGroup = 8      // sect239k1
	GroupSect283k1          NamedGroup = 9      // sect283k1
	GroupSect283r1          NamedGroup = 10     // sect283r1
	GroupSect409k1          NamedGroup = 11     // sect409k1
	GroupSect409r1          NamedGroup = 12     // sect409r1
	GroupSect571k1          NamedGroup = 13     // sect571k1
	GroupSect571r1          NamedGroup = 14     // sect571r1
	GroupSecp160k1          NamedGroup = 15     // secp160k1
	GroupSecp160r1          NamedGroup = 16     // secp160r1
	GroupSecp160r2          NamedGroup = 17     // secp160r2
	GroupSecp192k1          NamedGroup = 18     // secp192k1
	GroupSecp192r1          NamedGroup = 19     // secp192r1
	GroupSecp224k1          NamedGroup = 20     // secp224k1
	GroupSecp224r1          NamedGroup = 21     // secp224r1
	GroupSecp256k1          NamedGroup = 22     // secp256k1
	GroupSecp256r1          NamedGroup = 23     // secp256r1
	GroupSecp384r1          NamedGroup = 24     // secp384r1
	GroupSecp521r1          NamedGroup = 25     // secp521r1
	GroupBrainpoolP256r1    NamedGroup = 26     // brainpoolP256r1
	GroupBrainpoolP384r1    NamedGroup = 27     // brainpoolP384r1
	GroupBrainpoolP512r1    NamedGroup = 28     // brainpoolP512r1
	GroupX25519             NamedGroup = 29     // x25519
	GroupX448               NamedGroup = 30     // x448
	GroupBrainpoolP256r1TLS NamedGroup = 31     // brainpoolP256r1tls13
	GroupBrainpoolP384r1TLS NamedGroup = 32     // brainpoolP384r1tls13
	GroupBrainpoolP512r1TLS NamedGroup = 33     // brainpoolP512r1tls13
	GroupGC256A             NamedGroup = 34     // GC256A
	GroupGC256B             NamedGroup = 35     // GC256B
	GroupGC256C             NamedGroup = 36     // GC256C
	GroupGC256D             NamedGroup = 37     // GC256D
	GroupGC512A             NamedGroup = 38     // GC512A
	GroupGC512B             NamedGroup = 39     // GC512B
	GroupGC512C             NamedGroup = 40     // GC512C
	GroupCurveSM2           NamedGroup = 41     // curveSM2
	GroupFFDHE2048          NamedGroup = 256    // ffdhe2048
	GroupFFDHE3072          NamedGroup = 257    // ffdhe3072
	GroupFFDHE4096          NamedGroup = 258    // ffdhe4096
	GroupFFDHE6144          NamedGroup = 259    // ffdhe6144
	GroupFFDHE8192          NamedGroup = 260    // ffdhe8192
	GroupMLKEM512           NamedGroup = 0x0200 // MLKEM512
	GroupMLKEM768           NamedGroup = 0x0201 // MLKEM768
	GroupMLKEM1024          NamedGroup = 0x0202 // MLKEM1024
	GroupSecP256r1MLKEM768  NamedGroup = 0x11eb // SecP256r1MLKEM768
	GroupX25519MLKEM768     NamedGroup = 0x11ec // X25519MLKEM768
	GroupSecP384r1MLKEM1024 NamedGroup = 0x11ed // SecP384r1MLKEM1024
	GroupX25519Kyber768D00  NamedGroup = 0x6399 // X25519Kyber768Draft00
	GroupArbitraryPrime     NamedGroup = 0xff01 // arbitrary_explicit_prime_curves
	GroupArbitraryChar2     NamedGroup = 0xff02 // arbitrary_explicit_char2_curves
)

// SignatureScheme is a TLS 1.3 SignatureScheme, which is also the TLS 1.2
// SignatureAndHashAlgorithm pair (hash<<8 | signature).
type SignatureScheme uint16

const (
	SigRSAPKCS1MD5          SignatureScheme = 0x0101 // rsa_pkcs1_md5
	SigRSAPKCS1SHA1         SignatureScheme = 0x0201 // rsa_pkcs1_sha1
	SigDSASHA1              SignatureScheme = 0x0202 // dsa_sha1
	SigECDSASHA1            SignatureScheme = 0x0203 // ecdsa_sha1
	SigRSAPKCS1SHA224       SignatureScheme = 0x0301 // rsa_pkcs1_sha224
	SigDSASHA224            SignatureScheme = 0x0302 // dsa_sha224
	SigECDSASHA224          SignatureScheme = 0x0303 // ecdsa_sha224
	SigRSAPKCS1SHA256       SignatureScheme = 0x0401 // rsa_pkcs1_sha256
	SigDSASHA256            SignatureScheme = 0x0402 // dsa_sha256
	SigECDSASecp256r1SHA256 SignatureScheme = 0x0403 // ecdsa_secp256r1_sha256
	SigRSAPKCS1SHA384       SignatureScheme = 0x0501 // rsa_pkcs1_sha384
	SigDSASHA384            SignatureScheme = 0x0502 // dsa_sha384
	SigECDSASecp384r1SHA384 SignatureScheme = 0x0503 // ecdsa_secp384r1_sha384
	SigRSAPKCS1SHA512       SignatureScheme = 0x0601 // rsa_pkcs1_sha512
	SigDSASHA512            SignatureScheme = 0x0602 // dsa_sha512
	SigECDSASecp521r1SHA512 SignatureScheme = 0x0603 // ecdsa_secp521r1_sha512
	SigSM2SM3               SignatureScheme = 0x0708 // sm2sig_sm3
	SigRSAPSSRSAESHA256     SignatureScheme = 0x0804 // rsa_pss_rsae_sha256
	SigRSAPSSRSAESHA384     SignatureScheme = 0x0805 // rsa_pss_rsae_sha384
	SigRSAPSSRSAESHA512     SignatureScheme = 0x0806 // rsa_pss_rsae_sha512
	SigEd25519              SignatureScheme = 0x0807 // ed25519
	SigEd448                SignatureScheme = 0x0808 // ed448
	SigRSAPSSPSSSHA256      SignatureScheme = 0x0809 // rsa_pss_pss_sha256
	SigRSAPSSPSSSHA384      SignatureScheme = 0x080a // rsa_pss_pss_sha384
	SigRSAPSSPSSSHA512      SignatureScheme = 0x080b // rsa_pss_pss_sha512
	SigECDSABrainpoolP256   SignatureScheme = 0x081a // ecdsa_brainpoolP256r1tls13_sha256
	SigECDSABrainpoolP384   SignatureScheme = 0x081b // ecdsa_brainpoolP384r1tls13_sha384
	SigECDSABrainpoolP512   SignatureScheme = 0x081c // ecdsa_brainpoolP512r1tls13_sha512
	SigMLDSA44              SignatureScheme = 0x0904 // mldsa44
	SigMLDSA65              SignatureScheme = 0x0905 // mldsa65
	SigMLDSA87              SignatureScheme = 0x0906 // mldsa87
)

// CompressionMethod is a TLS compression method (RFC 3749).
type CompressionMethod uint8

const (
	CompressionNull    CompressionMethod = 0  // null
	CompressionDeflate CompressionMethod = 1  // DEFLATE
	CompressionLZS     CompressionMethod = 64 // LZS
)

// AlertLevel is the level byte of an alert.
type AlertLevel uint8

const (
	AlertLevelWarning AlertLevel = 1 // warning
	AlertLevelFatal   AlertLevel = 2 // fatal
)

// AlertDescription is the description byte of an alert (IANA TLS Alerts).
type AlertDescription uint8

const (
	AlertCloseNotify                  AlertDescription = 0   // close_notify
	AlertUnexpectedMessage            AlertDescription = 10  // unexpected_message
	AlertBadRecordMAC                 AlertDescription = 20  // bad_record_mac
	AlertDecryptionFailed             AlertDescription = 21  // decryption_failed
	AlertRecordOverflow               AlertDescription = 22  // record_overflow
	AlertDecompressionFailure         AlertDescription = 30  // decompression_failure
	AlertHandshakeFailure             AlertDescription = 40  // handshake_failure
	AlertNoCertificate                AlertDescription = 41  // no_certificate
	AlertBadCertificate               AlertDescription = 42  // bad_certificate
	AlertUnsupportedCertificate       AlertDescription = 43  // unsupported_certificate
	AlertCertificateRevoked           AlertDescription = 44  // certificate_revoked
	AlertCertificateExpired           AlertDescription = 45  // certificate_expired
	AlertCertificateUnknown           AlertDescription = 46  // certificate_unknown
	AlertIllegalParameter             AlertDescription = 47  // illegal_parameter
	AlertUnknownCA                    AlertDescription = 48  // unknown_ca
	AlertAccessDenied                 AlertDescription = 49  // access_denied
	AlertDecodeError                  AlertDescription = 50  // decode_error
	AlertDecryptError                 AlertDescription = 51  // decrypt_error
	AlertTooManyCIDsRequested         AlertDescription = 52  // too_many_cids_requested
	AlertExportRestriction            AlertDescription = 60  // export_restriction
	AlertProtocolVersion              AlertDescription = 70  // protocol_version
	AlertInsufficientSecurity         AlertDescription = 71  // insufficient_security
	AlertInternalError                AlertDescription = 80  // internal_error
	AlertInappropriateFallback        AlertDescription = 86  // inappropriate_fallback
	AlertUserCanceled                 AlertDescription = 90  // user_canceled
	AlertNoRenegotiation              AlertDescription = 100 // no_renegotiation
	AlertMissingExtension             AlertDescription = 109 // missing_extension
	AlertUnsupportedExtension         AlertDescription = 110 // unsupported_extension
	AlertCertificateUnobtainable      AlertDescription = 111 // certificate_unobtainable
	AlertUnrecognizedName             AlertDescription = 112 // unrecognized_name
	AlertBadCertificateStatusResponse AlertDescription = 113 // bad_certificate_status_response
	AlertBadCertificateHashValue      AlertDescription = 114 // bad_certificate_hash_value
	AlertUnknownPSKIdentity           AlertDescription = 115 // unknown_psk_identity
	AlertCertificateRequired          AlertDescription = 116 // certificate_required
	AlertGeneralError                 AlertDescription = 117 // general_error
	AlertNoApplicationProtocol        AlertDescription = 120 // no_application_protocol
	AlertECHRequired                  AlertDescription = 121 // ech_required
)

// ECPointFormat is an ec_point_formats entry (RFC 8422).
type ECPointFormat uint8

const (
	PointFormatUncompressed    ECPointFormat = 0 // uncompressed
	PointFormatCompressedPrime ECPointFormat = 1 // ansiX962_compressed_prime
	PointFormatCompressedChar2 ECPointFormat = 2 // ansiX962_compressed_char2
)

// PSKKeyExchangeMode is a psk_key_exchange_modes entry (RFC 8446 4.2.9).
type PSKKeyExchangeMode uint8

const (
	PSKModeKE    PSKKeyExchangeMode = 0 // psk_ke
	PSKModeDHEKE PSKKeyExchangeMode = 1 // psk_dhe_ke
)

// CertificateStatusType is the status_type of status_request and
// CertificateStatus (RFC 6066, RFC 6961).
type CertificateStatusType uint8

const (
	StatusTypeOCSP      CertificateStatusType = 1 // ocsp
	StatusTypeOCSPMulti CertificateStatusType = 2 // ocsp_multi
)

// HeartbeatMessageType is the type byte of a heartbeat record (RFC 6520).
type HeartbeatMessageType uint8

const (
	HeartbeatRequest  HeartbeatMessageType = 1 // heartbeat_request
	HeartbeatResponse HeartbeatMessageType = 2 // heartbeat_response
)

// HeartbeatMode is the body of the heartbeat extension (RFC 6520).
type HeartbeatMode uint8

const (
	HeartbeatPeerAllowedToSend    HeartbeatMode = 1 // peer_allowed_to_send
	HeartbeatPeerNotAllowedToSend HeartbeatMode = 2 // peer_not_allowed_to_send
)

// CertCompressionAlgorithm is a compress_certificate algorithm (RFC 8879).
type CertCompressionAlgorithm uint16

const (
	CertCompressionZlib   CertCompressionAlgorithm = 1 // zlib
	CertCompressionBrotli CertCompressionAlgorithm = 2 // brotli
	CertCompressionZstd   CertCompressionAlgorithm = 3 // zstd
)

// ECCurveType is the curve_type of ServerECDHParams (RFC 8422 5.4).
type ECCurveType uint8

const (
	CurveTypeExplicitPrime ECCurveType = 1 // explicit_prime
	CurveTypeExplicitChar2 ECCurveType = 2 // explicit_char2
	CurveTypeNamedCurve    ECCurveType = 3 // named_curve
)

// KeyUpdateRequest is the body of a TLS 1.3 KeyUpdate (RFC 8446 4.6.3).
type KeyUpdateRequest uint8

const (
	UpdateNotRequested KeyUpdateRequest = 0 // update_not_requested
	UpdateRequested    KeyUpdateRequest = 1 // update_requested
)

// SSLv2MessageType is the message type of an SSL 2.0 message
// (draft-hickman-netscape-ssl-00, "Protocol Messages"). Its numbers clash
// with HandshakeType's (4 is SERVER-HELLO here, new_session_ticket there),
// hence its own type and names.
type SSLv2MessageType uint8

const (
	SSLv2MessageTypeError              SSLv2MessageType = 0 // sslv2_error
	SSLv2MessageTypeClientHello        SSLv2MessageType = 1 // sslv2_client_hello
	SSLv2MessageTypeClientMasterKey    SSLv2MessageType = 2 // sslv2_client_master_key
	SSLv2MessageTypeClientFinished     SSLv2MessageType = 3 // sslv2_client_finished
	SSLv2MessageTypeServerHello        SSLv2MessageType = 4 // sslv2_server_hello
	SSLv2MessageTypeServerVerify       SSLv2MessageType = 5 // sslv2_server_verify
	SSLv2MessageTypeServerFinished     SSLv2MessageType = 6 // sslv2_server_finished
	SSLv2MessageTypeRequestCertificate SSLv2MessageType = 7 // sslv2_request_certificate
	SSLv2MessageTypeClientCertificate  SSLv2MessageType = 8 // sslv2_client_certificate
)

// SSLv2ErrorCode is the code of an SSL 2.0 ERROR message
// (draft-hickman-netscape-ssl-00 appendix B).
type SSLv2ErrorCode uint16

const (
	SSLv2ErrorNoCipher                   SSLv2ErrorCode = 0x0001 // no_cipher_error
	SSLv2ErrorNoCertificate              SSLv2ErrorCode = 0x0002 // no_certificate_error
	SSLv2ErrorBadCertificate             SSLv2ErrorCode = 0x0004 // bad_certificate_error
	SSLv2ErrorUnsupportedCertificateType SSLv2ErrorCode = 0x0006 // unsupported_certificate_type_error
)
