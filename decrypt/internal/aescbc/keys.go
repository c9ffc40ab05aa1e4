package aescbc

import (
	"encoding/binary"
	"math/bits"
)

// sbox is the AES S-box (FIPS 197 section 5.1.1), computed when the
// package initialises: the multiplicative inverse in GF(2^8) (modulo
// x^8+x^4+x^3+x+1, 0 mapping to 0) followed by the affine map
// b ^ rotl(b,1) ^ rotl(b,2) ^ rotl(b,3) ^ rotl(b,4) ^ 0x63.
var sbox [256]byte

// invMix is InvMixColumns of a column with the byte in row 0 and zeros
// below: (14x, 9x, 13x, 11x) from the most significant byte, computed at
// init. A byte in row r contributes the same word rotated right by 8r
// bits.
var invMix [256]uint32

func init() {
	for x := 0; x < 256; x++ {
		b := gfInverse(byte(x))
		sbox[x] = b ^ rotl8(b, 1) ^ rotl8(b, 2) ^ rotl8(b, 3) ^ rotl8(b, 4) ^ 0x63
		a := byte(x)
		invMix[x] = uint32(gfMul(a, 14))<<24 | uint32(gfMul(a, 9))<<16 | uint32(gfMul(a, 13))<<8 | uint32(gfMul(a, 11))
	}
}

func rotl8(b byte, n uint) byte { return b<<n | b>>(8-n) }

// xtime multiplies by x in GF(2^8).
func xtime(b byte) byte {
	if b&0x80 != 0 {
		return b<<1 ^ 0x1b
	}
	return b << 1
}

// gfMul multiplies a and b in GF(2^8).
func gfMul(a, b byte) byte {
	var p byte
	for b != 0 {
		if b&1 != 0 {
			p ^= a
		}
		a = xtime(a)
		b >>= 1
	}
	return p
}

// gfInverse returns a^254, the inverse of a (0 for 0).
func gfInverse(a byte) byte {
	r := byte(1)
	for e := 254; e > 0; e >>= 1 {
		if e&1 != 0 {
			r = gfMul(r, a)
		}
		a = gfMul(a, a)
	}
	return r
}

func subWord(w uint32) uint32 {
	return uint32(sbox[w>>24])<<24 | uint32(sbox[w>>16&0xff])<<16 | uint32(sbox[w>>8&0xff])<<8 | uint32(sbox[w&0xff])
}

// expandKey is the AES key expansion of FIPS 197 section 5.2: the
// 4*(rounds+1) words of the encryption key schedule for a 16, 24 or 32
// byte key. It panics on any other length (callers check).
func expandKey(key []byte) (w []uint32, rounds int) {
	nk := len(key) / 4
	if len(key) != 16 && len(key) != 24 && len(key) != 32 {
		panic("aescbc: bad key length")
	}
	rounds = nk + 6
	w = make([]uint32, 4*(rounds+1))
	for i := 0; i < nk; i++ {
		w[i] = binary.BigEndian.Uint32(key[4*i:])
	}
	rcon := byte(1)
	for i := nk; i < len(w); i++ {
		t := w[i-1]
		switch {
		case i%nk == 0:
			t = subWord(t<<8|t>>24) ^ uint32(rcon)<<24
			rcon = xtime(rcon)
		case nk > 6 && i%nk == 4:
			t = subWord(t)
		}
		w[i] = w[i-nk] ^ t
	}
	return w, rounds
}

// invMixColumn is InvMixColumns (FIPS 197 section 5.3.3) of one column,
// the word's bytes from the most significant being rows 0 to 3.
func invMixColumn(w uint32) uint32 {
	return invMix[w>>24] ^ bits.RotateLeft32(invMix[w>>16&0xff], -8) ^
		bits.RotateLeft32(invMix[w>>8&0xff], -16) ^ bits.RotateLeft32(invMix[w&0xff], -24)
}

// invMixColumnSlow is invMixColumn by its definition, GF(2^8)
// multiplications one by one (for the tests).
func invMixColumnSlow(w uint32) uint32 {
	a0, a1, a2, a3 := byte(w>>24), byte(w>>16), byte(w>>8), byte(w)
	b0 := gfMul(a0, 14) ^ gfMul(a1, 11) ^ gfMul(a2, 13) ^ gfMul(a3, 9)
	b1 := gfMul(a0, 9) ^ gfMul(a1, 14) ^ gfMul(a2, 11) ^ gfMul(a3, 13)
	b2 := gfMul(a0, 13) ^ gfMul(a1, 9) ^ gfMul(a2, 14) ^ gfMul(a3, 11)
	b3 := gfMul(a0, 11) ^ gfMul(a1, 13) ^ gfMul(a2, 9) ^ gfMul(a3, 14)
	return uint32(b0)<<24 | uint32(b1)<<16 | uint32(b2)<<8 | uint32(b3)
}

// decryptionKeys writes the round keys of the equivalent inverse cipher
// (FIPS 197 section 5.3.5) into rk as the AES-NI instructions take them,
// 16 bytes a round in state byte order: round 0 is the last encryption
// round key, rounds 1 to rounds-1 are the encryption round keys in reverse
// order with InvMixColumns applied, and the last is the cipher key's first
// round key. It returns the number of rounds.
func decryptionKeys(rk *[maxRounds + 1][BlockSize]byte, key []byte) int {
	w, rounds := expandKey(key)
	for r := 0; r <= rounds; r++ {
		src := w[4*(rounds-r) : 4*(rounds-r)+4]
		for c, word := range src {
			if r > 0 && r < rounds {
				word = invMixColumn(word)
			}
			binary.BigEndian.PutUint32(rk[r][4*c:], word)
		}
	}
	return rounds
}
