package reassembly

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"math"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	gpr "github.com/gopacket/gopacket/reassembly"
)

// historySize is how many recent segments per direction are remembered, as
// (sequence range, place in the ring), to check overlaps against.
const historySize = 16

// ringSize is how many of the latest payload bytes of a direction, by
// arrival, are kept to compare overlapping segments byte by byte.
const ringSize = 8 << 10

// maxRings bounds the rings of one Assembler (8 MiB): a direction whose
// first payload comes while as many are in use keeps none, and its
// overlaps are checked by a hash of each segment, taken on arrival
// (Stats.RingsRefused, Stats.OverlapsUnchecked).
const maxRings = 1024

// maxFreeRings bounds the rings kept for reuse (1 MiB): enough for the
// connections that end between two that start on a busy link.
const maxFreeRings = 128

func max32(x, y uint32) uint32 {
	if int32(y-x) > 0 {
		return y
	}
	return x
}

// invalidSeq is gopacket's "no sequence number yet".
const invalidSeq = gpr.Sequence(-1)

type segRecord struct {
	seq, n uint32
	hash   uint64 // of its bytes, for a direction without a ring only
	packet uint64
	at     uint64 // half.ringPos of its first byte
}

// half is the state of one direction.
type half struct {
	base     uint32          // sequence number of stream offset 0
	hiSeq    uint32          // end of the highest remembered segment: nothing overlaps from there
	next     uint64          // stream offset of gopacket's next expected byte
	consumed uint64          // stream offset of the first byte the handler has not consumed
	ahead    uint64          // stream offset past the last byte buffered out of order, 0 when none is
	fin      uint64          // stream offset of a FIN (hasFin), which may be ahead of the bytes that arrived
	done     bool            // a FIN or RST ended this direction
	started  bool            // gopacket expects the byte at base+next (its first packet was accepted)
	hasFin   bool            // fin is set
	histPos  uint8           // next place in hist, once it is full
	pend     []byte          // bytes left unconsumed by the handler, at offset consumed: ps.buf[ps.off:ps.off+len(pend)]
	ps       *pendState      // while bytes are pending
	hist     []segRecord     // up to historySize, from the Assembler's free list, given back at End
	ring     *[ringSize]byte // the latest payload bytes, at ringPos modulo ringSize
	ringPos  uint64          // payload bytes written to ring
}

// pendState backs the pending bytes of a direction: made when a handler
// first leaves bytes unconsumed, let go when it has consumed them all.
type pendState struct {
	buf  []byte // backing array of half.pend
	off  int
	segs []Segment // the packets of half.pend
}

// stream is one connection: gopacket's Stream, feeding a Handler.
type stream struct {
	a        *Assembler
	h        Handler
	key      ConnKey
	id       uint64 // order of creation
	lastSeen time.Time
	half     [2]half
	wire     [2]wireCount    // by Dir
	links    [numLists]links // on the Assembler's lists (lists.go)
	ops      [2]int32        // first and last of its queued calls in Assembler.ops, 1-based (flushq.go)
	isn      [2]uint32       // sequence number of each direction's SYN ...
	rstPkt   uint64          // packet of the RST (rst): bytes of later packets are noted
	// gpSeen is the time of the last packet gopacket saw (Accept), which
	// its flushes go by, in gpTicks (2^26 ns, 67 ms; compared as int32
	// differences, it wraps every 9 years).
	gpSeen   int32
	hasISN   [2]bool // ... when seen, to know its retransmissions once ended
	rst      bool    // a RST was seen at the next expected sequence number (in Assembler.reset)
	rstNoted [2]bool // NoteDataAfterRST given, by Dir
	swap     bool    // gopacket's client->server half is Dir1
	ended    bool
	released bool      // out of gopacket's pool, in a.closed
	indexed  bool      // in Assembler.byFlow
	reason   EndReason // why it ended
}

func (s *stream) dir(d gpr.TCPFlowDirection) Dir {
	r := Dir0
	if d == gpr.TCPDirServerToClient {
		r = Dir1
	}
	if s.swap {
		r = r.Reverse()
	}
	return r
}

// Accept sees every packet of the connection before gopacket does. It
// forces the start of a direction on its first packet (so connections
// picked up mid-stream are followed), and classifies payload as new,
// out-of-order or retransmitted.
func (s *stream) Accept(tcp *layers.TCP, ci gopacket.CaptureInfo, gdir gpr.TCPFlowDirection, nextSeq gpr.Sequence, start *bool, ac gpr.AssemblerContext) bool {
	a := s.a
	if s.ended {
		if a.releasing == s {
			// The RST made by release: at the next expected byte.
			if nextSeq == invalidSeq {
				*start = true
			} else {
				tcp.Seq = uint32(nextSeq)
			}
			return true
		}
		a.stats.Ignored++
		return false
	}
	if t := gpTick(ci.Timestamp); t-s.gpSeen > 0 {
		s.gpSeen = t
	}
	c, _ := ac.(*pktCtx)
	if c == nil {
		s.touch(ci.Timestamp)
		return false
	}
	d := s.dir(gdir)
	s.count(d, c.ci, len(tcp.Payload))
	w := &s.wire[d]
	h := &s.half[d]
	if h.done {
		if len(tcp.Payload) > 0 && nextSeq != invalidSeq && nextSeq.Difference(gpr.Sequence(c.seq)) < 0 {
			w.retrans() // bytes before the FIN, again
		}
		return false
	}
	if tcp.RST && a.releasing == nil {
		return s.acceptRST(c, nextSeq)
	}
	payload := tcp.Payload
	if nextSeq == invalidSeq {
		// First packet of this direction: the stream starts here.
		*start = true
		h.base, h.started = c.seq, true
		if tcp.SYN {
			s.isn[d], s.hasISN[d] = tcp.Seq, true
		}
		if len(payload) > 0 {
			s.remember(h, c, payload)
		}
		return true
	}
	diff := nextSeq.Difference(gpr.Sequence(c.seq))
	if tcp.FIN && !tcp.RST {
		if e := int64(diff) + int64(len(payload)); e >= 0 {
			h.fin, h.hasFin = h.next+uint64(e), true
		}
	}
	if diff > 0 && len(payload) > 0 {
		c.retained = true // gopacket buffers it, keeping c
		s.buffered(h, diff, len(payload))
	}
	if len(payload) == 0 || tcp.SYN {
		return true // a SYN on a started direction is dropped by gopacket
	}
	if h.hist != nil && int32(c.seq-h.hiSeq) < 0 {
		s.checkOverlap(d, h, c, payload, diff)
	}
	switch {
	case diff < 0:
		a.stats.Retransmissions++
		if int32(c.seq-h.base) >= 0 {
			w.retrans() // not bytes from before the first seen (a stream picked up mid-way)
		}
		if diff+len(payload) > 0 {
			s.remember(h, c, payload)
		}
	case diff > 0:
		if h.seen(c.seq) {
			a.stats.Retransmissions++
			w.retrans()
		} else {
			a.stats.OutOfOrder++
			s.remember(h, c, payload)
		}
	default:
		s.remember(h, c, payload)
	}
	return true
}

// gpTick is t in units of 2^26 ns (stream.gpSeen).
func gpTick(t time.Time) int32 { return int32(t.UnixNano() >> 26) }

// touch notes a packet of the connection at time t: its last packet
// time, and its place on the lists of recent activity.
func (s *stream) touch(t time.Time) {
	if t.After(s.lastSeen) {
		s.lastSeen = t
	}
	s.a.lists[recent].touch(s)
	s.a.lists[halfClosed].touch(s)
}

// count notes a packet of direction d with payload bytes of payload (touch,
// and the direction's wire figures).
func (s *stream) count(d Dir, ci gopacket.CaptureInfo, payload int) {
	s.touch(ci.Timestamp)
	w := &s.wire[d]
	if w.packets != math.MaxUint32 {
		w.packets++
	}
	w.bytes += uint64(ci.Length)
	w.payload += uint64(payload)
}

// wireCount is the Wire of one direction while the connection is open,
// in 24 bytes (every open connection has two): the counts of segments
// stop at 2^32-1.
type wireCount struct {
	packets, retransmissions uint32
	bytes, payload           uint64
}

func (w *wireCount) retrans() {
	if w.retransmissions != math.MaxUint32 {
		w.retransmissions++
	}
}

func (w *wireCount) figures() Wire {
	return Wire{Packets: uint64(w.packets), Bytes: w.bytes, Payload: w.payload, Retransmissions: uint64(w.retransmissions)}
}

// buffered notes that gopacket buffers n bytes of direction h diff bytes
// past its next expected one. When they reach further than the
// per-connection cap allows (MaxBufferedPagesPerConnection pages' worth of
// bytes), gopacket is made to deliver the connection's first buffered
// range now, after a Gap for what is missing before it (see Add).
func (s *stream) buffered(h *half, diff, n int) {
	a := s.a
	end := h.next + uint64(diff) + uint64(n)
	if end <= h.ahead {
		return
	}
	if h.ahead == 0 {
		a.oooHalves++
	}
	h.ahead = end
	if lim := a.opt.MaxBufferedPagesPerConnection; lim > 0 && end-h.next > uint64(lim)*pageBytes {
		a.asm.MaxBufferedPagesPerConnection = 1 // read by gopacket after Accept
		a.forced = true
	}
}

// acceptRST takes a RST. gopacket ignores one that is not at the next
// expected sequence number, as a receiver would (RFC 5961), and closes the
// direction of one that is, losing what the peers send after it. Such a
// RST (or one that is the direction's first packet) is kept from gopacket
// and marks the connection, which ends with EndRST once no packet comes
// for RSTGrace (FlushIdle), at FlushAll, or when a new SYN comes; bytes
// that come after it are delivered with a NoteDataAfterRST note.
func (s *stream) acceptRST(c *pktCtx, nextSeq gpr.Sequence) bool {
	if nextSeq != invalidSeq && nextSeq.Difference(gpr.Sequence(c.seq)) != 0 {
		return true // for gopacket to ignore
	}
	// A RST's payload is diagnostic text, not stream data (RFC 9293 3.5.3).
	s.a.stats.RSTPayload += uint64(c.end - c.seq)
	if !s.rst {
		a := s.a
		s.rst, s.rstPkt = true, c.num
		if a.reset == nil {
			a.reset = make(map[uint64]*stream)
		}
		a.reset[a.keyHash(s.key.A, s.key.B)] = s
		a.stats.RSTs++
	}
	return false
}

// afterRST notes, once per direction, bytes about to be delivered at
// stream offset at that came in packets after the connection's RST.
func (s *stream) afterRST(d Dir, at uint64, data []byte, segs []Segment) {
	for i, sg := range segs {
		if sg.Packet <= s.rstPkt {
			continue
		}
		end := len(data)
		if i+1 < len(segs) {
			end = segs[i+1].Offset
		}
		n := end - sg.Offset
		s.a.stats.DataAfterRST += uint64(n)
		if !s.rstNoted[d] {
			s.rstNoted[d] = true
			s.h.Note(Note{
				Code:   NoteDataAfterRST,
				Dir:    d,
				Offset: at + uint64(sg.Offset),
				Packet: sg.Packet,
				Time:   sg.Time,
				Detail: fmt.Sprintf("bytes came after the RST of packet %d: it did not end the connection (injected, or the peers ignored it)", s.rstPkt),
			})
		}
	}
}

// remember records a segment in the history, and its bytes in the ring.
func (s *stream) remember(h *half, c *pktCtx, payload []byte) {
	if h.hist == nil {
		h.hist = s.a.getHist()
		h.ring = s.a.getRing()
		h.hiSeq = c.seq
	}
	r := segRecord{seq: c.seq, n: uint32(len(payload)), packet: c.num, at: h.ringPos}
	if h.ring == nil {
		// No ring (maxRings are in use): the segment is checked by hash.
		r.hash = maphash.Bytes(s.a.seed, payload)
	}
	if len(h.hist) < historySize {
		h.hist = append(h.hist, r)
	} else {
		h.hist[h.histPos] = r
	}
	h.histPos = (h.histPos + 1) % historySize
	if h.ring == nil {
		h.hiSeq = max32(h.hiSeq, c.end)
		return // checked by hash only
	}
	b := payload
	if len(b) > ringSize {
		b = b[len(b)-ringSize:]
	}
	h.ringPos += uint64(len(payload) - len(b))
	for len(b) > 0 {
		n := copy(h.ring[h.ringPos%ringSize:], b)
		b = b[n:]
		h.ringPos += uint64(n)
	}
	if int32(c.end-h.hiSeq) > 0 {
		h.hiSeq = c.end
	}
}

// ringEqual tells whether b is the ring's bytes from position pos on.
func (h *half) ringEqual(pos uint64, b []byte) bool {
	for len(b) > 0 {
		i := int(pos % ringSize)
		n := min(len(b), ringSize-i)
		if !bytes.Equal(h.ring[i:i+n], b[:n]) {
			return false
		}
		b, pos = b[n:], pos+uint64(n)
	}
	return true
}

func (h *half) seen(seq uint32) bool {
	if h.hist == nil {
		return false
	}
	for i := range h.hist {
		if h.hist[i].n > 0 && h.hist[i].seq == seq {
			return true
		}
	}
	return false
}

// checkOverlap compares the payload of a segment with the remembered
// segments it overlaps, and notes the first that differs: byte by byte
// where their bytes are still in the ring, else by hash where the payload
// covers them entirely. A difference from a segment wholly covered is a
// NoteRetransmissionMismatch, from one partly covered a
// NoteOverlapMismatch. diff is the payload's position relative to the next
// expected byte.
func (s *stream) checkOverlap(d Dir, h *half, c *pktCtx, payload []byte, diff int) {
	oldest := h.ringPos - min(h.ringPos, ringSize) // first position still in the ring
	for i := range h.hist {
		r := &h.hist[i]
		if r.n == 0 {
			continue
		}
		rel := int64(int32(r.seq - c.seq)) // the record's start in payload
		lo, hi := max(rel, 0), min(rel+int64(r.n), int64(len(payload)))
		if lo >= hi {
			continue
		}
		whole := lo == rel && hi == rel+int64(r.n)
		var same bool
		if from := r.at + uint64(lo-rel); h.ring != nil && from+uint64(hi-lo) > oldest {
			if skip := int64(max(oldest, from) - from); skip > 0 {
				// Its first bytes are gone from the ring: the rest is
				// compared, and the overlap counted as not wholly checked.
				lo += skip
				from += uint64(skip)
				s.a.stats.OverlapsUnchecked++
			}
			same = h.ringEqual(from, payload[lo:hi])
		} else if h.ring == nil && whole {
			same = maphash.Bytes(s.a.seed, payload[lo:hi]) == r.hash
		} else {
			s.a.stats.OverlapsUnchecked++
			continue // its bytes are gone from the ring, or only partly covered
		}
		if same {
			continue
		}
		s.a.stats.Mismatches++
		code := NoteOverlapMismatch
		if whole {
			code = NoteRetransmissionMismatch
		}
		at := int64(h.next) + int64(diff) + lo
		s.h.Note(Note{
			Code:   code,
			Dir:    d,
			Offset: uint64(max(at, 0)),
			Packet: c.num,
			Time:   c.ci.Timestamp,
			Detail: fmt.Sprintf("%d bytes differ from those of packet %d", hi-lo, r.packet),
		})
		return
	}
}

// ReassembledSG gets in-order bytes of one direction from gopacket. What
// it reads of gopacket's state (the bytes, their packets, the gap before
// them) is read here; what the handler is told of them is left to take,
// at once while packets are added, after the flush during one of
// gopacket's flushes (flushq.go).
func (s *stream) ReassembledSG(sg gpr.ScatterGather, ac gpr.AssemblerContext) {
	a := s.a
	avail, _ := sg.Lengths() // never any saved bytes: KeepFrom is not used
	gdir, _, end, skip := sg.Info()
	d := s.dir(gdir)
	h := &s.half[d]
	if s.ended {
		a.stats.AfterEnd += uint64(avail)
		return
	}
	start := h.next // of the gap, when skip > 0
	if skip > 0 {
		h.next += uint64(skip)
	}
	var data []byte
	var segs []Segment
	if avail > 0 {
		data = sg.Fetch(avail)
		segs = s.segments(sg, h, avail, ac)
		if skip < 0 {
			// Not expected from gopacket: bytes before the next expected one.
			drop := min(-skip, len(data))
			data = data[drop:]
			segs = trimSegments(segs, drop)
		}
		h.next += uint64(len(data))
	}
	if h.ahead != 0 && h.next >= h.ahead {
		h.ahead = 0
		a.oooHalves--
	}
	if a.deferring {
		a.queue(s, d, start, skip, data, segs, end)
		return
	}
	s.take(d, start, skip, data, segs, end)
}

// take tells the handler of one ScatterGather of direction d: a gap of
// skip bytes at stream offset start (when skip > 0), then data, carried by
// segs; end means the direction ended there.
func (s *stream) take(d Dir, start uint64, skip int, data []byte, segs []Segment, end bool) {
	a := s.a
	h := &s.half[d]
	if s.ended { // not expected: nothing ends a connection between gopacket's call and this one
		a.stats.AfterEnd += uint64(len(data))
		return
	}
	if skip > 0 {
		s.gap(d, h, start, skip, a.mode == modeAdd)
	}
	if len(data) > 0 {
		if s.rst {
			s.afterRST(d, h.consumed+uint64(len(h.pend)), data, segs)
		}
		s.deliver(d, h, data, segs)
	}
	if end {
		h.done = true
		if !s.ended && !s.half[d.Reverse()].done {
			a.lists[halfClosed].pushBack(s)
		}
	}
}

// gap reports n missing bytes of direction d from stream offset start,
// after dropping the pending bytes before them; forced says a
// MaxBufferedPages* cap gave up on them.
func (s *stream) gap(d Dir, h *half, start uint64, n int, forced bool) {
	a := s.a
	if p := len(h.pend); p > 0 {
		a.stats.PendingDropped += uint64(p)
		a.clearPending(s, h)
	}
	a.stats.Gaps++
	a.stats.MissingBytes += uint64(n)
	if forced {
		a.stats.CapGaps++
	}
	s.h.Gap(d, start, n, a.now)
	h.consumed = start + uint64(n)
}

// finGaps reports, as a Gap, the bytes missing before a FIN that arrived
// ahead of them: gopacket keeps no page for a FIN without payload, so that
// none of its flushes skips to it.
func (s *stream) finGaps() {
	for d := Dir0; d <= Dir1; d++ {
		h := &s.half[d]
		if h.hasFin && !h.done && h.fin > h.next {
			n := h.fin - h.next
			s.gap(d, h, h.next, int(min(n, uint64(maxInt))), false)
			h.next = h.fin
		}
	}
}

const maxInt = int(^uint(0) >> 1)

// segments maps the n bytes of sg to the packets that carried them.
func (s *stream) segments(sg gpr.ScatterGather, h *half, n int, ac gpr.AssemblerContext) []Segment {
	fallback, _ := ac.(*pktCtx)
	at := func(off int) *pktCtx {
		if c := ctxOf(sg.CaptureInfo(off)); c != nil {
			return c
		}
		return fallback
	}
	segs := s.a.segs[:0]
	defer func() { s.a.segs = segs }()
	if s.a.mode == modeAdd && h.ahead == 0 && fallback != nil {
		// Nothing of this direction was buffered out of order: the bytes
		// are the packet's being added (the in-order common case), one
		// chunk, without asking gopacket.
		segs = append(segs, Segment{Offset: 0, Time: fallback.ci.Timestamp, Packet: fallback.num})
		return segs
	}
	if sg.Stats().Chunks <= 1 {
		if c := at(0); c != nil {
			segs = append(segs, Segment{Offset: 0, Time: c.ci.Timestamp, Packet: c.num})
		}
		return segs
	}
	first := h.base + uint32(h.next) // sequence number of sg's first byte
	var prev *pktCtx
	for off := 0; off < n; {
		c := at(off)
		// A packet's bytes are contiguous in sg: they run to its end,
		// unless a later overlapping segment replaced their tail.
		run := n - off
		if c != nil {
			if r := int(c.end - (first + uint32(off))); r > 0 && r < run {
				run = r
			}
		}
		if last := off + run - 1; run > 1 && at(last) != c {
			lo, hi := off, last // at(lo) == c, at(hi) != c
			for hi-lo > 1 {
				mid := (lo + hi) / 2
				if at(mid) == c {
					lo = mid
				} else {
					hi = mid
				}
			}
			run = hi - off
		}
		if c != nil && c != prev {
			segs = append(segs, Segment{Offset: off, Time: c.ci.Timestamp, Packet: c.num})
		}
		prev = c
		off += run
	}
	return segs
}

// trimSegments drops the first n bytes' worth of segments, shifting the
// offsets of the rest, in place.
func trimSegments(segs []Segment, n int) []Segment {
	i := 0
	for i+1 < len(segs) && segs[i+1].Offset <= n {
		i++
	}
	segs = segs[i:]
	for j := range segs {
		segs[j].Offset = max(segs[j].Offset-n, 0)
	}
	return segs
}

// deliver hands data, after the pending bytes, to the handler, and keeps
// what it does not consume.
func (s *stream) deliver(d Dir, h *half, data []byte, segs []Segment) {
	a := s.a
	a.stats.Bytes += uint64(len(data))
	fresh := len(h.pend) == 0
	if fresh {
		a.chunk = Chunk{Data: data, Segments: segs}
	} else {
		base := len(h.pend)
		a.appendPending(s, h, data)
		for _, sg := range segs {
			sg.Offset += base
			h.ps.segs = append(h.ps.segs, sg)
		}
		a.chunk = Chunk{Data: h.pend, Segments: h.ps.segs}
	}
	n := len(a.chunk.Data)
	consumed := min(max(s.h.Data(d, &a.chunk), 0), n)
	a.chunk = Chunk{}
	if s.ended { // the handler cannot end the connection, but be safe
		return
	}
	h.consumed += uint64(consumed)
	rest := n - consumed
	defer a.checkPending(s)
	switch {
	case rest == 0:
		a.clearPending(s, h)
	case a.opt.MaxPendingBytes >= 0 && rest > a.opt.MaxPendingBytes:
		a.stats.PendingOverflow++
		a.stats.PendingDropped += uint64(rest)
		start := h.consumed
		h.consumed += uint64(rest)
		a.clearPending(s, h)
		var pkt uint64
		if len(segs) > 0 {
			pkt = segs[len(segs)-1].Packet
		}
		s.h.Gap(d, start, rest, a.now)
		s.h.Note(Note{
			Code:   NotePendingOverflow,
			Dir:    d,
			Offset: start,
			Packet: pkt,
			Time:   a.now,
			Detail: fmt.Sprintf("%d bytes left unconsumed, more than %d", rest, a.opt.MaxPendingBytes),
		})
	case fresh:
		a.appendPending(s, h, data[consumed:])
		h.ps.segs = append(h.ps.segs[:0], trimSegments(segs, consumed)...)
	default:
		h.ps.off += consumed
		h.pend = h.pend[consumed:]
		trimmed := trimSegments(h.ps.segs, consumed)
		h.ps.segs = h.ps.segs[:copy(h.ps.segs, trimmed)]
	}
}

// appendPending appends data to the pending bytes. The window slides along
// buf, and is moved back to its start only when it reaches the end, so that
// consuming from the front copies nothing. Buffers come from, and go back
// to, the assembler's free list, so that a connection holds one only while
// it has bytes pending.
func (a *Assembler) appendPending(s *stream, h *half, data []byte) {
	if h.ps == nil {
		h.ps = a.getPendState()
		if len(data) <= smallPend {
			// A few bytes (a record header, the tail kept while looking
			// for TLS): a small buffer, not one of 4 KiB.
			h.ps.buf = a.getSmall()
		} else {
			h.ps.buf = a.getBuf()
		}
		a.pendingBytes += len(h.ps.buf)
		a.lists[pendingList].pushBack(s)
	}
	ps := h.ps
	if len(h.pend) == 0 {
		ps.off = 0
	}
	n := len(h.pend)
	if ps.off+n+len(data) > len(ps.buf) {
		if need := n + len(data); need > len(ps.buf) {
			var nb []byte
			if need <= pendBufSize {
				nb = a.getBuf()
			}
			if nb == nil {
				nb = make([]byte, max(2*len(ps.buf), need, pendBufSize))
			}
			copy(nb, h.pend)
			a.putBuf(ps.buf)
			a.pendingBytes += len(nb) - len(ps.buf)
			ps.buf = nb
		} else {
			copy(ps.buf, h.pend)
		}
		ps.off = 0
	}
	copy(ps.buf[ps.off+n:], data)
	h.pend = ps.buf[ps.off : ps.off+n+len(data)]
}

// checkPending ends, while the pending buffers of all connections take
// more than MaxPendingBytesTotal, the connection other than s that has held
// pending bytes the longest (EndEvicted).
func (a *Assembler) checkPending(s *stream) {
	lim := a.opt.MaxPendingBytesTotal
	if lim < 0 || a.mode == modeFlush {
		return
	}
	for a.pendingBytes > lim {
		v := a.lists[pendingList].head
		if v == s {
			v = v.links[pendingList].next
		}
		if v == nil {
			return
		}
		a.stats.EvictedPending++
		v.end(EndEvicted)
	}
}

// clearPending empties the pending bytes and gives the buffer back.
func (a *Assembler) clearPending(s *stream, h *half) {
	a.putPendState(h.ps)
	h.ps, h.pend = nil, nil
	if s.half[0].ps == nil && s.half[1].ps == nil {
		a.lists[pendingList].remove(s)
	}
}

const (
	// pendBufSize is the least size of a new pending buffer; it doubles
	// as needed. Small, as thousands of connections may each hold one.
	pendBufSize = 4 << 10
	// smallPend is the size of the buffer of a few pending bytes.
	smallPend = 64
	// maxFreeSmall bounds the free list of small buffers (64 KiB).
	maxFreeSmall = 1024
	// maxFreeBufs bounds the free list; larger buffers are not kept.
	maxFreeBufs    = 64
	maxFreeBufSize = 64 << 10
)

// getRing returns a ring for a direction's latest bytes, from the free
// list when it has one.
func (a *Assembler) getRing() *[ringSize]byte {
	if a.rings >= maxRings {
		a.stats.RingsRefused++
		return nil
	}
	a.rings++
	if n := len(a.freeRings); n > 0 {
		r := a.freeRings[n-1]
		a.freeRings[n-1] = nil
		a.freeRings = a.freeRings[:n-1]
		return r
	}
	return new([ringSize]byte)
}

func (a *Assembler) putRing(r *[ringSize]byte) {
	if r != nil {
		a.rings--
	}
	if r != nil && len(a.freeRings) < maxFreeRings {
		a.freeRings = append(a.freeRings, r)
	}
}

// getHist returns an empty history: one of historySize records from the
// free list when it has one (made once, not grown again), else a small
// one that remember grows with the payloads, so that an open flow of a few
// segments holds a few records (TestMemoryPerOpenFlow).
func (a *Assembler) getHist() []segRecord {
	if n := len(a.freeHist); n > 0 {
		h := a.freeHist[n-1]
		a.freeHist[n-1] = nil
		a.freeHist = a.freeHist[:n-1]
		return h[:0]
	}
	return make([]segRecord, 0, 2)
}

func (a *Assembler) putHist(h []segRecord) {
	if cap(h) == historySize && len(a.freeHist) < maxFreeRings {
		a.freeHist = append(a.freeHist, h)
	}
}

// getPendState returns an empty pendState, from the free list if it can.
func (a *Assembler) getPendState() *pendState {
	if n := len(a.freePS); n > 0 {
		ps := a.freePS[n-1]
		a.freePS[n-1] = nil
		a.freePS = a.freePS[:n-1]
		return ps
	}
	return new(pendState)
}

// putPendState gives back ps and its buffer (ps may be nil).
func (a *Assembler) putPendState(ps *pendState) {
	if ps == nil {
		return
	}
	a.pendingBytes -= len(ps.buf)
	a.putBuf(ps.buf)
	ps.buf, ps.off, ps.segs = nil, 0, ps.segs[:0]
	if len(a.freePS) < maxFreeBufs {
		a.freePS = append(a.freePS, ps)
	}
}

func (a *Assembler) getBuf() []byte {
	if n := len(a.freeBufs); n > 0 {
		b := a.freeBufs[n-1]
		a.freeBufs[n-1] = nil
		a.freeBufs = a.freeBufs[:n-1]
		return b
	}
	return nil
}

// getSmall returns a buffer of smallPend bytes, from its free list if it
// can.
func (a *Assembler) getSmall() []byte {
	if n := len(a.freeSmall); n > 0 {
		b := a.freeSmall[n-1]
		a.freeSmall[n-1] = nil
		a.freeSmall = a.freeSmall[:n-1]
		return b
	}
	return make([]byte, smallPend)
}

func (a *Assembler) putBuf(b []byte) {
	if len(b) == smallPend && len(a.freeSmall) < maxFreeSmall {
		a.freeSmall = append(a.freeSmall, b)
		return
	}
	if len(b) >= pendBufSize && len(b) <= maxFreeBufSize && len(a.freeBufs) < maxFreeBufs {
		a.freeBufs = append(a.freeBufs, b)
	}
}

// ReassemblyComplete: gopacket closed both directions. The connection
// leaves gopacket's pool at once; after FINs (or a RST) seen while adding
// packets, it is remembered in a.closed instead, so that the last ACKs and
// retransmitted FINs are recognised and ignored rather than starting a new
// connection, for IdleTimeout after the last of them. A SYN still starts one
// after FINs.
func (s *stream) ReassemblyComplete(gpr.AssemblerContext) bool {
	a := s.a
	a.pooled-- // gopacket removes it when this returns true
	a.unindex(s)
	if a.deferring {
		a.queueComplete(s)
		return true
	}
	s.complete()
	if a.mode == modeAdd {
		a.forget(s)
	}
	return true
}

// complete ends the connection that gopacket closed, with the reason its
// state gives.
func (s *stream) complete() {
	switch {
	case s.half[0].done && s.half[1].done:
		s.end(EndFIN)
	case s.rst:
		s.end(EndRST)
	case s.a.mode == modeIdle:
		s.end(EndIdle)
	default:
		s.end(EndFlush)
	}
}

// end ends the connection once.
func (s *stream) end(reason EndReason) {
	if s.ended {
		return
	}
	s.ended = true
	s.reason = reason
	a := s.a
	for k := range a.lists {
		a.lists[k].remove(s)
	}
	if s.rst {
		delete(a.reset, a.keyHash(s.key.A, s.key.B))
	}
	if reason == EndIdle || reason == EndHalfClose {
		a.stats.IdleFlushed++
	}
	s.finGaps()
	for i := range s.half {
		h := &s.half[i]
		a.stats.PendingDropped += uint64(len(h.pend))
		a.putPendState(h.ps)
		a.putRing(h.ring)
		a.putHist(h.hist)
		if h.ahead != 0 {
			a.oooHalves--
		}
		*h = half{done: h.done, next: h.next}
	}
	if reason == EndEvicted {
		// Out of gopacket's pool once it is done with the packet or flush.
		a.stats.Evicted++
		a.toRelease = append(a.toRelease, s)
	}
	h := s.h
	s.h = discard{} // gopacket may hold the stream a while: let the handler go
	if wh, ok := h.(WireHandler); ok {
		wh.Wire([2]Wire{s.wire[0].figures(), s.wire[1].figures()})
	}
	h.End(reason, a.now)
}
