package dtls

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseFragments(t *testing.T) {
	body := clientHelloBody(nil)
	n := uint32(len(body))
	cases := []struct {
		name  string
		in    []byte
		want  []Fragment // Data compared
		err   bool
		whole []bool
	}{
		{name: "openssl client hello", in: fragment(1, n, 0, 0, body),
			want: []Fragment{{Type: 1, Length: n, Offset: 0, FragLen: n, Data: body}}, whole: []bool{true}},
		{name: "two fragments at offsets", in: cat(fragment(11, 100, 2, 0, seqBytes(60, 0)), fragment(11, 100, 2, 60, seqBytes(40, 60))),
			want: []Fragment{
				{Type: 11, Length: 100, MessageSeq: 2, Offset: 0, FragLen: 60, Data: seqBytes(60, 0)},
				{Type: 11, Length: 100, MessageSeq: 2, Offset: 60, FragLen: 40, Data: seqBytes(40, 60)},
			}, whole: []bool{false, false}},
		{name: "three messages", in: cat(fragment(2, 3, 1, 0, []byte{1, 2, 3}), fragment(14, 0, 2, 0, nil), fragment(16, 5, 3, 2, []byte{9})),
			want: []Fragment{
				{Type: 2, Length: 3, MessageSeq: 1, FragLen: 3, Data: []byte{1, 2, 3}},
				{Type: 14, Length: 0, MessageSeq: 2, Data: []byte{}},
				{Type: 16, Length: 5, MessageSeq: 3, Offset: 2, FragLen: 1, Data: []byte{9}},
			}, whole: []bool{true, true, false}},
		{name: "empty fragment at the end", in: fragment(11, 100, 2, 100, nil),
			want: []Fragment{{Type: 11, Length: 100, MessageSeq: 2, Offset: 100, Data: []byte{}}}, whole: []bool{false}},
		{name: "largest message", in: fragment(11, MaxMessageLen, 2, MaxMessageLen-2, []byte{1, 2}),
			want: []Fragment{{Type: 11, Length: MaxMessageLen, MessageSeq: 2, Offset: MaxMessageLen - 2, FragLen: 2, Data: []byte{1, 2}}}, whole: []bool{false}},
		{name: "empty payload"},
		{name: "past the message", in: fragment(11, 100, 2, 90, seqBytes(11, 0)), err: true},
		{name: "offset past the message", in: fragment(11, 100, 2, 101, nil), err: true},
		{name: "above the cap", in: fragment(11, MaxMessageLen+1, 2, 0, []byte{1}), err: true},
		{name: "short header", in: fragment(1, 0, 0, 0, nil)[:11], err: true},
		{name: "fragment past the record", in: fragment(1, n, 0, 0, body)[:40], err: true},
		{name: "good then bad", in: cat(fragment(2, 3, 1, 0, []byte{1, 2, 3}), []byte{1, 2}), err: true,
			want: []Fragment{{Type: 2, Length: 3, MessageSeq: 1, FragLen: 3, Data: []byte{1, 2, 3}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, more, err := ParseFragments(c.in, 10)
			if c.err != (err != nil) || err != nil && !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want error %v", err, c.err)
			}
			if more != 0 || len(got) != len(c.want) {
				t.Fatalf("%d fragments, %d more, want %d", len(got), more, len(c.want))
			}
			for i, f := range got {
				w := c.want[i]
				if f.Type != w.Type || f.Length != w.Length || f.MessageSeq != w.MessageSeq || f.Offset != w.Offset ||
					f.FragLen != w.FragLen || !bytes.Equal(f.Data, w.Data) || uint32(len(f.Data)) != f.FragLen {
					t.Errorf("fragment %d: %+v, want %+v", i, f, w)
				}
				if !within(f.Data, c.in) {
					t.Errorf("fragment %d: data outside the input", i)
				}
				if i < len(c.whole) && f.Whole() != c.whole[i] {
					t.Errorf("fragment %d: Whole() = %v", i, f.Whole())
				}
			}
		})
	}
	// Caps.
	in := cat(fragment(2, 3, 1, 0, []byte{1, 2, 3}), fragment(14, 0, 2, 0, nil), fragment(16, 5, 3, 2, []byte{9}))
	for max, want := range []int{0, 1, 2, 3, 3} {
		got, more, err := ParseFragments(in, max)
		if err != nil || len(got) != want || more != 3-want {
			t.Errorf("max %d: %d fragments, %d more, %v", max, len(got), more, err)
		}
	}
	// A record cut at every byte.
	for n := 0; n < len(in); n++ {
		got, _, err := ParseFragments(in[:n], 10)
		if (err == nil) != (n == 0 || n == 15 || n == 27) {
			t.Fatalf("cut at %d: %d fragments, %v", n, len(got), err)
		}
	}
}

func TestClientHelloRecordRoundTrip(t *testing.T) {
	// The first record of an OpenSSL DTLS 1.2 handshake, down to the body
	// a TLS parser reads.
	d := clientHelloRecord()
	if d[0] != 0x16 || d[1] != 0xfe || d[2] != 0xff || !bytes.Equal(d[3:11], make([]byte, 8)) {
		t.Fatalf("record header %x", d[:13])
	}
	recs, _, err := ParseDatagram(d, 0, 4)
	if err != nil || len(recs) != 1 {
		t.Fatal(recs, err)
	}
	frags, _, err := ParseFragments(recs[0].Payload, 4)
	if err != nil || len(frags) != 1 || !frags[0].Whole() || frags[0].Type != HandshakeClientHello {
		t.Fatal(frags, err)
	}
	cookie, tlsBody, err := ClientHelloCookie(frags[0].Data)
	if err != nil || len(cookie) != 0 {
		t.Fatal(cookie, err)
	}
	if len(tlsBody) != len(frags[0].Data)-1 || tlsBody[0] != 0xfe || tlsBody[1] != 0xfd {
		t.Errorf("tls body %x", tlsBody)
	}
	h := Header4(frags[0].Type, uint32(len(tlsBody)))
	if h[0] != 1 || int(h[1])<<16|int(h[2])<<8|int(h[3]) != len(tlsBody) {
		t.Errorf("Header4 = %x", h)
	}
}

func TestClientHelloCookie(t *testing.T) {
	cookie := seqBytes(20, 0xc0)
	withCookie := clientHelloBody(cookie)
	noCookie := clientHelloBody(nil)
	sid := seqBytes(32, 0x50)
	withSID := cat(noCookie[:34], []byte{32}, sid, []byte{3, 7, 8, 9}, noCookie[36:])
	withSIDTLS := cat(noCookie[:34], []byte{32}, sid, noCookie[36:])
	cases := []struct {
		name    string
		in      []byte
		cookie  []byte
		tlsBody []byte
		err     bool
	}{
		{"empty cookie", noCookie, []byte{}, cat(noCookie[:35], noCookie[36:]), false},
		{"cookie of 20", withCookie, cookie, cat(noCookie[:35], noCookie[36:]), false},
		{"session id and cookie", withSID, []byte{7, 8, 9}, withSIDTLS, false},
		{"nothing after the cookie", noCookie[:36], []byte{}, noCookie[:35], false},
		{"cookie of 255", cat(noCookie[:35], []byte{255}, make([]byte, 255), []byte{0xaa}), make([]byte, 255), cat(noCookie[:35], []byte{0xaa}), false},
		{"no cookie field", noCookie[:35], nil, nil, true},
		{"cookie past the body", cat(noCookie[:35], []byte{5, 1, 2}), nil, nil, true},
		{"session id of 33", cat(noCookie[:34], []byte{33}, make([]byte, 40)), nil, nil, true},
		{"short random", noCookie[:20], nil, nil, true},
		{"empty", nil, nil, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := append([]byte(nil), c.in...)
			cookie, tlsBody, err := ClientHelloCookie(in)
			if c.err {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(cookie, c.cookie) || !bytes.Equal(tlsBody, c.tlsBody) {
				t.Errorf("cookie %x body %x, want %x %x", cookie, tlsBody, c.cookie, c.tlsBody)
			}
			if !within(cookie, in) {
				t.Errorf("cookie outside the input")
			}
			if !bytes.Equal(in, c.in) {
				t.Errorf("input modified")
			}
		})
	}
}

func TestParseHelloVerifyRequest(t *testing.T) {
	cookie := seqBytes(20, 0x33)
	cases := []struct {
		name    string
		in      []byte
		version uint16
		cookie  []byte
		err     bool
	}{
		{"dtls10 cookie", cat([]byte{0xfe, 0xff, 20}, cookie), 0xfeff, cookie, false},
		{"pre-rfc", cat([]byte{0x01, 0x00, 20}, cookie), 0x0100, cookie, false},
		{"empty cookie", []byte{0xfe, 0xfd, 0}, 0xfefd, []byte{}, false},
		{"cookie of 255", cat([]byte{0xfe, 0xfd, 255}, make([]byte, 255)), 0xfefd, make([]byte, 255), false},
		{"trailing byte", cat([]byte{0xfe, 0xff, 20}, cookie, []byte{0}), 0, nil, true},
		{"short cookie", cat([]byte{0xfe, 0xff, 21}, cookie), 0, nil, true},
		{"no cookie length", []byte{0xfe, 0xff}, 0, nil, true},
		{"empty", nil, 0, nil, true},
	}
	for _, c := range cases {
		v, cookie, err := ParseHelloVerifyRequest(c.in)
		if c.err != (err != nil) || err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", c.name, err)
			continue
		}
		if v != c.version || !bytes.Equal(cookie, c.cookie) || !within(cookie, c.in) {
			t.Errorf("%s: %#x %x, want %#x %x", c.name, v, cookie, c.version, c.cookie)
		}
	}
}

func TestParseACK(t *testing.T) {
	entry := func(e, s uint64) []byte { return cat(be(8, e), be(8, s)) }
	many := func(n int) []byte {
		b := be(2, uint64(16*n))
		for i := 0; i < n; i++ {
			b = append(b, entry(2, uint64(i))...)
		}
		return b
	}
	cases := []struct {
		name string
		in   []byte
		want []RecordNumber
		err  bool
	}{
		{"empty vector", []byte{0, 0}, nil, false},
		{"two", cat(be(2, 32), entry(2, 0), entry(3, 0x0000ffffffffffff)), []RecordNumber{{2, 0}, {3, 0x0000ffffffffffff}}, false},
		{"cap", many(MaxACKEntries), nil, false},
		{"above cap", many(MaxACKEntries + 1), nil, true},
		{"partial entry", cat(be(2, 24), entry(2, 0), make([]byte, 8)), nil, true},
		{"vector past payload", cat(be(2, 32), entry(2, 0)), nil, true},
		{"trailing", cat(be(2, 16), entry(2, 0), []byte{0}), nil, true},
		{"short", []byte{0}, nil, true},
		{"empty", nil, nil, true},
	}
	for _, c := range cases {
		got, err := ParseACK(c.in)
		if c.err != (err != nil) || err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v", c.name, err)
			continue
		}
		if c.name == "cap" {
			if len(got) != MaxACKEntries || got[MaxACKEntries-1] != (RecordNumber{2, MaxACKEntries - 1}) {
				t.Errorf("cap: %d entries", len(got))
			}
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
	}
}

func TestHeader12(t *testing.T) {
	// The ServerHello of RFC 6347's examples: type 2, 77 bytes, message_seq 1.
	want := [12]byte{2, 0, 0, 77, 0, 1, 0, 0, 0, 0, 0, 77}
	if h := Header12(2, 77, 1); h != want {
		t.Errorf("Header12 = %x, want %x", h, want)
	}
	if h := Header12(11, 0x012345, 0xabcd); h != [12]byte{11, 1, 0x23, 0x45, 0xab, 0xcd, 0, 0, 0, 1, 0x23, 0x45} {
		t.Errorf("Header12 = %x", h)
	}
}

func TestHeader4(t *testing.T) {
	if h := Header4(11, 0x012345); h != [4]byte{11, 0x01, 0x23, 0x45} {
		t.Errorf("Header4 = %x", h)
	}
	if h := Header4(1, MaxMessageLen); h != [4]byte{1, 0x04, 0x00, 0x00} {
		t.Errorf("Header4 = %x", h)
	}
}
