package filter

import (
	"errors"
	"fmt"
)

// BPFInstruction is one classic BPF instruction, laid out as struct
// sock_filter (linux/filter.h): the caller hands a slice of them to the
// kernel with SO_ATTACH_FILTER.
type BPFInstruction struct {
	Op     uint16
	Jt, Jf uint8
	K      uint32
}

// ErrNoBPF is wrapped by the error of EthernetBPF when a filter has no
// classic BPF form here; such a filter is applied by Match alone.
var ErrNoBPF = errors.New("no kernel (BPF) form")

// Classic BPF opcodes (linux/bpf_common.h).
const (
	bpfLD   = 0x00
	bpfLDX  = 0x01
	bpfST   = 0x02
	bpfALU  = 0x04
	bpfJMP  = 0x05
	bpfRET  = 0x06
	bpfMISC = 0x07

	bpfW = 0x00
	bpfH = 0x08
	bpfB = 0x10

	bpfIMM = 0x00
	bpfABS = 0x20
	bpfIND = 0x40
	bpfMEM = 0x60
	bpfLEN = 0x80
	bpfMSH = 0xa0

	bpfADD = 0x00
	bpfSUB = 0x10
	bpfMUL = 0x20
	bpfDIV = 0x30
	bpfOR  = 0x40
	bpfAND = 0x50
	bpfLSH = 0x60
	bpfRSH = 0x70
	bpfNEG = 0x80
	bpfMOD = 0x90
	bpfXOR = 0xa0

	bpfJA   = 0x00
	bpfJEQ  = 0x10
	bpfJGT  = 0x20
	bpfJGE  = 0x30
	bpfJSET = 0x40

	bpfK = 0x00
	bpfX = 0x08

	bpfTAX = 0x00

	// skfVLANPresent is SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT: Linux moves
	// VLAN tags out of the frame into metadata before filters run.
	skfVLANPresent = 0xfffff000 + 48

	acceptLen = 0x40000 // the return value that accepts a whole packet
	bpfMaxIns = 4096    // BPF_MAXINSNS
	bpfMemNum = 16      // BPF_MEMWORDS
	ethLen    = 14      // Ethernet header
)

// Labels that every program has.
const (
	lAccept = 0
	lReject = 1
)

type bpfIns struct {
	op     uint16
	k      uint32
	jt, jf int // labels, for conditional jumps; k is a label for ja
}

type bpfGen struct {
	ins    []bpfIns
	labels []int // label -> instruction index; -1 until bound
	depth  int   // scratch memory words in use
	err    error
}

func (g *bpfGen) label() int {
	g.labels = append(g.labels, -1)
	return len(g.labels) - 1
}

func (g *bpfGen) bind(l int) { g.labels[l] = len(g.ins) }

func (g *bpfGen) emit(op uint16, k uint32) { g.ins = append(g.ins, bpfIns{op: op, k: k}) }

func (g *bpfGen) jump(l int) { g.ins = append(g.ins, bpfIns{op: bpfJMP | bpfJA, k: uint32(l)}) }

// cond emits "if A op k goto t else goto f".
func (g *bpfGen) cond(op uint16, k uint32, t, f int) {
	g.ins = append(g.ins, bpfIns{op: bpfJMP | op | bpfK, k: k, jt: t, jf: f})
}

func (g *bpfGen) fail(format string, args ...any) {
	if g.err == nil {
		g.err = fmt.Errorf("%w: "+format, append([]any{ErrNoBPF}, args...)...)
	}
}

// EthernetBPF compiles the filter to classic BPF for frames that start
// with an Ethernet header, as Linux hands them to an AF_PACKET socket. The
// program accepts a superset of what Match accepts: frames it cannot judge
// exactly as Match does (VLAN-tagged frames, IP fragments, IPv6 with
// extension headers, frames too short for the headers) are accepted, so
// that Match, applied after it, decides. Filters with a part that has no
// BPF form here return an error wrapping ErrNoBPF.
func (f *Filter) EthernetBPF() ([]BPFInstruction, error) {
	g := &bpfGen{}
	g.label() // lAccept
	g.label() // lReject
	body := g.label()
	g.prelude(body)
	g.bind(body)
	g.node(f.root, lAccept, lReject)
	if g.err != nil {
		return nil, g.err
	}
	g.bind(lAccept)
	g.emit(bpfRET|bpfK, acceptLen)
	g.bind(lReject)
	g.emit(bpfRET|bpfK, 0)
	return g.assemble()
}

// prelude sends to accept the frames the body cannot judge as Match does,
// and the rest to body.
func (g *bpfGen) prelude(body int) {
	g.emit(bpfLD|bpfW|bpfABS, skfVLANPresent)
	g.acceptUnless(bpfJEQ, 0)
	// Frames too short for the headers the prelude reads go to Match.
	g.emit(bpfLD|bpfW|bpfLEN, 0)
	g.acceptUnless(bpfJGE, ethLen)
	g.emit(bpfLD|bpfH|bpfABS, 12)
	for _, vt := range []uint32{0x8100, 0x88a8, 0x9100} {
		g.acceptIf(bpfJEQ, vt)
	}
	v4, v6, l2 := g.label(), g.label(), g.label()
	g.cond(bpfJEQ, 0x0800, v4, l2)
	g.bind(l2)
	g.cond(bpfJEQ, 0x86dd, v6, body)
	// IPv4: a whole header, a good version, and not a fragment.
	g.bind(v4)
	g.ipHeader(20, 4)
	g.emit(bpfLD|bpfH|bpfABS, ethLen+6)
	g.cond(bpfJSET, 0x3fff, lAccept, body)
	// IPv6: a whole header, a good version, and no extension header.
	g.bind(v6)
	g.ipHeader(40, 6)
	g.emit(bpfLD|bpfB|bpfABS, ethLen+6)
	for _, nh := range []uint32{0, 43, 44, 51, 60, 135, 139, 140, 253, 254} {
		g.acceptIf(bpfJEQ, nh)
	}
	g.jump(body)
}

// ipHeader sends to accept the frames too short for an IP header of n
// bytes after the Ethernet header, or whose IP version is not version.
func (g *bpfGen) ipHeader(n, version uint32) {
	g.emit(bpfLD|bpfW|bpfLEN, 0)
	g.acceptUnless(bpfJGE, ethLen+n)
	g.emit(bpfLD|bpfB|bpfABS, ethLen)
	g.emit(bpfALU|bpfAND|bpfK, 0xf0)
	g.acceptUnless(bpfJEQ, version<<4)
}

// acceptIf sends the frame to accept if A op k holds, and goes on with the
// next instruction if not.
func (g *bpfGen) acceptIf(op uint16, k uint32) {
	l := g.label()
	g.cond(op, k, lAccept, l)
	g.bind(l)
}

// acceptUnless goes on with the next instruction if A op k holds, and
// sends the frame to accept if not.
func (g *bpfGen) acceptUnless(op uint16, k uint32) {
	l := g.label()
	g.cond(op, k, l, lAccept)
	g.bind(l)
}

// assemble resolves labels to relative jumps.
func (g *bpfGen) assemble() ([]BPFInstruction, error) {
	if len(g.ins) > bpfMaxIns {
		return nil, fmt.Errorf("%w: %d instructions, over the kernel's %d", ErrNoBPF, len(g.ins), bpfMaxIns)
	}
	out := make([]BPFInstruction, len(g.ins))
	rel := func(i, l int) (int, error) {
		to := g.labels[l]
		if to < 0 {
			return 0, fmt.Errorf("internal error: unbound label %d", l)
		}
		d := to - i - 1
		if d < 0 {
			return 0, fmt.Errorf("internal error: backward jump")
		}
		return d, nil
	}
	for i, in := range g.ins {
		out[i] = BPFInstruction{Op: in.op, K: in.k}
		if in.op&0x07 != bpfJMP {
			continue
		}
		if in.op&0xf0 == bpfJA {
			d, err := rel(i, int(in.k))
			if err != nil {
				return nil, err
			}
			out[i].K = uint32(d)
			continue
		}
		dt, err := rel(i, in.jt)
		if err != nil {
			return nil, err
		}
		df, err := rel(i, in.jf)
		if err != nil {
			return nil, err
		}
		if dt > 255 || df > 255 {
			return nil, fmt.Errorf("%w: a jump is too long for classic BPF", ErrNoBPF)
		}
		out[i].Jt, out[i].Jf = uint8(dt), uint8(df)
	}
	return out, nil
}

// node emits code that goes to t when n is true and to f when it is false.
func (g *bpfGen) node(n node, t, f int) {
	if g.err != nil {
		return
	}
	switch n := n.(type) {
	case trueNode:
		g.jump(t)
	case *andNode:
		mid := g.label()
		g.node(n.l, mid, f)
		g.bind(mid)
		g.node(n.r, t, f)
	case *orNode:
		mid := g.label()
		g.node(n.l, t, mid)
		g.bind(mid)
		g.node(n.r, t, f)
	case *notNode:
		g.node(n.x, f, t)
	case *protoNode:
		g.present(n.p, t, f)
	case *hostNode:
		g.host(n, t, f)
	case *etherHostNode:
		g.dirTest(n.d, t, f, func(src bool, t, f int) {
			off := uint32(0)
			if src {
				off = 6
			}
			g.bytesEq(off, n.mac[:], t, f)
		})
	case *portNode:
		g.port(n, t, f)
	case *etherProtoNode:
		g.emit(bpfLD|bpfH|bpfABS, 12)
		g.cond(bpfJEQ, uint32(n.etype), t, f)
	case *ipProtoNode:
		switch n.p {
		case pIP:
			g.ipProto(4, n.num, t, f)
		case pIP6:
			g.ipProto(6, n.num, t, f)
		default:
			mid := g.label()
			g.ipProto(4, n.num, t, mid)
			g.bind(mid)
			g.ipProto(6, n.num, t, f)
		}
	case *vlanNode:
		g.jump(f) // tagged frames never get past the prelude
	case *lenNode:
		g.emit(bpfLD|bpfW|bpfLEN, 0)
		if n.greater {
			g.cond(bpfJGE, n.n, t, f)
		} else {
			g.cond(bpfJGT, n.n, f, t)
		}
	case *castNode:
		g.cast(n.k, t, f)
	case *relNode:
		g.rel(n, t, f)
	default:
		g.fail("%T", n)
	}
}

// etherIs goes to t when the EtherType is et.
func (g *bpfGen) etherIs(et uint32, t, f int) {
	g.emit(bpfLD|bpfH|bpfABS, 12)
	g.cond(bpfJEQ, et, t, f)
}

// ipProto: IPv4 (v 4) or IPv6 (v 6) with protocol num.
func (g *bpfGen) ipProto(v int, num uint8, t, f int) {
	mid := g.label()
	if v == 4 {
		g.etherIs(0x0800, mid, f)
		g.bind(mid)
		g.emit(bpfLD|bpfB|bpfABS, ethLen+9)
	} else {
		g.etherIs(0x86dd, mid, f)
		g.bind(mid)
		g.emit(bpfLD|bpfB|bpfABS, ethLen+6)
	}
	g.cond(bpfJEQ, uint32(num), t, f)
}

func (g *bpfGen) present(p proto, t, f int) {
	switch p {
	case pEther, pLink:
		g.jump(t)
	case pIP:
		g.etherIs(0x0800, t, f)
	case pIP6:
		g.etherIs(0x86dd, t, f)
	case pARP:
		g.etherIs(0x0806, t, f)
	case pRARP:
		g.etherIs(0x8035, t, f)
	case pTCP, pUDP, pSCTP:
		mid := g.label()
		g.ipProto(4, p.ipProtoNum(), t, mid)
		g.bind(mid)
		g.ipProto(6, p.ipProtoNum(), t, f)
	case pICMP, pIGMP:
		g.ipProto(4, p.ipProtoNum(), t, f)
	case pICMP6:
		g.ipProto(6, 58, t, f)
	default:
		g.fail("protocol %v", p)
	}
}

// dirTest combines a test of the source and one of the destination as the
// direction qualifier says.
func (g *bpfGen) dirTest(d dir, t, f int, test func(src bool, t, f int)) {
	switch d {
	case dirSrc:
		test(true, t, f)
	case dirDst:
		test(false, t, f)
	case dirSrcDst:
		mid := g.label()
		test(true, mid, f)
		g.bind(mid)
		test(false, t, f)
	default:
		mid := g.label()
		test(true, t, mid)
		g.bind(mid)
		test(false, t, f)
	}
}

// bytesEq compares the frame bytes at off with want, masked by mask (nil:
// all bits), in words, half-words and bytes.
func (g *bpfGen) bytesEq(off uint32, want []byte, t, f int) {
	g.maskedEq(off, want, nil, t, f)
}

func (g *bpfGen) maskedEq(off uint32, want, mask []byte, t, f int) {
	i := 0
	for i < len(want) {
		n, size := 4, uint16(bpfW)
		switch {
		case len(want)-i >= 4:
		case len(want)-i >= 2:
			n, size = 2, bpfH
		default:
			n, size = 1, bpfB
		}
		var v, m uint32
		for j := range n {
			v = v<<8 | uint32(want[i+j])
			mb := byte(0xff)
			if mask != nil {
				mb = mask[i+j]
			}
			m = m<<8 | uint32(mb)
		}
		full := uint32(1)<<(8*n) - 1
		if n == 4 {
			full = 0xffffffff
		}
		if m != 0 {
			g.emit(bpfLD|size|bpfABS, off+uint32(i))
			if m != full {
				g.emit(bpfALU|bpfAND|bpfK, m)
			}
			next := g.label()
			last := true
			for k := i + n; k < len(want); k++ {
				if mask == nil || mask[k] != 0 {
					last = false
				}
			}
			if last {
				g.cond(bpfJEQ, v&m, t, f)
				return
			}
			g.cond(bpfJEQ, v&m, next, f)
			g.bind(next)
		}
		i += n
	}
	g.jump(t) // nothing to compare
}

func (g *bpfGen) host(n *hostNode, t, f int) {
	a := n.prefix.Addr()
	bits := n.prefix.Bits()
	mask := func(size int) []byte {
		m := make([]byte, size)
		for i := range m {
			switch b := bits - 8*i; {
			case b >= 8:
				m[i] = 0xff
			case b > 0:
				m[i] = byte(0xff << (8 - b))
			}
		}
		return m
	}
	if !a.Is4() {
		want := a.As16()
		mid := g.label()
		g.etherIs(0x86dd, mid, f)
		g.bind(mid)
		g.dirTest(n.d, t, f, func(src bool, t, f int) {
			off := uint32(ethLen + 24)
			if src {
				off = ethLen + 8
			}
			g.maskedEq(off, want[:], mask(16), t, f)
		})
		return
	}
	want := a.As4()
	test := func(srcOff, dstOff uint32) func(bool, int, int) {
		return func(src bool, t, f int) {
			off := dstOff
			if src {
				off = srcOff
			}
			g.maskedEq(off, want[:], mask(4), t, f)
		}
	}
	ip := func(t, f int) {
		mid := g.label()
		g.etherIs(0x0800, mid, f)
		g.bind(mid)
		g.dirTest(n.d, t, f, test(ethLen+12, ethLen+16))
	}
	arp := func(et uint32, t, f int) {
		mid := g.label()
		g.etherIs(et, mid, f)
		g.bind(mid)
		// spa at 14 and tpa at 24 of the ARP header, as Match loads them;
		// a frame too short for both is rejected by the first load of tpa.
		g.emit(bpfLD|bpfW|bpfABS, ethLen+24)
		g.dirTest(n.d, t, f, test(ethLen+14, ethLen+24))
	}
	switch n.p {
	case pIP:
		ip(t, f)
	case pARP:
		arp(0x0806, t, f)
	case pRARP:
		arp(0x8035, t, f)
	default:
		m1, m2 := g.label(), g.label()
		ip(t, m1)
		g.bind(m1)
		arp(0x0806, t, m2)
		g.bind(m2)
		arp(0x8035, t, f)
	}
}

func (g *bpfGen) port(n *portNode, t, f int) {
	protos := []uint32{6, 17} // the decoder gives ports for TCP and UDP only
	switch n.p {
	case pTCP:
		protos = []uint32{6}
	case pUDP:
		protos = []uint32{17}
	case pSCTP:
		g.jump(f)
		return
	}
	inRange := func(t, f int) {
		if n.lo == n.hi {
			g.cond(bpfJEQ, uint32(n.lo), t, f)
			return
		}
		mid := g.label()
		g.cond(bpfJGE, uint32(n.lo), mid, f)
		g.bind(mid)
		g.cond(bpfJGT, uint32(n.hi), f, t)
	}
	// protoIs goes to ok when A is one of protos.
	protoIs := func(ok, f int) {
		for i, p := range protos {
			if i == len(protos)-1 {
				g.cond(bpfJEQ, p, ok, f)
				break
			}
			next := g.label()
			g.cond(bpfJEQ, p, ok, next)
			g.bind(next)
		}
	}
	v6, chk4, ok4, chk6, ok6 := g.label(), g.label(), g.label(), g.label(), g.label()
	// IPv4 (never a fragment here: the prelude let none through).
	g.etherIs(0x0800, chk4, v6)
	g.bind(chk4)
	g.emit(bpfLD|bpfB|bpfABS, ethLen+9)
	protoIs(ok4, f)
	g.bind(ok4)
	g.dirTest(n.d, t, f, func(src bool, t, f int) {
		off := uint32(ethLen + 2)
		if src {
			off = ethLen
		}
		g.emit(bpfLDX|bpfB|bpfMSH, ethLen)
		g.emit(bpfLD|bpfH|bpfIND, off)
		inRange(t, f)
	})
	// IPv6 (without extension headers here).
	g.bind(v6)
	g.etherIs(0x86dd, chk6, f)
	g.bind(chk6)
	g.emit(bpfLD|bpfB|bpfABS, ethLen+6)
	protoIs(ok6, f)
	g.bind(ok6)
	g.dirTest(n.d, t, f, func(src bool, t, f int) {
		off := uint32(ethLen + 40 + 2)
		if src {
			off = ethLen + 40
		}
		g.emit(bpfLD|bpfH|bpfABS, off)
		inRange(t, f)
	})
}

func (g *bpfGen) cast(k castKind, t, f int) {
	switch k {
	case etherBroadcast:
		g.bytesEq(0, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, t, f)
	case etherMulticast:
		g.emit(bpfLD|bpfB|bpfABS, 0)
		g.cond(bpfJSET, 1, t, f)
	case ipBroadcast:
		mid, other := g.label(), g.label()
		g.etherIs(0x0800, mid, f)
		g.bind(mid)
		g.emit(bpfLD|bpfW|bpfABS, ethLen+16)
		g.cond(bpfJEQ, 0, t, other)
		g.bind(other)
		g.cond(bpfJEQ, 0xffffffff, t, f)
	case ipMulticast:
		mid := g.label()
		g.etherIs(0x0800, mid, f)
		g.bind(mid)
		g.emit(bpfLD|bpfB|bpfABS, ethLen+16)
		g.cond(bpfJGE, 224, t, f)
	case ip6Multicast:
		mid := g.label()
		g.etherIs(0x86dd, mid, f)
		g.bind(mid)
		g.emit(bpfLD|bpfB|bpfABS, ethLen+24)
		g.cond(bpfJEQ, 0xff, t, f)
	default:
		g.fail("cast %d", k)
	}
}

// loadable emits the test of proto.loadable: p[] can be read.
func (g *bpfGen) loadable(p proto, t, f int) {
	switch p {
	case pTCP, pUDP, pSCTP, pICMP, pIGMP:
		g.ipProto(4, p.ipProtoNum(), t, f) // no fragments get here
	case pICMP6:
		g.ipProto(6, 58, t, f)
	default:
		g.present(p, t, f)
	}
}

var bpfALUOps = map[string]uint16{
	"+": bpfADD, "-": bpfSUB, "*": bpfMUL, "/": bpfDIV, "%": bpfMOD,
	"&": bpfAND, "|": bpfOR, "^": bpfXOR, "<<": bpfLSH, ">>": bpfRSH,
}

func (g *bpfGen) rel(n *relNode, t, f int) {
	for _, p := range n.protos {
		next := g.label()
		g.loadable(p, next, f)
		g.bind(next)
	}
	// Both sides are evaluated (and any load past the end rejects), as
	// in Match.
	if !g.operands(n.l, n.r) {
		return
	}
	x := func(op uint16, t, f int) {
		g.ins = append(g.ins, bpfIns{op: bpfJMP | op | bpfX, jt: t, jf: f})
	}
	switch n.op {
	case "=", "==":
		x(bpfJEQ, t, f)
	case "!=":
		x(bpfJEQ, f, t)
	case ">":
		x(bpfJGT, t, f)
	case ">=":
		x(bpfJGE, t, f)
	case "<":
		x(bpfJGE, f, t)
	case "<=":
		x(bpfJGT, f, t)
	default:
		g.fail("relation %q", n.op)
	}
}

// operands emits code that leaves the value of l in A and that of r in X,
// r evaluated first and kept in a scratch memory slot meanwhile; false
// when the expression is too deep for the slots.
func (g *bpfGen) operands(l, r arith) bool {
	g.arith(r)
	if g.depth >= bpfMemNum {
		g.fail("expression too deep")
		return false
	}
	slot := uint32(g.depth)
	g.depth++
	g.emit(bpfST, slot)
	g.arith(l)
	g.depth--
	g.emit(bpfLDX|bpfW|bpfMEM, slot)
	return true
}

// arith emits code that leaves the value of a in A.
func (g *bpfGen) arith(a arith) {
	if g.err != nil {
		return
	}
	switch a := a.(type) {
	case *numExpr:
		g.emit(bpfLD|bpfIMM, a.v)
	case lenExpr, *lenExpr:
		g.emit(bpfLD|bpfW|bpfLEN, 0)
	case *negExpr:
		g.arith(a.x)
		g.emit(bpfALU|bpfNEG, 0)
	case *binExpr:
		op, ok := bpfALUOps[a.op]
		if !ok {
			g.fail("operator %q", a.op)
			return
		}
		if c, ok := a.r.(*numExpr); ok {
			g.arith(a.l)
			switch {
			case (op == bpfDIV || op == bpfMOD) && c.v == 0:
				g.fail("division by zero") // the kernel refuses the program
			case (op == bpfLSH || op == bpfRSH) && c.v >= 32:
				g.emit(bpfLD|bpfIMM, 0)
			default:
				g.emit(bpfALU|op|bpfK, c.v)
			}
			return
		}
		if op == bpfLSH || op == bpfRSH {
			g.fail("shift by a variable") // BPF and Match differ past 31
			return
		}
		if !g.operands(a.l, a.r) {
			return
		}
		g.emit(bpfALU|op|bpfX, 0)
	case *loadExpr:
		g.load(a)
	default:
		g.fail("%T", a)
	}
}

func (g *bpfGen) load(a *loadExpr) {
	var size uint16
	switch a.size {
	case 1:
		size = bpfB
	case 2:
		size = bpfH
	case 4:
		size = bpfW
	default:
		g.fail("load size %d", a.size)
		return
	}
	var base uint32
	transport := false
	switch a.p {
	case pEther, pLink:
	case pIP, pIP6, pARP, pRARP:
		base = ethLen
	case pTCP, pUDP, pSCTP, pICMP, pIGMP:
		transport = true
	case pICMP6:
		base = ethLen + 40
	default:
		g.fail("load from %v", a.p)
		return
	}
	if c, ok := a.off.(*numExpr); ok && uint64(c.v)+uint64(base) < 1<<31 {
		if transport {
			g.emit(bpfLDX|bpfB|bpfMSH, ethLen)
			g.emit(bpfLD|size|bpfIND, ethLen+c.v)
		} else {
			g.emit(bpfLD|size|bpfABS, base+c.v)
		}
		return
	}
	g.arith(a.off)
	if transport {
		if g.depth >= bpfMemNum {
			g.fail("expression too deep")
			return
		}
		slot := uint32(g.depth)
		g.emit(bpfST, slot)
		g.emit(bpfLDX|bpfB|bpfMSH, ethLen)
		g.emit(bpfLD|bpfW|bpfMEM, slot)
		g.emit(bpfALU|bpfADD|bpfX, 0)
		base = ethLen
	}
	g.emit(bpfMISC|bpfTAX, 0)
	g.emit(bpfLD|size|bpfIND, base)
}
