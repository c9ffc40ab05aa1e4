package decrypt

import (
	csha256 "crypto/sha256"
	"math"
	"sync"
	"sync/atomic"
	"time"
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
	// clock, worker and now order the session cache in a sharded run
	// (ShardClock); clock is nil otherwise.
	clock  *ShardClock
	worker int
	now    uint64
}

// sessionCache is the session cache, shared by the workers' KeyStores.
// Each key keeps the versions stored under it (at most maxVersions), each
// stamped with the time of the event that stored it (KeyStore.SetTime):
// a sharded run's worker asks at its own time t and gets what a single
// loop would have had at t (ShardClock).
type sessionCache struct {
	mu       sync.Mutex
	n        int // versions stored, for maxSessions
	byID     map[string][]cachedSession
	byTicket map[[32]byte][]cachedSession
}

// cachedSession is what resuming needs of an earlier TLS 1.2-or-older
// handshake (RFC 5246 7.3 session IDs, RFC 5077 tickets). TLS 1.3 PSK
// resumption needs nothing here: the key log gives the resumed
// connection's own traffic secrets.
type cachedSession struct {
	version uint16
	suite   uint16
	master  []byte
	// at is the time it was stored (KeyStore.SetTime; 0 in a single
	// loop), worker the worker that stored it.
	at     uint64
	worker int
}

// maxSessions caps the session cache; past it, the cache starts afresh.
// maxVersions caps what one session ID or ticket keeps: the versions
// stored latest.
const (
	maxSessions = 1 << 16
	maxVersions = 4
)

// NewKeyStore makes an empty key store.
func NewKeyStore() *KeyStore {
	return &KeyStore{Log: &KeyLog{}, RSA: &RSAKeys{}, DNSECH: NewECHConfigs(), cache: newSessionCache()}
}

func newSessionCache() *sessionCache {
	return &sessionCache{byID: map[string][]cachedSession{}, byTicket: map[[32]byte][]cachedSession{}}
}

// ForWorker is the KeyStore of worker w of a sharded run, whose workers
// keep time on clock: the same key log, RSA keys and session cache, and a
// DNSECH table of its own, which the worker fills from the DNS responses
// in capture order. A nil clock leaves the session cache unordered: a
// lookup gets whatever has been stored when it is made.
func (k *KeyStore) ForWorker(w int, clock *ShardClock) *KeyStore {
	return &KeyStore{Log: k.Log, RSA: k.RSA, DNSECH: NewECHConfigs(), cache: k.cache, clock: clock, worker: w}
}

// ShardClock orders the session cache among the workers of a sharded run.
// A worker handles its packets in capture order, and says before each
// where it is (KeyStore.SetTime: twice the packet number, plus one for an
// idle or final flush after that packet, which the single loop runs once
// the packet is handled). A session is stored at the time of the event
// that stored it; a connection that resumes a session at time t waits
// until every other worker has handled everything before t, and then
// takes the latest version stored before t (by its own worker: at t or
// before), which is what the single loop's cache held at that point.
// Waiting is rare: only a resumption whose master secret is in no key
// log and no RSA key asks the cache.
type ShardClock struct {
	done []paddedTime // by worker: everything before this is handled
}

// paddedTime is one worker's time on a cache line of its own: each worker
// stores its time before every packet.
type paddedTime struct {
	atomic.Uint64
	_ [56]byte
}

// NewShardClock makes the clock of n workers, all at time 0.
func NewShardClock(n int) *ShardClock { return &ShardClock{done: make([]paddedTime, n)} }

// SetTime tells that this worker's events from now on happen at t, and
// that it has handled everything before t; math.MaxUint64 when it is done
// for good. t never goes back. It does nothing outside a sharded run.
func (k *KeyStore) SetTime(t uint64) {
	if k.clock != nil {
		k.now = t
		k.clock.done[k.worker].Store(t)
	}
}

// wait returns once every other worker has handled everything before t.
func (c *ShardClock) wait(self int, t uint64) {
	for w := range c.done {
		for w != self && c.done[w].Load() < t {
			time.Sleep(20 * time.Microsecond)
		}
	}
}

// remember caches a session's master secret under the session ID and the
// ticket the server gave (either may be empty). A nil KeyStore remembers
// nothing.
func (k *KeyStore) remember(id, ticket []byte, s cachedSession) {
	if k == nil || len(s.master) == 0 {
		return
	}
	s.at, s.worker = k.now, k.worker
	c := k.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n >= maxSessions {
		c.byID = map[string][]cachedSession{}
		c.byTicket = map[[32]byte][]cachedSession{}
		c.n = 0
	}
	if len(id) > 0 {
		c.byID[string(id)] = c.store(c.byID[string(id)], s, k.clock)
	}
	if len(ticket) > 0 {
		t := csha256.Sum256(ticket)
		c.byTicket[t] = c.store(c.byTicket[t], s, k.clock)
	}
}

// store adds s to the versions vs of one key, in order of time. In a
// sharded run (clock set), a version the same as an earlier one adds
// nothing, and a version older than one that every worker has passed
// (ShardClock) is dropped: no lookup can want it any more. At most
// maxVersions stay, the latest.
func (c *sessionCache) store(vs []cachedSession, s cachedSession, clock *ShardClock) []cachedSession {
	if clock == nil {
		if len(vs) == 0 {
			c.n++
		}
		return append(vs[:0], s)
	}
	i := len(vs)
	for i > 0 && vs[i-1].at > s.at {
		i--
	}
	if i > 0 && vs[i-1].same(s) {
		return vs // stored before, with the same content
	}
	if i < len(vs) && vs[i].same(s) {
		vs[i] = s // the same, stored later
		return vs
	}
	vs = append(vs, cachedSession{})
	copy(vs[i+1:], vs[i:])
	vs[i] = s
	c.n++
	passed := clock.passed()
	dead := 0
	for j := 1; j < len(vs) && vs[j].at < passed; j++ {
		dead = j
	}
	if len(vs)-dead > maxVersions {
		dead = len(vs) - maxVersions
	}
	if dead > 0 {
		c.n -= dead
		vs = append(vs[:0], vs[dead:]...)
	}
	return vs
}

// same tells whether two versions resume the same way.
func (s cachedSession) same(o cachedSession) bool {
	return s.version == o.version && s.suite == o.suite && string(s.master) == string(o.master)
}

// passed is a time that every worker has passed.
func (c *ShardClock) passed() uint64 {
	t := uint64(math.MaxUint64)
	for w := range c.done {
		t = min(t, c.done[w].Load())
	}
	return t
}

// resume finds the session a ClientHello offers to resume, by its ticket
// first, then by its session ID: in a sharded run, as the cache was at
// this worker's time (ShardClock).
func (k *KeyStore) resume(id, ticket []byte) (cachedSession, bool) {
	if k == nil {
		return cachedSession{}, false
	}
	if k.clock != nil {
		k.clock.wait(k.worker, k.now)
	}
	c := k.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(ticket) > 0 {
		if s, ok := k.latest(c.byTicket[csha256.Sum256(ticket)]); ok {
			return s, true
		}
	}
	if len(id) > 0 {
		if s, ok := k.latest(c.byID[string(id)]); ok {
			return s, true
		}
	}
	return cachedSession{}, false
}

// latest is the last of the versions vs stored before this worker's
// time (by this worker: at its time or before).
func (k *KeyStore) latest(vs []cachedSession) (cachedSession, bool) {
	for i := len(vs) - 1; i >= 0; i-- {
		if s := vs[i]; k.clock == nil || s.at < k.now || (s.worker == k.worker && s.at == k.now) {
			return s, true
		}
	}
	return cachedSession{}, false
}
