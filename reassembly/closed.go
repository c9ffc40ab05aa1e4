package reassembly

import (
	"encoding/binary"
	"hash/maphash"
	"net"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// maxClosed bounds the connections remembered as recently closed: about
// 80 bytes each, so at most ~5 MiB however many connections end within
// IdleTimeout. Past it, the oldest are forgotten first; a late packet of a
// forgotten connection starts a new one, as it would after IdleTimeout.
const maxClosed = 1 << 16

// closedSet remembers the connections that ended while packets were being
// added (FIN in both directions, RST, half close), after they left
// gopacket's pool. Their late packets (the last ACKs, retransmitted FINs)
// are ignored rather than starting a new connection, for IdleTimeout after
// the last of them, as when gopacket kept them in its pool. A SYN starts a
// new connection on the addresses of one ended by FINs or by a RST, unless
// its sequence number is that of a SYN of the old connection (a
// retransmission of it); not on those of one ended by a half close (see
// the package documentation).
//
// Connections are known by a 64-bit hash of their two endpoints, so that an
// entry is small; two different address pairs with the same hash among
// connections closed within IdleTimeout are of probability ~n/2^64.
type closedSet struct {
	m     map[uint64]closedConn
	queue []closedAt // by time pushed: the order to expire in
	head  int
}

type closedConn struct {
	last   int64     // packet time (UnixNano) of the last packet seen
	isn    [2]uint32 // sequence numbers of the SYNs seen, by Dir ...
	hasISN [2]bool   // ... when seen
	synOK  bool      // a SYN with another sequence number starts a new connection
}

type closedAt struct {
	key uint64
	t   int64
}

func (c *closedSet) len() int { return len(c.m) }

// add remembers key, closed at packet time t, with what is known of the
// old connection's SYNs (e.isn, e.hasISN, e.synOK).
func (c *closedSet) add(key uint64, t time.Time, e closedConn) {
	if c.m == nil {
		c.m = make(map[uint64]closedConn)
	}
	if len(c.m) >= maxClosed {
		c.evictOldest()
	}
	ns := t.UnixNano()
	e.last = ns
	c.m[key] = e
	c.push(closedAt{key, ns})
}

func (c *closedSet) push(e closedAt) {
	if c.head > 0 && c.head >= len(c.queue)/2 {
		n := copy(c.queue, c.queue[c.head:])
		clear(c.queue[n:])
		c.queue, c.head = c.queue[:n], 0
	}
	c.queue = append(c.queue, e)
}

func (c *closedSet) evictOldest() {
	for c.head < len(c.queue) {
		e := c.queue[c.head]
		c.head++
		if v, ok := c.m[e.key]; ok && v.last <= e.t {
			delete(c.m, e.key)
			return
		}
		// A stale entry: the key was refreshed or re-added later, and is
		// behind in the queue too.
	}
	clear(c.m) // not reached: every key of m is in the queue
}

// seen tells whether a packet at time t, with the given SYN flag and
// sequence number, belongs to a connection that has ended, and then
// refreshes its last packet time. A SYN that may start a new connection
// (not a retransmitted SYN of the old one) forgets the old one.
func (c *closedSet) seen(key uint64, t time.Time, syn bool, seq uint32) bool {
	v, ok := c.m[key]
	if !ok {
		return false
	}
	if syn && v.synOK && !v.oldSYN(seq) {
		delete(c.m, key)
		return false
	}
	if ns := t.UnixNano(); ns > v.last {
		v.last = ns
		c.m[key] = v
	}
	return true
}

// oldSYN tells whether seq is the sequence number of a SYN of the old
// connection, in either direction.
func (v *closedConn) oldSYN(seq uint32) bool {
	return v.hasISN[0] && v.isn[0] == seq || v.hasISN[1] && v.isn[1] == seq
}

// expire forgets the connections whose last packet is before old.
func (c *closedSet) expire(old time.Time) {
	cut := old.UnixNano()
	for c.head < len(c.queue) && c.queue[c.head].t < cut {
		e := c.queue[c.head]
		c.queue[c.head] = closedAt{}
		c.head++
		v, ok := c.m[e.key]
		switch {
		case !ok || v.last < e.t:
			// Stale: expired already, or pushed again with a later time.
		case v.last < cut:
			delete(c.m, e.key)
		default:
			// Seen since it was pushed: wait for its last packet's time.
			c.push(closedAt{e.key, v.last})
		}
	}
	if c.head == len(c.queue) {
		c.queue, c.head = c.queue[:0], 0
	}
}

// keyHash hashes the two endpoints of a connection, in either order.
func (a *Assembler) keyHash(x, y netip.AddrPort) uint64 {
	if x.Compare(y) > 0 {
		x, y = y, x
	}
	var b [38]byte
	put := func(o int, ap netip.AddrPort) {
		ip := ap.Addr().As16()
		copy(b[o:], ip[:])
		binary.BigEndian.PutUint16(b[o+16:], ap.Port())
		if ap.Addr().Is4() {
			b[o+18] = 4
		}
	}
	put(0, x)
	put(19, y)
	return maphash.Bytes(a.seed, b[:])
}

// release takes an ended connection out of gopacket's pool at once and
// remembers it in a.closed. gopacket removes a connection when both of its
// halves are closed; ReassemblyComplete is then told to let it go. A half
// still open (after a RST the other way, or a half close) is closed with a
// RST at its next expected byte, made here and passed to gopacket: Accept
// lets it through (a.releasing) and places it at that byte.
func (a *Assembler) release(s *stream) {
	if s.released {
		return
	}
	a.forget(s)
	a.releasing = s
	for d := Dir0; d <= Dir1; d++ {
		if s.half[d].done {
			continue
		}
		from, to := s.key.A, s.key.B
		if d == Dir1 {
			from, to = to, from
		}
		netFlow, ok := ipFlow(from.Addr(), to.Addr())
		if !ok {
			break
		}
		b := a.rstHdr[:]
		binary.BigEndian.PutUint16(b[0:], from.Port())
		binary.BigEndian.PutUint16(b[2:], to.Port())
		b[12] = 5 << 4 // data offset: 20 bytes
		b[13] = 0x04   // RST
		if err := a.rstTCP.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
			break
		}
		c := a.cur
		if c == nil {
			c = new(pktCtx)
			c.anc[0] = c
			a.cur = c
		}
		*c = pktCtx{ci: gopacket.CaptureInfo{Timestamp: s.lastSeen}, anc: c.anc}
		a.asm.AssembleWithContext(netFlow, &a.rstTCP, c)
		s.half[d].done = true
		if c.retained {
			a.cur = nil
		}
	}
	a.releasing = nil
}

// ipFlow is the network flow of capture.Packet.Net for from -> to.
func ipFlow(from, to netip.Addr) (gopacket.Flow, bool) {
	t := layers.EndpointIPv6
	if from.Is4() {
		t = layers.EndpointIPv4
	}
	if from.Is4() != to.Is4() || !from.IsValid() || !to.IsValid() {
		return gopacket.Flow{}, false
	}
	return gopacket.NewFlow(t, net.IP(from.AsSlice()), net.IP(to.AsSlice())), true
}
