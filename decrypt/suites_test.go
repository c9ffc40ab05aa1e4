package decrypt

import (
	"crypto"
	"crypto/tls"
	"strings"
	"testing"
)

func TestSuiteTable(t *testing.T) {
	if n := len(suiteDefs) + len(suites13); len(suiteTable) != n {
		t.Fatalf("%d suites in the table, %d definitions: a duplicate id", len(suiteTable), n)
	}
	for _, d := range suiteDefs {
		s, _ := LookupSuite(d.ID)
		if !s.Available {
			t.Errorf("%#04x: %s not built in", d.ID, s.Cipher)
		}
		if s.Export != d.Export {
			t.Errorf("%#04x: export flag %v, cipher says %v", d.ID, d.Export, s.Export)
		}
		if s.Mode == ModeAEAD && (s.MACHash != 0 || s.TagLen == 0) || s.Mode != ModeAEAD && s.TagLen != 0 {
			t.Errorf("%#04x: AEAD and MAC fields disagree", d.ID)
		}
		if s.Mode == ModeCBC && s.MACLen == 0 {
			t.Errorf("%#04x: CBC without a MAC", d.ID)
		}
		if (d.MAC == crypto.SHA384 || s.Cipher == "AES_256_GCM" || strings.HasSuffix(s.Cipher, "256_GCM")) != (s.PRFHash == crypto.SHA384) {
			t.Errorf("%#04x: PRF %v with cipher %s and MAC %v", d.ID, s.PRFHash, s.Cipher, d.MAC)
		}
	}
	if _, ok := LookupSuite(0xFFFF); ok {
		t.Errorf("LookupSuite(0xffff) found something")
	}
	ids := SuiteIDs()
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Fatalf("SuiteIDs not ascending at %d", i)
		}
	}
}

// Cross-check against crypto/tls's names for the suites it knows.
func TestSuiteTableMatchesGoNames(t *testing.T) {
	kx := map[KeyExchange]string{
		KxRSA: "TLS_RSA_WITH_", KxECDHERSA: "TLS_ECDHE_RSA_WITH_", KxECDHEECDSA: "TLS_ECDHE_ECDSA_WITH_", KxTLS13: "TLS_",
	}
	for _, cs := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		s, ok := LookupSuite(cs.ID)
		if !ok {
			t.Errorf("%s (%#04x) missing", cs.Name, cs.ID)
			continue
		}
		if !strings.HasPrefix(cs.Name, kx[s.KeyExchange]) || kx[s.KeyExchange] == "" {
			t.Errorf("%s: key exchange %v", cs.Name, s.KeyExchange)
		}
		if !strings.Contains(cs.Name, "_"+s.Cipher+"_") && !strings.HasSuffix(cs.Name, "_"+s.Cipher) {
			t.Errorf("%s: cipher %s", cs.Name, s.Cipher)
		}
		mac := map[crypto.Hash]string{crypto.SHA1: "_SHA", crypto.SHA256: "_SHA256", crypto.SHA384: "_SHA384", crypto.MD5: "_MD5"}[s.MACHash]
		if s.MACHash != 0 && !strings.HasSuffix(cs.Name, mac) {
			t.Errorf("%s: MAC %v", cs.Name, s.MACHash)
		}
	}
}
