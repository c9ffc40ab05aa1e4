package camellia

import (
	"math/rand"
	"testing"

	"github.com/ssldissect/ssldissect/decrypt/internal/ciphertest"
)

// RFC 3713 Appendix A, "Example Data of Camellia".
var rfcVectors = []ciphertest.Vector{
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
var nessieVectors = []ciphertest.Vector{
	{"00000000000000000000000000000000", "80000000000000000000000000000000", "07923a39eb0a817d1c4d87bdb82d1f1c"},
	{"00000000000000000000000000000000", "40000000000000000000000000000000", "48cd6419809672d2349260d89a08d3d3"},
	{"80000000000000000000000000000000", "00000000000000000000000000000000", "6c227f749319a3aa7da235a9bba05a2c"},
	{"000000000000000000000000000000000000000000000000", "00040000000000000000000000000000", "9bca6c88b928c1b0f57f99866583a9bc"},
	{"949494949494949494949494949494949494949494949494", "636eb22d84b006381235641bcf0308d2", "94949494949494949494949494949494"},
	{"4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a", "057764fe3a500edbd988c5c3b56cba9a", "4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a"},
	{"0303030303030303030303030303030303030303030303030303030303030303", "7968b08aba92193f2295121ef8d75c8a", "03030303030303030303030303030303"},
}

func TestRFC3713Vectors(t *testing.T) {
	ciphertest.KnownAnswers(t, NewCipher, BlockSize, append(rfcVectors, nessieVectors...))
}

// TestSBox1 checks properties of the transcribed SBOX1 that any error in
// it would almost surely break: it is a permutation, and, being affine
// equivalent to inversion in GF(2^8), it has differential uniformity 4.
func TestSBox1(t *testing.T) {
	ciphertest.Permutation(t, "SBOX1", &sbox1)
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
