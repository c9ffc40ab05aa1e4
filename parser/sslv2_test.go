package parser

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ssldissect/ssldissect/internal/testenv"
	"github.com/ssldissect/ssldissect/internal/tlstest"
	"golang.org/x/crypto/cryptobyte"
)

// SSL 2.0 messages built field by field as draft-hickman-netscape-ssl-00
// ("Protocol Messages") lays them out. Each body starts at the message type
// byte, as in Record.Payload of ParseSSLv2Record. The builders other tests
// share are in internal/tlstest; CLIENT-CERTIFICATE, which only these need,
// is here.

func sslv2ClientCertificateMsg(t testing.TB, cert, resp []byte) []byte {
	return tlstest.Build(t, func(b *cryptobyte.Builder) {
		b.AddUint8(uint8(SSLv2MessageTypeClientCertificate))
		b.AddUint8(1)
		b.AddUint16(uint16(len(cert)))
		b.AddUint16(uint16(len(resp)))
		b.AddBytes(cert)
		b.AddBytes(resp)
	})
}

type sslv2Case struct {
	name string
	body []byte
	want Message
	// strict: every proper prefix of body must fail to parse (the
	// messages whose last field is "the rest" parse any prefix).
	strict bool
}

func sslv2Cases(t testing.TB) []sslv2Case {
	cert := tlstest.Certs(t).RSA.Certificate[0]
	connID := bytes.Repeat([]byte{0xc1}, 16)
	challenge := []byte("0123456789abcdef")
	ch, err := ParseSSLv2ClientHello(tlstest.SSLv2Hello(t, VersionSSL20, []uint32{0x010080, 0x0700c0}, nil, challenge)[2:])
	if err != nil {
		t.Fatal(err)
	}
	return []sslv2Case{
		{"client_hello", tlstest.SSLv2Hello(t, VersionSSL20, []uint32{0x010080, 0x0700c0}, nil, challenge)[2:], ch, true},
		{"server_hello", tlstest.SSLv2ServerHelloMsg(t, false, cert, []uint32{0x010080, 0x0700c0}, connID),
			&SSLv2ServerHello{CertificateType: 1, Version: VersionSSL20, Certificate: cert, CertInfo: ParseCertInfo(cert),
				CipherSpecs: []SSLv2CipherSpec{0x010080, 0x0700c0}, ConnectionID: connID}, true},
		{"server_hello_hit", tlstest.SSLv2ServerHelloMsg(t, true, nil, nil, connID),
			&SSLv2ServerHello{SessionIDHit: true, CertificateType: 1, Version: VersionSSL20, ConnectionID: connID}, true},
		{"client_master_key", tlstest.SSLv2ClientMasterKeyMsg(t, 0x020080, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, bytes.Repeat([]byte{0xee}, 64), nil),
			&SSLv2ClientMasterKey{CipherKind: 0x020080, ClearKey: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, EncryptedKey: bytes.Repeat([]byte{0xee}, 64), KeyArg: []byte{}}, true},
		{"client_master_key_des", tlstest.SSLv2ClientMasterKeyMsg(t, 0x0700c0, nil, bytes.Repeat([]byte{0xee}, 48), []byte{1, 2, 3, 4, 5, 6, 7, 8}),
			&SSLv2ClientMasterKey{CipherKind: 0x0700c0, ClearKey: []byte{}, EncryptedKey: bytes.Repeat([]byte{0xee}, 48), KeyArg: []byte{1, 2, 3, 4, 5, 6, 7, 8}}, true},
		{"error", []byte{0, 0, 1}, &SSLv2Error{Code: SSLv2ErrorNoCipher}, true},
		{"error_unknown_code", []byte{0, 0x12, 0x34}, &SSLv2Error{Code: 0x1234}, true},
		{"client_finished", append([]byte{3}, connID...), &SSLv2ClientFinished{ConnectionID: connID}, false},
		{"server_verify", append([]byte{5}, challenge...), &SSLv2ServerVerify{Challenge: challenge}, false},
		{"server_finished", append([]byte{6}, connID...), &SSLv2ServerFinished{SessionID: connID}, false},
		{"request_certificate", append([]byte{7, 1}, challenge...), &SSLv2RequestCertificate{AuthenticationType: 1, Challenge: challenge}, false},
		{"client_certificate", sslv2ClientCertificateMsg(t, cert, bytes.Repeat([]byte{0x5a}, 32)),
			&SSLv2ClientCertificate{CertificateType: 1, Certificate: cert, CertInfo: ParseCertInfo(cert), Response: bytes.Repeat([]byte{0x5a}, 32)}, true},
		{"unknown_type", []byte{9, 1, 2, 3}, &SSLv2RawMessage{Typ: 9, Body: []byte{1, 2, 3}}, false},
	}
}

func TestSSLv2Messages(t *testing.T) {
	for _, tc := range sslv2Cases(t) {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseSSLv2Message(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m, tc.want) {
				t.Fatalf("got %#v\nwant %#v", m, tc.want)
			}
			if m.Type() != HandshakeType(tc.body[0]) {
				t.Errorf("Type() = %d, want the wire number %d", m.Type(), tc.body[0])
			}
			name := MessageName(m)
			if v2, ok := m.(SSLv2Message); ok {
				if v2.SSLv2Type() != SSLv2MessageType(tc.body[0]) || name != SSLv2MessageType(tc.body[0]).String() {
					t.Errorf("SSLv2Type %v, name %q", v2.SSLv2Type(), name)
				}
			} else if name != "client_hello" {
				t.Errorf("name %q", name)
			}
		})
	}
}

func TestSSLv2MessageNames(t *testing.T) {
	for typ, want := range map[SSLv2MessageType]string{
		0: "sslv2_error", 2: "sslv2_client_master_key", 4: "sslv2_server_hello", 8: "sslv2_client_certificate", 9: "0x09",
	} {
		if got := typ.String(); got != want {
			t.Errorf("%d: %q, want %q", typ, got, want)
		}
	}
	if got := MessageName(&SSLv2ServerHello{}); got != "sslv2_server_hello" {
		t.Errorf("MessageName(SERVER-HELLO) = %q (its number 4 is new_session_ticket in TLS)", got)
	}
	if got := SSLv2ErrorNoCertificate.String(); got != "no_certificate_error" {
		t.Errorf("%q", got)
	}
	if got := SSLv2ErrorCode(3).String(); got != "0x0003" {
		t.Errorf("%q", got)
	}
}

// TestSSLv2Malformed: every proper prefix, and every case with a byte
// added, parses without a panic, and the strict ones fail with an *Error
// and an *SSLv2RawMessage (or nil for the empty input).
func TestSSLv2Malformed(t *testing.T) {
	parse := func(t *testing.T, b []byte) (m Message, err error) {
		t.Helper()
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("panic on %x: %v", b, r)
			}
		}()
		return ParseSSLv2Message(b)
	}
	for _, tc := range sslv2Cases(t) {
		t.Run(tc.name, func(t *testing.T) {
			for i := 0; i < len(tc.body); i++ {
				m, err := parse(t, tc.body[:i])
				if !tc.strict || i == 0 && err != nil {
					continue
				}
				if err == nil || !isParseError(err) {
					t.Fatalf("prefix of %d bytes: %v, %v", i, m, err)
				}
				if r, ok := m.(*SSLv2RawMessage); !ok || !bytes.Equal(r.Body, tc.body[1:i]) || r.Typ != SSLv2MessageType(tc.body[0]) {
					t.Fatalf("prefix of %d bytes: got %#v", i, m)
				}
			}
			if m, err := parse(t, append(bytes.Clone(tc.body), 0)); tc.strict && err == nil {
				t.Fatalf("trailing byte accepted: %#v", m)
			}
		})
	}
	for _, b := range [][]byte{
		nil,
		{2, 0x01, 0x00, 0x80, 0xff, 0xff, 0, 0, 0, 0}, // clear key longer than the message
		{4, 0, 1, 0, 2, 0, 0, 0, 0, 0, 4},             // SERVER-HELLO: connection id too short
		{4, 0, 1, 0, 2, 0, 0, 0, 2, 0, 16},            // cipher specs not a multiple of 3
		{8, 1, 0xff, 0xff, 0, 0},                      // CLIENT-CERTIFICATE: certificate missing
		{7},                                           // REQUEST-CERTIFICATE without its type
		{0, 1},                                        // ERROR code cut
		{1, 0, 2, 0, 0, 0, 0, 0, 16},                  // CLIENT-HELLO with no cipher spec
		{2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4}, // every length too long
	} {
		m, err := parse(t, b)
		if err == nil || !isParseError(err) {
			t.Errorf("%x: %#v, %v: want an *Error", b, m, err)
		}
	}
}

// seedSSLv2 returns SSLv2 messages: the built cases and the clear SSLv2
// records found in the conformance captures, when the corpus is there.
func seedSSLv2(t testing.TB) [][]byte {
	var out [][]byte
	for _, tc := range sslv2Cases(t) {
		out = append(out, tc.body)
	}
	dir := os.Getenv("SSLDISSECT_CONFORMANCE")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "conformance")
	}
	for _, rel := range []string{"zeek/traces/ssl-v2.pcap", "wireshark-notes/ssl3/sslv2.pcapng", "suricata-verify/sslv2-tls-upgrade-01/ssl-v2-s1.pcap"} {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			continue
		}
		// Records with a 2-byte header whose message is a clear type and
		// which parse: the captures' segments hold them whole.
		for i := 0; i+3 <= len(b); i++ {
			if b[i]&0x80 == 0 || b[i+2] > 4 || b[i+2] == 3 {
				continue
			}
			rec, n, err := ParseSSLv2Record(b[i:])
			if err != nil || n < 5 {
				continue
			}
			if _, err := ParseSSLv2Message(rec.Payload); err == nil {
				out = append(out, bytes.Clone(rec.Payload))
			}
		}
	}
	return out
}

func TestSSLv2CaptureSeeds(t *testing.T) {
	seeds := seedSSLv2(t)
	t.Logf("%d seeds", len(seeds))
	types := map[byte]bool{}
	for _, s := range seeds {
		types[s[0]] = true
	}
	if !types[1] || !types[2] || !types[4] {
		t.Errorf("seed types %v", types)
	}
}

func FuzzSSLv2Message(f *testing.F) {
	testenv.SeedCorpus(f, "FuzzSSLv2Message")
	seeds := seedSSLv2(f)
	requireSeeds(f, len(seeds))
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseSSLv2Message(b)
		if len(b) == 0 {
			if err == nil || m != nil {
				t.Fatalf("empty input: %v, %v", m, err)
			}
			return
		}
		if m == nil || m.Type() != HandshakeType(b[0]) {
			t.Fatalf("message %#v for type %d", m, b[0])
		}
		if err != nil {
			if !isParseError(err) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if r, ok := m.(*SSLv2RawMessage); !ok || !bytes.Equal(r.Body, b[1:]) {
				t.Fatalf("on error got %#v", m)
			}
		}
		_ = MessageName(m)
	})
}
