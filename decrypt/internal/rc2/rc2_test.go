package rc2

import (
	"bytes"
	"crypto/cipher"
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/ssldissect/ssldissect/decrypt/internal/ciphertest"
)

// vector is a known answer with the effective key length T1 in bits.
type vector struct {
	key        string
	bits       int
	plaintext  string
	ciphertext string
}

// rfcVectors are all the test vectors of RFC 2268 section 5, in its order:
// key length in bytes is len(key)/2, bits is the effective key length T1.
var rfcVectors = []vector{
	{"0000000000000000", 63, "0000000000000000", "ebb773f993278eff"},
	{"ffffffffffffffff", 64, "ffffffffffffffff", "278b27e42e2f0d49"},
	{"3000000000000000", 64, "1000000000000001", "30649edf9be7d2c2"},
	{"88", 64, "0000000000000000", "61a8a244adacccf0"},
	{"88bca90e90875a", 64, "0000000000000000", "6ccf4308974c267f"},
	{"88bca90e90875a7f0f79c384627bafb2", 64, "0000000000000000", "1a807d272bbe5db1"},
	{"88bca90e90875a7f0f79c384627bafb2", 128, "0000000000000000", "2269552ab0f85ca6"},
	{"88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e", 129, "0000000000000000", "5b78d3a43dfff1f1"},
}

// extraVectors are not in the RFC. They were produced by OpenSSL 3.0's
// legacy provider (openssl enc -provider legacy -nopad -iv 0..., first
// block, so CBC with a zero IV is ECB): RC2-40-CBC is a 5-byte key with 40
// effective bits, as TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5 would use if its
// final key were not expanded; RC2-64-CBC an 8-byte key with 64; RC2-CBC
// a 16-byte key with 128 bits (OpenSSL's default: 8 * key length), the
// cipher OpenSSL's TLS stack keys with the expanded 16-byte export key.
// The 1024-bit and 16-byte/40-bit rows came from an independent RFC 2268
// implementation (golang.org/x/crypto's, internal to its pkcs12 package,
// run out of tree), since the openssl command line cannot set T1 apart
// from the key length.
var extraVectors = []vector{
	// openssl enc -provider legacy: RC2-40-CBC, RC2-64-CBC, RC2-CBC.
	{"0102030405", 40, "0000000000000000", "269b2c0070a1cb64"},
	{"0102030405", 40, "0123456789abcdef", "e622c9196dd94677"},
	{"88bca90e90", 40, "0000000000000000", "116a3d8017ae1fd8"},
	{"88bca90e90", 40, "0123456789abcdef", "0fd1c8ede1a4187a"},
	{"88bca90e90875a7f", 64, "0000000000000000", "ec1246a3069a41e9"},
	{"88bca90e90875a7f", 64, "0123456789abcdef", "05c981ff7a295add"},
	{"88bca90e90875a7f0f79c384627bafb2", 128, "0123456789abcdef", "70c9ae48cf88544b"},
	{"000102030405060708090a0b0c0d0e0f", 128, "0000000000000000", "9c4bfe6dfe739c2b"},
	{"000102030405060708090a0b0c0d0e0f", 128, "0123456789abcdef", "c1de66972a5efb2b"},
	// x/crypto's internal RC2: T1 apart from the key length.
	{"88bca90e90875a7f0f79c384627bafb2", 40, "0000000000000000", "6bed97c551eae41d"},
	{"88bca90e90875a7f0f79c384627bafb2", 40, "0123456789abcdef", "e409f253483fa094"},
	{"88bca90e90875a7f0f79c384627bafb2", 1024, "0000000000000000", "db66015b97954a43"},
	{"ffffffffffffffff", 1024, "ffffffffffffffff", "7259018ec557b357"},
	{"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f", 1024, "0123456789abcdef", "6cb357e02ed2e03c"},
}

// withBits is NewCipher with the effective key length fixed at bits, as a
// ciphertest.New.
func withBits(bits int) ciphertest.New {
	return func(key []byte) (cipher.Block, error) { return NewCipher(key, bits) }
}

func testVector(t *testing.T, key string, bits int, plaintext, ciphertext string) {
	t.Helper()
	name := fmt.Sprintf("key %s (%d bytes), T1 %d", key, len(key)/2, bits)
	ciphertest.KnownAnswer(t, withBits(bits), BlockSize, name, ciphertest.Vector{key, plaintext, ciphertext})
}

func TestRFC2268Vectors(t *testing.T) {
	for _, v := range rfcVectors {
		testVector(t, v.key, v.bits, v.plaintext, v.ciphertext)
	}
}

func TestExtraVectors(t *testing.T) {
	for _, v := range extraVectors {
		testVector(t, v.key, v.bits, v.plaintext, v.ciphertext)
	}
}

// TestPITable checks the table is a permutation of 0..255 and spot-checks
// entries against the RFC's hexadecimal layout (row 00, column 0 and so on).
func TestPITable(t *testing.T) {
	ciphertest.Permutation(t, "PITABLE", &piTable)
	for _, c := range []struct {
		i    int
		want byte
	}{{0x00, 0xd9}, {0x0f, 0x9d}, {0x7f, 0xd7}, {0x80, 0x08}, {0xd1, 0x00}, {0xe6, 0xff}, {0xff, 0xad}} {
		if piTable[c.i] != c.want {
			t.Errorf("PITABLE[%#02x] = %#02x, want %#02x", c.i, piTable[c.i], c.want)
		}
	}
}

// TestEffectiveBits: T1 is a parameter of the key schedule of its own (T8
// picks where the effective key starts, TM masks its first byte), and every
// T1 from 1 to 1024 builds a schedule.
func TestEffectiveBits(t *testing.T) {
	key := ciphertest.Unhex(t, "88bca90e90875a7f0f79c384627bafb2")
	enc := func(bits int) []byte {
		c, err := NewCipher(key, bits)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]byte, BlockSize)
		c.Encrypt(out, make([]byte, BlockSize))
		return out
	}
	if bytes.Equal(enc(40), enc(128)) || bytes.Equal(enc(40), enc(1024)) || bytes.Equal(enc(1023), enc(1024)) {
		t.Error("different effective key lengths gave the same ciphertext")
	}
	for bits := 1; bits <= 1024; bits++ {
		_ = enc(bits) // every legal T1 builds a schedule (no index out of range)
	}
}

func TestBadParameters(t *testing.T) {
	ciphertest.BadKeySizes(t, withBits(64), []int{0, 129, 256}, func(n int) error { return KeySizeError(n) })
	var ebe EffectiveBitsError
	for _, b := range []int{-1, 0, 1025} {
		if _, err := NewCipher(make([]byte, 8), b); !errors.As(err, &ebe) || int(ebe) != b {
			t.Errorf("effective bits %d: err %v", b, err)
		}
	}
	for _, n := range []int{1, 128} {
		if _, err := NewCipher(make([]byte, n), 1024); err != nil {
			t.Errorf("key of %d bytes: %v", n, err)
		}
	}
}

func TestRoundTripCBC(t *testing.T) {
	rng := rand.New(rand.NewSource(2268))
	for i := 0; i < 200; i++ {
		key := make([]byte, 1+rng.Intn(128))
		rng.Read(key)
		c, err := NewCipher(key, 1+rng.Intn(1024))
		if err != nil {
			t.Fatal(err)
		}
		iv := make([]byte, BlockSize)
		rng.Read(iv)
		pt := make([]byte, BlockSize*(1+rng.Intn(8)))
		rng.Read(pt)
		if !ciphertest.CBC(t, c, iv, pt) {
			t.Fatalf("CBC round trip %d failed", i)
		}
	}
}

func TestShortBlockPanics(t *testing.T) {
	ciphertest.ShortBuffers(t, ciphertest.MustNew(t, withBits(40), []byte{1, 2, 3, 4, 5}), BlockSize)
}

func BenchmarkDecrypt(b *testing.B) {
	ciphertest.BenchmarkDecrypt(b, ciphertest.MustNew(b, withBits(40), make([]byte, 16)))
}
