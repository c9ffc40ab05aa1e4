package idea

import (
	"math/rand"
	"testing"

	"github.com/ssldissect/ssldissect/decrypt/internal/ciphertest"
)

// Known-answer vectors. The first is the worked example of Lai's thesis and
// the original IDEA papers (also in the Handbook of Applied Cryptography,
// example 7.108); the rest are the long-standing test set that shipped
// with the reference and Ascom implementations.
var vectors = []ciphertest.Vector{
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
	ciphertest.KnownAnswers(t, NewCipher, BlockSize, vectors)
}

// TestSubkeys checks the key schedule against the subkeys of the worked
// example (key 0001 0002 ... 0008): the first eight are the key words, the
// next come from the key rotated left by 25 bits.
func TestSubkeys(t *testing.T) {
	c, _ := NewCipher(ciphertest.Unhex(t, "00010002000300040005000600070008"))
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
	ciphertest.RandomRoundTrip(t, NewCipher, BlockSize, []int{16}, 50, 2)
}

func TestCBCRoundTrip(t *testing.T) {
	ciphertest.CBCRoundTrip(t, NewCipher, BlockSize, []int{16}, 3)
}

func TestBadKeySizes(t *testing.T) {
	ciphertest.BadKeySizes(t, NewCipher, []int{0, 1, 8, 15, 17, 24, 32, 64}, func(n int) error { return KeySizeError(n) })
}

// TestShortBuffers checks the cipher.Block contract: like the standard
// library's ciphers, Encrypt and Decrypt panic on a short src or dst.
func TestShortBuffers(t *testing.T) {
	ciphertest.ShortBuffers(t, ciphertest.MustNew(t, NewCipher, make([]byte, 16)), BlockSize)
}

func BenchmarkDecrypt(b *testing.B) {
	ciphertest.BenchmarkDecrypt(b, ciphertest.MustNew(b, NewCipher, make([]byte, 16)))
}
