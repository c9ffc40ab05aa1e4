package decrypt

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
)

func TestParseRSAKeys(t *testing.T) {
	c := loadCerts(t)
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(c.rsaKey)})
	p8, _ := x509.MarshalPKCS8PrivateKey(c.rsaKey)
	pkcs8 := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8})
	ec8, _ := x509.MarshalPKCS8PrivateKey(c.ecCert.PrivateKey)
	ecPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ec8})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.rsaCert.Certificate[0]})
	legacyEnc := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{
		"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00000000000000000000000000000000"}, Bytes: []byte{1, 2, 3}})
	p8Enc := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1, 2, 3}})
	sec1, _ := x509.MarshalECPrivateKey(c.ecCert.PrivateKey.(*ecdsa.PrivateKey))
	sec1PEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})
	// openssl ecparam -genkey writes the parameters first.
	ecParams := pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}})
	garbage := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte{0, 0, 0, 4, 1, 2, 3}})
	garbage8 := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("not a key at all")})

	tests := []struct {
		name string
		in   []byte
		keys int
		err  error
	}{
		{"PKCS#1", pkcs1, 1, nil},
		{"PKCS#8", pkcs8, 1, nil},
		{"certificate then both", append(append(append([]byte(nil), certPEM...), pkcs1...), pkcs8...), 2, nil},
		{"PKCS#1 under PRIVATE KEY", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(c.rsaKey)}), 1, nil},
		{"EC key", ecPEM, 0, ErrNotRSA},
		{"SEC 1 EC key after parameters", append(append([]byte(nil), ecParams...), sec1PEM...), 0, ErrNotRSA},
		{"EC key beside an RSA key", append(append([]byte(nil), sec1PEM...), pkcs1...), 1, nil},
		{"garbage PKCS#1", garbage, 0, ErrBadKey},
		{"garbage PKCS#8", garbage8, 0, ErrBadKey},
		{"DER PKCS#8", p8, 1, nil},
		{"DER PKCS#1", x509.MarshalPKCS1PrivateKey(c.rsaKey), 1, nil},
		{"DER EC key", ec8, 0, ErrNotRSA},
		{"legacy encrypted", legacyEnc, 0, ErrEncryptedKey},
		{"PKCS#8 encrypted", p8Enc, 0, ErrEncryptedKey},
		{"certificate only", certPEM, 0, ErrNoKey},
		{"not PEM", []byte("hello"), 0, ErrNoKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := ParseRSAKeys(tt.in, "server.pem")
			if !errors.Is(err, tt.err) || len(keys) != tt.keys {
				t.Fatalf("got %d keys, err %v; want %d, %v", len(keys), err, tt.keys, tt.err)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "server.pem") {
				t.Errorf("error does not name the file: %v", err)
			}
			// The message is for a person: no ASN.1 decoder internals.
			if err != nil && (strings.Contains(err.Error(), "asn1") || strings.Contains(err.Error(), "{")) {
				t.Errorf("error shows decoder internals: %v", err)
			}
			if errors.Is(err, ErrNotRSA) && !strings.Contains(err.Error(), "key log") {
				t.Errorf("a non-RSA key's error does not say what to use instead: %v", err)
			}
		})
	}

	var rk RSAKeys
	keys, _ := ParseRSAKeys(pkcs8, "server.pem")
	rk.Add(keys[0])
	rk.Add(keys[0])
	if rk.Len() != 1 {
		t.Errorf("Len %d after adding one key twice", rk.Len())
	}
	if k, ok := rk.Match(c.rsaCert.Certificate[0]); !ok || !k.Equal(c.rsaKey) {
		t.Errorf("Match did not find the certificate's key")
	}
	if _, ok := rk.Match(c.ecCert.Certificate[0]); ok {
		t.Errorf("Match found a key for an ECDSA certificate")
	}
	if _, ok := rk.Match([]byte("garbage")); ok {
		t.Errorf("Match accepted garbage")
	}
}

func TestDecryptPreMaster(t *testing.T) {
	key := loadCerts(t).rsaKey
	pms := make([]byte, 48)
	pms[0], pms[1] = 3, 3
	enc, _ := rsa.EncryptPKCS1v15(rand.Reader, &key.PublicKey, pms)
	if got, err := DecryptPreMaster(key, enc, 0x0303); err != nil || string(got) != string(pms) {
		t.Errorf("good PMS: %x %v", got, err)
	}
	if got, err := DecryptPreMaster(key, enc, 0x0301); !errors.Is(err, ErrPreMasterVersion) || len(got) != 48 {
		t.Errorf("version mismatch: %d bytes, %v", len(got), err)
	}
	short, _ := rsa.EncryptPKCS1v15(rand.Reader, &key.PublicKey, pms[:47])
	if _, err := DecryptPreMaster(key, short, 0x0303); !errors.Is(err, ErrPreMaster) {
		t.Errorf("47-byte PMS: %v", err)
	}
	if _, err := DecryptPreMaster(key, enc[:10], 0x0303); !errors.Is(err, ErrPreMaster) {
		t.Errorf("truncated: %v", err)
	}
	if _, err := DecryptPreMaster(nil, enc, 0x0303); !errors.Is(err, ErrPreMaster) {
		t.Errorf("nil key: %v", err)
	}
}
