package decrypt

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"

	"golang.org/x/crypto/chacha20"
)

// QUIC packet protection (RFC 9001 section 5; RFC 9369 section 3.3 for
// QUIC v2): the keys of each encryption level come from a TLS 1.3 traffic
// secret (or, for Initial packets, from the client's first destination
// connection ID) with QUIC's own labels; header protection hides the first
// byte's low bits and the packet number.

// quicVersionParams is what a QUIC version changes in packet protection.
type quicVersionParams struct {
	salt       []byte // Initial salt (RFC 9001 5.2)
	labelPfx   string // "quic " (v1 and drafts) or "quicv2 " (v2), before key, iv, hp, ku
	retryKey   []byte // Retry integrity key and nonce (RFC 9001 5.8); nil: no tag to check
	retryNonce []byte
}

// mustHex decodes a hex constant of this file.
func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic("decrypt: bad hex constant " + s)
	}
	return b
}

var (
	quicV1 = quicVersionParams{
		salt:     mustHex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
		labelPfx: "quic ",
		retryKey: mustHex("be0c690b9f66575a1d766b54e368c84e"), retryNonce: mustHex("461599d35d632bf2239825bb"),
	}
	quicV2 = quicVersionParams{
		salt:     mustHex("0dede3def700a6db819381be6e269dcbf9bd2ed9"),
		labelPfx: "quicv2 ",
		retryKey: mustHex("8fb4b01b56ac48e260fbcbcead7ccc92"), retryNonce: mustHex("d86969bc2d7c6d9990efb04a"),
	}
	quicDraft29 = quicVersionParams{ // drafts 29 to 32
		salt:     mustHex("afbfec289993d24c9e9786f19c6111e04390a899"),
		labelPfx: "quic ",
		retryKey: mustHex("ccce187ed09a09d05728155a6cb96be1"), retryNonce: mustHex("e54930f97f2136f0530a8c1c"),
	}
	quicDraft25 = quicVersionParams{ // drafts 25 to 28
		salt:     mustHex("c3eef712c72ebb5a11a7d2432bb46365bef9f502"),
		labelPfx: "quic ",
		retryKey: mustHex("4d32ecdb2a2133c841e4043df27d4430"), retryNonce: mustHex("4d1611d05513a552c587d575"),
	}
	// Drafts 23 and 24: the salt of 25 to 28; a Retry carried the original
	// DCID and no integrity tag.
	quicDraft23 = quicVersionParams{salt: mustHex("c3eef712c72ebb5a11a7d2432bb46365bef9f502"), labelPfx: "quic "}
	quicDraft22 = quicVersionParams{salt: mustHex("7fbcdb0e7c66bbe9193a96cd21519ebd7a02644a"), labelPfx: "quic "}
	// Google QUIC versions that use IETF long headers and Initial
	// protection with their own salts (as Chromium and Wireshark have them).
	quicQ050 = quicVersionParams{salt: mustHex("504574efd066fe2f9d945cfcdbd3a7f0d3b56b45"), labelPfx: "quic "}
	quicT050 = quicVersionParams{salt: mustHex("7ff579e5acd072915580304c43a2367c60488310"), labelPfx: "quic "}
	quicT051 = quicVersionParams{salt: mustHex("7a4edef4e7ccee5fa4506c19124fc8ccda6e033d"), labelPfx: "quic "}
)

// ErrQUICVersion: a QUIC version whose packet protection is not known.
var ErrQUICVersion = errors.New("decrypt: QUIC version without known packet protection")

func quicParams(version uint32) (*quicVersionParams, error) {
	switch {
	case version == 0x00000001:
		return &quicV1, nil
	case version == 0x6b3343cf:
		return &quicV2, nil
	case version == 0x51303530: // Q050
		return &quicQ050, nil
	case version == 0x54303530: // T050
		return &quicT050, nil
	case version == 0x54303531: // T051
		return &quicT051, nil
	case version == 0xfaceb001: // mvfst on draft-22
		return &quicDraft22, nil
	case version == 0xfaceb002 || version == 0xfaceb00e: // mvfst on draft-27
		return &quicDraft25, nil
	case version>>8 == 0xff0000:
		switch d := version & 0xff; {
		case d == 33 || d == 34:
			return &quicV1, nil
		case d >= 29 && d <= 32:
			return &quicDraft29, nil
		case d >= 25 && d <= 28:
			return &quicDraft25, nil
		case d == 23 || d == 24:
			return &quicDraft23, nil
		case d == 22 || d == 21:
			return &quicDraft22, nil
		}
	}
	return nil, fmt.Errorf("%w: 0x%08x", ErrQUICVersion, version)
}

// QUICKeys protects the packets of one direction at one encryption level:
// the AEAD key and IV and the header protection key of one secret. It is
// not safe for concurrent use.
type QUICKeys struct {
	Suite   *Suite
	version *quicVersionParams
	secret  []byte
	aead    cipher.AEAD
	iv      []byte
	hp      headerMask
	nonce   [12]byte
}

// headerMask makes the mask of QUIC header protection (RFC 9001 section
// 5.4) and of DTLS 1.3 record number encryption (RFC 9147 section
// 4.2.3), the same computation over a 16-byte sample of the ciphertext:
// AES-ECB of the sample for the AES-based suites, the ChaCha20 keystream
// with the sample as block counter and nonce for ChaCha20-Poly1305.
type headerMask struct {
	aes    cipher.Block // AES-based suites
	chacha []byte       // ChaCha20-Poly1305: the 32-byte key
}

// newHeaderMask keys the mask of suite with key.
func newHeaderMask(suite *Suite, key []byte) (headerMask, error) {
	if suite.ID == 0x1303 {
		return headerMask{chacha: key}, nil
	}
	b, err := aes.NewCipher(key)
	return headerMask{aes: b}, err
}

// mask is the mask of a 16-byte sample (RFC 9001 sections 5.4.3, 5.4.4).
func (h *headerMask) mask(sample []byte) (m [5]byte) {
	if h.chacha != nil {
		counter := binary.LittleEndian.Uint32(sample[:4])
		c, err := chacha20.NewUnauthenticatedCipher(h.chacha, sample[4:16])
		if err != nil { // the key and nonce lengths are fixed: cannot happen
			panic(err)
		}
		c.SetCounter(counter)
		c.XORKeyStream(m[:], m[:])
		return m
	}
	var out [16]byte
	h.aes.Encrypt(out[:], sample)
	copy(m[:], out[:5])
	return m
}

// QUICInitialKeys derives the Initial keys of both directions from the
// destination connection ID of the client's first Initial packet
// (RFC 9001 section 5.2): they are known to anyone who sees that packet.
func QUICInitialKeys(version uint32, dcid []byte) (client, server *QUICKeys, err error) {
	vp, err := quicParams(version)
	if err != nil {
		return nil, nil, err
	}
	suite, _ := LookupSuite(0x1301)
	initial, err := extract(crypto.SHA256, vp.salt, dcid)
	if err != nil {
		return nil, nil, err
	}
	e := newLabelExpander(crypto.SHA256, initial)
	cs, ss := e.expand("client in", 32), e.expand("server in", 32)
	if client, err = newQUICKeys(vp, suite, cs, nil); err != nil {
		return nil, nil, err
	}
	server, err = newQUICKeys(vp, suite, ss, nil)
	return client, server, err
}

// NewQUICKeys derives packet protection for QUIC version version from a
// TLS 1.3 traffic secret of the negotiated suite (a handshake, 0-RTT or
// 1-RTT secret from the key log).
func NewQUICKeys(version uint32, suiteID uint16, secret []byte) (*QUICKeys, error) {
	vp, err := quicParams(version)
	if err != nil {
		return nil, err
	}
	suite, ok := LookupSuite(suiteID)
	if !ok || !suite.TLS13 || !suite.Available {
		return nil, fmt.Errorf("%w: cipher suite 0x%04x in QUIC", ErrUnsupportedCipher, suiteID)
	}
	if len(secret) != suite.PRFHash.Size() {
		return nil, fmt.Errorf("decrypt: QUIC secret of %d bytes for a %d-byte hash", len(secret), suite.PRFHash.Size())
	}
	return newQUICKeys(vp, suite, secret, nil)
}

// labelExpander is HKDF-Expand-Label (RFC 8446 7.1) for the outputs of at
// most one hash block that packet protection needs: one HMAC keyed with
// the secret serves every label (HKDF-Expand with L <= HashLen is
// HMAC(secret, HkdfLabel || 0x01)), where hkdfExpandLabel keys a new one
// per label. QUIC derives six such values per connection and direction.
type labelExpander struct {
	h   hash.Hash
	pfx string // the HkdfLabel prefix: "tls13 ", or DTLS 1.3's "dtls13"
	buf []byte
}

func newLabelExpander(h crypto.Hash, secret []byte) *labelExpander {
	return &labelExpander{h: hmac.New(h.New, secret), pfx: tls13LabelPfx, buf: make([]byte, 0, 64)}
}

// expand returns n bytes of HKDF-Expand-Label(secret, prefix+label, "", n);
// n is at most the hash's size.
func (e *labelExpander) expand(label string, n int) []byte {
	b := append(e.buf[:0], byte(n>>8), byte(n), byte(len(e.pfx)+len(label)))
	b = append(b, e.pfx...)
	b = append(b, label...)
	b = append(b, 0, 1) // an empty context, then HKDF's block counter
	e.buf = b
	e.h.Reset()
	e.h.Write(b)
	return e.h.Sum(nil)[:n:n]
}

// newQUICKeys derives the packet keys of secret; hp, when not nil, is the
// header protection of the previous key phase, which a key update keeps
// (RFC 9001 section 6.1).
func newQUICKeys(vp *quicVersionParams, suite *Suite, secret []byte, hp *QUICKeys) (*QUICKeys, error) {
	h := suite.PRFHash
	if suite.KeyLen > h.Size() {
		return nil, fmt.Errorf("%w: cipher suite 0x%04x in QUIC", ErrUnsupportedCipher, suite.ID)
	}
	k := &QUICKeys{Suite: suite, version: vp, secret: secret}
	e := newLabelExpander(h, secret)
	key := e.expand(vp.labelPfx+"key", suite.KeyLen)
	k.iv = e.expand(vp.labelPfx+"iv", 12)
	var err error
	if k.aead, err = suite.spec.newAEAD(key); err != nil {
		return nil, err
	}
	if k.aead.NonceSize() != 12 {
		return nil, fmt.Errorf("%w: cipher suite 0x%04x in QUIC", ErrUnsupportedCipher, suite.ID)
	}
	if hp != nil {
		k.hp = hp.hp
		return k, nil
	}
	if k.hp, err = newHeaderMask(suite, e.expand(vp.labelPfx+"hp", suite.KeyLen)); err != nil {
		return nil, err
	}
	return k, nil
}

// NextPhase derives the keys of the next key phase (RFC 9001 section 6):
// a new secret by "quic ku" ("quicv2 ku" in v2), the same header
// protection key.
func (k *QUICKeys) NextPhase() (*QUICKeys, error) {
	h := k.Suite.PRFHash
	next, err := hkdfExpandLabel(h, tls13LabelPfx, k.secret, k.version.labelPfx+"ku", nil, h.Size())
	if err != nil {
		return nil, err
	}
	return newQUICKeys(k.version, k.Suite, next, k)
}

// Overhead is the AEAD tag length of the packets.
func (k *QUICKeys) Overhead() int { return k.aead.Overhead() }

// QUICSampleLen is the length of the header protection sample.
const QUICSampleLen = 16

// ErrQUICAuth: a QUIC packet's AEAD tag does not verify.
var ErrQUICAuth = errors.New("decrypt: QUIC packet authentication failed")

// ErrQUICShort: a packet too short to hold a packet number and a sample.
var ErrQUICShort = errors.New("decrypt: QUIC packet too short for header protection")

// Unprotect removes header protection in place from the packet pkt, whose
// packet number starts at pnOffset (RFC 9001 section 5.4.2: the sample is
// taken 4 bytes past it). It returns the packet number's length and its
// truncated value; pkt[0] and the packet number bytes are left in clear.
func (k *QUICKeys) Unprotect(pkt []byte, pnOffset int) (pnLen int, truncated uint64, err error) {
	m, err := k.sampleMask(pkt, pnOffset)
	if err != nil {
		return 0, 0, err
	}
	pkt[0] ^= m[0] & firstByteBits(pkt[0])
	pnLen = int(pkt[0]&0x03) + 1 // in clear now
	for i := 0; i < pnLen; i++ {
		pkt[pnOffset+i] ^= m[1+i]
		truncated = truncated<<8 | uint64(pkt[pnOffset+i])
	}
	return pnLen, truncated, nil
}

// sampleMask is the mask of a packet's header protection sample, 4 bytes
// past the start of its packet number.
func (k *QUICKeys) sampleMask(pkt []byte, pnOffset int) ([5]byte, error) {
	if pnOffset+4+QUICSampleLen > len(pkt) || pnOffset < 1 {
		return [5]byte{}, ErrQUICShort
	}
	return k.hp.mask(pkt[pnOffset+4 : pnOffset+4+QUICSampleLen]), nil
}

// firstByteBits are the bits of the first byte that header protection
// covers: 4 of a long header, 5 of a short one (RFC 9001 section 5.4.1).
func firstByteBits(b0 byte) byte {
	if b0&0x80 != 0 {
		return 0x0f
	}
	return 0x1f
}

// Open decrypts and verifies a packet payload: header is the unprotected
// header (through the packet number), payload the ciphertext with its tag,
// pn the full packet number. The plaintext is appended to dst. An
// authentication failure returns ErrQUICAuth.
func (k *QUICKeys) Open(dst []byte, pn uint64, header, payload []byte) ([]byte, error) {
	k.setNonce(pn)
	out, err := k.aead.Open(dst, k.nonce[:], payload, header)
	if err != nil {
		return dst, ErrQUICAuth
	}
	return out, nil
}

// Seal is Open's inverse, for tests and generators that build packets:
// it appends the protected payload of plaintext to dst.
func (k *QUICKeys) Seal(dst []byte, pn uint64, header, plaintext []byte) []byte {
	k.setNonce(pn)
	return k.aead.Seal(dst, k.nonce[:], plaintext, header)
}

// Protect applies header protection in place to a packet whose payload is
// already sealed (Unprotect's inverse): pnLen is the packet number's
// length, which the first byte's low bits already tell.
func (k *QUICKeys) Protect(pkt []byte, pnOffset int) error {
	m, err := k.sampleMask(pkt, pnOffset)
	if err != nil {
		return err
	}
	pnLen := int(pkt[0]&0x03) + 1 // before the bits are hidden
	pkt[0] ^= m[0] & firstByteBits(pkt[0])
	for i := 0; i < pnLen; i++ {
		pkt[pnOffset+i] ^= m[1+i]
	}
	return nil
}

func (k *QUICKeys) setNonce(pn uint64) {
	copy(k.nonce[:], k.iv)
	for i := 0; i < 8; i++ {
		k.nonce[11-i] ^= byte(pn >> (8 * i))
	}
}

// VerifyQUICRetry checks the integrity tag of a Retry packet (RFC 9001
// section 5.8): retry is the whole packet, tag included; odcid the
// destination connection ID of the client's Initial it answers. ok is
// false when the tag does not match; checked is false when the version has
// no known integrity key (the drafts before 25 had no tag).
func VerifyQUICRetry(version uint32, odcid, retry []byte) (ok, checked bool) {
	vp, err := quicParams(version)
	if err != nil || vp.retryKey == nil || len(retry) < 16 || len(odcid) > 255 {
		return false, false
	}
	b, err := aes.NewCipher(vp.retryKey)
	if err != nil {
		return false, false
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return false, false
	}
	pseudo := make([]byte, 0, 1+len(odcid)+len(retry))
	pseudo = append(pseudo, byte(len(odcid)))
	pseudo = append(pseudo, odcid...)
	pseudo = append(pseudo, retry[:len(retry)-16]...)
	_, err = g.Open(nil, vp.retryNonce, retry[len(retry)-16:], pseudo)
	return err == nil, true
}
