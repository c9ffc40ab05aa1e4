package idea

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

// Known-answer vectors. The first is the worked example of Lai's thesis and
// the original IDEA papers (also in the Handbook of Applied Cryptography,
// example 7.108); the rest are the long-standing test set that shipped
// with the reference and Ascom implementations.
var vectors = []struct{ key, plaintext, ciphertext string }{
	{"00010002000300040005000600070008", "0000000100020003", "11fbed2b01986de5"},
	{"00010002000300040005000600070008", "0102030405060708", "540e5fea18c2f8b1"},
	{"00010002000300040005000600070008", "0019324b647d96af", "9f0a0ab6e10ced78"},
	{"00010002000300040005000600070008", "f5202d5b9c671b08", "cf18fd7355e2c5c5"},
	{"00010002000300040005000600070008", "fae6d2beaa96826e", "85df52005608193d"},
	{"00010002000300040005000600070008", "0a141e28323c4650", "2f7de750212fb734"},
	{"00010002000300040005000600070008", "050a0f14191e2328", "7b7314925de59c09"},
	{"0005000a000f00140019001e00230028", "0102030405060708", "3ec04780beff6e20"},
	{"3a984e2000195db32ee501c8c47cea60", "0102030405060708", "97bcd8200780da86"},
	{"006400c8012c019001f4025802bc0320", "05320a6414c819fa", "65be87e7a2538aed"},
	{"9d4075c103bc322afb03e7be6ab30006", "0808080808080808", "f5db1ac45e5ef9f9"},
	{"000102030405060708090a0b0c0d0e0f", "db2d4a92aa68273f", "0011223344556677"},
	{"2bd6459f82c5b300952c49104881ff48", "f129a6601ef62a47", "ea024714ad5c4d84"},
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		key, pt, ct := unhex(t, v.key), unhex(t, v.plaintext), unhex(t, v.ciphertext)
		c, err := NewCipher(key)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, BlockSize)
		c.Encrypt(got, pt)
		if !bytes.Equal(got, ct) {
			t.Errorf("key %s: encrypt %x: got %x, want %x", v.key, pt, got, ct)
		}
		c.Decrypt(got, ct)
		if !bytes.Equal(got, pt) {
			t.Errorf("key %s: decrypt %x: got %x, want %x", v.key, ct, got, pt)
		}
		buf := append([]byte(nil), pt...)
		c.Encrypt(buf, buf)
		c.Decrypt(buf, buf)
		if !bytes.Equal(buf, pt) {
			t.Errorf("key %s: in-place round trip: got %x", v.key, buf)
		}
	}
}

// TestSubkeys checks the key schedule against the subkeys of the worked
// example (key 0001 0002 ... 0008): the first eight are the key words, the
// next come from the key rotated left by 25 bits.
func TestSubkeys(t *testing.T) {
	c, _ := NewCipher(unhex(t, "00010002000300040005000600070008"))
	e := c.(*ideaCipher).enc
	want := []uint16{1, 2, 3, 4, 5, 6, 7, 8, 0x0400, 0x0600, 0x0800, 0x0a00, 0x0c00, 0x0e00, 0x1000, 0x0200}
	for i, w := range want {
		if e[i] != w {
			t.Errorf("Z%d = %#04x, want %#04x", i+1, e[i], w)
		}
	}
}

// TestMul checks mul against the definition (with 0 meaning 2^16) and mulInv
// for all x.
func TestMul(t *testing.T) {
	val := func(x uint16) uint64 {
		if x == 0 {
			return 1 << 16
		}
		return uint64(x)
	}
	r := rand.New(rand.NewSource(1))
	edge := []uint16{0, 1, 2, 0x7fff, 0x8000, 0xfffe, 0xffff}
	for i := 0; i < 20000; i++ {
		a, b := uint16(r.Intn(1<<16)), uint16(r.Intn(1<<16))
		if i < len(edge)*len(edge) {
			a, b = edge[i/len(edge)], edge[i%len(edge)]
		}
		want := val(a) * val(b) % 0x10001
		if val(mul(a, b))%0x10001 != want {
			t.Fatalf("mul(%#x, %#x) = %#x, want %#x", a, b, mul(a, b), want)
		}
	}
	for x := 0; x < 1<<16; x++ {
		if got := mul(uint16(x), mulInv(uint16(x))); got != 1 {
			t.Fatalf("x * mulInv(x) = %#x for x = %#x", got, x)
		}
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
			t.Fatalf("IDEA-%d CBC round trip failed", n*8)
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
