package capture

import (
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/crypto/cryptobyte"

	"github.com/ssldissect/ssldissect/capture/filter"
)

// maxTunnels caps the encapsulations opened in one frame: a packet inside
// more tunnels than that is delivered without its TCP layer.
const maxTunnels = 4

// Well-known UDP ports of the UDP tunnels.
const (
	portGTPU  = 2152 // 3GPP TS 29.281
	portVXLAN = 4789 // RFC 7348
)

// GRE protocol types we open (RFC 2784, RFC 1701 for 0x6558).
const (
	greIPv4 = uint16(layers.EthernetTypeIPv4)
	greIPv6 = uint16(layers.EthernetTypeIPv6)
	greTEB  = uint16(layers.EthernetTypeTransparentEthernetBridging)
)

// gtpGPDU is the GTP-U message type that carries a user packet (T-PDU).
const gtpGPDU = 255

// The decoder's IP layers stop the DecodingLayerParser where an IP header
// announces another IP packet (protocol 4 or 41): that is a tunnel, opened
// by decapsulate with the outer headers kept for the filter, not decoded
// over them into the same reused layers.

type ip4Layer struct{ layers.IPv4 }

func (l *ip4Layer) NextLayerType() gopacket.LayerType { return stopAtIP(l.IPv4.NextLayerType()) }

type ip6Layer struct{ layers.IPv6 }

func (l *ip6Layer) NextLayerType() gopacket.LayerType { return stopAtIP(l.IPv6.NextLayerType()) }

type ip6ExtLayer struct{ layers.IPv6ExtensionSkipper }

func (l *ip6ExtLayer) NextLayerType() gopacket.LayerType {
	return stopAtIP(l.IPv6ExtensionSkipper.NextLayerType())
}

type ip6FragLayer struct{ layers.IPv6Fragment }

func (l *ip6FragLayer) NextLayerType() gopacket.LayerType {
	return stopAtIP(l.IPv6Fragment.NextLayerType())
}

func stopAtIP(t gopacket.LayerType) gopacket.LayerType {
	if t == layers.LayerTypeIPv4 || t == layers.LayerTypeIPv6 {
		return gopacket.LayerTypeZero
	}
	return t
}

// tunnelPayload finds, in the transport of m (one IP level of the frame),
// a tunnel we open: IP in IP (protocols 4 and 41), GRE (47), GTP-U (UDP
// port 2152) or VXLAN (UDP port 4789). It returns the encapsulated packet
// and the layer it starts with. bad reports a tunnel header that is
// malformed or cut short.
func tunnelPayload(m *filter.Meta) (inner []byte, first gopacket.LayerType, ok, bad bool) {
	if m.Fragment || m.L4 == nil {
		return nil, 0, false, false
	}
	switch layers.IPProtocol(m.Proto) {
	case layers.IPProtocolIPv4:
		return m.L4, layers.LayerTypeIPv4, true, false
	case layers.IPProtocolIPv6:
		return m.L4, layers.LayerTypeIPv6, true, false
	case layers.IPProtocolGRE:
		return greDecap(m.L4)
	case layers.IPProtocolUDP:
		if !m.HasPorts {
			return nil, 0, false, false
		}
		switch {
		case m.DstPort == portVXLAN:
			data, ok := udpPayload(m.L4)
			if !ok {
				return nil, 0, false, true
			}
			return vxlanDecap(data)
		case m.DstPort == portGTPU || m.SrcPort == portGTPU:
			data, ok := udpPayload(m.L4)
			if !ok {
				return nil, 0, false, true
			}
			return gtpDecap(data)
		}
	}
	return nil, 0, false, false
}

// udpPayload returns the payload of the UDP datagram data (header first),
// cut to the header's length when the frame carries trailing bytes.
func udpPayload(data []byte) ([]byte, bool) {
	s := cryptobyte.String(data)
	var length uint16
	if !s.Skip(4) || !s.ReadUint16(&length) || !s.Skip(2) {
		return nil, false
	}
	if n := int(length) - 8; n >= 0 && n < len(s) {
		s = s[:n]
	}
	return s, true
}

// gtpDecap opens a GTPv1-U header (3GPP TS 29.281 5.1): flags (version 1,
// protocol type 1), message type, length, TEID, then, when any of the E, S
// or PN flags is set, sequence number, N-PDU number and next extension
// header type, each extension header being a length in 4-octet units,
// contents and the next type. Only G-PDUs carry a user packet, IPv4 or
// IPv6 by its first nibble. A length beyond the captured bytes (a cut
// capture) leaves what was captured.
func gtpDecap(data []byte) ([]byte, gopacket.LayerType, bool, bool) {
	s := cryptobyte.String(data)
	var flags, msgType, next uint8
	var length uint16
	if !s.ReadUint8(&flags) || !s.ReadUint8(&msgType) || !s.ReadUint16(&length) || !s.Skip(4) {
		return nil, 0, false, true
	}
	if flags>>5 != 1 || flags&0x10 == 0 {
		return nil, 0, false, true // not GTPv1, or GTP' (protocol type 0)
	}
	if msgType != gtpGPDU {
		return nil, 0, false, false // signalling (echo, error indication, ...)
	}
	if int(length) < len(s) {
		s = s[:length]
	}
	if flags&0x07 != 0 {
		if !s.Skip(3) || !s.ReadUint8(&next) {
			return nil, 0, false, true
		}
		for next != 0 {
			var n uint8
			if !s.ReadUint8(&n) || n == 0 || !s.Skip(4*int(n)-2) || !s.ReadUint8(&next) {
				return nil, 0, false, true
			}
		}
	}
	return ipFirst(s)
}

// ipFirst takes a packet that is IPv4 or IPv6 by its version nibble.
func ipFirst(s []byte) ([]byte, gopacket.LayerType, bool, bool) {
	if len(s) == 0 {
		return nil, 0, false, false
	}
	switch s[0] >> 4 {
	case 4:
		return s, layers.LayerTypeIPv4, true, false
	case 6:
		return s, layers.LayerTypeIPv6, true, false
	}
	return nil, 0, false, false // PPP or other PDU types
}

// greDecap opens a GRE header (RFC 2784 with the key and sequence number of
// RFC 2890): flags and version 0, protocol type, then checksum and
// reserved (C), key (K), sequence number (S). Routing (R, RFC 1701) and
// version 1 (PPTP's enhanced GRE, carrying PPP) are not opened. Payloads:
// IPv4, IPv6 and Ethernet (transparent Ethernet bridging, 0x6558).
func greDecap(data []byte) ([]byte, gopacket.LayerType, bool, bool) {
	s := cryptobyte.String(data)
	var flags, version uint8
	var proto uint16
	if !s.ReadUint8(&flags) || !s.ReadUint8(&version) || !s.ReadUint16(&proto) {
		return nil, 0, false, true
	}
	if flags&0x40 != 0 || version&0x07 != 0 {
		return nil, 0, false, false
	}
	for _, bit := range []uint8{0x80, 0x20, 0x10} { // C, K, S: 4 bytes each
		if flags&bit != 0 && !s.Skip(4) {
			return nil, 0, false, true
		}
	}
	switch proto {
	case greIPv4:
		return s, layers.LayerTypeIPv4, true, false
	case greIPv6:
		return s, layers.LayerTypeIPv6, true, false
	case greTEB:
		return s, layers.LayerTypeEthernet, true, false
	}
	return nil, 0, false, false
}

// vxlanDecap opens a VXLAN header (RFC 7348): flags, reserved, VNI,
// reserved; an Ethernet frame follows.
func vxlanDecap(data []byte) ([]byte, gopacket.LayerType, bool, bool) {
	s := cryptobyte.String(data)
	if !s.Skip(8) {
		return nil, 0, false, true
	}
	return s, layers.LayerTypeEthernet, true, false
}

// decapsulate opens the tunnels of the frame just decoded, level by level
// up to maxTunnels, and decodes the innermost packet: its IP flow and TCP
// segment become the results, while d.meta keeps the outer headers for the
// filter. Fragments of an inner datagram are reassembled like outer ones.
func (d *decoder) decapsulate(ts gopacket.CaptureInfo, st *Stats) {
	m := &d.meta
	for range maxTunnels {
		inner, first, ok, bad := tunnelPayload(m)
		if bad {
			d.bad = true
		}
		if !ok || len(inner) == 0 {
			return
		}
		st.Tunnels++
		m = &d.inner
		*m = filter.Meta{}
		if first != layers.LayerTypeEthernet {
			m.L3 = inner
		}
		d.tcpOK, d.udpOK = false, false
		err := d.parser(first).DecodeLayers(inner, &d.decoded)
		frag4, frag6 := d.walk(m, d.decoded)
		if err != nil {
			d.bad = true
		}
		if m.IPVersion == 0 {
			return
		}
		if (frag4 || frag6) && !d.defrag(m, frag4, frag6, ts, st) {
			return
		}
	}
}
