package reassembly

import (
	"cmp"
	"hash/maphash"
	"slices"
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
	PendingOverflow uint64 // times a handler left more than MaxPendingBytes
	PendingDropped  uint64 // bytes left unconsumed and dropped (overflow, gap, or end)
	IdleFlushed     uint64 // connections ended by FlushIdle (EndIdle or EndHalfClose)
	Ignored         uint64 // packets of connections that had already ended
	AfterEnd        uint64 // buffered bytes discarded because their connection had ended
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

	live         map[*stream]struct{}
	stats        Stats
	lastIdleScan time.Time // packet time of gopacket's last flush in FlushIdle

	// Per call state.
	cur   *pktCtx   // context of the packet being added, reused when gopacket keeps no reference
	now   time.Time // packet time, or flush time
	mode  mode
	chunk Chunk

	freeBufs  [][]byte          // pending buffers of ended or caught-up connections, for reuse
	freeRings []*[ringSize]byte // overlap rings of ended connections, for reuse

	// Ended connections out of gopacket's pool (closed.go).
	closed    closedSet
	reset     map[uint64]*stream // live connections that saw a RST, by keyHash
	releasing *stream            // release is closing its open halves
	rstHdr    [20]byte
	rstTCP    layers.TCP
	pooled    int // streams in gopacket's pool: made, not yet let go by ReassemblyComplete

	// What gopacket hands over during its flushes, run afterwards in
	// connection order (flushq.go).
	deferring bool
	ops       []flushOp
	qdata     []byte
	qsegs     []Segment
}

// New returns an Assembler that makes a Handler with f for each connection.
func New(f Factory, opt Options) *Assembler {
	a := &Assembler{
		opt:     opt.withDefaults(),
		factory: f,
		seed:    maphash.MakeSeed(),
		live:    make(map[*stream]struct{}),
	}
	pool := gpr.NewStreamPool(gpFactory{a})
	a.asm = gpr.NewAssembler(pool)
	a.asm.MaxBufferedPagesTotal = max(a.opt.MaxBufferedPagesTotal, 0)
	a.asm.MaxBufferedPagesPerConnection = max(a.opt.MaxBufferedPagesPerConnection, 0)
	return a
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
	a.asm.AssembleWithContext(p.Net, tcp, c)
	if c.retained {
		a.cur = nil
	}
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
// gopacket's flush visits every connection, so it runs at most once per
// IdleTimeout/16 of packet time: a connection ends between IdleTimeout and
// 17/16 IdleTimeout after its last packet.
func (a *Assembler) FlushIdle(now time.Time) {
	a.now, a.mode = now, modeIdle
	if t := a.opt.IdleTimeout; t > 0 && (a.lastIdleScan.IsZero() || now.Sub(a.lastIdleScan) >= t/16 || now.Before(a.lastIdleScan)) {
		a.lastIdleScan = now
		old := now.Add(-t)
		a.deferred(func() { a.asm.FlushWithOptions(gpr.FlushOptions{T: old, TC: old}) })
		a.closed.expire(old)
	}
	var closing []*stream
	for s := range a.live {
		if _, ok := a.closeDue(s, now); ok {
			closing = append(closing, s)
		}
	}
	// A connection with queued calls is looked at again after them: they
	// may end a direction, or the connection.
	closeIdle := func(s *stream) {
		if r, ok := a.closeDue(s, now); ok {
			s.end(r)
			a.release(s)
		}
	}
	a.settle(closing, closeIdle)
	a.mode = modeAdd
}

// closeDue tells whether FlushIdle at now ends s, and why: it saw a RST
// and no packet for RSTGrace (EndRST), or a FIN in one direction and no
// packet for CloseTimeout (EndHalfClose).
func (a *Assembler) closeDue(s *stream, now time.Time) (EndReason, bool) {
	switch {
	case s.ended:
		return 0, false
	case s.rst && !s.lastSeen.After(now.Add(-RSTGrace)):
		return EndRST, true
	case a.opt.CloseTimeout > 0 && (s.half[0].done || s.half[1].done) && s.lastSeen.Before(now.Add(-a.opt.CloseTimeout)):
		return EndHalfClose, true
	}
	return 0, false
}

// FlushAll delivers everything buffered, reporting what is missing as gaps,
// and ends every connection (EndFlush; EndFIN when both directions had
// ended with a FIN, EndRST when it saw a RST) at time t. Call it at the end of the input. Handlers
// are called connection by connection, in the order the connections were
// first seen.
func (a *Assembler) FlushAll(t time.Time) {
	a.now, a.mode = t, modeFlush
	a.deferred(func() { a.asm.FlushAll() })
	live := make([]*stream, 0, len(a.live))
	for s := range a.live {
		live = append(live, s)
	}
	a.settle(live, func(s *stream) {
		if s.rst {
			s.end(EndRST)
		}
		s.end(EndFlush)
	})
	a.mode = modeAdd
}

// forget remembers an ended connection that leaves gopacket's pool while
// packets are added, so that its late packets are ignored (closed.go).
func (a *Assembler) forget(s *stream) {
	if !s.released {
		s.released = true
		e := closedConn{isn: s.isn, hasISN: s.hasISN, synOK: s.reason == EndFIN || s.reason == EndRST}
		a.closed.add(a.keyHash(s.key.A, s.key.B), s.lastSeen, e)
	}
}

// Stats returns the counters so far.
func (a *Assembler) Stats() Stats {
	st := a.stats
	st.Open = len(a.live)
	return st
}

func sortByID(ss []*stream) {
	slices.SortFunc(ss, func(x, y *stream) int { return cmp.Compare(x.id, y.id) })
}

func (a *Assembler) newStream(key ConnKey, swap bool, t time.Time, num uint64) *stream {
	h := a.factory(key, t, num)
	if h == nil {
		h = discard{}
	}
	a.stats.Connections++
	a.pooled++
	s := &stream{a: a, h: h, key: key, swap: swap, id: a.stats.Connections, lastSeen: t}
	a.live[s] = struct{}{}
	return s
}
