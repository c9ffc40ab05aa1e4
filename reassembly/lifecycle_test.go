package reassembly

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

func TestPartialConsumption(t *testing.T) {
	const c = cliISN + 1
	h := newHarness(t, Options{})
	calls := 0
	h.consume = func(d Dir, ch *Chunk) int {
		calls++
		switch calls {
		case 1:
			return 3 // of "0123456789"
		case 2:
			// "3456789" kept from packet 4, then "abc" of packet 5.
			if got := ch.SegmentAt(7).Packet; got != 5 {
				t.Errorf("SegmentAt(7) = packet %d, want 5", got)
			}
			return 8
		}
		return len(ch.Data)
	}
	h.add(withHandshake(
		tp{dir: Dir0, flags: "A", seq: c, data: "0123456789"},
		tp{dir: Dir0, flags: "A", seq: c + 10, data: "abc"},
		tp{dir: Dir0, flags: "A", seq: c + 16, data: "ghi"}, // ahead
		tp{dir: Dir0, flags: "A", seq: c + 13, data: "def"},
	)...)
	checkLog(t, h.only().log, []string{
		`D0 "0123456789" [0@4]`,
		`D0 "3456789abc" [0@4 7@5]`,
		`D0 "bcdefghi" [0@5 2@7 5@6]`,
	})
}

func TestPendingOverflow(t *testing.T) {
	const c = cliISN + 1
	h := newHarness(t, Options{MaxPendingBytes: 8})
	h.consume = func(d Dir, ch *Chunk) int {
		if ch.Data[0] == 'x' {
			return 1
		}
		return 0
	}
	h.add(withHandshake(
		tp{dir: Dir0, flags: "A", seq: c, data: "abcde"},
		tp{dir: Dir0, flags: "A", seq: c + 5, data: "fghij"}, // 10 pending > 8
		tp{dir: Dir0, flags: "A", seq: c + 10, data: "xyz"},
	)...)
	checkLog(t, h.only().log, []string{
		`D0 "abcde" [0@4]`,
		`D0 "abcdefghij" [0@4 5@5]`,
		`G0 0+10`,
		`N0 pending_overflow @0 p5`,
		`D0 "xyz" [0@6]`, // "yz" stays pending: no more data comes
	})
	st := h.a.Stats()
	if st.PendingOverflow != 1 || st.PendingDropped != 10 {
		t.Errorf("stats %+v, want 1 overflow of 10 bytes", st)
	}
}

func TestGapDropsPending(t *testing.T) {
	const c = cliISN + 1
	h := newHarness(t, Options{})
	h.consume = func(d Dir, ch *Chunk) int { return len(ch.Data) - 2 }
	h.add(withHandshake(
		tp{dir: Dir0, flags: "A", seq: c, data: "abcd"},
		tp{dir: Dir0, flags: "A", seq: c + 8, data: "ijkl"},
	)...)
	h.a.FlushAll(t0.Add(time.Hour))
	checkLog(t, h.only().log, []string{
		`D0 "abcd" [0@4]`,
		`G0 4+4`, // "cd" was pending: dropped, the next Data starts after the gap
		`D0 "ijkl" [0@5]`,
		`E flush`,
	})
	if st := h.a.Stats(); st.PendingDropped != 2+2 || st.Gaps != 1 || st.MissingBytes != 4 || st.CapGaps != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestFlushIdle(t *testing.T) {
	const c = cliISN + 1
	h := newHarness(t, Options{})
	h.add(withHandshake(
		tp{dir: Dir0, flags: "A", seq: c, data: "abc"},
		tp{dir: Dir0, flags: "A", seq: c + 5, data: "fg"}, // ahead of a hole
	)...)
	last := t0.Add(5 * time.Millisecond)
	h.a.FlushIdle(last.Add(DefaultIdleTimeout - time.Second))
	checkLog(t, h.only().log, []string{`D0 "abc" [0@4]`})
	h.a.FlushIdle(last.Add(DefaultIdleTimeout + time.Second)) // too soon after the last scan
	checkLog(t, h.only().log, []string{`D0 "abc" [0@4]`})
	h.a.FlushIdle(last.Add(DefaultIdleTimeout * 17 / 16))
	want := []string{`D0 "abc" [0@4]`, `G0 3+2`, `D0 "fg" [0@5]`, `E idle`}
	checkLog(t, h.only().log, want)
	h.a.FlushIdle(last.Add(time.Hour))
	h.a.FlushAll(last.Add(time.Hour))
	checkLog(t, h.only().log, want)
	if st := h.a.Stats(); st.IdleFlushed != 1 || st.Open != 0 || st.Connections != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestHalfClose(t *testing.T) {
	const c = cliISN + 1
	h := newHarness(t, Options{CloseTimeout: 10 * time.Second})
	h.add(withHandshake(
		tp{dir: Dir0, flags: "FA", seq: c, data: "bye"},
		tp{dir: Dir1, flags: "A", seq: srvISN + 1, data: "still here"},
	)...)
	h.a.FlushIdle(t0.Add(9 * time.Second))
	h.a.FlushIdle(t0.Add(11 * time.Second))
	h.a.FlushAll(t0.Add(time.Hour))
	checkLog(t, h.only().log, []string{
		`D0 "bye" [0@4]`,
		`D1 "still here" [0@5]`,
		`E half_close`,
	})
}

func TestEndOnce(t *testing.T) {
	const c, s = cliISN + 1, srvISN + 1
	h := newHarness(t, Options{})
	h.add(withHandshake(
		tp{dir: Dir0, flags: "FA", seq: c, data: "x"},
		tp{dir: Dir1, flags: "FA", seq: s, data: "y"},
		tp{dir: Dir0, flags: "A", seq: c + 2},         // last ACK: no new connection
		tp{dir: Dir1, flags: "FA", seq: s, data: "y"}, // retransmitted FIN
	)...)
	h.a.FlushIdle(t0.Add(time.Hour))
	h.a.FlushAll(t0.Add(2 * time.Hour))
	checkLog(t, h.only().log, []string{`D0 "x" [0@4]`, `D1 "y" [0@5]`, `E fin`})
	if st := h.a.Stats(); st.Ignored != 2 || st.Open != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestPortReuseAfterFIN(t *testing.T) {
	const c, s = cliISN + 1, srvISN + 1
	h := newHarness(t, Options{})
	h.add(withHandshake(
		tp{dir: Dir0, flags: "FA", seq: c, data: "one"},
		tp{dir: Dir1, flags: "FA", seq: s},
		tp{dir: Dir0, flags: "A", seq: c + 4},
		tp{dir: Dir0, flags: "S", seq: 90000},
		tp{dir: Dir1, flags: "SA", seq: 70000},
		tp{dir: Dir0, flags: "A", seq: 90001, data: "two"},
	)...)
	h.a.FlushAll(t0.Add(time.Hour))
	if len(h.conns) != 2 {
		t.Fatalf("got %d connections, want 2", len(h.conns))
	}
	checkLog(t, h.conns[0].log, []string{`D0 "one" [0@4]`, `E fin`})
	checkLog(t, h.conns[1].log, []string{`D0 "two" [0@9]`, `E flush`})
	if h.conns[1].first != 7 {
		t.Errorf("second connection made at packet %d, want 7", h.conns[1].first)
	}
}

func TestFlushAllManyConnections(t *testing.T) {
	h := newHarness(t, Options{})
	for i := range 5 {
		cli := netip.AddrPortFrom(cliAddr.Addr(), uint16(50000+i))
		h.num++
		h.a.Add(mkPacket(h.num, tp{flags: "A", seq: 1, data: "hi"}, cli, srvAddr))
	}
	h.a.FlushAll(t0.Add(time.Hour))
	for i, r := range h.conns {
		checkLog(t, r.log, []string{`D0 "hi" [0@` + string(rune('1'+i)) + `]`, `E flush`})
	}
	if st := h.a.Stats(); st.Connections != 5 || st.Open != 0 || st.Bytes != 10 || st.Packets != 5 {
		t.Errorf("stats %+v", st)
	}
}

func TestStats(t *testing.T) {
	const c = cliISN + 1
	h := newHarness(t, Options{})
	h.add(withHandshake(
		tp{dir: Dir0, flags: "A", seq: c, data: "aaaa"},
		tp{dir: Dir0, flags: "A", seq: c + 8, data: "cccc"}, // out of order
		tp{dir: Dir0, flags: "A", seq: c, data: "aaaa"},     // retransmission
		tp{dir: Dir0, flags: "A", seq: c, data: "aXaa"},     // retransmission, different
		tp{dir: Dir0, flags: "A", seq: c + 4, data: "bbbb"},
	)...)
	h.a.FlushAll(t0.Add(time.Hour))
	// PureACKs: the handshake's last ACK.
	want := Stats{Connections: 1, Packets: 8, Bytes: 12, OutOfOrder: 1, Retransmissions: 2, Mismatches: 1, MaxOpen: 1, PureACKs: 1}
	if st := h.a.Stats(); st != want {
		t.Errorf("stats\n got %+v\nwant %+v", st, want)
	}
}

func TestIPv6AndNames(t *testing.T) {
	cli := netip.MustParseAddrPort("[2001:db8::1]:1234")
	srv := netip.MustParseAddrPort("[2001:db8::2]:443")
	h := newHarness(t, Options{})
	h.a.Add(mkPacket(1, tp{flags: "S", seq: 7}, cli, srv))
	h.a.FlushAll(t0.Add(time.Hour))
	r := h.only()
	if got := r.key.String(); got != "[2001:db8::1]:1234 -> [2001:db8::2]:443" {
		t.Errorf("key %q", got)
	}
	if Dir0.String() != "dir0" || Dir1.String() != "dir1" || Dir0.Reverse() != Dir1 {
		t.Errorf("Dir names: %v %v", Dir0, Dir1)
	}
	for r, name := range map[EndReason]string{EndFIN: "fin", EndRST: "rst", EndHalfClose: "half_close", EndIdle: "idle", EndFlush: "flush", 99: "end_reason(99)"} {
		if r.String() != name {
			t.Errorf("EndReason(%d) = %q, want %q", r, r.String(), name)
		}
	}
}

// Ended connections leave gopacket's pool at once; their late packets are
// still ignored, for IdleTimeout after the last of them.
func TestEndedReleased(t *testing.T) {
	const c, s = cliISN + 1, srvISN + 1
	for _, tc := range []struct {
		name   string
		close  []tp
		reason string
		synOK  bool // a SYN on the same ports starts a new connection
	}{
		{"fin", []tp{{dir: Dir0, flags: "FA", seq: c, data: "x"}, {dir: Dir1, flags: "FA", seq: s, data: "y"}}, "fin", true},
		{"rst", []tp{{dir: Dir0, flags: "A", seq: c, data: "x"}, {dir: Dir1, flags: "A", seq: s + 4, data: "later"}, {dir: Dir0, flags: "R", seq: c + 1}}, "rst", true},
		{"rst-before-data", []tp{{dir: Dir1, flags: "R", seq: s}}, "rst", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.add(withHandshake(tc.close...)...)
			if tc.reason == "rst" {
				// Its end waits RSTGrace for packets after the RST.
				if h.a.Stats().Open != 1 {
					t.Fatalf("ended at the RST")
				}
				h.a.FlushIdle(t0.Add(RSTGrace + 10*time.Millisecond))
			}
			if h.a.pooled != 0 || h.a.closed.len() != 1 || h.a.Stats().Open != 0 {
				t.Fatalf("after close: %d in gopacket's pool, %d remembered, %d open; want 0, 1, 0", h.a.pooled, h.a.closed.len(), h.a.Stats().Open)
			}
			if n := len(h.conns[0].log); n == 0 || h.conns[0].log[n-1] != "E "+tc.reason {
				t.Fatalf("log %q, want it to end with E %s", h.conns[0].log, tc.reason)
			}
			// Late packets, then a minute later another: still ignored.
			h.add(tp{dir: Dir0, flags: "A", seq: c + 2}, tp{dir: Dir1, flags: "FA", seq: s, data: "y"},
				tp{dir: Dir0, flags: "A", seq: c + 2, at: time.Minute})
			h.a.FlushIdle(t0.Add(time.Minute + DefaultIdleTimeout - time.Second))
			h.add(tp{dir: Dir1, flags: "A", seq: s + 1, at: 2 * time.Minute})
			if len(h.conns) != 1 || h.a.Stats().Ignored != 4 {
				t.Fatalf("late packets: %d connections, %d ignored; want 1, 4", len(h.conns), h.a.Stats().Ignored)
			}
			h.add(tp{dir: Dir0, flags: "S", seq: 90000, at: 2*time.Minute + time.Second})
			if got := len(h.conns) == 2; got != tc.synOK {
				t.Fatalf("SYN after %s: new connection %v, want %v", tc.name, got, tc.synOK)
			}
			// IdleTimeout after the last late packet, the ports are free.
			h.a.FlushIdle(t0.Add(5 * time.Minute))
			h.a.FlushIdle(t0.Add(10 * time.Minute))
			if h.a.closed.len() != 0 {
				t.Errorf("%d connections still remembered after IdleTimeout", h.a.closed.len())
			}
			h.add(tp{dir: Dir0, flags: "A", seq: 1234, data: "new", at: 11 * time.Minute})
			last := h.conns[len(h.conns)-1]
			checkLog(t, last.log, []string{`D0 "new" [0@` + fmt.Sprint(h.num) + ` (time ` + t0.Add(11*time.Minute).String() + `)]`})
		})
	}
}

// A SYN on the addresses of a connection ended by a RST starts a new
// connection, unless it is a retransmission of the old connection's SYN
// (same sequence number), which is ignored like its other late packets.
func TestPortReuseAfterRST(t *testing.T) {
	const c, s = cliISN + 1, srvISN + 1
	for _, settled := range []bool{false, true} {
		t.Run(fmt.Sprintf("ended %v", settled), func(t *testing.T) {
			h := newHarness(t, Options{})
			h.add(withHandshake(
				tp{dir: Dir0, flags: "A", seq: c, data: "one"},
				tp{dir: Dir1, flags: "R", seq: s},
			)...)
			if settled { // ended by FlushIdle, out of gopacket's pool
				h.a.FlushIdle(t0.Add(RSTGrace + 10*time.Millisecond))
			}
			at := func(i int) time.Duration { return RSTGrace + time.Duration(10+i)*time.Millisecond }
			h.add(
				tp{dir: Dir0, flags: "S", seq: cliISN, at: at(1)}, // the old SYN again
				tp{dir: Dir1, flags: "SA", seq: srvISN, at: at(2)},
				tp{dir: Dir0, flags: "S", seq: 90000, at: at(3)},
				tp{dir: Dir1, flags: "SA", seq: 70000, at: at(4)},
				tp{dir: Dir0, flags: "A", seq: 90001, data: "two"},
			)
			h.a.FlushAll(t0.Add(time.Hour))
			if len(h.conns) != 2 {
				t.Fatalf("got %d connections, want 2", len(h.conns))
			}
			checkLog(t, h.conns[0].log, []string{`D0 "one" [0@4]`, `E rst`})
			checkLog(t, h.conns[1].log, []string{`D0 "two" [0@10]`, `E flush`})
			if h.conns[1].first != 8 {
				t.Errorf("second connection made at packet %d, want 8", h.conns[1].first)
			}
			if st := h.a.Stats(); settled && st.Ignored != 2 {
				t.Errorf("stats %+v, want the old SYN and SYN-ACK ignored", st)
			}
		})
	}
}

// Bytes after a RST at the next expected sequence number (injected while
// the peers go on) are delivered with a note; the connection ends with
// EndRST at the first FlushIdle RSTGrace after its last packet.
func TestDataAfterRST(t *testing.T) {
	const c, s = cliISN + 1, srvISN + 1
	h := newHarness(t, Options{})
	h.add(withHandshake(
		tp{dir: Dir0, flags: "A", seq: c, data: "abc"},
		tp{dir: Dir1, flags: "R", seq: s},                    // injected
		tp{dir: Dir1, flags: "A", seq: s, data: "more"},      // the server goes on
		tp{dir: Dir0, flags: "A", seq: c + 3, data: "defg"},  // and the client
		tp{dir: Dir1, flags: "A", seq: s + 4, data: "again"}, // one note per direction
	)...)
	h.a.FlushIdle(t0.Add(8*time.Millisecond + RSTGrace/2))
	if h.a.Stats().Open != 1 {
		t.Fatalf("ended within RSTGrace")
	}
	h.a.FlushIdle(t0.Add(8*time.Millisecond + RSTGrace))
	h.a.FlushAll(t0.Add(time.Hour))
	checkLog(t, h.only().log, []string{
		`D0 "abc" [0@4]`,
		`N1 data_after_rst @0 p6`,
		`D1 "more" [0@6]`,
		`N0 data_after_rst @3 p7`,
		`D0 "defg" [0@7]`,
		`D1 "again" [0@8]`,
		`E rst`,
	})
	if st := h.a.Stats(); st.RSTs != 1 || st.DataAfterRST != 13 || st.Ignored != 0 || st.Open != 0 || st.Bytes != 16 {
		t.Errorf("stats %+v", st)
	}
}

// A half-closed connection ended by CloseTimeout leaves gopacket's pool too.
func TestHalfCloseReleased(t *testing.T) {
	const c = cliISN + 1
	h := newHarness(t, Options{CloseTimeout: 10 * time.Second})
	h.add(withHandshake(tp{dir: Dir0, flags: "FA", seq: c, data: "bye"})...)
	h.a.FlushIdle(t0.Add(11 * time.Second))
	if h.a.pooled != 0 || h.a.closed.len() != 1 {
		t.Fatalf("%d in gopacket's pool, %d remembered; want 0, 1", h.a.pooled, h.a.closed.len())
	}
	h.add(tp{dir: Dir1, flags: "A", seq: srvISN + 1, data: "late", at: 12 * time.Second})
	h.a.FlushAll(t0.Add(time.Hour))
	checkLog(t, h.only().log, []string{`D0 "bye" [0@4]`, `E half_close`})
}

// Many short connections: what stays of each once ended is its entry in
// the recently closed set, and that set is bounded.
func TestClosedSetBounded(t *testing.T) {
	h := newHarness(t, Options{})
	n := maxClosed + 1000
	for i := range n {
		cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 16), byte(i >> 8)}), uint16(i))
		for _, p := range []tp{{flags: "S", seq: 1}, {dir: Dir1, flags: "SA", seq: 7}, {flags: "FA", seq: 2}, {dir: Dir1, flags: "FA", seq: 8}} {
			from, to := cli, srvAddr
			if p.dir == Dir1 {
				from, to = to, from
			}
			h.num++
			p.at = time.Duration(h.num) * time.Microsecond
			h.a.Add(mkPacket(h.num, p, from, to))
		}
	}
	if h.a.pooled != 0 || h.a.Stats().Open != 0 || h.a.closed.len() != maxClosed || len(h.conns) != n {
		t.Errorf("%d in gopacket's pool, %d open, %d remembered, %d connections; want 0, 0, %d, %d", h.a.pooled, h.a.Stats().Open, h.a.closed.len(), len(h.conns), maxClosed, n)
	}
}

// ordered is a Handler that notes, in a log shared by all connections,
// which connection each call is for, before passing it on.
type ordered struct {
	*recorder
	id    int
	calls *[]int
}

func (o ordered) Data(d Dir, c *Chunk) int {
	*o.calls = append(*o.calls, o.id)
	return o.recorder.Data(d, c)
}

func (o ordered) Gap(d Dir, start uint64, n int, t time.Time) {
	*o.calls = append(*o.calls, o.id)
	o.recorder.Gap(d, start, n, t)
}

func (o ordered) End(r EndReason, t time.Time) {
	*o.calls = append(*o.calls, o.id)
	o.recorder.End(r, t)
}

// FlushIdle and FlushAll call the handlers connection by connection, in the
// order the connections were first seen, whatever order gopacket visits
// them in (that of a map): a FlushIdle that delivers out-of-order bytes,
// ends idle connections and ends half-closed ones, then a FlushAll that
// delivers and ends the rest, over connections made in an order unrelated
// to their ports.
func TestFlushOrder(t *testing.T) {
	const n = 64
	for round := range 3 {
		var calls []int
		var conns []*recorder
		a := New(func(key ConnKey, _ time.Time, _ uint64) Handler {
			r := &recorder{key: key}
			conns = append(conns, r)
			return ordered{r, len(conns) - 1, &calls}
		}, Options{IdleTimeout: time.Minute, CloseTimeout: 10 * time.Second})
		num := uint64(0)
		add := func(i int, p tp) {
			cli := netip.AddrPortFrom(cliAddr.Addr(), uint16(50000+(i*37)%n))
			from, to := cli, srvAddr
			if p.dir == Dir1 {
				from, to = to, from
			}
			num++
			a.Add(mkPacket(num, p, from, to))
		}
		// Connection i, made i-th: a hole before "ef" in Dir0, and then
		// by i%4: 0 nothing more (idle: gap, "ef", end); 1 a FIN from
		// the server and a late packet (the hole times out, then the half
		// close); 2 a late packet (the hole times out); 3 a FIN from the
		// server (idle: gap, "ef", end).
		for i := range n {
			add(i, tp{flags: "A", seq: 1, data: "ab", at: time.Duration(i) * time.Millisecond})
			add(i, tp{flags: "A", seq: 5, data: "ef", at: time.Duration(i) * time.Millisecond})
			if i%4 == 1 || i%4 == 3 {
				add(i, tp{dir: Dir1, flags: "FA", seq: 100, data: "x", at: time.Duration(i) * time.Millisecond})
			}
		}
		for i := range n {
			if i%4 == 1 || i%4 == 2 {
				add(i, tp{flags: "A", seq: 3, at: 50 * time.Second})
			}
		}
		check := func(what string, from int) {
			t.Helper()
			if len(calls) == from {
				t.Fatalf("round %d: %s made no calls", round, what)
			}
			for k := from + 1; k < len(calls); k++ {
				if calls[k] < calls[k-1] {
					t.Fatalf("round %d: %s calls connection %d after %d: %v", round, what, calls[k], calls[k-1], calls[from:])
				}
			}
		}
		before := len(calls)
		a.FlushIdle(t0.Add(90 * time.Second))
		check("FlushIdle", before)
		before = len(calls)
		a.FlushAll(t0.Add(time.Hour))
		check("FlushAll", before)
		want := map[int]string{0: "E idle", 1: "E half_close", 2: "E flush", 3: "E idle"}
		for i, r := range conns {
			if got := r.log[len(r.log)-1]; got != want[i%4] {
				t.Errorf("round %d: connection %d ends with %q, want %q (%q)", round, i, got, want[i%4], r.log)
			}
			if r.log[len(r.log)-2] != `G0 2+2` && r.log[len(r.log)-3] != `G0 2+2` {
				t.Errorf("round %d: connection %d: no gap before the last bytes (%q)", round, i, r.log)
			}
		}
	}
}

// Bytes lost just before a FIN are a gap, reported when the connection
// ends (at a flush, or when its other direction's close times out), like
// a loss before bytes that did arrive.
func TestGapBeforeFIN(t *testing.T) {
	const c, s = cliISN + 1, srvISN + 1
	lost := withHandshake(
		tp{dir: Dir0, flags: "A", seq: c, data: "abc"},
		// "def" lost
		tp{dir: Dir0, flags: "FA", seq: c + 6},
		tp{dir: Dir1, flags: "A", seq: s, data: "xy"},
	)
	for _, tc := range []struct {
		name  string
		extra []tp
		flush func(a *Assembler)
		want  []string
	}{
		{"flush all", nil, func(a *Assembler) { a.FlushAll(t0.Add(time.Second)) },
			[]string{`D0 "abc" [0@4]`, `D1 "xy" [0@6]`, `G0 3+3`, `E flush`}},
		{"idle", nil, func(a *Assembler) { a.FlushIdle(t0.Add(time.Hour)) },
			[]string{`D0 "abc" [0@4]`, `D1 "xy" [0@6]`, `G0 3+3`, `E idle`}},
		{"half close", []tp{{dir: Dir1, flags: "FA", seq: s + 2}}, func(a *Assembler) { a.FlushIdle(t0.Add(time.Minute)) },
			[]string{`D0 "abc" [0@4]`, `D1 "xy" [0@6]`, `G0 3+3`, `E half_close`}},
		{"FIN with data", []tp{{dir: Dir0, flags: "FA", seq: c + 5, data: "f"}}, func(a *Assembler) { a.FlushAll(t0.Add(time.Second)) },
			[]string{`D0 "abc" [0@4]`, `D1 "xy" [0@6]`, `G0 3+2`, `D0 "f" [0@7]`, `E flush`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.consume = func(d Dir, ch *Chunk) int { return len(ch.Data) - 1 } // a record cut by the loss
			h.add(append(append([]tp{}, lost...), tc.extra...)...)
			tc.flush(h.a)
			h.a.FlushAll(t0.Add(2 * time.Hour))
			checkLog(t, h.only().log, tc.want)
			// "c" of Dir0 dropped at the gap, "y" of Dir1 (and "f") at the end.
			missing, dropped := uint64(3), uint64(2)
			if tc.name == "FIN with data" {
				missing, dropped = 2, 3
			}
			if st := h.a.Stats(); st.Gaps != 1 || st.MissingBytes != missing || st.CapGaps != 0 || st.PendingDropped != dropped {
				t.Errorf("stats %+v, want 1 gap of %d bytes", st, missing)
			}
		})
	}
}
