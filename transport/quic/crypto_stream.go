package quic

// cryptoStream reassembles one direction's CRYPTO stream at one
// encryption level (RFC 9000 section 19.6), or one STREAM's data: frames
// may come out of order, overlap and repeat. Bytes past the next expected
// offset are kept, up to a cap, until the hole before them is filled.
type cryptoStream struct {
	next    uint64 // offset of the next byte to release
	pending []cryptoFrag
	held    int // bytes in pending
	// Dropped counts bytes refused (past the window or the cap).
	dropped int
}

type cryptoFrag struct {
	off  uint64
	data []byte
}

// Caps of one CRYPTO stream: the bytes held out of order, and how far
// past the next expected offset a frame may reach (a ClientHello with a
// post-quantum key share is ~1.8 KB, a certificate chain some tens of KB).
const (
	maxCryptoPending = 256 << 10
	maxCryptoWindow  = 1 << 20
)

// maxStreamFrags caps the pieces one stream holds out of order: each
// insert costs a pass over them, so 1-byte frames sent backwards would
// otherwise cost the square of their number.
const maxStreamFrags = 1024

// Caps of one stream's data.
const (
	maxStreamPending = 1 << 20
	maxStreamWindow  = 64 << 20
)

// budget bounds the bytes that all the streams of an Analyzer hold out of
// order, whoever sends them (Initial packets need no keys).
type budget struct{ held, max int64 }

// DefaultMaxHeldBytes is the budget of out-of-order CRYPTO and stream
// bytes across all QUIC connections.
const DefaultMaxHeldBytes = 64 << 20

// add takes a CRYPTO frame's data at offset off and appends to out what
// became contiguous, in order. dup tells the frame brought nothing new.
func (s *cryptoStream) add(b *budget, out []byte, off uint64, data []byte) (_ []byte, dup bool) {
	return s.addCapped(b, out, off, data, maxCryptoPending, maxCryptoWindow)
}

// addCapped is add with the caps given: at most pending bytes held, none
// further than window past the next offset, within the budget b.
func (s *cryptoStream) addCapped(b *budget, out []byte, off uint64, data []byte, pending int, window uint64) (_ []byte, dup bool) {
	end := off + uint64(len(data))
	if end <= s.next {
		return out, true
	}
	if off > s.next {
		if end-s.next > window || s.held+len(data) > pending || b.held+int64(len(data)) > b.max || len(s.pending) >= maxStreamFrags {
			s.dropped += len(data)
			return out, false
		}
		before := s.held
		s.insert(off, data)
		b.held += int64(s.held - before)
		return out, false
	}
	before := s.held
	defer func() { b.held -= int64(before - s.held) }()
	out = append(out, data[s.next-off:]...)
	s.next = end
	// Release what the frame made contiguous.
	for len(s.pending) > 0 && s.pending[0].off <= s.next {
		f := s.pending[0]
		s.pending = s.pending[1:]
		s.held -= len(f.data)
		if fe := f.off + uint64(len(f.data)); fe > s.next {
			out = append(out, f.data[s.next-f.off:]...)
			s.next = fe
		}
	}
	if len(s.pending) == 0 {
		s.pending = nil
	}
	return out, false
}

// release gives back to b what s holds (its connection ended).
func (s *cryptoStream) release(b *budget) {
	b.held -= int64(s.held)
	s.held, s.pending = 0, nil
}

// insert keeps a copy of a frame past the next offset, in offset order.
func (s *cryptoStream) insert(off uint64, data []byte) {
	i := len(s.pending)
	for i > 0 && s.pending[i-1].off > off {
		i--
	}
	if i > 0 {
		p := s.pending[i-1]
		if p.off+uint64(len(p.data)) >= off+uint64(len(data)) {
			return // within what is held
		}
	}
	f := cryptoFrag{off: off, data: append([]byte(nil), data...)}
	s.pending = append(s.pending, cryptoFrag{})
	copy(s.pending[i+1:], s.pending[i:])
	s.pending[i] = f
	s.held += len(data)
}
