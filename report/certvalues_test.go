package report

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/parser"
)

// TestCertValuesCache: certObject and certificate give the same JSON
// from the cache as computed afresh, and a summary made by hand with the
// SHA-256 of another certificate gets its own values, not the cached
// ones.
func TestCertValuesCache(t *testing.T) {
	nb := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	a := parser.CertInfo{Subject: "CN=a", Issuer: "CN=ca", Serial: "01", NotBefore: nb, NotAfter: nb.AddDate(1, 0, 0),
		Key: "ECDSA P-256", SignatureAlgorithm: "ECDSA-SHA256", SHA256: "ab12", SAN: []string{"a.example"}, SelfSigned: true}
	b := a
	b.Subject, b.SAN, b.NotAfter = "CN=b", nil, nb.AddDate(2, 0, 0)
	want := func(c parser.CertInfo) string {
		o := Object{
			{"subject", c.Subject}, {"issuer", c.Issuer}, {"serial", c.Serial},
			{"not_before", timeString(c.NotBefore)}, {"not_after", timeString(c.NotAfter)},
			{"key", c.Key}, {"signature_algorithm", c.SignatureAlgorithm}, {"sha256", c.SHA256},
			{"san", nonNil(c.SAN)}, {"self_signed", c.SelfSigned},
		}
		j, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		return string(j)
	}
	for round := range 2 {
		for _, c := range []parser.CertInfo{a, b, a} {
			j, err := json.Marshal(certObject(nil, c))
			if err != nil {
				t.Fatal(err)
			}
			if string(j) != want(c) {
				t.Errorf("round %d: %s\nwant %s", round, j, want(c))
			}
			got := certificate(c)
			if got.Subject != c.Subject || got.NotBefore != timeString(c.NotBefore) || got.NotAfter != timeString(c.NotAfter) || len(got.SAN) != len(c.SAN) || got.SAN == nil {
				t.Errorf("round %d: certificate %+v for %+v", round, got, c)
			}
		}
	}
}
