package capture

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// The direct decoder: the frames of nearly every capture are Ethernet
// (with or without VLAN tags) or raw IP, carrying an IPv4 header without
// options or an IPv6 header without extension headers, then TCP or UDP.
// fast reads those headers itself, without gopacket's DecodingLayerParser,
// and leaves everything else to it: other link types, IPv4 options and
// fragments, IPv6 extension headers, other protocols, tunnels' outer
// headers of other kinds, and any header that is malformed or cut short
// (the parser then finds and reports the same error). What it leaves in
// the decoder is exactly what the parser and walk would have: the
// differential test and fuzz target (fast_test.go) hold it to that.

// Ethernet types read by fast.
const (
	etherIPv4  = 0x0800
	etherIPv6  = 0x86dd
	etherDot1Q = 0x8100
	etherQinQ  = 0x88a8
)

// fast decodes data, whose first layer is first, into d.meta and the
// results as DecodeLayers and walk would, and reports whether it did; on
// false nothing of the decoder's state has changed but d.vlan.ids (reset
// by the caller) and the TCP and UDP layers (which the parser decodes
// again).
func (d *decoder) fast(first gopacket.LayerType, data []byte) bool {
	if d.noFast {
		return false
	}
	var (
		hasEther bool
		src, dst [6]byte
		ether    uint16
		l3       = data
	)
	switch first {
	case layers.LayerTypeEthernet:
		if len(data) < 14 {
			return false
		}
		copy(dst[:], data[0:6])
		copy(src[:], data[6:12])
		ether = binary.BigEndian.Uint16(data[12:14])
		hasEther, l3 = true, data[14:]
		vlans := len(d.vlan.ids)
		for ether == etherDot1Q || ether == etherQinQ {
			if len(l3) < 4 {
				d.vlan.ids = d.vlan.ids[:vlans]
				return false
			}
			d.vlan.ids = append(d.vlan.ids, binary.BigEndian.Uint16(l3[0:2])&0x0fff)
			ether, l3 = binary.BigEndian.Uint16(l3[2:4]), l3[4:]
		}
		if ether != etherIPv4 && ether != etherIPv6 {
			d.vlan.ids = d.vlan.ids[:vlans]
			return false
		}
	case layers.LayerTypeIPv4:
		ether = etherIPv4
	case layers.LayerTypeIPv6:
		ether = etherIPv6
	default:
		return false
	}
	ok := false
	if ether == etherIPv4 {
		ok = d.fast4(l3)
	} else {
		ok = d.fast6(l3)
	}
	if !ok {
		d.vlan.ids = d.vlan.ids[:0]
		return false
	}
	m := &d.meta
	if hasEther {
		m.HasEther, m.SrcMAC, m.DstMAC = true, src, dst
	}
	m.L3 = l3 // EtherType is set by decode, from the IP version
	return true
}

// fast4 reads an IPv4 header of 20 bytes, not a fragment, and its TCP or
// UDP header.
func (d *decoder) fast4(b []byte) bool {
	if len(b) < 20 || b[0] != 0x45 {
		return false // IPv4 with options, or not IPv4
	}
	length := int(binary.BigEndian.Uint16(b[2:4]))
	if length < 20 { // 0 (TSO) and bad lengths: the parser's
		return false
	}
	if flags := binary.BigEndian.Uint16(b[6:8]); flags&0x3fff != 0 {
		return false // a fragment (MF set or an offset)
	}
	payload := b[20:]
	if length < len(b) {
		payload = b[20:length]
	}
	proto := b[9]
	if !d.fastL4(proto, payload) {
		return false
	}
	m := &d.meta
	d.ipVersion, m.IPVersion = 4, 4
	m.Src = netip.AddrFrom4([4]byte(b[12:16]))
	m.Dst = netip.AddrFrom4([4]byte(b[16:20]))
	d.net = gopacket.NewFlow(layers.EndpointIPv4, b[12:16], b[16:20])
	m.Proto = proto
	m.L4 = payload
	return true
}

// fast6 reads an IPv6 header followed directly by TCP or UDP.
func (d *decoder) fast6(b []byte) bool {
	if len(b) < 40 || b[0]>>4 != 6 {
		return false
	}
	length := int(binary.BigEndian.Uint16(b[4:6]))
	if length == 0 { // a jumbogram, or an error: the parser's
		return false
	}
	payload := b[40:]
	if length < len(payload) {
		payload = payload[:length]
	}
	proto := b[6]
	if !d.fastL4(proto, payload) {
		return false
	}
	m := &d.meta
	d.ipVersion, m.IPVersion = 6, 6
	m.Src = netip.AddrFrom16([16]byte(b[8:24]))
	m.Dst = netip.AddrFrom16([16]byte(b[24:40]))
	d.net = gopacket.NewFlow(layers.EndpointIPv6, b[8:24], b[24:40])
	m.Proto = proto
	m.L4 = payload
	return true
}

// fastL4 decodes a TCP or UDP header with gopacket's own layer decoders,
// as the parser would; false for other protocols, an empty payload (where
// the parser stops), a header it fails on, and a payload whose port names
// a layer the parser would go on to decode.
func (d *decoder) fastL4(proto uint8, b []byte) (ok bool) {
	if len(b) == 0 {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false // the parser turns the panic into its error
		}
	}()
	m := &d.meta
	switch layers.IPProtocol(proto) {
	case layers.IPProtocolTCP:
		t := &d.tcp
		if t.DecodeFromBytes(b, gopacket.NilDecodeFeedback) != nil {
			return false
		}
		if len(t.Payload) > 0 && d.decodes(t.NextLayerType()) {
			return false
		}
		d.tcpOK = true
		m.HasPorts, m.SrcPort, m.DstPort = true, uint16(t.SrcPort), uint16(t.DstPort)
		m.TCPFlags = b[13] // filter.TCPFlag* are the header's bits (tcpFlags)
	case layers.IPProtocolUDP:
		u := &d.udp
		if u.DecodeFromBytes(b, gopacket.NilDecodeFeedback) != nil {
			return false
		}
		if len(u.Payload) > 0 && d.decodes(u.NextLayerType()) {
			return false
		}
		d.udpOK = true
		m.HasPorts, m.SrcPort, m.DstPort = true, uint16(u.SrcPort), uint16(u.DstPort)
	default:
		return false
	}
	return true
}

// decodes tells whether the parser has a decoder for layers of type t.
func (d *decoder) decodes(t gopacket.LayerType) bool { return d.known.Contains(t) }

// knownTypes is the class of the layer types that the layers of all
// decode (a table lookup per packet).
func knownTypes(all []gopacket.DecodingLayer) gopacket.LayerClass {
	var ts []gopacket.LayerType
	for _, l := range all {
		ts = append(ts, l.CanDecode().LayerTypes()...)
	}
	return gopacket.NewLayerClass(ts)
}
