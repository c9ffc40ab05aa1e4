//go:build linux && !pcap

package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"

	"github.com/ssldissect/ssldissect/capture/filter"
)

const (
	defaultSnaplen    = 262144
	defaultQueue      = 65536
	defaultQueueBytes = 64 << 20
	socketBuffer      = 8 << 20
	readTimeout       = 200 * time.Millisecond
)

// ARPHRD values (linux/if_arp.h) that decide how frames are read.
const (
	arphrdEther    = 1
	arphrdLoopback = 772
	arphrdNone     = 65534 // tun and other raw-IP devices
)

// liveFrame is a frame copied out of the socket.
type liveFrame struct {
	data []byte
	ci   gopacket.CaptureInfo
}

// afPacket reads an interface through an AF_PACKET socket: SOCK_RAW for
// Ethernet, loopback and raw-IP devices, SOCK_DGRAM (Linux cooked capture,
// LINKTYPE_LINUX_SLL) for the rest.
type afPacket struct {
	iface   string
	fd      int
	link    layers.LinkType
	cooked  bool
	loop    bool
	snaplen int
	opt     LiveOptions
	match   matcher
	dec     *decoder

	ch       chan liveFrame
	queued   atomic.Int64 // bytes in ch
	stopping atomic.Bool
	done     chan struct{} // closed when the reader has ended
	stopOnce sync.Once

	kernelPackets, kernelDrops atomic.Uint64
	freezes, vlanRestored      atomic.Uint64
	badFrames                  atomic.Uint64 // ring frames whose header points outside the block
	queueDrops, outgoing       atomic.Uint64
	kernelFilter               bool
	readErr                    error // set by the reader before done closes

	ring      *ring  // nil: the recvmsg reader goroutine
	ringErr   string // why there is no ring, when one was asked for
	blocks    uint64 // ring blocks walked
	lastStats time.Time
	ended     bool // the ring capture returned io.EOF or an error
	closeOnce sync.Once

	frames uint64
	pkt    Packet
	stats  Stats
	cur    liveFrame
	timer  *time.Timer
}

// OpenLive opens a live capture of the named interface. Errors say what
// to do about an unknown interface, a missing permission (root or
// CAP_NET_RAW) or an interface that is down.
func OpenLive(iface string, opt LiveOptions) (Live, error) {
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		names := interfaceNames()
		return nil, fmt.Errorf("capture: no interface %q (interfaces: %s)", iface, names)
	}
	if ifi.Flags&net.FlagUp == 0 {
		return nil, fmt.Errorf("capture: interface %s is down (bring it up with: ip link set %s up)", iface, iface)
	}
	if opt.Snaplen <= 0 {
		opt.Snaplen = defaultSnaplen
	}
	if opt.QueuePackets <= 0 {
		opt.QueuePackets = defaultQueue
	}
	if opt.QueueBytes <= 0 {
		opt.QueueBytes = defaultQueueBytes
	}
	s := &afPacket{iface: iface, snaplen: opt.Snaplen, opt: opt, dec: newDecoder(),
		loop: ifi.Flags&net.FlagLoopback != 0, done: make(chan struct{})}
	var f *filter.Filter
	if opt.Filter != "" {
		f, err = filter.Compile(opt.Filter)
		if err != nil {
			return nil, fmt.Errorf("capture: %w", err)
		}
		s.match = f
	}
	typ := arphrdType(iface)
	sockType := unix.SOCK_RAW
	switch typ {
	case arphrdEther, arphrdLoopback:
		s.link = layers.LinkTypeEthernet
	case arphrdNone:
		s.link = layers.LinkTypeRaw
	default:
		s.link, s.cooked, sockType = layers.LinkTypeLinuxSLL, true, unix.SOCK_DGRAM
	}
	// Protocol 0: nothing arrives before bind, so the filter is in place
	// before the first frame.
	fd, err := unix.Socket(unix.AF_PACKET, sockType|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, fmt.Errorf("capture: %s: no permission to capture packets: run as root, or grant the capability with: setcap cap_net_raw+ep %s", iface, executable())
		}
		return nil, fmt.Errorf("capture: AF_PACKET socket: %w", err)
	}
	s.fd = fd
	fail := s.fail
	if f != nil && s.link == layers.LinkTypeEthernet {
		if prog, err := f.EthernetBPF(); err == nil {
			sf := make([]unix.SockFilter, len(prog))
			for i, in := range prog {
				sf[i] = unix.SockFilter{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K}
			}
			fp := unix.SockFprog{Len: uint16(len(sf)), Filter: &sf[0]}
			if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fp); err != nil {
				return fail("attaching the kernel filter", err)
			}
			s.kernelFilter = true
		}
	}
	if !opt.NoRing {
		r, err := setupRing(fd, opt.QueueBytes)
		if err != nil {
			s.ringErr = err.Error()
		} else {
			s.ring = r
		}
	}
	if s.ring == nil {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, socketBuffer); err != nil {
			_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, socketBuffer)
		}
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
			return s.fail("SO_TIMESTAMPNS", err)
		}
		// The kernel's VLAN tag (taken out of the frame by VLAN offload)
		// comes in a PACKET_AUXDATA message, and goes back into the frame.
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_AUXDATA, 1); err != nil {
			return s.fail("PACKET_AUXDATA", err)
		}
		tv := unix.NsecToTimeval(readTimeout.Nanoseconds())
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			return s.fail("SO_RCVTIMEO", err)
		}
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		if errors.Is(err, unix.ENETDOWN) {
			s.closeSocket()
			return nil, fmt.Errorf("capture: interface %s is down (bring it up with: ip link set %s up)", iface, iface)
		}
		return fail("bind", err)
	}
	if opt.Promiscuous {
		mreq := unix.PacketMreq{Ifindex: int32(ifi.Index), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
			return fail("promiscuous mode", err)
		}
	}
	if g := opt.FanoutGroup; g != 0 {
		if g < 1 || g > 0xffff {
			return fail("fanout group", fmt.Errorf("%d is not from 1 to 65535", g))
		}
		arg := g | (unix.PACKET_FANOUT_HASH|unix.PACKET_FANOUT_FLAG_DEFRAG)<<16
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_FANOUT, arg); err != nil {
			if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EEXIST) {
				err = fmt.Errorf("%w (is group %d in use by sockets of another kind or on another interface?)", err, g)
			}
			return fail(fmt.Sprintf("joining fanout group %d", g), err)
		}
	}
	s.stats.Files = 1
	if s.ring != nil {
		close(s.done)
		return s, nil
	}
	s.ch = make(chan liveFrame, opt.QueuePackets)
	go s.read()
	return s, nil
}

// fail closes the half-opened socket and wraps err.
func (s *afPacket) fail(what string, err error) (Live, error) {
	s.closeSocket()
	return nil, fmt.Errorf("capture: %s: %s: %w", s.iface, what, err)
}

// closeSocket unmaps the ring and closes the socket.
func (s *afPacket) closeSocket() {
	if s.ring != nil {
		s.ring.close()
	}
	unix.Close(s.fd)
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func executable() string {
	if p, err := os.Executable(); err == nil {
		return p
	}
	return "ssldissect"
}

func interfaceNames() string {
	ifs, err := net.Interfaces()
	if err != nil || len(ifs) == 0 {
		return "none found"
	}
	var names []string
	for _, i := range ifs {
		names = append(names, i.Name)
	}
	return strings.Join(names, ", ")
}

// arphrdType is the interface's hardware type (SIOCGIFHWADDR, in the
// thread's network namespace; else sysfs, which shows the namespace it
// was mounted in); 0 if unknown.
func arphrdType(iface string) int {
	if fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); err == nil {
		defer unix.Close(fd)
		if ifr, err := unix.NewIfreq(iface); err == nil {
			if err := unix.IoctlIfreq(fd, unix.SIOCGIFHWADDR, ifr); err == nil {
				return int(ifr.Uint16())
			}
		}
	}
	b, err := os.ReadFile("/sys/class/net/" + iface + "/type")
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

// read runs in its own goroutine: it copies frames from the socket into
// the queue until Stop, then closes the socket and the queue.
func (s *afPacket) read() {
	defer close(s.done)
	defer close(s.ch)
	defer unix.Close(s.fd)
	hdr := 0
	if s.cooked {
		hdr = 16
	}
	buf := make([]byte, hdr+s.snaplen)
	oob := make([]byte, 128)
	lastStats := time.Now()
	for !s.stopping.Load() {
		if time.Since(lastStats) > time.Second {
			s.pollStats()
			lastStats = time.Now()
		}
		n, oobn, _, from, err := unix.Recvmsg(s.fd, buf[hdr:], oob, unix.MSG_TRUNC)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				continue
			}
			if errors.Is(err, unix.ENETDOWN) {
				s.readErr = fmt.Errorf("capture: interface %s went down", s.iface)
			} else {
				s.readErr = fmt.Errorf("capture: %s: reading: %w", s.iface, err)
			}
			break
		}
		ll, _ := from.(*unix.SockaddrLinklayer)
		if ll != nil && s.loop && ll.Pkttype == unix.PACKET_OUTGOING {
			s.outgoing.Add(1)
			continue
		}
		capLen := min(n, s.snaplen)
		ts, tpid, tci, tagged := controlMessages(oob[:oobn])
		if s.cooked {
			fillSLL(buf[:16], ll)
		}
		size := hdr + capLen
		if s.queued.Load()+int64(size) > int64(s.opt.QueueBytes) {
			s.queueDrops.Add(1)
			continue
		}
		var fr liveFrame
		if tagged && !s.cooked && s.link == layers.LinkTypeEthernet && capLen >= 12 {
			data := make([]byte, size+4)
			copy(data, buf[:12])
			putVLAN(data[12:16], tpid, tci)
			copy(data[16:], buf[12:size])
			fr = liveFrame{data: data, ci: gopacket.CaptureInfo{Timestamp: ts, CaptureLength: size + 4, Length: n + 4}}
			s.vlanRestored.Add(1)
		} else {
			fr = liveFrame{data: append([]byte(nil), buf[:size]...),
				ci: gopacket.CaptureInfo{Timestamp: ts, CaptureLength: size, Length: hdr + n}}
		}
		select {
		case s.ch <- fr:
			s.queued.Add(int64(size))
		default:
			s.queueDrops.Add(1)
		}
	}
	s.pollStats()
}

// pollStats adds the kernel's counters, which reset when read.
func (s *afPacket) pollStats() {
	if s.ring != nil {
		st, err := unix.GetsockoptTpacketStatsV3(s.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
		if err != nil {
			return
		}
		s.kernelPackets.Add(uint64(st.Packets))
		s.kernelDrops.Add(uint64(st.Drops))
		s.freezes.Add(uint64(st.Freeze_q_cnt))
		return
	}
	st, err := unix.GetsockoptTpacketStats(s.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	if err != nil {
		return
	}
	s.kernelPackets.Add(uint64(st.Packets))
	s.kernelDrops.Add(uint64(st.Drops))
}

// sizeofAuxdata is sizeof(struct tpacket_auxdata).
const sizeofAuxdata = 20

// controlMessages reads a frame's SO_TIMESTAMPNS time (now if absent) and
// its PACKET_AUXDATA VLAN tag (tagged when the kernel took one out).
func controlMessages(oob []byte) (ts time.Time, tpid, tci uint16, tagged bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err == nil {
		for _, m := range msgs {
			switch {
			case m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPNS && len(m.Data) >= int(unsafe.Sizeof(unix.Timespec{})):
				t := *(*unix.Timespec)(unsafe.Pointer(&m.Data[0]))
				ts = time.Unix(int64(t.Sec), int64(t.Nsec)).UTC()
			case m.Header.Level == unix.SOL_PACKET && m.Header.Type == unix.PACKET_AUXDATA && len(m.Data) >= sizeofAuxdata:
				// struct tpacket_auxdata: status, len, snaplen (u32), mac,
				// net (u16), vlan_tci (u16), vlan_tpid (u16).
				status := binary.NativeEndian.Uint32(m.Data[0:])
				if status&unix.TP_STATUS_VLAN_VALID != 0 {
					tagged = true
					tci = binary.NativeEndian.Uint16(m.Data[16:])
					tpid = 0x8100
					if p := binary.NativeEndian.Uint16(m.Data[18:]); status&unix.TP_STATUS_VLAN_TPID_VALID != 0 && p != 0 {
						tpid = p
					}
				}
			}
		}
	}
	if ts.IsZero() {
		ts = time.Now().UTC()
	}
	return ts, tpid, tci, tagged
}

// fillSLL writes a Linux cooked capture (v1) header from the sender's
// link-layer address.
func fillSLL(h []byte, ll *unix.SockaddrLinklayer) {
	clear(h)
	if ll == nil {
		return
	}
	binary.BigEndian.PutUint16(h[0:], uint16(ll.Pkttype))
	binary.BigEndian.PutUint16(h[2:], ll.Hatype)
	halen := min(int(ll.Halen), 8)
	binary.BigEndian.PutUint16(h[4:], uint16(halen))
	copy(h[6:14], ll.Addr[:halen])
	binary.BigEndian.PutUint16(h[14:], htons(ll.Protocol))
}

func (s *afPacket) Next() (*Packet, error) {
	if s.ring != nil {
		return s.ringPacket()
	}
	for {
		fr, err := s.wait()
		if err != nil {
			return nil, err
		}
		if s.decode(fr) {
			return &s.pkt, nil
		}
	}
}

// wait takes the next frame off the queue and holds it until its time.
func (s *afPacket) wait() (liveFrame, error) {
	var tick <-chan time.Time
	if s.opt.Tick > 0 {
		if s.timer == nil {
			s.timer = time.NewTimer(s.opt.Tick)
		} else {
			s.timer.Reset(s.opt.Tick)
		}
		tick = s.timer.C
	}
	select {
	case fr, ok := <-s.ch:
		if !ok {
			if s.readErr != nil {
				err := s.readErr
				s.readErr = nil
				return liveFrame{}, err
			}
			return liveFrame{}, io.EOF
		}
		s.queued.Add(-int64(len(fr.data)))
		if d := time.Until(fr.ci.Timestamp.Add(s.opt.Hold)); d > 0 && s.opt.Hold > 0 {
			time.Sleep(min(d, s.opt.Hold))
		}
		return fr, nil
	case <-tick:
		return liveFrame{}, ErrNoPacket
	}
}

// decode is multiSource.decode for a live frame.
func (s *afPacket) decode(fr liveFrame) bool {
	s.frames++
	s.stats.Packets++
	s.stats.Bytes += uint64(len(fr.data))
	s.cur = fr
	d := s.dec
	d.decode(s.link, fr.data, fr.ci, &s.stats)
	s.pkt = Packet{File: s.iface, FileNum: s.frames, CI: fr.ci, LinkType: s.link, Data: fr.data}
	return d.deliver(&s.stats, s.match, &s.pkt)
}

// ringPacket is Next on the ring.
func (s *afPacket) ringPacket() (*Packet, error) {
	if s.ended {
		return nil, io.EOF
	}
	for {
		fr, err := s.ringNext()
		if err == errStopped {
			s.ended = true
			return nil, io.EOF
		}
		if err != nil {
			if err != ErrNoPacket {
				s.ended = true
			}
			return nil, err
		}
		if s.opt.Hold > 0 {
			if d := time.Until(fr.ci.Timestamp.Add(s.opt.Hold)); d > 0 {
				time.Sleep(min(d, s.opt.Hold))
			}
		}
		if s.decode(fr) {
			return &s.pkt, nil
		}
	}
}

func (s *afPacket) Stats() Stats { return s.stats }

func (s *afPacket) LiveStats() LiveStats {
	return LiveStats{
		KernelPackets: s.kernelPackets.Load(),
		KernelDrops:   s.kernelDrops.Load(),
		QueueDrops:    s.queueDrops.Load(),
		Outgoing:      s.outgoing.Load(),
		KernelFilter:  s.kernelFilter,
		FreezeCount:   s.freezes.Load(),
		VLANRestored:  s.vlanRestored.Load(),
		Method:        s.method(),
		RingError:     s.ringErr,
		FanoutGroup:   s.opt.FanoutGroup,
		BadFrames:     s.badFrames.Load(),
	}
}

func (s *afPacket) method() string {
	if s.ring != nil {
		return "tpacket_v3"
	}
	return "recvmsg"
}

func (s *afPacket) Stop() {
	s.stopOnce.Do(func() {
		s.stopping.Store(true)
		if s.ring != nil {
			s.ring.interrupt()
		}
	})
}

// Close stops the capture and waits for the socket to close. With the
// ring, it must not run while Next does (a Source is used from one
// goroutine); Stop may.
func (s *afPacket) Close() error {
	s.Stop()
	if s.ring != nil {
		s.closeOnce.Do(func() {
			s.pollStats()
			s.ended = true
			s.closeSocket()
		})
		return nil
	}
	<-s.done
	for range s.ch { // let the queue go
	}
	return nil
}

func (s *afPacket) LinkType() uint16 { return uint16(s.link) }
func (s *afPacket) Snaplen() int     { return s.snaplen }
