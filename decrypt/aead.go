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
// (CCM) or 8-byte (CCM_8) tag (RFC 6655, RFC 8446).
type ccm struct {
	b        cipher.Block
	nonceLen int
	tagLen   int
}

var errCCMOpen = errors.New("ccm: message authentication failed")

// NewCCM returns the CCM mode of b (a 16-byte block cipher) with the given
// nonce length (7 to 13 bytes) and tag length (4 to 16, even).
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

// counter returns counter block i: flags (q-1) || nonce || [i]_q.
func (c *ccm) counter(nonce []byte, i uint64) [16]byte {
	var ctr [16]byte
	q := 15 - c.nonceLen
	ctr[0] = byte(q - 1)
	copy(ctr[1:], nonce)
	for j := 15; j > 15-q && j > 0; j-- {
		ctr[j] = byte(i)
		i >>= 8
	}
	return ctr
}

// ctr XORs src with the key stream S_1, S_2, ... into dst.
func (c *ccm) ctr(dst, src, nonce []byte) {
	var s [16]byte
	for i := 0; len(src) > 0; i++ {
		ctr := c.counter(nonce, uint64(i+1))
		c.b.Encrypt(s[:], ctr[:])
		n := subtle.XORBytes(dst, src, s[:])
		dst, src = dst[n:], src[n:]
	}
}

// mac computes the unencrypted tag T over B_0, the formatted associated data
// and the payload (SP 800-38C A.2, 6.1 steps 1-5).
func (c *ccm) mac(nonce, plaintext, aad []byte) [16]byte {
	var x, blk [16]byte
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

	absorb := func(data []byte) {
		for len(data) > 0 {
			m := subtle.XORBytes(x[:], x[:], data) // XORBytes handles a short last block
			c.b.Encrypt(x[:], x[:])
			data = data[m:]
		}
	}
	if len(aad) > 0 {
		var hdr []byte
		switch a := uint64(len(aad)); {
		case a < 1<<16-1<<8:
			hdr = binary.BigEndian.AppendUint16(nil, uint16(a))
		case a <= 0xffffffff:
			hdr = binary.BigEndian.AppendUint32([]byte{0xff, 0xfe}, uint32(a))
		default:
			hdr = binary.BigEndian.AppendUint64([]byte{0xff, 0xff}, a)
		}
		// The encoded length and the data, zero-padded to whole blocks.
		buf := make([]byte, 0, (len(hdr)+len(aad)+15)/16*16)
		buf = append(buf, hdr...)
		buf = append(buf, aad...)
		for len(buf)%16 != 0 {
			buf = append(buf, 0)
		}
		absorb(buf)
	}
	for len(plaintext) > 0 {
		m := min(16, len(plaintext))
		var p [16]byte
		copy(p[:], plaintext[:m])
		subtle.XORBytes(x[:], x[:], p[:])
		c.b.Encrypt(x[:], x[:])
		plaintext = plaintext[m:]
	}
	return x
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
	var s0 [16]byte
	ctr0 := c.counter(nonce, 0)
	c.b.Encrypt(s0[:], ctr0[:])
	subtle.XORBytes(out[len(plaintext):], t[:c.tagLen], s0[:c.tagLen])
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
	var s0 [16]byte
	ctr0 := c.counter(nonce, 0)
	c.b.Encrypt(s0[:], ctr0[:])
	subtle.XORBytes(t[:c.tagLen], t[:c.tagLen], s0[:c.tagLen])
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
