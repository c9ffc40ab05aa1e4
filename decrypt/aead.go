package decrypt

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
)

// ccm is the CCM mode of NIST SP 800-38C / RFC 3610 over a 128-bit block
// cipher, as a cipher.AEAD. TLS uses it with a 12-byte nonce and a 16-byte
// (CCM) or 8-byte (CCM_8) tag (RFC 6655, RFC 8446). Its blocks are scratch
// space of its own, so that a record opens without allocating: unlike
// crypto/cipher's AEADs it is not safe for concurrent use (each HalfConn
// has its own).
type ccm struct {
	b        cipher.Block
	nonceLen int
	tagLen   int

	ctrBlk, stream [16]byte // a counter block and its encryption
	x, blk         [16]byte // CBC-MAC state and input block
	aadBuf         [32]byte // a short formatted AAD (TLS: 2 + 13 bytes)
}

var errCCMOpen = errors.New("ccm: message authentication failed")

// NewCCM returns the CCM mode of b (a 16-byte block cipher) with the given
// nonce length (7 to 13 bytes) and tag length (4 to 16, even). The AEAD is
// not safe for concurrent use.
func NewCCM(b cipher.Block, nonceLen, tagLen int) (cipher.AEAD, error) {
	if b.BlockSize() != 16 {
		return nil, fmt.Errorf("ccm: block size %d, want 16", b.BlockSize())
	}
	if nonceLen < 7 || nonceLen > 13 {
		return nil, fmt.Errorf("ccm: nonce length %d out of range 7-13", nonceLen)
	}
	if tagLen < 4 || tagLen > 16 || tagLen%2 != 0 {
		return nil, fmt.Errorf("ccm: tag length %d not in 4, 6, ..., 16", tagLen)
	}
	return &ccm{b: b, nonceLen: nonceLen, tagLen: tagLen}, nil
}

func (c *ccm) NonceSize() int { return c.nonceLen }
func (c *ccm) Overhead() int  { return c.tagLen }

// maxLen is the longest payload the length field q = 15-n can express.
func (c *ccm) maxLen() uint64 {
	q := 15 - c.nonceLen
	if q >= 8 {
		return ^uint64(0)
	}
	return 1<<(8*q) - 1
}

// counter sets c.ctrBlk to counter block i: flags (q-1) || nonce || [i]_q.
func (c *ccm) counter(nonce []byte, i uint64) {
	ctr := &c.ctrBlk
	*ctr = [16]byte{}
	q := 15 - c.nonceLen
	ctr[0] = byte(q - 1)
	copy(ctr[1:], nonce)
	for j := 15; j > 15-q && j > 0; j-- {
		ctr[j] = byte(i)
		i >>= 8
	}
}

// keyStream sets c.stream to S_i, the encryption of counter block i.
func (c *ccm) keyStream(nonce []byte, i uint64) {
	c.counter(nonce, i)
	c.b.Encrypt(c.stream[:], c.ctrBlk[:])
}

// ctr XORs src with the key stream S_1, S_2, ... into dst.
func (c *ccm) ctr(dst, src, nonce []byte) {
	for i := 0; len(src) > 0; i++ {
		c.keyStream(nonce, uint64(i+1))
		n := subtle.XORBytes(dst, src, c.stream[:])
		dst, src = dst[n:], src[n:]
	}
}

// mac computes the unencrypted tag T over B_0, the formatted associated data
// and the payload (SP 800-38C A.2, 6.1 steps 1-5).
func (c *ccm) mac(nonce, plaintext, aad []byte) [16]byte {
	x, blk := &c.x, &c.blk
	*x, *blk = [16]byte{}, [16]byte{}
	q := 15 - c.nonceLen
	// B_0: flags || nonce || [len(P)]_q.
	blk[0] = byte((c.tagLen-2)/2)<<3 | byte(q-1)
	if len(aad) > 0 {
		blk[0] |= 1 << 6
	}
	copy(blk[1:], nonce)
	n := uint64(len(plaintext))
	for j := 15; j > 15-q; j-- {
		blk[j] = byte(n)
		n >>= 8
	}
	c.b.Encrypt(x[:], blk[:])
	if len(aad) > 0 {
		c.absorb(c.formatAAD(aad))
	}
	for len(plaintext) > 0 {
		m := min(16, len(plaintext))
		*blk = [16]byte{}
		copy(blk[:], plaintext[:m])
		subtle.XORBytes(x[:], x[:], blk[:])
		c.b.Encrypt(x[:], x[:])
		plaintext = plaintext[m:]
	}
	return *x
}

// absorb runs the CBC-MAC state over whole blocks of data.
func (c *ccm) absorb(data []byte) {
	x := c.x[:]
	for len(data) > 0 {
		m := subtle.XORBytes(x, x, data) // XORBytes handles a short last block
		c.b.Encrypt(x, x)
		data = data[m:]
	}
}

// formatAAD is the encoded length of aad and aad, zero-padded to whole
// blocks (SP 800-38C A.2.2), in c.aadBuf when short enough.
func (c *ccm) formatAAD(aad []byte) []byte {
	var hdr [10]byte
	var h []byte
	switch a := uint64(len(aad)); {
	case a < 1<<16-1<<8:
		h = binary.BigEndian.AppendUint16(hdr[:0], uint16(a))
	case a <= 0xffffffff:
		h = binary.BigEndian.AppendUint32(append(hdr[:0], 0xff, 0xfe), uint32(a))
	default:
		h = binary.BigEndian.AppendUint64(append(hdr[:0], 0xff, 0xff), a)
	}
	n := (len(h) + len(aad) + 15) / 16 * 16
	var buf []byte
	if n <= len(c.aadBuf) {
		buf = c.aadBuf[:0]
	} else {
		buf = make([]byte, 0, n)
	}
	buf = append(append(buf, h...), aad...)
	for len(buf) < n {
		buf = append(buf, 0)
	}
	return buf
}

// Seal encrypts and authenticates plaintext (used by tests and by no
// decoder path; a passive analyzer only opens).
func (c *ccm) Seal(dst, nonce, plaintext, aad []byte) []byte {
	if len(nonce) != c.nonceLen {
		panic("ccm: bad nonce length") // programming error, as in crypto/cipher
	}
	if uint64(len(plaintext)) > c.maxLen() {
		panic("ccm: plaintext too long")
	}
	t := c.mac(nonce, plaintext, aad)
	ret, out := sliceForAppend(dst, len(plaintext)+c.tagLen)
	c.ctr(out, plaintext, nonce)
	c.keyStream(nonce, 0)
	subtle.XORBytes(out[len(plaintext):], t[:c.tagLen], c.stream[:c.tagLen])
	return ret
}

// Open decrypts and verifies ciphertext. It never panics on input: a wrong
// nonce length or a short ciphertext are errors.
func (c *ccm) Open(dst, nonce, ciphertext, aad []byte) ([]byte, error) {
	if len(nonce) != c.nonceLen {
		return nil, fmt.Errorf("ccm: nonce length %d, want %d", len(nonce), c.nonceLen)
	}
	if len(ciphertext) < c.tagLen {
		return nil, errCCMOpen
	}
	n := len(ciphertext) - c.tagLen
	if uint64(n) > c.maxLen() {
		return nil, errCCMOpen
	}
	ret, out := sliceForAppend(dst, n)
	c.ctr(out, ciphertext[:n], nonce)
	t := c.mac(nonce, out, aad)
	c.keyStream(nonce, 0)
	subtle.XORBytes(t[:c.tagLen], t[:c.tagLen], c.stream[:c.tagLen])
	if subtle.ConstantTimeCompare(t[:c.tagLen], ciphertext[n:]) != 1 {
		clear(out)
		return nil, errCCMOpen
	}
	return ret, nil
}

// sliceForAppend extends in by n bytes, returning the whole and the tail.
func sliceForAppend(in []byte, n int) (head, tail []byte) {
	if total := len(in) + n; cap(in) >= total {
		head = in[:total]
	} else {
		head = make([]byte, total)
		copy(head, in)
	}
	return head, head[len(in):]
}
