package decrypt

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"hash"

	"github.com/ssldissect/ssldissect/decrypt/internal/aescbc"
)

// MACResult is the verdict on a record's integrity check (MAC or AEAD tag).
type MACResult uint8

// MAC verdicts.
const (
	MACNone   MACResult = iota // nothing to verify (NULL_WITH_NULL_NULL)
	MACOK                      // MAC or tag verified
	MACFailed                  // MAC, tag or CBC padding did not verify
)

func (m MACResult) String() string {
	switch m {
	case MACNone:
		return "none"
	case MACOK:
		return "ok"
	case MACFailed:
		return "failed"
	}
	return fmt.Sprintf("MACResult(%d)", uint8(m))
}

// Record content types that matter here.
const (
	typeChangeCipherSpec uint8 = 20
	typeAlert            uint8 = 21
	typeHandshake        uint8 = 22
	typeApplicationData  uint8 = 23
)

// Compression methods (RFC 3749).
const (
	CompressionNull    uint8 = 0
	CompressionDeflate uint8 = 1
)

// HalfConn is the read state of one direction of a connection: cipher,
// MAC, sequence number, version, encrypt-then-MAC flag and compression
// state. All nonce, AAD, IV and padding rules live here. A HalfConn is not
// safe for concurrent use; each direction has its own.
type HalfConn struct {
	version uint16
	suite   *Suite
	seq     uint64

	// TLS 1.0-1.2 and SSL 3.0.
	macKey  []byte
	mac     hash.Hash // HMAC, or nil for SSL 3.0 / no MAC
	etm     bool      // RFC 7366 encrypt-then-MAC (CBC suites only)
	stream  cipher.Stream
	block   cipher.Block // CBC; nil for AES (aescbc)
	cbc     cbcMode      // CBC decrypter, its IV set per record; nil: made per record
	cbcIV   []byte       // SSL 3.0 / TLS 1.0: the IV chained from the last record
	aead    cipher.AEAD
	fixedIV []byte // AEAD: implicit part of the nonce (4 or 12 bytes)
	inflate *inflater
	ssl3MAC [2]hash.Hash // SSL 3.0 MAC: inner and outer hash, reused

	// TLS 1.3.
	secret []byte

	// A DTLS tls12_cid record being opened (RFC 9146): its connection ID.
	cidRecord bool
	cid       []byte

	// Scratch space, so that a record decrypts without allocating.
	nonce  [16]byte
	header [13]byte // MAC header or AEAD additional data
	sum    [64]byte // a computed MAC
}

// cbcMode is a CBC decrypter whose IV can be reset (crypto/cipher's have
// SetIV).
type cbcMode interface {
	cipher.BlockMode
	SetIV([]byte)
}

// newAESCBC is AES's CBC decrypter: the pipelined one (AES-NI, 8 blocks at
// a time on amd64; crypto/cipher's elsewhere).
func newAESCBC(key []byte) (cbcMode, error) {
	d, err := aescbc.NewDecrypter(key, make([]byte, aescbc.BlockSize))
	if err != nil {
		return nil, err
	}
	return d, nil
}

// NewHalfConn12 returns the read state for one direction of an SSL 3.0 to
// TLS 1.2 connection after ChangeCipherSpec, from that direction's keys
// (see KeysFromMasterSecret). iv is the CBC IV (used before TLS 1.1) or the
// AEAD fixed nonce. encryptThenMAC is the negotiated RFC 7366 extension
// (it affects CBC suites only); compression is the negotiated method (0 or
// 1, DEFLATE).
func NewHalfConn12(version uint16, suite *Suite, macKey, key, iv []byte, encryptThenMAC bool, compression uint8) (*HalfConn, error) {
	if suite == nil {
		return nil, ErrUnknownSuite
	}
	if suite.TLS13 || version < VersionSSL30 || version > VersionTLS12 {
		return nil, fmt.Errorf("%w: suite %#04x with version %#04x", ErrVersion, suite.ID, version)
	}
	if version < suite.MinVersion {
		return nil, fmt.Errorf("%w: suite %#04x is not defined before %#04x", ErrVersion, suite.ID, suite.MinVersion)
	}
	if !suite.Available {
		return nil, fmt.Errorf("%w: %s (suite %#04x)", ErrUnsupportedCipher, suite.Cipher, suite.ID)
	}
	wantKey := suite.KeyLen
	if suite.Export {
		wantKey = suite.ExportKeyLen
	}
	if len(key) != wantKey || len(macKey) != suite.MACLen {
		return nil, fmt.Errorf("%w: key %d bytes (want %d), MAC key %d (want %d)", ErrKeyLength, len(key), wantKey, len(macKey), suite.MACLen)
	}
	hc := &HalfConn{version: version, suite: suite, macKey: append([]byte(nil), macKey...)}
	if suite.MACLen > 0 && version > VersionSSL30 {
		hc.mac = hmac.New(suite.MACHash.New, hc.macKey)
	}
	var err error
	switch suite.Mode {
	case ModeStream:
		if suite.spec.newStream != nil {
			hc.stream, err = suite.spec.newStream(key)
		}
	case ModeCBC:
		hc.etm = encryptThenMAC && version > VersionSSL30
		if suite.spec.newCBC != nil {
			hc.cbc, err = suite.spec.newCBC(key)
		} else {
			hc.block, err = suite.spec.newBlock(key)
			if err == nil {
				hc.cbc, _ = cipher.NewCBCDecrypter(hc.block, make([]byte, hc.block.BlockSize())).(cbcMode)
			}
		}
		if err == nil && version <= VersionTLS10 {
			if len(iv) != suite.BlockSize {
				return nil, fmt.Errorf("%w: CBC IV %d bytes, want %d", ErrKeyLength, len(iv), suite.BlockSize)
			}
			hc.cbcIV = append([]byte(nil), iv...)
		}
	case ModeAEAD:
		if len(iv) != suite.IVLen {
			return nil, fmt.Errorf("%w: AEAD IV %d bytes, want %d", ErrKeyLength, len(iv), suite.IVLen)
		}
		hc.fixedIV = append([]byte(nil), iv...)
		hc.aead, err = suite.spec.newAEAD(key)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyLength, err)
	}
	switch compression {
	case CompressionNull:
	case CompressionDeflate:
		hc.inflate = &inflater{}
	default:
		return nil, fmt.Errorf("%w: %d", ErrCompression, compression)
	}
	return hc, nil
}

// NewHalfConn13 returns the read state for one direction of a TLS 1.3
// connection from a traffic secret (handshake, application or early).
func NewHalfConn13(suite *Suite, trafficSecret []byte) (*HalfConn, error) {
	if suite == nil {
		return nil, ErrUnknownSuite
	}
	if !suite.TLS13 {
		return nil, fmt.Errorf("%w: suite %#04x is not a TLS 1.3 suite", ErrVersion, suite.ID)
	}
	if len(trafficSecret) != suite.PRFHash.Size() {
		return nil, fmt.Errorf("%w: traffic secret %d bytes, want %d", ErrKeyLength, len(trafficSecret), suite.PRFHash.Size())
	}
	hc := &HalfConn{version: VersionTLS13, suite: suite}
	if err := hc.setTrafficSecret(trafficSecret); err != nil {
		return nil, err
	}
	return hc, nil
}

func (hc *HalfConn) setTrafficSecret(secret []byte) error {
	key, iv, err := trafficKey(hc.suite, secret)
	if err != nil {
		return err
	}
	a, err := hc.suite.spec.newAEAD(key)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrKeyLength, err)
	}
	hc.secret = append([]byte(nil), secret...)
	hc.aead, hc.fixedIV, hc.seq = a, iv, 0
	return nil
}

// UpdateKey moves a TLS 1.3 direction to its next application traffic
// secret after a KeyUpdate message (RFC 8446 4.6.3); the sequence number
// restarts at 0.
func (hc *HalfConn) UpdateKey() error {
	if hc.version != VersionTLS13 {
		return fmt.Errorf("%w: KeyUpdate outside TLS 1.3", ErrVersion)
	}
	next, err := nextTrafficSecret(hc.suite, hc.secret)
	if err != nil {
		return err
	}
	return hc.setTrafficSecret(next)
}

// Seq returns the sequence number of the next record.
func (hc *HalfConn) Seq() uint64 { return hc.seq }

// SetSequence sets the sequence number of the next record (after a gap,
// when the number of lost records is known).
func (hc *HalfConn) SetSequence(n uint64) { hc.seq = n }

// Suite returns the suite this state was made for.
func (hc *HalfConn) Suite() *Suite { return hc.suite }

// Decrypt removes the protection of one record: contentType and
// recordVersion are the record header's, payload its body. It returns the
// plaintext (decompressed if so negotiated), the content type (for TLS 1.3
// the inner one, else contentType), and the MAC verdict. A MAC, tag or
// padding that does not verify is a verdict, not an error: AEAD records
// then have no plaintext; CBC and stream records return their best-effort
// plaintext. err is for records that cannot be processed at all (too short,
// bad length) and for decompression failures. Every call consumes one
// sequence number, as the sender did. payload is not modified; the
// plaintext is fresh memory (RecordProtection.Open reuses a Buffer). TLS
// 1.3 change_cipher_spec records are never protected: do not pass them.
func (hc *HalfConn) Decrypt(contentType uint8, recordVersion uint16, payload []byte) (plaintext []byte, innerType uint8, mac MACResult, err error) {
	return hc.open(nil, contentType, recordVersion, payload)
}

// open is Decrypt with the plaintext written at the start of dst (whose
// capacity should be len(payload) for no allocation), not overlapping
// payload.
func (hc *HalfConn) open(dst []byte, contentType uint8, recordVersion uint16, payload []byte) (plaintext []byte, innerType uint8, mac MACResult, err error) {
	seq := hc.seq
	hc.seq++
	if hc.version == VersionTLS13 {
		return hc.decrypt13(dst, seq, contentType, recordVersion, payload)
	}
	switch hc.suite.Mode {
	case ModeStream:
		plaintext, mac, err = hc.decryptStream(dst, seq, contentType, recordVersion, payload)
	case ModeCBC:
		plaintext, mac, err = hc.decryptCBC(dst, seq, contentType, recordVersion, payload)
	case ModeAEAD:
		plaintext, mac, err = hc.decryptAEAD(dst, seq, contentType, recordVersion, payload)
	}
	if err != nil || hc.inflate == nil {
		return plaintext, contentType, mac, err
	}
	if mac == MACFailed {
		// The stream state must not see bytes that may be garbage.
		return plaintext, contentType, mac, fmt.Errorf("%w: record not inflated after a failed MAC", ErrDecompress)
	}
	out, ierr := hc.inflate.inflate(plaintext)
	if ierr != nil {
		return plaintext, contentType, mac, ierr
	}
	return out, contentType, mac, nil
}

func (hc *HalfConn) decrypt13(dst []byte, seq uint64, contentType uint8, recordVersion uint16, payload []byte) ([]byte, uint8, MACResult, error) {
	if len(payload) < hc.aead.Overhead() {
		return nil, contentType, MACNone, fmt.Errorf("%w: %d bytes, AEAD tag is %d", ErrShortRecord, len(payload), hc.aead.Overhead())
	}
	if len(payload) > 0xffff {
		return nil, contentType, MACNone, fmt.Errorf("%w: %d bytes", ErrBadLength, len(payload))
	}
	nonce := hc.xorNonce(seq)
	aad := hc.header[:5]
	aad[0] = contentType
	binary.BigEndian.PutUint16(aad[1:], recordVersion)
	binary.BigEndian.PutUint16(aad[3:], uint16(len(payload)))
	pt, err := hc.aead.Open(dst[:0], nonce, payload, aad)
	if err != nil {
		return nil, contentType, MACFailed, nil
	}
	// TLSInnerPlaintext: content || type || zeros (RFC 8446 5.2).
	i := len(pt) - 1
	for i >= 0 && pt[i] == 0 {
		i--
	}
	if i < 0 {
		return nil, contentType, MACOK, ErrNoInnerType
	}
	return pt[:i], pt[i], MACOK, nil
}

// typeTLS12CID is the content type of a DTLS record with a connection ID
// (RFC 9146).
const typeTLS12CID = 25

// innerPlaintext splits a DTLSInnerPlaintext (RFC 9146 section 5) or
// TLSInnerPlaintext: content || type || zeros. ok is false when it is all
// zeros.
func innerPlaintext(pt []byte) (content []byte, typ uint8, ok bool) {
	i := len(pt) - 1
	for i >= 0 && pt[i] == 0 {
		i--
	}
	if i < 0 {
		return nil, 0, false
	}
	return pt[:i], pt[i], true
}

// xorNonce is the per-record nonce of RFC 8446 5.3 and RFC 7905 2: the
// 64-bit sequence number, left-padded to the IV length, XORed with the IV.
// It lives in hc's scratch space until the next record.
func (hc *HalfConn) xorNonce(seq uint64) []byte {
	nonce := hc.nonce[:len(hc.fixedIV)]
	copy(nonce, hc.fixedIV)
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], seq)
	subtle.XORBytes(nonce[len(nonce)-8:], nonce[len(nonce)-8:], s[:])
	return nonce
}

// macHeader is seq_num || type || version || length (RFC 5246 6.2.3.1);
// SSL 3.0 has no version (RFC 6101 5.2.3.1). It lives in hc's scratch
// space until the next record.
//
// For a DTLS tls12_cid record it is RFC 9146 section 5's: seq_num_placeholder
// (8 bytes of 0xff) || tls12_cid || cid_length || tls12_cid || version ||
// epoch and sequence number || cid || length.
func (hc *HalfConn) macHeader(seq uint64, typ uint8, version uint16, n int) []byte {
	h := hc.header[:0]
	if hc.cidRecord {
		h = append(h, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, typeTLS12CID, byte(len(hc.cid)), typeTLS12CID)
		h = binary.BigEndian.AppendUint16(h, version)
		h = binary.BigEndian.AppendUint64(h, seq)
		h = append(h, hc.cid...)
		return binary.BigEndian.AppendUint16(h, uint16(n))
	}
	h = binary.BigEndian.AppendUint64(h, seq)
	h = append(h, typ)
	if hc.version > VersionSSL30 {
		h = binary.BigEndian.AppendUint16(h, version)
	}
	return binary.BigEndian.AppendUint16(h, uint16(n))
}

// computeMAC returns the record MAC over header || data: HMAC, or the SSL
// 3.0 MAC hash(secret + pad2 + hash(secret + pad1 + header + data)). The
// result lives in hc's scratch space until the next record.
func (hc *HalfConn) computeMAC(header, data []byte) []byte {
	if hc.mac != nil {
		hc.mac.Reset()
		hc.mac.Write(header)
		hc.mac.Write(data)
		return hc.mac.Sum(hc.sum[:0])
	}
	h := hc.suite.MACHash
	if hc.ssl3MAC[0] == nil {
		hc.ssl3MAC = [2]hash.Hash{h.New(), h.New()}
	}
	padLen := ssl3PadLen(h)
	inner, outer := hc.ssl3MAC[0], hc.ssl3MAC[1]
	inner.Reset()
	inner.Write(hc.macKey)
	inner.Write(ssl3Pad1[:padLen])
	inner.Write(header)
	inner.Write(data)
	outer.Reset()
	outer.Write(hc.macKey)
	outer.Write(ssl3Pad2[:padLen])
	outer.Write(inner.Sum(hc.sum[:0]))
	return outer.Sum(hc.sum[:0])
}

func (hc *HalfConn) checkMAC(seq uint64, typ uint8, version uint16, content, got []byte) MACResult {
	if hc.suite.MACLen == 0 {
		return MACNone
	}
	want := hc.computeMAC(hc.macHeader(seq, typ, version, len(content)), content)
	if hmac.Equal(want, got) {
		return MACOK
	}
	return MACFailed
}

func (hc *HalfConn) decryptStream(dst []byte, seq uint64, typ uint8, version uint16, payload []byte) ([]byte, MACResult, error) {
	macLen := hc.suite.MACLen
	if len(payload) < macLen {
		return nil, MACNone, fmt.Errorf("%w: %d bytes, MAC is %d", ErrShortRecord, len(payload), macLen)
	}
	buf := append(dst[:0], payload...)
	if hc.stream != nil {
		hc.stream.XORKeyStream(buf, buf)
	}
	content, got := buf[:len(buf)-macLen], buf[len(buf)-macLen:]
	return content, hc.checkMAC(seq, typ, version, content, got), nil
}

func (hc *HalfConn) decryptCBC(dst []byte, seq uint64, typ uint8, version uint16, payload []byte) ([]byte, MACResult, error) {
	bs, macLen := hc.suite.BlockSize, hc.suite.MACLen
	explicit := 0
	if hc.version >= VersionTLS11 {
		explicit = bs
	}
	ct := payload
	mac := MACNone
	if hc.etm {
		// RFC 7366: MAC(header with the length of IV+ciphertext, IV+ciphertext).
		if len(payload) < macLen+explicit+bs {
			return nil, MACNone, fmt.Errorf("%w: %d bytes for encrypt-then-MAC", ErrShortRecord, len(payload))
		}
		ct = payload[:len(payload)-macLen]
		want := hc.computeMAC(hc.macHeader(seq, typ, version, len(ct)), ct)
		mac = MACFailed
		if hmac.Equal(want, payload[len(payload)-macLen:]) {
			mac = MACOK
		}
	}
	if len(ct) < explicit+bs || len(ct)%bs != 0 {
		return nil, MACNone, fmt.Errorf("%w: %d bytes with %d-byte blocks", ErrBadLength, len(ct), bs)
	}
	pt := hc.cbcDecrypt(dst, ct, explicit)
	padLen, padOK := hc.cbcPadding(pt)
	if hc.etm {
		if !padOK {
			return pt, MACFailed, nil
		}
		return pt[:len(pt)-1-padLen], mac, nil
	}
	if !padOK || len(pt)-1-padLen < macLen {
		// Nothing trustworthy to strip; show what there is.
		if len(pt) >= macLen {
			return pt[:len(pt)-macLen], MACFailed, nil
		}
		return nil, MACFailed, nil
	}
	body := pt[:len(pt)-1-padLen]
	content, got := body[:len(body)-macLen], body[len(body)-macLen:]
	return content, hc.checkMAC(seq, typ, version, content, got), nil
}

// cbcDecrypt decrypts the CBC blocks of ct into dst: the first explicit
// bytes of ct are the IV (TLS 1.1+), else the IV is the last ciphertext
// block of the previous record (SSL 3.0, TLS 1.0).
func (hc *HalfConn) cbcDecrypt(dst, ct []byte, explicit int) []byte {
	bs := hc.suite.BlockSize
	var iv []byte
	if explicit > 0 {
		iv, ct = ct[:explicit], ct[explicit:]
	} else {
		iv = hc.cbcIV
	}
	var pt []byte
	if cap(dst) >= len(ct) {
		pt = dst[:len(ct)]
	} else {
		pt = make([]byte, len(ct))
	}
	if hc.cbc != nil {
		hc.cbc.SetIV(iv)
		hc.cbc.CryptBlocks(pt, ct)
	} else {
		cipher.NewCBCDecrypter(hc.block, iv).CryptBlocks(pt, ct)
	}
	if explicit == 0 {
		// The next record's IV is this record's last ciphertext block.
		hc.cbcIV = append(hc.cbcIV[:0], ct[len(ct)-bs:]...)
	}
	return pt
}

// cbcPadding reads the padding at the end of a decrypted CBC record: TLS
// requires padding_length+1 bytes all equal to padding_length; SSL 3.0
// only that it is shorter than a block.
func (hc *HalfConn) cbcPadding(pt []byte) (padLen int, ok bool) {
	padLen = int(pt[len(pt)-1])
	ok = padLen+1 <= len(pt)
	if ok && hc.version == VersionSSL30 {
		ok = padLen < hc.suite.BlockSize
	} else if ok {
		for _, b := range pt[len(pt)-1-padLen:] {
			if int(b) != padLen {
				ok = false
				break
			}
		}
	}
	return padLen, ok
}

func (hc *HalfConn) decryptAEAD(dst []byte, seq uint64, typ uint8, version uint16, payload []byte) ([]byte, MACResult, error) {
	explicit, tag := hc.suite.ExplicitNonceLen, hc.aead.Overhead()
	if len(payload) < explicit+tag {
		return nil, MACNone, fmt.Errorf("%w: %d bytes, AEAD needs %d", ErrShortRecord, len(payload), explicit+tag)
	}
	var nonce []byte
	if hc.suite.spec.nonce == nonceXOR {
		nonce = hc.xorNonce(seq)
	} else {
		// RFC 5288 3: salt (fixed IV) || nonce_explicit from the record.
		nonce = append(append(hc.nonce[:0], hc.fixedIV...), payload[:explicit]...)
	}
	ct := payload[explicit:]
	aad := hc.macHeader(seq, typ, version, len(ct)-tag)
	pt, err := hc.aead.Open(dst[:0], nonce, ct, aad)
	if err != nil {
		return nil, MACFailed, nil
	}
	return pt, MACOK, nil
}
