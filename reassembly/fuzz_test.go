package reassembly

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// fuzzSource reads fuzz input byte by byte, then zeros.
type fuzzSource []byte

func (s *fuzzSource) next() int {
	if len(*s) == 0 {
		return 0
	}
	b := (*s)[0]
	*s = (*s)[1:]
	return int(b)
}

// fuzzChecker is a Handler checking the stream invariants as calls come.
type fuzzChecker struct {
	t       *testing.T
	want    []byte            // the stream
	carried map[uint64][2]int // packet -> [offset, length] of its payload
	src     *fuzzSource
	pos     uint64 // stream offset of the next Data's first byte
	pending int    // bytes left unconsumed at pos
	gaps    int
	gapped  [][2]uint64 // [start, end) of each reported gap
	ended   int
}

func (f *fuzzChecker) Data(d Dir, c *Chunk) int {
	t := f.t
	if f.ended > 0 {
		t.Fatalf("Data after End")
	}
	if len(c.Data) <= f.pending {
		t.Fatalf("Data with %d bytes, no more than the %d pending", len(c.Data), f.pending)
	}
	if len(c.Segments) == 0 || c.Segments[0].Offset != 0 {
		t.Fatalf("segments %v", c.Segments)
	}
	for i, b := range c.Data {
		o := f.pos + uint64(i)
		if o >= uint64(len(f.want)) || b != f.want[o] {
			t.Fatalf("byte at offset %d is %q, want %q", o, b, f.want[o])
		}
		seg := c.SegmentAt(i)
		r, ok := f.carried[seg.Packet]
		if !ok || int(o) < r[0] || int(o) >= r[0]+r[1] {
			t.Fatalf("byte at offset %d attributed to packet %d, which carried %v", o, seg.Packet, r)
		}
	}
	n := len(c.Data)
	if len(*f.src) > 0 {
		n = f.src.next() % (len(c.Data) + 1)
	}
	f.pos += uint64(n)
	f.pending = len(c.Data) - n
	return n
}

func (f *fuzzChecker) Gap(d Dir, start uint64, n int, _ time.Time) {
	if start != f.pos+uint64(f.pending) || n <= 0 {
		f.t.Fatalf("Gap(%d, %d) after offset %d and %d pending", start, n, f.pos, f.pending)
	}
	f.gaps++
	f.gapped = append(f.gapped, [2]uint64{start, start + uint64(n)})
	f.pos, f.pending = start+uint64(n), 0
}

func (f *fuzzChecker) Note(n Note) {
	f.t.Fatalf("unexpected note %+v", n)
}

func (f *fuzzChecker) End(EndReason, time.Time) { f.ended++ }

// FuzzReorder sends a stream cut into segments, shuffled, some sent twice
// or overlapping, some lost, with pure ACKs of both directions between
// them, across sequence numbers that may wrap, to a
// handler that consumes arbitrary amounts. Every delivered byte must be the
// stream's, at its offset, attributed to a packet that carried it; gaps must
// be reported exactly where bytes are missing; End must come once. The
// committed corpus (testdata/fuzz/FuzzReorder) must be there.
func FuzzReorder(f *testing.F) {
	testenv.SeedCorpus(f, "FuzzReorder")
	f.Add([]byte{10, 0, 0, 0, 1, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{200, 0xff, 0xff, 0xff, 0xf0, 100, 3, 50, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0, 8, 8})
	f.Add([]byte{40, 0xff, 0xff, 0xfc, 0x00, 2, 2, 2, 2, 2, 2, 2, 3, 0, 1, 0, 1, 0, 1, 0, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		src := fuzzSource(in)
		length := 1 + src.next()*8
		isn := uint32(src.next())<<24 | uint32(src.next())<<16 | uint32(src.next())<<8 | uint32(src.next())
		want := make([]byte, length)
		for i := range want {
			want[i] = byte(i*31 + i>>8)
		}
		type seg struct{ off, n int }
		var segs []seg
		for off := 0; off < length; {
			n := min(1+src.next()%200, length-off)
			segs = append(segs, seg{off, n})
			off += n
		}
		for range src.next() % 4 { // overlapping resends
			off := src.next() * 8 % length
			segs = append(segs, seg{off, min(1+src.next()*2, length-off)})
		}
		for i := len(segs) - 1; i > 0; i-- {
			j := src.next() % (i + 1)
			segs[i], segs[j] = segs[j], segs[i]
		}
		covered := make([]bool, length)
		var sent []seg
		for _, s := range segs {
			if src.next()%8 == 1 {
				continue // lost
			}
			sent = append(sent, s)
			for i := s.off; i < s.off+s.n; i++ {
				covered[i] = true
			}
		}

		// Unlimited buffering, or a small per-connection cap that forces
		// gaps before bytes arrive.
		opt := Options{MaxBufferedPagesPerConnection: -1, MaxBufferedPagesTotal: -1}
		capped := src.next()%4 == 0
		if capped {
			opt.MaxBufferedPagesPerConnection = 4
		}
		chk := &fuzzChecker{t: t, want: want, carried: map[uint64][2]int{}, src: &src}
		a := New(func(ConnKey, time.Time, uint64) Handler { return chk }, opt)
		num := uint64(0)
		send := func(p tp, off int) {
			num++
			if p.data != "" {
				chk.carried[num] = [2]int{off, len(p.data)}
			}
			a.Add(mkPacket(num, p, cliAddr, srvAddr))
		}
		send(tp{flags: "S", seq: isn}, 0)
		ack := func(from, to netip.AddrPort, seq uint32) {
			num++
			a.Add(mkPacket(num, tp{flags: "A", seq: seq}, from, to))
		}
		for i, s := range sent {
			send(tp{flags: "A", seq: isn + 1 + uint32(s.off), data: string(want[s.off : s.off+s.n])}, s.off)
			// Pure ACKs, on a pattern of the segments (so that the
			// corpus's inputs mean what they did): the receiver's
			// (a direction with no payload), and the sender's at the end
			// of this segment (ahead of the next expected byte while
			// bytes are missing, else at it or behind), which Add counts
			// without gopacket when it can (ackOnly).
			switch (i*7 + s.off) % 5 {
			case 0:
				ack(srvAddr, cliAddr, 7777)
			case 1:
				ack(cliAddr, srvAddr, isn+1+uint32(s.off+s.n))
			case 2:
				ack(cliAddr, srvAddr, isn+1+uint32(s.off))
			}
		}
		a.FlushAll(t0.Add(time.Hour))

		if chk.ended != 1 {
			t.Fatalf("End called %d times", chk.ended)
		}
		// Bytes after the last one sent cannot be known to be missing.
		last := bytes.LastIndexByte(boolBytes(covered), 1)
		holes := 0
		for i := 0; i <= last; i++ {
			if !covered[i] && (i == 0 || covered[i-1]) {
				holes++
			}
		}
		st := a.Stats()
		// Without a cap the gaps are exactly the holes. With one, a gap
		// forced by the cap may span several holes and the bytes between
		// them (given up before they came), so the gaps can be more or
		// fewer than the holes; but every missing byte is in a gap.
		if !capped && chk.gaps != holes {
			t.Fatalf("%d gaps, want %d, from %d segments", chk.gaps, holes, len(sent))
		}
		if capped && chk.gaps != holes && st.CapGaps == 0 {
			t.Fatalf("%d gaps, none by the cap, want %d, from %d segments", chk.gaps, holes, len(sent))
		}
		for i := 0; i <= last; i++ {
			if covered[i] {
				continue
			}
			in := false
			for _, g := range chk.gapped {
				in = in || uint64(i) >= g[0] && uint64(i) < g[1]
			}
			if !in {
				t.Fatalf("byte %d never arrived but is in no gap (gaps %v)", i, chk.gapped)
			}
		}
		// With a cap, bytes that came after their range was given up are lost.
		if end := chk.pos + uint64(chk.pending); end != uint64(last+1) && !capped {
			t.Fatalf("stream ends at %d, want %d", end, last+1)
		}
		if st.Mismatches != 0 || st.Open != 0 {
			t.Fatalf("stats %+v", st)
		}
	})
}

func boolBytes(b []bool) []byte {
	r := make([]byte, len(b))
	for i, v := range b {
		if v {
			r[i] = 1
		}
	}
	return r
}
