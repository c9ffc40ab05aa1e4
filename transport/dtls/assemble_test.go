package dtls

import (
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/session"
)

// fragment is a handshake fragment of a certificate message (type 11) of
// length total: n bytes at off, all 0x42.
func fragment(total, off, n uint32) []byte {
	b := []byte{11, byte(total >> 16), byte(total >> 8), byte(total), 0, 0,
		byte(off >> 16), byte(off >> 8), byte(off), byte(n >> 16), byte(n >> 8), byte(n)}
	for range n {
		b = append(b, 0x42)
	}
	return b
}

// TestScatteredFragments: a 64 KiB message sent as one-byte fragments at
// every other offset keeps at most maxSpans ranges (the rest refused and
// counted); its whole bytes in one fragment still complete it, and the
// budget is given back.
func TestScatteredFragments(t *testing.T) {
	var next uint64
	a := NewAnalyzer(nopSink{}, nil, func() uint64 { next++; return next }, Options{})
	c := &conn{s: session.NewConn(1, t0, nopSink{})}
	var as assembler
	const total = 64 << 10
	for off := uint32(0); off < total; off += 2 {
		as.add(a, c, session.ServerToClient, fragment(total, off, 1), session.Position{})
	}
	if len(as.pending) != 1 || len(as.pending[0].spans) > maxSpans || a.Stats.Refused == 0 {
		t.Fatalf("%d messages, %d ranges (cap %d), %d refused", len(as.pending), len(as.pending[0].spans), maxSpans, a.Stats.Refused)
	}
	out := as.add(a, c, session.ServerToClient, fragment(total, 0, total), session.Position{})
	if len(out) != 4+total || len(as.pending) != 0 || a.Held() != 0 {
		t.Fatalf("%d bytes out, %d pending, %d held", len(out), len(as.pending), a.Held())
	}
}

type nopSink struct{}

func (nopSink) Record(*session.RecordEvent) {}
func (nopSink) End(*session.Conn)           {}

var t0 = time.Unix(1700000000, 0)
