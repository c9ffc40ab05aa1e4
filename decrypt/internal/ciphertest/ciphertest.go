package ciphertest

import (
	"bytes"
	"crypto/cipher"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// New makes a cipher from a key, as the NewCipher of every cipher under
// decrypt/internal does (RC2's through a closure that fixes the effective
// key length).
type New func(key []byte) (cipher.Block, error)

// Vector is a known answer, hex-encoded: key, plaintext, ciphertext. It is
// an array, not a struct, so that the ciphers' tables of vectors can stay
// as they are written, three strings a row.
type Vector [3]string

// Unhex decodes s or fails the test.
func Unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// KnownAnswers checks every vector with KnownAnswer, naming each in
// failure messages by its place in vectors (from 1) and its key.
func KnownAnswers(t testing.TB, newCipher New, blockSize int, vectors []Vector) {
	t.Helper()
	for i, v := range vectors {
		KnownAnswer(t, newCipher, blockSize, fmt.Sprintf("vector %d, key %s", i+1, v[0]), v)
	}
}

// KnownAnswer checks, naming the vector name in failure messages, that the
// cipher made from v's key has the block size blockSize, encrypts v's
// plaintext to its ciphertext and decrypts the ciphertext to the
// plaintext, and that encrypting and decrypting in place gives the
// plaintext back.
func KnownAnswer(t testing.TB, newCipher New, blockSize int, name string, v Vector) {
	t.Helper()
	key, pt, ct := Unhex(t, v[0]), Unhex(t, v[1]), Unhex(t, v[2])
	c, err := newCipher(key)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if c.BlockSize() != blockSize {
		t.Fatalf("%s: BlockSize() = %d, want %d", name, c.BlockSize(), blockSize)
	}
	got := make([]byte, blockSize)
	c.Encrypt(got, pt)
	if !bytes.Equal(got, ct) {
		t.Errorf("%s (%d-bit key): encrypt %x: got %x, want %x", name, len(key)*8, pt, got, ct)
	}
	c.Decrypt(got, ct)
	if !bytes.Equal(got, pt) {
		t.Errorf("%s (%d-bit key): decrypt %x: got %x, want %x", name, len(key)*8, ct, got, pt)
	}
	buf := append([]byte(nil), pt...)
	c.Encrypt(buf, buf)
	c.Decrypt(buf, buf)
	if !bytes.Equal(buf, pt) {
		t.Errorf("%s (%d-bit key): in-place round trip: got %x", name, len(key)*8, buf)
	}
}

// RandomRoundTrip checks, for n random keys of each of keySizes bytes and
// a random block each, drawn from a source seeded with seed, that
// encryption changes the block and Decrypt(Encrypt(x)) == x.
func RandomRoundTrip(t testing.TB, newCipher New, blockSize int, keySizes []int, n int, seed int64) {
	t.Helper()
	r := rand.New(rand.NewSource(seed))
	for _, size := range keySizes {
		for i := 0; i < n; i++ {
			key := make([]byte, size)
			r.Read(key)
			c, err := newCipher(key)
			if err != nil {
				t.Fatal(err)
			}
			pt := make([]byte, blockSize)
			r.Read(pt)
			ct := make([]byte, blockSize)
			c.Encrypt(ct, pt)
			if bytes.Equal(ct, pt) {
				t.Fatalf("encryption left block unchanged: %x", pt)
			}
			got := make([]byte, blockSize)
			c.Decrypt(got, ct)
			if !bytes.Equal(got, pt) {
				t.Fatalf("key %x: Decrypt(Encrypt(%x)) = %x", key, pt, got)
			}
		}
	}
}

// CBCRoundTrip checks, for one random key of each of keySizes bytes, a
// random IV and ten random blocks, drawn from a source seeded with seed,
// that CBC decryption undoes CBC encryption (see CBC).
func CBCRoundTrip(t testing.TB, newCipher New, blockSize int, keySizes []int, seed int64) {
	t.Helper()
	r := rand.New(rand.NewSource(seed))
	for _, size := range keySizes {
		key := make([]byte, size)
		iv := make([]byte, blockSize)
		pt := make([]byte, 10*blockSize)
		r.Read(key)
		r.Read(iv)
		r.Read(pt)
		c, err := newCipher(key)
		if err != nil {
			t.Fatal(err)
		}
		if !CBC(t, c, iv, pt) {
			t.Fatalf("%d-bit key: CBC round trip failed", size*8)
		}
	}
}

// CBC encrypts pt with c in CBC mode under iv through crypto/cipher, then
// decrypts the result both into a new buffer and in place, as a TLS record
// decrypter would, and reports (with t.Errorf) and returns false if either
// does not give pt back.
func CBC(t testing.TB, c cipher.Block, iv, pt []byte) bool {
	t.Helper()
	ct := make([]byte, len(pt))
	cipher.NewCBCEncrypter(c, iv).CryptBlocks(ct, pt)
	got := make([]byte, len(ct))
	cipher.NewCBCDecrypter(c, iv).CryptBlocks(got, ct)
	ok := true
	if !bytes.Equal(got, pt) {
		t.Errorf("CBC decrypt of %d bytes into a new buffer did not give the plaintext back", len(pt))
		ok = false
	}
	cipher.NewCBCDecrypter(c, iv).CryptBlocks(ct, ct)
	if !bytes.Equal(ct, pt) {
		t.Errorf("CBC decrypt of %d bytes in place did not give the plaintext back", len(pt))
		ok = false
	}
	return ok
}

// BadKeySizes checks that a key of each of sizes bytes is refused with a
// nil cipher and an error that errors.Is wantErr(size) (for the ciphers
// here, KeySizeError(size)).
func BadKeySizes(t testing.TB, newCipher New, sizes []int, wantErr func(size int) error) {
	t.Helper()
	for _, n := range sizes {
		c, err := newCipher(make([]byte, n))
		if want := wantErr(n); c != nil || !errors.Is(err, want) {
			t.Errorf("NewCipher(%d bytes) = %T, %v; want nil, %T(%v)", n, c, err, want, want)
		}
	}
}

// MustPanic checks that f panics with a string containing want.
func MustPanic(t testing.TB, want string, f func()) {
	t.Helper()
	r := func() (r any) {
		defer func() { r = recover() }()
		f()
		return nil
	}()
	if r == nil {
		t.Errorf("no panic, want %q", want)
		return
	}
	if s, _ := r.(string); !strings.Contains(s, want) {
		t.Errorf("panic %v, want %q", r, want)
	}
}

// ShortBuffers checks the cipher.Block contract: like the standard
// library's ciphers, Encrypt and Decrypt panic on a src or dst one byte
// short of blockSize; and BlockSize() is blockSize.
func ShortBuffers(t testing.TB, c cipher.Block, blockSize int) {
	t.Helper()
	full, short := make([]byte, blockSize), make([]byte, blockSize-1)
	MustPanic(t, "input not full block", func() { c.Encrypt(full, short) })
	MustPanic(t, "input not full block", func() { c.Decrypt(full, short) })
	MustPanic(t, "output not full block", func() { c.Encrypt(short, full) })
	MustPanic(t, "output not full block", func() { c.Decrypt(short, full) })
	if c.BlockSize() != blockSize {
		t.Errorf("BlockSize() = %d, want %d", c.BlockSize(), blockSize)
	}
}

// BenchmarkDecrypt measures decrypting one block in place with c.
func BenchmarkDecrypt(b *testing.B, c cipher.Block) {
	buf := make([]byte, c.BlockSize())
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		c.Decrypt(buf, buf)
	}
}

// MustNew calls newCipher with key and fails the test or benchmark if it
// returns an error.
func MustNew(t testing.TB, newCipher New, key []byte) cipher.Block {
	t.Helper()
	c, err := newCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Permutation checks that the S-box or table named name is a permutation
// of 0..255, and stops the test if not.
func Permutation(t testing.TB, name string, table *[256]byte) {
	t.Helper()
	var seen [256]bool
	for _, v := range table {
		if seen[v] {
			t.Fatalf("%s is not a permutation: %#02x repeats", name, v)
		}
		seen[v] = true
	}
}

// GFMul multiplies a and b in GF(2^8) modulo x^8 + the polynomial whose
// low eight coefficients are poly (0x1b for x^8+x^4+x^3+x+1, the field of
// AES and ARIA; 0x63 for x^8+x^6+x^5+x+1, SEED's), for checking S-boxes
// against their algebraic definitions.
func GFMul(a, b, poly byte) byte {
	var p byte
	for b != 0 {
		if b&1 != 0 {
			p ^= a
		}
		hi := a & 0x80
		a <<= 1
		if hi != 0 {
			a ^= poly
		}
		b >>= 1
	}
	return p
}

// GFPow is x to the power e in the field of GFMul with poly.
func GFPow(x byte, e int, poly byte) byte {
	r := byte(1)
	for ; e > 0; e-- {
		r = GFMul(r, x, poly)
	}
	return r
}
