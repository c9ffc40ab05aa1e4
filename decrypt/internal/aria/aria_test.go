package aria

import (
	"math/rand"
	"testing"

	"github.com/ssldissect/ssldissect/decrypt/internal/ciphertest"
)

// RFC 5794 Appendix A, "Example Data of ARIA".
var rfcVectors = []ciphertest.Vector{
	{ // A.1 128-bit key
		"000102030405060708090a0b0c0d0e0f",
		"00112233445566778899aabbccddeeff",
		"d718fbd6ab644c739da95f3be6451778",
	},
	{ // A.2 192-bit key
		"000102030405060708090a0b0c0d0e0f1011121314151617",
		"00112233445566778899aabbccddeeff",
		"26449c1805dbe7aa25a468ce263a9e79",
	},
	{ // A.3 256-bit key
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"00112233445566778899aabbccddeeff",
		"f92bd7c79fb72e2f2b8f80c1972d24fc",
	},
}

func TestRFC5794Vectors(t *testing.T) {
	ciphertest.KnownAnswers(t, NewCipher, BlockSize, rfcVectors)
}

// gpow raises x to the power e in GF(2^8) modulo x^8+x^4+x^3+x+1, the
// field of ARIA's S-boxes.
func gpow(x byte, e int) byte { return ciphertest.GFPow(x, e, 0x1b) }

// TestSBoxes checks the transcribed tables against the algebraic
// construction of ARIA's S-boxes: SB1 is the affine map of x^-1 = x^254
// used by AES, SB2 an affine map of x^247 with constant 0xe2, and
// SB3/SB4 their inverses.
func TestSBoxes(t *testing.T) {
	rotl := func(x byte, n uint) byte { return x<<n | x>>(8-n) }
	for i := 0; i < 256; i++ {
		inv := gpow(byte(i), 254)
		want := inv ^ rotl(inv, 1) ^ rotl(inv, 2) ^ rotl(inv, 3) ^ rotl(inv, 4) ^ 0x63
		if sb1[i] != want {
			t.Errorf("SB1[%#02x] = %#02x, want %#02x", i, sb1[i], want)
		}
	}
	// SB2(x) = B * x^247 ^ 0xe2 for a binary matrix B: the map
	// y = x^247 -> SB2(x) ^ 0xe2 must be GF(2)-linear.
	var lin [256]byte
	for x := 0; x < 256; x++ {
		lin[gpow(byte(x), 247)] = sb2[x] ^ 0xe2
	}
	for a := 0; a < 256; a++ {
		for b := 0; b < 256; b++ {
			if lin[a^b] != lin[a]^lin[b] {
				t.Fatalf("SB2 is not affine in x^247 at %#02x, %#02x", a, b)
			}
		}
	}
	for i := 0; i < 256; i++ {
		if sb3[sb1[i]] != byte(i) || sb4[sb2[i]] != byte(i) {
			t.Fatalf("SB3/SB4 are not the inverses of SB1/SB2 at %#02x", i)
		}
	}
}

func TestDiffusionIsInvolution(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 100; i++ {
		var x block
		r.Read(x[:])
		if diffuse(diffuse(x)) != x {
			t.Fatalf("A(A(%x)) != x", x)
		}
	}
}

// TestSubstDiffuse checks the table-driven round of the data path against
// the round functions FO and FE written as in the RFC.
func TestSubstDiffuse(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	var zero block
	for i := 0; i < 200; i++ {
		var x block
		r.Read(x[:])
		w := words(x)
		h, l := substDiffuse(w[0], w[1], &sb1, &sb2, &sb3, &sb4)
		if got := fromWords([2]uint64{h, l}); got != fo(x, zero) {
			t.Fatalf("SL1 round of %x: got %x, want %x", x, got, fo(x, zero))
		}
		h, l = substDiffuse(w[0], w[1], &sb3, &sb4, &sb1, &sb2)
		if got := fromWords([2]uint64{h, l}); got != fe(x, zero) {
			t.Fatalf("SL2 round of %x: got %x, want %x", x, got, fe(x, zero))
		}
	}
}

func TestRandomRoundTrip(t *testing.T) {
	ciphertest.RandomRoundTrip(t, NewCipher, BlockSize, []int{16, 24, 32}, 50, 2)
}

func TestCBCRoundTrip(t *testing.T) {
	ciphertest.CBCRoundTrip(t, NewCipher, BlockSize, []int{16, 24, 32}, 3)
}

func TestBadKeySizes(t *testing.T) {
	ciphertest.BadKeySizes(t, NewCipher, []int{0, 1, 8, 15, 17, 23, 25, 31, 33, 64}, func(n int) error { return KeySizeError(n) })
}

// TestShortBuffers checks the cipher.Block contract: like the standard
// library's ciphers, Encrypt and Decrypt panic on a short src or dst.
func TestShortBuffers(t *testing.T) {
	ciphertest.ShortBuffers(t, ciphertest.MustNew(t, NewCipher, make([]byte, 16)), BlockSize)
}

func BenchmarkDecrypt(b *testing.B) {
	ciphertest.BenchmarkDecrypt(b, ciphertest.MustNew(b, NewCipher, make([]byte, 16)))
}
