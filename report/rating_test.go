package report

import (
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/parser"
)

// TestRateSuiteRegistry rates every suite of the IANA registry: none is
// left unrated, every rating below recommended says why, and the rules of
// CONTRACT.md hold for each one.
func TestRateSuiteRegistry(t *testing.T) {
	n := 0
	counts := map[Rating]int{}
	for v := 0; v <= 0xffff; v++ {
		cs := parser.CipherSuite(v)
		info, ok := parser.CipherSuiteInfo(cs)
		if !ok {
			continue
		}
		n++
		a := RateSuite(cs)
		counts[a.Rating]++
		if a.Rating > Insecure {
			t.Errorf("%s: rating %d out of range", info.Name, a.Rating)
		}
		if a.Rating != Recommended && len(a.Reasons) == 0 {
			t.Errorf("%s: rated %s without a reason", info.Name, a.Rating)
		}
		insecure := info.Cipher == "NULL" || info.Auth == "anon" || info.Export ||
			strings.HasPrefix(info.Cipher, "RC4") || strings.HasPrefix(info.Cipher, "DES") || info.MAC == "MD5"
		if insecure && a.Rating != Insecure {
			t.Errorf("%s: rated %s, want insecure", info.Name, a.Rating)
		}
		weak := strings.HasPrefix(info.Cipher, "3DES") || info.KeyExchange == "RSA" ||
			(strings.Contains(info.Cipher, "CBC") && info.MAC == "SHA")
		if weak && a.Rating < Weak {
			t.Errorf("%s: rated %s, want weak or worse", info.Name, a.Rating)
		}
		if a.Rating == Recommended && !(info.AEAD() && info.Recommended && forwardSecret(info)) {
			t.Errorf("%s: recommended but not a forward-secret AEAD suite that IANA recommends", info.Name)
		}
		if info.Recommended && forwardSecret(info) && info.AEAD() && a.Rating != Recommended {
			t.Errorf("%s: IANA-recommended forward-secret AEAD suite rated %s", info.Name, a.Rating)
		}
	}
	if n < 300 {
		t.Fatalf("only %d suites in the registry table", n)
	}
	t.Logf("%d suites: %d recommended, %d secure, %d weak, %d insecure",
		n, counts[Recommended], counts[Secure], counts[Weak], counts[Insecure])
}

func TestRateSuite(t *testing.T) {
	tests := []struct {
		id     parser.CipherSuite
		name   string
		rating Rating
		reason string // one of the reasons
	}{
		{0x0004, "TLS_RSA_WITH_RC4_128_MD5", Insecure, "RC4 stream cipher"},
		{0x0005, "TLS_RSA_WITH_RC4_128_SHA", Insecure, "RC4 stream cipher"},
		{0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", Weak, "3DES (64-bit block, Sweet32)"},
		{0x0009, "TLS_RSA_WITH_DES_CBC_SHA", Insecure, "single DES"},
		{0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", Recommended, ""},
		{0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", Recommended, ""},
		{0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", Recommended, ""},
		{0x1301, "TLS_AES_128_GCM_SHA256", Recommended, ""},
		{0x1303, "TLS_CHACHA20_POLY1305_SHA256", Recommended, ""},
		{0x1305, "TLS_AES_128_CCM_8_SHA256", Secure, "forward secrecy with AEAD, but not Recommended by IANA"},
		{0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256", Weak, "static RSA key exchange (no forward secrecy)"},
		{0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", Weak, "CBC mode with SHA-1 MAC"},
		{0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", Weak, "CBC mode with SHA-1 MAC"},
		{0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", Secure, "not an AEAD cipher"},
		{0x0018, "TLS_DH_anon_WITH_RC4_128_MD5", Insecure, "anonymous key exchange (no authentication)"},
		{0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA", Insecure, "anonymous key exchange (no authentication)"},
		{0x00a6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256", Insecure, "anonymous key exchange (no authentication)"},
		{0xc018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA", Insecure, "anonymous key exchange (no authentication)"},
		{0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", Insecure, "export-grade cryptography"},
		{0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", Insecure, "export-grade cryptography"},
		{0x0000, "TLS_NULL_WITH_NULL_NULL", Insecure, "NULL encryption (no confidentiality)"},
		{0x0002, "TLS_RSA_WITH_NULL_SHA", Insecure, "NULL encryption (no confidentiality)"},
		{0xc010, "TLS_ECDHE_RSA_WITH_NULL_SHA", Insecure, "NULL encryption (no confidentiality)"},
		{0x00a8, "TLS_PSK_WITH_AES_128_GCM_SHA256", Weak, "PSK key exchange without (EC)DHE (no forward secrecy)"},
		{0xc031, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256", Weak, "static ECDH key exchange (no forward secrecy)"},
		{0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", Secure, "signalling cipher suite value (not negotiable)"},
		{0x0a0a, "GREASE", Weak, "GREASE value (never negotiable)"},
		{0x0d00, "0x0d00", Weak, "not in the IANA registry"},
	}
	for _, cs := range []parser.CipherSuite{0x0018, 0x0034, 0xc015, 0xc018} {
		for _, r := range RateSuite(cs).Reasons {
			if strings.Contains(r, "forward secrecy") {
				t.Errorf("%s: anonymous (EC)DH is ephemeral, yet %q", cs, r)
			}
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.id.String(); got != tt.name {
				t.Fatalf("0x%04x is %s, want %s", uint16(tt.id), got, tt.name)
			}
			a := RateSuite(tt.id)
			if a.Rating != tt.rating {
				t.Errorf("rating %s, want %s (reasons %q)", a.Rating, tt.rating, a.Reasons)
			}
			if tt.reason != "" && !contains(a.Reasons, tt.reason) {
				t.Errorf("reasons %q lack %q", a.Reasons, tt.reason)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestRateVersion(t *testing.T) {
	tests := []struct {
		v    parser.Version
		want Rating
	}{
		{parser.VersionSSL20, Insecure},
		{parser.VersionSSL30, Insecure},
		{parser.VersionTLS10, Weak},
		{parser.VersionTLS11, Weak},
		{parser.VersionTLS12, Secure},
		{parser.VersionTLS13, Recommended},
		{parser.VersionDTLS10Pre, Insecure},
		{parser.VersionDTLS10, Weak},
		{parser.VersionDTLS12, Secure},
		{parser.VersionDTLS13, Recommended},
		{0x7f17, Weak},
		{0x0a0a, Weak},
	}
	for _, tt := range tests {
		if got := RateVersion(tt.v).Rating; got != tt.want {
			t.Errorf("%s: %s, want %s", tt.v, got, tt.want)
		}
	}
}

func TestRateKeyExchange(t *testing.T) {
	tests := []struct {
		kind  string
		group parser.NamedGroup
		bits  int
		want  Rating
	}{
		{"ECDHE", parser.GroupX25519, 0, Recommended},
		{"ECDHE", parser.GroupSecp256r1, 0, Recommended},
		{"ECDHE", parser.GroupSecp224r1, 0, Secure},
		{"ECDHE", parser.GroupSecp192r1, 0, Weak},
		{"ECDHE", parser.GroupSect163k1, 0, Weak},
		{"DHE", parser.GroupFFDHE2048, 0, Recommended},
		{"DHE", 0, 4096, Secure},
		{"DHE", 0, 2048, Secure},
		{"DHE", 0, 1024, Weak},
		{"DHE", 0, 512, Insecure},
		{"DH_anon", 0, 1024, Weak},
		{"RSA", 0, 2048, Secure},
		{"RSA", 0, 1024, Weak},
		{"RSA", 0, 512, Insecure},
		{"ECDHE", 0, 0, Secure},
	}
	for _, tt := range tests {
		if got := RateKeyExchange(parser.KeyExchange(tt.kind), tt.group, tt.bits); got.Rating != tt.want {
			t.Errorf("%s %s %d: %s %q, want %s", tt.kind, tt.group, tt.bits, got.Rating, got.Reasons, tt.want)
		}
	}
}

func TestParseRating(t *testing.T) {
	for r := Recommended; r <= Insecure; r++ {
		got, ok := ParseRating(r.String())
		if !ok || got != r {
			t.Errorf("ParseRating(%q) = %v, %v", r.String(), got, ok)
		}
	}
	if _, ok := ParseRating("mild"); ok {
		t.Error("ParseRating accepted mild")
	}
}

func TestCoversName(t *testing.T) {
	tests := []struct {
		san  []string
		host string
		want bool
	}{
		{[]string{"server.test", "10.77.0.2"}, "server.test", true},
		{[]string{"*.example.com"}, "www.example.com", true},
		{[]string{"*.example.com"}, "a.b.example.com", false},
		{[]string{"*.example.com"}, "example.com", false},
		{[]string{"Example.COM"}, "example.com", true},
		{[]string{"10.77.0.2"}, "10.77.0.2", true},
		{[]string{"fd77::2"}, "fd77::2", true},
		{nil, "example.com", false},
		{[]string{"admin@example.com", "https://example.com/"}, "example.com", false},
	}
	for _, tt := range tests {
		if got := coversName(tt.san, tt.host); got != tt.want {
			t.Errorf("coversName(%q, %q) = %v, want %v", tt.san, tt.host, got, tt.want)
		}
	}
}
