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
			// Skipped by its declared length, the reader going on: the
			// body is dropped as it comes, in pieces, and the message
			// after it is read.
			if _, _, _, err := hr.Next(); err != ErrNeedMore || hr.Broken() {
				t.Fatalf("Next: %v (broken %v)", err, hr.Broken())
			}
			n := int(tc.header[1])<<16 | int(tc.header[2])<<8 | int(tc.header[3])
			if hr.Skipping() != n || hr.Skipped() != 1 {
				t.Fatalf("skipping %d, skipped %d; want %d, 1", hr.Skipping(), hr.Skipped(), n)
			}
			body := make([]byte, n) // zeros: 4-byte hello_request headers if misread
			for len(body) > MaxRecordLen {
				if err := hr.Write(body[:MaxRecordLen]); err != nil {
					t.Fatalf("body: %v", err)
				}
				body = body[MaxRecordLen:]
			}
			if err := hr.Write(append(body, tlstest.HandshakeMsg(t, HandshakeTypeServerHelloDone, nil)...)); err != nil {
				t.Fatal(err)
			}
			if typ, _, _, err := hr.Next(); err != nil || typ != HandshakeTypeServerHelloDone {
				t.Fatalf("after the skipped message: %v %v", typ, err)
			}
			if _, _, _, err := hr.Next(); err != ErrNeedMore || hr.Pending() != 0 || hr.Skipping() != 0 {
				t.Fatalf("left: %v, %d pending, %d to skip", err, hr.Pending(), hr.Skipping())
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

// TestHandshakeReaderSkipsHidden: a Certificate hidden inside an oversized
// certificate_status is never returned, whether the oversized message
// comes whole in one Write or record by record, and whatever follows it is
// read. Several oversized messages in a row are all skipped, the first
// reported.
func TestHandshakeReaderSkipsHidden(t *testing.T) {
	hidden := tlstest.HandshakeMsg(t, HandshakeTypeCertificate, []byte{0, 0, 0})
	body := make([]byte, 70000)
	copy(body[1000:], hidden)
	status := tlstest.HandshakeMsg(t, HandshakeTypeCertificateStatus, body)
	done := tlstest.HandshakeMsg(t, HandshakeTypeServerHelloDone, nil)
	stream := append(append(append([]byte{}, status...), status...), done...)
	for _, piece := range []int{len(stream), MaxRecordLen, 1000, 3} {
		var hr HandshakeReader
		var got []HandshakeType
		errs := 0
		for off := 0; off < len(stream); off += piece {
			err := hr.Write(stream[off:min(off+piece, len(stream))])
			if err != nil {
				if !errors.Is(err, ErrTooLarge) || hr.Broken() {
					t.Fatalf("piece %d: %v", piece, err)
				}
				errs++
			}
			for {
				typ, _, _, err := hr.Next()
				if err == ErrNeedMore {
					break
				}
				if err != nil {
					if !errors.Is(err, ErrTooLarge) || hr.Broken() {
						t.Fatalf("piece %d: Next: %v", piece, err)
					}
					errs++
					continue
				}
				got = append(got, typ)
			}
		}
		wantErrs := 2
		if piece == len(stream) {
			wantErrs = 1 // both in one Write: the first is reported, both are counted
		}
		if len(got) != 1 || got[0] != HandshakeTypeServerHelloDone || hr.Skipped() != 2 || errs != wantErrs {
			t.Errorf("piece %d: messages %v, skipped %d, errors %d; want [server_hello_done], 2, %d", piece, got, hr.Skipped(), errs, wantErrs)
		}
	}
}
