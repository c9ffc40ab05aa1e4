package seed

import (
	"crypto/cipher"
	"encoding/binary"
	"strconv"
)

// BlockSize is the SEED block size in bytes.
const BlockSize = 16

// KeySize is the SEED key size in bytes.
const KeySize = 16

// KeySizeError is returned by NewCipher for a key that is not 16 bytes long.
type KeySizeError int

func (k KeySizeError) Error() string {
	return "seed: invalid key size " + strconv.Itoa(int(k))
}

type seedCipher struct {
	// rk[2i], rk[2i+1] are Ki,0 and Ki,1 of round i+1.
	rk [32]uint32
}

// NewCipher returns a SEED cipher.Block for a 16-byte key.
func NewCipher(key []byte) (cipher.Block, error) {
	if len(key) != KeySize {
		return nil, KeySizeError(len(key))
	}
	c := new(seedCipher)
	c.expandKey(key)
	return c, nil
}

func (c *seedCipher) BlockSize() int { return BlockSize }

// g is the G function of RFC 4269 section 2.2.
func g(x uint32) uint32 {
	return ss0[byte(x)] ^ ss1[byte(x>>8)] ^ ss2[byte(x>>16)] ^ ss3[byte(x>>24)]
}

// expandKey is the key schedule of RFC 4269 section 2.3.
func (c *seedCipher) expandKey(key []byte) {
	k0 := binary.BigEndian.Uint32(key[0:])
	k1 := binary.BigEndian.Uint32(key[4:])
	k2 := binary.BigEndian.Uint32(key[8:])
	k3 := binary.BigEndian.Uint32(key[12:])
	for i := 0; i < 16; i++ {
		c.rk[2*i] = g(k0 + k2 - kc[i])
		c.rk[2*i+1] = g(k1 - k3 + kc[i])
		if i%2 == 0 {
			// Rounds 1, 3, ...: Key0 || Key1 >>= 8 (rotate right).
			k0, k1 = k0>>8|k1<<24, k1>>8|k0<<24
		} else {
			// Rounds 2, 4, ...: Key2 || Key3 <<= 8 (rotate left).
			k2, k3 = k2<<8|k3>>24, k3<<8|k2>>24
		}
	}
}

// f is the F function of RFC 4269 section 2.1 on the right half (r0, r1)
// with round key (k0, k1).
func f(r0, r1, k0, k1 uint32) (uint32, uint32) {
	c := r0 ^ k0
	d := r1 ^ k1
	d ^= c
	d = g(d)
	c += d
	c = g(c)
	d += c
	d = g(d)
	c += d
	return c, d
}

func (c *seedCipher) Encrypt(dst, src []byte) {
	if len(src) < BlockSize {
		panic("seed: input not full block")
	}
	if len(dst) < BlockSize {
		panic("seed: output not full block")
	}
	c.crypt(dst, src, false)
}

func (c *seedCipher) Decrypt(dst, src []byte) {
	if len(src) < BlockSize {
		panic("seed: input not full block")
	}
	if len(dst) < BlockSize {
		panic("seed: output not full block")
	}
	c.crypt(dst, src, true)
}

// crypt runs the 16 Feistel rounds: (L, R) -> (R, L ^ F(K, R)), without the
// exchange after the last round. Decryption uses the round keys in reverse.
func (c *seedCipher) crypt(dst, src []byte, decrypt bool) {
	l0 := binary.BigEndian.Uint32(src[0:BlockSize])
	l1 := binary.BigEndian.Uint32(src[4:BlockSize])
	r0 := binary.BigEndian.Uint32(src[8:BlockSize])
	r1 := binary.BigEndian.Uint32(src[12:BlockSize])
	for i := 0; i < 16; i++ {
		j := i
		if decrypt {
			j = 15 - i
		}
		t0, t1 := f(r0, r1, c.rk[2*j], c.rk[2*j+1])
		l0 ^= t0
		l1 ^= t1
		if i < 15 {
			l0, l1, r0, r1 = r0, r1, l0, l1
		}
	}
	binary.BigEndian.PutUint32(dst[0:BlockSize], l0)
	binary.BigEndian.PutUint32(dst[4:BlockSize], l1)
	binary.BigEndian.PutUint32(dst[8:BlockSize], r0)
	binary.BigEndian.PutUint32(dst[12:BlockSize], r1)
}
