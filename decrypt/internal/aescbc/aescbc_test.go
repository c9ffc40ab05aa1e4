package aescbc

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSbox checks the computed S-box against a few entries of FIPS 197
// figure 7 and that it is a permutation.
func TestSbox(t *testing.T) {
	for in, want := range map[byte]byte{0x00: 0x63, 0x01: 0x7c, 0x53: 0xed, 0x10: 0xca, 0xff: 0x16, 0x9a: 0xb8} {
		if sbox[in] != want {
			t.Errorf("sbox[%#02x] = %#02x, want %#02x", in, sbox[in], want)
		}
	}
	var seen [256]bool
	for _, v := range sbox {
		if seen[v] {
			t.Fatalf("%#02x twice in the S-box", v)
		}
		seen[v] = true
	}
}

// TestKeyExpansion checks the key schedule against FIPS 197 appendix A.
func TestKeyExpansion(t *testing.T) {
	for _, c := range []struct {
		key  string
		last string // the last four words
	}{
		{"2b7e151628aed2a6abf7158809cf4f3c", "d014f9a8c9ee2589e13f0cc8b6630ca6"},
		{"8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", "e98ba06f448c773c8ecc720401002202"},
		{"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", "fe4890d1e6188d0b046df344706c631e"},
	} {
		w, rounds := expandKey(mustHex(t, c.key))
		if want := len(c.key)/8 + 6; rounds != want {
			t.Errorf("%s: %d rounds, want %d", c.key, rounds, want)
		}
		var got []byte
		for _, x := range w[len(w)-4:] {
			got = binary.BigEndian.AppendUint32(got, x)
		}
		if hex.EncodeToString(got) != c.last {
			t.Errorf("%s: last round key %x, want %s", c.key, got, c.last)
		}
	}
}

// TestVectors decrypts the CBC vectors of NIST SP 800-38A F.2.2, F.2.4
// and F.2.6 (AES-128, -192, -256), on the fast path and the fallback.
func TestVectors(t *testing.T) {
	iv := "000102030405060708090a0b0c0d0e0f"
	pt := "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
	for _, c := range []struct{ key, ct string }{
		{"2b7e151628aed2a6abf7158809cf4f3c", "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"},
		{"8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd"},
		{"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"},
	} {
		for _, generic := range []bool{false, true} {
			d, err := newDecrypter(mustHex(t, c.key), mustHex(t, iv), generic)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len(c.ct)/2)
			d.CryptBlocks(got, mustHex(t, c.ct))
			if hex.EncodeToString(got) != pt {
				t.Errorf("key %s generic %v: got %x", c.key, generic, got)
			}
		}
	}
}

// TestAgainstCryptoCipher compares Decrypter with crypto/cipher's CBC
// decrypter for random keys, IVs and lengths, in place and not, over two
// consecutive CryptBlocks calls (the IV chains) and after SetIV.
func TestAgainstCryptoCipher(t *testing.T) {
	if !Fast() {
		t.Logf("no AES-NI path here: testing the crypto/cipher fallback")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, keyLen := range []int{16, 24, 32} {
		for blocks := 0; blocks <= 300; blocks++ {
			key, iv := make([]byte, keyLen), make([]byte, 16)
			fill(rng, key)
			fill(rng, iv)
			ct := make([]byte, 16*blocks)
			fill(rng, ct)
			want := reference(t, key, iv, ct)
			split := 16 * rng.IntN(blocks+1)
			for _, inPlace := range []bool{false, true} {
				d, err := NewDecrypter(key, make([]byte, 16))
				if err != nil {
					t.Fatal(err)
				}
				d.SetIV(iv)
				got := bytes.Clone(ct)
				if !inPlace {
					got = make([]byte, len(ct)+16) // dst longer than src
				}
				d.CryptBlocks(got[:split], ct[:split])
				d.CryptBlocks(got[split:], ct[split:])
				if !bytes.Equal(got[:len(ct)], want) {
					t.Fatalf("key %d bytes, %d blocks (split at %d), in place %v: differs from crypto/cipher", keyLen, blocks, split, inPlace)
				}
				if !inPlace && !bytes.Equal(got[len(ct):], make([]byte, 16)) {
					t.Fatalf("wrote past len(src)")
				}
				// The IV is now the last ciphertext block: one more block
				// decrypts as it would continuing the chain.
				next := make([]byte, 16)
				fill(rng, next)
				wantNext := reference(t, key, lastBlock(iv, ct), next)
				d.CryptBlocks(next, next)
				if !bytes.Equal(next, wantNext) {
					t.Fatalf("key %d bytes, %d blocks: IV not chained", keyLen, blocks)
				}
			}
		}
	}
}

func lastBlock(iv, ct []byte) []byte {
	if len(ct) == 0 {
		return iv
	}
	return ct[len(ct)-16:]
}

func fill(rng *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
}

func reference(t testing.TB, key, iv, ct []byte) []byte {
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, len(ct))
	cipher.NewCBCDecrypter(b, iv).CryptBlocks(out, ct)
	return out
}

func TestErrors(t *testing.T) {
	for _, n := range []int{0, 5, 15, 17, 31, 33, 64} {
		for _, generic := range []bool{false, true} {
			if _, err := newDecrypter(make([]byte, n), make([]byte, 16), generic); err == nil {
				t.Errorf("key of %d bytes (generic %v): no error", n, generic)
			}
		}
	}
	d, err := NewDecrypter(make([]byte, 16), make([]byte, 16))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	for name, f := range map[string]func(){
		"partial block":   func() { d.CryptBlocks(buf, buf[:17]) },
		"short dst":       func() { d.CryptBlocks(buf[:16], buf[:32]) },
		"inexact overlap": func() { d.CryptBlocks(buf[16:48], buf[:32]) },
		"IV length":       func() { d.SetIV(buf[:15]) },
		"new IV length":   func() { NewDecrypter(make([]byte, 16), buf[:8]) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	if d.BlockSize() != 16 {
		t.Errorf("BlockSize %d", d.BlockSize())
	}
}

func FuzzCBC(f *testing.F) {
	f.Add(make([]byte, 16), make([]byte, 16), make([]byte, 128), uint8(0))
	f.Add(make([]byte, 32), make([]byte, 16), make([]byte, 16*9), uint8(1))
	f.Add(make([]byte, 24), make([]byte, 16), make([]byte, 16*17+5), uint8(3))
	f.Fuzz(func(t *testing.T, key, iv, data []byte, split uint8) {
		if len(iv) < 16 {
			return
		}
		iv = iv[:16]
		data = data[:len(data)/16*16]
		d, err := NewDecrypter(key, iv)
		b, errRef := aes.NewCipher(key)
		if (err == nil) != (errRef == nil) {
			t.Fatalf("key %d bytes: error %v, crypto/aes %v", len(key), err, errRef)
		}
		if err != nil {
			return
		}
		want := make([]byte, len(data))
		cipher.NewCBCDecrypter(b, iv).CryptBlocks(want, data)
		s := min(int(split)*16, len(data))
		got := bytes.Clone(data)
		d.CryptBlocks(got[:s], got[:s])
		d.CryptBlocks(got[s:], got[s:])
		if !bytes.Equal(got, want) {
			t.Fatalf("in place: differs from crypto/cipher")
		}
		d.SetIV(iv)
		got = make([]byte, len(data))
		d.CryptBlocks(got, data)
		if !bytes.Equal(got, want) {
			t.Fatalf("differs from crypto/cipher")
		}
	})
}

// BenchmarkCBCDecrypt decrypts 16 KiB (a full TLS record) in place with
// this package and with crypto/cipher's CBC decrypter.
func BenchmarkCBCDecrypt(b *testing.B) {
	for _, keyLen := range []int{16, 32} {
		for _, size := range []int{16384, 1024} {
			key, iv := make([]byte, keyLen), make([]byte, 16)
			buf := make([]byte, size)
			b.Run(fmt.Sprintf("aescbc/AES%d/%d", keyLen*8, size), func(b *testing.B) {
				d, err := NewDecrypter(key, iv)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(size))
				for b.Loop() {
					d.SetIV(iv)
					d.CryptBlocks(buf, buf)
				}
			})
			b.Run(fmt.Sprintf("crypto-cipher/AES%d/%d", keyLen*8, size), func(b *testing.B) {
				blk, err := aes.NewCipher(key)
				if err != nil {
					b.Fatal(err)
				}
				d := cipher.NewCBCDecrypter(blk, iv).(interface {
					cipher.BlockMode
					SetIV([]byte)
				})
				b.SetBytes(int64(size))
				for b.Loop() {
					d.SetIV(iv)
					d.CryptBlocks(buf, buf)
				}
			})
		}
	}
}

// TestInvMixColumn checks the table-driven InvMixColumns against its
// definition (GF(2^8) products) for random columns, and against the
// MixColumns example column db 13 53 45 <-> 8e 4d a1 bc.
func TestInvMixColumn(t *testing.T) {
	if got := invMixColumn(0x8e4da1bc); got != 0xdb135345 {
		t.Fatalf("InvMixColumns(8e4da1bc) = %08x, want db135345", got)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		w := r.Uint32()
		if got, want := invMixColumn(w), invMixColumnSlow(w); got != want {
			t.Fatalf("InvMixColumns(%08x) = %08x, want %08x", w, got, want)
		}
	}
}

// BenchmarkNewDecrypter is the key setup of one direction of an AES-256
// CBC connection.
func BenchmarkNewDecrypter(b *testing.B) {
	key, iv := make([]byte, 32), make([]byte, 16)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewDecrypter(key, iv); err != nil {
			b.Fatal(err)
		}
	}
}
