package decrypt

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"sync"
)

// ParseRSAKeys returns the RSA private keys in PEM data: "RSA PRIVATE KEY"
// (PKCS #1) and "PRIVATE KEY" (PKCS #8) blocks; other blocks (certificates)
// are skipped. Encrypted keys give ErrEncryptedKey. name is used in errors.
func ParseRSAKeys(pemData []byte, name string) ([]*rsa.PrivateKey, error) {
	var keys []*rsa.PrivateKey
	rest := pemData
	for i := 1; ; i++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch block.Type {
		case "ENCRYPTED PRIVATE KEY":
			return nil, fmt.Errorf("%s: PEM block %d: %w (decrypt it first, e.g. openssl pkey -in %s -out plain.pem)", name, i, ErrEncryptedKey, name)
		case "RSA PRIVATE KEY", "PRIVATE KEY":
			if _, ok := block.Headers["DEK-Info"]; ok || block.Headers["Proc-Type"] == "4,ENCRYPTED" {
				return nil, fmt.Errorf("%s: PEM block %d: %w (decrypt it first, e.g. openssl rsa -in %s -out plain.pem)", name, i, ErrEncryptedKey, name)
			}
			k, err := parseRSABlock(block)
			if err != nil {
				return nil, fmt.Errorf("%s: PEM block %d (%s): %w", name, i, block.Type, err)
			}
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: %w in PEM input", name, ErrNoKey)
	}
	return keys, nil
}

func parseRSABlock(b *pem.Block) (*rsa.PrivateKey, error) {
	if b.Type == "RSA PRIVATE KEY" {
		return x509.ParsePKCS1PrivateKey(b.Bytes)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		// Some tools write PKCS #1 under "PRIVATE KEY".
		if k1, err1 := x509.ParsePKCS1PrivateKey(b.Bytes); err1 == nil {
			return k1, nil
		}
		return nil, err
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w (%T)", ErrNotRSA, k)
	}
	return rk, nil
}

// RSAKeys is a set of server RSA private keys, matched to certificates by
// public modulus. It is safe for concurrent use.
type RSAKeys struct {
	mu   sync.RWMutex
	byN  map[string]*rsa.PrivateKey // modulus bytes -> key
	keys int
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
		r.keys++
	}
	r.byN[n] = key
}

// Len returns the number of distinct keys.
func (r *RSAKeys) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.keys
}

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
