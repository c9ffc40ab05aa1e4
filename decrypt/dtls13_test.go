package decrypt

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func TestRebuildSeq(t *testing.T) {
	for _, c := range []struct {
		expected, truncated uint64
		bits                uint
		want                uint64
	}{
		{0, 0, 8, 0},
		{1, 5, 8, 5},
		{255, 0, 8, 256},    // the low byte wrapped
		{256, 0xff, 8, 255}, // a record just before, sent late
		{0x1234, 0x34, 8, 0x1234},
		{0x1234, 0x30, 8, 0x1230}, // reordered, behind
		{0xfff0, 0x0003, 16, 0x10003},
		{0x10003, 0xfff0, 16, 0xfff0},
		{0, 0xff, 8, 0xff}, // nothing below 0: ahead
	} {
		if got := rebuildSeq(c.expected, c.truncated, c.bits); got != c.want {
			t.Errorf("rebuildSeq(%#x, %#x, %d) = %#x, want %#x", c.expected, c.truncated, c.bits, got, c.want)
		}
	}
}

// sealUnified makes one record with a unified header (no connection ID,
// a length, seqLen bytes of sequence number) under k.
func sealUnified(k *DTLS13Keys, epoch, seq uint64, seqLen int, typ uint8, pt []byte) UnifiedRecord {
	first := byte(0x20 | 0x04 | byte(epoch&3))
	hdr := []byte{first}
	if seqLen == 2 {
		hdr[0] |= 0x08
		hdr = append(hdr, byte(seq>>8), byte(seq))
	} else {
		hdr = append(hdr, byte(seq))
	}
	n := len(pt) + 1 + k.aead.Overhead()
	hdr = append(hdr, byte(n>>8), byte(n))
	h, payload := k.Seal(hdr, 1, seqLen, seq, typ, pt)
	return UnifiedRecord{Header: h, SeqOffset: 1, SeqLen: seqLen, EpochBits: uint8(epoch & 3), Payload: payload}
}

// TestDTLS13Epochs seals records the way a DTLS 1.3 sender does, across
// the handshake epoch, the first application epoch and five KeyUpdates,
// with 8-bit sequence numbers that wrap and a handshake record sent again
// late, and opens them all with the protection built from the secrets
// alone.
func TestDTLS13Epochs(t *testing.T) {
	for _, id := range []uint16{0x1301, 0x1302, 0x1303, 0x1304, 0x1305} {
		t.Run(fmt.Sprintf("%#04x", id), func(t *testing.T) {
			suite, _ := LookupSuite(id)
			hsSecret := bytes.Repeat([]byte{1}, suite.PRFHash.Size())
			app0 := bytes.Repeat([]byte{2}, suite.PRFHash.Size())
			send := map[uint64]*DTLS13Keys{}
			var err error
			if send[2], err = NewDTLS13Keys(suite, hsSecret); err != nil {
				t.Fatal(err)
			}
			if send[3], err = NewDTLS13Keys(suite, app0); err != nil {
				t.Fatal(err)
			}
			for e := uint64(4); e <= 8; e++ {
				if send[e], err = send[e-1].nextEpoch(); err != nil {
					t.Fatal(err)
				}
			}
			type rec struct {
				epoch, seq uint64
				seqLen     int
			}
			var recs []rec
			for s := uint64(0); s < 3; s++ {
				recs = append(recs, rec{2, s, 2})
			}
			for s := uint64(0); s < 300; s++ { // the 8-bit number wraps
				recs = append(recs, rec{3, s, 1})
			}
			recs = append(recs, rec{2, 3, 2}) // a late handshake record
			for e := uint64(4); e <= 8; e++ {
				recs = append(recs, rec{e, 0, 1}, rec{e, 1, 2})
			}
			var p DTLS13Protection
			if errs := p.SetSecrets(suite, nil, hsSecret, app0); len(errs) > 0 {
				t.Fatal(errs)
			}
			var buf Buffer
			for i, r := range recs {
				msg := []byte(fmt.Sprintf("record %d", i))
				u := sealUnified(send[r.epoch], r.epoch, r.seq, r.seqLen, 23, msg)
				o := p.Open(&buf, u)
				if o.MAC != MACOK || o.Err != nil || o.Epoch != r.epoch || o.Seq != r.seq || o.Type != 23 || !bytes.Equal(o.Plaintext, msg) {
					t.Fatalf("record %d (epoch %d seq %d): %+v", i, r.epoch, r.seq, o)
				}
			}
		})
	}
}

func TestDTLS13OpenFailures(t *testing.T) {
	suite, _ := LookupSuite(0x1301)
	secret := bytes.Repeat([]byte{7}, 32)
	k, _ := NewDTLS13Keys(suite, secret)
	var buf Buffer

	var none DTLS13Protection
	if o := none.Open(&buf, sealUnified(k, 3, 0, 1, 23, []byte("x"))); !o.NoKey {
		t.Errorf("no keys: %+v", o)
	}
	// Only the application secret: a handshake record has no key, it did
	// not fail.
	var p DTLS13Protection
	p.SetSecrets(suite, nil, nil, secret)
	hk, _ := NewDTLS13Keys(suite, bytes.Repeat([]byte{8}, 32))
	if o := p.Open(&buf, sealUnified(hk, 2, 0, 1, 22, []byte("hs"))); !o.NoKey {
		t.Errorf("handshake record without its secret: %+v", o)
	}
	// A record of the right epoch under other keys fails.
	other, _ := NewDTLS13Keys(suite, bytes.Repeat([]byte{9}, 32))
	if o := p.Open(&buf, sealUnified(other, 3, 0, 1, 23, []byte("x"))); o.MAC != MACFailed || o.NoKey {
		t.Errorf("wrong key: %+v", o)
	}
	// A flipped ciphertext bit fails; the record before and after open.
	u := sealUnified(k, 3, 0, 1, 23, []byte("payload"))
	u.Payload[len(u.Payload)-1] ^= 1
	if o := p.Open(&buf, u); o.MAC != MACFailed {
		t.Errorf("corrupted tag: %+v", o)
	}
	if o := p.Open(&buf, sealUnified(k, 3, 1, 1, 23, []byte("next"))); o.MAC != MACOK || string(o.Plaintext) != "next" {
		t.Errorf("after a failure: %+v", o)
	}
	short := UnifiedRecord{Header: []byte{0x2f, 0, 0, 5}, SeqOffset: 1, SeqLen: 2, EpochBits: 3, Payload: make([]byte, 15)}
	if o := p.Open(&buf, short); !errors.Is(o.Err, ErrShortRecord) {
		t.Errorf("15-byte record: %+v", o)
	}
	bad := UnifiedRecord{Header: []byte{0x2f}, SeqOffset: 1, SeqLen: 2, EpochBits: 3, Payload: make([]byte, 32)}
	if o := p.Open(&buf, bad); !errors.Is(o.Err, ErrBadLength) {
		t.Errorf("header too short for its sequence number: %+v", o)
	}
	// Padding only: verified, no inner type.
	if o := p.Open(&buf, sealUnified(k, 3, 2, 1, 0, nil)); o.MAC != MACOK || !errors.Is(o.Err, ErrNoInnerType) {
		t.Errorf("all padding: %+v", o)
	}
}

// FuzzDTLS13Open opens arbitrary unified records under fixed keys: no
// panic, and a verdict for each.
func FuzzDTLS13Open(f *testing.F) {
	suite, _ := LookupSuite(0x1303)
	secret := bytes.Repeat([]byte{3}, 32)
	k, _ := NewDTLS13Keys(suite, secret)
	u := sealUnified(k, 3, 5, 2, 23, []byte("seed"))
	f.Add(u.Header, 1, 2, uint8(3), u.Payload)
	f.Add([]byte{0x2c, 1}, 1, 1, uint8(0), make([]byte, 40))
	f.Fuzz(func(t *testing.T, hdr []byte, seqOff, seqLen int, bits uint8, payload []byte) {
		var p DTLS13Protection
		p.SetSecrets(suite, secret, secret, secret)
		var buf Buffer
		o := p.Open(&buf, UnifiedRecord{Header: hdr, SeqOffset: seqOff, SeqLen: seqLen, EpochBits: bits, Payload: payload})
		if o.MAC == MACOK && o.Err == nil && len(o.Plaintext) > len(payload) {
			t.Fatalf("plaintext of %d bytes from %d", len(o.Plaintext), len(payload))
		}
	})
}
