package reassembly

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/capture"
)

// benchHandler consumes whole "records" of size bytes (all when size is 0).
type benchHandler struct{ size int }

func (h benchHandler) Data(_ Dir, c *Chunk) int {
	if h.size == 0 {
		return len(c.Data)
	}
	return len(c.Data) / h.size * h.size
}
func (benchHandler) Gap(Dir, uint64, int, time.Time) {}
func (benchHandler) Note(Note)                       {}
func (benchHandler) End(EndReason, time.Time)        {}

// benchPackets makes segs data segments of mss bytes spread over conns
// connections, interleaved, both directions. With reorder, every 10th pair
// of segments of a direction is swapped and every 50th segment is sent twice.
func benchPackets(conns, segs, mss int, reorder bool) ([]*capture.Packet, int) {
	return benchPacketsACK(conns, segs, mss, reorder, false)
}

// benchPacketsACK is benchPackets, with acks a pure ACK from the other
// direction after every pair of segments (as a receiver sends them in a
// bulk transfer: a third of the packets).
func benchPacketsACK(conns, segs, mss int, reorder, acks bool) ([]*capture.Packet, int) {
	pattern := make([]byte, 1<<15+mss)
	for i := range pattern {
		pattern[i] = byte(i * 7)
	}
	type dirState struct {
		from, to netip.AddrPort
		seq      uint32
		off      int
	}
	var ps []*capture.Packet
	num := uint64(0)
	add := func(d *dirState, flags string, data []byte, seq uint32) {
		num++
		p := mkPacket(num, tp{flags: flags, seq: seq}, d.from, d.to)
		p.TCP.Payload = data
		ps = append(ps, p)
	}
	var dirs []*dirState
	for i := range conns {
		cli := netip.AddrPortFrom(cliAddr.Addr(), uint16(20000+i))
		c := &dirState{from: cli, to: srvAddr, seq: uint32(i) * 0x10000000}
		s := &dirState{from: srvAddr, to: cli, seq: 0xFFFF0000 - uint32(i)}
		add(c, "S", nil, c.seq)
		add(s, "SA", nil, s.seq)
		c.seq++
		s.seq++
		dirs = append(dirs, c, s)
	}
	total := 0
	for i := 0; i < segs; {
		d := dirs[(i/2)%len(dirs)]
		seg := func() ([]byte, uint32) {
			data := pattern[d.off%(1<<15):][:mss]
			seq := d.seq
			d.seq += uint32(mss)
			d.off += mss
			total += mss
			return data, seq
		}
		a, sa := seg()
		b, sb := seg()
		if reorder && i%20 == 0 {
			add(d, "A", b, sb)
			add(d, "A", a, sa)
		} else {
			add(d, "A", a, sa)
			add(d, "A", b, sb)
		}
		if reorder && i%50 == 0 {
			add(d, "A", b, sb)
		}
		if acks {
			peer := dirs[(i/2)%len(dirs)^1]
			add(peer, "A", nil, peer.seq)
		}
		i += 2
	}
	return ps, total
}

func BenchmarkAssembler(b *testing.B) {
	for _, bc := range []struct {
		name    string
		reorder bool
		acks    bool
		record  int
	}{
		{"inorder", false, false, 0},
		{"inorder+acks", false, true, 0},
		{"reorder", true, false, 0},
		{"records", true, false, 5000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ps, total := benchPacketsACK(8, 100_000, 1400, bc.reorder, bc.acks)
			f := func(ConnKey, time.Time, uint64) Handler { return benchHandler{size: bc.record} }
			b.SetBytes(int64(total))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				a := New(f, Options{})
				for _, p := range ps {
					a.Add(p)
				}
				a.FlushAll(t0.Add(time.Hour))
				if st := a.Stats(); st.Bytes != uint64(total) || st.Gaps != 0 {
					b.Fatalf("stats %+v, want %d bytes", st, total)
				}
			}
		})
	}
}

// BenchmarkShortConnections: many small connections (handshake, one
// segment each way, FIN both, last ACK), flushed by packet time as the
// pipeline does.
func BenchmarkShortConnections(b *testing.B) {
	const conns = 20_000
	var ps []*capture.Packet
	num := uint64(0)
	add := func(p tp, from, to netip.AddrPort) {
		num++
		p.at = time.Duration(num) * 100 * time.Microsecond
		ps = append(ps, mkPacket(num, p, from, to))
	}
	for i := range conns {
		cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), uint16(1024+i%60000))
		add(tp{flags: "S", seq: 100}, cli, srvAddr)
		add(tp{flags: "SA", seq: 900}, srvAddr, cli)
		add(tp{flags: "A", seq: 101, data: "client hello"}, cli, srvAddr)
		add(tp{flags: "A", seq: 901, data: "server hello"}, srvAddr, cli)
		add(tp{flags: "FA", seq: 113}, cli, srvAddr)
		add(tp{flags: "FA", seq: 913}, srvAddr, cli)
		add(tp{flags: "A", seq: 114}, cli, srvAddr)
	}
	f := func(ConnKey, time.Time, uint64) Handler { return benchHandler{} }
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		a := New(f, Options{})
		for i, p := range ps {
			a.Add(p)
			if i%4096 == 0 {
				a.FlushIdle(p.CI.Timestamp)
			}
		}
		a.FlushAll(t0.Add(time.Hour))
		if st := a.Stats(); st.Connections != conns || st.Bytes != conns*24 {
			b.Fatalf("stats %+v", st)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/conns, "ns/conn")
}
