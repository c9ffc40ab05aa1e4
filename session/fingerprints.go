package session

import (
	"encoding/binary"
	"sync"

	"github.com/ssldissect/ssldissect/fingerprint"
	"github.com/ssldissect/ssldissect/parser"
)

// transportLetter is the JA4 transport of the connection.
func (c *Conn) transportLetter() byte {
	switch c.Transport {
	case TransportQUIC:
		return fingerprint.QUIC
	case TransportDTLS:
		return fingerprint.DTLS
	}
	return fingerprint.TCP
}

func (c *Conn) clientFingerprints(m *parser.ClientHello) {
	fp := clientFingerprintsOf(fingerprint.FromClientHello(m, c.transportLetter()))
	c.JA3Full, c.JA3, c.JA4 = fp.ja3Full, fp.ja3, fp.ja4
}

func (c *Conn) serverFingerprints(m *parser.ServerHello) {
	fp := serverFingerprintsOf(fingerprint.FromServerHello(m, c.transportLetter()))
	c.JA3SFull, c.JA3S, c.JA4S = fp.ja3sFull, fp.ja3s, fp.ja4s
}

// clientFingerprintsOf is JA3 and JA4 of in, from the cache when a hello
// of the same shape was seen.
func clientFingerprintsOf(in *fingerprint.ClientInput) clientFP {
	var buf [512]byte
	key, ok := clientFPKey(buf[:0], in)
	if ok {
		if fp, hit := clientFPs.get(key); hit {
			return fp
		}
	}
	var fp clientFP
	fp.ja3Full, fp.ja3 = fingerprint.JA3(in)
	fp.ja4 = fingerprint.JA4(in)
	if ok {
		clientFPs.put(key, fp)
	}
	return fp
}

// serverFingerprintsOf is JA3S and JA4S of in, from the cache when a
// hello of the same shape was seen.
func serverFingerprintsOf(in *fingerprint.ServerInput) serverFP {
	var buf [256]byte
	key, ok := serverFPKey(buf[:0], in)
	if ok {
		if fp, hit := serverFPs.get(key); hit {
			return fp
		}
	}
	var fp serverFP
	fp.ja3sFull, fp.ja3s = fingerprint.JA3S(in)
	fp.ja4s = fingerprint.JA4S(in)
	if ok {
		serverFPs.put(key, fp)
	}
	return fp
}

// The fingerprints of each distinct hello, by everything of its
// fingerprint input that JA3, JA4, JA3S and JA4S read: most connections
// of a capture come from a few client and server implementations, whose
// hellos differ only in their randoms, session IDs, key shares and
// names, which no fingerprint reads. Building the JA3 and JA4 strings and
// hashing them was 4.8% of a keyed run over the handshakes benchmark
// capture. Shared by all connections (and --workers goroutines); the
// strings kept are immutable.
var (
	clientFPs = fpCache[clientFP]{m: map[string]clientFP{}}
	serverFPs = fpCache[serverFP]{m: map[string]serverFP{}}
)

type clientFP struct{ ja3Full, ja3, ja4 string }
type serverFP struct{ ja3sFull, ja3s, ja4s string }

// maxFPCache bounds each fingerprint cache: when full, it starts again
// empty. maxFPKey bounds a key: a longer hello is fingerprinted without
// the cache.
const (
	maxFPCache = 1024
	maxFPKey   = 4096
)

type fpCache[V any] struct {
	mu           sync.Mutex
	m            map[string]V
	hits, misses uint64
}

func (c *fpCache[V]) get(key []byte) (V, bool) {
	c.mu.Lock()
	v, ok := c.m[string(key)]
	if ok {
		c.hits++
	} else {
		c.misses++
	}
	c.mu.Unlock()
	return v, ok
}

func (c *fpCache[V]) put(key []byte, v V) {
	c.mu.Lock()
	if len(c.m) >= maxFPCache {
		clear(c.m)
	}
	c.m[string(key)] = v
	c.mu.Unlock()
}

// stats is the cache's hits and misses so far (for the tests).
func (c *fpCache[V]) stats() (hits, misses uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

// clientFPKey appends the cache key of in to b: every field of
// ClientInput, lists with their lengths, except the SNI, of which only
// its presence (all that JA4 reads of it; JA3 reads none).
// TestFingerprintCacheKey holds the fingerprints to that. ok is false
// when the key would pass maxFPKey.
func clientFPKey(b []byte, in *fingerprint.ClientInput) ([]byte, bool) {
	n := 16 + 2*(len(in.CipherSuites)+len(in.Extensions)+len(in.SupportedGroups)+len(in.SignatureAlgorithms)+len(in.SupportedVersions)) + len(in.ECPointFormats)
	for _, p := range in.ALPN {
		n += 2 + len(p)
	}
	if n > maxFPKey {
		return nil, false
	}
	b = append(b, in.Transport, boolByte(in.SSLv2), boolByte(in.SNI != ""))
	b = binary.BigEndian.AppendUint16(b, in.Version)
	for _, l := range [...][]uint16{in.CipherSuites, in.Extensions, in.SupportedGroups, in.SignatureAlgorithms, in.SupportedVersions} {
		b = appendUint16s(b, l)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(in.ECPointFormats)))
	b = append(b, in.ECPointFormats...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(in.ALPN)))
	for _, p := range in.ALPN {
		b = binary.BigEndian.AppendUint16(b, uint16(len(p)))
		b = append(b, p...)
	}
	return b, true
}

// serverFPKey is clientFPKey for a ServerInput: every field.
func serverFPKey(b []byte, in *fingerprint.ServerInput) ([]byte, bool) {
	if 16+2*len(in.Extensions)+len(in.ALPN) > maxFPKey {
		return nil, false
	}
	b = append(b, in.Transport)
	b = binary.BigEndian.AppendUint16(b, in.Version)
	b = binary.BigEndian.AppendUint16(b, in.CipherSuite)
	b = binary.BigEndian.AppendUint16(b, in.SelectedVersion)
	b = appendUint16s(b, in.Extensions)
	b = binary.BigEndian.AppendUint16(b, uint16(len(in.ALPN)))
	return append(b, in.ALPN...), true
}

func appendUint16s(b []byte, l []uint16) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(l)))
	for _, v := range l {
		b = binary.BigEndian.AppendUint16(b, v)
	}
	return b
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}
