package dtls

import (
	wire "github.com/ssldissect/ssldissect/parser/dtls"
	"github.com/ssldissect/ssldissect/session"
)

// assembler rebuilds one direction's handshake messages from their
// fragments (RFC 6347 section 4.2.3): by message_seq, each message's
// bytes placed at their fragment_offset, delivered in message_seq order
// once whole. Fragments of messages already delivered are retransmissions.
type assembler struct {
	next    uint16 // the message_seq to deliver next
	started bool
	pending []*message
	retrans int
}

// maxSpans caps the separate received ranges of one message (a real
// flight has a few fragments per message).
const maxSpans = 256

type message struct {
	seq    uint16
	typ    uint8
	length uint32
	body   []byte
	spans  [][2]uint32 // received [from, to) ranges, merged
}

func (m *message) complete() bool {
	return len(m.spans) == 1 && m.spans[0][0] == 0 && m.spans[0][1] == m.length || m.length == 0
}

// touches reports whether [from, to) overlaps or adjoins a received range.
func (m *message) touches(from, to uint32) bool {
	for _, s := range m.spans {
		if s[0] <= to && from <= s[1] {
			return true
		}
	}
	return false
}

// cover adds [from, to) to the received ranges.
func (m *message) cover(from, to uint32) {
	m.spans = append(m.spans, [2]uint32{from, to})
	// Merge (few spans: fragments of one message).
	for i := 1; i < len(m.spans); i++ {
		for j := i; j > 0 && m.spans[j][0] < m.spans[j-1][0]; j-- {
			m.spans[j], m.spans[j-1] = m.spans[j-1], m.spans[j]
		}
	}
	out := m.spans[:1]
	for _, s := range m.spans[1:] {
		last := &out[len(out)-1]
		if s[0] <= last[1] {
			last[1] = max(last[1], s[1])
			continue
		}
		out = append(out, s)
	}
	m.spans = out
}

// add takes the fragments of one handshake record and returns the
// handshake bytes, in TLS framing, of the messages they completed.
func (as *assembler) add(a *Analyzer, c *conn, d session.Dir, payload []byte, pos session.Position) []byte {
	frags, _, err := wire.ParseFragments(payload, 64)
	if err != nil {
		c.s.AddNote(d, session.NoteDTLSBadRecord, 0, pos.Packet, err.Error())
	}
	if !as.started && len(frags) > 0 {
		// The first message seen sets the sequence: a capture may start
		// in the middle of a handshake.
		as.started, as.next = true, frags[0].MessageSeq
	}
	var out []byte
	for _, f := range frags {
		if f.MessageSeq < as.next || f.Length > maxMessageBytes {
			if f.MessageSeq < as.next {
				as.retrans++
				a.Stats.Retransmissions++
			}
			continue
		}
		m := as.find(a, f)
		if m == nil {
			a.Stats.Refused++
			continue
		}
		if m.typ != f.Type || m.length != f.Length {
			continue // a fragment that disagrees with the first: ignored
		}
		if len(m.spans) >= maxSpans && !m.touches(f.Offset, f.Offset+f.FragLen) {
			// Each fragment costs a pass over the ranges: past the cap, a
			// fragment that would make a new range is refused (one that
			// joins or covers ranges is taken).
			a.Stats.Refused++
			continue
		}
		copy(m.body[f.Offset:], f.Data)
		m.cover(f.Offset, f.Offset+f.FragLen)
		out = as.deliver(a, c, d, out)
	}
	return out
}

// find returns the message of a fragment's message_seq, made on its first
// fragment, within the cap on messages being rebuilt.
func (as *assembler) find(a *Analyzer, f wire.Fragment) *message {
	for _, m := range as.pending {
		if m.seq == f.MessageSeq {
			return m
		}
	}
	// A message's buffer is its declared length, which the sender
	// chooses: all connections' buffers share one budget.
	if len(as.pending) >= maxPendingMessages || a.held+int64(f.Length) > a.opt.MaxHeldBytes {
		return nil
	}
	a.held += int64(f.Length)
	m := &message{seq: f.MessageSeq, typ: f.Type, length: f.Length, body: make([]byte, f.Length)}
	as.pending = append(as.pending, m)
	return m
}

// release gives back to the budget the buffers of the messages still
// being rebuilt.
func (as *assembler) release(a *Analyzer) {
	for _, m := range as.pending {
		a.held -= int64(m.length)
	}
	as.pending = nil
}

// deliver appends the whole messages due next, and gives the session
// each one's DTLS form for the transcript.
func (as *assembler) deliver(a *Analyzer, c *conn, d session.Dir, out []byte) []byte {
	for {
		i := -1
		for k, m := range as.pending {
			if m.seq == as.next && m.complete() {
				i = k
			}
		}
		if i < 0 {
			return out
		}
		m := as.pending[i]
		as.pending = append(as.pending[:i], as.pending[i+1:]...)
		a.held -= int64(m.length)
		as.next++
		form := wire.Header12(m.typ, m.length, m.seq)
		c.s.DTLSTranscript(d, append(form[:], m.body...))
		body := m.body
		if m.typ == 1 { // client_hello: its cookie field is DTLS's own
			if _, tlsBody, err := wire.ClientHelloCookie(body); err == nil {
				body = tlsBody
			}
		}
		h := wire.Header4(m.typ, uint32(len(body)))
		out = append(out, h[:]...)
		out = append(out, body...)
	}
}
