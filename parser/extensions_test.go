package parser

import (
	"errors"
	"reflect"
	"testing"

	"github.com/ssldissect/ssldissect/internal/tlstest"
	"golang.org/x/crypto/cryptobyte"
)

func TestParseExtensions(t *testing.T) {
	protos := func(b *cryptobyte.Builder, ps ...string) {
		for _, p := range ps {
			tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte(p)) })
		}
	}
	list16 := func(vals ...uint16) func(*cryptobyte.Builder) {
		return func(b *cryptobyte.Builder) {
			tlstest.U16(b, func(b *cryptobyte.Builder) {
				for _, v := range vals {
					b.AddUint16(v)
				}
			})
		}
	}
	cases := []struct {
		name string
		typ  ExtensionType
		msg  HandshakeType
		body func(*cryptobyte.Builder)
		want any
	}{
		{"server_name", ExtServerName, HandshakeTypeClientHello, func(b *cryptobyte.Builder) {
			tlstest.U16(b, func(b *cryptobyte.Builder) {
				b.AddUint8(0)
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("a.example")) })
			})
		}, ServerNameExt{Names: []ServerName{{0, "a.example"}}}},
		{"server_name_ack", ExtServerName, HandshakeTypeServerHello, nil, ServerNameExt{}},
		{"max_fragment_length", ExtMaxFragmentLength, HandshakeTypeClientHello, func(b *cryptobyte.Builder) { b.AddUint8(2) }, MaxFragmentLengthExt{Code: 2}},
		{"status_request_ch", ExtStatusRequest, HandshakeTypeClientHello, func(b *cryptobyte.Builder) {
			b.AddUint8(1)
			tlstest.U16(b, nil)
			tlstest.U16(b, nil)
		}, StatusRequestExt{StatusType: StatusTypeOCSP, RequestExtensions: []byte{}}},
		{"status_request_sh", ExtStatusRequest, HandshakeTypeServerHello, nil, StatusRequestExt{Empty: true}},
		{"supported_groups", ExtSupportedGroups, HandshakeTypeClientHello, list16(0x0a0a, 0x11ec, 29, 23),
			SupportedGroupsExt{Groups: []NamedGroup{0x0a0a, GroupX25519MLKEM768, GroupX25519, GroupSecp256r1}}},
		{"ec_point_formats", ExtECPointFormats, HandshakeTypeClientHello, func(b *cryptobyte.Builder) {
			tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddUint8(0) })
		}, ECPointFormatsExt{Formats: []ECPointFormat{PointFormatUncompressed}}},
		{"signature_algorithms", ExtSignatureAlgorithms, HandshakeTypeClientHello, list16(0x0403, 0x0804),
			SignatureSchemesExt{Schemes: []SignatureScheme{SigECDSASecp256r1SHA256, SigRSAPSSRSAESHA256}}},
		{"signature_algorithms_cert", ExtSignatureAlgorithmsCert, HandshakeTypeClientHello, list16(0x0807),
			SignatureSchemesExt{Schemes: []SignatureScheme{SigEd25519}}},
		{"heartbeat", ExtHeartbeat, HandshakeTypeClientHello, func(b *cryptobyte.Builder) { b.AddUint8(1) }, HeartbeatExt{Mode: HeartbeatPeerAllowedToSend}},
		{"alpn_ch", ExtALPN, HandshakeTypeClientHello, func(b *cryptobyte.Builder) {
			tlstest.U16(b, func(b *cryptobyte.Builder) { protos(b, "h2", "http/1.1") })
		}, ALPNExt{Protocols: []string{"h2", "http/1.1"}}},
		{"sct_request", ExtSignedCertificateTimestamp, HandshakeTypeClientHello, nil, SCTListExt{}},
		{"sct_list", ExtSignedCertificateTimestamp, HandshakeTypeServerHello, func(b *cryptobyte.Builder) {
			tlstest.U16(b, func(b *cryptobyte.Builder) {
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte{0, 1, 2}) })
			})
		}, SCTListExt{SCTs: [][]byte{{0, 1, 2}}}},
		{"padding", ExtPadding, HandshakeTypeClientHello, func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, 10)) }, PaddingExt{Length: 10}},
		{"padding_nonzero", ExtPadding, HandshakeTypeClientHello, func(b *cryptobyte.Builder) { b.AddBytes([]byte{0, 1}) }, PaddingExt{Length: 2, NonZero: true}},
		{"encrypt_then_mac", ExtEncryptThenMAC, HandshakeTypeClientHello, nil, EmptyExt{}},
		{"extended_master_secret", ExtExtendedMasterSecret, HandshakeTypeServerHello, nil, EmptyExt{}},
		{"compress_certificate", ExtCompressCertificate, HandshakeTypeClientHello, func(b *cryptobyte.Builder) {
			tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddUint16(2) })
		}, CompressCertificateExt{Algorithms: []CertCompressionAlgorithm{CertCompressionBrotli}}},
		{"record_size_limit", ExtRecordSizeLimit, HandshakeTypeClientHello, func(b *cryptobyte.Builder) { b.AddUint16(16385) }, RecordSizeLimitExt{Limit: 16385}},
		{"connection_id", ExtConnectionID, HandshakeTypeServerHello, func(b *cryptobyte.Builder) {
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte{1, 2, 3, 4, 5, 6, 7, 8}) })
		}, ConnectionIDExt{CID: []byte{1, 2, 3, 4, 5, 6, 7, 8}}},
		{"connection_id_empty", ExtConnectionID, HandshakeTypeClientHello, func(b *cryptobyte.Builder) {
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {})
		}, ConnectionIDExt{CID: []byte{}}},
		{"session_ticket_empty", ExtSessionTicket, HandshakeTypeClientHello, nil, SessionTicketExt{Ticket: []byte{}}},
		{"session_ticket", ExtSessionTicket, HandshakeTypeClientHello, func(b *cryptobyte.Builder) { b.AddBytes([]byte("tkt")) }, SessionTicketExt{Ticket: []byte("tkt")}},
		{"pre_shared_key_ch", ExtPreSharedKey, HandshakeTypeClientHello, func(b *cryptobyte.Builder) {
			tlstest.U16(b, func(b *cryptobyte.Builder) {
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("id")) })
				b.AddUint32(99)
			})
			tlstest.U16(b, func(b *cryptobyte.Builder) {
				tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, 32)) })
			})
		}, PreSharedKeyExt{Identities: []PSKIdentity{{[]byte("id"), 99}}, Binders: [][]byte{make([]byte, 32)}}},
		{"pre_shared_key_sh", ExtPreSharedKey, HandshakeTypeServerHello, func(b *cryptobyte.Builder) { b.AddUint16(0) }, PreSharedKeyExt{HasSelected: true}},
		{"early_data_ch", ExtEarlyData, HandshakeTypeClientHello, nil, EarlyDataExt{}},
		{"early_data_nst", ExtEarlyData, HandshakeTypeNewSessionTicket, func(b *cryptobyte.Builder) { b.AddUint32(1024) }, EarlyDataExt{MaxEarlyDataSize: 1024, HasMax: true}},
		{"supported_versions_ch", ExtSupportedVersions, HandshakeTypeClientHello, func(b *cryptobyte.Builder) {
			tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddUint16(0x2a2a); b.AddUint16(0x0304); b.AddUint16(0x0303) })
		}, SupportedVersionsExt{Versions: []Version{0x2a2a, VersionTLS13, VersionTLS12}}},
		{"supported_versions_sh", ExtSupportedVersions, HandshakeTypeServerHello, func(b *cryptobyte.Builder) { b.AddUint16(0x0304) }, SupportedVersionsExt{Selected: VersionTLS13}},
		{"supported_versions_hrr", ExtSupportedVersions, HandshakeTypeHelloRetryRequest, func(b *cryptobyte.Builder) { b.AddUint16(0x0304) }, SupportedVersionsExt{Selected: VersionTLS13}},
		{"cookie", ExtCookie, HandshakeTypeHelloRetryRequest, func(b *cryptobyte.Builder) {
			tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("c")) })
		}, CookieExt{Cookie: []byte("c")}},
		{"psk_key_exchange_modes", ExtPSKKeyExchangeModes, HandshakeTypeClientHello, func(b *cryptobyte.Builder) {
			tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddUint8(1) })
		}, PSKModesExt{Modes: []PSKKeyExchangeMode{PSKModeDHEKE}}},
		{"post_handshake_auth", ExtPostHandshakeAuth, HandshakeTypeClientHello, nil, EmptyExt{}},
		{"key_share_ch", ExtKeyShare, HandshakeTypeClientHello, func(b *cryptobyte.Builder) {
			tlstest.U16(b, func(b *cryptobyte.Builder) {
				b.AddUint16(29)
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, 32)) })
			})
		}, KeyShareExt{Entries: []KeyShareEntry{{GroupX25519, make([]byte, 32)}}}},
		{"key_share_ch_empty", ExtKeyShare, HandshakeTypeClientHello, func(b *cryptobyte.Builder) { tlstest.U16(b, nil) }, KeyShareExt{}},
		{"key_share_sh", ExtKeyShare, HandshakeTypeServerHello, func(b *cryptobyte.Builder) {
			b.AddUint16(23)
			tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, 65)) })
		}, KeyShareExt{Entries: []KeyShareEntry{{GroupSecp256r1, make([]byte, 65)}}}},
		{"key_share_hrr", ExtKeyShare, HandshakeTypeHelloRetryRequest, func(b *cryptobyte.Builder) { b.AddUint16(23) }, KeyShareExt{SelectedGroup: GroupSecp256r1, HRR: true}},
		{"renegotiation_info", ExtRenegotiationInfo, HandshakeTypeClientHello, func(b *cryptobyte.Builder) { tlstest.U8(b, nil) }, RenegotiationInfoExt{RenegotiatedConnection: []byte{}}},
		{"application_settings_ch", ExtApplicationSettings, HandshakeTypeClientHello, func(b *cryptobyte.Builder) {
			tlstest.U16(b, func(b *cryptobyte.Builder) { protos(b, "h2") })
		}, ApplicationSettingsExt{Protocols: []string{"h2"}}},
		{"application_settings_ee", ExtApplicationSettingsOld, HandshakeTypeEncryptedExtensions, func(b *cryptobyte.Builder) { b.AddBytes([]byte{0, 0}) },
			ApplicationSettingsExt{Settings: []byte{0, 0}}},
		{"npn_sh", ExtNPN, HandshakeTypeServerHello, func(b *cryptobyte.Builder) { protos(b, "spdy/3", "http/1.1") }, NPNExt{Protocols: []string{"spdy/3", "http/1.1"}}},
		{"ech_outer", ExtEncryptedClientHello, HandshakeTypeClientHello, func(b *cryptobyte.Builder) {
			b.AddUint8(0)
			b.AddUint16(1)
			b.AddUint16(1)
			b.AddUint8(7)
			tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte{1, 2}) })
			tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, 10)) })
		}, EncryptedClientHelloExt{KDF: 1, AEAD: 1, ConfigID: 7, Enc: []byte{1, 2}, PayloadLen: 10}},
		{"grease_unknown", 0x1a1a, HandshakeTypeClientHello, func(b *cryptobyte.Builder) { b.AddUint8(0) }, nil},
		{"unknown", 0xfe00, HandshakeTypeClientHello, func(b *cryptobyte.Builder) { b.AddUint8(0) }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			block := tlstest.Build(t, func(b *cryptobyte.Builder) { tlstest.Ext(b, tc.typ, tc.body) })
			exts, err := ParseExtensions(block, tc.msg)
			if err != nil || len(exts) != 1 {
				t.Fatalf("ParseExtensions: %v, %d", err, len(exts))
			}
			e := exts[0]
			if e.Err != nil {
				t.Fatalf("Err = %v", e.Err)
			}
			got := e.Parsed
			if ech, ok := got.(EncryptedClientHelloExt); ok {
				ech.Raw = nil
				got = ech
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Parsed = %#v\nwant %#v", got, tc.want)
			}
			if e.GREASE() != IsGREASE(uint16(tc.typ)) {
				t.Fatal("GREASE()")
			}
		})
	}
}

// A malformed extension keeps its bytes and an error, and the extensions
// after it are still decoded; a broken framing fails the block.
func TestParseExtensionsMalformed(t *testing.T) {
	bad := []struct {
		name string
		typ  ExtensionType
		msg  HandshakeType
		hex  string
	}{
		{"server_name_overrun", ExtServerName, HandshakeTypeClientHello, "0005 00 0001"},
		{"server_name_empty_list", ExtServerName, HandshakeTypeClientHello, "0000"},
		{"alpn_empty_protocol", ExtALPN, HandshakeTypeClientHello, "0001 00"},
		{"alpn_empty_list", ExtALPN, HandshakeTypeClientHello, "0000"},
		{"groups_odd", ExtSupportedGroups, HandshakeTypeClientHello, "0003 001d00"},
		{"groups_trailing", ExtSupportedGroups, HandshakeTypeClientHello, "0002 001d ff"},
		{"supported_versions_sh_long", ExtSupportedVersions, HandshakeTypeServerHello, "03040303"},
		{"key_share_sh_empty_key", ExtKeyShare, HandshakeTypeServerHello, "001d 0000"},
		{"key_share_ch_overrun", ExtKeyShare, HandshakeTypeClientHello, "0010 001d 0020"},
		{"psk_short_binder", ExtPreSharedKey, HandshakeTypeClientHello, "0007 0001 61 00000000 0002 0100"},
		{"ems_with_body", ExtExtendedMasterSecret, HandshakeTypeClientHello, "00"},
		{"record_size_limit_short", ExtRecordSizeLimit, HandshakeTypeClientHello, "40"},
		{"connection_id_past_end", ExtConnectionID, HandshakeTypeClientHello, "0801020304"},
		{"heartbeat_empty", ExtHeartbeat, HandshakeTypeClientHello, ""},
		{"renegotiation_info_overrun", ExtRenegotiationInfo, HandshakeTypeClientHello, "05 00"},
		{"status_request_truncated", ExtStatusRequest, HandshakeTypeClientHello, "01 00"},
		{"ech_outer_truncated", ExtEncryptedClientHello, HandshakeTypeClientHello, "00 0001"},
		{"cookie_empty", ExtCookie, HandshakeTypeHelloRetryRequest, "0000"},
		{"compress_certificate_odd", ExtCompressCertificate, HandshakeTypeClientHello, "03 000200"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			data := tlstest.Unhex(t, tc.hex)
			block := tlstest.Build(t, func(b *cryptobyte.Builder) {
				tlstest.Ext(b, tc.typ, func(b *cryptobyte.Builder) { b.AddBytes(data) })
				tlstest.Ext(b, ExtExtendedMasterSecret, nil)
			})
			exts, err := ParseExtensions(block, tc.msg)
			if err != nil || len(exts) != 2 {
				t.Fatalf("ParseExtensions: %v, %d", err, len(exts))
			}
			var pe *Error
			if !errors.As(exts[0].Err, &pe) || pe.Offset != 4 || exts[0].Parsed != nil || string(exts[0].Data) != string(data) {
				t.Fatalf("first = %+v", exts[0])
			}
			if exts[1].Err != nil || exts[1].Parsed != (EmptyExt{}) {
				t.Fatalf("second = %+v", exts[1])
			}
		})
	}
	for _, h := range []string{"00", "0000", "000000", "0000 0005 00", "0017 0000 00"} {
		t.Run("framing_"+h, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatal(r)
				}
			}()
			if _, err := ParseExtensions(tlstest.Unhex(t, h), HandshakeTypeClientHello); !isParseError(err) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	// A ClientHello with a malformed extension still parses.
	body := clientHelloBody(t, func(b *cryptobyte.Builder) {
		tlstest.Ext(b, ExtSupportedGroups, func(b *cryptobyte.Builder) { b.AddUint8(1) })
		tlstest.Ext(b, ExtALPN, func(b *cryptobyte.Builder) {
			tlstest.U16(b, func(b *cryptobyte.Builder) { tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("h2")) }) })
		})
	})
	m, err := ParseHandshake(HandshakeTypeClientHello, body, Context{})
	if err != nil {
		t.Fatal(err)
	}
	ch := m.(*ClientHello)
	if ch.Extension(ExtSupportedGroups).Err == nil || ch.ALPN()[0] != "h2" {
		t.Fatalf("%+v", ch.Extensions)
	}
}

func TestDuplicateExtensions(t *testing.T) {
	exts := []Extension{{Type: ExtALPN}, {Type: ExtServerName}, {Type: ExtALPN}, {Type: ExtALPN}, {Type: ExtServerName}}
	if got := DuplicateExtensions(exts); !reflect.DeepEqual(got, []ExtensionType{ExtALPN, ExtServerName}) {
		t.Fatalf("got %v", got)
	}
	if got := DuplicateExtensions(exts[:2]); got != nil {
		t.Fatalf("got %v", got)
	}
}
