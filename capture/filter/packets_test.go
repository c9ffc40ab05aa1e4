package filter

import (
	"net"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Test packets, built with gopacket's layers and decoded back into a Meta by
// metaOf, as the capture package would.

var (
	macA     = net.HardwareAddr{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
	macB     = net.HardwareAddr{0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb}
	macBcast = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	mac6Mc   = net.HardwareAddr{0x33, 0x33, 0x00, 0x01, 0x00, 0x02}
)

func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
		t.Fatalf("serialize: %v", err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

func eth(src, dst net.HardwareAddr, et layers.EthernetType) *layers.Ethernet {
	return &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: et}
}

func ip4(src, dst string, p layers.IPProtocol) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: 0x1234, Flags: layers.IPv4DontFragment,
		Protocol: p, SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
}

func ip6(src, dst string, p layers.IPProtocol) *layers.IPv6 {
	return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: p, SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst)}
}

func payload(n int) gopacket.Payload {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i)
	}
	return p
}

type tcpFlags struct{ syn, ack, psh, fin, rst bool }

func tcpSeg(sport, dport uint16, f tcpFlags, nl gopacket.NetworkLayer) *layers.TCP {
	t := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: 1000,
		Window: 65535, SYN: f.syn, ACK: f.ack, PSH: f.psh, FIN: f.fin, RST: f.rst}
	if f.ack {
		t.Ack = 2000
	}
	t.SetNetworkLayerForChecksum(nl)
	return t
}

func udpDgram(sport, dport uint16, nl gopacket.NetworkLayer) *layers.UDP {
	u := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	u.SetNetworkLayerForChecksum(nl)
	return u
}

// testPacket is a named frame; noXcheck marks frames that tcpdump reads
// differently by design (VLAN tags: see doc.go).
type testPacket struct {
	name     string
	frame    []byte
	noXcheck bool
}

func buildPackets(t testing.TB) []testPacket {
	var ps []testPacket
	add := func(name string, frame []byte) { ps = append(ps, testPacket{name: name, frame: frame}) }

	i := ip4("192.168.1.10", "93.184.216.34", layers.IPProtocolTCP)
	add("tcp4syn", serialize(t, eth(macA, macB, layers.EthernetTypeIPv4), i, tcpSeg(51000, 443, tcpFlags{syn: true}, i)))
	i = ip4("93.184.216.34", "192.168.1.10", layers.IPProtocolTCP)
	add("tcp4synack", serialize(t, eth(macB, macA, layers.EthernetTypeIPv4), i, tcpSeg(443, 51000, tcpFlags{syn: true, ack: true}, i)))
	i = ip4("192.168.1.10", "93.184.216.34", layers.IPProtocolTCP)
	add("tcp4data", serialize(t, eth(macA, macB, layers.EthernetTypeIPv4), i, tcpSeg(51000, 443, tcpFlags{psh: true, ack: true}, i), payload(200)))
	i = ip4("10.1.2.3", "10.9.8.7", layers.IPProtocolTCP)
	add("tcp4http", serialize(t, eth(macA, macB, layers.EthernetTypeIPv4), i, tcpSeg(40000, 80, tcpFlags{fin: true, ack: true}, i)))
	i = ip4("192.168.1.10", "8.8.8.8", layers.IPProtocolUDP)
	i.Flags = 0
	add("udp4dns", serialize(t, eth(macA, macB, layers.EthernetTypeIPv4), i, udpDgram(5353, 53, i), gopacket.Payload{0x12, 0x34, 0x56, 0x78, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}))
	i = ip4("192.168.1.10", "8.8.8.8", layers.IPProtocolICMPv4)
	add("icmp4echo", serialize(t, eth(macA, macB, layers.EthernetTypeIPv4), i,
		&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: 1, Seq: 1}, payload(32)))
	i = ip4("10.0.0.5", "224.0.0.251", layers.IPProtocolUDP)
	add("udp4mcast", serialize(t, eth(macA, net.HardwareAddr{0x01, 0x00, 0x5e, 0, 0, 0xfb}, layers.EthernetTypeIPv4), i, udpDgram(5353, 5353, i), payload(12)))
	i = ip4("10.0.0.5", "255.255.255.255", layers.IPProtocolUDP)
	add("udp4bcast", serialize(t, eth(macA, macBcast, layers.EthernetTypeIPv4), i, udpDgram(68, 67, i), payload(12)))
	// A non-first fragment of a UDP datagram: no ports, no L4.
	i = ip4("192.168.1.10", "8.8.8.8", layers.IPProtocolUDP)
	i.Flags, i.FragOffset = 0, 185
	add("frag4", serialize(t, eth(macA, macB, layers.EthernetTypeIPv4), i, payload(64)))
	// SCTP: common header only, as raw bytes after IPv4.
	i = ip4("172.16.0.1", "172.16.0.2", layers.IPProtocolSCTP)
	add("sctp4", serialize(t, eth(macA, macB, layers.EthernetTypeIPv4), i,
		gopacket.Payload{0x0b, 0x59, 0x0b, 0x59, 0, 0, 0, 1, 0, 0, 0, 0}))

	i6 := ip6("2001:db8::1", "2001:db8:1::443", layers.IPProtocolTCP)
	add("tcp6", serialize(t, eth(macA, macB, layers.EthernetTypeIPv6), i6, tcpSeg(49152, 443, tcpFlags{syn: true}, i6)))
	i6 = ip6("fe80::1", "ff02::1:2", layers.IPProtocolUDP)
	add("udp6mcast", serialize(t, eth(macA, mac6Mc, layers.EthernetTypeIPv6), i6, udpDgram(546, 547, i6), payload(20)))
	i6 = ip6("2001:db8::1", "2001:db8::2", layers.IPProtocolICMPv6)
	ic6 := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeEchoRequest, 0)}
	ic6.SetNetworkLayerForChecksum(i6)
	add("icmp6echo", serialize(t, eth(macA, macB, layers.EthernetTypeIPv6), i6, ic6, &layers.ICMPv6Echo{Identifier: 7, SeqNumber: 1}, payload(16)))

	add("arp", serialize(t, eth(macA, macBcast, layers.EthernetTypeARP), &layers.ARP{
		AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
		Operation: layers.ARPRequest, SourceHwAddress: macA, SourceProtAddress: []byte{192, 168, 1, 10},
		DstHwAddress: make([]byte, 6), DstProtAddress: []byte{192, 168, 1, 1}}))

	i = ip4("10.0.0.1", "10.0.0.2", layers.IPProtocolTCP)
	ps = append(ps, testPacket{name: "vlan100", noXcheck: true, frame: serialize(t,
		eth(macA, macB, layers.EthernetTypeDot1Q), &layers.Dot1Q{VLANIdentifier: 100, Type: layers.EthernetTypeIPv4},
		i, tcpSeg(1234, 443, tcpFlags{ack: true}, i))})
	i = ip4("10.0.0.1", "10.0.0.2", layers.IPProtocolUDP)
	ps = append(ps, testPacket{name: "qinq", noXcheck: true, frame: serialize(t,
		eth(macA, macB, layers.EthernetTypeQinQ), &layers.Dot1Q{VLANIdentifier: 200, Type: layers.EthernetTypeDot1Q},
		&layers.Dot1Q{VLANIdentifier: 300, Type: layers.EthernetTypeIPv4}, i, udpDgram(1000, 2000, i), payload(8))})
	return ps
}

// metaOf decodes an Ethernet frame into a Meta the way the capture package
// fills it.
func metaOf(frame []byte) *Meta {
	m := &Meta{Link: frame, Length: len(frame)}
	pkt := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
	whole := func(l gopacket.Layer) []byte {
		return append(append([]byte(nil), l.LayerContents()...), l.LayerPayload()...)
	}
	for _, l := range pkt.Layers() {
		switch l := l.(type) {
		case *layers.Ethernet:
			m.HasEther = true
			copy(m.SrcMAC[:], l.SrcMAC)
			copy(m.DstMAC[:], l.DstMAC)
			m.EtherType = uint16(l.EthernetType)
		case *layers.Dot1Q:
			m.VLANs = append(m.VLANs, l.VLANIdentifier)
			m.EtherType = uint16(l.Type)
		case *layers.ARP:
			m.L3 = whole(l)
		case *layers.IPv4:
			m.IPVersion = 4
			m.L3 = whole(l)
			m.Src, _ = netipFrom(l.SrcIP)
			m.Dst, _ = netipFrom(l.DstIP)
			m.Proto = uint8(l.Protocol)
			m.Fragment = l.FragOffset != 0
		case *layers.IPv6:
			m.IPVersion = 6
			m.L3 = whole(l)
			m.Src, _ = netipFrom(l.SrcIP)
			m.Dst, _ = netipFrom(l.DstIP)
			m.Proto = uint8(l.NextHeader)
		case *layers.IPv6HopByHop:
			m.Proto = uint8(l.NextHeader)
		case *layers.IPv6Fragment:
			m.Proto = uint8(l.NextHeader)
			m.Fragment = l.FragmentOffset != 0
		case *layers.TCP:
			m.L4 = whole(l)
			m.HasPorts, m.SrcPort, m.DstPort = true, uint16(l.SrcPort), uint16(l.DstPort)
			if len(m.L4) > 13 {
				m.TCPFlags = m.L4[13]
			}
		case *layers.UDP:
			m.L4 = whole(l)
			m.HasPorts, m.SrcPort, m.DstPort = true, uint16(l.SrcPort), uint16(l.DstPort)
		case *layers.SCTP:
			m.L4 = whole(l)
			m.HasPorts, m.SrcPort, m.DstPort = true, uint16(l.SrcPort), uint16(l.DstPort)
		case *layers.ICMPv4, *layers.ICMPv6:
			m.L4 = whole(l)
		}
	}
	return m
}
