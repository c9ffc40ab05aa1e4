package parser

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/internal/tlstest"
	"golang.org/x/crypto/cryptobyte"
)

// marshalClientHello and marshalServerHello re-encode a parsed hello from its
// fields (extensions from their kept Data): equality with the captured bytes
// shows nothing was lost or misread.
func marshalClientHello(t testing.TB, m *ClientHello) []byte {
	return tlstest.Build(t, func(b *cryptobyte.Builder) {
		b.AddUint16(uint16(m.LegacyVersion))
		b.AddBytes(m.Random[:])
		tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddBytes(m.SessionID) })
		tlstest.U16(b, func(b *cryptobyte.Builder) {
			for _, cs := range m.CipherSuites {
				b.AddUint16(uint16(cs))
			}
		})
		tlstest.U8(b, func(b *cryptobyte.Builder) {
			for _, c := range m.CompressionMethods {
				b.AddUint8(uint8(c))
			}
		})
		if m.HasExtensions {
			tlstest.U16(b, func(b *cryptobyte.Builder) { marshalExtensions(b, m.Extensions) })
		}
	})
}

func marshalServerHello(t testing.TB, m *ServerHello) []byte {
	return tlstest.Build(t, func(b *cryptobyte.Builder) {
		b.AddUint16(uint16(m.LegacyVersion))
		b.AddBytes(m.Random[:])
		tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddBytes(m.SessionID) })
		b.AddUint16(uint16(m.CipherSuite))
		b.AddUint8(uint8(m.Compression))
		if m.HasExtensions {
			tlstest.U16(b, func(b *cryptobyte.Builder) { marshalExtensions(b, m.Extensions) })
		}
	})
}

func marshalExtensions(b *cryptobyte.Builder, exts []Extension) {
	for _, e := range exts {
		b.AddUint16(uint16(e.Type))
		tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes(e.Data) })
	}
}

// TestRealHandshakes parses what crypto/tls wrote in the recorded handshakes
// and checks the decoded fields against the configurations used.
func TestRealHandshakes(t *testing.T) {
	msgs := capturedMessages(t)
	seen := map[string]bool{}
	for i, m := range msgs {
		ctx := contextFor(t, msgs, m)
		name := fmt.Sprintf("%s/%d_%s", m.recorded, i, m.typ)
		t.Run(name, func(t *testing.T) {
			msg, err := ParseHandshake(m.typ, m.body, ctx)
			if err != nil {
				t.Fatalf("ParseHandshake: %v", err)
			}
			if msg.Type() != m.typ {
				t.Fatalf("Type() = %v, want %v", msg.Type(), m.typ)
			}
			seen[MessageName(msg)] = true
			tls13 := strings.HasPrefix(m.recorded, "tls13")
			switch msg := msg.(type) {
			case *ClientHello:
				if got := marshalClientHello(t, msg); !bytes.Equal(got, m.body) {
					t.Errorf("re-encoded ClientHello differs:\n got %x\nwant %x", got, m.body)
				}
				if sni := msg.SNI(); sni != "rsa.example" && sni != "ecdsa.example" {
					t.Errorf("SNI = %q", sni)
				}
				for _, e := range msg.Extensions {
					if e.Err != nil {
						t.Errorf("extension %v: %v", e.Type, e.Err)
					}
				}
				if m.recorded == "tls13_resumed" {
					psk, _ := msg.Extension(ExtPreSharedKey).Parsed.(PreSharedKeyExt)
					if len(psk.Identities) != 1 || len(psk.Binders) != 1 || len(psk.Identities[0].Identity) == 0 ||
						msg.Extensions[len(msg.Extensions)-1].Type != ExtPreSharedKey {
						t.Errorf("pre_shared_key = %+v", psk)
					}
				}
				if m.recorded == "tls13" && !slices.Equal(msg.ALPN(), []string{"h2", "http/1.1"}) {
					t.Errorf("ALPN = %q", msg.ALPN())
				}
				if tls13 && !slices.Contains(msg.SupportedVersions(), VersionTLS13) {
					t.Errorf("SupportedVersions = %v", msg.SupportedVersions())
				}
				if msg.MaxVersion() != VersionTLS13 && tls13 {
					t.Errorf("MaxVersion = %v", msg.MaxVersion())
				}
				for _, cs := range msg.CipherSuites {
					if strings.HasPrefix(cs.String(), "0x") {
						t.Errorf("crypto/tls offered unnamed suite %v", cs)
					}
				}
			case *ServerHello:
				if got := marshalServerHello(t, msg); !bytes.Equal(got, m.body) {
					t.Errorf("re-encoded ServerHello differs:\n got %x\nwant %x", got, m.body)
				}
				if tls13 && msg.SelectedVersion() != VersionTLS13 {
					t.Errorf("SelectedVersion = %v", msg.SelectedVersion())
				}
				if !tls13 && msg.SelectedVersion() != msg.LegacyVersion {
					t.Errorf("SelectedVersion = %v, legacy %v", msg.SelectedVersion(), msg.LegacyVersion)
				}
				if msg.IsHelloRetryRequest() {
					if MessageName(msg) != "hello_retry_request" {
						t.Errorf("MessageName = %q", MessageName(msg))
					}
					ks, _ := msg.Extension(ExtKeyShare).Parsed.(KeyShareExt)
					if !ks.HRR || ks.SelectedGroup != GroupSecp256r1 {
						t.Errorf("HRR key_share = %+v", ks)
					}
				}
				if m.recorded == "tls13_resumed" {
					if psk, _ := msg.Extension(ExtPreSharedKey).Parsed.(PreSharedKeyExt); !psk.HasSelected || psk.Selected != 0 {
						t.Errorf("pre_shared_key = %+v", psk)
					}
				}
				if m.recorded == "tls12_ecdhe_rsa" && msg.ALPN() != "http/1.1" {
					t.Errorf("ALPN = %q", msg.ALPN())
				}
			case *Certificate:
				if msg.TLS13 != tls13 {
					t.Errorf("TLS13 = %v", msg.TLS13)
				}
				if len(msg.Entries) != 1 {
					t.Fatalf("%d entries", len(msg.Entries))
				}
				ci := msg.Entries[0].Info
				if ci.Err != nil || !ci.SelfSigned || ci.Serial != "1234abcd" {
					t.Errorf("CertInfo = %+v", ci)
				}
				wantKey := "ECDSA P-256"
				if strings.Contains(ci.Subject, "rsa.example") && !strings.Contains(ci.Subject, "ecdsa") {
					wantKey = "RSA 2048"
				}
				if ci.Key != wantKey {
					t.Errorf("Key = %q, want %q (subject %q)", ci.Key, wantKey, ci.Subject)
				}
				if len(ci.SAN) != 3 || ci.SAN[2] != "192.0.2.1" {
					t.Errorf("SAN = %q", ci.SAN)
				}
			case *ServerKeyExchange:
				if msg.KeyExchange != "ECDHE" || msg.CurveType != CurveTypeNamedCurve || len(msg.PublicKey) == 0 || len(msg.Signature) == 0 {
					t.Errorf("ServerKeyExchange = %+v", msg)
				}
				if msg.HasScheme != (ctx.Version == VersionTLS12) {
					t.Errorf("HasScheme = %v for %v", msg.HasScheme, ctx.Version)
				}
			case *ClientKeyExchange:
				switch msg.KeyExchange {
				case "ECDHE":
					if len(msg.ECPoint) == 0 {
						t.Errorf("no EC point")
					}
				case "RSA":
					if len(msg.EncryptedPreMaster) != 256 {
						t.Errorf("encrypted premaster of %d bytes", len(msg.EncryptedPreMaster))
					}
				default:
					t.Errorf("KeyExchange = %q", msg.KeyExchange)
				}
			case *CertificateRequest:
				if msg.TLS13 != tls13 || len(msg.SignatureSchemes) == 0 || (!tls13 && len(msg.CertificateTypes) == 0) {
					t.Errorf("CertificateRequest = %+v", msg)
				}
			case *EncryptedExtensions:
				if m.recorded == "tls13" && msg.ALPN() != "h2" {
					t.Errorf("ALPN = %q", msg.ALPN())
				}
			case *Finished:
				if want := map[bool]int{true: 32, false: 12}[tls13]; len(msg.VerifyData) != want && len(msg.VerifyData) != 48 {
					t.Errorf("verify_data of %d bytes", len(msg.VerifyData))
				}
			case *CertificateVerify:
				if !msg.HasScheme || len(msg.Signature) == 0 {
					t.Errorf("CertificateVerify = %+v", msg)
				}
			case *NewSessionTicket:
				if msg.TLS13 != tls13 || len(msg.Ticket) == 0 || (tls13 && msg.Lifetime == 0) {
					t.Errorf("NewSessionTicket = %+v", msg)
				}
			}
		})
	}
	for _, want := range []string{"client_hello", "server_hello", "hello_retry_request", "certificate",
		"server_key_exchange", "certificate_request", "server_hello_done", "certificate_verify",
		"client_key_exchange", "new_session_ticket", "encrypted_extensions", "finished"} {
		if !seen[want] {
			t.Errorf("no %s in the recorded handshakes", want)
		}
	}
}

// builtCase is a message built with cryptobyte.Builder.
type builtCase struct {
	name  string
	typ   HandshakeType
	ctx   Context
	body  []byte
	check func(t *testing.T, m Message)
	// prefixOK lists prefix lengths that legitimately parse (a hello ends
	// where its optional extensions block would start; a Finished is any
	// non-empty byte string).
	prefixOK func(n int) bool
}

func builtCases(t testing.TB) []builtCase {
	tls12 := Context{Version: VersionTLS12}
	tls13 := Context{Version: VersionTLS13}
	chBody := clientHelloBody(t, func(b *cryptobyte.Builder) {
		tlstest.Ext(b, ExtServerName, func(b *cryptobyte.Builder) {
			tlstest.U16(b, func(b *cryptobyte.Builder) {
				b.AddUint8(0)
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("example.com")) })
			})
		})
	})
	chNoExt := clientHelloBody(t, nil)
	zcert := func() []byte {
		inner := tlstest.Build(t, func(b *cryptobyte.Builder) {
			b.AddUint8(0)
			tlstest.U24(b, func(b *cryptobyte.Builder) {
				tlstest.U24(b, func(b *cryptobyte.Builder) { b.AddBytes(tlstest.Certs(t).ECDSA.Certificate[0]) })
				tlstest.U16(b, nil)
			})
		})
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		w.Write(inner)
		w.Close()
		return tlstest.Build(t, func(b *cryptobyte.Builder) {
			b.AddUint16(uint16(CertCompressionZlib))
			b.AddUint24(uint32(len(inner)))
			tlstest.U24(b, func(b *cryptobyte.Builder) { b.AddBytes(z.Bytes()) })
		})
	}()
	return []builtCase{
		{name: "hello_request", typ: HandshakeTypeHelloRequest, body: []byte{}},
		{name: "client_hello", typ: HandshakeTypeClientHello, body: chBody,
			prefixOK: func(n int) bool { return n == len(chNoExt) },
			check: func(t *testing.T, m Message) {
				ch := m.(*ClientHello)
				if ch.SNI() != "example.com" || len(ch.CipherSuites) != 3 || !bytes.Equal(ch.SessionID, []byte{1, 2, 3, 4}) {
					t.Errorf("%+v", ch)
				}
			}},
		{name: "client_hello_no_extensions", typ: HandshakeTypeClientHello, body: chNoExt,
			check: func(t *testing.T, m Message) {
				if ch := m.(*ClientHello); ch.HasExtensions || ch.Extensions != nil {
					t.Errorf("%+v", ch)
				}
			}},
		{name: "server_hello_tls12", typ: HandshakeTypeServerHello, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
			b.AddUint16(0x0303)
			b.AddBytes(append(make([]byte, 24), "DOWNGRD\x00"...))
			tlstest.U8(b, nil)
			b.AddUint16(0xc02f)
			b.AddUint8(0)
			tlstest.U16(b, func(b *cryptobyte.Builder) { tlstest.Ext(b, ExtExtendedMasterSecret, nil) })
		}), prefixOK: func(n int) bool { return n == 38 },
			check: func(t *testing.T, m Message) {
				sh := m.(*ServerHello)
				if sh.Downgrade() != "TLS 1.1" || sh.CipherSuite.String() != "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" {
					t.Errorf("%+v", sh)
				}
			}},
		{name: "new_session_ticket_tls12", typ: HandshakeTypeNewSessionTicket, ctx: tls12, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
			b.AddUint32(7200)
			tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("ticket")) })
		}), check: func(t *testing.T, m Message) {
			if n := m.(*NewSessionTicket); n.TLS13 || n.Lifetime != 7200 || string(n.Ticket) != "ticket" {
				t.Errorf("%+v", n)
			}
		}},
		{name: "new_session_ticket_tls13", typ: HandshakeTypeNewSessionTicket, ctx: tls13, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
			b.AddUint32(604800)
			b.AddUint32(0xdeadbeef)
			tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddUint8(0) })
			tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("ticket13")) })
			tlstest.U16(b, func(b *cryptobyte.Builder) {
				tlstest.Ext(b, ExtEarlyData, func(b *cryptobyte.Builder) { b.AddUint32(16384) })
			})
		}), check: func(t *testing.T, m Message) {
			n := m.(*NewSessionTicket)
			if !n.TLS13 || n.AgeAdd != 0xdeadbeef || n.MaxEarlyDataSize() != 16384 {
				t.Errorf("%+v", n)
			}
		}},
		{name: "end_of_early_data", typ: HandshakeTypeEndOfEarlyData, body: []byte{}},
		{name: "encrypted_extensions", typ: HandshakeTypeEncryptedExtensions, ctx: tls13, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
			tlstest.U16(b, func(b *cryptobyte.Builder) {
				tlstest.Ext(b, ExtALPN, func(b *cryptobyte.Builder) {
					tlstest.U16(b, func(b *cryptobyte.Builder) { tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("h2")) }) })
				})
				tlstest.Ext(b, ExtServerName, nil)
			})
		}), check: func(t *testing.T, m Message) {
			if ee := m.(*EncryptedExtensions); ee.ALPN() != "h2" || ee.Extension(ExtServerName) == nil {
				t.Errorf("%+v", ee)
			}
		}},
		{name: "certificate_tls13", typ: HandshakeTypeCertificate, ctx: tls13, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
			tlstest.U8(b, nil)
			tlstest.U24(b, func(b *cryptobyte.Builder) {
				tlstest.U24(b, func(b *cryptobyte.Builder) { b.AddBytes(tlstest.Certs(t).ECDSA.Certificate[0]) })
				tlstest.U16(b, func(b *cryptobyte.Builder) {
					tlstest.Ext(b, ExtStatusRequest, func(b *cryptobyte.Builder) {
						b.AddUint8(1)
						tlstest.U24(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte{0x30, 0x03, 0x0a, 0x01, 0x00}) })
					})
				})
			})
		}), check: func(t *testing.T, m Message) {
			c := m.(*Certificate)
			sr, _ := c.Entries[0].Extensions[0].Parsed.(StatusRequestExt)
			if !c.TLS13 || c.Entries[0].Info.Key != "ECDSA P-256" || len(sr.OCSPResponse) != 5 {
				t.Errorf("%+v", c)
			}
		}},
		{name: "certificate_empty_tls12", typ: HandshakeTypeCertificate, ctx: tls12, body: []byte{0, 0, 0}},
		{name: "compressed_certificate_zlib", typ: HandshakeTypeCompressedCertificate, ctx: tls13, body: zcert,
			check: func(t *testing.T, m Message) {
				cc := m.(*CompressedCertificate)
				if cc.Certificate == nil || len(cc.Certificate.Entries) != 1 || cc.Note != "" {
					t.Errorf("%+v", cc)
				}
			}},
		{name: "compressed_certificate_brotli", typ: HandshakeTypeCompressedCertificate, ctx: tls13, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
			b.AddUint16(uint16(CertCompressionBrotli))
			b.AddUint24(100)
			tlstest.U24(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte{1, 2, 3}) })
		}), check: func(t *testing.T, m Message) {
			if cc := m.(*CompressedCertificate); cc.Certificate != nil || !strings.Contains(cc.Note, "brotli") {
				t.Errorf("%+v", cc)
			}
		}},
		{name: "server_key_exchange_dhe_tls12", typ: HandshakeTypeServerKeyExchange,
			ctx: Context{Version: VersionTLS12, CipherSuite: 0x009e}, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes(append([]byte{0xff}, make([]byte, 127)...)) })
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddUint8(2) })
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, 128)) })
				b.AddUint16(uint16(SigRSAPSSRSAESHA256))
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, 256)) })
			}), check: func(t *testing.T, m Message) {
				ske := m.(*ServerKeyExchange)
				if ske.KeyExchange != "DHE" || ske.DHBits() != 1024 || ske.Scheme != SigRSAPSSRSAESHA256 {
					t.Errorf("%+v", ske)
				}
			}},
		{name: "server_key_exchange_rsa_export_tls10", typ: HandshakeTypeServerKeyExchange,
			ctx: Context{Version: VersionTLS10, CipherSuite: 0x0003}, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes(append([]byte{0x80}, make([]byte, 63)...)) })
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte{1, 0, 1}) })
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, 128)) })
			}), check: func(t *testing.T, m Message) {
				if ske := m.(*ServerKeyExchange); ske.RSABits() != 512 || ske.HasScheme {
					t.Errorf("%+v", ske)
				}
			}},
		{name: "server_key_exchange_ecdhe_psk", typ: HandshakeTypeServerKeyExchange,
			ctx: Context{Version: VersionTLS12, CipherSuite: 0xc035}, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("hint")) })
				b.AddUint8(3)
				b.AddUint16(uint16(GroupX25519))
				tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, 32)) })
			}), check: func(t *testing.T, m Message) {
				if ske := m.(*ServerKeyExchange); string(ske.PSKHint) != "hint" || ske.Group != GroupX25519 || ske.HasSignature {
					t.Errorf("%+v", ske)
				}
			}},
		{name: "server_key_exchange_psk", typ: HandshakeTypeServerKeyExchange,
			ctx: Context{Version: VersionTLS12, CipherSuite: 0x008c}, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("hint")) })
			})},
		{name: "server_key_exchange_srp_raw", typ: HandshakeTypeServerKeyExchange,
			ctx: Context{Version: VersionTLS12, CipherSuite: 0xc01d}, body: []byte{1, 2, 3},
			prefixOK: func(int) bool { return true },
			check: func(t *testing.T, m Message) {
				if ske := m.(*ServerKeyExchange); !bytes.Equal(ske.Raw, []byte{1, 2, 3}) {
					t.Errorf("%+v", ske)
				}
			}},
		{name: "certificate_request_tls13", typ: HandshakeTypeCertificateRequest, ctx: tls13, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
			tlstest.U8(b, nil)
			tlstest.U16(b, func(b *cryptobyte.Builder) {
				tlstest.Ext(b, ExtSignatureAlgorithms, func(b *cryptobyte.Builder) {
					tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddUint16(uint16(SigEd25519)) })
				})
			})
		}), check: func(t *testing.T, m Message) {
			if cr := m.(*CertificateRequest); !cr.TLS13 || !slices.Equal(cr.SignatureSchemes, []SignatureScheme{SigEd25519}) {
				t.Errorf("%+v", cr)
			}
		}},
		{name: "certificate_request_tls11", typ: HandshakeTypeCertificateRequest, ctx: Context{Version: VersionTLS11}, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
			tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddUint8(1) })
			tlstest.U16(b, func(b *cryptobyte.Builder) {
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte{0x30, 0x00}) })
			})
		}), check: func(t *testing.T, m Message) {
			if cr := m.(*CertificateRequest); len(cr.CertificateAuthorities) != 1 || cr.SignatureSchemes != nil {
				t.Errorf("%+v", cr)
			}
		}},
		{name: "server_hello_done", typ: HandshakeTypeServerHelloDone, body: []byte{}},
		{name: "certificate_verify_tls11", typ: HandshakeTypeCertificateVerify, ctx: Context{Version: VersionTLS11}, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
			tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, 36)) })
		}), check: func(t *testing.T, m Message) {
			if cv := m.(*CertificateVerify); cv.HasScheme || len(cv.Signature) != 36 {
				t.Errorf("%+v", cv)
			}
		}},
		{name: "client_key_exchange_rsa_ssl3", typ: HandshakeTypeClientKeyExchange,
			ctx: Context{Version: VersionSSL30, CipherSuite: 0x000a}, body: make([]byte, 128),
			prefixOK: func(n int) bool { return n > 0 },
			check: func(t *testing.T, m Message) {
				if cke := m.(*ClientKeyExchange); len(cke.EncryptedPreMaster) != 128 {
					t.Errorf("%+v", cke)
				}
			}},
		{name: "client_key_exchange_dhe", typ: HandshakeTypeClientKeyExchange,
			ctx: Context{Version: VersionTLS12, CipherSuite: 0x0033}, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, 256)) })
			}), check: func(t *testing.T, m Message) {
				if cke := m.(*ClientKeyExchange); len(cke.DHYc) != 256 {
					t.Errorf("%+v", cke)
				}
			}},
		{name: "client_key_exchange_psk", typ: HandshakeTypeClientKeyExchange,
			ctx: Context{Version: VersionTLS12, CipherSuite: 0x00a8}, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("client1")) })
			}), check: func(t *testing.T, m Message) {
				if cke := m.(*ClientKeyExchange); string(cke.PSKIdentity) != "client1" {
					t.Errorf("%+v", cke)
				}
			}},
		{name: "finished", typ: HandshakeTypeFinished, body: make([]byte, 12), prefixOK: func(n int) bool { return n > 0 }},
		{name: "certificate_url", typ: HandshakeTypeCertificateURL, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
			b.AddUint8(0)
			tlstest.U16(b, func(b *cryptobyte.Builder) {
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("http://x/c.der")) })
				b.AddUint8(1)
				b.AddBytes(make([]byte, 20))
			})
		}), check: func(t *testing.T, m Message) {
			if cu := m.(*CertificateURL); len(cu.URLs) != 1 || cu.URLs[0].URL != "http://x/c.der" || len(cu.URLs[0].Hash) != 20 {
				t.Errorf("%+v", cu)
			}
		}},
		{name: "certificate_status_ocsp", typ: HandshakeTypeCertificateStatus, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
			b.AddUint8(1)
			tlstest.U24(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte{0x30, 0x03, 0x0a, 0x01, 0x00}) })
		}), check: func(t *testing.T, m Message) {
			if cs := m.(*CertificateStatus); len(cs.OCSPResponse) != 5 {
				t.Errorf("%+v", cs)
			}
		}},
		{name: "supplemental_data", typ: HandshakeTypeSupplementalData, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
			tlstest.U24(b, func(b *cryptobyte.Builder) {
				b.AddUint16(16386)
				tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte{1, 2}) })
			})
		})},
		{name: "key_update", typ: HandshakeTypeKeyUpdate, body: []byte{1}, check: func(t *testing.T, m Message) {
			if ku := m.(*KeyUpdate); ku.Request != UpdateRequested {
				t.Errorf("%+v", ku)
			}
		}},
		{name: "next_protocol", typ: HandshakeTypeNextProtocol, body: tlstest.Build(t, func(b *cryptobyte.Builder) {
			tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("spdy/3")) })
			tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, 24)) })
		}), check: func(t *testing.T, m Message) {
			if np := m.(*NextProtocol); np.Protocol != "spdy/3" || np.PaddingLen != 24 {
				t.Errorf("%+v", np)
			}
		}},
		{name: "message_hash", typ: HandshakeTypeMessageHash, body: make([]byte, 32), prefixOK: func(n int) bool { return n > 0 }},
		{name: "unknown_type_raw", typ: 99, body: []byte{1, 2, 3}, prefixOK: func(int) bool { return true },
			check: func(t *testing.T, m Message) {
				if r := m.(*RawMessage); r.Typ != 99 || !bytes.Equal(r.Body, []byte{1, 2, 3}) {
					t.Errorf("%+v", r)
				}
			}},
	}
}

func TestBuiltMessages(t *testing.T) {
	for _, tc := range builtCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseHandshake(tc.typ, tc.body, tc.ctx)
			if err != nil {
				t.Fatalf("ParseHandshake: %v", err)
			}
			if _, raw := m.(*RawMessage); raw && tc.typ != 99 {
				t.Fatalf("got %T", m)
			}
			if tc.check != nil {
				tc.check(t, m)
			}
		})
	}
}

// TestNoPrefixParses: a strict prefix of a valid body is not a valid message,
// except where the format allows it (see builtCase.prefixOK).
func TestNoPrefixParses(t *testing.T) {
	type vector struct {
		name     string
		typ      HandshakeType
		ctx      Context
		body     []byte
		prefixOK func(int) bool
	}
	var vs []vector
	for _, tc := range builtCases(t) {
		vs = append(vs, vector{tc.name, tc.typ, tc.ctx, tc.body, tc.prefixOK})
	}
	msgs := capturedMessages(t)
	for _, m := range msgs {
		v := vector{name: m.recorded + "/" + m.typ.String(), typ: m.typ, ctx: contextFor(t, msgs, m), body: m.body}
		if m.typ == HandshakeTypeFinished {
			v.prefixOK = func(i int) bool { return i > 0 } // verify_data is the whole body
		}
		if m.typ == HandshakeTypeClientHello || m.typ == HandshakeTypeServerHello {
			// The hello without its extensions block is itself a valid hello.
			msg, _ := ParseHandshake(m.typ, m.body, v.ctx)
			n := len(m.body)
			switch h := msg.(type) {
			case *ClientHello:
				n = len(marshalClientHello(t, &ClientHello{LegacyVersion: h.LegacyVersion, SessionID: h.SessionID, CipherSuites: h.CipherSuites, CompressionMethods: h.CompressionMethods}))
			case *ServerHello:
				n = 38 + len(h.SessionID)
			}
			v.prefixOK = func(i int) bool { return i == n }
		}
		vs = append(vs, v)
	}
	for _, v := range vs {
		t.Run(v.name, func(t *testing.T) {
			for i := 0; i < len(v.body); i++ {
				m, err := ParseHandshake(v.typ, v.body[:i], v.ctx)
				if err == nil && (v.prefixOK == nil || !v.prefixOK(i)) {
					t.Fatalf("prefix of %d/%d bytes parses", i, len(v.body))
				}
				if err != nil && !isParseError(err) {
					t.Fatalf("prefix %d: error %v is not an *Error", i, err)
				}
				if err != nil && !isPartialHello(m) {
					if _, raw := m.(*RawMessage); !raw {
						t.Fatalf("prefix %d: error with %T, want *RawMessage or a partial hello", i, m)
					}
				}
				if err == nil && isPartialHello(m) {
					t.Fatalf("prefix %d: partial hello without an error", i)
				}
			}
			// And through the handshake layer: a strict prefix is never a message.
			raw := tlstest.HandshakeMsg(t, v.typ, v.body)
			for i := 0; i < len(raw); i++ {
				var hr HandshakeReader
				if err := hr.Write(raw[:i]); err != nil {
					t.Fatal(err)
				}
				if _, _, _, err := hr.Next(); err != ErrNeedMore {
					t.Fatalf("handshake prefix %d/%d: err = %v", i, len(raw), err)
				}
			}
		})
	}
}

// TestMalformedMessages runs crafted bodies under recover: each must give an
// *Error and a *RawMessage (or, for a hello broken after its random, the
// partial hello), never a panic.
func TestMalformedMessages(t *testing.T) {
	tls12 := Context{Version: VersionTLS12, CipherSuite: 0xc02f}
	tls13 := Context{Version: VersionTLS13, CipherSuite: 0x1301}
	cases := []struct {
		name string
		typ  HandshakeType
		ctx  Context
		hex  string
	}{
		{"hello_request_with_body", HandshakeTypeHelloRequest, tls12, "00"},
		{"client_hello_empty", HandshakeTypeClientHello, tls12, ""},
		{"client_hello_short_random", HandshakeTypeClientHello, tls12, "0303 0000"},
		{"client_hello_session_id_33", HandshakeTypeClientHello, tls12, "0303" + strings.Repeat("00", 32) + "21" + strings.Repeat("00", 33) + "0002c02f0100"},
		{"client_hello_odd_suites", HandshakeTypeClientHello, tls12, "0303" + strings.Repeat("00", 32) + "00 0003c02f00 0100"},
		{"client_hello_no_suites", HandshakeTypeClientHello, tls12, "0303" + strings.Repeat("00", 32) + "00 0000 0100"},
		{"client_hello_no_compression", HandshakeTypeClientHello, tls12, "0303" + strings.Repeat("00", 32) + "00 0002c02f 00"},
		{"client_hello_ext_overrun", HandshakeTypeClientHello, tls12, "0303" + strings.Repeat("00", 32) + "00 0002c02f 0100 0010 0000 0005 00"},
		{"client_hello_trailing", HandshakeTypeClientHello, tls12, "0303" + strings.Repeat("00", 32) + "00 0002c02f 0100 0000 ff"},
		{"client_hello_ext_len_1", HandshakeTypeClientHello, tls12, "0303" + strings.Repeat("00", 32) + "00 0002c02f 0100 00"},
		{"server_hello_truncated", HandshakeTypeServerHello, tls12, "0303" + strings.Repeat("00", 32) + "00 c0"},
		{"server_hello_huge_sid", HandshakeTypeServerHello, tls12, "0303" + strings.Repeat("00", 32) + "ff"},
		{"nst12_short", HandshakeTypeNewSessionTicket, tls12, "000000"},
		{"nst12_overrun", HandshakeTypeNewSessionTicket, tls12, "00000001 0005 00"},
		{"nst13_no_ticket", HandshakeTypeNewSessionTicket, tls13, "00000001 00000002 00 0000 0000"},
		{"eoed_body", HandshakeTypeEndOfEarlyData, tls13, "01"},
		{"ee_empty", HandshakeTypeEncryptedExtensions, tls13, ""},
		{"ee_overrun", HandshakeTypeEncryptedExtensions, tls13, "0008 0000 0010"},
		{"cert12_overrun", HandshakeTypeCertificate, tls12, "000010 00000c 3082"},
		{"cert12_empty_cert", HandshakeTypeCertificate, tls12, "000003 000000"},
		{"cert13_missing_ext_len", HandshakeTypeCertificate, tls13, "00 000005 000002 3000"},
		{"ccert_overrun", HandshakeTypeCompressedCertificate, tls13, "0001 000100 000010 78"},
		{"ske_ecdhe_no_point", HandshakeTypeServerKeyExchange, tls12, "03 001d"},
		{"ske_ecdhe_bad_sig", HandshakeTypeServerKeyExchange, tls12, "03 001d 01 04 0403 0010 00"},
		{"ske_ecdhe_trailing_after_sig", HandshakeTypeServerKeyExchange, tls12, "03 001d 01 04 0403 0001 00 ff"},
		{"ske_dhe_empty_p", HandshakeTypeServerKeyExchange, Context{Version: VersionTLS12, CipherSuite: 0x0033}, "0000"},
		{"ske_unsigned_trailing", HandshakeTypeServerKeyExchange, Context{Version: VersionTLS12, CipherSuite: 0x008c}, "0001 41 ff"},
		{"cr12_no_types", HandshakeTypeCertificateRequest, tls12, "00"},
		{"cr12_bad_schemes", HandshakeTypeCertificateRequest, tls12, "01 01 0003 040104 0000"},
		{"cr13_overrun", HandshakeTypeCertificateRequest, tls13, "00 0010"},
		{"shd_body", HandshakeTypeServerHelloDone, tls12, "00"},
		{"cv_empty_sig", HandshakeTypeCertificateVerify, tls12, "0403 0000"},
		{"cv_overrun", HandshakeTypeCertificateVerify, tls12, "0403 0010 00"},
		{"cke_ecdhe_empty", HandshakeTypeClientKeyExchange, tls12, ""},
		{"cke_ecdhe_overrun", HandshakeTypeClientKeyExchange, tls12, "20 0000"},
		{"cke_rsa_overrun", HandshakeTypeClientKeyExchange, Context{Version: VersionTLS12, CipherSuite: 0x002f}, "0100 00"},
		{"finished_empty", HandshakeTypeFinished, tls12, ""},
		{"finished_huge", HandshakeTypeFinished, tls12, strings.Repeat("00", 65)},
		{"cert_url_empty", HandshakeTypeCertificateURL, tls12, "00 0000"},
		{"cert_url_bad_padding", HandshakeTypeCertificateURL, tls12, "00 0004 0001 61 07"},
		{"cert_status_overrun", HandshakeTypeCertificateStatus, tls12, "01 000010 30"},
		{"supplemental_empty", HandshakeTypeSupplementalData, tls12, "000000"},
		{"key_update_2", HandshakeTypeKeyUpdate, tls13, "02"},
		{"key_update_long", HandshakeTypeKeyUpdate, tls13, "0000"},
		{"next_protocol_no_padding", HandshakeTypeNextProtocol, tls12, "02 6832"},
		{"message_hash_empty", HandshakeTypeMessageHash, tls13, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panic: %v", r)
				}
			}()
			body := tlstest.Unhex(t, tc.hex)
			m, err := ParseHandshake(tc.typ, body, tc.ctx)
			if !isParseError(err) {
				t.Fatalf("err = %v (%T), want *Error; message %+v", err, err, m)
			}
			if !isPartialHello(m) {
				if r, ok := m.(*RawMessage); !ok || r.Typ != tc.typ || !bytes.Equal(r.Body, body) {
					t.Fatalf("message = %#v, want the body as *RawMessage or a partial hello", m)
				}
			}
			if err.Error() == "" {
				t.Fatal("empty error text")
			}
		})
	}
}

func TestParseHandshakeTooLarge(t *testing.T) {
	body := make([]byte, MaxHandshakeLen+1)
	m, err := ParseHandshake(HandshakeTypeClientHello, body, Context{})
	if !isParseError(err) || !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if r, ok := m.(*RawMessage); !ok || r.Body != nil || r.Typ != HandshakeTypeClientHello {
		t.Fatalf("m = %T", m)
	}
	// Certificates get the larger cap.
	if _, err := ParseHandshake(HandshakeTypeCertificate, body, Context{}); errors.Is(err, ErrTooLarge) {
		t.Fatal("Certificate of 64 KiB + 1 rejected as too large")
	}
}

// TestParseCopiesInput: decoded structs must not alias the input.
func TestParseCopiesInput(t *testing.T) {
	for _, m := range capturedMessages(t) {
		if m.typ != HandshakeTypeClientHello {
			continue
		}
		body := append([]byte(nil), m.body...)
		msg, err := ParseHandshake(m.typ, body, Context{})
		if err != nil {
			t.Fatal(err)
		}
		before := fmt.Sprintf("%+v", msg)
		for i := range body {
			body[i] ^= 0xff
		}
		if after := fmt.Sprintf("%+v", msg); after != before {
			t.Fatal("ClientHello changed when its input was overwritten")
		}
		return
	}
	t.Fatal("no ClientHello captured")
}

// TestUnknownVersion: when the version is unknown (a capture that starts
// after the hellos), the layouts that depend on it are guessed from the
// bytes; on real messages the guess must give what the known version gives.
func TestUnknownVersion(t *testing.T) {
	msgs := capturedMessages(t)
	n := 0
	for i, m := range msgs {
		switch m.typ {
		case HandshakeTypeCertificate, HandshakeTypeCertificateRequest, HandshakeTypeCertificateVerify,
			HandshakeTypeNewSessionTicket, HandshakeTypeClientKeyExchange, HandshakeTypeServerKeyExchange:
		default:
			continue
		}
		ctx := contextFor(t, msgs, m)
		t.Run(fmt.Sprintf("%s/%d_%s", m.recorded, i, m.typ), func(t *testing.T) {
			known, err := ParseHandshake(m.typ, m.body, ctx)
			if err != nil {
				t.Fatal(err)
			}
			guessed, err := ParseHandshake(m.typ, m.body, Context{CipherSuite: ctx.CipherSuite, FromServer: ctx.FromServer})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(known, guessed) {
				t.Fatalf("with %v: %+v\nunknown version: %+v", ctx.Version, known, guessed)
			}
		})
		n++
	}
	if n < 10 {
		t.Fatalf("only %d messages", n)
	}
}
