package trust

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// The validation statuses, in OpenSSL's wording (X509_verify_cert_error_string,
// OpenSSL 1.1), as Zeek writes them in ssl.log's validation_status.
const (
	StatusOK                = "ok"
	StatusUnknownIssuer     = "unable to get local issuer certificate" // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
	StatusExpired           = "certificate has expired"                // X509_V_ERR_CERT_HAS_EXPIRED
	StatusNotYetValid       = "certificate is not yet valid"           // X509_V_ERR_CERT_NOT_YET_VALID
	StatusSelfSigned        = "self signed certificate"                // X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
	StatusSelfSignedInChain = "self signed certificate in certificate chain"
	StatusSignatureFailure  = "certificate signature failure"          // X509_V_ERR_CERT_SIGNATURE_FAILURE
	StatusWeakDigest        = "CA signature digest algorithm too weak" // X509_V_ERR_CA_MD_TOO_WEAK
	StatusInvalidCA         = "invalid CA certificate"                 // X509_V_ERR_INVALID_CA
	StatusPathLength        = "path length constraint exceeded"        // X509_V_ERR_PATH_LENGTH_EXCEEDED
	StatusPurpose           = "unsupported certificate purpose"        // X509_V_ERR_INVALID_PURPOSE
	StatusNameConstraints   = "permitted subtree violation"            // X509_V_ERR_PERMITTED_VIOLATION
	StatusUnspecified       = "unspecified certificate verification error"
)

// MaxCached bounds the verdicts kept: past it, the oldest is forgotten.
const MaxCached = 4096

// Result is the verdict on one server chain.
type Result struct {
	// Status is the validation status (Status*); "" when there was no
	// chain, or its leaf could not be parsed as an X.509 certificate
	// (Zeek then logs no status either).
	Status string
	// NameChecked is set when there was an SNI and a parsed leaf;
	// NameMatches then tells whether the leaf is valid for the SNI.
	NameChecked, NameMatches bool
	// Weak lists the chain's weaknesses, one phrase each.
	Weak []string
	// Depth is the index in the chain sent of the certificate that the
	// status is about, -1 when none in particular (ok, unknown issuer).
	Depth int
}

// Verifier verifies chains against one root pool. It is safe for
// concurrent use.
type Verifier struct {
	roots *x509.CertPool
	// index, when set, holds the roots instead (NewSystem on Linux).
	index *rootIndex
	// loadRoots, when set, makes roots on first use (NewLoading).
	loadRoots func() *x509.CertPool
	rootsOnce sync.Once
	mu        sync.Mutex
	// cache holds each distinct chain seen (by the SHA-256 of its DER):
	// its certificates parsed once, and its verdict per validity class.
	cache map[[32]byte]*chainEntry
	order [][32]byte // insertion order, for eviction
	// verified counts the chains verified (verdict cache misses); hits
	// the verdicts taken from the cache; parsed the chains parsed
	// (chain cache misses).
	verified, hits, parsed int
}

// chainEntry is one distinct chain: each certificate's validity (from
// parsing it once) and its verdicts, one per class of the capture time
// against the certificates' validity ('<' before, '=' within, '>' after,
// '?' unparsed, one byte per certificate sent): the verdict holds for
// every time of one class, as the verification depends on the time only
// through each certificate's validity. The parsed certificates are not
// kept (but for the leaf, in the verdicts): a class not seen before
// parses the chain again.
type chainEntry struct {
	validity []validity
	verdicts map[string]*verdict
	names    map[string]bool // nameMatches of the leaf, by SNI
}

type validity struct {
	parsed              bool
	notBefore, notAfter time.Time
}

// maxNames bounds the name checks kept per chain: past it, they are
// forgotten and made again.
const maxNames = 64

// maxClasses bounds the verdicts kept per chain (a chain of n
// certificates has at most 2n+1 classes over time, and a capture spans
// few of them).
const maxClasses = 16

type verdict struct {
	status string
	depth  int
	weak   []string
	leaf   *x509.Certificate
}

// New makes a Verifier on roots.
func New(roots *x509.CertPool) *Verifier {
	return &Verifier{roots: roots, cache: map[[32]byte]*chainEntry{}}
}

// NewLoading makes a Verifier whose roots load makes, in the background
// from now on: the system's pool (SystemRoots) takes tens of
// milliseconds to read and parse, which then overlap the capture's first
// packets instead of coming before them. The first verification waits for
// it.
func NewLoading(load func() *x509.CertPool) *Verifier {
	v := &Verifier{loadRoots: load, cache: map[[32]byte]*chainEntry{}}
	go v.rootPool()
	return v
}

// rootPool is the pool chains are verified against.
func (v *Verifier) rootPool() *x509.CertPool {
	if v.loadRoots != nil {
		v.rootsOnce.Do(func() { v.roots = v.loadRoots() })
	}
	return v.roots
}

// rootsFor is the pool to verify the chain certs against.
func (v *Verifier) rootsFor(certs []*x509.Certificate) *x509.CertPool {
	if v.index != nil {
		return v.index.poolFor(certs)
	}
	return v.rootPool()
}

// SystemRoots is the system's root pool (x509.SystemCertPool); an empty pool
// when the system has none.
func SystemRoots() *x509.CertPool {
	p, err := x509.SystemCertPool()
	if err != nil || p == nil {
		return x509.NewCertPool()
	}
	return p
}

// LoadCAFile reads a PEM bundle of root certificates. A file with no
// certificate in it is an error.
func LoadCAFile(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s: no PEM certificate in it", path)
	}
	return p, nil
}

// Verified is the number of chains verified so far (not counting the
// verdicts taken from the cache).
func (v *Verifier) Verified() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.verified
}

// Check verifies chain (DER, leaf first, as sent) at the time at, and the
// leaf's name against sni when sni is not "".
func (v *Verifier) Check(chain [][]byte, at time.Time, sni string) Result {
	r := Result{Depth: -1}
	if len(chain) == 0 {
		return r
	}
	key := chainDigest(chain)
	v.mu.Lock()
	defer v.mu.Unlock()
	e, vd := v.verdict(key, chain, at)
	if vd.leaf == nil {
		return r
	}
	r.Status, r.Depth, r.Weak = vd.status, vd.depth, vd.weak
	if sni != "" {
		m, ok := e.names[sni]
		if !ok {
			m = nameMatches(vd.leaf, sni)
			if len(e.names) >= maxNames {
				clear(e.names)
			}
			e.names[sni] = m
		}
		r.NameChecked, r.NameMatches = true, m
	}
	return r
}

// Stats is the number of verdicts taken from the cache (hits) and of
// distinct chains parsed so far.
func (v *Verifier) Stats() (hits, parsed int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.hits, v.parsed
}

// chainDigest is the cache key of chain: the SHA-256 of its
// certificates, each after its length.
func chainDigest(chain [][]byte) [32]byte {
	h := sha256.New()
	var n [4]byte
	for _, der := range chain {
		binary.BigEndian.PutUint32(n[:], uint32(len(der)))
		h.Write(n[:])
		h.Write(der)
	}
	var key [32]byte
	h.Sum(key[:0])
	return key
}

// verdict is the cache entry of chain (whose digest is key) and its
// verdict at the time at; v.mu is held.
func (v *Verifier) verdict(key [32]byte, chain [][]byte, at time.Time) (*chainEntry, *verdict) {
	e := v.cache[key]
	var certs []*x509.Certificate // parsed for this call, when it had to
	if e == nil {
		certs = parseChain(chain)
		e = &chainEntry{validity: make([]validity, len(chain)), verdicts: map[string]*verdict{}, names: map[string]bool{}}
		for i, c := range certs {
			if c != nil {
				e.validity[i] = validity{true, c.NotBefore, c.NotAfter}
			}
		}
		v.parsed++
		if len(v.order) >= MaxCached {
			delete(v.cache, v.order[0])
			v.order = v.order[1:]
		}
		v.cache[key] = e
		v.order = append(v.order, key)
	}
	var buf [16]byte
	class := buf[:0]
	for _, c := range e.validity {
		switch {
		case !c.parsed:
			class = append(class, '?')
		case at.Before(c.notBefore):
			class = append(class, '<')
		case at.After(c.notAfter):
			class = append(class, '>')
		default:
			class = append(class, '=')
		}
	}
	if vd, ok := e.verdicts[string(class)]; ok {
		v.hits++
		return e, vd
	}
	if certs == nil {
		certs = parseChain(chain)
	}
	vd := v.verify(certs, at)
	v.verified++
	if len(e.verdicts) >= maxClasses {
		clear(e.verdicts)
	}
	e.verdicts[string(class)] = vd
	return e, vd
}

// parseChain parses each certificate of chain (nil where one does not
// parse).
func parseChain(chain [][]byte) []*x509.Certificate {
	certs := make([]*x509.Certificate, len(chain))
	for i, der := range chain {
		if c, err := x509.ParseCertificate(der); err == nil {
			certs[i] = c
		}
	}
	return certs
}

// verify builds and checks the chain of certs (nil where a certificate did
// not parse) at the time at.
func (v *Verifier) verify(certs []*x509.Certificate, at time.Time) *verdict {
	leaf := certs[0]
	vd := &verdict{leaf: leaf, depth: -1}
	if leaf == nil {
		return vd
	}
	vd.weak = weaknesses(certs)
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		if c != nil {
			inter.AddCert(c)
		}
	}
	opts := x509.VerifyOptions{
		Roots:         v.rootsFor(certs),
		Intermediates: inter,
		CurrentTime:   at,
		// OpenSSL's X509_verify_cert, as Zeek calls it, checks no
		// purpose.
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
	_, err := leaf.Verify(opts)
	if err == nil {
		vd.status = StatusOK
		return vd
	}
	var inv x509.CertificateInvalidError
	if errors.As(err, &inv) && inv.Reason == x509.Expired {
		// OpenSSL builds the chain first and checks the times after:
		// build it at a time when every certificate sent is valid, and
		// report a failure to build first.
		opts.CurrentTime = commonTime(certs, at)
		chains, err2 := leaf.Verify(opts)
		if err2 != nil {
			if errors.As(err2, &inv) && inv.Reason == x509.Expired {
				vd.status, vd.depth = timeStatus(certs, at)
				return vd
			}
			vd.status, vd.depth = classify(err2, certs)
			return vd
		}
		vd.status, vd.depth = timeStatus(chains[0], at)
		vd.depth = indexIn(certs, chains[0], vd.depth)
		return vd
	}
	vd.status, vd.depth = classify(err, certs)
	return vd
}

// commonTime is a time within the validity of every certificate in certs,
// or at when there is none.
func commonTime(certs []*x509.Certificate, at time.Time) time.Time {
	var lo, hi time.Time
	for i, c := range certs {
		if c == nil {
			continue
		}
		if i == 0 || c.NotBefore.After(lo) {
			lo = c.NotBefore
		}
		if i == 0 || c.NotAfter.Before(hi) {
			hi = c.NotAfter
		}
	}
	if lo.After(hi) {
		return at
	}
	return lo
}

// timeStatus names the first certificate of chain, from the root down as
// OpenSSL's internal_verify goes, that is not valid at the time at, and
// its index in chain.
func timeStatus(chain []*x509.Certificate, at time.Time) (string, int) {
	for i := len(chain) - 1; i >= 0; i-- {
		c := chain[i]
		if c == nil {
			continue
		}
		if at.Before(c.NotBefore) {
			return StatusNotYetValid, i
		}
		if at.After(c.NotAfter) {
			return StatusExpired, i
		}
	}
	return StatusExpired, 0
}

// indexIn maps index i of built (a verified chain) to the index of the
// same certificate in sent, -1 when it was not sent (a root of the pool).
func indexIn(sent, built []*x509.Certificate, i int) int {
	if i < 0 || i >= len(built) {
		return -1
	}
	for j, c := range sent {
		if c != nil && c.Equal(built[i]) {
			return j
		}
	}
	return -1
}

// classify maps a verification error other than a time to a status.
func classify(err error, certs []*x509.Certificate) (string, int) {
	var inv x509.CertificateInvalidError
	if errors.As(err, &inv) {
		i := indexOf(certs, inv.Cert)
		switch inv.Reason {
		case x509.NotAuthorizedToSign:
			return StatusInvalidCA, i
		case x509.TooManyIntermediates:
			return StatusPathLength, i
		case x509.IncompatibleUsage:
			return StatusPurpose, i
		case x509.CANotAuthorizedForThisName, x509.NameMismatch, x509.NameConstraintsWithoutSANs,
			x509.UnconstrainedName, x509.TooManyConstraints, x509.CANotAuthorizedForExtKeyUsage:
			return StatusNameConstraints, i
		case x509.Expired:
			return StatusExpired, i
		}
		return StatusUnspecified, i
	}
	var ua x509.UnknownAuthorityError
	var sr x509.SystemRootsError
	switch {
	case errors.As(err, &ua):
		return unknownAuthority(ua, certs)
	case errors.As(err, &sr):
		return StatusUnknownIssuer, -1
	}
	return StatusUnspecified, -1
}

// unknownAuthority tells OpenSSL's reasons apart for a chain that reached
// no root: a lone self-signed leaf, a self-signed top of the chain sent,
// an issuer found whose signature did not verify, or no issuer at all.
func unknownAuthority(ua x509.UnknownAuthorityError, certs []*x509.Certificate) (string, int) {
	// Follow the chain sent by issuer names from the leaf, checking each
	// signature on the way.
	path := []int{0}
	used := map[int]bool{0: true}
	for {
		cur := certs[path[len(path)-1]]
		if isSelfSigned(cur) {
			if len(path) == 1 {
				return StatusSelfSigned, 0
			}
			return StatusSelfSignedInChain, path[len(path)-1]
		}
		next := -1
		for j, c := range certs {
			if c == nil || used[j] || string(c.RawSubject) != string(cur.RawIssuer) {
				continue
			}
			if err := cur.CheckSignatureFrom(c); err != nil {
				var insecure x509.InsecureAlgorithmError
				var constraint x509.ConstraintViolationError
				switch {
				case errors.As(err, &insecure):
					return StatusWeakDigest, path[len(path)-1]
				case errors.As(err, &constraint):
					return StatusInvalidCA, j // the issuer is not a CA
				}
				return StatusSignatureFailure, path[len(path)-1]
			}
			next = j
			break
		}
		if next < 0 {
			break
		}
		used[next] = true
		path = append(path, next)
	}
	// The top of the chain sent has its issuer outside it. crypto/x509
	// names a candidate found by name in the roots whose signature failed
	// only in its message (the hint of UnknownAuthorityError).
	top := path[len(path)-1]
	msg := ua.Error()
	switch {
	case strings.Contains(msg, "insecure algorithm"):
		return StatusWeakDigest, top
	case strings.Contains(msg, "possibly because of"):
		return StatusSignatureFailure, top
	}
	return StatusUnknownIssuer, -1
}

// isSelfSigned: subject equals issuer and the signature verifies with the
// certificate's own key (a SHA-1 or MD5 one included).
func isSelfSigned(c *x509.Certificate) bool {
	if string(c.RawSubject) != string(c.RawIssuer) {
		return false
	}
	err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature)
	var insecure x509.InsecureAlgorithmError
	return err == nil || errors.As(err, &insecure)
}

func indexOf(certs []*x509.Certificate, c *x509.Certificate) int {
	if c == nil {
		return -1
	}
	for i, x := range certs {
		if x != nil && x.Equal(c) {
			return i
		}
	}
	return -1
}

// weaknesses lists the weak signatures below the root (SHA-1, MD5, MD2)
// and the RSA keys under 2048 bits of the chain sent.
func weaknesses(certs []*x509.Certificate) []string {
	var out []string
	for i, c := range certs {
		if c == nil {
			continue
		}
		if !isSelfSigned(c) {
			switch c.SignatureAlgorithm {
			case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
				out = append(out, fmt.Sprintf("certificate %d (%s) is signed with %s", i, c.Subject, c.SignatureAlgorithm))
			}
		}
		if k, ok := c.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < 2048 {
			out = append(out, fmt.Sprintf("certificate %d (%s) has an RSA %d key", i, c.Subject, k.N.BitLen()))
		}
	}
	return out
}

// nameMatches checks name against the leaf as Zeek's
// x509_check_cert_hostname: its DNS names (IP addresses for an IP), and
// its common name when it has no DNS name.
func nameMatches(leaf *x509.Certificate, name string) bool {
	if leaf.VerifyHostname(name) == nil {
		return true
	}
	if len(leaf.DNSNames) > 0 || leaf.Subject.CommonName == "" {
		return false
	}
	return hostMatches(strings.ToLower(leaf.Subject.CommonName), strings.ToLower(strings.TrimSuffix(name, ".")))
}

// hostMatches matches host against pattern, whose leftmost label may be
// "*" for exactly one label.
func hostMatches(pattern, host string) bool {
	if pattern == host {
		return true
	}
	rest, ok := strings.CutPrefix(pattern, "*.")
	if !ok {
		return false
	}
	_, hostRest, ok := strings.Cut(host, ".")
	return ok && hostRest == rest && strings.Contains(rest, ".")
}
