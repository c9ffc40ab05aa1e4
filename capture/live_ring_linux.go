//go:build linux && !pcap

package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"
)

// The TPACKET_V3 ring: the kernel writes frames into blocks of a buffer
// shared with ssldissect (PACKET_RX_RING, mmap), and hands a block over
// (TP_STATUS_USER in its header) when it is full or has waited
// ringRetire. Next walks a block's frames in place, with no system call
// and no copy per packet, and gives the block back (TP_STATUS_KERNEL)
// when it moves past its last frame: a Packet is valid until the next
// call to Next, as the Source contract says, and nothing a Packet points
// into is kept by the pipeline past that (the reassembler, the fragment
// table and the sharded dispatcher copy what they keep).
const (
	ringBlockSize = 1 << 20
	ringMinBlocks = 8
	ringFrameSize = 2048 // nominal: V3 frames are as long as the packet
	// ringRetire is how long the kernel fills a block before it hands it
	// over part full, so that a quiet link still delivers promptly.
	ringRetire = 20 * time.Millisecond
	// stopDrain is how long Next, after Stop, waits for the block the
	// kernel is filling to be retired, so that its packets are delivered.
	stopDrain = 5 * ringRetire
)

// Offsets in a frame: struct tpacket3_hdr, then struct sockaddr_ll
// (TPACKET_ALIGN(sizeof(struct tpacket3_hdr)), linux/if_packet.h).
const (
	tp3HdrLen  = unix.SizeofTpacket3Hdr // 48, already 16-aligned
	sllLen     = 20                     // sizeof(struct sockaddr_ll)
	frameHdrOK = tp3HdrLen + sllLen     // the first byte a frame may use for data
)

// ring is one socket's mapped receive ring.
type ring struct {
	mem     []byte
	nblocks int
	blk     int    // the block being walked, or the next one to wait for
	held    bool   // blk is ours (TP_STATUS_USER) and being walked
	left    uint32 // frames of blk not yet delivered
	off     uint32 // offset in blk of the next frame
	wake    int    // eventfd: Stop writes to it to end a poll
	scratch []byte // a frame that cannot be rewritten in place
}

// blockStatus points at the block_status word of block i.
func (r *ring) block(i int) (*unix.TpacketHdrV1, []byte) {
	b := r.mem[i*ringBlockSize : (i+1)*ringBlockSize]
	return (*unix.TpacketHdrV1)(unsafe.Pointer(&b[8])), b
}

// setupRing switches fd to TPACKET_V3 and maps a ring of about size
// bytes. On error the socket is left as it was (no ring), so that the
// caller can read it with recvmsg.
func setupRing(fd, size int) (*ring, error) {
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return nil, fmt.Errorf("TPACKET_V3: %w", err)
	}
	n := max(ringMinBlocks, size/ringBlockSize)
	req := unix.TpacketReq3{
		Block_size:     ringBlockSize,
		Block_nr:       uint32(n),
		Frame_size:     ringFrameSize,
		Frame_nr:       uint32(n * ringBlockSize / ringFrameSize),
		Retire_blk_tov: uint32(ringRetire / time.Millisecond),
	}
	undo := func() {
		// A zero request takes the ring down; version back to V1 so that
		// recvmsg timestamps and statistics read as before.
		var none unix.TpacketReq3
		_ = unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &none)
		_ = unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V1)
	}
	if err := unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		undo()
		return nil, fmt.Errorf("PACKET_RX_RING (%d blocks of %d bytes): %w", n, ringBlockSize, err)
	}
	mem, err := unix.Mmap(fd, 0, n*ringBlockSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		undo()
		return nil, fmt.Errorf("mmap of the ring (%d bytes): %w", n*ringBlockSize, err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Munmap(mem)
		undo()
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	return &ring{mem: mem, nblocks: n, wake: wake}, nil
}

func (r *ring) close() {
	unix.Munmap(r.mem)
	unix.Close(r.wake)
	r.mem = nil
}

// interrupt ends a poll in progress (Stop).
func (r *ring) interrupt() {
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	unix.Write(r.wake, one[:])
}

// release gives the block being walked back to the kernel.
func (r *ring) release() {
	if !r.held {
		return
	}
	h, _ := r.block(r.blk)
	atomic.StoreUint32(&h.Block_status, unix.TP_STATUS_KERNEL)
	r.held = false
	r.blk = (r.blk + 1) % r.nblocks
}

// ready tells whether the next block is the user's; it takes it if so.
func (r *ring) ready() bool {
	h, _ := r.block(r.blk)
	if atomic.LoadUint32(&h.Block_status)&unix.TP_STATUS_USER == 0 {
		return false
	}
	r.held, r.left, r.off = true, h.Num_pkts, h.Offset_to_first_pkt
	return true
}

// ringNext is Next's wait for a frame on the ring: it returns the next
// frame, ErrNoPacket after Tick without one, io.EOF-worthy errStopped
// after Stop once the ring holds nothing more, or a socket error.
func (s *afPacket) ringNext() (liveFrame, error) {
	r := s.ring
	var deadline time.Time
	for {
		if r.held && r.left == 0 {
			r.release()
			s.blocks++
			if now := time.Now(); now.Sub(s.lastStats) >= time.Second {
				s.lastStats = now
				s.pollStats()
			}
		}
		if !r.held && !r.ready() {
			timeout := -1
			stopping := s.stopping.Load()
			if stopping {
				// Wait once, briefly, for the block being filled to be
				// retired: its packets were captured before Stop.
				if deadline.IsZero() {
					deadline = time.Now().Add(stopDrain)
				}
				d := time.Until(deadline)
				if d <= 0 {
					return liveFrame{}, errStopped
				}
				timeout = int(d/time.Millisecond) + 1
			} else if s.opt.Tick > 0 {
				timeout = int(s.opt.Tick / time.Millisecond)
			}
			fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN | unix.POLLERR}}
			if !stopping {
				fds = append(fds, unix.PollFd{Fd: int32(r.wake), Events: unix.POLLIN})
			}
			n, err := unix.Poll(fds, timeout)
			if err != nil && !errors.Is(err, unix.EINTR) {
				return liveFrame{}, fmt.Errorf("capture: %s: poll: %w", s.iface, err)
			}
			if fds[0].Revents&unix.POLLERR != 0 {
				return liveFrame{}, s.sockErr()
			}
			if n == 0 && !stopping && s.opt.Tick > 0 {
				s.pollStats()
				return liveFrame{}, ErrNoPacket
			}
			continue
		}
		fr, ok := s.ringFrame()
		if ok {
			return fr, nil
		}
	}
}

// errStopped ends a stopped ring capture.
var errStopped = errors.New("capture: stopped")

// sockErr is the pending error of the socket, as the recvmsg path words it.
func (s *afPacket) sockErr() error {
	v, err := unix.GetsockoptInt(s.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && v != 0 {
		err = unix.Errno(v)
	}
	if errors.Is(err, unix.ENETDOWN) {
		return fmt.Errorf("capture: interface %s went down", s.iface)
	}
	if err == nil {
		err = errors.New("socket error")
	}
	return fmt.Errorf("capture: %s: reading: %w", s.iface, err)
}

// ringFrame takes the next frame of the held block. ok is false for a
// frame that is skipped (an outgoing loopback copy).
func (s *afPacket) ringFrame() (liveFrame, bool) {
	r := s.ring
	_, b := r.block(r.blk)
	off := r.off
	if int(off)+frameHdrOK > len(b) {
		// A damaged block header: give the block back.
		s.badFrames.Add(1)
		r.left = 0
		return liveFrame{}, false
	}
	h := (*unix.Tpacket3Hdr)(unsafe.Pointer(&b[off]))
	r.left--
	r.off += h.Next_offset
	if h.Next_offset == 0 {
		r.left = 0
	}
	f := b[off:]
	pkttype := f[tp3HdrLen+10]
	if s.loop && pkttype == unix.PACKET_OUTGOING {
		s.outgoing.Add(1)
		return liveFrame{}, false
	}
	mac, capLen, wire := int(h.Mac), int(h.Snaplen), int(h.Len)
	if mac < frameHdrOK || mac > len(f) {
		s.badFrames.Add(1)
		return liveFrame{}, false
	}
	capLen = min(capLen, len(f)-mac)
	capLen = min(capLen, s.snaplen)
	data := f[mac : mac+capLen]
	switch {
	case s.cooked:
		// The Linux cooked header goes in the 16 bytes before the network
		// header, which the kernel leaves free for it.
		sll := f[tp3HdrLen : tp3HdrLen+sllLen]
		if mac-16 >= frameHdrOK {
			data = f[mac-16 : mac+capLen]
		} else {
			r.scratch = append(r.scratch[:0], make([]byte, 16)...)
			data = append(r.scratch, data...)
			r.scratch = data
		}
		writeSLL(data[:16], sll)
		capLen += 16
		wire += 16
	case h.Status&unix.TP_STATUS_VLAN_VALID != 0 && s.link == layers.LinkTypeEthernet && capLen >= 12:
		// The kernel took the 802.1Q tag out of the frame; put it back
		// after the MAC addresses, as it was on the wire.
		tpid := uint16(0x8100)
		if h.Status&unix.TP_STATUS_VLAN_TPID_VALID != 0 && h.Hv1.Vlan_tpid != 0 {
			tpid = h.Hv1.Vlan_tpid
		}
		if mac-4 >= frameHdrOK {
			data = f[mac-4 : mac+capLen]
			copy(data[:12], f[mac:mac+12])
		} else {
			r.scratch = append(append(r.scratch[:0], data[:12]...), 0, 0, 0, 0)
			r.scratch = append(r.scratch, data[12:]...)
			data = r.scratch
		}
		putVLAN(data[12:16], tpid, uint16(h.Hv1.Vlan_tci))
		capLen += 4
		wire += 4
		s.vlanRestored.Add(1)
	}
	return liveFrame{data: data, ci: gopacket.CaptureInfo{
		Timestamp:     time.Unix(int64(h.Sec), int64(h.Nsec)).UTC(),
		CaptureLength: capLen, Length: wire}}, true
}

// putVLAN writes an 802.1Q tag: TPID, then PCP/DEI/VID.
func putVLAN(b []byte, tpid, tci uint16) {
	binary.BigEndian.PutUint16(b[0:], tpid)
	binary.BigEndian.PutUint16(b[2:], tci)
}

// writeSLL writes a Linux cooked capture (v1) header from a raw struct
// sockaddr_ll (as the ring holds it).
func writeSLL(h, sll []byte) {
	ll := unix.SockaddrLinklayer{
		Protocol: binary.NativeEndian.Uint16(sll[2:]),
		Hatype:   binary.NativeEndian.Uint16(sll[8:]),
		Pkttype:  sll[10],
		Halen:    sll[11],
	}
	copy(ll.Addr[:], sll[12:20])
	fillSLL(h, &ll)
}
