package aescbc

import (
	"crypto/aes"
	"crypto/cipher"
	"unsafe"
)

// BlockSize is the AES block size in bytes.
const BlockSize = 16

const maxRounds = 14

// Decrypter is an AES-CBC decrypter: a cipher.BlockMode whose IV can be
// set again (SetIV), like the one crypto/cipher.NewCBCDecrypter returns.
// A Decrypter is not safe for concurrent use.
type Decrypter struct {
	rk     [maxRounds + 1][BlockSize]byte // decryption round keys (fast path)
	rounds int
	iv     [BlockSize]byte
	// generic is crypto/cipher's CBC decrypter where the fast path is not
	// built in or the CPU lacks AES instructions; nil otherwise.
	generic interface {
		cipher.BlockMode
		SetIV([]byte)
	}
}

// Fast reports whether this binary on this CPU decrypts with the
// pipelined AES-NI code (amd64 with AES) rather than crypto/cipher's
// block-at-a-time CBC decrypter.
func Fast() bool { return useAsm }

// NewDecrypter returns an AES-CBC decrypter for a 16, 24 or 32 byte key
// and a 16-byte IV. A key of another length gives aes.KeySizeError; an IV
// of another length panics, as crypto/cipher.NewCBCDecrypter does.
func NewDecrypter(key, iv []byte) (*Decrypter, error) {
	return newDecrypter(key, iv, !useAsm)
}

// newDecrypter is NewDecrypter, with generic forcing crypto/cipher's
// decrypter (for tests of the fallback).
func newDecrypter(key, iv []byte, generic bool) (*Decrypter, error) {
	if len(iv) != BlockSize {
		panic("aescbc: IV length must equal block size")
	}
	d := &Decrypter{}
	if generic || !useAsm {
		b, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		d.generic = cipher.NewCBCDecrypter(b, iv).(interface {
			cipher.BlockMode
			SetIV([]byte)
		})
		return d, nil
	}
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, aes.KeySizeError(len(key))
	}
	d.rounds = decryptionKeys(&d.rk, key)
	copy(d.iv[:], iv)
	return d, nil
}

// BlockSize returns the cipher's block size, 16.
func (d *Decrypter) BlockSize() int { return BlockSize }

// SetIV sets the IV for the next CryptBlocks; it panics unless len(iv) is
// 16.
func (d *Decrypter) SetIV(iv []byte) {
	if len(iv) != BlockSize {
		panic("aescbc: incorrect length IV")
	}
	if d.generic != nil {
		d.generic.SetIV(iv)
		return
	}
	copy(d.iv[:], iv)
}

// CryptBlocks decrypts src into dst. len(src) must be a multiple of 16,
// dst at least as long, and the two must be the same memory or not
// overlap; otherwise it panics. The IV becomes the last ciphertext block,
// so that consecutive calls decrypt one chain.
func (d *Decrypter) CryptBlocks(dst, src []byte) {
	if len(src)%BlockSize != 0 {
		panic("aescbc: input not full blocks")
	}
	if len(dst) < len(src) {
		panic("aescbc: output smaller than input")
	}
	if inexactOverlap(dst[:len(src)], src) {
		panic("aescbc: invalid buffer overlap")
	}
	if len(src) == 0 {
		return
	}
	if d.generic != nil {
		d.generic.CryptBlocks(dst, src)
		return
	}
	decryptBlocks(&d.rk[0][0], d.rounds, &d.iv, &dst[0], &src[0], len(src)/BlockSize)
}

// inexactOverlap reports whether x and y (both non-empty to matter) share
// memory without starting at the same byte.
func inexactOverlap(x, y []byte) bool {
	if len(x) == 0 || len(y) == 0 {
		return false
	}
	px, py := uintptr(unsafe.Pointer(&x[0])), uintptr(unsafe.Pointer(&y[0]))
	if px == py {
		return false
	}
	return px < py+uintptr(len(y)) && py < px+uintptr(len(x))
}
