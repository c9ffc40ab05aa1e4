package decrypt

import (
	"crypto"
	"encoding"
	"hash"
	"sync"
)

// macHash computes HMAC (RFC 2104) over one hash function, with a new key
// each call, without allocating: the key schedules (the TLS PRF's P_hash,
// HKDF-Expand-Label, the Finished MACs) each key an HMAC for one or two
// values, and crypto/hmac.New allocates two hash states and two pads per
// key, which was most of a keyed handshake's allocations. A macHash is
// taken from a pool per hash (getMAC) and given back (putMAC); it is not
// safe for concurrent use.
type macHash struct {
	h     hash.Hash
	block int
	pad   []byte // block bytes: the key XOR ipad, then XOR opad
	inner [64]byte
	key   [64]byte // a key longer than the block, hashed
	// Scratch for callers: an HkdfLabel, P_hash's A(i) and output block.
	info []byte
	a, b [64]byte
	// setKey's key, as the hash's states after the inner and the outer
	// pad (marshaled), for sumKeyed; keyed is false when the hash cannot
	// be marshaled, and sumKeyed then starts from keyCopy.
	istate, ostate []byte
	keyed          bool
	keyCopy        []byte
}

// macPools holds the macHashes of each crypto.Hash, by its value.
var macPools [crypto.BLAKE2b_512 + 1]sync.Pool

// getMAC returns a macHash for h, which must be available (linked in) and
// at most 64 bytes long.
func getMAC(h crypto.Hash) *macHash {
	if m, ok := macPools[h].Get().(*macHash); ok {
		return m
	}
	hh := h.New()
	return &macHash{h: hh, block: hh.BlockSize(), pad: make([]byte, hh.BlockSize()), info: make([]byte, 0, 128),
		istate: make([]byte, 0, 256), ostate: make([]byte, 0, 256)}
}

// putMAC gives m back to its pool; h is the hash m was got for.
func putMAC(h crypto.Hash, m *macHash) { macPools[h].Put(m) }

// innerPad sets m.pad to the HMAC inner pad of key (RFC 2104: the key,
// hashed first when longer than a block, zero-filled, XOR 0x36).
func (m *macHash) innerPad(key []byte) {
	if len(key) > m.block {
		m.h.Reset()
		m.h.Write(key)
		key = m.h.Sum(m.key[:0])
	}
	n := copy(m.pad, key)
	clear(m.pad[n:])
	for i := range m.pad {
		m.pad[i] ^= 0x36
	}
}

// sum appends HMAC(key, a || b) to dst. dst may be a or b (or overlap
// them): they are read before anything is appended.
func (m *macHash) sum(dst, key, a, b []byte) []byte {
	m.innerPad(key)
	m.h.Reset()
	m.h.Write(m.pad)
	m.h.Write(a)
	m.h.Write(b)
	in := m.h.Sum(m.inner[:0])
	for i := range m.pad {
		m.pad[i] ^= 0x36 ^ 0x5c
	}
	m.h.Reset()
	m.h.Write(m.pad)
	m.h.Write(in)
	return m.h.Sum(dst)
}

// setKey keys m for sumKeyed: HMACs of many messages under one key (P_hash)
// start from the hash's state after each pad instead of hashing the pads
// again.
func (m *macHash) setKey(key []byte) {
	m.keyCopy = append(m.keyCopy[:0], key...)
	ap, ok := m.h.(encoding.BinaryAppender)
	if _, ok2 := m.h.(encoding.BinaryUnmarshaler); !ok || !ok2 {
		m.keyed = false
		return
	}
	m.innerPad(key)
	m.h.Reset()
	m.h.Write(m.pad)
	var err error
	if m.istate, err = ap.AppendBinary(m.istate[:0]); err != nil {
		m.keyed = false
		return
	}
	for i := range m.pad {
		m.pad[i] ^= 0x36 ^ 0x5c
	}
	m.h.Reset()
	m.h.Write(m.pad)
	if m.ostate, err = ap.AppendBinary(m.ostate[:0]); err != nil {
		m.keyed = false
		return
	}
	m.keyed = true
}

// sumKeyed appends HMAC(key, a || b) to dst, key being setKey's. dst may
// be a or b, as for sum.
func (m *macHash) sumKeyed(dst, a, b []byte) []byte {
	if !m.keyed {
		return m.sum(dst, m.keyCopy, a, b)
	}
	u := m.h.(encoding.BinaryUnmarshaler)
	if u.UnmarshalBinary(m.istate) != nil {
		return m.sum(dst, m.keyCopy, a, b)
	}
	m.h.Write(a)
	m.h.Write(b)
	in := m.h.Sum(m.inner[:0])
	if u.UnmarshalBinary(m.ostate) != nil {
		return m.sum(dst, m.keyCopy, a, b)
	}
	m.h.Write(in)
	return m.h.Sum(dst)
}
