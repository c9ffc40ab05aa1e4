package decrypt

import (
	"bytes"
	"crypto"
	"crypto/hkdf"
	"crypto/hmac"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

var macTestHashes = []crypto.Hash{crypto.MD5, crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512}

// TestMACHash checks the pooled HMAC against crypto/hmac for keys shorter
// than, as long as and longer than the block, messages in one or two
// parts, dst aliasing an input, and macHashes reused across keys.
func TestMACHash(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{1}))
	rnd := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	for _, h := range macTestHashes {
		for i := range 300 {
			key, a, b := rnd(r.IntN(300)), rnd(r.IntN(200)), rnd(r.IntN(200))
			if i == 0 {
				key = nil
			}
			ref := hmac.New(h.New, key)
			ref.Write(a)
			ref.Write(b)
			want := ref.Sum(nil)
			m := getMAC(h)
			if got := m.sum(nil, key, a, b); !bytes.Equal(got, want) {
				t.Fatalf("%v key %d a %d b %d: %x, want %x", h, len(key), len(a), len(b), got, want)
			}
			// dst aliasing a: a is read before the sum is written.
			a2 := append(make([]byte, 0, len(a)+64), a...)
			if got := m.sum(a2[:0], key, a2, b); !bytes.Equal(got, want) {
				t.Fatalf("%v aliased: %x, want %x", h, got, want)
			}
			// Keyed once, then for two messages.
			m.setKey(key)
			for range 2 {
				if got := m.sumKeyed(nil, a, b); !bytes.Equal(got, want) {
					t.Fatalf("%v keyed: %x, want %x", h, got, want)
				}
			}
			a2 = append(a2[:0], a...)
			if got := m.sumKeyed(a2[:0], a2, b); !bytes.Equal(got, want) {
				t.Fatalf("%v keyed, aliased: %x, want %x", h, got, want)
			}
			putMAC(h, m)
		}
	}
}

// TestHKDFExpandLabelOneBlock checks the one-block path of
// hkdfExpandLabel against crypto/hkdf.Expand over the HkdfLabel built
// with cryptobyte, for every output length up to the hash size (and
// past it, which takes crypto/hkdf itself).
func TestHKDFExpandLabelOneBlock(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{2}))
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384} {
		for n := 1; n <= 2*h.Size(); n++ {
			secret := make([]byte, h.Size())
			ctx := make([]byte, r.IntN(64))
			for i := range secret {
				secret[i] = byte(r.Uint32())
			}
			for i := range ctx {
				ctx[i] = byte(r.Uint32())
			}
			var b cryptobyte.Builder
			b.AddUint16(uint16(n))
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte("tls13 c hs traffic")) })
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(ctx) })
			want, err := hkdf.Expand(h.New, secret, string(b.BytesOrPanic()), n)
			if err != nil {
				t.Fatal(err)
			}
			got, err := hkdfExpandLabel(h, tls13LabelPfx, secret, "c hs traffic", ctx, n)
			if err != nil || !bytes.Equal(got, want) || cap(got) != n {
				t.Fatalf("%v n=%d: %x (cap %d) %v, want %x", h, n, got, cap(got), err, want)
			}
		}
	}
}

// BenchmarkKeySchedule13 is a TLS 1.3 connection's derivations with
// keys from a key log: key and IV of four traffic secrets, and two
// Finished MACs.
func BenchmarkKeySchedule13(b *testing.B) {
	suite, _ := LookupSuite(0x1301)
	secret, th := make([]byte, 32), make([]byte, 32)
	b.ReportAllocs()
	for b.Loop() {
		for range 4 {
			if _, _, err := trafficKey(suite, secret); err != nil {
				b.Fatal(err)
			}
		}
		for range 2 {
			if _, err := FinishedVerifyData13(suite, secret, th); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkPRF12 is a TLS 1.2 connection's PRF work: the key block of an
// AES-128-CBC-SHA suite (104 bytes) and two Finished verify_data.
func BenchmarkPRF12(b *testing.B) {
	prf := prf12(crypto.SHA256)
	secret, seed := make([]byte, 48), make([]byte, 64)
	b.ReportAllocs()
	for b.Loop() {
		prf(secret, labelKeyExpansion, seed, 104)
		prf(secret, labelClientFinished, seed[:32], 12)
		prf(secret, labelServerFinished, seed[:32], 12)
	}
}

// BenchmarkKeyLogLoad loads 10,000 TLS 1.3 connections' lines (5 each,
// as crypto/tls writes them).
func BenchmarkKeyLogLoad(b *testing.B) {
	var buf bytes.Buffer
	for i := range 10000 {
		for _, l := range []string{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"} {
			fmt.Fprintf(&buf, "%s %064x %064x\n", l, i, i+1)
		}
	}
	b.SetBytes(int64(buf.Len()))
	b.Run("reader", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var k KeyLog
			if _, errs := k.Load(bytes.NewReader(buf.Bytes()), "bench"); len(errs) != 0 {
				b.Fatal(errs)
			}
		}
	})
	// From a file, whose size lets Load size its maps.
	path := filepath.Join(b.TempDir(), "keylog")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	b.Run("file", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			var k KeyLog
			if _, errs := k.Load(f, "bench"); len(errs) != 0 {
				b.Fatal(errs)
			}
			f.Close()
		}
	})
}

// BenchmarkKeyLogLookup looks up the four traffic secrets of one TLS 1.3
// connection among 10,000, as a connection with a key log does.
func BenchmarkKeyLogLookup(b *testing.B) {
	var buf bytes.Buffer
	labels := []string{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"}
	for i := range 10000 {
		for _, l := range labels {
			fmt.Fprintf(&buf, "%s %064x %064x\n", l, i, i+1)
		}
	}
	var k KeyLog
	if _, errs := k.Load(&buf, "bench"); len(errs) != 0 {
		b.Fatal(errs)
	}
	randoms := make([][]byte, 10000)
	for i := range randoms {
		randoms[i] = make([]byte, 32)
		randoms[i][30], randoms[i][31] = byte(i>>8), byte(i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		for _, l := range labels {
			if _, ok := k.Lookup(l, randoms[i%len(randoms)]); !ok {
				b.Fatal("not found")
			}
		}
		i++
	}
}

// TestSplitFields holds the key log's field splitter to bytes.Fields
// (count and first three fields) for random lines of letters, ASCII and
// Unicode spaces, control bytes and bytes outside ASCII, in fields long
// and short (plainField checks 8 bytes at a time), some with the single
// spaces of the common line.
func TestSplitFields(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{9}))
	parts := []string{"a", "CLIENT_RANDOM", "0f", " ", "\t", "\v", "\f", "\r", "\n", "\u00a0", "\u2003", "é", "x",
		"0123456789abcdef", " ", " ", "\x01", "\x1f", "!", "\x7f", "\xff", "\x00"}
	for range 200000 {
		var b []byte
		for range r.IntN(12) {
			b = append(b, parts[r.IntN(len(parts))]...)
		}
		var fa [3][]byte
		got, n := splitFields(&fa, b)
		want := bytes.Fields(b)
		if n != len(want) {
			t.Fatalf("%q: %d fields, want %d", b, n, len(want))
		}
		for i := range min(3, len(want)) {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("%q: field %d %q, want %q", b, i, got[i], want[i])
			}
		}
	}
}

// TestKeyLogLoadDoesNotHoldLockOnRead: while Load waits for more of a key
// log (a pipe whose writer has not written the rest), the lines it has
// stored are found and lookups do not wait.
func TestKeyLogLoadDoesNotHoldLockOnRead(t *testing.T) {
	pr, pw := io.Pipe()
	var k KeyLog
	done := make(chan struct{})
	go func() {
		defer close(done)
		k.Load(pr, "pipe")
	}()
	random := bytes.Repeat([]byte{0xab}, 32)
	line := fmt.Sprintf("CLIENT_RANDOM %x %x\n", random, bytes.Repeat([]byte{1}, 48))
	if _, err := pw.Write([]byte(line)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		found := make(chan bool, 1)
		go func() { _, ok := k.Lookup(LabelClientRandom, random); found <- ok }()
		select {
		case ok := <-found:
			if ok {
				pw.Close()
				<-done
				return
			}
		case <-time.After(2 * time.Second):
			t.Fatal("Lookup waited while Load was reading")
		}
		if time.Now().After(deadline) {
			t.Fatal("the line written was never stored")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
