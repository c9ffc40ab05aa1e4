package camellia

import (
	"bytes"
	"crypto/cipher"
	"encoding/hex"
	"errors"
	"math/rand"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RFC 3713 Appendix A, "Example Data of Camellia".
var rfcVectors = []struct{ key, plaintext, ciphertext string }{
	{ // 128-bit key
		"0123456789abcdeffedcba9876543210",
		"0123456789abcdeffedcba9876543210",
		"67673138549669730857065648eabe43",
	},
	{ // 192-bit key
		"0123456789abcdeffedcba98765432100011223344556677",
		"0123456789abcdeffedcba9876543210",
		"b4993401b3e996f84ee5cee7d79b09b9",
	},
	{ // 256-bit key
		"0123456789abcdeffedcba987654321000112233445566778899aabbccddeeff",
		"0123456789abcdeffedcba9876543210",
		"9acc237dff16d76c20ef7c919e3a7509",
	},
}

// More known answers from the NESSIE Camellia test-vector set and NTT's
// published test data (also used by BouncyCastle's tests).
var nessieVectors = []struct{ key, plaintext, ciphertext string }{
	{"00000000000000000000000000000000", "80000000000000000000000000000000", "07923a39eb0a817d1c4d87bdb82d1f1c"},
	{"00000000000000000000000000000000", "40000000000000000000000000000000", "48cd6419809672d2349260d89a08d3d3"},
	{"80000000000000000000000000000000", "00000000000000000000000000000000", "6c227f749319a3aa7da235a9bba05a2c"},
	{"000000000000000000000000000000000000000000000000", "00040000000000000000000000000000", "9bca6c88b928c1b0f57f99866583a9bc"},
	{"949494949494949494949494949494949494949494949494", "636eb22d84b006381235641bcf0308d2", "94949494949494949494949494949494"},
	{"4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a", "057764fe3a500edbd988c5c3b56cba9a", "4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a"},
	{"0303030303030303030303030303030303030303030303030303030303030303", "7968b08aba92193f2295121ef8d75c8a", "03030303030303030303030303030303"},
}

func TestRFC3713Vectors(t *testing.T) {
	for _, v := range append(rfcVectors, nessieVectors...) {
		key, pt, ct := unhex(t, v.key), unhex(t, v.plaintext), unhex(t, v.ciphertext)
		c, err := NewCipher(key)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, BlockSize)
		c.Encrypt(got, pt)
		if !bytes.Equal(got, ct) {
			t.Errorf("Camellia-%d encrypt: got %x, want %x", len(key)*8, got, ct)
		}
		c.Decrypt(got, ct)
		if !bytes.Equal(got, pt) {
			t.Errorf("Camellia-%d decrypt: got %x, want %x", len(key)*8, got, pt)
		}
		buf := append([]byte(nil), pt...)
		c.Encrypt(buf, buf)
		c.Decrypt(buf, buf)
		if !bytes.Equal(buf, pt) {
			t.Errorf("Camellia-%d in-place round trip: got %x", len(key)*8, buf)
		}
	}
}

// TestSBox1 checks properties of the transcribed SBOX1 that any error in
// it would almost surely break: it is a permutation, and, being affine
// equivalent to inversion in GF(2^8), it has differential uniformity 4.
func TestSBox1(t *testing.T) {
	var seen [256]bool
	for _, v := range sbox1 {
		if seen[v] {
			t.Fatalf("SBOX1 is not a permutation: %#02x repeats", v)
		}
		seen[v] = true
	}
	if sbox1[0] != 112 || sbox1[255] != 158 {
		t.Fatalf("SBOX1 ends: %d, %d", sbox1[0], sbox1[255])
	}
	max := 0
	for a := 1; a < 256; a++ {
		var count [256]int
		for x := 0; x < 256; x++ {
			count[sbox1[x]^sbox1[x^a]]++
		}
		for _, n := range count {
			if n > max {
				max = n
			}
		}
	}
	if max != 4 {
		t.Fatalf("SBOX1 differential uniformity %d, want 4", max)
	}
}

func TestFLInverse(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 100; i++ {
		x, k := r.Uint64(), r.Uint64()
		if flinv(fl(x, k), k) != x {
			t.Fatalf("FLINV(FL(%x, %x)) != x", x, k)
		}
	}
}

func TestRandomRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for _, n := range []int{16, 24, 32} {
		for i := 0; i < 50; i++ {
			key := make([]byte, n)
			r.Read(key)
			c, err := NewCipher(key)
			if err != nil {
				t.Fatal(err)
			}
			pt := make([]byte, BlockSize)
			r.Read(pt)
			ct := make([]byte, BlockSize)
			c.Encrypt(ct, pt)
			if bytes.Equal(ct, pt) {
				t.Fatalf("encryption left block unchanged: %x", pt)
			}
			got := make([]byte, BlockSize)
			c.Decrypt(got, ct)
			if !bytes.Equal(got, pt) {
				t.Fatalf("key %x: Decrypt(Encrypt(%x)) = %x", key, pt, got)
			}
		}
	}
}

func TestCBCRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for _, n := range []int{16, 24, 32} {
		key := make([]byte, n)
		iv := make([]byte, BlockSize)
		pt := make([]byte, 10*BlockSize)
		r.Read(key)
		r.Read(iv)
		r.Read(pt)
		c, err := NewCipher(key)
		if err != nil {
			t.Fatal(err)
		}
		ct := make([]byte, len(pt))
		cipher.NewCBCEncrypter(c, iv).CryptBlocks(ct, pt)
		// Decrypt in place, as a TLS record decrypter would.
		cipher.NewCBCDecrypter(c, iv).CryptBlocks(ct, ct)
		if !bytes.Equal(ct, pt) {
			t.Fatalf("Camellia-%d CBC round trip failed", n*8)
		}
	}
}

func TestBadKeySizes(t *testing.T) {
	for _, n := range []int{0, 1, 8, 15, 17, 23, 25, 31, 33, 64} {
		c, err := NewCipher(make([]byte, n))
		var kse KeySizeError
		if c != nil || !errors.As(err, &kse) || int(kse) != n {
			t.Errorf("NewCipher(%d bytes) = %v, %v; want KeySizeError(%d)", n, c, err, n)
		}
	}
}

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("no panic, want %q", want)
			return
		}
		if s, _ := r.(string); !strings.Contains(s, want) {
			t.Errorf("panic %v, want %q", r, want)
		}
	}()
	f()
}

// TestShortBuffers checks the cipher.Block contract: like the standard
// library's ciphers, Encrypt and Decrypt panic on a short src or dst.
func TestShortBuffers(t *testing.T) {
	c, _ := NewCipher(make([]byte, 16))
	full, short := make([]byte, BlockSize), make([]byte, BlockSize-1)
	mustPanic(t, "input not full block", func() { c.Encrypt(full, short) })
	mustPanic(t, "input not full block", func() { c.Decrypt(full, short) })
	mustPanic(t, "output not full block", func() { c.Encrypt(short, full) })
	mustPanic(t, "output not full block", func() { c.Decrypt(short, full) })
	if c.BlockSize() != BlockSize {
		t.Errorf("BlockSize() = %d", c.BlockSize())
	}
}

func BenchmarkDecrypt(b *testing.B) {
	c, _ := NewCipher(make([]byte, 16))
	buf := make([]byte, BlockSize)
	b.SetBytes(BlockSize)
	for i := 0; i < b.N; i++ {
		c.Decrypt(buf, buf)
	}
}
