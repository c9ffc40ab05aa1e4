package reassembly

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ssldissect/ssldissect/capture"
)

var (
	cliAddr = netip.MustParseAddrPort("10.0.0.1:40000")
	srvAddr = netip.MustParseAddrPort("10.0.0.2:443")
	t0      = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
)

const (
	cliISN = 1000
	srvISN = 5000
)

// tp describes one test packet. Dir0 is client to server.
type tp struct {
	dir   Dir
	flags string // S, A, F, R, in any combination ("SA" is a SYN-ACK)
	seq   uint32
	data  string
	at    time.Duration // time since t0; zero means one millisecond per packet
}

// mkPacket builds the capture.Packet for p, numbered num.
func mkPacket(num uint64, p tp, from, to netip.AddrPort) *capture.Packet {
	tcp := &layers.TCP{
		SrcPort: layers.TCPPort(from.Port()),
		DstPort: layers.TCPPort(to.Port()),
		Seq:     p.seq,
		SYN:     strings.Contains(p.flags, "S"),
		ACK:     strings.Contains(p.flags, "A"),
		FIN:     strings.Contains(p.flags, "F"),
		RST:     strings.Contains(p.flags, "R"),
		PSH:     p.data != "",
	}
	tcp.Payload = []byte(p.data)
	tcp.SetInternalPortsForTesting()
	net, _ := gopacket.FlowFromEndpoints(
		layers.NewIPEndpoint(net.IP(from.Addr().AsSlice())),
		layers.NewIPEndpoint(net.IP(to.Addr().AsSlice())))
	at := p.at
	if at == 0 {
		at = time.Duration(num) * time.Millisecond
	}
	ts := t0.Add(at)
	return &capture.Packet{
		Num: num, File: "test", FileNum: num,
		CI:  gopacket.CaptureInfo{Timestamp: ts, CaptureLength: 54 + len(p.data), Length: 54 + len(p.data)},
		Net: net, TCP: tcp,
	}
}

// recorder is a Handler that logs its calls as short strings:
//
//	D0 "bytes" [offset@packet ...]   Data
//	G1 start+n                       Gap
//	N0 code @offset p<packet>        Note
//	E reason                         End
type recorder struct {
	key     ConnKey
	first   uint64
	log     []string
	consume func(d Dir, c *Chunk) int // nil: consume everything
}

func (r *recorder) Data(d Dir, c *Chunk) int {
	var segs []string
	for _, s := range c.Segments {
		segs = append(segs, fmt.Sprintf("%d@%d", s.Offset, s.Packet))
		if !s.Time.Equal(t0.Add(time.Duration(s.Packet) * time.Millisecond)) {
			segs = append(segs, fmt.Sprintf("(time %v)", s.Time)) // packets are 1 ms apart
		}
	}
	r.log = append(r.log, fmt.Sprintf("D%d %q [%s]", d, c.Data, strings.Join(segs, " ")))
	if r.consume != nil {
		return r.consume(d, c)
	}
	return len(c.Data)
}

func (r *recorder) Gap(d Dir, start uint64, n int, _ time.Time) {
	r.log = append(r.log, fmt.Sprintf("G%d %d+%d", d, start, n))
}

func (r *recorder) Note(n Note) {
	r.log = append(r.log, fmt.Sprintf("N%d %s @%d p%d", n.Dir, n.Code, n.Offset, n.Packet))
}

func (r *recorder) End(reason EndReason, _ time.Time) {
	r.log = append(r.log, "E "+reason.String())
}

// harness feeds packets of one client/server pair to an Assembler.
type harness struct {
	t     *testing.T
	a     *Assembler
	conns []*recorder
	num   uint64
	// consume, if set, is given to every new recorder.
	consume func(d Dir, c *Chunk) int
}

func newHarness(t *testing.T, opt Options) *harness {
	h := &harness{t: t}
	h.a = New(func(key ConnKey, _ time.Time, packet uint64) Handler {
		r := &recorder{key: key, first: packet, consume: h.consume}
		h.conns = append(h.conns, r)
		return r
	}, opt)
	return h
}

func (h *harness) add(ps ...tp) {
	for _, p := range ps {
		h.num++
		from, to := cliAddr, srvAddr
		if p.dir == Dir1 {
			from, to = srvAddr, cliAddr
		}
		h.a.Add(mkPacket(h.num, p, from, to))
	}
}

// only returns the one connection's log.
func (h *harness) only() *recorder {
	h.t.Helper()
	if len(h.conns) != 1 {
		h.t.Fatalf("got %d connections, want 1", len(h.conns))
	}
	return h.conns[0]
}

func checkLog(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// handshake is a three-way handshake, packets 1 to 3.
var handshake = []tp{
	{dir: Dir0, flags: "S", seq: cliISN},
	{dir: Dir1, flags: "SA", seq: srvISN},
	{dir: Dir0, flags: "A", seq: cliISN + 1},
}

func withHandshake(ps ...tp) []tp { return append(append([]tp{}, handshake...), ps...) }

func TestStreams(t *testing.T) {
	const c, s = cliISN + 1, srvISN + 1 // first data byte of each direction
	tests := []struct {
		name    string
		opt     Options
		packets []tp
		flush   bool // FlushAll at the end
		want    []string
		key     ConnKey
	}{
		{
			name: "in order, both directions, FIN both",
			packets: withHandshake(
				tp{dir: Dir0, flags: "A", seq: c, data: "hello"},
				tp{dir: Dir1, flags: "A", seq: s, data: "world!"},
				tp{dir: Dir0, flags: "FA", seq: c + 5},
				tp{dir: Dir1, flags: "FA", seq: s + 6},
				tp{dir: Dir0, flags: "A", seq: c + 6},
			),
			flush: true,
			want: []string{
				`D0 "hello" [0@4]`,
				`D1 "world!" [0@5]`,
				`E fin`,
			},
		},
		{
			name: "out of order delivered in order",
			packets: withHandshake(
				tp{dir: Dir0, flags: "A", seq: c + 6, data: "ccc"},
				tp{dir: Dir0, flags: "A", seq: c + 3, data: "bbb"},
				tp{dir: Dir0, flags: "A", seq: c, data: "aaa"},
				tp{dir: Dir0, flags: "A", seq: c + 9, data: "ddd"},
			),
			want: []string{
				`D0 "aaabbbccc" [0@6 3@5 6@4]`,
				`D0 "ddd" [0@7]`,
			},
		},
		{
			name: "duplicates delivered once",
			packets: withHandshake(
				tp{dir: Dir0, flags: "A", seq: c, data: "aaa"},
				tp{dir: Dir0, flags: "A", seq: c, data: "aaa"},
				tp{dir: Dir0, flags: "A", seq: c + 6, data: "ccc"},
				tp{dir: Dir0, flags: "A", seq: c + 6, data: "ccc"},
				tp{dir: Dir0, flags: "A", seq: c + 3, data: "bbb"},
				tp{dir: Dir0, flags: "A", seq: c + 3, data: "bbb"},
			),
			want: []string{
				`D0 "aaa" [0@4]`,
				`D0 "bbbccc" [0@8 3@7]`,
			},
		},
		{
			name: "overlapping segments",
			packets: withHandshake(
				tp{dir: Dir0, flags: "A", seq: c, data: "abcdef"},
				tp{dir: Dir0, flags: "A", seq: c + 3, data: "defghi"},       // old head, new tail
				tp{dir: Dir0, flags: "A", seq: c + 12, data: "mnop"},        // ahead
				tp{dir: Dir0, flags: "A", seq: c + 10, data: "klmn"},        // ahead, overlaps the queued one
				tp{dir: Dir0, flags: "A", seq: c + 8, data: "ijk"},          // fills the hole
				tp{dir: Dir0, flags: "A", seq: c + 1, data: "bcdefghijklm"}, // all old
			),
			want: []string{
				`D0 "abcdef" [0@4]`,
				`D0 "ghi" [0@5]`,
				// Buffered bytes are replaced by later overlapping ones
				// (gopacket's rule): "lmn" is packet 7's, "op" packet 6's.
				`D0 "jklmnop" [0@8 2@7 5@6]`,
			},
		},
		{
			name: "gap reported at flush, then data",
			packets: withHandshake(
				tp{dir: Dir0, flags: "A", seq: c, data: "aaaa"},
				tp{dir: Dir0, flags: "A", seq: c + 10, data: "cccc"},
				tp{dir: Dir0, flags: "A", seq: c + 14, data: "dd"},
			),
			flush: true,
			want: []string{
				`D0 "aaaa" [0@4]`,
				`G0 4+6`,
				`D0 "ccccdd" [0@5 4@6]`,
				`E flush`,
			},
		},
		{
			// The cap is on bytes: 1 page is 1900 bytes of sequence space
			// ahead of the next expected byte.
			name: "gap forced by the per-connection cap, then data",
			opt:  Options{MaxBufferedPagesPerConnection: 1},
			packets: withHandshake(
				tp{dir: Dir0, flags: "A", seq: c, data: "aaaa"},
				tp{dir: Dir0, flags: "A", seq: c + 10, data: "cccc"},
				tp{dir: Dir0, flags: "A", seq: c + 14, data: "dddd"},
				tp{dir: Dir0, flags: "A", seq: c + 1900, data: "ee"}, // reaches 1898 bytes past "aaaa": kept
				tp{dir: Dir0, flags: "A", seq: c + 1910, data: "ff"}, // 1908: the first range goes
			),
			want: []string{
				`D0 "aaaa" [0@4]`,
				`G0 4+6`,
				`D0 "ccccdddd" [0@5 4@6]`,
			},
		},
		{
			// A segment takes a page however short: past four times the
			// cap in pages, tiny segments force the gap too.
			name: "gap forced by tiny segments past the page guard",
			opt:  Options{MaxBufferedPagesPerConnection: 1},
			packets: withHandshake(
				tp{dir: Dir0, flags: "A", seq: c, data: "a"},
				tp{dir: Dir0, flags: "A", seq: c + 3, data: "c"},
				tp{dir: Dir0, flags: "A", seq: c + 5, data: "e"},
				tp{dir: Dir0, flags: "A", seq: c + 7, data: "g"},
				tp{dir: Dir0, flags: "A", seq: c + 9, data: "i"},
			),
			want: []string{
				`D0 "a" [0@4]`,
				`G0 1+2`, // at the fourth page
				`D0 "c" [0@5]`,
			},
		},
		{
			name: "mid-stream start, no SYN, server speaks first",
			packets: []tp{
				{dir: Dir1, flags: "A", seq: 777, data: "server"},
				{dir: Dir0, flags: "A", seq: 333, data: "client"},
				{dir: Dir1, flags: "A", seq: 783, data: "more"},
			},
			key: ConnKey{A: srvAddr, B: cliAddr},
			want: []string{
				`D0 "server" [0@1]`,
				`D1 "client" [0@2]`,
				`D0 "more" [0@3]`,
			},
		},
		{
			name: "SYN-ACK seen first: its receiver is Dir0",
			packets: []tp{
				{dir: Dir1, flags: "SA", seq: srvISN},
				{dir: Dir0, flags: "S", seq: cliISN},
				{dir: Dir0, flags: "A", seq: c, data: "hi"},
				{dir: Dir1, flags: "A", seq: s, data: "yo"},
			},
			key: ConnKey{A: cliAddr, B: srvAddr},
			want: []string{
				`D0 "hi" [0@3]`,
				`D1 "yo" [0@4]`,
			},
		},
		{
			name: "retransmission with different bytes",
			packets: withHandshake(
				tp{dir: Dir0, flags: "A", seq: c, data: "aaaa"},
				tp{dir: Dir0, flags: "A", seq: c + 4, data: "bbbb"},
				tp{dir: Dir0, flags: "A", seq: c + 4, data: "bbbb"}, // same: no note
				tp{dir: Dir0, flags: "A", seq: c + 4, data: "bXbb"},
				tp{dir: Dir0, flags: "A", seq: c, data: "aaaabbbbcc"}, // covers both, same bytes, 2 new
				tp{dir: Dir0, flags: "A", seq: c + 20, data: "zz"},
				tp{dir: Dir0, flags: "A", seq: c + 20, data: "zy"}, // differs while queued
			),
			want: []string{
				`D0 "aaaa" [0@4]`,
				`D0 "bbbb" [0@5]`,
				`N0 retransmission_mismatch @4 p7`,
				`D0 "cc" [0@8]`,
				`N0 retransmission_mismatch @20 p10`,
			},
		},
		{
			// An injected RST (or one the peers ignore): what they send
			// after it is delivered, with a note, and the connection ends
			// once, with EndRST.
			name: "RST, then data: delivered with a note, one end",
			packets: withHandshake(
				tp{dir: Dir0, flags: "A", seq: c, data: "abc"},
				tp{dir: Dir1, flags: "A", seq: s + 10, data: "queued"},
				tp{dir: Dir1, flags: "R", seq: s + 20}, // not at the next byte: ignored
				tp{dir: Dir0, flags: "R", seq: c + 3},
				tp{dir: Dir0, flags: "A", seq: c + 3, data: "late"},
				tp{dir: Dir1, flags: "A", seq: s, data: "late"},
				tp{dir: Dir0, flags: "R", seq: c + 7}, // the real one
			),
			flush: true,
			want: []string{
				`D0 "abc" [0@4]`,
				`N0 data_after_rst @3 p8`,
				`D0 "late" [0@8]`,
				`N1 data_after_rst @0 p9`,
				`D1 "late" [0@9]`,
				`G1 4+6`,
				`D1 "queued" [0@5]`,
				`E rst`,
			},
		},
		{
			name: "FIN ahead of data",
			packets: withHandshake(
				tp{dir: Dir0, flags: "FA", seq: c + 3, data: "def"},
				tp{dir: Dir1, flags: "FA", seq: s},
				tp{dir: Dir0, flags: "A", seq: c, data: "abc"},
			),
			want: []string{
				`D0 "abcdef" [0@6 3@4]`,
				`E fin`,
			},
		},
		{
			name: "sequence wrap-around",
			packets: []tp{
				{dir: Dir0, flags: "S", seq: 0xFFFFFFF0},
				{dir: Dir1, flags: "SA", seq: 0xFFFFFFFE},
				{dir: Dir0, flags: "A", seq: 0xFFFFFFF1 + 8, data: "89abcdef"}, // ends at 2^32+1
				{dir: Dir0, flags: "A", seq: 0xFFFFFFF1, data: "01234567"},
				{dir: Dir0, flags: "A", seq: 1, data: "ghij"},         // 0xFFFFFFF1 + 16, modulo 2^32
				{dir: Dir1, flags: "A", seq: 0xFFFFFFFF, data: "xyz"}, // crosses 2^32
				{dir: Dir1, flags: "A", seq: 2, data: "w"},
				{dir: Dir0, flags: "A", seq: 0xFFFFFFF1 + 8, data: "89abXdef"}, // retransmission across the wrap
			},
			want: []string{
				`D0 "0123456789abcdef" [0@4 8@3]`,
				`D0 "ghij" [0@5]`,
				`D1 "xyz" [0@6]`,
				`D1 "w" [0@7]`,
				`N0 retransmission_mismatch @8 p8`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.opt)
			h.add(tt.packets...)
			if tt.flush {
				h.a.FlushAll(t0.Add(time.Hour))
			}
			r := h.only()
			checkLog(t, r.log, tt.want)
			if tt.key.IsValid() && r.key != tt.key {
				t.Errorf("key %v, want %v", r.key, tt.key)
			}
			if !tt.key.IsValid() && r.key != (ConnKey{A: cliAddr, B: srvAddr}) {
				t.Errorf("key %v, want %v", r.key, ConnKey{A: cliAddr, B: srvAddr})
			}
		})
	}
}

// TestTinySegmentsWithinCap: 257 one-byte segments that arrive in reverse
// order, behind a first byte, are one contiguous stream: the
// per-connection cap of 256 pages is on bytes, not on segments, so
// nothing is given up on.
func TestTinySegmentsWithinCap(t *testing.T) {
	const c = cliISN + 1
	h := newHarness(t, Options{MaxBufferedPagesPerConnection: 256})
	ps := []tp{{dir: Dir0, flags: "A", seq: c, data: "x"}}
	var want strings.Builder
	want.WriteString("x")
	for i := 258; i >= 2; i-- {
		ps = append(ps, tp{dir: Dir0, flags: "A", seq: c + uint32(i), data: string(rune('a' + i%26))})
	}
	ps = append(ps, tp{dir: Dir0, flags: "A", seq: c + 1, data: "y"})
	want.WriteString("y")
	for i := 2; i <= 258; i++ {
		want.WriteByte(byte('a' + i%26))
	}
	h.add(withHandshake(ps...)...)
	var got strings.Builder
	for _, l := range h.only().log {
		if !strings.HasPrefix(l, "D0 ") {
			t.Fatalf("call %s, want only data", l)
		}
		q := l[3:strings.LastIndex(l, " [")]
		u, err := strconv.Unquote(q)
		if err != nil {
			t.Fatal(err)
		}
		got.WriteString(u)
	}
	if got.String() != want.String() {
		t.Errorf("stream %q\nwant %q", got.String(), want.String())
	}
	if st := h.a.Stats(); st.Gaps != 0 || st.CapGaps != 0 {
		t.Errorf("gaps %d, cap gaps %d, want none", st.Gaps, st.CapGaps)
	}
}

// Overlaps with different bytes are noted whatever their boundaries: a
// partial overlap of delivered bytes, of bytes buffered out of order, and a
// later segment replacing buffered bytes; overlaps with the same bytes are
// not. Bytes gone from the ring are compared by hash when wholly covered.
func TestOverlapMismatch(t *testing.T) {
	const c = cliISN + 1
	for _, tc := range []struct {
		name    string
		packets []tp
		want    []string
		notes   uint64
	}{
		{"partial overlap of delivered bytes", withHandshake(
			tp{dir: Dir0, flags: "A", seq: c, data: "abcdef"},
			tp{dir: Dir0, flags: "A", seq: c + 4, data: "eXgh"},     // "ef" again, differs
			tp{dir: Dir0, flags: "A", seq: c + 2, data: "cdefghij"}, // differs from packet 5
		), []string{
			`D0 "abcdef" [0@4]`,
			`N0 overlap_mismatch @4 p5`,
			`D0 "gh" [0@5]`,
			`N0 retransmission_mismatch @4 p6`,
			`D0 "ij" [0@6]`,
		}, 2},
		{"overlap among buffered segments", withHandshake(
			tp{dir: Dir0, flags: "A", seq: c + 4, data: "efgh"},
			tp{dir: Dir0, flags: "A", seq: c + 6, data: "GHij"}, // overlaps "gh"
			tp{dir: Dir0, flags: "A", seq: c, data: "abcd"},
		), []string{
			`N0 overlap_mismatch @6 p5`,
			`D0 "abcdefGHij" [0@6 4@4 6@5]`,
		}, 1},
		{"in-order segment replacing buffered bytes", withHandshake(
			tp{dir: Dir0, flags: "A", seq: c + 4, data: "efgh"},
			tp{dir: Dir0, flags: "A", seq: c, data: "abcdEF"}, // covers "ef" of the buffered one
		), []string{
			`N0 overlap_mismatch @4 p5`,
			`D0 "abcdEFgh" [0@5 6@4]`,
		}, 1},
		{"same bytes, other boundaries", withHandshake(
			tp{dir: Dir0, flags: "A", seq: c + 4, data: "efgh"},
			tp{dir: Dir0, flags: "A", seq: c + 2, data: "cdef"},
			tp{dir: Dir0, flags: "A", seq: c, data: "abcdefghi"},
		), []string{
			`D0 "abcdefghi" [0@6]`,
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.add(tc.packets...)
			checkLog(t, h.only().log, tc.want)
			if st := h.a.Stats(); st.Mismatches != tc.notes {
				t.Errorf("%d mismatches, want %d", st.Mismatches, tc.notes)
			}
		})
	}
}

// A retransmission of a segment whose bytes left the ring (more than
// ringSize bytes ago) is not compared, and is counted as unchecked: no
// payload byte is hashed while a direction has a ring.
func TestOverlapMismatchOld(t *testing.T) {
	const c = cliISN + 1
	h := newHarness(t, Options{})
	big := strings.Repeat("x", ringSize)
	h.add(withHandshake(
		tp{dir: Dir0, flags: "A", seq: c, data: "abcd"},
		tp{dir: Dir0, flags: "A", seq: c + 4, data: big},
		tp{dir: Dir0, flags: "A", seq: c, data: "abXd"},   // covers the first, gone from the ring
		tp{dir: Dir0, flags: "A", seq: c + 1, data: "bX"}, // partly: gone too
	)...)
	if st := h.a.Stats(); st.Mismatches != 0 || st.OverlapsUnchecked != 2 {
		t.Errorf("%d mismatches, %d unchecked, want 0 and 2", st.Mismatches, st.OverlapsUnchecked)
	}
	if n := len(h.only().log); n != 2 {
		t.Errorf("log %q", h.only().log)
	}
}

// The ring is compared byte by byte where the earlier segment's bytes
// are still in it: bytes that wrap around its end, and the tail of a
// segment larger than the ring (its first bytes are gone, so the overlap
// is also counted as not wholly checked). A direction
// without a ring (maxRings in use) compares a whole retransmission by the
// hash of the segment taken on arrival.
func TestOverlapRing(t *testing.T) {
	const c = cliISN + 1
	pad := strings.Repeat("p", ringSize-2) // "abcd" then wraps around the ring's end
	big := strings.Repeat("y", ringSize+100)
	for _, tc := range []struct {
		name      string
		ringless  bool
		packets   []tp
		want      uint64
		unchecked uint64
	}{
		{"wrapped, same", false, []tp{
			{dir: Dir0, flags: "A", seq: c, data: pad},
			{dir: Dir0, flags: "A", seq: c + uint32(len(pad)), data: "abcd"},
			{dir: Dir0, flags: "A", seq: c + uint32(len(pad)), data: "abcd"},
		}, 0, 0},
		{"wrapped, changed", false, []tp{
			{dir: Dir0, flags: "A", seq: c, data: pad},
			{dir: Dir0, flags: "A", seq: c + uint32(len(pad)), data: "abcd"},
			{dir: Dir0, flags: "A", seq: c + uint32(len(pad)), data: "abXd"},
		}, 1, 0},
		{"larger than the ring, changed in the tail", false, []tp{
			{dir: Dir0, flags: "A", seq: c, data: big},
			{dir: Dir0, flags: "A", seq: c, data: big[:len(big)-1] + "z"},
		}, 1, 1},
		{"larger than the ring, changed in the bytes gone", false, []tp{
			{dir: Dir0, flags: "A", seq: c, data: big},
			{dir: Dir0, flags: "A", seq: c, data: "z" + big[1:]},
		}, 0, 1},
		{"larger than the ring, same", false, []tp{
			{dir: Dir0, flags: "A", seq: c, data: big},
			{dir: Dir0, flags: "A", seq: c, data: big},
		}, 0, 1},
		// 40 segments of 400 bytes: the history keeps the last 16 (24-39,
		// bytes 9600-16000), the ring the last 8 KiB (from 7808): 26 is
		// compared byte by byte.
		{"many small ones, one changed", false, append(manySegments(c, 40),
			tp{dir: Dir0, flags: "A", seq: c + 26*400, data: strings.Repeat("X", 400)}), 1, 0},
		{"no ring, whole and changed", true, append(manySegments(c, 40),
			tp{dir: Dir0, flags: "A", seq: c + 25*400, data: strings.Repeat("z", 400)},         // the 26th: 'z', same
			tp{dir: Dir0, flags: "A", seq: c + 26*400, data: strings.Repeat("X", 400)}), 1, 0}, // the 27th: 'a', changed
		{"no ring, partly covered", true, append(manySegments(c, 40),
			tp{dir: Dir0, flags: "A", seq: c + 26*400 + 1, data: strings.Repeat("X", 10)}), 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			if tc.ringless {
				h.a.rings = maxRings
			}
			h.add(withHandshake(tc.packets...)...)
			st := h.a.Stats()
			if st.Mismatches != tc.want || st.OverlapsUnchecked != tc.unchecked {
				t.Errorf("%d mismatches (%d unchecked), want %d (%d); log %q", st.Mismatches, st.OverlapsUnchecked, tc.want, tc.unchecked, h.only().log)
			}
			if tc.ringless && st.RingsRefused == 0 {
				t.Errorf("no ring refused")
			}
		})
	}
}

// manySegments is n in-order segments of 400 bytes from client sequence
// number seq, the i-th filled with the letter 'a'+i%26.
func manySegments(seq uint32, n int) []tp {
	var ps []tp
	for i := range n {
		ps = append(ps, tp{dir: Dir0, flags: "A", seq: seq + uint32(i*400), data: strings.Repeat(string(rune('a'+i%26)), 400)})
	}
	return ps
}
