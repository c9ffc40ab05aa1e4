package parser

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ssldissect/ssldissect/internal/tlstest"
)

func TestHandshakeReader(t *testing.T) {
	m1 := tlstest.HandshakeMsg(t, HandshakeTypeServerHelloDone, nil)
	m2 := tlstest.HandshakeMsg(t, HandshakeTypeFinished, bytes.Repeat([]byte{0xab}, 12))
	m3 := tlstest.HandshakeMsg(t, HandshakeTypeCertificate, bytes.Repeat([]byte{0}, 70000)) // above 64 KiB: allowed for Certificate
	stream := bytes.Join([][]byte{m1, m2, m3}, nil)
	want := []struct {
		typ HandshakeType
		raw []byte
	}{{HandshakeTypeServerHelloDone, m1}, {HandshakeTypeFinished, m2}, {HandshakeTypeCertificate, m3}}

	cases := []struct {
		name  string
		split int // fragment size
	}{
		{"one_write", len(stream)},
		{"records_of_16k", 16384},
		{"three_bytes", 3},
		{"one_byte", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hr HandshakeReader
			var got []int
			rest := stream
			for len(rest) > 0 {
				n := min(tc.split, len(rest))
				if err := hr.Write(rest[:n]); err != nil {
					t.Fatal(err)
				}
				rest = rest[n:]
				for {
					typ, body, raw, err := hr.Next()
					if err == ErrNeedMore {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					i := len(got)
					if typ != want[i].typ || !bytes.Equal(raw, want[i].raw) || !bytes.Equal(body, raw[4:]) {
						t.Fatalf("message %d: %v %d bytes", i, typ, len(raw))
					}
					got = append(got, i)
				}
			}
			if len(got) != 3 || hr.Pending() != 0 {
				t.Fatalf("got %d messages, %d pending", len(got), hr.Pending())
			}
		})
	}

	t.Run("copies", func(t *testing.T) {
		var hr HandshakeReader
		in := append([]byte(nil), m2...)
		hr.Write(in)
		_, body, raw, _ := hr.Next()
		in[5] = 0
		if body[1] != 0xab || raw[5] != 0xab {
			t.Fatal("Next aliases the written bytes")
		}
	})
	t.Run("pending_and_reset", func(t *testing.T) {
		var hr HandshakeReader
		hr.Write(m2[:7])
		if hr.Pending() != 7 {
			t.Fatalf("Pending = %d", hr.Pending())
		}
		hr.Reset()
		if hr.Pending() != 0 {
			t.Fatal("Reset kept bytes")
		}
		if _, _, _, err := hr.Next(); err != ErrNeedMore {
			t.Fatal(err)
		}
	})
}

func TestHandshakeReaderCaps(t *testing.T) {
	cases := []struct {
		name   string
		header []byte
		tooBig bool
	}{
		{"finished_64k", []byte{20, 0x01, 0x00, 0x00}, false},
		{"finished_64k_plus_1", []byte{20, 0x01, 0x00, 0x01}, true},
		{"client_hello_16m", []byte{1, 0xff, 0xff, 0xff}, true},
		{"certificate_256k", []byte{11, 0x04, 0x00, 0x00}, false},
		{"certificate_256k_plus_1", []byte{11, 0x04, 0x00, 0x01}, true},
		{"compressed_certificate_256k_plus_1", []byte{25, 0x04, 0x00, 0x01}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hr HandshakeReader
			err := hr.Write(tc.header)
			if !tc.tooBig {
				if err != nil {
					t.Fatal(err)
				}
				if _, _, _, err := hr.Next(); err != ErrNeedMore {
					t.Fatalf("Next: %v", err)
				}
				return
			}
			if !isParseError(err) || !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Write: %v", err)
			}
			// Sticky until Reset.
			if _, _, _, err := hr.Next(); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Next: %v", err)
			}
			if err := hr.Write([]byte{0}); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("second Write: %v", err)
			}
			hr.Reset()
			if err := hr.Write(tlstest.HandshakeMsg(t, HandshakeTypeServerHelloDone, nil)); err != nil {
				t.Fatal(err)
			}
			if typ, _, _, err := hr.Next(); err != nil || typ != HandshakeTypeServerHelloDone {
				t.Fatalf("after Reset: %v %v", typ, err)
			}
		})
	}
	// A too-large message following a good one is reported with its offset.
	var hr HandshakeReader
	hr.Write(tlstest.HandshakeMsg(t, HandshakeTypeServerHelloDone, nil))
	if err := hr.Write([]byte{1, 0x10, 0, 0}); err != nil {
		t.Fatalf("the cap applies to the first buffered message only: %v", err)
	}
	if _, _, _, err := hr.Next(); err != nil {
		t.Fatal(err)
	}
	_, _, _, err := hr.Next()
	var e *Error
	if !errors.As(err, &e) || e.Offset != 4 || !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
}
