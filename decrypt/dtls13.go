package decrypt

import (
	"crypto/cipher"
	"encoding/binary"
	"fmt"

	"github.com/ssldissect/ssldissect/internal/seqnum"
)

// DTLS 1.3 record protection (RFC 9147 section 4): records after the
// ServerHello have the unified header and are protected as TLS 1.3 records
// are (AEAD, the inner content type), with keys derived under the label
// prefix "dtls13" (section 5.9) from the same traffic secrets the key log
// names. Each epoch has its own keys: 1 the client's early data, 2 the
// handshake, 3 the first application traffic secret, and each KeyUpdate
// one more (section 6.1). The header carries only the low two bits of the
// epoch and the low 8 or 16 bits of the sequence number, which is itself
// encrypted with a mask of the ciphertext (section 4.2.3): an observer
// tries the epochs those bits allow near the last one, rebuilds the full
// sequence number from the highest opened so far, and keeps what the
// AEAD tag verifies.

// dtls13LabelPfx is DTLS 1.3's HkdfLabel prefix (RFC 9147 section 5.9),
// in place of "tls13 ".
const dtls13LabelPfx = "dtls13"

// maxDTLS13Epoch bounds the epochs derived (each KeyUpdate adds one): past
// it records stay opaque.
const maxDTLS13Epoch = 1 << 16

// DTLS13Keys protects the records of one direction in one epoch. It is
// not safe for concurrent use.
type DTLS13Keys struct {
	Suite  *Suite
	secret []byte
	aead   cipher.AEAD
	iv     []byte
	sn     headerMask
	nonce  [12]byte
	next   uint64 // one past the highest sequence number opened
}

// NewDTLS13Keys derives the record protection of one epoch from a TLS 1.3
// traffic secret of the negotiated suite: "dtls13key", "dtls13iv" and the
// record number key "dtls13sn".
func NewDTLS13Keys(suite *Suite, secret []byte) (*DTLS13Keys, error) {
	if suite == nil || !suite.TLS13 || !suite.Available {
		return nil, fmt.Errorf("%w: not a TLS 1.3 suite", ErrUnsupportedCipher)
	}
	h := suite.PRFHash
	if len(secret) != h.Size() {
		return nil, fmt.Errorf("%w: traffic secret %d bytes, want %d", ErrKeyLength, len(secret), h.Size())
	}
	e := newLabelExpander(h, secret)
	e.pfx = dtls13LabelPfx
	k := &DTLS13Keys{Suite: suite, secret: secret, iv: e.expand("iv", 12)}
	var err error
	if k.aead, err = suite.spec.newAEAD(e.expand("key", suite.KeyLen)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyLength, err)
	}
	if k.aead.NonceSize() != 12 {
		return nil, fmt.Errorf("%w: suite %#04x in DTLS 1.3", ErrUnsupportedCipher, suite.ID)
	}
	if k.sn, err = newHeaderMask(suite, e.expand("sn", suite.KeyLen)); err != nil {
		return nil, err
	}
	return k, nil
}

// next derives the keys of the following epoch (a KeyUpdate, RFC 8446
// section 7.2 with the DTLS prefix).
func (k *DTLS13Keys) nextEpoch() (*DTLS13Keys, error) {
	h := k.Suite.PRFHash
	s, err := hkdfExpandLabel(h, dtls13LabelPfx, k.secret, labelTrafficUpd, nil, h.Size())
	if err != nil {
		return nil, err
	}
	return NewDTLS13Keys(k.Suite, s)
}

// UnifiedRecord is a record with DTLS 1.3's unified header, as read from
// the datagram.
type UnifiedRecord struct {
	// Header is the header as on the wire: the first byte, the connection
	// ID, the encrypted sequence number, the length if present.
	Header    []byte
	SeqOffset int // where the sequence number starts in Header
	SeqLen    int // 1 or 2
	EpochBits uint8
	Payload   []byte // ciphertext and tag
}

// OpenedUnified is what DTLS13Protection.Open made of a record: as Opened,
// with the record's full epoch and sequence number once it verified.
type OpenedUnified struct {
	Opened
	Epoch uint64
	Seq   uint64
}

// DTLS13Protection is the record protection of one direction of a DTLS
// 1.3 connection: the keys of each epoch, made from the traffic secrets
// and derived for later epochs as records ask for them. The zero value
// protects nothing.
type DTLS13Protection struct {
	early, handshake *DTLS13Keys
	app              []*DTLS13Keys // epoch 3 + i; nil below the window kept
	forgot           int           // app[:forgot] are let go
	cur              uint64        // the epoch of the last record opened
	hdr              []byte        // scratch: the header with the sequence number in clear
}

// SetSecrets installs the direction's traffic secrets, any of which may be
// nil (not in the key log): early (epoch 1), handshake (2) and the first
// application secret (3). A secret that gives no keys is left out, its
// error returned.
func (p *DTLS13Protection) SetSecrets(suite *Suite, early, handshake, app0 []byte) []error {
	var errs []error
	mk := func(s []byte) *DTLS13Keys {
		if s == nil {
			return nil
		}
		k, err := NewDTLS13Keys(suite, s)
		if err != nil {
			errs = append(errs, err)
		}
		return k
	}
	p.early, p.handshake, p.app, p.forgot, p.cur = mk(early), mk(handshake), nil, 0, 2
	if k := mk(app0); k != nil {
		p.app = []*DTLS13Keys{k}
	}
	return errs
}

// Active reports whether the direction has any keys.
func (p *DTLS13Protection) Active() bool {
	return p.early != nil || p.handshake != nil || len(p.app) > 0
}

// keys returns the keys of epoch e, deriving application epochs from the
// last one known; nil when they are not known.
func (p *DTLS13Protection) keys(e uint64) *DTLS13Keys {
	switch {
	case e == 1:
		return p.early
	case e == 2:
		return p.handshake
	case e < 3 || e > maxDTLS13Epoch || len(p.app) == 0:
		return nil
	}
	i := int(e - 3)
	for len(p.app) <= i {
		last := p.app[len(p.app)-1]
		if last == nil {
			return nil
		}
		k, err := last.nextEpoch()
		if err != nil {
			return nil
		}
		p.app = append(p.app, k)
	}
	return p.app[i]
}

// forget lets go of the application keys more than three epochs before
// the current one: records are looked for at most three epochs away.
func (p *DTLS13Protection) forget() {
	for ; uint64(p.forgot)+3+3 < p.cur && p.forgot < len(p.app)-1; p.forgot++ {
		p.app[p.forgot] = nil
	}
}

// epochDeltas is the order in which the epochs near the current one are
// tried for a record's two epoch bits.
var epochDeltas = [...]int64{0, -1, 1, -2, 2, -3, 3}

// Open removes the protection of one record, decrypting into buf. The
// epochs whose low bits the header gives are tried within three of the
// last epoch opened; in each, the sequence number is decrypted and
// rebuilt, and the first record that verifies settles them. NoKey is set
// when none of those epochs has keys.
func (p *DTLS13Protection) Open(buf *Buffer, r UnifiedRecord) OpenedUnified {
	if len(r.Payload) < 16 {
		return OpenedUnified{Opened: Opened{Err: fmt.Errorf("%w: %d bytes, record number encryption samples 16", ErrShortRecord, len(r.Payload))}}
	}
	if r.SeqLen < 1 || r.SeqLen > 2 || r.SeqOffset < 1 || r.SeqOffset+r.SeqLen > len(r.Header) {
		return OpenedUnified{Opened: Opened{Err: fmt.Errorf("%w: unified header of %d bytes", ErrBadLength, len(r.Header))}}
	}
	dst := buf.get(len(r.Payload))
	tried := false
	for _, d := range epochDeltas {
		e := int64(p.cur) + d
		if e < 1 || uint8(e)&3 != r.EpochBits&3 {
			continue
		}
		k := p.keys(uint64(e))
		if k == nil {
			continue
		}
		tried = true
		seq, pt, typ, ok := k.open(p, dst, r)
		if !ok {
			continue
		}
		p.cur = uint64(e)
		p.forget()
		if typ < 0 {
			return OpenedUnified{Opened: Opened{MAC: MACOK, Err: ErrNoInnerType}, Epoch: uint64(e), Seq: seq}
		}
		return OpenedUnified{Opened: Opened{Plaintext: pt, Type: uint8(typ), MAC: MACOK}, Epoch: uint64(e), Seq: seq}
	}
	if !tried {
		return OpenedUnified{Opened: Opened{NoKey: true}}
	}
	return OpenedUnified{Opened: Opened{MAC: MACFailed}}
}

// open decrypts r under k: the sequence number unmasked and rebuilt, the
// header with it in clear as additional data (RFC 9147 section 4.2.3:
// the sender protects the record first, then encrypts its number), the
// nonce from the full 64-bit sequence number. typ is -1 for an inner
// plaintext of padding only.
func (k *DTLS13Keys) open(p *DTLS13Protection, dst []byte, r UnifiedRecord) (seq uint64, pt []byte, typ int, ok bool) {
	m := k.sn.mask(r.Payload[:16])
	p.hdr = append(p.hdr[:0], r.Header...)
	var truncated uint64
	for i := 0; i < r.SeqLen; i++ {
		p.hdr[r.SeqOffset+i] ^= m[i]
		truncated = truncated<<8 | uint64(p.hdr[r.SeqOffset+i])
	}
	seq = rebuildSeq(k.next, truncated, uint(8*r.SeqLen))
	copy(k.nonce[:], k.iv)
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], seq)
	for i := range s {
		k.nonce[4+i] ^= s[i]
	}
	out, err := k.aead.Open(dst[:0], k.nonce[:], r.Payload, p.hdr)
	if err != nil {
		return 0, nil, 0, false
	}
	k.next = max(k.next, seq+1)
	// DTLSInnerPlaintext: content || type || zeros.
	i := len(out) - 1
	for i >= 0 && out[i] == 0 {
		i--
	}
	if i < 0 {
		return seq, nil, -1, true
	}
	return seq, out[:i], int(out[i]), true
}

// rebuildSeq is the full sequence number whose low bits are truncated
// closest to expected, the number after the highest seen (as QUIC
// rebuilds packet numbers, RFC 9000 appendix A.3; RFC 9147 section
// 4.2.2).
func rebuildSeq(expected, truncated uint64, bits uint) uint64 {
	return seqnum.Nearest(expected, truncated, bits, 1<<48)
}

// Seal is Open's inverse for one epoch's keys, for tests and generators:
// it seals plaintext with inner type typ as record seq under header (the
// sequence number in clear at seqOffset, seqLen bytes, the length field
// already counting the tag), then encrypts the sequence number in place.
// It returns the header and payload as sent.
func (k *DTLS13Keys) Seal(header []byte, seqOffset, seqLen int, seq uint64, typ uint8, plaintext []byte) (hdr, payload []byte) {
	hdr = append([]byte(nil), header...)
	copy(k.nonce[:], k.iv)
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], seq)
	for i := range s {
		k.nonce[4+i] ^= s[i]
	}
	inner := append(append([]byte(nil), plaintext...), typ)
	payload = k.aead.Seal(nil, k.nonce[:], inner, hdr)
	m := k.sn.mask(payload[:16])
	for i := 0; i < seqLen; i++ {
		hdr[seqOffset+i] ^= m[i]
	}
	return hdr, payload
}

// FinishedVerifyDataDTLS13 is FinishedVerifyData13 with DTLS 1.3's label
// prefix: the finished key is "dtls13finished".
func FinishedVerifyDataDTLS13(suite *Suite, baseSecret, transcriptHash []byte) ([]byte, error) {
	return finishedVerifyData13(dtls13LabelPfx, suite, baseSecret, transcriptHash)
}
