package dns

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/crypto/cryptobyte"

	"github.com/ssldissect/ssldissect/parser"
)

// name appends a name in wire form, uncompressed.
func name(b *cryptobyte.Builder, n string) {
	for _, l := range bytes.Split([]byte(n), []byte(".")) {
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(l) })
	}
	b.AddUint8(0)
}

// httpsResponse builds a response to "HTTPS? qname" whose one answer is an
// HTTPS record with owner compressed to a pointer to the question's name
// (offset 12), alpn and ech params.
func httpsResponse(qname string, ech []byte) []byte {
	var b cryptobyte.Builder
	b.AddUint16(0x1234)
	b.AddUint16(0x8180) // response, RD, RA
	b.AddUint16(1)
	b.AddUint16(1)
	b.AddUint16(0)
	b.AddUint16(0)
	name(&b, qname)
	b.AddUint16(65)
	b.AddUint16(1)
	b.AddUint16(0xc00c) // owner: pointer to the question's name
	b.AddUint16(65)
	b.AddUint16(1)
	b.AddUint32(300)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint16(1) // ServiceMode
		b.AddUint8(0)  // TargetName "."
		b.AddUint16(SvcParamALPN)
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte("h2")) })
		})
		b.AddUint16(SvcParamECH)
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(ech) })
	})
	return b.BytesOrPanic()
}

func TestParseHTTPS(t *testing.T) {
	ech := []byte{0, 4, 0xfe, 0x0d, 0, 0}
	msg := httpsResponse("public.test", ech)
	m, err := Parse(msg)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Response() || m.ID != 0x1234 || m.RCode() != 0 || m.Opcode() != 0 {
		t.Errorf("header %+v", m.Header)
	}
	if len(m.Questions) != 1 || m.Questions[0] != (Question{Name: "public.test", Type: TypeHTTPS, Class: 1}) {
		t.Errorf("questions %+v", m.Questions)
	}
	if len(m.Answers) != 1 {
		t.Fatalf("answers %+v", m.Answers)
	}
	a := m.Answers[0]
	if a.Name != "public.test" || a.Type != TypeHTTPS || a.TTL != 300 || a.SVCB == nil {
		t.Fatalf("answer %+v", a)
	}
	if a.SVCB.Priority != 1 || a.SVCB.Target != "." || len(a.SVCB.Params) != 2 {
		t.Errorf("svcb %+v", a.SVCB)
	}
	if v, ok := a.SVCB.Param(SvcParamALPN); !ok || string(v) != "\x02h2" {
		t.Errorf("alpn %q", v)
	}
	l := m.ECHConfigLists()
	if len(l) != 1 || l[0].Query != "public.test" || l[0].Owner != "public.test" || l[0].Type != TypeHTTPS || !bytes.Equal(l[0].List, ech) {
		t.Errorf("ECHConfigLists %+v", l)
	}
	// A query (QR clear) gives no configs.
	q := bytes.Clone(msg)
	q[2] &^= 0x80
	if m, err := Parse(q); err != nil || m.ECHConfigLists() != nil {
		t.Errorf("query: %v %+v", err, m)
	}
	// No strict prefix parses.
	for i := range len(msg) {
		if _, err := Parse(msg[:i]); err == nil {
			t.Fatalf("prefix of %d bytes parsed", i)
		}
	}
	// Over TCP.
	var b cryptobyte.Builder
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(msg) })
	tcp := append(b.BytesOrPanic(), 0xaa)
	if m, rest, err := ParseTCP(tcp); err != nil || len(m.Answers) != 1 || !bytes.Equal(rest, []byte{0xaa}) {
		t.Errorf("ParseTCP: %v %v", err, rest)
	}
	if _, _, err := ParseTCP(tcp[:10]); err != parser.ErrNeedMore {
		t.Errorf("ParseTCP short: %v", err)
	}
}

// header is a 12-byte header with qd questions and an answers.
func header(qd, an uint16) []byte {
	return []byte{0, 1, 0x81, 0x80, byte(qd >> 8), byte(qd), byte(an >> 8), byte(an), 0, 0, 0, 0}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		wire []byte // after the header: one question
		want string
		err  error
	}{
		{"root", []byte{0, 0, 1, 0, 1}, ".", nil},
		{"plain", []byte{1, 'a', 2, 'b', 'c', 0, 0, 1, 0, 1}, "a.bc", nil},
		{"escaped", []byte{3, 'a', '.', 0xff, 0, 0, 1, 0, 1}, "a\\046\\255", nil},
		{"self pointer", []byte{0xc0, 12, 0, 1, 0, 1}, "", parser.ErrMalformed},
		{"forward pointer", []byte{0xc0, 14, 0, 0, 1, 0, 1}, "", parser.ErrMalformed},
		{"pointer past end", []byte{0xc0, 0xff, 0, 1, 0, 1}, "", parser.ErrMalformed},
		{"label type 01", []byte{0x40, 0, 1, 0, 1}, "", parser.ErrMalformed},
		{"truncated label", []byte{5, 'a', 'b'}, "", parser.ErrMalformed},
		{"too long", append(bytes.Repeat([]byte{63, 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'}, 5), 0, 0, 1, 0, 1), "", parser.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(append(header(1, 0), tc.wire...))
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
				var pe *parser.Error
				if !errors.As(err, &pe) || pe.Layer != "dns" {
					t.Errorf("not a dns *parser.Error: %v", err)
				}
				return
			}
			if err != nil || m.Questions[0].Name != tc.want {
				t.Fatalf("got %+v %v, want %q", m, err, tc.want)
			}
		})
	}
}

// TestCompressionChain: a name whose pointers go back through two earlier
// names (a.b.c, then x + pointer to b.c, then y + pointer to x...).
func TestCompressionChain(t *testing.T) {
	msg := header(3, 0)
	msg = append(msg, 1, 'a', 1, 'b', 1, 'c', 0, 0, 1, 0, 1) // 12: a.b.c
	msg = append(msg, 1, 'x', 0xc0, 14, 0, 1, 0, 1)          // 23: x -> b.c (14)
	msg = append(msg, 1, 'y', 0xc0, 23, 0, 1, 0, 1)          // y -> x.b.c
	m, err := Parse(msg)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.b.c", "x.b.c", "y.x.b.c"}
	for i, q := range m.Questions {
		if q.Name != want[i] {
			t.Errorf("question %d: %q, want %q", i, q.Name, want[i])
		}
	}
	// A loop: the pointer at 23 pointing to itself's label (x at 23 -> 23)
	// and two names pointing at each other are refused.
	loop := bytes.Clone(msg)
	loop[26] = 23
	if _, err := Parse(loop); !errors.Is(err, parser.ErrMalformed) {
		t.Errorf("loop: %v", err)
	}
	for _, tc := range []struct {
		n   int
		err error
	}{{MaxPointers - 1, nil}, {MaxPointers, parser.ErrTooLarge}} {
		if _, err := Parse(pointerChain(tc.n)); !errors.Is(err, tc.err) && err != tc.err {
			t.Errorf("a name behind %d pointers: %v, want %v", tc.n+1, err, tc.err)
		}
	}
}

// pointerChain is a response whose second answer's owner is a pointer to
// the last of n pointers held in the first answer's RDATA, each to the
// one before, the first to the question's name (the root, at 12): n+1
// hops.
func pointerChain(n int) []byte {
	msg := header(1, 2)
	msg = append(msg, 0, 0, 1, 0, 1)                           // 12: question "."
	msg = append(msg, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, byte(2*n)) // 17: answer ".", rdata at 28
	for i := range n {
		tgt := 12
		if i > 0 {
			tgt = 28 + 2*(i-1)
		}
		msg = append(msg, 0xc0, byte(tgt))
	}
	msg = append(msg, 0xc0, byte(28+2*(n-1)), 0, 1, 0, 1, 0, 0, 0, 0, 0, 0)
	return msg
}

func TestSVCBMalformed(t *testing.T) {
	ok := httpsResponse("p.t", []byte{1, 2})
	for _, tc := range []struct {
		name string
		mod  func([]byte) []byte
	}{
		{"keys out of order", func(b []byte) []byte {
			// swap the alpn key (1) for 7, above ech's 5
			i := bytes.Index(b, []byte{0, 1, 0, 3, 2, 'h', '2'})
			b[i+1] = 7
			return b
		}},
		{"param overruns rdata", func(b []byte) []byte {
			i := bytes.Index(b, []byte{0, 5, 0, 2})
			b[i+3] = 9
			return b
		}},
		{"compressed target", func(b []byte) []byte {
			i := bytes.Index(b, []byte{0, 1, 0, 0, 1, 0, 3}) // priority 1, target ".", alpn key and length
			b[i+2] = 0xc0
			return b
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse(tc.mod(bytes.Clone(ok))); !errors.Is(err, parser.ErrMalformed) {
				t.Errorf("err %v", err)
			}
		})
	}
}

func TestCaps(t *testing.T) {
	if _, err := Parse(header(MaxQuestions+1, 0)); !errors.Is(err, parser.ErrTooLarge) {
		t.Errorf("questions: %v", err)
	}
	if _, err := Parse(header(0, MaxAnswers+1)); !errors.Is(err, parser.ErrTooLarge) {
		t.Errorf("answers: %v", err)
	}
	var b cryptobyte.Builder
	b.AddBytes(header(0, 1))
	b.AddUint8(0)
	b.AddUint16(64)
	b.AddUint16(1)
	b.AddUint32(0)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint16(1)
		b.AddUint8(0)
		for k := range MaxSVCParams + 1 {
			b.AddUint16(uint16(k))
			b.AddUint16(0)
		}
	})
	if _, err := Parse(b.BytesOrPanic()); !errors.Is(err, parser.ErrTooLarge) {
		t.Errorf("svcparams: %v", err)
	}
	if Type(65).String() != "HTTPS" || Type(999).String() != "TYPE999" {
		t.Error("Type.String")
	}
}
