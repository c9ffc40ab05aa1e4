package ciphertest_test

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/ssldissect/ssldissect/decrypt/internal/ciphertest"
)

func newAES(key []byte) (cipher.Block, error) { return aes.NewCipher(key) }

// The helpers pass for a correct cipher: AES, with FIPS-197 Appendix C.1.
func TestAES(t *testing.T) {
	ciphertest.KnownAnswers(t, newAES, aes.BlockSize, []ciphertest.Vector{{ // FIPS-197 C.1
		"000102030405060708090a0b0c0d0e0f",
		"00112233445566778899aabbccddeeff",
		"69c4e0d86a7b0430d8cdb78070b4c55a",
	}})
	ciphertest.RandomRoundTrip(t, newAES, aes.BlockSize, []int{16, 24, 32}, 10, 1)
	ciphertest.CBCRoundTrip(t, newAES, aes.BlockSize, []int{16, 24, 32}, 1)
	ciphertest.BadKeySizes(t, newAES, []int{0, 1, 15, 17, 33}, func(n int) error { return aes.KeySizeError(n) })
	ciphertest.ShortBuffers(t, ciphertest.MustNew(t, newAES, make([]byte, 16)), aes.BlockSize)
}

// recorder is a testing.TB that collects failures instead of reporting them.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	failed []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...); runtime.Goexit() }
func (r *recorder) Fatal(args ...any)                 { r.Errorf("%s", fmt.Sprint(args...)); runtime.Goexit() }

// run calls f with a recorder in a goroutine of its own, so that Fatal can
// end it, and returns what it recorded.
func run(t *testing.T, f func(testing.TB)) string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return strings.Join(r.failed, "\n")
}

// identity is a broken cipher: it copies, never checks buffer lengths and
// accepts every key.
type identity struct{}

func (identity) BlockSize() int          { return 8 }
func (identity) Encrypt(dst, src []byte) { copy(dst, src) }
func (identity) Decrypt(dst, src []byte) { copy(dst, src) }

func newIdentity([]byte) (cipher.Block, error) { return identity{}, nil }

// The helpers fail for a broken cipher.
func TestBrokenCipher(t *testing.T) {
	errKeySize := errors.New("key size")
	for _, c := range []struct {
		name string
		f    func(testing.TB)
		want string
	}{
		{"KnownAnswer", func(tb testing.TB) {
			ciphertest.KnownAnswer(tb, newIdentity, 8, "v0", ciphertest.Vector{"00", "0001020304050607", "0706050403020100"})
		}, "v0 (8-bit key): encrypt"},
		{"KnownAnswer block size", func(tb testing.TB) {
			ciphertest.KnownAnswer(tb, newIdentity, 16, "v1", ciphertest.Vector{"00", "0001020304050607", "0706050403020100"})
		}, "v1: BlockSize() = 8, want 16"},
		{"RandomRoundTrip", func(tb testing.TB) {
			ciphertest.RandomRoundTrip(tb, newIdentity, 8, []int{16}, 1, 1)
		}, "encryption left block unchanged"},
		{"BadKeySizes", func(tb testing.TB) {
			ciphertest.BadKeySizes(tb, newIdentity, []int{3}, func(int) error { return errKeySize })
		}, "NewCipher(3 bytes)"},
		{"Permutation", func(tb testing.TB) {
			var table [256]byte
			table[1] = 0
			ciphertest.Permutation(tb, "T", &table)
		}, "T is not a permutation: 0x00 repeats"},
		{"ShortBuffers", func(tb testing.TB) {
			ciphertest.ShortBuffers(tb, identity{}, 8)
		}, `no panic, want "input not full block"`},
		{"ShortBuffers block size", func(tb testing.TB) {
			ciphertest.ShortBuffers(tb, identity{}, 9)
		}, "BlockSize() = 8, want 9"},
	} {
		if got := run(t, c.f); !strings.Contains(got, c.want) {
			t.Errorf("%s: failures %q, want one containing %q", c.name, got, c.want)
		}
	}
}

func TestPermutation(t *testing.T) {
	var table [256]byte
	for i := range table {
		table[i] = byte(255 - i)
	}
	ciphertest.Permutation(t, "reversed", &table)
}

// FIPS-197 section 4.2: {57} * {83} = {c1}, and the inverse of {53} is {ca}.
func TestGF(t *testing.T) {
	if got := ciphertest.GFMul(0x57, 0x83, 0x1b); got != 0xc1 {
		t.Errorf("{57} * {83} = %#02x, want 0xc1", got)
	}
	if got := ciphertest.GFPow(0x53, 254, 0x1b); got != 0xca {
		t.Errorf("{53}^254 = %#02x, want 0xca", got)
	}
}
