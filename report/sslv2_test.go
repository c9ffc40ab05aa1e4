package report

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

func TestMessageObjectSSLv2(t *testing.T) {
	tests := []struct {
		m            parser.Message
		typ, id, key string
		want         any
	}{
		{&parser.SSLv2ServerHello{CertificateType: 1, Version: parser.VersionSSL20, CipherSpecs: []parser.SSLv2CipherSpec{0x0700c0}, ConnectionID: []byte{1, 2}},
			"sslv2_server_hello", "0x04", "v2_cipher_specs", []string{"SSL_CK_DES_192_EDE3_CBC_WITH_MD5"}},
		{&parser.SSLv2ClientMasterKey{CipherKind: 0x020080, ClearKey: make([]byte, 11), EncryptedKey: make([]byte, 64)},
			"sslv2_client_master_key", "0x02", "cipher_kind", "SSL_CK_RC4_128_EXPORT40_WITH_MD5"},
		{&parser.SSLv2ClientMasterKey{CipherKind: 0x020080, ClearKey: make([]byte, 11)}, "sslv2_client_master_key", "0x02", "clear_key_length", 11},
		{&parser.SSLv2Error{Code: parser.SSLv2ErrorNoCipher}, "sslv2_error", "0x00", "error_code", "no_cipher_error"},
		{&parser.SSLv2ServerVerify{Challenge: []byte{0xab}}, "sslv2_server_verify", "0x05", "challenge", "ab"},
		{&parser.SSLv2RawMessage{Typ: 9, Body: []byte{1}}, "0x09", "0x09", "length", 1},
	}
	for _, tc := range tests {
		o := MessageObject(tc.m)
		typ, _ := o.Get("type")
		id, _ := o.Get("type_id")
		v, _ := o.Get(tc.key)
		if typ != tc.typ || id != tc.id || fmt.Sprint(v) != fmt.Sprint(tc.want) {
			t.Errorf("%T: type %v, type_id %v, %s %v; want %s %s %v", tc.m, typ, id, tc.key, v, tc.typ, tc.id, tc.want)
		}
	}
}

// TestSSLv2Connection: an SSL 2.0 connection names its cipher kind (no
// TLS suite id), and the audit rates it insecure for its version.
func TestSSLv2Connection(t *testing.T) {
	c := &session.Conn{ID: 1, Client: netip.MustParseAddrPort("10.0.0.1:50000"), Server: netip.MustParseAddrPort("10.0.0.2:443"),
		Start: t0, EndTime: t0, TLS: true, Version: parser.VersionSSL20, V2CipherSpec: 0x0700c0,
		KeyExchange: session.KeyExchangeInfo{Kind: "RSA"}, ServerCerts: []parser.CertInfo{oldCert}}
	out := ConnectionOf(c)
	if out.Version != "SSL 2.0" || out.VersionID != "0x0002" || out.CipherSuite != "SSL_CK_DES_192_EDE3_CBC_WITH_MD5" || out.CipherSuiteID != "" || len(out.ServerCertificates) != 1 {
		t.Errorf("connection %+v", out)
	}
	if r := RateVersion(parser.VersionSSL20); r.Rating != Insecure {
		t.Errorf("RateVersion(SSL 2.0) = %v", r)
	}
	a := NewAuditor()
	a.End(c)
	rep := a.Snapshot()
	if rep.WithoutServerHello != 0 || rep.Rating != Insecure.String() || len(rep.Versions) != 1 || rep.Versions[0].Rating != Insecure.String() {
		t.Errorf("audit %+v", rep)
	}
}
