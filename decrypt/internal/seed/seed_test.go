package seed

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

// RFC 4269 Appendix B, "Test Vectors" B.1 to B.4.
var rfcVectors = []struct{ key, plaintext, ciphertext string }{
	{ // B.1
		"00000000000000000000000000000000",
		"000102030405060708090a0b0c0d0e0f",
		"5ebac6e0054e166819aff1cc6d346cdb",
	},
	{ // B.2
		"000102030405060708090a0b0c0d0e0f",
		"00000000000000000000000000000000",
		"c11f22f20140505084483597e4370f43",
	},
	{ // B.3
		"4706480851e61be85d74bfb3fd956185",
		"83a2f8a288641fb9a4e9a5cc2f131c7d",
		"ee54d13ebcae706d226bc3142cd40d4a",
	},
	{ // B.4
		"28dbc3bc49ffd87dcfa509b11d422be7",
		"b41e6be2eba84a148e2eed84593c5ec7",
		"9b9b7bfcd1813cb95d0b3618f40f5122",
	},
}

func TestRFC4269Vectors(t *testing.T) {
	for i, v := range rfcVectors {
		key, pt, ct := unhex(t, v.key), unhex(t, v.plaintext), unhex(t, v.ciphertext)
		c, err := NewCipher(key)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, BlockSize)
		c.Encrypt(got, pt)
		if !bytes.Equal(got, ct) {
			t.Errorf("B.%d encrypt: got %x, want %x", i+1, got, ct)
		}
		c.Decrypt(got, ct)
		if !bytes.Equal(got, pt) {
			t.Errorf("B.%d decrypt: got %x, want %x", i+1, got, pt)
		}
		buf := append([]byte(nil), pt...)
		c.Encrypt(buf, buf)
		c.Decrypt(buf, buf)
		if !bytes.Equal(buf, pt) {
			t.Errorf("B.%d in-place round trip: got %x", i+1, buf)
		}
	}
}

// gmul multiplies in GF(2^8) modulo x^8+x^6+x^5+x+1, SEED's field.
func gmul(a, b byte) byte {
	var p byte
	for b != 0 {
		if b&1 != 0 {
			p ^= a
		}
		hi := a & 0x80
		a <<= 1
		if hi != 0 {
			a ^= 0x63
		}
		b >>= 1
	}
	return p
}

func gpow(x byte, e int) byte {
	r := byte(1)
	for ; e > 0; e-- {
		r = gmul(r, x)
	}
	return r
}

// TestSBoxes checks the transcribed S-boxes against their definition in
// RFC 4269 section 2.2 / Appendix A: S1(x) = A1 * x^247 ^ 169 and
// S2(x) = A2 * x^251 ^ 56 for binary matrices A1, A2, so y -> S(x) ^ b
// with y = x^e must be GF(2)-linear.
func TestSBoxes(t *testing.T) {
	for _, sb := range []struct {
		name string
		s    *[256]byte
		e    int
		b    byte
	}{{"S1", &s1, 247, 169}, {"S2", &s2, 251, 56}} {
		var lin [256]byte
		var seen [256]bool
		for x := 0; x < 256; x++ {
			y := gpow(byte(x), sb.e)
			if seen[y] {
				t.Fatalf("x^%d is not a permutation", sb.e)
			}
			seen[y] = true
			lin[y] = sb.s[x] ^ sb.b
		}
		for a := 0; a < 256; a++ {
			for b := 0; b < 256; b++ {
				if lin[a^b] != lin[a]^lin[b] {
					t.Fatalf("%s is not affine in x^%d at %#02x, %#02x", sb.name, sb.e, a, b)
				}
			}
		}
	}
	// First SS-box entries as printed in RFC 4269 Appendix A.
	if ss0[0] != 0x2989a1a8 || ss0[1] != 0x05858184 || ss0[2] != 0x16c6d2d4 || ss0[3] != 0x13c3d3d0 {
		t.Errorf("SS0 starts %08x %08x %08x %08x", ss0[0], ss0[1], ss0[2], ss0[3])
	}
	if ss1[0] != 0x38380830 {
		t.Errorf("SS1[0] = %08x", ss1[0])
	}
}

func TestRandomRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for _, n := range []int{16} {
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
	for _, n := range []int{16} {
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
			t.Fatalf("SEED-%d CBC round trip failed", n*8)
		}
	}
}

func TestBadKeySizes(t *testing.T) {
	for _, n := range []int{0, 1, 8, 15, 17, 24, 32, 64} {
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
