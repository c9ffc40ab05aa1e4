package reassembly

import (
	"hash/maphash"
	"net/netip"
	"time"

	"github.com/ssldissect/ssldissect/capture"

	"github.com/gopacket/gopacket/layers"
	gpr "github.com/gopacket/gopacket/reassembly"
)

// Defaults for the zero fields of Options.
const (
	// DefaultMaxBufferedPagesTotal bounds the out-of-order data buffered by
	// one Assembler: 32768 pages of 1900 bytes, about 64 MiB.
	DefaultMaxBufferedPagesTotal = 32768
	// DefaultMaxBufferedPagesPerConnection bounds the out-of-order data
	// buffered for one connection: 1024 pages, about 2 MiB.
	DefaultMaxBufferedPagesPerConnection = 1024
	// DefaultMaxPendingBytes bounds, per direction, the bytes a handler may
	// leave unconsumed: enough for any TLS (16384+2048+5) or SSLv2 record.
	DefaultMaxPendingBytes = 64 << 10
	// DefaultIdleTimeout: connections silent this long (packet time) end.
	DefaultIdleTimeout = 2 * time.Minute
	// DefaultCloseTimeout: half-closed connections silent this long end.
	DefaultCloseTimeout = 30 * time.Second
	// DefaultMaxConns bounds the open connections of one Assembler: about
	// 150 to 170 MB of peak RSS when every one is a TLS connection past its
	// ClientHello (docs/PERFORMANCE.md; see MaxConns).
	DefaultMaxConns = 16384
	// DefaultMaxPendingBytesTotal bounds the bytes all handlers of one
	// Assembler leave unconsumed (their pending buffers): 32 MiB.
	DefaultMaxPendingBytesTotal = 32 << 20
)

// RSTGrace: a connection that saw a RST at the next expected sequence
// number ends (EndRST) at the first FlushIdle after it saw no packet for
// this long (packet time), so that bytes its peers go on sending after an
// injected RST are still delivered (NoteDataAfterRST).
const RSTGrace = time.Second

// Options bounds an Assembler's memory and sets its timeouts. A zero field
// takes its Default*; a negative one disables the cap or timeout.
type Options struct {
	// MaxBufferedPagesTotal caps the pages (1900 bytes each) of out-of-order
	// data buffered by the Assembler, waiting for missing bytes. Past it,
	// every connection that gets an out-of-order packet delivers its
	// buffered data at once, reporting the missing bytes as a Gap.
	MaxBufferedPagesTotal int
	// MaxBufferedPagesPerConnection caps those pages for one connection.
	// Past it, the connection's first buffered range is delivered after a
	// Gap for the bytes missing before it.
	MaxBufferedPagesPerConnection int
	// MaxPendingBytes caps, per direction, the bytes a Handler leaves
	// unconsumed. Past it, they are dropped and reported as a Gap with a
	// NotePendingOverflow note.
	MaxPendingBytes int
	// IdleTimeout: FlushIdle ends connections that saw no packet for this
	// long (packet time), with EndIdle, after delivering what they buffer.
	// Bytes buffered out of order for this long are delivered too, after a
	// Gap for what is still missing before them.
	IdleTimeout time.Duration
	// CloseTimeout: FlushIdle ends connections that saw a FIN in one
	// direction and no packet for this long, with EndHalfClose.
	CloseTimeout time.Duration
	// MaxConns caps the connections open at once. A new connection past
	// it first ends the least recently active one (the one whose last
	// packet is the oldest), with EndEvicted, counted in Stats.Evicted;
	// what it had buffered out of order is dropped (Stats.AfterEnd). Its
	// later packets start a new connection, picked up mid-stream.
	MaxConns int
	// MaxPendingBytesTotal caps the bytes of the pending buffers of all
	// connections (what handlers left unconsumed, MaxPendingBytes each).
	// Past it, the connections that have held pending bytes the longest
	// without consuming them end with EndEvicted (Stats.EvictedPending)
	// until the total is under the cap again.
	MaxPendingBytesTotal int
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		} else if *v < 0 {
			*v = -1
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		} else if *v < 0 {
			*v = -1
		}
	}
	def(&o.MaxBufferedPagesTotal, DefaultMaxBufferedPagesTotal)
	def(&o.MaxBufferedPagesPerConnection, DefaultMaxBufferedPagesPerConnection)
	def(&o.MaxPendingBytes, DefaultMaxPendingBytes)
	defDur(&o.IdleTimeout, DefaultIdleTimeout)
	defDur(&o.CloseTimeout, DefaultCloseTimeout)
	def(&o.MaxConns, DefaultMaxConns)
	def(&o.MaxPendingBytesTotal, DefaultMaxPendingBytesTotal)
	return o
}

// Stats counts what an Assembler did. Byte counts are TCP payload bytes.
type Stats struct {
	Connections     uint64 // connections seen (handlers made)
	Open            int    // connections not yet ended
	Packets         uint64 // packets with a TCP layer given to Add
	Bytes           uint64 // bytes delivered to handlers, each counted once
	Gaps            uint64 // ranges of missing bytes reported with Gap
	MissingBytes    uint64 // bytes in those ranges
	CapGaps         uint64 // of Gaps, those forced by a MaxBufferedPages* cap
	OutOfOrder      uint64 // packets buffered ahead of missing bytes
	Retransmissions uint64 // packets carrying bytes already received
	Mismatches      uint64 // overlapping segments whose bytes differ (NoteRetransmissionMismatch, NoteOverlapMismatch)
	RSTs            uint64 // connections that saw a RST at the next expected sequence number
	DataAfterRST    uint64 // bytes delivered from packets after such a RST (NoteDataAfterRST)
	RSTPayload      uint64 // bytes carried by such RSTs, not delivered
	// Overlaps that could not be compared wholly, some or all of their
	// earlier bytes gone (out of the direction's ring, or it had none), and
	// directions given no ring (maxRings).
	OverlapsUnchecked uint64
	RingsRefused      uint64
	PendingOverflow   uint64 // times a handler left more than MaxPendingBytes
	PendingDropped    uint64 // bytes left unconsumed and dropped (overflow, gap, or end)
	IdleFlushed       uint64 // connections ended by FlushIdle (EndIdle or EndHalfClose)
	Ignored           uint64 // packets of connections that had already ended
	AfterEnd          uint64 // buffered bytes discarded because their connection had ended
	Evicted           uint64 // connections ended by MaxConns or MaxPendingBytesTotal (EndEvicted)
	EvictedPending    uint64 // of Evicted, those ended by MaxPendingBytesTotal
	MaxOpen           int    // the most connections open at once
	PureACKs          uint64 // pure ACKs of open connections counted without gopacket (ackOnly)
}

// mode tells stream callbacks what the Assembler is doing.
type mode uint8

const (
	modeAdd mode = iota
	modeIdle
	modeFlush
)

// Assembler reassembles the TCP connections of the packets given to Add. It
// is not safe for concurrent use and shares no mutable state with other
// Assemblers: run one per goroutine, with connections split among them by
// address hash.
type Assembler struct {
	opt     Options
	factory Factory
	asm     *gpr.Assembler
	seed    maphash.Seed

	lists        [numLists]connList // open connections (lists.go)
	pendingBytes int                // bytes of the pending buffers of open connections
	oooHalves    int                // directions with bytes buffered out of order
	stats        Stats
	lastIdleScan time.Time // packet time of gopacket's last flush in FlushIdle

	// Per call state.
	cur    *pktCtx   // context of the packet being added, reused when gopacket keeps no reference
	now    time.Time // packet time, or flush time
	mode   mode
	chunk  Chunk
	segs   []Segment // scratch of stream.segments
	forced bool      // gopacket's per-connection page cap is lowered for the packet being added (stream.buffered)

	freeBufs  [][]byte          // pending buffers of ended or caught-up connections, for reuse
	freeRings []*[ringSize]byte // overlap rings of ended connections, for reuse
	freePS    []*pendState      // pending states let go, for reuse
	freeSmall [][]byte          // small pending buffers let go, for reuse
	freeHist  [][]segRecord     // overlap histories of ended connections, for reuse
	rings     int               // rings held by open connections

	// Ended connections out of gopacket's pool (closed.go).
	closed    closedSet
	reset     map[uint64]*stream // live connections that saw a RST, by keyHash
	byFlow    map[uint64]*stream // open connections by capture.FlowHash of their endpoints (ackOnly), the first of each hash
	toRelease []*stream          // ended while gopacket was busy: released after
	releasing *stream            // release is closing its open halves
	rstHdr    [20]byte
	rstTCP    layers.TCP
	pooled    int // streams in gopacket's pool: made, not yet let go by ReassemblyComplete

	// What gopacket hands over during its flushes, run afterwards in
	// connection order (flushq.go).
	deferring bool
	ops       []flushOp
	opStreams []*stream // streams with queued calls, in the order of their first
	qdata     []byte
	qsegs     []Segment
}

// New returns an Assembler that makes a Handler with f for each connection.
func New(f Factory, opt Options) *Assembler {
	a := &Assembler{
		opt:     opt.withDefaults(),
		factory: f,
		seed:    maphash.MakeSeed(),
		byFlow:  make(map[uint64]*stream),
	}
	for k := range a.lists {
		a.lists[k].kind = listKind(k)
	}
	pool := gpr.NewStreamPool(gpFactory{a})
	a.asm = gpr.NewAssembler(pool)
	a.asm.MaxBufferedPagesTotal = max(a.opt.MaxBufferedPagesTotal, 0)
	a.asm.MaxBufferedPagesPerConnection = a.pageGuard()
	return a
}

// pageBytes is the size of gopacket's pages of buffered data.
const pageBytes = 1900

// pageGuard is gopacket's own per-connection page cap. The cap of Options
// is on bytes (MaxBufferedPagesPerConnection pages' worth, see
// stream.buffered), as a segment takes a page however short it is; this
// guard, four times as many pages, bounds the memory of tiny segments.
func (a *Assembler) pageGuard() int {
	return max(4*a.opt.MaxBufferedPagesPerConnection, 0)
}

// Add feeds one packet. Packets without a TCP layer are ignored. p and the
// bytes it points into are not kept after Add returns.
func (a *Assembler) Add(p *capture.Packet) {
	if p == nil || p.TCP == nil {
		return
	}
	a.stats.Packets++
	if p.TCP.SYN && len(a.reset) > 0 {
		a.now, a.mode = p.CI.Timestamp, modeAdd
		a.restart(p)
	}
	c := a.cur
	if c == nil {
		c = new(pktCtx)
		c.anc[0] = c
		a.cur = c
	}
	tcp := p.TCP
	c.ci = p.CI
	c.num = p.Num
	c.seq = tcp.Seq
	if tcp.SYN {
		c.seq++ // payload of a SYN (TCP Fast Open) follows the SYN's sequence number
	}
	c.end = c.seq + uint32(len(tcp.Payload))
	c.retained = false
	a.now, a.mode = p.CI.Timestamp, modeAdd
	if a.ackOnly(p) {
		return
	}
	a.asm.AssembleWithContext(p.Net, tcp, c)
	if a.forced {
		a.forced = false
		a.asm.MaxBufferedPagesPerConnection = a.pageGuard()
	}
	if c.retained {
		a.cur = nil
	}
	a.releaseQueued()
}

// ackGPStale is how much older than the connection's last packet the last
// one gopacket saw may be before ackOnly hands pure ACKs to gopacket again,
// in gpTicks (15 of 67 ms: about a second): its flushes close a
// connection by the time of the last packet it saw.
const ackGPStale = 15

// ackOnly handles a pure ACK (no payload, no SYN, FIN or RST) of an open
// connection without gopacket, and tells whether it did. gopacket would
// only note the time and the acknowledgment number (which nothing reads);
// Accept would count it: that is done here, at the cost of one map lookup
// instead of gopacket's (two, by 80-byte keys, the reverse direction's
// after a miss) and its per-packet bookkeeping. A third of the packets of
// a bulk transfer are pure ACKs. It declines an ACK ahead of the next
// expected byte (gopacket queues it), one on a direction not started, one
// of an ended connection, and one when gopacket last saw the connection
// more than ackGPStale before: those go through gopacket, as every packet
// did before.
func (a *Assembler) ackOnly(p *capture.Packet) bool {
	tcp := p.TCP
	if len(tcp.Payload) != 0 || tcp.SYN || tcp.FIN || tcp.RST || !tcp.ACK {
		return false
	}
	src, dst := p.Net.Src().Raw(), p.Net.Dst().Raw()
	sp, dp := uint16(tcp.SrcPort), uint16(tcp.DstPort)
	s := a.byFlow[capture.FlowHash(src, dst, sp, dp)]
	if s == nil || s.ended || s.released {
		return false
	}
	var d Dir
	switch {
	case sameEnd(s.key.A, src, sp) && sameEnd(s.key.B, dst, dp):
		d = Dir0
	case sameEnd(s.key.B, src, sp) && sameEnd(s.key.A, dst, dp):
		d = Dir1
	default:
		return false // another connection with the same hash
	}
	if s.key.A == s.key.B {
		return false
	}
	h := &s.half[d]
	if !h.started || int32(tcp.Seq-(h.base+uint32(h.next))) > 0 || gpTick(p.CI.Timestamp)-s.gpSeen >= ackGPStale {
		return false
	}
	s.count(d, p.CI, 0)
	a.stats.PureACKs++
	return true
}

// sameEnd tells whether ap is the address ip (4 or 16 bytes, as a
// gopacket.Endpoint holds it) and port.
func sameEnd(ap netip.AddrPort, ip []byte, port uint16) bool {
	if ap.Port() != port {
		return false
	}
	switch a := ap.Addr(); len(ip) {
	case 4:
		return a.Is4() && a.As4() == [4]byte(ip)
	case 16:
		return !a.Is4() && a.As16() == [16]byte(ip)
	}
	return false
}

// flowKey is capture.FlowHash of a connection's endpoints, as ackOnly
// computes it from a packet's.
func flowKey(k ConnKey) uint64 {
	raw := func(a netip.Addr) []byte {
		if a.Is4() {
			b := a.As4()
			return b[:]
		}
		b := a.As16()
		return b[:]
	}
	return capture.FlowHash(raw(k.A.Addr()), raw(k.B.Addr()), k.A.Port(), k.B.Port())
}

// releaseQueued releases the connections that ended while gopacket was
// busy with a packet or a flush.
func (a *Assembler) releaseQueued() {
	for i := 0; i < len(a.toRelease); i++ { // release may queue more
		a.release(a.toRelease[i])
		a.toRelease[i] = nil
	}
	a.toRelease = a.toRelease[:0]
}

// restart ends (EndRST) the connection that saw a RST on the addresses of
// SYN p, unless p is a retransmission of one of its SYNs, so that p starts
// a new connection.
func (a *Assembler) restart(p *capture.Packet) {
	tf := p.TCP.TransportFlow()
	key := a.keyHash(addrPort(p.Net.Src(), tf.Src()), addrPort(p.Net.Dst(), tf.Dst()))
	s, ok := a.reset[key]
	if !ok || s.hasISN[0] && s.isn[0] == p.TCP.Seq || s.hasISN[1] && s.isn[1] == p.TCP.Seq {
		return
	}
	s.end(EndRST)
	a.release(s)
}

// FlushIdle ends, by packet time now, connections idle for IdleTimeout
// (EndIdle), half-closed connections idle for CloseTimeout (EndHalfClose)
// and connections that saw a RST and then no packet for RSTGrace
// (EndRST), and delivers out-of-order bytes buffered for
// IdleTimeout, after a Gap for the bytes missing before them. The pipeline
// calls it every few thousand packets with the current packet's time.
// Handlers are called connection by connection, in the order the
// connections were first seen.
//
// Idle connections are looked for at most once per IdleTimeout/16 of packet
// time: a connection ends between IdleTimeout and 17/16 IdleTimeout after
// its last packet. They are taken from the front of the least recently
// active list, so that the work is in proportion to the connections that
// end; only while some connection has bytes buffered out of order is
// gopacket's flush, which visits every connection, run instead.
func (a *Assembler) FlushIdle(now time.Time) {
	a.now, a.mode = now, modeIdle
	var more []*stream
	var idleBefore time.Time // zero: no idle connections are looked for
	if t := a.opt.IdleTimeout; t > 0 && (a.lastIdleScan.IsZero() || now.Sub(a.lastIdleScan) >= t/16 || now.Before(a.lastIdleScan)) {
		a.lastIdleScan = now
		old := now.Add(-t)
		if a.oooHalves > 0 {
			a.deferred(func() { a.asm.FlushWithOptions(gpr.FlushOptions{T: old, TC: old}) })
		} else {
			idleBefore = old
			more = a.front(recent, old, more)
		}
		a.closed.expire(old)
	}
	var closeBefore time.Time
	if a.opt.CloseTimeout > 0 {
		closeBefore = now.Add(-a.opt.CloseTimeout)
		more = a.front(halfClosed, closeBefore, more)
	}
	rstBefore := now.Add(-RSTGrace)
	for _, s := range a.reset {
		if !s.lastSeen.After(rstBefore) {
			more = append(more, s)
		}
	}
	a.settle(more, func(s *stream) {
		// A connection with queued calls is looked at after them: they
		// may end a direction, or the connection.
		switch {
		case s.ended:
		case s.rst && !s.lastSeen.After(rstBefore):
			s.end(EndRST)
			a.release(s)
		case !idleBefore.IsZero() && s.lastSeen.Before(idleBefore):
			s.end(EndIdle)
			a.release(s)
		case !closeBefore.IsZero() && (s.half[0].done || s.half[1].done) && s.lastSeen.Before(closeBefore):
			s.end(EndHalfClose)
			a.release(s)
		}
	})
	a.releaseQueued()
	a.mode = modeAdd
}

// front appends to ss the connections at the front of list k whose last
// packet is before t.
func (a *Assembler) front(k listKind, t time.Time, ss []*stream) []*stream {
	for s := a.lists[k].head; s != nil && s.lastSeen.Before(t); s = s.links[k].next {
		ss = append(ss, s)
	}
	return ss
}

// FlushAll delivers everything buffered, reporting what is missing as gaps,
// and ends every connection (EndFlush; EndFIN when both directions had
// ended with a FIN, EndRST when it saw a RST) at time t. Call it at the end of the input. Handlers
// are called connection by connection, in the order the connections were
// first seen.
func (a *Assembler) FlushAll(t time.Time) {
	a.now, a.mode = t, modeFlush
	a.deferred(func() { a.asm.FlushAll() })
	// Connections that had ended before: their calls only count bytes.
	for _, s := range a.opStreams {
		if s.ended {
			a.runOps(s)
		}
	}
	l := &a.lists[byID]
	for l.head != nil {
		s := l.head
		a.runOps(s)
		if s.rst {
			s.end(EndRST)
		}
		s.end(EndFlush) // takes it off the list
	}
	a.clearOps()
	a.releaseQueued()
	a.mode = modeAdd
}

// forget remembers an ended connection that leaves gopacket's pool while
// packets are added, so that its late packets are ignored (closed.go).
// Connections ended idle or evicted are not remembered: a later packet of
// theirs starts a new connection.
func (a *Assembler) forget(s *stream) {
	a.unindex(s)
	if !s.released {
		s.released = true
		if s.reason != EndIdle && s.reason != EndEvicted {
			e := closedConn{isn: s.isn, hasISN: s.hasISN, synOK: s.reason == EndFIN || s.reason == EndRST}
			a.closed.add(a.keyHash(s.key.A, s.key.B), s.lastSeen, e)
		}
	}
}

// unindex takes s out of byFlow, when it leaves gopacket's pool or is
// released.
func (a *Assembler) unindex(s *stream) {
	if s.indexed {
		delete(a.byFlow, flowKey(s.key))
		s.indexed = false
	}
}

// Stats returns the counters so far.
func (a *Assembler) Stats() Stats {
	st := a.stats
	st.Open = a.lists[byID].n
	return st
}

func (a *Assembler) newStream(key ConnKey, swap bool, t time.Time, num uint64) *stream {
	if lim := a.opt.MaxConns; lim > 0 && a.lists[byID].n >= lim {
		if v := a.lists[recent].head; v != nil {
			v.end(EndEvicted) // released once gopacket is done with this packet
		}
	}
	h := a.factory(key, t, num)
	if h == nil {
		h = discard{}
	}
	a.stats.Connections++
	a.pooled++
	s := &stream{a: a, h: h, key: key, swap: swap, id: a.stats.Connections, lastSeen: t, gpSeen: gpTick(t)}
	if f := flowKey(key); a.byFlow[f] == nil {
		a.byFlow[f], s.indexed = s, true
	}
	a.lists[byID].pushBack(s)
	a.lists[recent].pushBack(s)
	a.stats.MaxOpen = max(a.stats.MaxOpen, a.lists[byID].n)
	return s
}
