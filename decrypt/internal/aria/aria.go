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
//
// The state is kept as two big-endian 64-bit halves. Because the diffusion
// layer A is a binary matrix, A(SL(x)) is the XOR over the input bytes i
// of SB(x_i) copied into the output bytes of column i of A; colHi/colLo
// hold those columns as byte masks.
func crypt(dst, src []byte, rk []block) {
	hi := binary.BigEndian.Uint64(src[0:BlockSize])
	lo := binary.BigEndian.Uint64(src[8:BlockSize])
	n := len(rk) - 1
	for i := 0; i < n-1; i++ {
		k := &rk[i]
		hi ^= binary.BigEndian.Uint64(k[0:])
		lo ^= binary.BigEndian.Uint64(k[8:])
		if i%2 == 0 {
			hi, lo = substDiffuse(hi, lo, &sb1, &sb2, &sb3, &sb4) // SL1
		} else {
			hi, lo = substDiffuse(hi, lo, &sb3, &sb4, &sb1, &sb2) // SL2
		}
	}
	var x block
	binary.BigEndian.PutUint64(x[0:], hi)
	binary.BigEndian.PutUint64(x[8:], lo)
	xorInto(&x, &rk[n-1])
	sl2(&x)
	xorInto(&x, &rk[n])
	copy(dst[:BlockSize], x[:])
}

// colHi[i], colLo[i] are column i of the diffusion matrix A as byte masks:
// A applied to the block whose only non-zero byte is x_i = 0xff.
var colHi, colLo [16]uint64

func init() {
	for i := 0; i < 16; i++ {
		var e block
		e[i] = 0xff
		w := words(diffuse(e))
		colHi[i], colLo[i] = w[0], w[1]
	}
}

// substDiffuse computes A(SL(x)) for the state (hi, lo), where SL applies
// s0, s1, s2, s3 to the bytes at positions 0, 1, 2, 3 mod 4.
func substDiffuse(hi, lo uint64, s0, s1, s2, s3 *[256]byte) (yh, yl uint64) {
	const rep = 0x0101010101010101
	var r uint64
	r = uint64(s0[byte(hi>>56)]) * rep
	yh ^= r & colHi[0]
	yl ^= r & colLo[0]
	r = uint64(s1[byte(hi>>48)]) * rep
	yh ^= r & colHi[1]
	yl ^= r & colLo[1]
	r = uint64(s2[byte(hi>>40)]) * rep
	yh ^= r & colHi[2]
	yl ^= r & colLo[2]
	r = uint64(s3[byte(hi>>32)]) * rep
	yh ^= r & colHi[3]
	yl ^= r & colLo[3]
	r = uint64(s0[byte(hi>>24)]) * rep
	yh ^= r & colHi[4]
	yl ^= r & colLo[4]
	r = uint64(s1[byte(hi>>16)]) * rep
	yh ^= r & colHi[5]
	yl ^= r & colLo[5]
	r = uint64(s2[byte(hi>>8)]) * rep
	yh ^= r & colHi[6]
	yl ^= r & colLo[6]
	r = uint64(s3[byte(hi>>0)]) * rep
	yh ^= r & colHi[7]
	yl ^= r & colLo[7]
	r = uint64(s0[byte(lo>>56)]) * rep
	yh ^= r & colHi[8]
	yl ^= r & colLo[8]
	r = uint64(s1[byte(lo>>48)]) * rep
	yh ^= r & colHi[9]
	yl ^= r & colLo[9]
	r = uint64(s2[byte(lo>>40)]) * rep
	yh ^= r & colHi[10]
	yl ^= r & colLo[10]
	r = uint64(s3[byte(lo>>32)]) * rep
	yh ^= r & colHi[11]
	yl ^= r & colLo[11]
	r = uint64(s0[byte(lo>>24)]) * rep
	yh ^= r & colHi[12]
	yl ^= r & colLo[12]
	r = uint64(s1[byte(lo>>16)]) * rep
	yh ^= r & colHi[13]
	yl ^= r & colLo[13]
	r = uint64(s2[byte(lo>>8)]) * rep
	yh ^= r & colHi[14]
	yl ^= r & colLo[14]
	r = uint64(s3[byte(lo>>0)]) * rep
	yh ^= r & colHi[15]
	yl ^= r & colLo[15]
	return yh, yl
}

func xorInto(x, k *block) {
	for i := range x {
		x[i] ^= k[i]
	}
}

// diffuseInPlace applies the diffusion layer A to *x:
// y0 = x3 ^ x4 ^ x6 ^ x8 ^ x9 ^ x13 ^ x14 and so on, as in RFC 5794
// section 2.4.3.
func diffuseInPlace(x *block) {
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	x4, x5, x6, x7 := x[4], x[5], x[6], x[7]
	x8, x9, x10, x11 := x[8], x[9], x[10], x[11]
	x12, x13, x14, x15 := x[12], x[13], x[14], x[15]
	x[0] = x3 ^ x4 ^ x6 ^ x8 ^ x9 ^ x13 ^ x14
	x[1] = x2 ^ x5 ^ x7 ^ x8 ^ x9 ^ x12 ^ x15
	x[2] = x1 ^ x4 ^ x6 ^ x10 ^ x11 ^ x12 ^ x15
	x[3] = x0 ^ x5 ^ x7 ^ x10 ^ x11 ^ x13 ^ x14
	x[4] = x0 ^ x2 ^ x5 ^ x8 ^ x11 ^ x14 ^ x15
	x[5] = x1 ^ x3 ^ x4 ^ x9 ^ x10 ^ x14 ^ x15
	x[6] = x0 ^ x2 ^ x7 ^ x9 ^ x10 ^ x12 ^ x13
	x[7] = x1 ^ x3 ^ x6 ^ x8 ^ x11 ^ x12 ^ x13
	x[8] = x0 ^ x1 ^ x4 ^ x7 ^ x10 ^ x13 ^ x15
	x[9] = x0 ^ x1 ^ x5 ^ x6 ^ x11 ^ x12 ^ x14
	x[10] = x2 ^ x3 ^ x5 ^ x6 ^ x8 ^ x13 ^ x15
	x[11] = x2 ^ x3 ^ x4 ^ x7 ^ x9 ^ x12 ^ x14
	x[12] = x1 ^ x2 ^ x6 ^ x7 ^ x9 ^ x11 ^ x12
	x[13] = x0 ^ x3 ^ x6 ^ x7 ^ x8 ^ x10 ^ x13
	x[14] = x0 ^ x3 ^ x4 ^ x5 ^ x9 ^ x11 ^ x14
	x[15] = x1 ^ x2 ^ x4 ^ x5 ^ x8 ^ x10 ^ x15
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
// involutional 16x16 binary matrix (see diffuseInPlace for the equations).
func diffuse(x block) block {
	diffuseInPlace(&x)
	return x
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
