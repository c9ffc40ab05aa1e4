package aria

import (
	"crypto/cipher"
	"encoding/binary"
	"strconv"
)

// BlockSize is the ARIA block size in bytes.
const BlockSize = 16

// KeySizeError is returned by NewCipher for a key that is not 16, 24 or 32
// bytes long.
type KeySizeError int

func (k KeySizeError) Error() string {
	return "aria: invalid key size " + strconv.Itoa(int(k))
}

// block is a 128-bit ARIA state or round key, byte 0 first as in RFC 5794.
type block = [16]byte

type ariaCipher struct {
	rounds int
	enc    [17]block // ek1 .. ek(n+1)
	dec    [17]block // dk1 .. dk(n+1)
}

// NewCipher returns an ARIA cipher.Block for a 16-, 24- or 32-byte key
// (ARIA-128, ARIA-192, ARIA-256).
func NewCipher(key []byte) (cipher.Block, error) {
	c := new(ariaCipher)
	var ck1, ck2, ck3 [2]uint64
	switch len(key) {
	case 16:
		c.rounds, ck1, ck2, ck3 = 12, c1, c2, c3
	case 24:
		c.rounds, ck1, ck2, ck3 = 14, c2, c3, c1
	case 32:
		c.rounds, ck1, ck2, ck3 = 16, c3, c1, c2
	default:
		return nil, KeySizeError(len(key))
	}
	c.expandKey(key, ck1, ck2, ck3)
	return c, nil
}

func (c *ariaCipher) BlockSize() int { return BlockSize }

func (c *ariaCipher) Encrypt(dst, src []byte) {
	if len(src) < BlockSize {
		panic("aria: input not full block")
	}
	if len(dst) < BlockSize {
		panic("aria: output not full block")
	}
	crypt(dst, src, c.enc[:c.rounds+1])
}

func (c *ariaCipher) Decrypt(dst, src []byte) {
	if len(src) < BlockSize {
		panic("aria: input not full block")
	}
	if len(dst) < BlockSize {
		panic("aria: output not full block")
	}
	crypt(dst, src, c.dec[:c.rounds+1])
}

// expandKey is the key scheduling part of RFC 5794 section 2.2.
func (c *ariaCipher) expandKey(key []byte, ck1, ck2, ck3 [2]uint64) {
	// KL is the first 128 bits of the key, KR the rest padded with zeros.
	var kl, kr block
	copy(kl[:], key[:16])
	copy(kr[:], key[16:])

	w0 := kl
	w1 := xor(fo(w0, fromWords(ck1)), kr)
	w2 := xor(fe(w1, fromWords(ck2)), w0)
	w3 := xor(fo(w2, fromWords(ck3)), w1)

	w := [4][2]uint64{words(w0), words(w1), words(w2), words(w3)}
	ek := &c.enc
	// ek1..ek4: W(i) ^ (W(i+1) >>> 19), ek5..ek8: >>> 31,
	// ek9..ek12: <<< 61, ek13..ek16: <<< 31, ek17: W0 ^ (W1 <<< 19).
	rot := [4]uint{19, 31, 128 - 61, 128 - 31}
	for g, r := range rot {
		for i := 0; i < 4; i++ {
			ek[4*g+i] = fromWords(xorw(w[i], rotr(w[(i+1)%4], r)))
		}
	}
	ek[16] = fromWords(xorw(w[0], rotr(w[1], 128-19)))

	// Decryption keys: dk1 = ek(n+1), dk(i) = A(ek(n+2-i)), dk(n+1) = ek1.
	n := c.rounds
	c.dec[0] = ek[n]
	for i := 1; i < n; i++ {
		c.dec[i] = diffuse(ek[n-i])
	}
	c.dec[n] = ek[0]
}

// crypt runs the n-round ARIA data randomizing part with round keys rk
// (len(rk) == n+1): odd rounds FO, even rounds FE, and a final round with
// substitution layer 2 but no diffusion.
func crypt(dst, src []byte, rk []block) {
	var x block
	copy(x[:], src[:BlockSize])
	n := len(rk) - 1
	for i := 0; i < n-1; i++ {
		if i%2 == 0 {
			x = fo(x, rk[i])
		} else {
			x = fe(x, rk[i])
		}
	}
	x = xor(x, rk[n-1])
	sl2(&x)
	x = xor(x, rk[n])
	copy(dst[:BlockSize], x[:])
}

// fo is the odd round function: substitution layer 1 then diffusion.
func fo(d, rk block) block {
	x := xor(d, rk)
	sl1(&x)
	return diffuse(x)
}

// fe is the even round function: substitution layer 2 then diffusion.
func fe(d, rk block) block {
	x := xor(d, rk)
	sl2(&x)
	return diffuse(x)
}

// sl1 is substitution layer type 1: SB1, SB2, SB3, SB4 repeated.
func sl1(x *block) {
	for i := 0; i < 16; i += 4 {
		x[i] = sb1[x[i]]
		x[i+1] = sb2[x[i+1]]
		x[i+2] = sb3[x[i+2]]
		x[i+3] = sb4[x[i+3]]
	}
}

// sl2 is substitution layer type 2 (the inverse of type 1): SB3, SB4, SB1,
// SB2 repeated.
func sl2(x *block) {
	for i := 0; i < 16; i += 4 {
		x[i] = sb3[x[i]]
		x[i+1] = sb4[x[i+1]]
		x[i+2] = sb1[x[i+2]]
		x[i+3] = sb2[x[i+3]]
	}
}

// diffuse is the diffusion layer A of RFC 5794 section 2.4.3, an
// involutional 16x16 binary matrix.
func diffuse(x block) (y block) {
	y[0] = x[3] ^ x[4] ^ x[6] ^ x[8] ^ x[9] ^ x[13] ^ x[14]
	y[1] = x[2] ^ x[5] ^ x[7] ^ x[8] ^ x[9] ^ x[12] ^ x[15]
	y[2] = x[1] ^ x[4] ^ x[6] ^ x[10] ^ x[11] ^ x[12] ^ x[15]
	y[3] = x[0] ^ x[5] ^ x[7] ^ x[10] ^ x[11] ^ x[13] ^ x[14]
	y[4] = x[0] ^ x[2] ^ x[5] ^ x[8] ^ x[11] ^ x[14] ^ x[15]
	y[5] = x[1] ^ x[3] ^ x[4] ^ x[9] ^ x[10] ^ x[14] ^ x[15]
	y[6] = x[0] ^ x[2] ^ x[7] ^ x[9] ^ x[10] ^ x[12] ^ x[13]
	y[7] = x[1] ^ x[3] ^ x[6] ^ x[8] ^ x[11] ^ x[12] ^ x[13]
	y[8] = x[0] ^ x[1] ^ x[4] ^ x[7] ^ x[10] ^ x[13] ^ x[15]
	y[9] = x[0] ^ x[1] ^ x[5] ^ x[6] ^ x[11] ^ x[12] ^ x[14]
	y[10] = x[2] ^ x[3] ^ x[5] ^ x[6] ^ x[8] ^ x[13] ^ x[15]
	y[11] = x[2] ^ x[3] ^ x[4] ^ x[7] ^ x[9] ^ x[12] ^ x[14]
	y[12] = x[1] ^ x[2] ^ x[6] ^ x[7] ^ x[9] ^ x[11] ^ x[12]
	y[13] = x[0] ^ x[3] ^ x[6] ^ x[7] ^ x[8] ^ x[10] ^ x[13]
	y[14] = x[0] ^ x[3] ^ x[4] ^ x[5] ^ x[9] ^ x[11] ^ x[14]
	y[15] = x[1] ^ x[2] ^ x[4] ^ x[5] ^ x[8] ^ x[10] ^ x[15]
	return y
}

func xor(a, b block) block {
	for i := range a {
		a[i] ^= b[i]
	}
	return a
}

// words splits a block into its big-endian high and low 64-bit halves.
func words(b block) [2]uint64 {
	return [2]uint64{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func fromWords(w [2]uint64) (b block) {
	binary.BigEndian.PutUint64(b[:8], w[0])
	binary.BigEndian.PutUint64(b[8:], w[1])
	return b
}

func xorw(a, b [2]uint64) [2]uint64 { return [2]uint64{a[0] ^ b[0], a[1] ^ b[1]} }

// rotr rotates the 128-bit value w right by n bits (0 < n < 128).
func rotr(w [2]uint64, n uint) [2]uint64 {
	hi, lo := w[0], w[1]
	if n >= 64 {
		hi, lo = lo, hi
		n -= 64
	}
	if n == 0 {
		return [2]uint64{hi, lo}
	}
	return [2]uint64{hi>>n | lo<<(64-n), lo>>n | hi<<(64-n)}
}
