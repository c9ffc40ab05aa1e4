package camellia

import (
	"crypto/cipher"
	"encoding/binary"
	"math/bits"
	"strconv"
)

// BlockSize is the Camellia block size in bytes.
const BlockSize = 16

// KeySizeError is returned by NewCipher for a key that is not 16, 24 or 32
// bytes long.
type KeySizeError int

func (k KeySizeError) Error() string {
	return "camellia: invalid key size " + strconv.Itoa(int(k))
}

// subkeys holds one direction's subkeys in the order the data randomizing
// part of RFC 3713 section 2.3 consumes them.
type subkeys struct {
	kw [4]uint64  // kw1..kw4
	k  [24]uint64 // k1..k18 or k1..k24
	ke [6]uint64  // ke1..ke4 or ke1..ke6
}

type camelliaCipher struct {
	rounds int // 18 for 128-bit keys, 24 otherwise
	enc    subkeys
	dec    subkeys
}

// NewCipher returns a Camellia cipher.Block for a 16-, 24- or 32-byte key.
func NewCipher(key []byte) (cipher.Block, error) {
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, KeySizeError(len(key))
	}
	c := new(camelliaCipher)
	c.expandKey(key)
	return c, nil
}

func (c *camelliaCipher) BlockSize() int { return BlockSize }

func (c *camelliaCipher) Encrypt(dst, src []byte) {
	if len(src) < BlockSize {
		panic("camellia: input not full block")
	}
	if len(dst) < BlockSize {
		panic("camellia: output not full block")
	}
	c.crypt(&c.enc, dst, src)
}

func (c *camelliaCipher) Decrypt(dst, src []byte) {
	if len(src) < BlockSize {
		panic("camellia: input not full block")
	}
	if len(dst) < BlockSize {
		panic("camellia: output not full block")
	}
	c.crypt(&c.dec, dst, src)
}

// u128 is a 128-bit value as big-endian (high, low) halves.
type u128 struct{ hi, lo uint64 }

// rotl rotates x left by n bits, 0 <= n < 128.
func (x u128) rotl(n uint) u128 {
	if n >= 64 {
		x.hi, x.lo = x.lo, x.hi
		n -= 64
	}
	if n == 0 {
		return x
	}
	return u128{x.hi<<n | x.lo>>(64-n), x.lo<<n | x.hi>>(64-n)}
}

// expandKey is the key scheduling part of RFC 3713 section 2.2.
func (c *camelliaCipher) expandKey(key []byte) {
	kl := u128{binary.BigEndian.Uint64(key[0:]), binary.BigEndian.Uint64(key[8:])}
	var kr u128
	switch len(key) {
	case 24:
		kr.hi = binary.BigEndian.Uint64(key[16:])
		kr.lo = ^kr.hi
	case 32:
		kr.hi = binary.BigEndian.Uint64(key[16:])
		kr.lo = binary.BigEndian.Uint64(key[24:])
	}

	d1, d2 := kl.hi^kr.hi, kl.lo^kr.lo
	d2 ^= f(d1, sigma1)
	d1 ^= f(d2, sigma2)
	d1 ^= kl.hi
	d2 ^= kl.lo
	d2 ^= f(d1, sigma3)
	d1 ^= f(d2, sigma4)
	ka := u128{d1, d2}

	e := &c.enc
	// set stores the two halves of x <<< n in dst[0] and dst[1].
	set := func(dst []uint64, x u128, n uint) {
		r := x.rotl(n)
		dst[0], dst[1] = r.hi, r.lo
	}
	if len(key) == 16 {
		c.rounds = 18
		set(e.kw[0:], kl, 0)
		set(e.k[0:], ka, 0)
		set(e.k[2:], kl, 15)
		set(e.k[4:], ka, 15)
		set(e.ke[0:], ka, 30)
		set(e.k[6:], kl, 45)
		e.k[8] = ka.rotl(45).hi
		e.k[9] = kl.rotl(60).lo
		set(e.k[10:], ka, 60)
		set(e.ke[2:], kl, 77)
		set(e.k[12:], kl, 94)
		set(e.k[14:], ka, 94)
		set(e.k[16:], kl, 111)
		set(e.kw[2:], ka, 111)
	} else {
		c.rounds = 24
		d1, d2 = ka.hi^kr.hi, ka.lo^kr.lo
		d2 ^= f(d1, sigma5)
		d1 ^= f(d2, sigma6)
		kb := u128{d1, d2}
		set(e.kw[0:], kl, 0)
		set(e.k[0:], kb, 0)
		set(e.k[2:], kr, 15)
		set(e.k[4:], ka, 15)
		set(e.ke[0:], kr, 30)
		set(e.k[6:], kb, 30)
		set(e.k[8:], kl, 45)
		set(e.k[10:], ka, 45)
		set(e.ke[2:], kl, 60)
		set(e.k[12:], kr, 60)
		set(e.k[14:], kb, 60)
		set(e.k[16:], kl, 77)
		set(e.ke[4:], ka, 77)
		set(e.k[18:], kr, 94)
		set(e.k[20:], ka, 94)
		set(e.k[22:], kl, 111)
		set(e.kw[2:], kb, 111)
	}

	// Decryption is encryption with the subkeys reversed (RFC 3713
	// section 2.3): kw1<->kw3, kw2<->kw4, k(i)<->k(n+1-i), ke(i)<->ke(m+1-i).
	d := &c.dec
	d.kw = [4]uint64{e.kw[2], e.kw[3], e.kw[0], e.kw[1]}
	for i := 0; i < c.rounds; i++ {
		d.k[i] = e.k[c.rounds-1-i]
	}
	nke := 4 // ke1..ke4 for 18 rounds, ke1..ke6 for 24
	if c.rounds == 24 {
		nke = 6
	}
	for i := 0; i < nke; i++ {
		d.ke[i] = e.ke[nke-1-i]
	}
}

// crypt is the data randomizing part of RFC 3713 section 2.3, for either
// direction depending on the subkeys.
func (c *camelliaCipher) crypt(s *subkeys, dst, src []byte) {
	d1 := binary.BigEndian.Uint64(src[0:BlockSize])
	d2 := binary.BigEndian.Uint64(src[8:BlockSize])
	d1 ^= s.kw[0] // prewhitening
	d2 ^= s.kw[1]
	for i := 0; i < c.rounds; i += 2 {
		if i > 0 && i%6 == 0 {
			d1 = fl(d1, s.ke[i/3-2])
			d2 = flinv(d2, s.ke[i/3-1])
		}
		d2 ^= f(d1, s.k[i])
		d1 ^= f(d2, s.k[i+1])
	}
	d2 ^= s.kw[2] // postwhitening
	d1 ^= s.kw[3]
	binary.BigEndian.PutUint64(dst[0:BlockSize], d2)
	binary.BigEndian.PutUint64(dst[8:BlockSize], d1)
}

// f is the F-function of RFC 3713 section 2.4.1: S-function then
// P-function, both folded into the sp tables.
func f(in, ke uint64) uint64 {
	x := in ^ ke
	return sp[0][byte(x>>56)] ^ sp[1][byte(x>>48)] ^ sp[2][byte(x>>40)] ^
		sp[3][byte(x>>32)] ^ sp[4][byte(x>>24)] ^ sp[5][byte(x>>16)] ^
		sp[6][byte(x>>8)] ^ sp[7][byte(x)]
}

// fl is the FL-function of RFC 3713 section 2.4.2.
func fl(in, ke uint64) uint64 {
	x1, x2 := uint32(in>>32), uint32(in)
	k1, k2 := uint32(ke>>32), uint32(ke)
	x2 ^= bits.RotateLeft32(x1&k1, 1)
	x1 ^= x2 | k2
	return uint64(x1)<<32 | uint64(x2)
}

// flinv is the FLINV-function of RFC 3713 section 2.4.3, the inverse of fl.
func flinv(in, ke uint64) uint64 {
	y1, y2 := uint32(in>>32), uint32(in)
	k1, k2 := uint32(ke>>32), uint32(ke)
	y1 ^= y2 | k2
	y2 ^= bits.RotateLeft32(y1&k1, 1)
	return uint64(y1)<<32 | uint64(y2)
}
