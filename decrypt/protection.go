package decrypt

import "fmt"

// Side is the sender of a direction's records: Client for the records from
// client to server, Server for the other way. Arrays indexed by Side hold
// one value per direction.
type Side uint8

// The two sides.
const (
	Client Side = iota
	Server
)

func (s Side) String() string {
	if s == Client {
		return "client"
	}
	return "server"
}

// maxLostRecords bounds how many records a gap may have swallowed when the
// sequence number is searched for again.
const maxLostRecords = 256

// RecordProtection is the record protection of one direction of a
// connection as an observer follows it: the current cipher, the pending
// one (SSL 3.0 - TLS 1.2: taken at change_cipher_spec), the TLS 1.3 ciphers
// the direction moves to (after its Finished, EndOfEarlyData, or found by
// trial decryption), the client's 0-RTT cipher, and where the sequence
// number stands after a gap. The connection state machine says when things
// happen (ChangeCipherSpec, Advance, KeyUpdate, Lose); Open does the rest.
// The zero value protects nothing. A RecordProtection is not safe for
// concurrent use.
type RecordProtection struct {
	cur     *HalfConn
	pending *HalfConn
	next    []*HalfConn
	early   *HalfConn
	// verified: a record verified under the current TLS 1.3 cipher.
	verified bool
	// noHandshakeKey: the handshake of this direction's keys has started
	// and its handshake traffic key is not known (TLS 1.3): a record that
	// fails before a later key verified is one we have no key for.
	noHandshakeKey bool
	// lost is set after a gap: records (and so sequence numbers) may be
	// missing, and the next record is tried at the following numbers.
	lost bool
}

// Opened is what Open made of a record.
type Opened struct {
	// NoKey: there is no key for the record; it stays opaque, it did not
	// fail.
	NoKey bool
	// Plaintext is the record's content (decompressed if so negotiated;
	// for TLS 1.3 without the inner type and padding). It points into the
	// Buffer given to Open. A record whose MAC fails may still have a
	// best-effort (garbage) plaintext; an AEAD record has none.
	Plaintext []byte
	// Type is the content type: the inner one in TLS 1.3, else the
	// header's.
	Type uint8
	MAC  MACResult
	// Err is set for a record that could not be processed at all (too
	// short, bad length, no inner type) or did not decompress.
	Err error
	// Resynced is how many sequence numbers a gap swallowed, when the
	// record was found under a later one than expected (0: none).
	Resynced uint64
}

// Buffer is the memory Open decrypts into, reused from record to record: a
// plaintext is valid until the next Open with the same Buffer. Any records
// processed one at a time may share one (session takes one from a pool
// per record being processed). The zero value is ready to use.
type Buffer struct{ b []byte }

// bufferMin is the least a Buffer allocates: room for the largest TLS
// record (2^14 + 2048 bytes of ciphertext), so that a Buffer passed from
// record to record grows once.
const bufferMin = 1<<14 + 2048

// get returns an empty slice with room for n bytes.
func (b *Buffer) get(n int) []byte {
	if b == nil {
		return make([]byte, 0, n)
	}
	if cap(b.b) < n {
		b.b = make([]byte, 0, max(n, bufferMin))
	}
	return b.b[:0]
}

// Active reports whether the direction has a current cipher.
func (p *RecordProtection) Active() bool { return p.cur != nil }

// EarlyData reports whether the current cipher is the client's 0-RTT one.
func (p *RecordProtection) EarlyData() bool { return p.early != nil && p.cur == p.early }

// StartHandshake tells that a handshake starts whose secrets are not known
// yet (a ClientHello): until SetTrafficSecrets says otherwise, a TLS 1.3
// record that does not verify under the current key is taken for one
// under a key that is not known.
func (p *RecordProtection) StartHandshake() { p.noHandshakeKey = true }

// SetPending sets the cipher the direction takes at its next
// change_cipher_spec (SSL 3.0 - TLS 1.2); nil takes none.
func (p *RecordProtection) SetPending(hc *HalfConn) { p.pending = hc }

// ReplaceKeys puts hc in place of the cipher the direction has now (the
// current one after its change_cipher_spec, else the pending one), at the
// current one's sequence number unless hc is already in use (seq).
func (p *RecordProtection) ReplaceKeys(hc *HalfConn, inUse bool) {
	switch {
	case p.pending != nil:
		p.pending = hc
	case p.cur != nil:
		if !inUse {
			hc.SetSequence(p.cur.Seq())
		}
		p.cur = hc
	}
}

// FirstRecord reports whether the current cipher has not yet opened a
// record before this one (its sequence number is at most 1 after a
// failed Open).
func (p *RecordProtection) FirstRecord() bool { return p.cur != nil && p.cur.Seq() <= 1 }

// SetSequence gives the sequence number of the next record to open, for
// a transport whose records carry it (DTLS: epoch << 48 | sequence
// number, RFC 6347 section 4.1.2.1).
func (p *RecordProtection) SetSequence(n uint64) {
	if p.cur != nil {
		p.cur.SetSequence(n)
	}
}

// ChangeCipherSpec switches the direction to its pending cipher.
func (p *RecordProtection) ChangeCipherSpec() {
	p.cur, p.pending = p.pending, nil
}

// SetEarly makes the client's 0-RTT cipher the current one.
func (p *RecordProtection) SetEarly(hc *HalfConn) {
	p.cur, p.early = hc, hc
}

// SetTrafficSecrets installs a TLS 1.3 direction's handshake and
// application traffic secrets (RFC 8446 7.3), either of which may be nil
// (not in the key log). The direction starts with the first one known;
// with queue set, the current cipher (the client's 0-RTT one) stays and
// they follow it. A secret that gives no cipher is left out, its error
// returned.
func (p *RecordProtection) SetTrafficSecrets(suite *Suite, handshake, application []byte, queue bool) []error {
	var list []*HalfConn
	var errs []error
	for _, secret := range [][]byte{handshake, application} {
		if secret == nil {
			continue
		}
		hc, err := NewHalfConn13(suite, secret)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		list = append(list, hc)
	}
	p.noHandshakeKey = handshake == nil
	switch {
	case queue:
		p.next = list
	case len(list) > 0:
		p.cur, p.next = list[0], list[1:]
	}
	return errs
}

// Advance moves a TLS 1.3 direction to its next cipher: after its
// Finished, or the client's EndOfEarlyData.
func (p *RecordProtection) Advance() {
	p.verified = false
	if len(p.next) > 0 {
		p.cur, p.next = p.next[0], p.next[1:]
	} else {
		p.cur = nil
	}
}

// KeyUpdate moves the current TLS 1.3 cipher to the next application
// traffic secret (RFC 8446 4.6.3); with no current cipher it does nothing.
func (p *RecordProtection) KeyUpdate() error {
	if p.cur == nil {
		return nil
	}
	return p.cur.UpdateKey()
}

// Lose tells that bytes of the direction were lost: the next record may
// be several sequence numbers on.
func (p *RecordProtection) Lose() { p.lost = true }

// Open removes the protection of one record of the direction (header type
// and version, and payload, which is not modified), decrypting into buf
// (nil: fresh memory). Every record consumes a sequence number, as the
// sender did. In TLS 1.3 a record that does not verify is tried under the
// ciphers that follow (a partial key log, a Finished not seen); after a
// gap, under the next sequence numbers.
func (p *RecordProtection) Open(buf *Buffer, contentType uint8, version uint16, payload []byte) Opened {
	hc := p.cur
	if hc == nil {
		return Opened{NoKey: true}
	}
	dst := buf.get(len(payload))
	seq := hc.seq
	pt, it, m, err := hc.open(dst, contentType, version, payload)
	if m == MACFailed && hc.suite.TLS13 {
		hc.seq = seq
		if r, ok := p.trial(dst, contentType, version, payload); ok {
			return r
		}
		if !p.verified && p.noHandshakeKey {
			// Only later secrets are known: records before them stay
			// encrypted, they did not fail.
			return Opened{NoKey: true}
		}
		hc.seq = seq + 1
	}
	var resynced uint64
	if m == MACFailed && p.lost {
		if n, p2, t2, ok := p.resync(hc, seq, dst, contentType, version, payload); ok {
			pt, it, m, err, resynced = p2, t2, MACOK, nil, n
		}
	}
	if m == MACOK {
		p.verified = true
		p.lost = false
	}
	return Opened{Plaintext: pt, Type: it, MAC: m, Err: err, Resynced: resynced}
}

// OpenCID is Open for a DTLS tls12_cid record (RFC 9146 section 5), whose
// MAC or additional data covers its connection ID cid and whose plaintext
// is a DTLSInnerPlaintext: Type is the real content type inside.
func (p *RecordProtection) OpenCID(buf *Buffer, version uint16, cid, payload []byte) Opened {
	hc := p.cur
	if hc == nil {
		return Opened{NoKey: true}
	}
	if len(cid) > 255 || hc.version == VersionTLS13 {
		return Opened{Err: fmt.Errorf("%w: a tls12_cid record with a %d-byte connection ID", ErrBadLength, len(cid))}
	}
	hc.cidRecord, hc.cid = true, cid
	r := p.Open(buf, typeTLS12CID, version, payload)
	hc.cidRecord, hc.cid = false, nil
	if r.Err != nil || r.MAC == MACFailed || r.Plaintext == nil {
		return r
	}
	content, typ, ok := innerPlaintext(r.Plaintext)
	if !ok {
		r.Plaintext, r.Err = nil, ErrNoInnerType
		return r
	}
	r.Plaintext, r.Type = content, typ
	return r
}

// trial decrypts a TLS 1.3 record under each cipher that follows the
// current one; the first that verifies becomes current.
func (p *RecordProtection) trial(dst []byte, contentType uint8, version uint16, payload []byte) (Opened, bool) {
	for i, cand := range p.next {
		cseq := cand.seq
		pt, it, m, err := cand.open(dst, contentType, version, payload)
		if m == MACOK && err == nil {
			p.cur, p.next = cand, p.next[i+1:]
			p.verified = true
			return Opened{Plaintext: pt, Type: it, MAC: MACOK}, true
		}
		cand.seq = cseq
	}
	return Opened{}, false
}

// resync finds the sequence number of the first record after a gap by
// trying the next numbers, and returns how many were skipped. It works
// where the record's protection does not chain from the previous record:
// AEAD suites, TLS 1.3, and CBC with explicit IVs (TLS 1.1+); RC4, TLS 1.0
// CBC and compressed streams cannot resume.
func (p *RecordProtection) resync(hc *HalfConn, seq uint64, dst []byte, contentType uint8, version uint16, payload []byte) (uint64, []byte, uint8, bool) {
	s := hc.suite
	chained := s.Mode == ModeStream || (s.Mode == ModeCBC && hc.version < VersionTLS11)
	if chained || hc.inflate != nil {
		return 0, nil, 0, false
	}
	for n := seq + 1; n <= seq+maxLostRecords; n++ {
		hc.seq = n
		pt, it, m, err := hc.open(dst, contentType, version, payload)
		if m == MACOK && err == nil {
			return n - seq, pt, it, true
		}
	}
	hc.seq = seq + 1
	return 0, nil, 0, false
}

// NullCipherContent gives the content of a record protected by a NULL
// cipher suite (TLS_*_WITH_NULL_*, SSL 3.0 - TLS 1.2), which needs no key:
// the record minus its MAC, unchecked. ok is false for any other suite, or
// a record shorter than the MAC.
func NullCipherContent(suite uint16, payload []byte) ([]byte, bool) {
	s, ok := LookupSuite(suite)
	if !ok || s.Cipher != "NULL" || s.Mode != ModeStream || len(payload) < s.MACLen {
		return nil, false
	}
	return payload[:len(payload)-s.MACLen], true
}
