//go:build linux && !android

package trust

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// TestSystemPEMLikeSystemCertPool: the roots NewSystem indexes are those of
// x509.SystemCertPool, here with SSL_CERT_FILE and SSL_CERT_DIR naming a
// bundle and a directory with a root of its own, a copy of one in the
// bundle and a same-directory link to it.
func TestSystemPEMLikeSystemCertPool(t *testing.T) {
	const ec = x509.ECDSAWithSHA256
	a, b, c := mint(t, "SA", nil, true, lifetime, ec), mint(t, "SB", nil, true, lifetime, ec), mint(t, "SC", nil, true, lifetime, ec)
	dir := t.TempDir()
	bundle := filepath.Join(dir, "bundle.pem")
	certs := filepath.Join(dir, "certs")
	os.Mkdir(certs, 0o755)
	os.WriteFile(bundle, pemOf(a, b), 0o644)
	os.WriteFile(filepath.Join(certs, "c.pem"), pemOf(c), 0o644)
	os.WriteFile(filepath.Join(certs, "a.pem"), pemOf(a), 0o644)
	if err := os.Symlink("c.pem", filepath.Join(certs, "1234abcd.0")); err != nil {
		t.Fatal(err)
	}
	t.Setenv(certFileEnv, bundle)
	t.Setenv(certDirEnv, certs+":"+filepath.Join(dir, "none"))
	ix := newRootIndex(systemPEM)
	if n, _ := ix.size(); n != 3 {
		t.Fatalf("%d roots indexed, want 3", n)
	}
	for _, r := range []*issued{a, b, c} {
		leaf := mint(t, "l.test", r, false, lifetime, ec, "l.test")
		v := &Verifier{index: newRootIndex(systemPEM), cache: map[[32]byte]*chainEntry{}}
		if got := v.Check(ders(leaf), captured, ""); got.Status != StatusOK {
			t.Errorf("a leaf of %s: %q, want ok", r.cert.Subject.CommonName, got.Status)
		}
	}
}

// TestSystemRootsAll: on this machine, NewSystem indexes the roots
// x509.SystemCertPool has, each once.
func TestSystemRootsAll(t *testing.T) {
	var want [][]byte
	if pool, err := x509.SystemCertPool(); err == nil {
		//lint:ignore SA1019 the subjects of a pool made from files are listed
		want = pool.Subjects()
	}
	if len(want) == 0 {
		// With no roots the index and the pool agree on nothing at all.
		testenv.Unavailable(t, "roots", "the system pool is empty: install ca-certificates")
	}
	ix := newRootIndex(systemPEM)
	n, parsed := ix.size()
	if n != len(want) {
		t.Errorf("%d roots indexed, the system pool has %d", n, len(want))
	}
	if parsed != 0 {
		t.Errorf("%d roots parsed before any chain named one", parsed)
	}
	subjects := map[string]int{}
	for _, s := range want {
		subjects[string(s)]++
	}
	for s, idx := range ix.bySubject {
		if subjects[s] != len(idx) {
			t.Errorf("subject %q: %d roots indexed, the pool has %d", s, len(idx), subjects[s])
		}
	}
}
