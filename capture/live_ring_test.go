//go:build linux && !pcap

package capture

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"
)

// ringFrameSpec is one frame written into a synthetic ring block the way
// the kernel lays it out (struct tpacket3_hdr, struct sockaddr_ll, data
// at tp_mac).
type ringFrameSpec struct {
	mac     int
	data    []byte
	snaplen int // tp_snaplen; 0: len(data)
	status  uint32
	tci     uint16
	tpid    uint16
	pkttype byte
}

// fakeRing makes a one-block ring holding frames, the block handed to
// the user, and a socket reading it as link (cooked, loop as given).
func fakeRing(frames []ringFrameSpec, link layers.LinkType, cooked, loop bool) *afPacket {
	mem := make([]byte, ringBlockSize)
	const first = 48
	ne := binary.NativeEndian
	ne.PutUint32(mem[12:], uint32(len(frames))) // num_pkts
	ne.PutUint32(mem[16:], first)               // offset_to_first_pkt
	off := first
	for i, f := range frames {
		h := mem[off:]
		size := (f.mac + len(f.data) + 15) &^ 15
		next := uint32(size)
		if i == len(frames)-1 {
			next = 0
		}
		snap := f.snaplen
		if snap == 0 {
			snap = len(f.data)
		}
		ne.PutUint32(h[0:], next)
		ne.PutUint32(h[4:], 1700000000+uint32(i)) // tp_sec
		ne.PutUint32(h[8:], 123456789)            // tp_nsec
		ne.PutUint32(h[12:], uint32(snap))
		ne.PutUint32(h[16:], uint32(len(f.data)))
		ne.PutUint32(h[20:], f.status)
		ne.PutUint16(h[24:], uint16(f.mac))
		ne.PutUint32(h[32:], uint32(f.tci))
		ne.PutUint16(h[36:], f.tpid)
		// sockaddr_ll: family, protocol (network order), ifindex,
		// hatype, pkttype, halen, addr.
		ne.PutUint16(h[48:], unix.AF_PACKET)
		binary.BigEndian.PutUint16(h[50:], 0x0800)
		ne.PutUint16(h[56:], 1)
		h[58] = f.pkttype
		h[59] = 6
		copy(h[60:], []byte{2, 0, 0, 0, 0, 9})
		copy(h[f.mac:], f.data)
		off += size
	}
	ne.PutUint32(mem[8:], unix.TP_STATUS_USER)
	s := &afPacket{iface: "fake0", snaplen: defaultSnaplen, link: link, cooked: cooked, loop: loop,
		ring: &ring{mem: mem, nblocks: 1}}
	return s
}

// TestRingFrame walks synthetic blocks: plain frames, VLAN tags put back
// in place and (with no room before the frame) in a copy, cooked headers
// likewise, outgoing loopback copies skipped, a frame cut to the snapshot
// length, and a frame whose tp_mac points into its header, skipped and
// counted.
func TestRingFrame(t *testing.T) {
	eth := func(n int) []byte {
		b := make([]byte, n)
		copy(b, []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00, 0x45})
		for i := 15; i < n; i++ {
			b[i] = byte(i)
		}
		return b
	}
	tagged := func(b []byte, tpid, tci uint16) []byte {
		out := append([]byte(nil), b[:12]...)
		out = binary.BigEndian.AppendUint16(out, tpid)
		out = binary.BigEndian.AppendUint16(out, tci)
		return append(out, b[12:]...)
	}
	sll := func(b []byte, pkttype byte) []byte {
		h := []byte{0, pkttype, 0, 1, 0, 6, 2, 0, 0, 0, 0, 9, 0, 0, 0x08, 0x00}
		return append(h, b...)
	}
	p60, p1500 := eth(60), eth(1500)
	vlanValid := uint32(unix.TP_STATUS_USER | unix.TP_STATUS_VLAN_VALID)
	cases := []struct {
		name         string
		frames       []ringFrameSpec
		link         layers.LinkType
		cooked, loop bool
		snaplen      int
		want         [][]byte
		wantLen      []int // CI.Length; 0: len(want[i])
		vlan, bad    uint64
		outgoing     uint64
	}{
		{name: "plain", link: layers.LinkTypeEthernet,
			frames: []ringFrameSpec{{mac: 82, data: p60}, {mac: 82, data: p1500}},
			want:   [][]byte{p60, p1500}},
		{name: "vlan in place", link: layers.LinkTypeEthernet,
			frames: []ringFrameSpec{{mac: 82, data: p60, status: vlanValid, tci: 0xa064}},
			want:   [][]byte{tagged(p60, 0x8100, 0xa064)}, vlan: 1},
		{name: "vlan copied, 802.1ad", link: layers.LinkTypeEthernet,
			frames: []ringFrameSpec{{mac: 68, data: p60, status: vlanValid | unix.TP_STATUS_VLAN_TPID_VALID, tci: 300, tpid: 0x88a8},
				{mac: 70, data: p1500, status: vlanValid, tci: 7}},
			want: [][]byte{tagged(p60, 0x88a8, 300), tagged(p1500, 0x8100, 7)}, vlan: 2},
		{name: "cooked", link: layers.LinkTypeLinuxSLL, cooked: true,
			frames: []ringFrameSpec{{mac: 96, data: p60[14:], pkttype: 0}, {mac: 72, data: p60[14:], pkttype: 4}},
			want:   [][]byte{sll(p60[14:], 0), sll(p60[14:], 4)}},
		{name: "loopback outgoing", link: layers.LinkTypeEthernet, loop: true,
			frames: []ringFrameSpec{{mac: 82, data: p60, pkttype: unix.PACKET_OUTGOING}, {mac: 82, data: p1500, pkttype: unix.PACKET_HOST}},
			want:   [][]byte{p1500}, outgoing: 1},
		{name: "snaplen", link: layers.LinkTypeEthernet, snaplen: 100,
			frames:  []ringFrameSpec{{mac: 82, data: p1500}},
			want:    [][]byte{p1500[:100]},
			wantLen: []int{1500}},
		{name: "bad mac", link: layers.LinkTypeEthernet,
			frames: []ringFrameSpec{{mac: 40, data: p60}, {mac: 82, data: p60}},
			want:   [][]byte{p60}, bad: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := fakeRing(c.frames, c.link, c.cooked, c.loop)
			if c.snaplen > 0 {
				s.snaplen = c.snaplen
			}
			if !s.ring.ready() {
				t.Fatal("block not ready")
			}
			var got []liveFrame
			for s.ring.left > 0 {
				if fr, ok := s.ringFrame(); ok {
					got = append(got, liveFrame{data: append([]byte(nil), fr.data...), ci: fr.ci})
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("%d frames, want %d", len(got), len(c.want))
			}
			for i, fr := range got {
				if !bytes.Equal(fr.data, c.want[i]) {
					t.Errorf("frame %d:\n got % x\nwant % x", i, fr.data, c.want[i])
				}
				wl := len(c.want[i])
				if c.wantLen != nil {
					wl = c.wantLen[i]
				}
				if fr.ci.CaptureLength != len(c.want[i]) || fr.ci.Length != wl {
					t.Errorf("frame %d: CaptureLength %d, Length %d; want %d, %d", i, fr.ci.CaptureLength, fr.ci.Length, len(c.want[i]), wl)
				}
				if fr.ci.Timestamp.Nanosecond() != 123456789 || fr.ci.Timestamp.Location() != time.UTC {
					t.Errorf("frame %d: timestamp %v", i, fr.ci.Timestamp)
				}
			}
			if s.vlanRestored.Load() != c.vlan || s.badFrames.Load() != c.bad || s.outgoing.Load() != c.outgoing {
				t.Errorf("vlan %d, bad %d, outgoing %d; want %d, %d, %d", s.vlanRestored.Load(), s.badFrames.Load(), s.outgoing.Load(), c.vlan, c.bad, c.outgoing)
			}
			s.ring.release()
			if h, _ := s.ring.block(0); h.Block_status != unix.TP_STATUS_KERNEL {
				t.Errorf("block status %#x after release", h.Block_status)
			}
		})
	}
}

// FuzzRingBlock walks a block whose headers are arbitrary bytes: nothing
// a frame header says makes the walk read outside the block or go on past
// num_pkts frames.
func FuzzRingBlock(f *testing.F) {
	s := fakeRing([]ringFrameSpec{{mac: 82, data: make([]byte, 60), status: unix.TP_STATUS_VLAN_VALID}, {mac: 96, data: make([]byte, 40)}}, layers.LinkTypeEthernet, false, false)
	f.Add(s.ring.mem[:512], false)
	mem := s.ring.mem
	f.Fuzz(func(t *testing.T, head []byte, cooked bool) {
		clear(mem[:4096])
		copy(mem, head)
		binary.NativeEndian.PutUint32(mem[8:], unix.TP_STATUS_USER)
		if n := binary.NativeEndian.Uint32(mem[12:]); n > 64 {
			binary.NativeEndian.PutUint32(mem[12:], n%64)
		}
		s.cooked = cooked
		s.ring.held, s.ring.blk = false, 0
		if !s.ring.ready() {
			t.Fatal("not ready")
		}
		for i := 0; s.ring.left > 0; i++ {
			if i > 64 {
				t.Fatal("walked past num_pkts")
			}
			if fr, ok := s.ringFrame(); ok && len(fr.data) != fr.ci.CaptureLength {
				t.Fatalf("%d bytes, CaptureLength %d", len(fr.data), fr.ci.CaptureLength)
			}
		}
		s.ring.release()
	})
}
