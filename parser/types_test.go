package parser

import "testing"

func TestNames(t *testing.T) {
	cases := []struct {
		name string
		got  string
		want string
	}{
		{"version_ssl2", VersionSSL20.String(), "SSL 2.0"},
		{"version_ssl3", VersionSSL30.String(), "SSL 3.0"},
		{"version_tls10", VersionTLS10.String(), "TLS 1.0"},
		{"version_tls12", VersionTLS12.String(), "TLS 1.2"},
		{"version_tls13", VersionTLS13.String(), "TLS 1.3"},
		{"version_draft23", Version(0x7f17).String(), "TLS 1.3 draft 23"},
		{"version_grease", Version(0x3a3a).String(), "GREASE"},
		{"version_unknown", Version(0x0305).String(), "0x0305"},
		{"version_dtls", Version(0xfefd).String(), "DTLS 1.2"},
		{"version_dtls13", Version(0xfefc).String(), "DTLS 1.3"},
		{"version_unknown", Version(0xfe00).String(), "0xfe00"},
		{"content_type", ContentTypeHandshake.String(), "handshake"},
		{"content_type_unknown", ContentType(99).String(), "0x63"},
		{"handshake_type", HandshakeTypeCertificateVerify.String(), "certificate_verify"},
		{"handshake_type_unknown", HandshakeType(200).String(), "0xc8"},
		{"extension", ExtALPN.String(), "application_layer_protocol_negotiation"},
		{"extension_high", ExtRenegotiationInfo.String(), "renegotiation_info"},
		{"extension_unknown", ExtensionType(0x1a1a).String(), "0x1a1a"},
		{"group", GroupX25519MLKEM768.String(), "X25519MLKEM768"},
		{"group_unknown", NamedGroup(0x0abc).String(), "0x0abc"},
		{"scheme", SigRSAPSSRSAESHA256.String(), "rsa_pss_rsae_sha256"},
		{"scheme_unknown", SignatureScheme(0x0909).String(), "0x0909"},
		{"compression", CompressionDeflate.String(), "DEFLATE"},
		{"point_format", PointFormatUncompressed.String(), "uncompressed"},
		{"psk_mode", PSKModeDHEKE.String(), "psk_dhe_ke"},
		{"status_type", StatusTypeOCSP.String(), "ocsp"},
		{"heartbeat_type", HeartbeatRequest.String(), "heartbeat_request"},
		{"cert_compression", CertCompressionZstd.String(), "zstd"},
		{"suite", CipherSuite(0xc02f).String(), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
		{"suite_tls13", CipherSuite(0x1301).String(), "TLS_AES_128_GCM_SHA256"},
		{"suite_scsv", TLS_EMPTY_RENEGOTIATION_INFO_SCSV.String(), "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
		{"suite_fallback_scsv", TLS_FALLBACK_SCSV.String(), "TLS_FALLBACK_SCSV"},
		{"suite_grease", CipherSuite(0xdada).String(), "GREASE"},
		{"suite_unknown", CipherSuite(0x1399).String(), "0x1399"},
		{"v2_spec", SSLv2CipherSpec(0x010080).String(), "SSL_CK_RC4_128_WITH_MD5"},
		{"verdict", VerdictSSLv2Hello.String(), "sslv2_hello"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Fatalf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestIsGREASE(t *testing.T) {
	n := 0
	for v := 0; v <= 0xffff; v++ {
		if IsGREASE(uint16(v)) {
			n++
			if v&0x0f0f != 0x0a0a || v>>8 != v&0xff {
				t.Fatalf("%#04x", v)
			}
		}
	}
	if n != 16 || !IsGREASE(0x0a0a) || !IsGREASE(0xfafa) || IsGREASE(0x0a1a) {
		t.Fatalf("%d GREASE values", n)
	}
}

func TestCipherSuiteInfo(t *testing.T) {
	cases := []struct {
		id                               CipherSuite
		kex, auth, cipher, mac, prf      string
		export, tls13, scsv, recommended bool
	}{
		{0xc02f, "ECDHE", "RSA", "AES_128_GCM", "AEAD", "SHA256", false, false, false, true},
		{0xc030, "ECDHE", "RSA", "AES_256_GCM", "AEAD", "SHA384", false, false, false, true},
		{0x000a, "RSA", "RSA", "3DES_EDE_CBC", "SHA", "", false, false, false, false},
		{0x0004, "RSA", "RSA", "RC4_128", "MD5", "", false, false, false, false},
		{0x0003, "RSA", "RSA", "RC4_40", "MD5", "", true, false, false, false},
		{0x0014, "DHE", "RSA", "DES40_CBC", "SHA", "", true, false, false, false},
		{0x0018, "DH", "anon", "RC4_128", "MD5", "", false, false, false, false},
		{0xc018, "ECDH", "anon", "AES_128_CBC", "SHA", "", false, false, false, false},
		{0x0000, "NULL", "NULL", "NULL", "NULL", "", false, false, false, false},
		{0x003b, "RSA", "RSA", "NULL", "SHA256", "SHA256", false, false, false, false},
		{0x1301, "", "", "AES_128_GCM", "AEAD", "SHA256", false, true, false, true},
		{0x1303, "", "", "CHACHA20_POLY1305", "AEAD", "SHA256", false, true, false, true},
		{0x1305, "", "", "AES_128_CCM_8", "AEAD", "SHA256", false, true, false, false},
		{0xcca8, "ECDHE", "RSA", "CHACHA20_POLY1305", "AEAD", "SHA256", false, false, false, true},
		{0xc0ac, "ECDHE", "ECDSA", "AES_128_CCM", "AEAD", "", false, false, false, false},
		{0xc050, "RSA", "RSA", "ARIA_128_GCM", "AEAD", "SHA256", false, false, false, false},
		{0xc03c, "RSA", "RSA", "ARIA_128_CBC", "SHA256", "SHA256", false, false, false, false},
		{0x00aa, "DHE_PSK", "PSK", "AES_128_GCM", "AEAD", "SHA256", false, false, false, true},
		{0xc0aa, "DHE_PSK", "PSK", "AES_128_CCM_8", "AEAD", "", false, false, false, false},
		{0xd001, "ECDHE_PSK", "PSK", "AES_128_GCM", "AEAD", "SHA256", false, false, false, true},
		{0x0094, "RSA_PSK", "RSA", "AES_128_CBC", "SHA", "", false, false, false, false},
		{0xc01e, "SRP", "RSA", "AES_128_CBC", "SHA", "", false, false, false, false},
		{0x0026, "KRB5", "KRB5", "DES_CBC_40", "SHA", "", true, false, false, false},
		{0x00ff, "", "", "", "", "", false, false, true, false},
		{0x5600, "", "", "", "", "", false, false, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.id.String(), func(t *testing.T) {
			s, ok := CipherSuiteInfo(tc.id)
			if !ok || s.ID != tc.id || s.Name != tc.id.String() {
				t.Fatalf("CipherSuiteInfo = %+v, %v", s, ok)
			}
			if string(s.KeyExchange) != tc.kex || s.Auth != tc.auth || s.Cipher != tc.cipher || s.MAC != tc.mac || s.PRFHash != tc.prf ||
				s.Export != tc.export || s.TLS13 != tc.tls13 || s.SCSV != tc.scsv || s.Recommended != tc.recommended {
				t.Fatalf("%+v", s)
			}
			if s.AEAD() != (tc.mac == "AEAD") {
				t.Fatal("AEAD()")
			}
		})
	}
	if s, ok := CipherSuiteInfo(0x1399); ok || s.Name != "0x1399" {
		t.Fatalf("unknown: %+v %v", s, ok)
	}
	// The table is sorted and every entry has a decomposed cipher.
	for i := range suites {
		if i > 0 && suites[i-1].ID >= suites[i].ID {
			t.Fatalf("table not sorted at %v", suites[i].ID)
		}
		if !suites[i].SCSV && (suites[i].Cipher == "" || suites[i].MAC == "") {
			t.Fatalf("%+v", suites[i])
		}
	}
	if len(suites) < 340 {
		t.Fatalf("only %d suites", len(suites))
	}
}
