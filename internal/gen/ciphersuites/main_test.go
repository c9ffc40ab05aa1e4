package main

import (
	"bytes"
	"os"
	"testing"
)

// TestGeneratedUpToDate regenerates the table and compares it with the
// committed parser/ciphersuites_gen.go.
func TestGeneratedUpToDate(t *testing.T) {
	f, err := os.Open("tls-parameters-4.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	suites, err := readRegistry(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := render(suites)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../../parser/ciphersuites_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("parser/ciphersuites_gen.go is stale: run go generate ./parser/")
	}
}

func TestDecompose(t *testing.T) {
	cases := []struct {
		name                        string
		kex, auth, cipher, mac, prf string
		export, tls13, scsv         bool
	}{
		{"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE", "ECDSA", "AES_256_GCM", "AEAD", "SHA384", false, false, false},
		{"TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA", "DHE", "DSS", "DES40_CBC", "SHA", "", true, false, false},
		{"TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5", "KRB5", "KRB5", "RC2_CBC_40", "MD5", "", true, false, false},
		{"TLS_PSK_DHE_WITH_AES_256_CCM_8", "DHE_PSK", "PSK", "AES_256_CCM_8", "AEAD", "", false, false, false},
		{"TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256", "ECDHE_PSK", "PSK", "AES_128_CCM_8", "AEAD", "SHA256", false, false, false},
		{"TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA", "SRP", "DSS", "AES_256_CBC", "SHA", "", false, false, false},
		{"TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC", "GOST", "GOST", "KUZNYECHIK_CTR", "OMAC", "", false, false, false},
		{"TLS_AEGIS_128L_SHA256", "", "", "AEGIS_128L", "AEAD", "SHA256", false, true, false},
		{"TLS_SHA384_SHA384", "", "", "NULL", "SHA384", "SHA384", false, true, false},
		{"TLS_FALLBACK_SCSV", "", "", "", "", "", false, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := decompose(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if s.KeyExchange != tc.kex || s.Auth != tc.auth || s.Cipher != tc.cipher || s.MAC != tc.mac || s.PRFHash != tc.prf ||
				s.Export != tc.export || s.TLS13 != tc.tls13 || s.SCSV != tc.scsv {
				t.Fatalf("%+v", s)
			}
		})
	}
	if _, err := decompose("TLS_FOO_WITH_AES_128_CBC_SHA"); err == nil {
		t.Fatal("unknown key exchange accepted")
	}
}
