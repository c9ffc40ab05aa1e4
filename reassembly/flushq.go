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
// completions. After the flush the queue is sorted by connection, each
// connection's calls kept in gopacket's order, and run by settle.
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
	a.ops = append(a.ops, op)
}

func (a *Assembler) queueComplete(s *stream) {
	a.ops = append(a.ops, flushOp{s: s, complete: true})
}

// settle runs the queued calls and then, for each connection, after; it
// goes connection by connection, in creation order, over those with
// queued calls and those of more (which need not be sorted, and may
// repeat some of the former).
func (a *Assembler) settle(more []*stream, after func(*stream)) {
	ops := a.ops
	slices.SortStableFunc(ops, func(x, y flushOp) int { return cmp.Compare(x.s.id, y.s.id) })
	sortByID(more)
	i, j := 0, 0
	for i < len(ops) || j < len(more) {
		var s *stream
		if j == len(more) || (i < len(ops) && ops[i].s.id <= more[j].id) {
			s = ops[i].s
		} else {
			s = more[j]
		}
		for ; i < len(ops) && ops[i].s == s; i++ {
			a.run(&ops[i])
		}
		for j < len(more) && more[j] == s {
			j++
		}
		if after != nil {
			after(s)
		}
	}
	clear(ops)
	a.ops = ops[:0]
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
