package reassembly

import (
	"cmp"
	"slices"
)

// gopacket's flushes (FlushWithOptions, FlushAll) visit its connections in
// the order of a Go map, which changes from run to run. So that FlushIdle
// and FlushAll call handlers in a fixed order, connection by connection in
// the order the connections were made (stream.id), what gopacket hands
// over during one of its flushes is queued rather than given to the
// handlers: the ScatterGathers, read at once (their bytes copied, their
// packets mapped, gopacket's next expected byte moved on), and the
// completions. Each connection's calls are chained in gopacket's order
// (stream.ops, flushOp.next); after the flush they are run connection by
// connection: FlushAll walks the connections in creation order (lists.go),
// FlushIdle sorts the few it touched.
//
// What runs from the queue is what would have run at once: nothing outside
// a connection's own state decides what its handler is told, and gopacket
// reads none of the state that take and complete change (pending bytes,
// done directions, ended connections). The copies are bounded by the
// buffered pages that a flush delivers.

// flushOp is one queued call: a ScatterGather's part for the handler
// (stream.take), or a completion (stream.complete).
type flushOp struct {
	s        *stream
	complete bool
	dir      Dir
	end      bool
	skip     int
	start    uint64
	data     [2]int // range of Assembler.qdata
	segs     [2]int // range of Assembler.qsegs
	next     int32  // the connection's next queued call, 1-based; 0: none
}

// maxKeptQueue is the capacity of the queue's byte buffer kept from one
// flush to the next; a larger one (a FlushAll of many buffered pages) is
// let go.
const maxKeptQueue = 1 << 20

// deferred runs one of gopacket's flushes with its calls queued.
func (a *Assembler) deferred(flush func()) {
	a.deferring = true
	flush()
	a.deferring = false
}

func (a *Assembler) queue(s *stream, d Dir, start uint64, skip int, data []byte, segs []Segment, end bool) {
	op := flushOp{s: s, dir: d, end: end, skip: skip, start: start}
	op.data[0] = len(a.qdata)
	a.qdata = append(a.qdata, data...)
	op.data[1] = len(a.qdata)
	op.segs[0] = len(a.qsegs)
	a.qsegs = append(a.qsegs, segs...)
	op.segs[1] = len(a.qsegs)
	a.push(op)
}

func (a *Assembler) queueComplete(s *stream) {
	a.push(flushOp{s: s, complete: true})
}

// push queues op on its connection's chain.
func (a *Assembler) push(op flushOp) {
	s := op.s
	a.ops = append(a.ops, op)
	i := int32(len(a.ops))
	if s.ops[0] == 0 {
		s.ops[0] = i
		a.opStreams = append(a.opStreams, s)
	} else {
		a.ops[s.ops[1]-1].next = i
	}
	s.ops[1] = i
}

// runOps runs the queued calls of s, in order.
func (a *Assembler) runOps(s *stream) {
	for i := s.ops[0]; i != 0; {
		op := &a.ops[i-1]
		a.run(op)
		i = op.next
	}
	s.ops = [2]int32{}
}

// settle runs the queued calls and then, for each connection, after; it
// goes connection by connection, in creation order, over those with
// queued calls and those of more (which may repeat some of them).
func (a *Assembler) settle(more []*stream, after func(*stream)) {
	ss := append(more, a.opStreams...)
	slices.SortFunc(ss, func(x, y *stream) int { return cmp.Compare(x.id, y.id) })
	ss = slices.Compact(ss)
	for _, s := range ss {
		a.runOps(s)
		if after != nil {
			after(s)
		}
	}
	a.clearOps()
}

// clearOps empties the queue once every call in it has run.
func (a *Assembler) clearOps() {
	clear(a.ops)
	a.ops = a.ops[:0]
	clear(a.opStreams)
	a.opStreams = a.opStreams[:0]
	a.qsegs = a.qsegs[:0]
	if cap(a.qdata) > maxKeptQueue {
		a.qdata = nil
	} else {
		a.qdata = a.qdata[:0]
	}
}

func (a *Assembler) run(op *flushOp) {
	if op.complete {
		op.s.complete()
		return
	}
	var data []byte
	if op.data[1] > op.data[0] {
		data = a.qdata[op.data[0]:op.data[1]:op.data[1]]
	}
	op.s.take(op.dir, op.start, op.skip, data, a.qsegs[op.segs[0]:op.segs[1]:op.segs[1]], op.end)
}
