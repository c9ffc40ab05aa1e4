package trust

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"testing"
	"time"
)

func pemOf(cs ...*issued) []byte {
	var b bytes.Buffer
	for _, c := range cs {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw})
	}
	return b.Bytes()
}

// TestRootIndexLikePool checks that verifying against a rootIndex, which
// parses only the roots a chain names, gives the verdict of verifying
// against an x509.CertPool of all the same roots, for chains that end at
// a root, at one of two roots of the same name, at a root the leaf
// itself is, at none, and at an expired one.
func TestRootIndexLikePool(t *testing.T) {
	const ec = x509.ECDSAWithSHA256
	long := [2]time.Time{captured.AddDate(-5, 0, 0), captured.AddDate(30, 0, 0)}
	rootA := mint(t, "Root A", nil, true, long, ec)
	rootB := mint(t, "Root B", nil, true, long, ec)
	rootB2 := mint(t, "Root B", nil, true, long, ec) // same name, another key
	oldRoot := mint(t, "Old Root", nil, true, past, ec)
	other := mint(t, "Not A Root", nil, true, long, ec)
	interA := mint(t, "Inter A", rootA, true, lifetime, ec)
	interB2 := mint(t, "Inter B", rootB2, true, lifetime, ec)
	interOld := mint(t, "Inter Old", oldRoot, true, lifetime, ec)
	interOther := mint(t, "Inter Other", other, true, lifetime, ec)
	leafA := mint(t, "a.test", interA, false, lifetime, ec, "a.test")
	leafB2 := mint(t, "b.test", interB2, false, lifetime, ec, "b.test")
	leafRootB := mint(t, "rb.test", rootB, false, lifetime, ec, "rb.test")
	leafOld := mint(t, "old.test", interOld, false, lifetime, ec, "old.test")
	leafOther := mint(t, "x.test", interOther, false, lifetime, ec, "x.test")
	self := mint(t, "self.test", nil, false, lifetime, ec, "self.test")

	files := [][]byte{pemOf(rootA, rootB), pemOf(rootB2, oldRoot), pemOf(rootA)} // rootA twice
	pool := x509.NewCertPool()
	for _, f := range files {
		pool.AppendCertsFromPEM(f)
	}
	ix := newRootIndex(func() [][]byte { return files })
	byPool, byIndex := New(pool), &Verifier{index: ix, cache: map[[32]byte]*chainEntry{}}
	chains := map[string][][]byte{
		"via intermediate":   ders(leafA, interA),
		"same-named root":    ders(leafB2, interB2),
		"straight from root": ders(leafRootB),
		"leaf is a root":     ders(rootA),
		"root sent too":      ders(leafA, interA, rootA),
		"expired root":       ders(leafOld, interOld),
		"unknown root":       ders(leafOther, interOther),
		"missing inter":      ders(leafA),
		"self-signed":        ders(self),
	}
	for name, chain := range chains {
		want := byPool.Check(chain, captured, "")
		got := byIndex.Check(chain, captured, "")
		if got.Status != want.Status || got.Depth != want.Depth {
			t.Errorf("%s: index says %q (depth %d), pool %q (depth %d)", name, got.Status, got.Depth, want.Status, want.Depth)
		}
		if name == "via intermediate" && got.Status != StatusOK {
			t.Errorf("%s: %q, want ok", name, got.Status)
		}
	}
	roots, parsed := ix.size()
	if roots != 4 {
		t.Errorf("%d roots indexed, want 4 (one of them twice)", roots)
	}
	if parsed == 0 || parsed >= roots+1 {
		t.Errorf("%d of %d roots parsed", parsed, roots)
	}
}

// TestRootIndexParsesWhatIsNamed: a chain names its roots; the others are
// not parsed.
func TestRootIndexParsesWhatIsNamed(t *testing.T) {
	const ec = x509.ECDSAWithSHA256
	var roots []*issued
	for _, n := range []string{"R1", "R2", "R3", "R4", "R5"} {
		roots = append(roots, mint(t, n, nil, true, lifetime, ec))
	}
	leaf := mint(t, "l.test", roots[2], false, lifetime, ec, "l.test")
	ix := newRootIndex(func() [][]byte { return [][]byte{pemOf(roots...)} })
	v := &Verifier{index: ix, cache: map[[32]byte]*chainEntry{}}
	if r := v.Check(ders(leaf), captured, "l.test"); r.Status != StatusOK {
		t.Fatalf("status %q, want ok", r.Status)
	}
	if n, parsed := ix.size(); n != 5 || parsed != 1 {
		t.Fatalf("%d roots, %d parsed; want 5, 1", n, parsed)
	}
}

// TestRawSubject: rawSubject finds x509's RawSubject in every certificate
// of the system's roots and of the test's own.
func TestRawSubject(t *testing.T) {
	var n int
	check := func(der []byte) {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return
		}
		n++
		s, ok := rawSubject(der)
		if !ok || !bytes.Equal(s, c.RawSubject) {
			t.Errorf("%s: rawSubject %x, want %x", c.Subject, s, c.RawSubject)
		}
	}
	check(mint(t, "RSA with version", nil, true, lifetime, x509.SHA256WithRSA).cert.Raw)
	for _, f := range []string{"/etc/ssl/certs/ca-certificates.crt"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for len(b) > 0 {
			var blk *pem.Block
			if blk, b = pem.Decode(b); blk == nil {
				break
			}
			check(blk.Bytes)
		}
	}
	if n < 2 {
		t.Logf("only %d certificates checked (no system bundle)", n)
	}
	if _, ok := rawSubject([]byte{0x30, 0x03, 0x30, 0x01, 0x02}); ok {
		t.Error("a truncated certificate has a subject")
	}
}
