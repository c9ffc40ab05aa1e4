package decrypt

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// fuzzSuites lists the suite and version pairs FuzzDecrypt picks from.
func fuzzSuites(t testing.TB) []*HalfConn {
	var hcs []*HalfConn
	for _, id := range SuiteIDs() {
		s, _ := LookupSuite(id)
		if !s.Available {
			continue
		}
		for _, v := range []uint16{VersionSSL30, VersionTLS10, VersionTLS11, VersionTLS12, VersionTLS13} {
			if halfConnFor(t, s, v, 0) != nil {
				hcs = append(hcs, &HalfConn{suite: s, version: v}) // a description; built fresh per input
			}
		}
	}
	return hcs
}

// FuzzDecrypt feeds records to every suite's HalfConn. Input: bytes 0-1
// the suite id, byte 2 the version (0x03NN; a pair that does not exist
// picks one that does), byte 3 the options (bit 0 DEFLATE, bits 1-7 where
// the payload splits into two records), the rest the payload. The records
// also go through a RecordProtection after a gap (RecordProtection.Open,
// with its sequence search). Invariants: no panic; the input is not
// modified; an AEAD failure gives no plaintext; plaintext is never longer
// than the payload unless inflated, and then at most 16 KiB; a resync
// skips at most maxLostRecords and verifies.
func FuzzDecrypt(f *testing.F) {
	testenv.SeedCorpus(f, "FuzzDecrypt")
	pairs := fuzzSuites(f)
	for _, id := range []uint16{0x002F, 0xC02F, 0xCCA8, 0xC09C, 0x0005} {
		s, _ := LookupSuite(id)
		k, _ := KeysFromMasterSecret(VersionTLS12, s, make([]byte, 48), make([]byte, 32), make([]byte, 32))
		sl := newSealer(f, VersionTLS12, s, k.ClientMAC, k.ClientKey, k.ClientIV, false, false)
		f.Add(append(fuzzHeader(id, VersionTLS12, 0), sl.seal(typeApplicationData, []byte("fuzz seed record"))...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 4 {
			return
		}
		id, version := uint16(data[0])<<8|uint16(data[1]), VersionSSL30|uint16(data[2])
		comp := CompressionNull
		if data[3]&1 != 0 && version != VersionTLS13 {
			comp = CompressionDeflate
		}
		var hc *HalfConn
		if s, ok := LookupSuite(id); ok && s.Available {
			hc = halfConnFor(t, s, version, comp)
		}
		if hc == nil {
			p := pairs[int(id)%len(pairs)]
			version = p.version
			if version == VersionTLS13 {
				comp = CompressionNull
			}
			hc = halfConnFor(t, p.suite, version, comp)
		}
		payload := data[4:]
		split := min(int(data[3]>>1)*8, len(payload))
		check := func(rec, orig, pt []byte, mac MACResult) {
			if !bytes.Equal(orig, rec) {
				t.Fatalf("Decrypt modified its input")
			}
			if mac == MACFailed && hc.suite.IsAEAD() && pt != nil {
				t.Fatalf("AEAD failure with plaintext")
			}
			if comp == CompressionNull && len(pt) > len(rec) {
				t.Fatalf("plaintext %d bytes from %d", len(pt), len(rec))
			}
			if len(pt) > maxPlaintext && len(pt) > len(rec) {
				t.Fatalf("inflated to %d bytes", len(pt))
			}
		}
		recs := [][]byte{payload[:split], payload[split:]}
		for _, rec := range recs {
			orig := append([]byte(nil), rec...)
			pt, _, mac, _ := hc.Decrypt(typeApplicationData, version, rec)
			check(rec, orig, pt, mac)
		}
		// The same records through a RecordProtection after a gap (the
		// sequence search runs), decrypted into one reused Buffer.
		var p RecordProtection
		p.SetPending(halfConnFor(t, hc.suite, version, comp))
		p.ChangeCipherSpec()
		p.Lose()
		var buf Buffer
		for _, rec := range recs {
			orig := append([]byte(nil), rec...)
			r := p.Open(&buf, typeApplicationData, version, rec)
			check(rec, orig, r.Plaintext, r.MAC)
			if r.Resynced > maxLostRecords || (r.Resynced > 0 && r.MAC != MACOK) {
				t.Fatalf("resynced %d records, MAC %v", r.Resynced, r.MAC)
			}
		}
	})
}

func fuzzHeader(id, version uint16, opt byte) []byte {
	return []byte{byte(id >> 8), byte(id), byte(version), opt}
}

// FuzzKeyLog: no panic; every error is a *LineError (or the size cap);
// line numbers never decrease; the count of secrets never exceeds the
// number of lines.
func FuzzKeyLog(f *testing.F) {
	testenv.SeedCorpus(f, "FuzzKeyLog")
	f.Add([]byte("CLIENT_RANDOM " + cr1 + " " + ms48 + "\n# comment\r\n\nRSA 0011223344556677 " + ms48))
	f.Add([]byte("SERVER_HANDSHAKE_TRAFFIC_SECRET " + cr1 + " " + s48 + "\nBOGUS x y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var kl KeyLog
		added, errs := kl.Load(bytes.NewReader(data), "fuzz.log")
		last := 0
		for _, e := range errs {
			var le *LineError
			if !errors.As(e, &le) {
				if !errors.Is(e, ErrTooLarge) {
					t.Fatalf("error without a line: %v", e)
				}
				continue
			}
			if le.Line < last || !strings.HasPrefix(le.Error(), "fuzz.log:") {
				t.Fatalf("bad LineError %v after line %d", le, last)
			}
			last = le.Line
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		if added > lines || kl.Len() > added {
			t.Fatalf("%d added, %d held, from %d lines", added, kl.Len(), lines)
		}
		// Every well-formed CLIENT_RANDOM line's secret is among those
		// held for its random (MaxAlternatives of them at most, the
		// last logged first), the same bytes.
		for _, line := range bytes.Split(data, []byte("\n")) {
			f := bytes.Fields(line)
			if len(f) != 3 || string(f[0]) != LabelClientRandom {
				continue
			}
			cr, err1 := hex.DecodeString(string(f[1]))
			ms, err2 := hex.DecodeString(string(f[2]))
			if err1 != nil || err2 != nil || len(cr) != 32 || len(ms) != 48 {
				continue
			}
			all := kl.LookupAll(LabelClientRandom, cr)
			found := false
			for _, v := range all {
				found = found || bytes.Equal(v, ms)
			}
			if !found && len(all) < MaxAlternatives {
				t.Fatalf("the secret of %q is not held (%d values)", line, len(all))
			}
		}
	})
}

func benchmarkDecrypt(b *testing.B, id uint16, size int) {
	s, _ := LookupSuite(id)
	k, err := KeysFromMasterSecret(VersionTLS12, s, make([]byte, 48), make([]byte, 32), make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	sl := newSealer(b, VersionTLS12, s, k.ClientMAC, k.ClientKey, k.ClientIV, false, false)
	rec := sl.seal(typeApplicationData, make([]byte, size))
	hc, err := NewHalfConn12(VersionTLS12, s, k.ClientMAC, k.ClientKey, k.ClientIV, false, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		hc.SetSequence(0)
		if _, _, mac, err := hc.Decrypt(typeApplicationData, VersionTLS12, rec); mac != MACOK || err != nil {
			b.Fatalf("mac %v err %v", mac, err)
		}
	}
}

func BenchmarkDecryptAES128GCM(b *testing.B)    { benchmarkDecrypt(b, 0xC02F, 16384) }
func BenchmarkDecryptAES128CBCSHA(b *testing.B) { benchmarkDecrypt(b, 0xC013, 16384) }
func BenchmarkDecryptChaCha20(b *testing.B)     { benchmarkDecrypt(b, 0xCCA8, 16384) }

// BenchmarkOpen decrypts records as a connection does, through a
// RecordProtection into one reused Buffer, for 16 KiB and 1 KiB records:
// TLS 1.2 suites and a TLS 1.3 one. Every case should make 0 allocs/op.
func BenchmarkOpen(b *testing.B) {
	for _, c := range []struct {
		name string
		id   uint16
	}{
		{"AES128GCM", 0xC02F}, {"AES128CBCSHA", 0xC013}, {"ChaCha20", 0xCCA8}, {"AES128CCM", 0xC0AC},
		{"TLS13-AES128GCM", 0x1301},
	} {
		for _, size := range []int{16384, 1024} {
			b.Run(fmt.Sprintf("%s/%d", c.name, size), func(b *testing.B) {
				s, _ := LookupSuite(c.id)
				var p RecordProtection
				var rec []byte
				typ := typeApplicationData
				if s.TLS13 {
					secret := make([]byte, s.PRFHash.Size())
					rec = seal13(b, s, secret, 0, typeApplicationData, make([]byte, size), 0)
					p.SetTrafficSecrets(s, nil, secret, false)
				} else {
					k, err := KeysFromMasterSecret(VersionTLS12, s, make([]byte, 48), make([]byte, 32), make([]byte, 32))
					if err != nil {
						b.Fatal(err)
					}
					sl := newSealer(b, VersionTLS12, s, k.ClientMAC, k.ClientKey, k.ClientIV, false, false)
					rec = sl.seal(typeApplicationData, make([]byte, size))
					hc, err := NewHalfConn12(VersionTLS12, s, k.ClientMAC, k.ClientKey, k.ClientIV, false, 0)
					if err != nil {
						b.Fatal(err)
					}
					p.SetPending(hc)
					p.ChangeCipherSpec()
				}
				var buf Buffer
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					p.cur.seq = 0
					if r := p.Open(&buf, typ, VersionTLS12, rec); r.MAC != MACOK || r.Err != nil || len(r.Plaintext) != size {
						b.Fatalf("mac %v err %v, %d bytes", r.MAC, r.Err, len(r.Plaintext))
					}
				}
			})
		}
	}
}
