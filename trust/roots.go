package trust

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"sync"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// rootIndex is a set of root certificates kept as DER, indexed by the raw
// subject of each, and parsed only when a chain to verify names that
// subject: the system's bundle holds about 150 roots (and, on Debian, the
// same ones again in /etc/ssl/certs), whose parsing by x509.SystemCertPool
// cost tens of milliseconds of every run that saw a certificate, while a
// capture's chains name a handful of them. Verifying against the roots a
// chain names is verifying against all of them: x509 looks up a root
// only by the raw issuer of a certificate on the path it builds (every
// one of them sent in the chain) and, for the leaf itself, by its raw
// subject.
type rootIndex struct {
	once sync.Once
	load func() [][]byte // the PEM files to index, read on first use

	mu        sync.Mutex
	bySubject map[string][]int // raw subject: indexes in ders
	ders      [][]byte
	certs     []*x509.Certificate // parsed on demand (nil: not yet, or failed)
	tried     []bool
	parsed    int
}

// newRootIndex indexes the certificates of the PEM data load returns,
// when first used.
func newRootIndex(load func() [][]byte) *rootIndex {
	return &rootIndex{load: load}
}

func (ix *rootIndex) build() {
	ix.bySubject = map[string][]int{}
	seen := map[[32]byte]bool{}
	for _, data := range ix.load() {
		for len(data) > 0 {
			var block *pem.Block
			block, data = pem.Decode(data)
			if block == nil {
				break
			}
			// What x509.CertPool.AppendCertsFromPEM takes.
			if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
				continue
			}
			subject, ok := rawSubject(block.Bytes)
			if !ok {
				continue // x509 would not parse it either
			}
			sum := sha256.Sum256(block.Bytes)
			if seen[sum] {
				continue
			}
			seen[sum] = true
			ix.bySubject[string(subject)] = append(ix.bySubject[string(subject)], len(ix.ders))
			ix.ders = append(ix.ders, block.Bytes)
		}
	}
	ix.certs = make([]*x509.Certificate, len(ix.ders))
	ix.tried = make([]bool, len(ix.ders))
}

// poolFor is a pool of the roots that verifying chain (parsed, nil where
// a certificate did not parse; the leaf first) can use.
func (ix *rootIndex) poolFor(chain []*x509.Certificate) *x509.CertPool {
	ix.once.Do(ix.build)
	pool := x509.NewCertPool()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	add := func(subject []byte) {
		for _, i := range ix.bySubject[string(subject)] {
			if !ix.tried[i] {
				ix.tried[i] = true
				ix.certs[i], _ = x509.ParseCertificate(ix.ders[i])
				ix.parsed++
			}
			if c := ix.certs[i]; c != nil {
				pool.AddCert(c) // once: a pool skips a certificate it has
			}
		}
	}
	for i, c := range chain {
		if c == nil {
			continue
		}
		if i == 0 {
			add(c.RawSubject)
		}
		add(c.RawIssuer)
	}
	return pool
}

// size is the number of distinct roots indexed, and how many of them were
// parsed.
func (ix *rootIndex) size() (roots, parsed int) {
	ix.once.Do(ix.build)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return len(ix.ders), ix.parsed
}

// rawSubject is the subject Name of a DER certificate, as x509's
// Certificate.RawSubject (the whole element): Certificate is a SEQUENCE
// of the TBSCertificate SEQUENCE, in which the subject follows the
// optional [0] version, the serial number, the signature algorithm, the
// issuer and the validity (RFC 5280, section 4.1).
func rawSubject(der []byte) ([]byte, bool) {
	in := cryptobyte.String(der)
	var cert, tbs cryptobyte.String
	if !in.ReadASN1(&cert, cbasn1.SEQUENCE) || !cert.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return nil, false
	}
	if !tbs.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!tbs.SkipASN1(cbasn1.INTEGER) || // serial number
		!tbs.SkipASN1(cbasn1.SEQUENCE) || // signature algorithm
		!tbs.SkipASN1(cbasn1.SEQUENCE) || // issuer
		!tbs.SkipASN1(cbasn1.SEQUENCE) { // validity
		return nil, false
	}
	var subject cryptobyte.String
	if !tbs.ReadASN1Element(&subject, cbasn1.SEQUENCE) {
		return nil, false
	}
	return subject, true
}
