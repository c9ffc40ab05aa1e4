package reassembly

import (
	"testing"
	"time"
)

// wireRecorder is a recorder that keeps the Wire figures it is given.
type wireRecorder struct {
	recorder
	wire  [2]Wire
	calls int
	ended bool // End came before Wire
}

func (w *wireRecorder) Wire(f [2]Wire) {
	w.wire, w.calls = f, w.calls+1
	w.ended = len(w.log) > 0 && w.log[len(w.log)-1][0] == 'E'
}

// wireAssembler is an Assembler whose connections are wireRecorders,
// appended to *got as they are made.
func wireAssembler(got *[]*wireRecorder) *Assembler {
	return New(func(key ConnKey, _ time.Time, _ uint64) Handler {
		w := &wireRecorder{recorder: recorder{key: key}}
		*got = append(*got, w)
		return w
	}, Options{})
}

// wireRun feeds ps to one connection and returns its recorder.
func wireRun(t *testing.T, ps ...tp) *wireRecorder {
	t.Helper()
	var got []*wireRecorder
	a := wireAssembler(&got)
	for i, p := range ps {
		from, to := cliAddr, srvAddr
		if p.dir == Dir1 {
			from, to = srvAddr, cliAddr
		}
		a.Add(mkPacket(uint64(i+1), p, from, to))
	}
	a.FlushAll(t0.Add(time.Hour))
	if len(got) != 1 {
		t.Fatalf("%d connections, want 1", len(got))
	}
	w := got[0]
	if w.calls != 1 || w.ended {
		t.Fatalf("Wire called %d times (after End: %v), want once before End", w.calls, w.ended)
	}
	return w
}

// TestWire: every segment of an open connection counts (handshake, pure
// ACKs, FINs), frame bytes are the capture lengths (54 + payload here),
// and retransmissions are the segments with payload whose first byte had
// come: a copy, a partial overlap, a keep-alive, a copy of a segment
// buffered out of order, a copy after the FIN; not an out-of-order
// segment, nor the packets after the connection ended.
func TestWire(t *testing.T) {
	const c, s = cliISN + 1, srvISN + 1
	w := wireRun(t, withHandshake(
		tp{dir: Dir0, flags: "A", seq: c, data: "aaaa"},
		tp{dir: Dir0, flags: "A", seq: c + 8, data: "cccc"}, // out of order: new
		tp{dir: Dir0, flags: "A", seq: c + 8, data: "cccc"}, // copy of the buffered one
		tp{dir: Dir0, flags: "A", seq: c, data: "aaaa"},     // copy
		tp{dir: Dir0, flags: "A", seq: c + 2, data: "aabb"}, // partly new
		tp{dir: Dir0, flags: "A", seq: c + 6, data: "bb"},   // fills the hole: new
		tp{dir: Dir1, flags: "A", seq: s, data: "xyz"},      // response
		tp{dir: Dir0, flags: "A", seq: c + 11, data: "c"},   // keep-alive: the last byte again
		tp{dir: Dir0, flags: "AF", seq: c + 12},             // FIN
		tp{dir: Dir0, flags: "A", seq: c + 8, data: "cccc"}, // copy after the FIN
		tp{dir: Dir1, flags: "AF", seq: s + 3},              // FIN: the connection ends
		tp{dir: Dir0, flags: "A", seq: c + 13},              // the last ACK: after the end
	)...)
	want := [2]Wire{
		{Packets: 2 + 9, Payload: 6*4 + 2 + 1, Retransmissions: 5},
		{Packets: 1 + 2, Payload: 3},
	}
	want[0].Bytes = 54*want[0].Packets + want[0].Payload
	want[1].Bytes = 54*want[1].Packets + want[1].Payload
	if w.wire != want {
		t.Errorf("wire\n got %+v\nwant %+v", w.wire, want)
	}
}

// TestWireMidStream: in a connection picked up mid-stream, bytes from
// before the first segment seen were never seen: no retransmission.
func TestWireMidStream(t *testing.T) {
	w := wireRun(t,
		tp{dir: Dir0, flags: "A", seq: 100, data: "bbbb"},
		tp{dir: Dir0, flags: "A", seq: 96, data: "aaaa"},  // earlier bytes, never seen
		tp{dir: Dir0, flags: "A", seq: 100, data: "bbbb"}, // a copy
		tp{dir: Dir1, flags: "R", seq: 7},
	)
	want := [2]Wire{{Packets: 3, Bytes: 3*54 + 12, Payload: 12, Retransmissions: 1}, {Packets: 1, Bytes: 54}}
	if w.wire != want {
		t.Errorf("wire\n got %+v\nwant %+v", w.wire, want)
	}
}

// TestPureACKs: a pure ACK of an open connection at or before the next
// expected byte of its direction is counted without gopacket (ackOnly);
// one ahead of that byte (bytes are missing), one on a direction not yet
// started, one a second or more after the last packet gopacket saw of the
// connection, and one after the end go through gopacket. The connection
// and its figures are the same either way, and it leaves the index when
// it ends.
func TestPureACKs(t *testing.T) {
	const c, s = cliISN + 1, srvISN + 1
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	var got []*wireRecorder
	a := wireAssembler(&got)
	ps := []tp{
		{dir: Dir1, flags: "A", seq: s, at: ms(1)},                   // mid-stream: Dir0 is this direction; not started: gopacket
		{dir: Dir1, flags: "A", seq: s, at: ms(2)},                   // counted here (1)
		{dir: Dir0, flags: "A", seq: c, data: "abcd", at: ms(3)},     // data
		{dir: Dir1, flags: "A", seq: s, at: ms(4)},                   // here (2)
		{dir: Dir0, flags: "A", seq: c + 4, at: ms(5)},               // here (3)
		{dir: Dir0, flags: "A", seq: c + 3, at: ms(6)},               // before the next byte (keep-alive): here (4)
		{dir: Dir0, flags: "A", seq: c + 8, at: ms(7)},               // ahead: bytes 4-7 missing, gopacket
		{dir: Dir0, flags: "A", seq: c + 4, data: "efgh", at: ms(8)}, // the missing bytes
		{dir: Dir1, flags: "A", seq: s, at: ms(2000)},                // gopacket saw the connection 1.992 s ago
		{dir: Dir1, flags: "A", seq: s, at: ms(2001)},                // here (5)
		{dir: Dir0, flags: "AF", seq: c + 8, at: ms(2002)},
		{dir: Dir1, flags: "AF", seq: s, at: ms(2003)},    // the end
		{dir: Dir0, flags: "A", seq: c + 9, at: ms(2004)}, // after it: gopacket, ignored
	}
	for i, p := range ps {
		from, to := cliAddr, srvAddr
		if p.dir == Dir1 {
			from, to = srvAddr, cliAddr
		}
		a.Add(mkPacket(uint64(i+1), p, from, to))
	}
	if n := a.Stats().PureACKs; n != 5 {
		t.Errorf("%d pure ACKs counted without gopacket, want 5", n)
	}
	if len(a.byFlow) != 0 {
		t.Errorf("%d connections left in the index after the end", len(a.byFlow))
	}
	a.FlushAll(t0.Add(time.Hour))
	if len(got) != 1 {
		t.Fatalf("%d connections, want 1", len(got))
	}
	// The connection started with the server's ACK: its Dir0 is the
	// server's direction.
	want := [2]Wire{{Packets: 6}, {Packets: 6, Payload: 8}}
	for d := range want {
		want[d].Bytes = 54*want[d].Packets + want[d].Payload
	}
	if w := got[0]; w.wire != want {
		t.Errorf("wire\n got %+v\nwant %+v", w.wire, want)
	}
	checkLog(t, got[0].log, []string{`D1 "abcd" [0@3]`, `D1 "efgh" [0@8]`, "E fin"})
}
