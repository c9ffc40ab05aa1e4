package dtls

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseRecord(t *testing.T) {
	cid := []byte{0xc1, 0xc2, 0xc3, 0xc4}
	pay := seqBytes(20, 0x80)
	cases := []struct {
		name   string
		in     []byte
		cidLen int
		want   Record
		hdrLen int
		err    bool
	}{
		{name: "openssl client hello", in: clientHelloRecord(),
			want: Record{ContentType: 22, Version: 0xfeff}, hdrLen: 13},
		{name: "dtls12 application data", in: plain(23, 0xfefd, 1, 0x010203040506, nil, pay),
			want: Record{ContentType: 23, Version: 0xfefd, Epoch: 1, Seq: 0x010203040506, Payload: pay}, hdrLen: 13},
		{name: "pre-rfc openssl", in: plain(20, 0x0100, 0, 7, nil, []byte{1}),
			want: Record{ContentType: 20, Version: 0x0100, Seq: 7, Payload: []byte{1}}, hdrLen: 13},
		{name: "empty payload", in: plain(21, 0xfefd, 0, 0, nil, nil),
			want: Record{ContentType: 21, Version: 0xfefd, Payload: []byte{}}, hdrLen: 13},
		{name: "ack", in: plain(26, 0xfefd, 0, 3, nil, []byte{0, 0}),
			want: Record{ContentType: 26, Version: 0xfefd, Seq: 3, Payload: []byte{0, 0}}, hdrLen: 13},
		{name: "tls12_cid", in: plain(25, 0xfefd, 1, 9, cid, pay), cidLen: 4,
			want: Record{ContentType: 25, Version: 0xfefd, Epoch: 1, Seq: 9, CID: cid, Payload: pay}, hdrLen: 17},
		{name: "tls12_cid zero-length", in: plain(25, 0xfefd, 1, 9, nil, pay),
			want: Record{ContentType: 25, Version: 0xfefd, Epoch: 1, Seq: 9, CID: []byte{}, Payload: pay}, hdrLen: 13},
		{name: "cid ignored in other types", in: plain(23, 0xfefd, 1, 9, nil, pay), cidLen: 4,
			want: Record{ContentType: 23, Version: 0xfefd, Epoch: 1, Seq: 9, Payload: pay}, hdrLen: 13},
		{name: "unified 8-bit seq no length", in: cat([]byte{0x21, 0x5a}, pay),
			want: Record{ContentType: 0x21, Seq: 0x5a, Payload: pay, Unified: true, SeqLen: 1, EpochBits: 1}, hdrLen: 2},
		{name: "unified 16-bit seq length", in: cat([]byte{0x2e, 0x12, 0x34}, be(2, 20), pay),
			want: Record{ContentType: 0x2e, Seq: 0x1234, Payload: pay, Unified: true, SeqLen: 2, EpochBits: 2, HasLength: true}, hdrLen: 5},
		{name: "unified cid 16-bit seq length", in: cat([]byte{0x3f}, cid, []byte{0xab, 0xcd}, be(2, 20), pay), cidLen: 4,
			want: Record{ContentType: 0x3f, Seq: 0xabcd, CID: cid, Payload: pay, Unified: true, SeqLen: 2, EpochBits: 3, HasLength: true}, hdrLen: 9},
		{name: "unified cid 8-bit seq no length", in: cat([]byte{0x30}, cid, []byte{0x07}, pay), cidLen: 4,
			want: Record{ContentType: 0x30, Seq: 7, CID: cid, Payload: pay, Unified: true, SeqLen: 1}, hdrLen: 6},
		{name: "unified empty", in: []byte{0x20, 0x01},
			want: Record{ContentType: 0x20, Seq: 1, Payload: []byte{}, Unified: true, SeqLen: 1}, hdrLen: 2},
		{name: "empty", in: nil, err: true},
		{name: "content type 19", in: plain(19, 0xfefd, 0, 0, nil, pay), err: true},
		{name: "content type 27", in: plain(27, 0xfefd, 0, 0, nil, pay), err: true},
		{name: "rtp", in: cat([]byte{0x80, 0x60}, pay), err: true},
		{name: "short header", in: plain(22, 0xfefd, 0, 0, nil, nil)[:12], err: true},
		{name: "length past datagram", in: plain(22, 0xfefd, 0, 0, nil, pay)[:30], err: true},
		{name: "length above cap", in: cat(plain(23, 0xfefd, 0, 0, nil, nil)[:11], be(2, MaxRecordLen+1), make([]byte, MaxRecordLen+1)), err: true},
		{name: "tls12_cid too short for cid", in: plain(25, 0xfefd, 1, 9, nil, nil)[:14], cidLen: 4, err: true},
		{name: "negative cidLen", in: plain(23, 0xfefd, 0, 0, nil, pay), cidLen: -1, err: true},
		{name: "cidLen above 255", in: plain(23, 0xfefd, 0, 0, nil, pay), cidLen: 256, err: true},
		{name: "unified no seq", in: []byte{0x20}, err: true},
		{name: "unified short 16-bit seq", in: []byte{0x28, 1}, err: true},
		{name: "unified short length", in: []byte{0x24, 1, 0}, err: true},
		{name: "unified length past", in: cat([]byte{0x2c, 1, 2, 0, 21}, pay), err: true},
		{name: "unified too short for cid", in: []byte{0x30, 1, 2}, cidLen: 4, err: true},
		{name: "unified no length above cap", in: cat([]byte{0x20, 1}, make([]byte, MaxRecordLen+1)), err: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec, rest, err := ParseRecord(c.in, c.cidLen)
			if c.err {
				if err == nil || !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rest) != 0 {
				t.Errorf("%d bytes left", len(rest))
			}
			if c.want.Payload == nil {
				c.want.Payload = c.in[c.hdrLen:]
			}
			if rec.ContentType != c.want.ContentType || rec.Version != c.want.Version || rec.Epoch != c.want.Epoch ||
				rec.Seq != c.want.Seq || rec.Unified != c.want.Unified || rec.SeqLen != c.want.SeqLen ||
				rec.EpochBits != c.want.EpochBits || rec.HasLength != c.want.HasLength {
				t.Errorf("got %+v, want %+v", rec, c.want)
			}
			if !bytes.Equal(rec.Payload, c.want.Payload) || !bytes.Equal(rec.CID, c.want.CID) || (rec.CID == nil) != (c.want.CID == nil) {
				t.Errorf("payload %x cid %x, want %x %x", rec.Payload, rec.CID, c.want.Payload, c.want.CID)
			}
			if !bytes.Equal(rec.Header, c.in[:c.hdrLen]) {
				t.Errorf("header %x, want %x", rec.Header, c.in[:c.hdrLen])
			}
			for _, s := range [][]byte{rec.Payload, rec.CID, rec.Header, rest} {
				if !within(s, c.in) {
					t.Errorf("slice %x outside the input or capacity not capped", s)
				}
			}
		})
	}
}

// datagram is three records of one flight: ChangeCipherSpec, a handshake
// record and a tls12_cid record (CID of 2 bytes).
func datagram() []byte {
	return cat(
		plain(20, 0xfefd, 0, 5, nil, []byte{1}),
		clientHelloRecord(),
		plain(25, 0xfefd, 1, 0, []byte{0xaa, 0xbb}, seqBytes(40, 0)),
	)
}

func TestParseDatagram(t *testing.T) {
	d := datagram()
	recs, more, err := ParseDatagram(d, 2, 10)
	if err != nil || more != 0 || len(recs) != 3 {
		t.Fatalf("%d records, %d more, %v", len(recs), more, err)
	}
	for i, typ := range []uint8{20, 22, 25} {
		if recs[i].ContentType != typ {
			t.Errorf("record %d: type %d, want %d", i, recs[i].ContentType, typ)
		}
	}
	if !bytes.Equal(recs[2].CID, []byte{0xaa, 0xbb}) || len(recs[2].Payload) != 40 {
		t.Errorf("cid record: %+v", recs[2])
	}

	// Caps.
	for max, want := range []int{0, 1, 2, 3, 3} {
		recs, more, err := ParseDatagram(d, 2, max)
		if err != nil || len(recs) != want || more != 3-want {
			t.Errorf("max %d: %d records, %d more, %v", max, len(recs), more, err)
		}
	}
	if recs, more, err := ParseDatagram(d, 2, -5); err != nil || len(recs) != 0 || more != 3 {
		t.Errorf("max -5: %d records, %d more, %v", len(recs), more, err)
	}

	// Unified records: one with a length, then one taking the rest.
	u := cat([]byte{0x2d, 0, 1}, be(2, 17), seqBytes(17, 1), []byte{0x29, 0, 2}, seqBytes(30, 2))
	recs, _, err = ParseDatagram(u, 0, 10)
	if err != nil || len(recs) != 2 || len(recs[0].Payload) != 17 || len(recs[1].Payload) != 30 || recs[1].HasLength {
		t.Errorf("unified: %+v, %v", recs, err)
	}

	// A datagram cut at every byte: no panic, an error, the whole records
	// before the cut kept.
	ends := []int{14, 14 + len(clientHelloRecord()), len(d)}
	for n := 0; n < len(d); n++ {
		recs, more, err := ParseDatagram(d[:n], 2, 10)
		whole := 0
		for _, e := range ends {
			if e <= n {
				whole++
			}
		}
		atEnd := n == 0 || n == ends[0] || n == ends[1]
		if atEnd != (err == nil) {
			t.Fatalf("cut at %d: err %v", n, err)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("cut at %d: %v does not wrap ErrMalformed", n, err)
		}
		if len(recs) != whole || more != 0 {
			t.Fatalf("cut at %d: %d records, %d more, want %d", n, len(recs), more, whole)
		}
	}

	// A bad record after good ones.
	bad := cat(plain(20, 0xfefd, 0, 5, nil, []byte{1}), []byte{0x05, 0xfe, 0xfd})
	recs, _, err = ParseDatagram(bad, 0, 10)
	if len(recs) != 1 || !errors.Is(err, ErrMalformed) {
		t.Errorf("bad second record: %d records, %v", len(recs), err)
	}
}

func TestLooksLikeDTLS(t *testing.T) {
	stun := cat([]byte{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42}, seqBytes(12, 1))
	rtp := cat([]byte{0x80, 0x60, 0x00, 0x01}, seqBytes(40, 0))
	cases := []struct {
		name string
		in   []byte
		want bool
	}{
		{"client hello", clientHelloRecord(), true},
		{"datagram with cid", datagram(), true},
		{"pre-rfc", plain(22, 0x0100, 0, 0, nil, seqBytes(10, 0)), true},
		{"dtls10 alert", plain(21, 0xfeff, 1, 0, nil, seqBytes(26, 0)), true},
		{"ack", plain(26, 0xfefd, 0, 0, nil, []byte{0, 0}), true},
		{"tls12_cid alone", plain(25, 0xfefd, 1, 0, seqBytes(8, 0), seqBytes(40, 0)), true},
		{"unified with length", cat([]byte{0x2c, 0, 1}, be(2, 20), seqBytes(20, 0)), true},
		{"unified with cid and length", cat([]byte{0x3c}, seqBytes(8, 0x11), []byte{0, 1}, be(2, 20), seqBytes(20, 0)), true},
		{"unified without length", cat([]byte{0x28, 0, 1}, seqBytes(20, 0)), false},
		{"unified too short", cat([]byte{0x2c, 0, 1}, be(2, 10), seqBytes(10, 0)), false},
		{"unified length past", cat([]byte{0x2c, 0, 1}, be(2, 30), seqBytes(20, 0)), false},
		{"tls version", plain(22, 0x0303, 0, 0, nil, seqBytes(10, 0)), false},
		{"dtls13 version", plain(22, 0xfefc, 0, 0, nil, seqBytes(10, 0)), false},
		{"length past", plain(22, 0xfefd, 0, 0, nil, seqBytes(10, 0))[:20], false},
		{"short", clientHelloRecord()[:12], false},
		{"stun", stun, false},
		{"rtp", rtp, false},
		{"empty", nil, false},
	}
	for _, c := range cases {
		if got := LooksLikeDTLS(c.in); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestClassify(t *testing.T) {
	stun := cat([]byte{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42}, seqBytes(12, 1))
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"stun binding request", stun, "stun"},
		{"stun without cookie", cat([]byte{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x43}, seqBytes(12, 1)), "unknown"},
		{"stun short", stun[:8], "unknown"},
		{"rtp", cat([]byte{0x80, 0x60, 0x00, 0x01}, seqBytes(8, 0), seqBytes(20, 0)), "rtp"},
		{"rtcp", []byte{0x81, 0xc8, 0x00, 0x06}, "rtp"},
		{"dtls", clientHelloRecord(), "dtls"},
		{"dtls13 unified", []byte{0x2c, 0, 1, 0, 0}, "dtls"},
		{"zrtp", []byte{0x10, 0, 0, 0}, "zrtp"},
		{"turn channel", []byte{0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4}, "turn"},
		{"quic", []byte{0xc0, 0, 0, 0, 1}, "unknown"},
		{"empty", nil, "unknown"},
	}
	for _, c := range cases {
		if got := Classify(c.in); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	for b := 0; b < 256; b++ {
		if IsDTLSFirstByte(byte(b)) != (b >= 20 && b <= 63) {
			t.Errorf("IsDTLSFirstByte(%d)", b)
		}
	}
}

func TestVersionName(t *testing.T) {
	for v, want := range map[uint16]string{
		0xfeff: "DTLS 1.0", 0xfefd: "DTLS 1.2", 0xfefc: "DTLS 1.3",
		0x0100: "DTLS 1.0 (OpenSSL pre-RFC)", 0xfefe: "0xfefe", 0x0303: "0x0303",
	} {
		if got := VersionName(v); got != want {
			t.Errorf("VersionName(%#x) = %q, want %q", v, got, want)
		}
	}
}

func TestGuessCIDLen(t *testing.T) {
	// A unified header with the C bit, an 8-byte CID, a 16-bit sequence
	// number and a length: only an 8-byte CID makes the datagram parse.
	rec := append([]byte{0x3f}, bytes.Repeat([]byte{0xcc}, 8)...)
	rec = append(rec, 0x12, 0x34, 0, 20)
	rec = append(rec, make([]byte, 20)...)
	if n, unique, ok := GuessCIDLen(rec); n != 8 || !unique || !ok {
		t.Errorf("GuessCIDLen = %d, %v, %v; want 8, unique", n, unique, ok)
	}
	// Without a length field the record takes the rest: every length fits.
	noLen := append([]byte{0x3b}, make([]byte, 40)...)
	if n, unique, ok := GuessCIDLen(noLen); n != 0 || unique || !ok {
		t.Errorf("no length field: %d, %v, %v; want 0, not unique", n, unique, ok)
	}
	if _, _, ok := GuessCIDLen([]byte{0x3f, 1, 2}); ok {
		t.Error("3 bytes: a length found")
	}
}
