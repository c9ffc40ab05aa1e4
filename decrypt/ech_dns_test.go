package decrypt

import (
	"bytes"
	"testing"
)

func TestECHConfigsMatch(t *testing.T) {
	pub := bytes.Repeat([]byte{1}, 32)
	aes := ECHCipherSuite{KDF: 1, AEAD: 1}
	cha := ECHCipherSuite{KDF: 1, AEAD: 3}
	a := buildECHConfig(t, 7, 0x20, pub, []ECHCipherSuite{aes}, "public.test", nil)
	b := buildECHConfig(t, 7, 0x20, bytes.Repeat([]byte{2}, 32), []ECHCipherSuite{cha}, "other.test", nil)
	tab := NewECHConfigs()
	if n := tab.Add("public.test", "HTTPS", echConfigList(a, b)); n != 2 {
		t.Fatalf("added %d", n)
	}
	if n := tab.Add("again.test", "HTTPS", echConfigList(a)); n != 0 {
		t.Errorf("a config added twice")
	}
	for _, tc := range []struct {
		name      string
		id        uint8
		suite     ECHCipherSuite
		enc       int
		sni, want string // want: the public_name of the config matched
	}{
		{"match", 7, aes, 32, "public.test", "public.test"},
		{"sni case and final dot", 7, aes, 32, "PUBLIC.test.", "public.test"},
		{"no sni", 7, cha, 32, "", "other.test"},
		{"second config by sni", 7, cha, 32, "other.test", "other.test"},
		{"other config_id", 8, aes, 32, "public.test", ""},
		{"suite not offered", 7, cha, 32, "public.test", ""},
		{"enc length", 7, aes, 65, "public.test", ""},
		{"public_name differs", 7, aes, 32, "secret.test", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := tab.Match(tc.id, tc.suite.KDF, tc.suite.AEAD, tc.enc, tc.sni)
			if ok != (tc.want != "") || (ok && (d.Config.PublicName != tc.want || d.Name != "public.test")) {
				t.Errorf("got %v %+v, want %q", ok, d, tc.want)
			}
		})
	}
	if tab.Stats != (ECHConfigStats{Lists: 2, Configs: 2}) {
		t.Errorf("stats %+v", tab.Stats)
	}
	// Malformed lists are counted; a full table drops and counts.
	tab.Add("x", "HTTPS", []byte{0, 9, 1})
	for i := range MaxDNSECHConfigs {
		tab.Add("x", "SVCB", echConfigList(buildECHConfig(t, uint8(i), 0x20, pub, []ECHCipherSuite{aes}, "n"+string(rune('a'+i%26))+string(rune('a'+i/26)), nil)))
	}
	if tab.Stats.Malformed != 1 || tab.Stats.Configs != MaxDNSECHConfigs || tab.Stats.Dropped != 2 {
		t.Errorf("stats %+v", tab.Stats)
	}
	// The byte budget: configs of 60 KiB public keys fill it after 17.
	big := NewECHConfigs()
	for i := range 20 {
		big.Add("x", "HTTPS", echConfigList(buildECHConfig(t, uint8(i), 0x20, bytes.Repeat([]byte{byte(i)}, 60<<10), []ECHCipherSuite{aes}, "big.test", nil)))
	}
	if big.Stats.Configs != MaxDNSECHConfigBytes/(60<<10+51) || big.Stats.Dropped != 20-big.Stats.Configs || big.bytes > MaxDNSECHConfigBytes {
		t.Errorf("byte budget: stats %+v, %d bytes", big.Stats, big.bytes)
	}
	var nilTab *ECHConfigs
	if _, ok := nilTab.Match(7, 1, 1, 32, ""); ok || nilTab.Add("x", "HTTPS", a) != 0 {
		t.Error("nil table")
	}
	// ForWorker shares the rest, not the table.
	k := NewKeyStore()
	w := k.ForWorker(0, nil)
	if w.Log != k.Log || w.RSA != k.RSA || w.cache != k.cache || w.DNSECH == k.DNSECH {
		t.Error("ForWorker")
	}
}
