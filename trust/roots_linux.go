//go:build linux && !android

package trust

import (
	"os"
	"path/filepath"
	"strings"
)

// The files and directories x509.SystemCertPool reads on Linux
// (crypto/x509/root_linux.go), and the variables that replace them.
var (
	certFiles = []string{
		"/etc/ssl/certs/ca-certificates.crt",                // Debian/Ubuntu/Gentoo etc.
		"/etc/pki/tls/certs/ca-bundle.crt",                  // Fedora/RHEL 6
		"/etc/ssl/ca-bundle.pem",                            // OpenSUSE
		"/etc/pki/tls/cacert.pem",                           // OpenELEC
		"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // CentOS/RHEL 7
		"/etc/ssl/cert.pem",                                 // Alpine Linux
	}
	certDirectories = []string{"/etc/ssl/certs", "/etc/pki/tls/certs"}
)

const (
	certFileEnv = "SSL_CERT_FILE"
	certDirEnv  = "SSL_CERT_DIR"
)

// NewSystem makes a Verifier on the system's roots, the ones
// x509.SystemCertPool has, read and indexed in the background from now on
// (~7 ms, which then overlap the key logs' loading and the first packets;
// the first verification waits for it) and parsed only as chains name
// them (rootIndex).
func NewSystem() *Verifier {
	v := &Verifier{index: newRootIndex(systemPEM), cache: map[[32]byte]*chainEntry{}}
	go v.index.once.Do(v.index.build)
	return v
}

// systemPEM reads what x509.SystemCertPool reads on Linux
// (crypto/x509/root_unix.go): $SSL_CERT_FILE or the first of certFiles
// that can be read, then every file of $SSL_CERT_DIR (directories
// separated by ':') or of certDirectories, less the symbolic links to a
// file of the same directory.
func systemPEM() [][]byte {
	var out [][]byte
	files := certFiles
	if f := os.Getenv(certFileEnv); f != "" {
		files = []string{f}
	}
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			out = append(out, b)
			break
		}
	}
	dirs := certDirectories
	if d := os.Getenv(certDirEnv); d != "" {
		dirs = strings.Split(d, ":")
	}
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.Type()&os.ModeSymlink != 0 {
				if t, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && !strings.Contains(t, "/") {
					continue // another name of a file listed here
				}
			}
			if b, err := os.ReadFile(dir + "/" + e.Name()); err == nil {
				out = append(out, b)
			}
		}
	}
	return out
}
