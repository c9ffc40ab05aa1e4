package capture

import (
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/ip4defrag"
	"github.com/gopacket/gopacket/ip6defrag"
	"github.com/gopacket/gopacket/layers"

	"github.com/ssldissect/ssldissect/capture/filter"
)

// Link types that carry a bare IP packet. 12 and 14 are DLT_RAW as some
// BSDs number it, found in old pcap files.
const (
	linkRawBSD12 layers.LinkType = 12
	linkRawBSD14 layers.LinkType = 14
)

// Caps on the memory held by the fragment reassemblers: past fragHeldMax
// bytes of fragments waiting for their datagram, everything waiting is
// dropped. Every fragExpireEvery fragments, IPv4 datagrams older than
// fragTimeout (in packet time) are dropped.
const (
	fragHeldMax     = 64 << 20
	fragExpireEvery = 1024
	fragTimeout     = 60 * time.Second
)

// vlanLayer decodes an 802.1Q or 802.1ad tag and remembers its VLAN ID, so
// that a stack of tags, decoded by the one reused layer, leaves all IDs.
type vlanLayer struct {
	layers.Dot1Q
	ids []uint16
}

func (v *vlanLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if err := v.Dot1Q.DecodeFromBytes(data, df); err != nil {
		return err
	}
	v.ids = append(v.ids, v.VLANIdentifier)
	return nil
}

// decoder decodes frames to the TCP layer with reused layer structs, and
// reassembles IP fragments.
type decoder struct {
	// direct counts the frames the direct decoder (fast.go) took.
	direct uint64
	eth    layers.Ethernet
	vlan   vlanLayer
	sll    layers.LinuxSLL
	sll2   layers.LinuxSLL2
	loop   layers.Loopback
	ip4    ip4Layer
	ip6    ip6Layer
	ext    ip6ExtLayer
	frag6  ip6FragLayer
	tcp    layers.TCP
	udp    layers.UDP

	all     []gopacket.DecodingLayer
	known   gopacket.LayerClass // what all decodes (fast.go)
	noFast  bool                // tests: gopacket's parser for every frame
	parsers map[gopacket.LayerType]*gopacket.DecodingLayerParser
	decoded []gopacket.LayerType

	// Results of the last decode. meta describes the outer headers (what
	// the filter sees); inner is the level being decoded inside a tunnel.
	meta        filter.Meta
	inner       filter.Meta
	bad         bool // a header was malformed or cut short
	unsupported bool // the link type is not one we decode
	ipVersion   uint8
	tcpOK       bool
	udpOK       bool
	net         gopacket.Flow

	ip4d      *ip4defrag.IPv4Defragmenter
	ip6d      *ip6defrag.IPv6Defragmenter
	fragHeld  int
	fragCap   int // fragHeldMax; smaller in tests
	fragCount uint64
}

func newDecoder() *decoder {
	d := &decoder{parsers: make(map[gopacket.LayerType]*gopacket.DecodingLayerParser), fragCap: fragHeldMax}
	// The extension skipper comes before the fragment layer, which takes
	// the fragment header type over from it.
	d.all = []gopacket.DecodingLayer{&d.eth, &d.vlan, &d.sll, &d.sll2, &d.loop,
		&d.ip4, &d.ip6, &d.ext, &d.frag6, &d.tcp, &d.udp}
	d.known = knownTypes(d.all)
	d.newDefrag()
	return d
}

func (d *decoder) newDefrag() {
	d.ip4d = ip4defrag.NewIPv4Defragmenter()
	d.ip6d = ip6defrag.NewIPv6Defragmenter()
	d.fragHeld = 0
}

// parser returns the parser that starts at first; all of them share the
// decoder's layers.
func (d *decoder) parser(first gopacket.LayerType) *gopacket.DecodingLayerParser {
	p, ok := d.parsers[first]
	if !ok {
		p = gopacket.NewDecodingLayerParser(first, d.all...)
		p.IgnoreUnsupported = true // payloads we don't decode are no error
		d.parsers[first] = p
	}
	return p
}

// firstLayer maps a link type to the layer its frames start with.
func firstLayer(link layers.LinkType, data []byte) (first gopacket.LayerType, ok bool) {
	switch link {
	case layers.LinkTypeEthernet:
		return layers.LayerTypeEthernet, true
	case layers.LinkTypeLinuxSLL:
		return layers.LayerTypeLinuxSLL, true
	case layers.LinkTypeLinuxSLL2:
		return layers.LayerTypeLinuxSLL2, true
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return layers.LayerTypeLoopback, true
	case layers.LinkTypeIPv4:
		return layers.LayerTypeIPv4, true
	case layers.LinkTypeIPv6:
		return layers.LayerTypeIPv6, true
	case layers.LinkTypeRaw, linkRawBSD12, linkRawBSD14:
		if len(data) == 0 {
			return gopacket.LayerTypeZero, true
		}
		switch data[0] >> 4 {
		case 4:
			return layers.LayerTypeIPv4, true
		case 6:
			return layers.LayerTypeIPv6, true
		}
		return gopacket.LayerTypeZero, true
	}
	return gopacket.LayerTypeZero, false
}

// pppPayload is the IPv4 or IPv6 packet of a PPP frame, or nothing when
// it carries another protocol.
func pppPayload(b []byte) []byte {
	if len(b) >= 2 && b[0] == 0xff && b[1] == 0x03 {
		b = b[2:]
	}
	var proto uint16
	switch {
	case len(b) >= 1 && b[0]&1 == 1: // a compressed one-byte protocol
		proto, b = uint16(b[0]), b[1:]
	case len(b) >= 2:
		proto, b = uint16(b[0])<<8|uint16(b[1]), b[2:]
	default:
		return nil
	}
	if proto != 0x21 && proto != 0x57 {
		return nil
	}
	return b
}

// decode decodes one frame, fills d.meta and the results, and counts
// into st what it finds.
func (d *decoder) decode(link layers.LinkType, data []byte, ci gopacket.CaptureInfo, st *Stats) {
	d.bad = false
	d.decodeFrame(link, data, ci, st)
	if d.bad {
		st.DecodeErrs++
	}
}

func (d *decoder) decodeFrame(link layers.LinkType, data []byte, ci gopacket.CaptureInfo, st *Stats) {
	d.vlan.ids = d.vlan.ids[:0]
	d.meta = filter.Meta{Link: data, Length: ci.Length}
	d.unsupported, d.ipVersion, d.tcpOK, d.udpOK, d.net = false, 0, false, false, gopacket.Flow{}

	if link == layers.LinkTypePPP {
		// PPP in HDLC-like framing (RFC 1662): the address and control
		// bytes (0xff 0x03) may be left out, the protocol field be one
		// byte (RFC 1661 6.5); IPv4 (0x21) and IPv6 (0x57) are read on.
		data = pppPayload(data)
		link = layers.LinkTypeRaw
	}
	first, ok := firstLayer(link, data)
	if !ok {
		d.unsupported = true
		st.NonIP++
		return
	}
	if first == gopacket.LayerTypeZero {
		st.NonIP++
		return
	}
	if first == layers.LayerTypeIPv4 || first == layers.LayerTypeIPv6 {
		d.meta.L3 = data
	}
	var err error
	var frag4, frag6 bool
	if d.fast(first, data) {
		d.direct++
	} else {
		err = d.parser(first).DecodeLayers(data, &d.decoded)
		frag4, frag6 = d.walk(&d.meta, d.decoded)
	}
	if len(d.vlan.ids) > 0 {
		d.meta.VLANs = d.vlan.ids
	}
	if err != nil {
		d.bad = true
	}
	switch d.ipVersion {
	case 0:
		st.NonIP++
		return
	case 4:
		d.meta.EtherType = uint16(layers.EthernetTypeIPv4)
	case 6:
		d.meta.EtherType = uint16(layers.EthernetTypeIPv6)
	}
	if (frag4 || frag6) && !d.defrag(&d.meta, frag4, frag6, ci, st) {
		return
	}
	d.decapsulate(ci, st)
}

// defrag feeds the fragment just decoded at level m to the reassembler,
// and reports whether it completed a datagram, whose transport is then
// decoded into m.
func (d *decoder) defrag(m *filter.Meta, frag4, frag6 bool, ci gopacket.CaptureInfo, st *Stats) bool {
	st.Fragments++
	// A first fragment shows its transport header to the filter, but
	// carries no TCP segment until its datagram is whole.
	if !m.Fragment && m.L4 != nil {
		d.transport(m, m.L4)
		d.tcpOK, d.udpOK = false, false
	}
	d.fragCount++
	if d.fragCount%fragExpireEvery == 0 {
		d.ip4d.DiscardOlderThan(ci.Timestamp.Add(-fragTimeout))
	}
	if frag4 {
		return d.defrag4(m, ci.Timestamp, st)
	}
	return d.defrag6(m, st)
}

// walk reads the decoded layers into m and the results. It reports
// whether the packet is an IPv4 or an IPv6 fragment.
func (d *decoder) walk(m *filter.Meta, decoded []gopacket.LayerType) (frag4, frag6 bool) {
	for _, typ := range decoded {
		switch typ {
		case layers.LayerTypeEthernet:
			m.HasEther = true
			copy(m.SrcMAC[:], d.eth.SrcMAC)
			copy(m.DstMAC[:], d.eth.DstMAC)
			m.EtherType = uint16(d.eth.EthernetType)
			m.L3 = d.eth.Payload
		case layers.LayerTypeDot1Q:
			m.EtherType = uint16(d.vlan.Type)
			m.L3 = d.vlan.Payload
		case layers.LayerTypeLinuxSLL:
			m.EtherType = uint16(d.sll.EthernetType)
			m.L3 = d.sll.Payload
		case layers.LayerTypeLinuxSLL2:
			m.EtherType = uint16(d.sll2.ProtocolType)
			m.L3 = d.sll2.Payload
		case layers.LayerTypeLoopback:
			m.L3 = d.loop.Payload
		case layers.LayerTypeIPv4:
			ip := &d.ip4
			d.ipVersion, m.IPVersion = 4, 4
			m.Src, _ = netip.AddrFromSlice(ip.SrcIP)
			m.Dst, _ = netip.AddrFromSlice(ip.DstIP)
			d.net = ip.NetworkFlow()
			m.Proto = uint8(ip.Protocol)
			m.L4 = ip.Payload
			if ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0 {
				frag4 = true
				if ip.FragOffset != 0 {
					m.Fragment, m.L4 = true, nil
				}
			}
		case layers.LayerTypeIPv6:
			ip := &d.ip6
			d.ipVersion, m.IPVersion = 6, 6
			m.Src, _ = netip.AddrFromSlice(ip.SrcIP)
			m.Dst, _ = netip.AddrFromSlice(ip.DstIP)
			d.net = ip.NetworkFlow()
			m.Proto = uint8(ip.NextHeader)
			if ip.HopByHop != nil {
				m.Proto = uint8(ip.HopByHop.NextHeader)
			}
			m.L4 = ip.Payload
		case layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination, layers.LayerTypeIPv6HopByHop:
			m.Proto = uint8(d.ext.NextHeader)
			m.L4 = d.ext.Payload
		case layers.LayerTypeIPv6Fragment:
			m.Proto = uint8(d.frag6.NextHeader)
			m.L4 = d.frag6.Payload
			if d.frag6.FragmentOffset != 0 || d.frag6.MoreFragments {
				frag6 = true
				if d.frag6.FragmentOffset != 0 {
					m.Fragment, m.L4 = true, nil
				}
			}
		case layers.LayerTypeTCP:
			t := &d.tcp
			d.tcpOK = true
			m.HasPorts, m.SrcPort, m.DstPort = true, uint16(t.SrcPort), uint16(t.DstPort)
			m.TCPFlags = tcpFlags(t)
		case layers.LayerTypeUDP:
			d.udpOK = true
			m.HasPorts, m.SrcPort, m.DstPort = true, uint16(d.udp.SrcPort), uint16(d.udp.DstPort)
		}
	}
	return frag4, frag6
}

// transport decodes the transport header (and any IPv6 extension headers
// before it) of data, whose protocol is m.Proto, into m. An IP packet in IP
// is left to decapsulate.
func (d *decoder) transport(m *filter.Meta, data []byte) {
	first := layers.IPProtocol(m.Proto).LayerType()
	if stopAtIP(first) == gopacket.LayerTypeZero {
		return
	}
	if err := d.parser(first).DecodeLayers(data, &d.decoded); err != nil {
		return
	}
	d.walk(m, d.decoded)
}

func tcpFlags(t *layers.TCP) uint8 {
	var f uint8
	for _, b := range []struct {
		set bool
		bit uint8
	}{
		{t.FIN, filter.TCPFlagFIN}, {t.SYN, filter.TCPFlagSYN}, {t.RST, filter.TCPFlagRST},
		{t.PSH, filter.TCPFlagPSH}, {t.ACK, filter.TCPFlagACK}, {t.URG, filter.TCPFlagURG},
		{t.ECE, filter.TCPFlagECE}, {t.CWR, filter.TCPFlagCWR},
	} {
		if b.set {
			f |= b.bit
		}
	}
	return f
}

// hold accounts for n more bytes waiting in the reassemblers, and drops
// everything waiting when that passes the cap.
func (d *decoder) hold(n int, st *Stats) {
	d.fragHeld += n
	if d.fragHeld > d.fragCap {
		st.FragDropped++
		d.newDefrag()
	}
}

// defrag4 feeds the current IPv4 fragment to the reassembler; when it
// completes a datagram, the transport layer is decoded from that into m.
func (d *decoder) defrag4(m *filter.Meta, ts time.Time, st *Stats) (whole bool) {
	defer func() {
		if recover() != nil { // never let a reassembler bug take the run down
			st.FragDropped++
			d.newDefrag()
			whole = false
		}
	}()
	// The reassembler keeps the layer and its payload: give it a copy.
	b := make([]byte, 0, len(d.ip4.Contents)+len(d.ip4.Payload))
	b = append(append(b, d.ip4.Contents...), d.ip4.Payload...)
	ip := new(layers.IPv4)
	if err := ip.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
		st.FragDropped++
		return false
	}
	d.hold(len(b), st)
	out, err := d.ip4d.DefragIPv4WithTimestamp(ip, ts)
	if err != nil {
		st.FragDropped++
		return false
	}
	if out == nil {
		return false
	}
	d.reassembled(m, st, uint8(out.Protocol), out.Payload)
	return true
}

// defrag6 is defrag4 for IPv6.
func (d *decoder) defrag6(m *filter.Meta, st *Stats) (whole bool) {
	defer func() {
		if recover() != nil {
			st.FragDropped++
			d.newDefrag()
			whole = false
		}
	}()
	l3 := m.L3
	if n := 40 + int(d.ip6.Length); d.ip6.Length != 0 && n < len(l3) {
		l3 = l3[:n]
	}
	p := gopacket.NewPacket(append([]byte(nil), l3...), layers.LayerTypeIPv6, gopacket.NoCopy)
	ip, _ := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
	fg, _ := p.Layer(layers.LayerTypeIPv6Fragment).(*layers.IPv6Fragment)
	if ip == nil || fg == nil {
		st.FragDropped++
		return false
	}
	d.hold(len(l3), st)
	out := d.ip6d.DefragIPv6(ip, fg)
	if out == nil {
		return false
	}
	d.reassembled(m, st, uint8(out.NextHeader), out.Payload)
	return true
}

// reassembled hands the transport layer of a datagram rebuilt from
// fragments on, and releases what its fragments held.
func (d *decoder) reassembled(m *filter.Meta, st *Stats, proto uint8, payload []byte) {
	d.fragHeld = max(0, d.fragHeld-len(payload))
	st.Reassembled++
	m.Fragment, m.Proto, m.L4 = false, proto, payload
	d.transport(m, payload)
}
