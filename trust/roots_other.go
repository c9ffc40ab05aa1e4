//go:build !linux || android

package trust

// NewSystem makes a Verifier on the system's roots (x509.SystemCertPool,
// which on macOS and Windows verifies through the platform), loaded in the
// background from now on (NewLoading).
func NewSystem() *Verifier {
	return NewLoading(SystemRoots)
}
