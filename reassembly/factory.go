package reassembly

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	gpr "github.com/gopacket/gopacket/reassembly"
)

// Chunk is a run of in-order bytes of one direction, handed to Handler.Data.
// Data and Segments are valid only during the call: copy what you keep.
type Chunk struct {
	// Data is the bytes the handler left unconsumed last time, followed by
	// the bytes that arrived since.
	Data []byte
	// Segments tells which packet carried which bytes of Data: Segments[i]
	// covers Data[Segments[i].Offset:Segments[i+1].Offset], the last one up to
	// len(Data). Segments[0].Offset is 0. Consecutive bytes of one packet
	// form one Segment.
	Segments []Segment
}

// Segment is a range of a Chunk carried by one packet.
type Segment struct {
	Offset int       // index in Chunk.Data of the first byte of the range
	Time   time.Time // capture time of the packet
	Packet uint64    // capture.Packet.Num of the packet
}

// SegmentAt returns the Segment that carried c.Data[i], or the zero Segment
// when i is out of range.
func (c *Chunk) SegmentAt(i int) Segment {
	if i < 0 || i >= len(c.Data) {
		return Segment{}
	}
	lo, hi := 0, len(c.Segments)
	for hi-lo > 1 { // last segment with Offset <= i
		mid := (lo + hi) / 2
		if c.Segments[mid].Offset <= i {
			lo = mid
		} else {
			hi = mid
		}
	}
	if lo < len(c.Segments) {
		return c.Segments[lo]
	}
	return Segment{}
}

// Handler receives the reassembled byte streams of one connection. Its
// methods are called from the goroutine that calls the Assembler.
type Handler interface {
	// Data gets the in-order bytes of one direction, after any bytes the
	// handler left unconsumed last time. It returns how many bytes it
	// consumed (clamped to [0, len(c.Data)]); the rest is presented again in
	// front of the next data, unless more than Options.MaxPendingBytes are
	// left (then they are dropped and reported with Gap and a
	// NotePendingOverflow note) or a Gap comes first (then they are
	// dropped: the next Data starts after the gap).
	Data(dir Dir, c *Chunk) (consumed int)
	// Gap: bytes [start, start+n) of dir's stream are missing (never
	// arrived, or were dropped by a cap); the next Data for dir starts after
	// them. Stream offsets count from 0 at the direction's first byte seen.
	Gap(dir Dir, start uint64, n int, t time.Time)
	// Note reports an anomaly; reassembly goes on.
	Note(n Note)
	// End is called exactly once per connection, last.
	End(reason EndReason, t time.Time)
}

// WireHandler is a Handler that takes its connection's Wire figures, by
// Dir: Wire is called once, just before End.
type WireHandler interface {
	Handler
	Wire(w [2]Wire)
}

// Factory makes the Handler of a new connection, when its first packet
// (capture.Packet.Num packet, at time t) is seen. It must not return nil; if
// it does, the connection's bytes are discarded.
type Factory func(key ConnKey, t time.Time, packet uint64) Handler

// pktCtx is the AssemblerContext passed to gopacket for one packet. gopacket
// keeps it in the pages of out-of-order data, and ScatterGather.CaptureInfo
// returns its CaptureInfo, whose AncillaryData holds the pktCtx itself: that
// is how delivered bytes are mapped back to packet numbers.
type pktCtx struct {
	ci       gopacket.CaptureInfo
	num      uint64
	seq      uint32 // sequence number of the first payload byte
	end      uint32 // seq + payload length
	retained bool   // gopacket may keep a reference: do not reuse
	anc      [1]any
}

func (c *pktCtx) GetCaptureInfo() gopacket.CaptureInfo {
	ci := c.ci
	ci.AncillaryData = c.anc[:]
	return ci
}

// ctxOf returns the pktCtx behind a CaptureInfo from a ScatterGather, or nil.
func ctxOf(ci gopacket.CaptureInfo) *pktCtx {
	if len(ci.AncillaryData) == 1 {
		if c, ok := ci.AncillaryData[0].(*pktCtx); ok {
			return c
		}
	}
	return nil
}

// gpFactory adapts a Factory to gopacket's StreamFactory.
type gpFactory struct{ a *Assembler }

func (f gpFactory) New(netFlow, tcpFlow gopacket.Flow, tcp *layers.TCP, ac gpr.AssemblerContext) gpr.Stream {
	a := f.a
	if a.releasing != nil {
		return nil // release's RST for a connection gopacket no longer has
	}
	src := addrPort(netFlow.Src(), tcpFlow.Src())
	dst := addrPort(netFlow.Dst(), tcpFlow.Dst())
	c, _ := ac.(*pktCtx)
	if a.closed.len() > 0 && c != nil && a.closed.seen(a.keyHash(src, dst), c.ci.Timestamp, tcp.SYN, tcp.Seq) {
		a.stats.Ignored++ // a late packet of an ended connection
		return nil
	}
	// gopacket's client->server half is the direction of the first packet.
	// A SYN-ACK seen first is sent by the responder: swap.
	swap := tcp.SYN && tcp.ACK
	key := ConnKey{A: src, B: dst}
	if swap {
		key = ConnKey{A: dst, B: src}
	}
	var t time.Time
	var num uint64
	if c != nil {
		t, num = c.ci.Timestamp, c.num
	}
	return f.a.newStream(key, swap, t, num)
}

func addrPort(ip, port gopacket.Endpoint) netip.AddrPort {
	addr, _ := netip.AddrFromSlice(ip.Raw())
	var p uint16
	if raw := port.Raw(); len(raw) == 2 {
		p = binary.BigEndian.Uint16(raw)
	}
	return netip.AddrPortFrom(addr, p)
}

// discard is the Handler used when a Factory returns nil.
type discard struct{}

func (discard) Data(_ Dir, c *Chunk) int        { return len(c.Data) }
func (discard) Gap(Dir, uint64, int, time.Time) {}
func (discard) Note(Note)                       {}
func (discard) End(EndReason, time.Time)        {}
