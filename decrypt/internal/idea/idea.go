package idea

import (
	"crypto/cipher"
	"encoding/binary"
	"strconv"
)

// BlockSize is the IDEA block size in bytes.
const BlockSize = 8

// KeySize is the IDEA key size in bytes.
const KeySize = 16

// KeySizeError is returned by NewCipher for a key that is not 16 bytes long.
type KeySizeError int

func (k KeySizeError) Error() string {
	return "idea: invalid key size " + strconv.Itoa(int(k))
}

const rounds = 8

// subkeys are the 52 16-bit subkeys of one direction: six for each of the
// eight rounds, then four for the output transformation.
type subkeys [6*rounds + 4]uint16

type ideaCipher struct {
	enc, dec subkeys
}

// NewCipher returns an IDEA cipher.Block for a 16-byte key.
func NewCipher(key []byte) (cipher.Block, error) {
	if len(key) != KeySize {
		return nil, KeySizeError(len(key))
	}
	c := new(ideaCipher)
	c.expandKey(key)
	return c, nil
}

func (c *ideaCipher) BlockSize() int { return BlockSize }

func (c *ideaCipher) Encrypt(dst, src []byte) {
	if len(src) < BlockSize {
		panic("idea: input not full block")
	}
	if len(dst) < BlockSize {
		panic("idea: output not full block")
	}
	crypt(&c.enc, dst, src)
}

func (c *ideaCipher) Decrypt(dst, src []byte) {
	if len(src) < BlockSize {
		panic("idea: input not full block")
	}
	if len(dst) < BlockSize {
		panic("idea: output not full block")
	}
	crypt(&c.dec, dst, src)
}

// mul is multiplication modulo 2^16+1, with 0 standing for 2^16.
func mul(a, b uint16) uint16 {
	if a == 0 {
		// 2^16 * b = -b (mod 2^16+1); for b = 0 as well: (-1)(-1) = 1.
		return 1 - b
	}
	if b == 0 {
		return 1 - a
	}
	p := uint32(a) * uint32(b)
	lo, hi := p&0xffff, p>>16
	// p = hi*2^16 + lo = lo - hi (mod 2^16+1).
	if lo >= hi {
		return uint16(lo - hi) // lo-hi = 2^16 cannot happen: lo < 2^16
	}
	return uint16(lo - hi + 0x10001)
}

// mulInv is the inverse of x for mul; 0 (2^16 = -1) and 1 are their own.
func mulInv(x uint16) uint16 {
	if x <= 1 {
		return x
	}
	// Fermat: x^(p-2) mod p for the prime p = 2^16+1.
	r, b := uint16(1), x
	for e := uint32(0x10001 - 2); e > 0; e >>= 1 {
		if e&1 != 0 {
			r = mul(r, b)
		}
		b = mul(b, b)
	}
	return r
}

// expandKey generates the encryption subkeys (the key's eight words, then
// the key rotated left by 25 bits for the next eight, and so on) and the
// decryption subkeys derived from them.
func (c *ideaCipher) expandKey(key []byte) {
	hi := binary.BigEndian.Uint64(key[0:])
	lo := binary.BigEndian.Uint64(key[8:])
	e := &c.enc
	for i := 0; i < len(e); i += 8 {
		for j := 0; j < 8 && i+j < len(e); j++ {
			w := hi
			if j >= 4 {
				w = lo
			}
			e[i+j] = uint16(w >> (48 - 16*uint(j%4)))
		}
		hi, lo = hi<<25|lo>>39, lo<<25|hi>>39
	}

	// Decryption round r (0-based) undoes encryption round 7-r: it uses the
	// inverses of the multiplication/addition keys that follow that round
	// (the output transformation's for r = 0, else those of round 8-r, with
	// the two additive ones exchanged because of the exchange of the middle
	// words) and the MA-structure keys of round 7-r itself.
	d := &c.dec
	for r := 0; r <= rounds; r++ {
		s := 6 * (rounds - r) // first key of the layer being undone
		a, b := 1, 2
		if r != 0 && r != rounds {
			a, b = 2, 1
		}
		d[6*r] = mulInv(e[s])
		d[6*r+1] = -e[s+a]
		d[6*r+2] = -e[s+b]
		d[6*r+3] = mulInv(e[s+3])
		if r < rounds {
			d[6*r+4] = e[s-2]
			d[6*r+5] = e[s-1]
		}
	}
}

// crypt applies eight rounds and the output transformation with subkeys z.
func crypt(z *subkeys, dst, src []byte) {
	x1 := binary.BigEndian.Uint16(src[0:BlockSize])
	x2 := binary.BigEndian.Uint16(src[2:BlockSize])
	x3 := binary.BigEndian.Uint16(src[4:BlockSize])
	x4 := binary.BigEndian.Uint16(src[6:BlockSize])
	for r := 0; r < rounds; r++ {
		k := z[6*r : 6*r+6]
		x1 = mul(x1, k[0])
		x2 += k[1]
		x3 += k[2]
		x4 = mul(x4, k[3])
		// Multiplication-addition (MA) structure.
		t0 := mul(x1^x3, k[4])
		t1 := mul(t0+(x2^x4), k[5])
		t0 += t1
		x1 ^= t1
		x4 ^= t0
		// The middle words are exchanged.
		x2, x3 = x3^t1, x2^t0
	}
	// Output transformation, which undoes the last exchange.
	k := z[6*rounds:]
	binary.BigEndian.PutUint16(dst[0:BlockSize], mul(x1, k[0]))
	binary.BigEndian.PutUint16(dst[2:BlockSize], x3+k[1])
	binary.BigEndian.PutUint16(dst[4:BlockSize], x2+k[2])
	binary.BigEndian.PutUint16(dst[6:BlockSize], mul(x4, k[3]))
}
