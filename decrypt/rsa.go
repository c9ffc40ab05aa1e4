package decrypt

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
)

// ParseRSAKeys returns the RSA private keys in PEM data: "RSA PRIVATE KEY"
// (PKCS #1) and "PRIVATE KEY" (PKCS #8) blocks; certificates and other
// blocks are skipped. Input with no PEM block at all is tried as one DER
// key (PKCS #8 or PKCS #1). Encrypted keys give ErrEncryptedKey. A key
// that is not RSA (EC, Ed25519, DSA) gives ErrNotRSA when the input has
// no RSA key, since such a key cannot decrypt anything passively; a block
// whose DER does not parse is named with its number and type, not with
// the ASN.1 decoder's internals. name is used in errors.
func ParseRSAKeys(pemData []byte, name string) ([]*rsa.PrivateKey, error) {
	var (
		keys   []*rsa.PrivateKey
		notRSA string // the first non-RSA key's description
		blocks int
	)
	rest := pemData
	for i := 1; ; i++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		blocks++
		switch block.Type {
		case "ENCRYPTED PRIVATE KEY":
			return nil, fmt.Errorf("%s: PEM block %d: %w (decrypt it first, e.g. openssl pkey -in %s -out plain.pem)", name, i, ErrEncryptedKey, name)
		case "RSA PRIVATE KEY", "PRIVATE KEY":
			if _, ok := block.Headers["DEK-Info"]; ok || block.Headers["Proc-Type"] == "4,ENCRYPTED" {
				return nil, fmt.Errorf("%s: PEM block %d: %w (decrypt it first, e.g. openssl rsa -in %s -out plain.pem)", name, i, ErrEncryptedKey, name)
			}
			k, kind, err := parseRSABlock(block)
			if err != nil {
				return nil, fmt.Errorf("%s: PEM block %d (%s): %w", name, i, block.Type, err)
			}
			if k == nil {
				if notRSA == "" {
					notRSA = fmt.Sprintf("PEM block %d is %s", i, kind)
				}
				continue
			}
			keys = append(keys, k)
		case "EC PRIVATE KEY", "DSA PRIVATE KEY", "OPENSSH PRIVATE KEY":
			if notRSA == "" {
				notRSA = fmt.Sprintf("PEM block %d is %s", i, pemKind(block.Type))
			}
		}
	}
	if blocks == 0 {
		return parseDERKey(pemData, name)
	}
	if len(keys) == 0 && notRSA != "" {
		return nil, fmt.Errorf("%s: %w: %s; only RSA key exchange can be decrypted with a private key (for (EC)DHE connections use a key log, -l)", name, ErrNotRSA, notRSA)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: %w in PEM input (%d PEM blocks, none a private key)", name, ErrNoKey, blocks)
	}
	return keys, nil
}

// parseDERKey reads input that holds no PEM block as one DER private key.
func parseDERKey(der []byte, name string) ([]*rsa.PrivateKey, error) {
	k, kind, err := parseRSABlock(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: %w: neither PEM nor a DER private key (-k wants a PEM file such as openssl genrsa writes)", name, ErrNoKey)
	case k == nil:
		return nil, fmt.Errorf("%s: %w: the DER key is %s; only RSA key exchange can be decrypted with a private key (for (EC)DHE connections use a key log, -l)", name, ErrNotRSA, kind)
	}
	return []*rsa.PrivateKey{k}, nil
}

func pemKind(typ string) string {
	switch typ {
	case "EC PRIVATE KEY":
		return "an EC private key"
	case "DSA PRIVATE KEY":
		return "a DSA private key"
	default:
		return "an OpenSSH private key"
	}
}

// errBadDER replaces the ASN.1 decoder's message, which names Go types.
var errBadDER = fmt.Errorf("%w: the DER inside does not parse (corrupt or truncated)", ErrBadKey)

// parseRSABlock parses a private-key block. A well-formed key that is not
// RSA gives a nil key and its kind ("an EC private key").
func parseRSABlock(b *pem.Block) (*rsa.PrivateKey, string, error) {
	if b.Type == "RSA PRIVATE KEY" {
		k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
		if err != nil {
			return nil, "", errBadDER
		}
		return k, "", nil
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		// Some tools write PKCS #1 (or SEC 1 EC keys) under "PRIVATE KEY".
		if k1, err1 := x509.ParsePKCS1PrivateKey(b.Bytes); err1 == nil {
			return k1, "", nil
		}
		if _, err1 := x509.ParseECPrivateKey(b.Bytes); err1 == nil {
			return nil, "an EC private key", nil
		}
		return nil, "", errBadDER
	}
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return k, "", nil
	case *ecdsa.PrivateKey, *ecdh.PrivateKey:
		return nil, "an EC private key", nil
	case ed25519.PrivateKey:
		return nil, "an Ed25519 private key", nil
	default:
		return nil, fmt.Sprintf("a %T key", k), nil
	}
}

// RSAKeys is a set of server RSA private keys, matched to certificates by
// public modulus. It is safe for concurrent use.
type RSAKeys struct {
	mu   sync.RWMutex
	byN  map[string]*rsa.PrivateKey // modulus bytes -> key
	keys atomic.Int64               // distinct keys, read without the lock (Len, for every connection)
}

// Add adds a key.
func (r *RSAKeys) Add(key *rsa.PrivateKey) {
	if key == nil || key.N == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byN == nil {
		r.byN = make(map[string]*rsa.PrivateKey)
	}
	n := string(key.N.Bytes())
	if _, ok := r.byN[n]; !ok {
		r.keys.Add(1)
	}
	r.byN[n] = key
}

// Len returns the number of distinct keys.
func (r *RSAKeys) Len() int { return int(r.keys.Load()) }

// Match returns the private key whose modulus is the public key of the
// DER certificate, if any.
func (r *RSAKeys) Match(certDER []byte) (*rsa.PrivateKey, bool) {
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return nil, false
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, false
	}
	return r.MatchPublic(pub.N)
}

// MatchPublic returns the private key with modulus n (e.g. from an export
// ServerKeyExchange's temporary key).
func (r *RSAKeys) MatchPublic(n *big.Int) (*rsa.PrivateKey, bool) {
	if n == nil {
		return nil, false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.byN[string(n.Bytes())]
	return k, ok
}

// DecryptPreMaster decrypts the RSA-encrypted pre-master secret of a
// ClientKeyExchange (PKCS #1 v1.5, RFC 5246 7.4.7.1) and checks that it is
// 48 bytes. If its first two bytes are not clientVersion (the ClientHello
// version) the secret is still returned, with an error wrapping
// ErrPreMasterVersion, since some old clients send the negotiated version.
func DecryptPreMaster(key *rsa.PrivateKey, encPMS []byte, clientVersion uint16) ([]byte, error) {
	if key == nil {
		return nil, fmt.Errorf("%w: no key", ErrPreMaster)
	}
	pms, err := rsa.DecryptPKCS1v15(nil, key, encPMS)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPreMaster, err)
	}
	if len(pms) != preMasterRSA {
		return nil, fmt.Errorf("%w: %d bytes, want 48", ErrPreMaster, len(pms))
	}
	if got := uint16(pms[0])<<8 | uint16(pms[1]); got != clientVersion {
		return pms, fmt.Errorf("%w: %#04x, ClientHello %#04x", ErrPreMasterVersion, got, clientVersion)
	}
	return pms, nil
}
