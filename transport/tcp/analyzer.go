package tcp

import (
	"time"

	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/reassembly"
	"github.com/ssldissect/ssldissect/session"
)

// Analyzer makes a Stream for every TCP connection the reassembler sees and
// hands their events to one Sink. Connection ids are given in the order the
// connections' first packets were seen, from 1.
type Analyzer struct {
	sink  session.Sink
	keys  *decrypt.KeyStore
	next  uint64
	Conns uint64 // TCP connections seen
	// OnNewID, when set, is told the id of each TCP connection made.
	OnNewID func(id uint64)
}

// NewAnalyzer makes an Analyzer that reports to sink and decrypts with
// keys (which may be nil).
func NewAnalyzer(sink session.Sink, keys *decrypt.KeyStore) *Analyzer {
	return &Analyzer{sink: sink, keys: keys}
}

// NextID takes the next connection id: the other transports of a run
// (QUIC, DTLS) number their connections from the same sequence.
func (a *Analyzer) NextID() uint64 {
	a.next++
	return a.next
}

// Factory is a reassembly.Factory.
func (a *Analyzer) Factory(key reassembly.ConnKey, t time.Time, packet uint64) reassembly.Handler {
	a.Conns++
	id := a.NextID()
	if a.OnNewID != nil {
		a.OnNewID(id)
	}
	c := NewStream(id, key.A, key.B, t, a.sink)
	c.SetKeys(a.keys)
	return &connHandler{c: c}
}

// connHandler adapts a Stream to reassembly.Handler.
type connHandler struct {
	c   *Stream
	pos chunkPos
}

// chunkPos finds the packet that carried a byte of a reassembly.Chunk.
type chunkPos struct{ ch *reassembly.Chunk }

func (p *chunkPos) At(off int) (time.Time, uint64) {
	s := p.ch.SegmentAt(off)
	return s.Time, s.Packet
}

func (h *connHandler) Data(d reassembly.Dir, ch *reassembly.Chunk) int {
	h.pos.ch = ch
	n := h.c.Data(Side(d), ch.Data, &h.pos)
	h.pos.ch = nil
	return n
}

func (h *connHandler) Gap(d reassembly.Dir, start uint64, n int, t time.Time) {
	h.c.Gap(Side(d), start, n, t)
}

func (h *connHandler) Note(n reassembly.Note) {
	h.c.AddNote(Side(n.Dir), n.Code, n.Offset, n.Packet, n.Detail)
}

func (h *connHandler) Wire(w [2]reassembly.Wire) { h.c.SetWire(w) }

func (h *connHandler) End(r reassembly.EndReason, t time.Time) {
	h.c.Close(r.String(), t)
}
