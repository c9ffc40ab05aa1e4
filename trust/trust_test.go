package trust

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"
)

// The capture time of the test connections, and the validity windows
// around it.
var (
	captured = time.Date(2020, 6, 1, 12, 0, 0, 0, time.UTC)
	lifetime = [2]time.Time{captured.AddDate(-1, 0, 0), captured.AddDate(10, 0, 0)}
	past     = [2]time.Time{captured.AddDate(-3, 0, 0), captured.AddDate(0, -6, 0)} // expired at capture time
	future   = [2]time.Time{captured.AddDate(1, 0, 0), captured.AddDate(30, 0, 0)}  // valid now, not yet then
)

type issued struct {
	cert *x509.Certificate
	key  crypto.Signer
}

var serial int64

// mint makes a certificate for name, signed by parent (self-signed when
// parent is nil), with the given validity and signature algorithm.
func mint(t *testing.T, name string, parent *issued, ca bool, validity [2]time.Time, alg x509.SignatureAlgorithm, dns ...string) *issued {
	t.Helper()
	var key crypto.Signer
	var err error
	if strings.HasPrefix(name, "RSA") { // the key's type; alg is the signer's
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"trust test"}},
		NotBefore:             validity[0],
		NotAfter:              validity[1],
		BasicConstraintsValid: true,
		IsCA:                  ca,
		DNSNames:              dns,
		SignatureAlgorithm:    alg,
	}
	if ca {
		tmpl.KeyUsage = x509.KeyUsageCertSign
	}
	signer, signerCert := key, tmpl
	if parent != nil {
		signer, signerCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &issued{cert: c, key: key}
}

func ders(cs ...*issued) [][]byte {
	var out [][]byte
	for _, c := range cs {
		out = append(out, c.cert.Raw)
	}
	return out
}

// TestStatuses checks the exact status of each kind of chain at the
// capture time, with Zeek's (OpenSSL's) wording.
func TestStatuses(t *testing.T) {
	const ec = x509.ECDSAWithSHA256
	root := mint(t, "Test Root", nil, true, [2]time.Time{captured.AddDate(-5, 0, 0), captured.AddDate(30, 0, 0)}, ec)
	inter := mint(t, "Test Intermediate", root, true, lifetime, ec)
	leaf := mint(t, "www.example.test", inter, false, lifetime, ec, "www.example.test")
	expiredThen := mint(t, "old.example.test", inter, false, past, ec, "old.example.test")
	notYet := mint(t, "new.example.test", inter, false, future, ec, "new.example.test")
	self := mint(t, "self.example.test", nil, false, lifetime, ec, "self.example.test")
	otherRoot := mint(t, "Other Root", nil, true, lifetime, ec)
	otherInter := mint(t, "Other Intermediate", otherRoot, true, lifetime, ec)
	unknown := mint(t, "unknown.example.test", otherInter, false, lifetime, ec, "unknown.example.test")
	expiredUnknown := mint(t, "old.unknown.test", otherInter, false, past, ec, "old.unknown.test")
	rsaInter := mint(t, "RSA Intermediate", root, true, lifetime, x509.ECDSAWithSHA256)
	sha1Leaf := mint(t, "sha1.example.test", rsaInter, false, lifetime, x509.SHA1WithRSA, "sha1.example.test")
	// An intermediate that is not a CA.
	notCA := mint(t, "Not a CA", root, false, lifetime, ec)
	underNotCA := mint(t, "under.example.test", notCA, false, lifetime, ec, "under.example.test")

	pool := x509.NewCertPool()
	pool.AddCert(root.cert)
	v := New(pool)

	cases := []struct {
		name   string
		chain  [][]byte
		sni    string
		status string
		match  bool
		weak   int
	}{
		{"valid", ders(leaf, inter), "www.example.test", StatusOK, true, 0},
		{"valid with root sent", ders(leaf, inter, root), "www.example.test", StatusOK, true, 0},
		{"wrong name", ders(leaf, inter), "mail.example.test", StatusOK, false, 0},
		{"expired at capture time", ders(expiredThen, inter), "old.example.test", StatusExpired, true, 0},
		{"not yet valid at capture time", ders(notYet, inter), "new.example.test", StatusNotYetValid, true, 0},
		{"self-signed", ders(self), "self.example.test", StatusSelfSigned, true, 0},
		{"self-signed root in chain", ders(unknown, otherInter, otherRoot), "unknown.example.test", StatusSelfSignedInChain, true, 0},
		{"unknown issuer", ders(unknown, otherInter), "unknown.example.test", StatusUnknownIssuer, true, 0},
		{"missing intermediate", ders(leaf), "www.example.test", StatusUnknownIssuer, true, 0},
		{"unknown issuer before expiry", ders(expiredUnknown, otherInter), "", StatusUnknownIssuer, false, 0},
		{"sha1 signed leaf", ders(sha1Leaf, rsaInter), "sha1.example.test", StatusWeakDigest, true, 1},
		{"intermediate not a CA", ders(underNotCA, notCA), "", StatusInvalidCA, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := v.Check(tc.chain, captured, tc.sni)
			if r.Status != tc.status {
				t.Errorf("status %q, want %q", r.Status, tc.status)
			}
			if r.NameChecked != (tc.sni != "") || r.NameMatches != tc.match {
				t.Errorf("name checked %v matches %v, want %v %v", r.NameChecked, r.NameMatches, tc.sni != "", tc.match)
			}
			if len(r.Weak) != tc.weak {
				t.Errorf("weak %q, want %d", r.Weak, tc.weak)
			}
		})
	}
	// The capture time decides, not the time of the run: the expired
	// leaf was valid two years before, the future one is valid later.
	if r := v.Check(ders(expiredThen, inter), captured.AddDate(0, -9, 0), ""); r.Status != StatusOK {
		t.Errorf("expired leaf checked while it was valid: %q", r.Status)
	}
	if r := v.Check(ders(notYet, inter), future[0].AddDate(0, 6, 0), ""); r.Status != StatusOK {
		t.Errorf("future leaf checked once valid: %q", r.Status)
	}
	if r := v.Check(nil, captured, "x"); r.Status != "" || r.NameChecked {
		t.Errorf("no chain: %+v", r)
	}
	if r := v.Check([][]byte{[]byte("not a certificate")}, captured, "x"); r.Status != "" || r.NameChecked {
		t.Errorf("unparsable leaf: %+v", r)
	}
}

// TestCache: a chain is verified once per validity class, whatever the
// number of connections.
func TestCache(t *testing.T) {
	root := mint(t, "Cache Root", nil, true, [2]time.Time{captured.AddDate(-5, 0, 0), captured.AddDate(30, 0, 0)}, x509.ECDSAWithSHA256)
	leaf := mint(t, "cache.example.test", root, false, lifetime, x509.ECDSAWithSHA256, "cache.example.test")
	pool := x509.NewCertPool()
	pool.AddCert(root.cert)
	v := New(pool)
	for i := range 1000 {
		if r := v.Check(ders(leaf), captured.Add(time.Duration(i)*time.Second), "cache.example.test"); r.Status != StatusOK {
			t.Fatalf("status %q", r.Status)
		}
	}
	if r := v.Check(ders(leaf), lifetime[1].AddDate(0, 0, 1), ""); r.Status != StatusExpired {
		t.Fatalf("after expiry: %q", r.Status)
	}
	if n := v.Verified(); n != 2 {
		t.Errorf("%d verifications, want 2 (one per validity class)", n)
	}
	// The name checks, cached per chain and SNI, stay apart.
	for range 2 {
		for sni, want := range map[string]bool{"cache.example.test": true, "other.example.test": false, "CACHE.example.test.": true} {
			if r := v.Check(ders(leaf), captured, sni); !r.NameChecked || r.NameMatches != want {
				t.Errorf("%s: name checked %v matches %v, want %v", sni, r.NameChecked, r.NameMatches, want)
			}
		}
	}
	// The chain is parsed once; the 999 other checks in its validity
	// take the verdict from the cache.
	if hits, parsed := v.Stats(); hits != 999+6 || parsed != 1 {
		t.Errorf("%d cache hits, %d chains parsed; want 1005 and 1", hits, parsed)
	}
}

// TestCommonNameFallback: like Zeek's x509_check_cert_hostname, a leaf
// without DNS names is matched by its common name.
func TestCommonNameFallback(t *testing.T) {
	leaf := mint(t, "*.cn.example.test", nil, false, lifetime, x509.ECDSAWithSHA256)
	for name, want := range map[string]bool{"a.cn.example.test": true, "cn.example.test": false, "a.b.cn.example.test": false} {
		if got := nameMatches(leaf.cert, name); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}
