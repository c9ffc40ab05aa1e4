package quic

import "testing"

// TestCryptoStreamReverse: a CRYPTO stream fed its bytes backwards, one
// per frame (what anyone can send in Initials), holds at most
// maxStreamFrags pieces out of order, counts the rest as dropped, and
// releases every byte once the hole at offset 0 is filled by frames of
// any size.
func TestCryptoStreamReverse(t *testing.T) {
	const n = 20000
	b := &budget{max: DefaultMaxHeldBytes}
	var s cryptoStream
	for off := n - 1; off >= 1; off-- {
		s.add(b, nil, uint64(off), []byte{byte(off)})
	}
	if len(s.pending) > maxStreamFrags {
		t.Fatalf("%d pieces held, cap %d", len(s.pending), maxStreamFrags)
	}
	if s.dropped != n-1-len(s.pending) || b.held != int64(s.held) {
		t.Fatalf("dropped %d, held %d (budget %d), pieces %d", s.dropped, s.held, b.held, len(s.pending))
	}
	whole := make([]byte, n)
	for i := range whole {
		whole[i] = byte(i)
	}
	out, _ := s.add(b, nil, 0, whole)
	if len(out) != n || s.next != n || s.held != 0 || b.held != 0 || len(s.pending) != 0 {
		t.Fatalf("after the whole stream: %d bytes out, next %d, held %d, budget %d", len(out), s.next, s.held, b.held)
	}
}

// BenchmarkCryptoStreamReverse times the reverse feed of 20,000 one-byte
// frames: bounded by the cap on pieces, not quadratic in the frames.
func BenchmarkCryptoStreamReverse(bb *testing.B) {
	for bb.Loop() {
		b := &budget{max: DefaultMaxHeldBytes}
		var s cryptoStream
		for off := 20000 - 1; off >= 1; off-- {
			s.add(b, nil, uint64(off), []byte{1})
		}
	}
}
