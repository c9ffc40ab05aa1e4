package decrypt

import (
	csha256 "crypto/sha256"
	"sync"
)

// KeyStore is the key material shared by every connection of a run: key
// logs (files, followed files and pcapng Decryption Secrets Blocks), RSA
// private keys, and the session cache, the master secrets learnt from
// earlier handshakes, so that a session resumed in a later connection (or
// file) still decrypts. It is safe for concurrent use: the workers of a
// sharded run share one.
type KeyStore struct {
	Log *KeyLog
	RSA *RSAKeys
	// DNSECH holds the ECHConfigs the capture's DNS responses published
	// (ech_dns.go). Unlike the rest it is not shared between the workers
	// of a sharded run: each has its own (ForWorker).
	DNSECH *ECHConfigs

	cache *sessionCache
}

// sessionCache is the session cache, shared by the workers' KeyStores.
type sessionCache struct {
	mu       sync.Mutex
	byID     map[string]cachedSession
	byTicket map[[32]byte]cachedSession
}

// cachedSession is what resuming needs of an earlier TLS 1.2-or-older
// handshake (RFC 5246 7.3 session IDs, RFC 5077 tickets). TLS 1.3 PSK
// resumption needs nothing here: the key log gives the resumed
// connection's own traffic secrets.
type cachedSession struct {
	version uint16
	suite   uint16
	master  []byte
}

// maxSessions caps the session cache; past it, the cache starts afresh.
const maxSessions = 1 << 16

// NewKeyStore makes an empty key store.
func NewKeyStore() *KeyStore {
	return &KeyStore{Log: &KeyLog{}, RSA: &RSAKeys{}, DNSECH: NewECHConfigs(),
		cache: &sessionCache{byID: map[string]cachedSession{}, byTicket: map[[32]byte]cachedSession{}}}
}

// ForWorker is the KeyStore of one worker of a sharded run: the same key
// log, RSA keys and session cache, and a DNSECH table of its own, which
// the worker fills from the DNS responses in capture order.
func (k *KeyStore) ForWorker() *KeyStore {
	return &KeyStore{Log: k.Log, RSA: k.RSA, DNSECH: NewECHConfigs(), cache: k.cache}
}

// remember caches a session's master secret under the session ID and the
// ticket the server gave (either may be empty). A nil KeyStore remembers
// nothing.
func (k *KeyStore) remember(id, ticket []byte, s cachedSession) {
	if k == nil || len(s.master) == 0 {
		return
	}
	c := k.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.byID)+len(c.byTicket) >= maxSessions {
		c.byID = map[string]cachedSession{}
		c.byTicket = map[[32]byte]cachedSession{}
	}
	if len(id) > 0 {
		c.byID[string(id)] = s
	}
	if len(ticket) > 0 {
		c.byTicket[csha256.Sum256(ticket)] = s
	}
}

// resume finds the session a ClientHello offers to resume, by its ticket
// first, then by its session ID.
func (k *KeyStore) resume(id, ticket []byte) (cachedSession, bool) {
	if k == nil {
		return cachedSession{}, false
	}
	c := k.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(ticket) > 0 {
		if s, ok := c.byTicket[csha256.Sum256(ticket)]; ok {
			return s, true
		}
	}
	if len(id) > 0 {
		if s, ok := c.byID[string(id)]; ok {
			return s, true
		}
	}
	return cachedSession{}, false
}
