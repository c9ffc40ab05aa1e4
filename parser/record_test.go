package parser

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/ssldissect/ssldissect/internal/tlstest"
	"golang.org/x/crypto/cryptobyte"
)

func TestParseRecord(t *testing.T) {
	cases := []struct {
		name    string
		hex     string
		typ     ContentType
		version Version
		payload string
		err     error // nil, ErrNeedMore, ErrMalformed, ErrTooLarge
	}{
		{"handshake", "16 0301 0004 0e000000", ContentTypeHandshake, VersionTLS10, "0e000000", nil},
		{"alert_tls12", "15 0303 0002 0100 ffff", ContentTypeAlert, VersionTLS12, "0100", nil},
		{"ccs_ssl3", "14 0300 0001 01", ContentTypeChangeCipherSpec, VersionSSL30, "01", nil},
		{"app_data_empty", "17 0303 0000", ContentTypeApplicationData, VersionTLS12, "", nil},
		{"heartbeat", "18 0302 0003 010000", ContentTypeHeartbeat, VersionTLS11, "010000", nil},
		{"tls13_draft_version", "17 7f17 0001 00", ContentTypeApplicationData, 0x7f17, "00", nil},
		{"max_len", "17 0303 4800", 0, 0, "", ErrNeedMore},
		{"empty", "", 0, 0, "", ErrNeedMore},
		{"header_only_type", "16", 0, 0, "", ErrNeedMore},
		{"header_4", "16 0303 00", 0, 0, "", ErrNeedMore},
		{"payload_short", "16 0303 0005 0100", 0, 0, "", ErrNeedMore},
		{"bad_type", "19 0303 0001 00", 0, 0, "", ErrMalformed},
		{"http", "474554202f20", 0, 0, "", ErrMalformed},
		{"bad_major", "16 0203 0001 00", 0, 0, "", ErrMalformed},
		{"bad_major_early", "16 02", 0, 0, "", ErrMalformed},
		{"bad_minor", "16 0305 0001 00", 0, 0, "", ErrMalformed},
		{"dtls_version", "16 fefd 0001 00", 0, 0, "", ErrMalformed},
		{"too_long", "17 0303 4801", 0, 0, "", ErrTooLarge},
		{"empty_handshake", "16 0303 0000", 0, 0, "", ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := tlstest.Unhex(t, tc.hex)
			rec, n, err := ParseRecord(b)
			switch {
			case tc.err == nil && err != nil:
				t.Fatalf("err = %v", err)
			case tc.err == ErrNeedMore && err != ErrNeedMore:
				t.Fatalf("err = %v, want ErrNeedMore", err)
			case tc.err != nil && tc.err != ErrNeedMore && (!isParseError(err) || !errors.Is(err, tc.err)):
				t.Fatalf("err = %v, want *Error wrapping %v", err, tc.err)
			}
			if err != nil {
				if n != 0 {
					t.Fatalf("n = %d on error", n)
				}
				return
			}
			if rec.Type != tc.typ || rec.Version != tc.version || !bytes.Equal(rec.Payload, tlstest.Unhex(t, tc.payload)) || rec.HeaderLen != 5 || rec.SSLv2 {
				t.Fatalf("rec = %+v", rec)
			}
			if n != 5+len(rec.Payload) {
				t.Fatalf("n = %d", n)
			}
		})
	}
}

func TestSSLv2ClientHello(t *testing.T) {
	challenge := []byte("0123456789abcdef")
	specs := []uint32{0x010080, 0x0700c0, 0x000035, 0x00000a, 0x0000ff, 0x123456}
	raw := tlstest.SSLv2Hello(t, VersionTLS10, specs, nil, challenge)
	// Fixed bytes: 2-byte header, type 1, version 0301, 18 bytes of specs,
	// no session ID, 16-byte challenge.
	want := tlstest.Unhex(t, `802b 01 0301 0012 0000 0010
		010080 0700c0 000035 00000a 0000ff 123456
		30313233343536373839616263646566`)
	if !bytes.Equal(raw, want) {
		t.Fatalf("builder gave %x", raw)
	}
	if v := Sniff(raw); v != VerdictSSLv2Hello {
		t.Fatalf("Sniff = %v", v)
	}
	rec, n, err := ParseSSLv2Record(raw)
	if err != nil || n != len(raw) || !rec.SSLv2 || rec.HeaderLen != 2 || rec.Type != ContentTypeHandshake || n != rec.HeaderLen+len(rec.Payload) {
		t.Fatalf("ParseSSLv2Record = %+v, %d, %v", rec, n, err)
	}
	ch, err := ParseSSLv2ClientHello(rec.Payload)
	if err != nil {
		t.Fatal(err)
	}
	var wantRandom [32]byte
	copy(wantRandom[16:], challenge)
	if !ch.SSLv2 || ch.LegacyVersion != VersionTLS10 || ch.Random != wantRandom || len(ch.V2CipherSpecs) != 6 {
		t.Fatalf("%+v", ch)
	}
	wantSuites := []CipherSuite{0x0035, 0x000a, TLS_EMPTY_RENEGOTIATION_INFO_SCSV}
	if len(ch.CipherSuites) != 3 || ch.CipherSuites[0] != wantSuites[0] || ch.CipherSuites[2] != wantSuites[2] {
		t.Fatalf("CipherSuites = %v", ch.CipherSuites)
	}
	names := []string{"SSL_CK_RC4_128_WITH_MD5", "SSL_CK_DES_192_EDE3_CBC_WITH_MD5", "TLS_RSA_WITH_AES_256_CBC_SHA",
		"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", "0x123456"}
	for i, s := range ch.V2CipherSpecs {
		if s.String() != names[i] {
			t.Errorf("spec %d = %q, want %q", i, s, names[i])
		}
	}
	// Every strict prefix needs more; a broken length is not SSLv2.
	for i := 1; i < len(raw); i++ {
		if _, _, err := ParseSSLv2Record(raw[:i]); err != ErrNeedMore {
			t.Fatalf("prefix %d: %v", i, err)
		}
		if _, err := ParseSSLv2ClientHello(rec.Payload[:i-2+1][:max(0, i-2)]); err == nil {
			t.Fatalf("hello prefix %d parses", i-2)
		}
	}
	bad := append([]byte(nil), raw...)
	bad[1]++ // record length one more than the hello
	if v := Sniff(bad); v != VerdictNotTLS {
		t.Fatalf("Sniff(bad length) = %v", v)
	}
	if _, err := ParseSSLv2ClientHello(append(append([]byte(nil), rec.Payload...), 0)); !isParseError(err) {
		t.Fatalf("trailing byte: %v", err)
	}
	// A 32-byte challenge and a 16-byte session ID are allowed.
	raw = tlstest.SSLv2Hello(t, VersionSSL20, []uint32{0x010080}, bytes.Repeat([]byte{7}, 16), bytes.Repeat([]byte{9}, 32))
	if v := Sniff(raw); v != VerdictSSLv2Hello {
		t.Fatalf("Sniff = %v", v)
	}
	// 3-byte header record.
	rec, n, err = ParseSSLv2Record(tlstest.Unhex(t, "0005 02 0401020304"))
	if err != nil || rec.HeaderLen != 3 || n != 8 || rec.Type != ContentTypeHandshake {
		t.Fatalf("3-byte header: %+v %d %v", rec, n, err)
	}
}

// realClientHelloRecord returns the first record the recorded TLS 1.3 client
// wrote.
func realClientHelloRecord(t testing.TB, name string, fromServer bool) []byte {
	for _, c := range realCaptures(t) {
		if c.name == name {
			b := c.c2s
			if fromServer {
				b = c.s2c
			}
			_, n, err := ParseRecord(b)
			if err != nil {
				t.Fatal(err)
			}
			return b[:n]
		}
	}
	t.Fatalf("no capture %s", name)
	return nil
}

func TestSniff(t *testing.T) {
	ch := realClientHelloRecord(t, "tls13", false)
	sh := realClientHelloRecord(t, "tls12_ecdhe_rsa", true)
	rnd := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(rnd.UintN(256))
	}
	cases := []struct {
		name string
		in   []byte
		want Verdict
	}{
		{"empty", nil, VerdictNeedMore},
		{"http_get", []byte("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), VerdictNotTLS},
		{"http_response", []byte("HTTP/1.1 200 OK\r\n"), VerdictNotTLS},
		{"ssh_banner", []byte("SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n"), VerdictNotTLS},
		{"smtp_banner", []byte("220 mail.example.com ESMTP Postfix\r\n"), VerdictNotTLS},
		{"random", random, VerdictNotTLS},
		{"zeros", make([]byte, 64), VerdictNotTLS},
		{"real_client_hello", ch, VerdictTLS},
		{"real_server_hello", sh, VerdictTLS},
		{"client_hello_first_byte", ch[:1], VerdictNeedMore},
		{"client_hello_header", ch[:5], VerdictNeedMore},
		{"client_hello_partial", ch[:60], VerdictTLS},
		{"client_hello_short_partial", ch[:20], VerdictNeedMore},
		{"handshake_unknown_type", tlstest.Unhex(t, "16 0303 0004 63000000"), VerdictNotTLS},
		{"handshake_inner_too_long", tlstest.Unhex(t, "16 0303 0004 01000000"), VerdictNotTLS},
		{"hello_bad_version", tlstest.Unhex(t, "16 0301 0030 01 00002c 0909"), VerdictNotTLS},
		{"alert", tlstest.Unhex(t, "15 0303 0002 0228"), VerdictTLS},
		{"alert_bad_level", tlstest.Unhex(t, "15 0303 0002 0928"), VerdictNotTLS},
		{"ccs", tlstest.Unhex(t, "14 0303 0001 01"), VerdictTLS},
		{"ccs_bad", tlstest.Unhex(t, "14 0303 0001 02"), VerdictNotTLS},
		{"app_data", tlstest.Unhex(t, "17 0303 0010"), VerdictTLS},
		{"sslv2_header_only", tlstest.Unhex(t, "802b"), VerdictNeedMore},
		{"sslv2_not_hello", tlstest.Unhex(t, "802b 02 0301 0012 0000 0010"), VerdictNotTLS},
		{"sslv2_server_hello_partial", tlstest.Unhex(t, "801e 04 00 01 0002 0000 0003 0010"), VerdictSSLv2Hello},
		{"sslv2_server_hello_bad_length", tlstest.Unhex(t, "801f 04 00 01 0002 0000 0003 0010"), VerdictNotTLS},
		{"sslv2_server_hello_fixed_part_short", tlstest.Unhex(t, "801e 04 00 01 0002"), VerdictNeedMore},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Sniff(tc.in); got != tc.want {
				t.Fatalf("Sniff = %v, want %v", got, tc.want)
			}
		})
	}
	// Random streams: over many random inputs, none is taken for TLS
	// beyond chance, and none panics.
	hits := 0
	b := make([]byte, 64)
	for i := 0; i < 20000; i++ {
		for j := range b {
			b[j] = byte(rnd.UintN(256))
		}
		if v := Sniff(b); v != VerdictNotTLS {
			t.Logf("%x: %v", b, v)
			hits++
		}
	}
	if hits > 2 {
		t.Fatalf("%d random 64-byte inputs sniffed as TLS or need-more", hits)
	}
}

func TestFindHello(t *testing.T) {
	ch := realClientHelloRecord(t, "tls12_ecdhe_rsa", false)
	sh := realClientHelloRecord(t, "tls12_ecdhe_rsa", true)
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	// MySQL SSLRequest: 3-byte length, sequence 1, capability flags (with
	// CLIENT_SSL), max packet, charset, 23 zero bytes.
	mysql := tlstest.Unhex(t, "200000 01 05ae0f00 00000001 21"+string(bytes.Repeat([]byte("00"), 23)))
	cases := []struct {
		name    string
		in      []byte
		typ     HandshakeType
		wantOff int
		want    Verdict
	}{
		{"smtp_starttls", cat([]byte("EHLO x\r\nSTARTTLS\r\n"), ch), HandshakeTypeClientHello, 18, VerdictTLS},
		{"smtp_server", cat([]byte("220 2.0.0 Ready to start TLS\r\n"), sh), HandshakeTypeServerHello, 30, VerdictTLS},
		{"imap", cat([]byte("a001 STARTTLS\r\n"), ch), HandshakeTypeClientHello, 15, VerdictTLS},
		{"postgres_sslrequest", cat(tlstest.Unhex(t, "00000008 04d2162f"), ch), HandshakeTypeClientHello, 8, VerdictTLS},
		{"postgres_server_S", cat([]byte("S"), sh), HandshakeTypeServerHello, 1, VerdictTLS},
		{"mysql_ssl_request", cat(mysql, ch), HandshakeTypeClientHello, len(mysql), VerdictTLS},
		{"ldap_extended_response", cat(tlstest.Unhex(t, "300c02010178070a010004000400"), sh), HandshakeTypeServerHello, 14, VerdictTLS},
		{"decoy_0x16_in_text", cat([]byte("x\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00 STARTTLS\r\n"), ch), HandshakeTypeClientHello, 22, VerdictTLS},
		{"wrong_type", cat([]byte("STARTTLS\r\n"), ch), HandshakeTypeServerHello, -1, VerdictNotTLS},
		{"truncated_at_end", cat([]byte("STARTTLS\r\n"), ch[:3]), HandshakeTypeClientHello, 10, VerdictNeedMore},
		{"plain_text", []byte("HELO example.com\r\n"), HandshakeTypeClientHello, -1, VerdictNotTLS},
		{"empty", nil, HandshakeTypeClientHello, -1, VerdictNotTLS},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			off, v := FindHello(tc.in, tc.typ)
			if off != tc.wantOff || v != tc.want {
				t.Fatalf("FindHello = %d, %v; want %d, %v", off, v, tc.wantOff, tc.want)
			}
		})
	}
}

func TestSSLv2ServerHello(t *testing.T) {
	der := tlstest.Certs(t).RSA.Certificate[0]
	msg := tlstest.Build(t, func(b *cryptobyte.Builder) {
		b.AddUint8(SSLv2MsgServerHello)
		b.AddUint8(0) // no session-id hit
		b.AddUint8(1) // X.509
		b.AddUint16(uint16(VersionSSL20))
		b.AddUint16(uint16(len(der)))
		b.AddUint16(6)
		b.AddUint16(16)
		b.AddBytes(der)
		b.AddUint24(0x010080)
		b.AddUint24(0x0700c0)
		b.AddBytes(bytes.Repeat([]byte{0x42}, 16))
	})
	raw := tlstest.Build(t, func(b *cryptobyte.Builder) {
		b.AddUint16(0x8000 | uint16(len(msg)))
		b.AddBytes(msg)
	})
	if v := Sniff(raw); v != VerdictSSLv2Hello {
		t.Fatalf("Sniff = %v", v)
	}
	rec, _, err := ParseSSLv2Record(raw)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := ParseSSLv2ServerHello(rec.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if sh.SessionIDHit || sh.Version != VersionSSL20 || sh.CertInfo.Key != "RSA 2048" || len(sh.CipherSpecs) != 2 ||
		sh.CipherSpecs[1].String() != "SSL_CK_DES_192_EDE3_CBC_WITH_MD5" || len(sh.ConnectionID) != 16 {
		t.Fatalf("%+v", sh)
	}
	for i := 0; i < len(msg); i++ {
		if _, err := ParseSSLv2ServerHello(msg[:i]); !isParseError(err) {
			t.Fatalf("prefix %d: %v", i, err)
		}
	}
}

// TestKnownHandshakeType: knownHandshakeType agrees with the registry's
// names for every handshake type.
func TestKnownHandshakeType(t *testing.T) {
	known := 0
	for v := range 256 {
		ht := HandshakeType(v)
		want := ht.String() != hexName(uint8(v))
		if got := knownHandshakeType(ht); got != want {
			t.Errorf("knownHandshakeType(%d) = %v, want %v (%q)", v, got, want, ht.String())
		}
		if want {
			known++
		}
	}
	if known < 20 {
		t.Errorf("only %d known handshake types", known)
	}
	if n := testing.AllocsPerRun(100, func() { knownHandshakeType(HandshakeTypeClientHello) }); n != 0 {
		t.Errorf("knownHandshakeType allocates %v times for a known type", n)
	}
}
