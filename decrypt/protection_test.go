package decrypt

import (
	"bytes"
	"fmt"
	"testing"
)

// records12 seals n application data records ("record 0", ...) under the
// client keys of a TLS 1.2 suite, and returns them with a RecordProtection
// that has the matching cipher current.
func records12(t *testing.T, id uint16, version uint16, n int) ([][]byte, *RecordProtection) {
	t.Helper()
	s, _ := LookupSuite(id)
	k, err := KeysFromMasterSecret(version, s, make([]byte, 48), make([]byte, 32), make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	sl := newSealer(t, version, s, k.ClientMAC, k.ClientKey, k.ClientIV, false, false)
	var recs [][]byte
	for i := range n {
		recs = append(recs, sl.seal(typeApplicationData, fmt.Appendf(nil, "record %d", i)))
	}
	hc, err := NewHalfConn12(version, s, k.ClientMAC, k.ClientKey, k.ClientIV, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := &RecordProtection{}
	if p.Active() {
		t.Fatal("active before change_cipher_spec")
	}
	p.SetPending(hc)
	p.ChangeCipherSpec()
	return recs, p
}

func wantRecord(t *testing.T, r Opened, i int) {
	t.Helper()
	if r.NoKey || r.MAC != MACOK || r.Err != nil || string(r.Plaintext) != fmt.Sprintf("record %d", i) {
		t.Fatalf("record %d: %+v", i, r)
	}
}

// TestRecordProtectionResync checks the sequence search after a gap: found
// for AEAD and TLS 1.1+ CBC records, with the count of records lost; not
// tried without a gap, nor for chained protections (RC4, TLS 1.0 CBC).
func TestRecordProtectionResync(t *testing.T) {
	for _, tc := range []struct {
		name    string
		id      uint16
		version uint16
		resyncs bool
	}{
		{"GCM", 0xc02f, VersionTLS12, true},
		{"CBC TLS 1.1", 0xc013, VersionTLS11, true},
		{"CBC TLS 1.0", 0xc013, VersionTLS10, false},
		{"RC4", 0x0005, VersionTLS12, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, p := records12(t, tc.id, tc.version, 8)
			var buf Buffer
			wantRecord(t, p.Open(&buf, typeApplicationData, tc.version, recs[0]), 0)
			wantRecord(t, p.Open(&buf, typeApplicationData, tc.version, recs[1]), 1)
			if !tc.resyncs {
				p.Lose()
				if r := p.Open(&buf, typeApplicationData, tc.version, recs[5]); r.MAC != MACFailed || r.Resynced != 0 {
					t.Fatalf("chained protection resynced: %+v", r)
				}
				return
			}
			// Without a gap, a record out of sequence fails.
			if r := p.Open(&buf, typeApplicationData, tc.version, recs[4]); r.MAC != MACFailed || r.Resynced != 0 {
				t.Fatalf("out of sequence without a gap: %+v", r)
			}
			p.Lose()
			r := p.Open(&buf, typeApplicationData, tc.version, recs[6])
			wantRecord(t, r, 6)
			if r.Resynced != 3 { // 3 was the next number after the failed record
				t.Fatalf("resynced %d records, want 3", r.Resynced)
			}
			wantRecord(t, p.Open(&buf, typeApplicationData, tc.version, recs[7]), 7)
		})
	}
}

// TestRecordProtectionTLS13 checks the TLS 1.3 key moves: trial
// decryption under the application key when the handshake key fails, a
// record under an unknown handshake key that is no failure, Advance, and
// the 0-RTT key followed by the handshake keys.
func TestRecordProtectionTLS13(t *testing.T) {
	s, _ := LookupSuite(0x1301)
	hs, app, early := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32), bytes.Repeat([]byte{3}, 32)
	rec := func(secret []byte, seq uint64, i int) []byte {
		return seal13(t, s, secret, seq, typeApplicationData, fmt.Appendf(nil, "record %d", i), 3)
	}
	var buf Buffer

	t.Run("trial", func(t *testing.T) {
		var p RecordProtection
		p.StartHandshake()
		if errs := p.SetTrafficSecrets(s, hs, app, false); errs != nil {
			t.Fatal(errs)
		}
		wantRecord(t, p.Open(&buf, typeApplicationData, VersionTLS12, rec(hs, 0, 0)), 0)
		// The Finished was not seen: the application key is found by trial.
		wantRecord(t, p.Open(&buf, typeApplicationData, VersionTLS12, rec(app, 0, 1)), 1)
		wantRecord(t, p.Open(&buf, typeApplicationData, VersionTLS12, rec(app, 1, 2)), 2)
		if r := p.Open(&buf, typeApplicationData, VersionTLS12, rec(hs, 1, 3)); r.MAC != MACFailed {
			t.Fatalf("handshake key after the application key: %+v", r)
		}
	})
	t.Run("unknown handshake key", func(t *testing.T) {
		var p RecordProtection
		p.StartHandshake()
		p.SetTrafficSecrets(s, nil, app, false)
		if r := p.Open(&buf, typeApplicationData, VersionTLS12, rec(hs, 0, 0)); !r.NoKey {
			t.Fatalf("record under an unknown key: %+v", r)
		}
		wantRecord(t, p.Open(&buf, typeApplicationData, VersionTLS12, rec(app, 0, 1)), 1)
	})
	t.Run("early data then handshake", func(t *testing.T) {
		var p RecordProtection
		p.StartHandshake()
		ec, err := NewHalfConn13(s, early)
		if err != nil {
			t.Fatal(err)
		}
		p.SetEarly(ec)
		wantRecord(t, p.Open(&buf, typeApplicationData, VersionTLS12, rec(early, 0, 0)), 0)
		p.SetTrafficSecrets(s, hs, app, p.Active())
		if !p.EarlyData() {
			t.Fatal("the 0-RTT key is no longer current")
		}
		wantRecord(t, p.Open(&buf, typeApplicationData, VersionTLS12, rec(early, 1, 1)), 1)
		p.Advance() // EndOfEarlyData
		wantRecord(t, p.Open(&buf, typeApplicationData, VersionTLS12, rec(hs, 0, 2)), 2)
		p.Advance() // Finished
		wantRecord(t, p.Open(&buf, typeApplicationData, VersionTLS12, rec(app, 0, 3)), 3)
		if p.EarlyData() {
			t.Fatal("still on the 0-RTT key")
		}
		p.Advance()
		if r := p.Open(&buf, typeApplicationData, VersionTLS12, rec(app, 1, 4)); !r.NoKey || p.Active() {
			t.Fatalf("past the last key: %+v", r)
		}
	})
}

// TestRecordProtectionBuffer checks that the plaintext is in the Buffer,
// reused by the next record, and that a nil Buffer gives fresh memory.
func TestRecordProtectionBuffer(t *testing.T) {
	recs, p := records12(t, 0xc02f, VersionTLS12, 3)
	var buf Buffer
	first := p.Open(&buf, typeApplicationData, VersionTLS12, recs[0]).Plaintext
	second := p.Open(&buf, typeApplicationData, VersionTLS12, recs[1]).Plaintext
	if &first[0] != &second[0] || string(first) != "record 1" {
		t.Fatalf("the Buffer is not reused: %q %q", first, second)
	}
	third := p.Open(nil, typeApplicationData, VersionTLS12, recs[2]).Plaintext
	if &third[0] == &second[0] || string(second) != "record 1" {
		t.Fatal("a nil Buffer wrote into the connection's")
	}
}
