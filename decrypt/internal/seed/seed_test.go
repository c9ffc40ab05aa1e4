package seed

import (
	"testing"

	"github.com/ssldissect/ssldissect/decrypt/internal/ciphertest"
)

// RFC 4269 Appendix B, "Test Vectors" B.1 to B.4.
var rfcVectors = []ciphertest.Vector{
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
	ciphertest.KnownAnswers(t, NewCipher, BlockSize, rfcVectors)
}

// gpow raises x to the power e in GF(2^8) modulo x^8+x^6+x^5+x+1, SEED's
// field.
func gpow(x byte, e int) byte { return ciphertest.GFPow(x, e, 0x63) }

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
