package filter

import (
	"net/netip"
	"strconv"
	"strings"
)

// A node is a boolean part of a compiled filter.
type node interface {
	eval(m *Meta) result
	write(b *strings.Builder)
}

// result is the outcome of a node: false, true, or reject. reject comes from
// a load past the captured bytes or a zero divisor: BPF drops the packet
// then, whatever surrounds the load, and so does Match.
type result uint8

const (
	rFalse result = iota
	rTrue
	rReject
)

func res(b bool) result {
	if b {
		return rTrue
	}
	return rFalse
}

// An arith is an arithmetic part of a relation. val reports false when the
// packet is too short for a load or a divisor is zero.
type arith interface {
	val(m *Meta) (uint32, bool)
	write(b *strings.Builder)
}

// ---- boolean nodes

type andNode struct{ l, r node }
type orNode struct{ l, r node }
type notNode struct{ x node }
type trueNode struct{} // the empty expression

func (n *andNode) eval(m *Meta) result {
	if l := n.l.eval(m); l != rTrue {
		return l
	}
	return n.r.eval(m)
}

func (n *orNode) eval(m *Meta) result {
	if l := n.l.eval(m); l != rFalse {
		return l
	}
	return n.r.eval(m)
}

func (n *notNode) eval(m *Meta) result {
	switch n.x.eval(m) {
	case rTrue:
		return rFalse
	case rFalse:
		return rTrue
	}
	return rReject
}

func (trueNode) eval(*Meta) result { return rTrue }

func (n *andNode) write(b *strings.Builder) { writeBin(b, n.l, "and", n.r) }
func (n *orNode) write(b *strings.Builder)  { writeBin(b, n.l, "or", n.r) }
func (n *notNode) write(b *strings.Builder) { b.WriteString("not "); n.x.write(b) }
func (trueNode) write(*strings.Builder)     {}

func writeBin(b *strings.Builder, l node, op string, r node) {
	b.WriteByte('(')
	l.write(b)
	b.WriteString(" " + op + " ")
	r.write(b)
	b.WriteByte(')')
}

// proto names a protocol as a qualifier or an accessor.
type proto uint8

const (
	pNone proto = iota
	pEther
	pLink
	pIP
	pIP6
	pARP
	pRARP
	pTCP
	pUDP
	pICMP
	pICMP6
	pSCTP
	pIGMP
)

var protoNames = [...]string{"", "ether", "link", "ip", "ip6", "arp", "rarp", "tcp", "udp", "icmp", "icmp6", "sctp", "igmp"}

func (p proto) String() string { return protoNames[p] }

func protoByName(w string) (proto, bool) {
	for i, n := range protoNames {
		if i > 0 && n == w {
			return proto(i), true
		}
	}
	return pNone, false
}

// ipProtoNum is the IP protocol number of a transport proto, 0 otherwise.
func (p proto) ipProtoNum() uint8 {
	switch p {
	case pTCP:
		return 6
	case pUDP:
		return 17
	case pICMP:
		return 1
	case pICMP6:
		return 58
	case pSCTP:
		return 132
	case pIGMP:
		return 2
	}
	return 0
}

// present is the bare protocol primitive ("tcp", "ip6", ...).
func (p proto) present(m *Meta) bool {
	switch p {
	case pEther, pLink:
		return m.HasEther
	case pIP:
		return m.IPVersion == 4
	case pIP6:
		return m.IPVersion == 6
	case pARP:
		return m.EtherType == 0x0806
	case pRARP:
		return m.EtherType == 0x8035
	case pTCP, pUDP, pSCTP:
		return (m.IPVersion == 4 || m.IPVersion == 6) && m.Proto == p.ipProtoNum()
	case pICMP, pIGMP:
		return m.IPVersion == 4 && m.Proto == p.ipProtoNum()
	case pICMP6:
		return m.IPVersion == 6 && m.Proto == 58
	}
	return false
}

// loadable tells whether p[...] can be evaluated: the protocol is there and,
// for transport protocols, this is the first fragment. As in libpcap, tcp[],
// udp[], sctp[], icmp[] and igmp[] look at IPv4 packets only.
func (p proto) loadable(m *Meta) bool {
	switch p {
	case pEther, pLink:
		return true
	case pTCP, pUDP, pSCTP, pICMP, pIGMP:
		return m.IPVersion == 4 && m.Proto == p.ipProtoNum() && !m.Fragment
	case pICMP6:
		return m.IPVersion == 6 && m.Proto == 58 && !m.Fragment
	}
	return p.present(m)
}

// base is the slice that p[0] indexes.
func (p proto) base(m *Meta) []byte {
	switch p {
	case pEther, pLink:
		return m.Link
	case pIP, pIP6:
		return m.L3
	case pARP, pRARP:
		return arpBytes(m)
	}
	return m.L4
}

// arpBytes is the ARP/RARP header: Meta.L3 when the decoder filled it,
// else the bytes after the Ethernet header and VLAN tags.
func arpBytes(m *Meta) []byte {
	if m.IPVersion == 0 && len(m.L3) > 0 {
		return m.L3
	}
	if !m.HasEther {
		return nil
	}
	off := 14 + 4*len(m.VLANs)
	if off > len(m.Link) {
		return nil
	}
	return m.Link[off:]
}

type protoNode struct{ p proto }

func (n *protoNode) eval(m *Meta) result      { return res(n.p.present(m)) }
func (n *protoNode) write(b *strings.Builder) { b.WriteString(n.p.String()) }

// dir is the direction qualifier.
type dir uint8

const (
	dirAny    dir = iota // src or dst (the default)
	dirSrc               // src
	dirDst               // dst
	dirSrcDst            // src and dst
)

func (d dir) String() string {
	return [...]string{"", "src", "dst", "src and dst"}[d]
}

func (d dir) test(src, dst bool) bool {
	switch d {
	case dirSrc:
		return src
	case dirDst:
		return dst
	case dirSrcDst:
		return src && dst
	}
	return src || dst
}

func writeQual(b *strings.Builder, p proto, d dir) {
	if p != pNone {
		b.WriteString(p.String() + " ")
	}
	if d != dirAny {
		b.WriteString(d.String() + " ")
	}
}

// hostNode is "host" and "net": an address prefix tested against the IP
// source/destination or, for IPv4 without ip qualifier, ARP/RARP sender and
// target protocol addresses.
type hostNode struct {
	p      proto // pNone, pIP, pIP6, pARP, pRARP
	d      dir
	prefix netip.Prefix
	isNet  bool // written as "net"
}

func (n *hostNode) eval(m *Meta) result {
	if n.prefix.Addr().Is4() {
		if (n.p == pNone || n.p == pIP) && m.IPVersion == 4 {
			return res(n.d.test(n.prefix.Contains(m.Src.Unmap()), n.prefix.Contains(m.Dst.Unmap())))
		}
		if n.p == pNone && (m.EtherType == 0x0806 || m.EtherType == 0x8035) ||
			n.p == pARP && m.EtherType == 0x0806 || n.p == pRARP && m.EtherType == 0x8035 {
			a := arpBytes(m)
			if len(a) < 28 { // spa at 14, tpa at 24, as libpcap loads them
				return rReject
			}
			spa := netip.AddrFrom4([4]byte(a[14:18]))
			tpa := netip.AddrFrom4([4]byte(a[24:28]))
			return res(n.d.test(n.prefix.Contains(spa), n.prefix.Contains(tpa)))
		}
		return rFalse
	}
	if m.IPVersion != 6 {
		return rFalse
	}
	return res(n.d.test(n.prefix.Contains(m.Src), n.prefix.Contains(m.Dst)))
}

func (n *hostNode) write(b *strings.Builder) {
	writeQual(b, n.p, n.d)
	if n.isNet {
		b.WriteString("net " + n.prefix.String())
	} else {
		b.WriteString("host " + n.prefix.Addr().String())
	}
}

// etherHostNode is "ether host/src/dst MAC".
type etherHostNode struct {
	d   dir
	mac [6]byte
}

func (n *etherHostNode) eval(m *Meta) result {
	return res(m.HasEther && n.d.test(m.SrcMAC == n.mac, m.DstMAC == n.mac))
}

func (n *etherHostNode) write(b *strings.Builder) {
	writeQual(b, pEther, n.d)
	b.WriteString("host ")
	for i, x := range n.mac {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strconv.FormatUint(uint64(x)|0x100, 16)[1:])
	}
}

// portNode is "port" and "portrange".
type portNode struct {
	p       proto // pNone, pTCP, pUDP, pSCTP
	d       dir
	lo, hi  uint16
	isRange bool
}

func (n *portNode) eval(m *Meta) result { return res(n.match(m)) }

func (n *portNode) match(m *Meta) bool {
	if !m.HasPorts || m.Fragment {
		return false
	}
	if n.p == pNone && m.IPVersion != 4 && m.IPVersion != 6 || n.p != pNone && !n.p.present(m) {
		return false
	}
	switch m.Proto {
	case 6, 17, 132:
	default:
		return false
	}
	return n.d.test(n.lo <= m.SrcPort && m.SrcPort <= n.hi, n.lo <= m.DstPort && m.DstPort <= n.hi)
}

func (n *portNode) write(b *strings.Builder) {
	writeQual(b, n.p, n.d)
	if n.isRange {
		b.WriteString("portrange " + strconv.Itoa(int(n.lo)) + "-" + strconv.Itoa(int(n.hi)))
	} else {
		b.WriteString("port " + strconv.Itoa(int(n.lo)))
	}
}

// etherProtoNode is "ether proto N" (the innermost EtherType).
type etherProtoNode struct{ etype uint16 }

func (n *etherProtoNode) eval(m *Meta) result { return res(m.EtherType == n.etype) }
func (n *etherProtoNode) write(b *strings.Builder) {
	b.WriteString("ether proto " + strconv.Itoa(int(n.etype)))
}

// ipProtoNode is "ip proto N", "ip6 proto N" and "proto N" (p == pNone).
type ipProtoNode struct {
	p   proto
	num uint8
}

func (n *ipProtoNode) eval(m *Meta) result {
	switch n.p {
	case pIP:
		return res(m.IPVersion == 4 && m.Proto == n.num)
	case pIP6:
		return res(m.IPVersion == 6 && m.Proto == n.num)
	}
	return res((m.IPVersion == 4 || m.IPVersion == 6) && m.Proto == n.num)
}

func (n *ipProtoNode) write(b *strings.Builder) {
	writeQual(b, n.p, dirAny)
	b.WriteString("proto " + strconv.Itoa(int(n.num)))
}

// vlanNode is "vlan [id]". depth is the number of vlan primitives before it
// in the expression: as in libpcap, the second "vlan" looks at the second tag.
type vlanNode struct {
	depth int
	id    int // -1: any
}

func (n *vlanNode) eval(m *Meta) result {
	if n.depth >= len(m.VLANs) {
		return rFalse
	}
	return res(n.id < 0 || int(m.VLANs[n.depth]&0x0fff) == n.id)
}

func (n *vlanNode) write(b *strings.Builder) {
	b.WriteString("vlan")
	if n.id >= 0 {
		b.WriteString(" " + strconv.Itoa(n.id))
	}
}

// lenNode is "less N" (Length <= N) and "greater N" (Length >= N).
type lenNode struct {
	greater bool
	n       uint32
}

func (n *lenNode) eval(m *Meta) result {
	l := uint32(m.Length)
	if n.greater {
		return res(l >= n.n)
	}
	return res(l <= n.n)
}

func (n *lenNode) write(b *strings.Builder) {
	if n.greater {
		b.WriteString("greater ")
	} else {
		b.WriteString("less ")
	}
	b.WriteString(strconv.FormatUint(uint64(n.n), 10))
}

// castNode is broadcast and multicast.
type castKind uint8

const (
	etherBroadcast castKind = iota
	etherMulticast
	ipBroadcast
	ipMulticast
	ip6Multicast
)

type castNode struct{ k castKind }

func (n *castNode) eval(m *Meta) result { return res(n.match(m)) }

func (n *castNode) match(m *Meta) bool {
	switch n.k {
	case etherBroadcast:
		return m.HasEther && m.DstMAC == [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	case etherMulticast:
		return m.HasEther && m.DstMAC[0]&1 != 0
	case ipBroadcast:
		d := m.Dst.Unmap()
		return m.IPVersion == 4 && (d == netip.IPv4Unspecified() || d == netip.AddrFrom4([4]byte{255, 255, 255, 255}))
	case ipMulticast:
		return m.IPVersion == 4 && m.Dst.Unmap().Is4() && m.Dst.Unmap().As4()[0] >= 224
	case ip6Multicast:
		return m.IPVersion == 6 && m.Dst.Is6() && m.Dst.As16()[0] == 0xff
	}
	return false
}

func (n *castNode) write(b *strings.Builder) {
	b.WriteString([...]string{"ether broadcast", "ether multicast", "ip broadcast", "ip multicast", "ip6 multicast"}[n.k])
}

// relNode is "arith relop arith". protos lists the protocols of every
// accessor in it: when one is absent the relation is false, before any load.
type relNode struct {
	op     string
	l, r   arith
	protos []proto
}

func (n *relNode) eval(m *Meta) result {
	for _, p := range n.protos {
		if !p.loadable(m) {
			return rFalse
		}
	}
	a, ok := n.l.val(m)
	if !ok {
		return rReject
	}
	c, ok := n.r.val(m)
	if !ok {
		return rReject
	}
	switch n.op {
	case "=", "==":
		return res(a == c)
	case "!=":
		return res(a != c)
	case "<":
		return res(a < c)
	case "<=":
		return res(a <= c)
	case ">":
		return res(a > c)
	case ">=":
		return res(a >= c)
	}
	return rFalse
}

func (n *relNode) write(b *strings.Builder) {
	n.l.write(b)
	op := n.op
	if op == "==" {
		op = "="
	}
	b.WriteString(" " + op + " ")
	n.r.write(b)
}

// ---- arithmetic

type numExpr struct{ v uint32 }
type lenExpr struct{}
type negExpr struct{ x arith }
type binExpr struct {
	op   string
	l, r arith
}
type loadExpr struct {
	p    proto
	off  arith
	size int
}

func (n *numExpr) val(*Meta) (uint32, bool) { return n.v, true }
func (n *numExpr) write(b *strings.Builder) { b.WriteString(strconv.FormatUint(uint64(n.v), 10)) }

func (lenExpr) val(m *Meta) (uint32, bool) { return uint32(m.Length), true }
func (lenExpr) write(b *strings.Builder)   { b.WriteString("len") }

func (n *negExpr) val(m *Meta) (uint32, bool) {
	v, ok := n.x.val(m)
	return -v, ok
}

func (n *negExpr) write(b *strings.Builder) {
	b.WriteString("-")
	n.x.write(b)
}

func (n *binExpr) val(m *Meta) (uint32, bool) {
	a, ok := n.l.val(m)
	if !ok {
		return 0, false
	}
	c, ok := n.r.val(m)
	if !ok {
		return 0, false
	}
	return binop(n.op, a, c)
}

// binop computes a op c as BPF's 32-bit unsigned ALU does; false for a zero
// divisor (BPF rejects the packet).
func binop(op string, a, c uint32) (uint32, bool) {
	switch op {
	case "+":
		return a + c, true
	case "-":
		return a - c, true
	case "*":
		return a * c, true
	case "/":
		if c == 0 {
			return 0, false
		}
		return a / c, true
	case "%":
		if c == 0 {
			return 0, false
		}
		return a % c, true
	case "&":
		return a & c, true
	case "|":
		return a | c, true
	case "^":
		return a ^ c, true
	case "<<":
		if c >= 32 {
			return 0, true
		}
		return a << c, true
	case ">>":
		if c >= 32 {
			return 0, true
		}
		return a >> c, true
	}
	return 0, false
}

func (n *binExpr) write(b *strings.Builder) {
	b.WriteByte('(')
	n.l.write(b)
	b.WriteString(" " + n.op + " ")
	n.r.write(b)
	b.WriteByte(')')
}

func (n *loadExpr) val(m *Meta) (uint32, bool) {
	off, ok := n.off.val(m)
	if !ok {
		return 0, false
	}
	data := n.p.base(m)
	if uint64(off)+uint64(n.size) > uint64(len(data)) {
		return 0, false
	}
	var v uint32
	for _, x := range data[off : int(off)+n.size] {
		v = v<<8 | uint32(x)
	}
	return v, true
}

func (n *loadExpr) write(b *strings.Builder) {
	b.WriteString(n.p.String() + "[")
	n.off.write(b)
	b.WriteString(":" + strconv.Itoa(n.size) + "]")
}
