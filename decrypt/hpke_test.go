package decrypt

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hpke"
	"crypto/rand"
	sha256pkg "crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"
)

// RFC 9180 Appendix A base mode vectors, from the shared secret on.
var hpkeVectors = []struct {
	name                     string
	suite                    HPKESuite
	info, sharedSecret       string
	key, baseNonce, exporter string
	skRm, enc                string // to check the test's own DHKEM
	aad0, pt0, ct0           string
}{
	{
		name:         "A.1.1 DHKEM(X25519) HKDF-SHA256 AES-128-GCM",
		suite:        HPKESuite{HPKEKEMX25519HKDFSHA256, HPKEKDFHKDFSHA256, HPKEAEADAES128GCM},
		info:         "4f6465206f6e2061204772656369616e2055726e",
		sharedSecret: "fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc",
		key:          "4531685d41d65f03dc48f6b8302c05b0",
		baseNonce:    "56d890e5accaaf011cff4b7d",
		exporter:     "45ff1c2e220db587171952c0592d5f5ebe103f1561a2614e38f2ffd47e99e3f8",
		skRm:         "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
		enc:          "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
		aad0:         "436f756e742d30",
		pt0:          "4265617574792069732074727574682c20747275746820626561757479",
		ct0:          "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a",
	},
	{
		name:         "A.2.1 DHKEM(X25519) HKDF-SHA256 ChaCha20-Poly1305",
		suite:        HPKESuite{HPKEKEMX25519HKDFSHA256, HPKEKDFHKDFSHA256, HPKEAEADChaCha20Poly1305},
		info:         "4f6465206f6e2061204772656369616e2055726e",
		sharedSecret: "0bbe78490412b4bbea4812666f7916932b828bba79942424abb65244930d69a7",
		key:          "ad2744de8e17f4ebba575b3f5f5a8fa1f69c2a07f6e7500bc60ca6e3e3ec1c91",
		baseNonce:    "5c4d98150661b848853b547f",
		exporter:     "a3b010d4994890e2c6968a36f64470d3c824c8f5029942feb11e7a74b2921922",
	},
}

func TestHPKEKeyScheduleVectors(t *testing.T) {
	for _, v := range hpkeVectors {
		t.Run(v.name, func(t *testing.T) {
			k, err := v.suite.KeySchedule(unhex(t, v.sharedSecret), unhex(t, v.info))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(k.Key, unhex(t, v.key)) || !bytes.Equal(k.BaseNonce, unhex(t, v.baseNonce)) ||
				!bytes.Equal(k.ExporterSecret, unhex(t, v.exporter)) {
				t.Errorf("key %x nonce %x exporter %x; want %s %s %s", k.Key, k.BaseNonce, k.ExporterSecret, v.key, v.baseNonce, v.exporter)
			}
			if v.ct0 == "" {
				return
			}
			// The test's DHKEM derives the published shared secret.
			if ss := dhkemX25519Decap(t, unhex(t, v.skRm), unhex(t, v.enc)); !bytes.Equal(ss, unhex(t, v.sharedSecret)) {
				t.Errorf("test DHKEM shared secret %x, want %s", ss, v.sharedSecret)
			}
			r, err := NewHPKEReceiver(v.suite, unhex(t, v.sharedSecret), unhex(t, v.info))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Open(unhex(t, "436f756e742d31"), unhex(t, v.ct0)); !errors.Is(err, ErrHPKE) || r.Seq() != 0 {
				t.Errorf("wrong AAD: err %v seq %d", err, r.Seq())
			}
			pt, err := r.Open(unhex(t, v.aad0), unhex(t, v.ct0))
			if err != nil || !bytes.Equal(pt, unhex(t, v.pt0)) || r.Seq() != 1 {
				t.Errorf("Open: %x, %v, seq %d", pt, err, r.Seq())
			}
		})
	}
}

func TestHPKEErrors(t *testing.T) {
	ss := make([]byte, 32)
	for _, s := range []HPKESuite{
		{HPKEKEMX25519HKDFSHA256, 0x0004, HPKEAEADAES128GCM},
		{HPKEKEMX25519HKDFSHA256, HPKEKDFHKDFSHA256, 0x0009},
	} {
		if _, err := NewHPKEReceiver(s, ss, nil); !errors.Is(err, ErrHPKE) {
			t.Errorf("%v: err %v", s, err)
		}
	}
	if _, err := NewHPKEReceiver(HPKESuite{HPKEKEMP384HKDFSHA384, HPKEKDFHKDFSHA384, HPKEAEADAES256GCM}, ss, nil); !errors.Is(err, ErrHPKE) {
		t.Errorf("32-byte secret for P-384: err %v", err)
	}
	if _, err := NewHPKEReceiver(HPKESuite{HPKEKEMX25519HKDFSHA256, HPKEKDFHKDFSHA256, HPKEAEADExportOnly}, ss, nil); !errors.Is(err, ErrHPKE) {
		t.Errorf("export-only: err %v", err)
	}
}

// dhkemX25519Decap is DHKEM(X25519, HKDF-SHA256) Decap (RFC 9180 4.1),
// the test's own: dh = X25519(skR, enc), kem_context = enc || pkR,
// shared_secret = ExtractAndExpand(dh, kem_context).
func dhkemX25519Decap(t *testing.T, skR, enc []byte) []byte {
	t.Helper()
	priv, err := ecdh.X25519().NewPrivateKey(skR)
	if err != nil {
		t.Fatal(err)
	}
	pubE, err := ecdh.X25519().NewPublicKey(enc)
	if err != nil {
		t.Fatal(err)
	}
	dh, err := priv.ECDH(pubE)
	if err != nil {
		t.Fatal(err)
	}
	kemID := []byte("KEM\x00\x20")
	ikm := append(append(append([]byte("HPKE-v1"), kemID...), "eae_prk"...), dh...)
	prk, err := hkdf.Extract(sha256pkg.New, ikm, nil)
	if err != nil {
		t.Fatal(err)
	}
	info := binary.BigEndian.AppendUint16(nil, 32)
	info = append(append(append(info, "HPKE-v1"...), kemID...), "shared_secret"...)
	info = append(append(info, enc...), priv.PublicKey().Bytes()...)
	ss, err := hkdf.Expand(sha256pkg.New, prk, string(info), 32)
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

// crypto/hpke seals; the shared secret from the test's DHKEM opens here.
func TestHPKEAgainstCryptoHPKE(t *testing.T) {
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := hpke.NewDHKEMPublicKey(priv.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	info := []byte("tls ech\x00some config")
	for _, tc := range []struct {
		kdf  hpke.KDF
		aead hpke.AEAD
		s    HPKESuite
	}{
		{hpke.HKDFSHA256(), hpke.AES128GCM(), HPKESuite{HPKEKEMX25519HKDFSHA256, HPKEKDFHKDFSHA256, HPKEAEADAES128GCM}},
		{hpke.HKDFSHA384(), hpke.AES256GCM(), HPKESuite{HPKEKEMX25519HKDFSHA256, HPKEKDFHKDFSHA384, HPKEAEADAES256GCM}},
		{hpke.HKDFSHA512(), hpke.ChaCha20Poly1305(), HPKESuite{HPKEKEMX25519HKDFSHA256, HPKEKDFHKDFSHA512, HPKEAEADChaCha20Poly1305}},
	} {
		enc, sender, err := hpke.NewSender(pk, tc.kdf, tc.aead, info)
		if err != nil {
			t.Fatal(err)
		}
		ss := dhkemX25519Decap(t, priv.Bytes(), enc)
		r, err := NewHPKEReceiver(tc.s, ss, info)
		if err != nil {
			t.Fatal(err)
		}
		for i, msg := range []string{"first", "second", "third"} {
			aad := []byte{byte(i)}
			ct, err := sender.Seal(aad, []byte(msg))
			if err != nil {
				t.Fatal(err)
			}
			pt, err := r.Open(aad, ct)
			if err != nil || string(pt) != msg {
				t.Errorf("%v message %d: %q, %v", tc.s, i, pt, err)
			}
		}
		// Another info is another key.
		r2, _ := NewHPKEReceiver(tc.s, ss, []byte("other"))
		enc2, sender2, _ := hpke.NewSender(pk, tc.kdf, tc.aead, info)
		ct, _ := sender2.Seal(nil, []byte("x"))
		if _, err := r2.Open(nil, ct); err == nil {
			t.Errorf("%v: opened under the wrong info", tc.s)
		}
		r3, _ := NewHPKEReceiver(tc.s, dhkemX25519Decap(t, priv.Bytes(), enc2), info)
		if pt, err := r3.Open(nil, ct); err != nil || string(pt) != "x" {
			t.Errorf("%v: %q %v", tc.s, pt, err)
		}
	}
}
