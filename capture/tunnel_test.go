package capture

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Outer (tunnel endpoint) addresses of the generated tunnels.
var (
	tun4a = net.IP{192, 0, 2, 1}
	tun4b = net.IP{192, 0, 2, 2}
	tun6a = net.ParseIP("2001:db8:ffff::1")
	tun6b = net.ParseIP("2001:db8:ffff::2")
)

// outerIP is an IP packet between the tunnel endpoints (IPv6 when v6)
// that carries ls under protocol proto.
func outerIP(t testing.TB, v6 bool, proto layers.IPProtocol, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	var ip gopacket.NetworkLayer
	var first gopacket.SerializableLayer
	if v6 {
		l := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: tun6a, DstIP: tun6b}
		ip, first = l, l
	} else {
		l := &layers.IPv4{Version: 4, TTL: 64, Id: 3, Protocol: proto, SrcIP: tun4a, DstIP: tun4b}
		ip, first = l, l
	}
	for _, l := range ls {
		if u, ok := l.(*layers.UDP); ok {
			u.SetNetworkLayerForChecksum(ip)
		}
	}
	return serialize(t, append([]gopacket.SerializableLayer{first}, ls...)...)
}

// Tunnel builders: each wraps the packet inner (an IP packet, or an
// Ethernet frame for VXLAN and GRE/TEB) into an outer IPv4 packet.

func gtpU(t testing.TB, inner []byte) []byte {
	return outerIP(t, false, layers.IPProtocolUDP, &layers.UDP{SrcPort: portGTPU, DstPort: portGTPU},
		&layers.GTPv1U{Version: 1, ProtocolType: 1, MessageType: gtpGPDU, TEID: 0x1234}, gopacket.Payload(inner))
}

// gtpUExt is gtpU with a sequence number and two extension headers (a PDU
// session container, type 0x85, and a 6-byte one).
func gtpUExt(t testing.TB, inner []byte) []byte {
	return outerIP(t, false, layers.IPProtocolUDP, &layers.UDP{SrcPort: 40000, DstPort: portGTPU},
		&layers.GTPv1U{Version: 1, ProtocolType: 1, MessageType: gtpGPDU, TEID: 0x1234,
			SequenceNumberFlag: true, SequenceNumber: 77,
			GTPExtensionHeaders: []layers.GTPExtensionHeader{{Type: 0x85, Content: []byte{0x10, 0x09}},
				{Type: 0x40, Content: []byte{1, 2, 3, 4, 5, 6}}}},
		gopacket.Payload(inner))
}

func greIn(t testing.TB, v6 bool, proto layers.EthernetType, inner []byte) []byte {
	return outerIP(t, v6, layers.IPProtocolGRE, &layers.GRE{Protocol: proto}, gopacket.Payload(inner))
}

func greOpts(t testing.TB, inner []byte) []byte {
	return outerIP(t, false, layers.IPProtocolGRE, &layers.GRE{Protocol: layers.EthernetType(etherType(inner)),
		ChecksumPresent: true, KeyPresent: true, Key: 0xabcdef, SeqPresent: true, Seq: 5}, gopacket.Payload(inner))
}

func vxlan(t testing.TB, frame []byte) []byte {
	return outerIP(t, false, layers.IPProtocolUDP, &layers.UDP{SrcPort: 51000, DstPort: portVXLAN},
		&layers.VXLAN{ValidIDFlag: true, VNI: 42}, gopacket.Payload(frame))
}

func ipInIP(t testing.TB, v6 bool, inner []byte) []byte {
	proto := layers.IPProtocolIPv4
	if etherType(inner) == uint16(layers.EthernetTypeIPv6) {
		proto = layers.IPProtocolIPv6
	}
	return outerIP(t, v6, proto, gopacket.Payload(inner))
}

func TestTunnels(t *testing.T) {
	v4 := ip4TCP(t, 1, []byte("in4"))
	v6 := ip6TCP(t, 1, []byte("in6"), layers.IPProtocolTCP, nil)
	const net4, net6 = "10.0.0.1->10.0.0.2", "2001:db8::1->2001:db8::2"
	const out4, out6 = "192.0.2.1->192.0.2.2", "2001:db8:ffff::1->2001:db8:ffff::2"
	type tc struct {
		name    string
		frame   []byte // an IP packet, framed in Ethernet
		net     string
		payload string
		outer   string
		proto   layers.IPProtocol
		ports   [2]uint16 // outer UDP ports
	}
	udp := layers.IPProtocolUDP
	cases := []tc{
		{"gtp-u/ipv4", gtpU(t, v4), net4, "in4", out4, udp, [2]uint16{2152, 2152}},
		{"gtp-u/ipv6", gtpU(t, v6), net6, "in6", out4, udp, [2]uint16{2152, 2152}},
		{"gtp-u-seq-ext/ipv4", gtpUExt(t, v4), net4, "in4", out4, udp, [2]uint16{40000, 2152}},
		{"gtp-u-seq-ext/ipv6", gtpUExt(t, v6), net6, "in6", out4, udp, [2]uint16{40000, 2152}},
		{"gre/ipv4", greIn(t, false, layers.EthernetTypeIPv4, v4), net4, "in4", out4, layers.IPProtocolGRE, [2]uint16{}},
		{"gre/ipv6", greIn(t, false, layers.EthernetTypeIPv6, v6), net6, "in6", out4, layers.IPProtocolGRE, [2]uint16{}},
		{"gre-over-ipv6/ipv4", greIn(t, true, layers.EthernetTypeIPv4, v4), net4, "in4", out6, layers.IPProtocolGRE, [2]uint16{}},
		{"gre-csum-key-seq/ipv4", greOpts(t, v4), net4, "in4", out4, layers.IPProtocolGRE, [2]uint16{}},
		{"gre-csum-key-seq/ipv6", greOpts(t, v6), net6, "in6", out4, layers.IPProtocolGRE, [2]uint16{}},
		{"gre-teb/ipv4", greIn(t, false, layers.EthernetTypeTransparentEthernetBridging, ether(v4)), net4, "in4", out4, layers.IPProtocolGRE, [2]uint16{}},
		{"gre-teb/ipv6-vlan", greIn(t, false, layers.EthernetTypeTransparentEthernetBridging, ether(v6, 7)), net6, "in6", out4, layers.IPProtocolGRE, [2]uint16{}},
		{"vxlan/ipv4", vxlan(t, ether(v4)), net4, "in4", out4, udp, [2]uint16{51000, 4789}},
		{"vxlan/ipv6-vlan", vxlan(t, ether(v6, 3, 4)), net6, "in6", out4, udp, [2]uint16{51000, 4789}},
		{"ipip/4in4", ipInIP(t, false, v4), net4, "in4", out4, layers.IPProtocolIPv4, [2]uint16{}},
		{"ipip/6in4", ipInIP(t, false, v6), net6, "in6", out4, layers.IPProtocolIPv6, [2]uint16{}},
		{"ipip/4in6", ipInIP(t, true, v4), net4, "in4", out6, layers.IPProtocolIPv4, [2]uint16{}},
		{"ipip/6in6", ipInIP(t, true, v6), net6, "in6", out6, layers.IPProtocolIPv6, [2]uint16{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mr := &metaRecorder{}
			withFilter(t, mr)
			w := &ngWriter{order: le}
			w.shb().idb(layers.LinkTypeEthernet).epb(rec{ts: t0, data: ether(c.frame, 9)}, 1e6)
			res, err := readAll(t, []string{writeTemp(t, "x.pcapng", w.b)}, Options{Filter: "x"})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.pkts) != 1 {
				t.Fatalf("%d packets", len(res.pkts))
			}
			g := res.pkts[0]
			if !g.TCP || g.Net != c.net || g.Payload != c.payload || g.Ports != [2]uint16{cliPort, srvPort} {
				t.Errorf("got %+v", g)
			}
			// The filter sees the outer headers, as tcpdump does.
			m := mr.last
			if s := fmt.Sprintf("%v->%v", m.Src, m.Dst); s != c.outer || m.Proto != uint8(c.proto) ||
				m.HasPorts != (c.proto == udp) || [2]uint16{m.SrcPort, m.DstPort} != c.ports ||
				!bytes.Equal(m.L3, c.frame) || len(m.VLANs) != 1 || m.VLANs[0] != 9 {
				t.Errorf("meta %s proto %d ports %d/%d VLANs %v", s, m.Proto, m.SrcPort, m.DstPort, m.VLANs)
			}
			st := res.stats
			if st.Tunnels != 1 || st.TCP != 1 || st.NonTCP != 0 || st.DecodeErrs != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// nest wraps the TCP packet inner in n tunnels, cycling through the kinds.
func nest(t testing.TB, n int, inner []byte) []byte {
	for i := range n {
		switch i % 4 {
		case 0:
			inner = gtpU(t, inner)
		case 1:
			inner = vxlan(t, ether(inner))
		case 2:
			inner = greOpts(t, inner)
		case 3:
			inner = ipInIP(t, i%2 == 0, inner)
		}
	}
	return inner
}

func TestNestedTunnels(t *testing.T) {
	for _, inner := range [][]byte{ip4TCP(t, 1, []byte("deep")), ip6TCP(t, 1, []byte("deep"), layers.IPProtocolTCP, nil)} {
		for n := 0; n <= maxTunnels+2; n++ {
			t.Run(fmt.Sprintf("ipv%d/%d", inner[0]>>4, n), func(t *testing.T) {
				d := newDecoder()
				var st Stats
				frame := nest(t, n, inner)
				d.decode(layers.LinkTypeRaw, frame, gopacket.CaptureInfo{Length: len(frame)}, &st)
				if n <= maxTunnels {
					if !d.tcpOK || string(d.tcp.Payload) != "deep" || st.Tunnels != uint64(n) {
						t.Errorf("tcp %v %q, tunnels %d", d.tcpOK, d.tcp.Payload, st.Tunnels)
					}
					if src := d.net.Src().String(); src != "10.0.0.1" && src != "2001:db8::1" {
						t.Errorf("net %v, want the inner addresses", d.net)
					}
				} else if d.tcpOK || st.Tunnels != maxTunnels {
					t.Errorf("past the cap: tcp %v, tunnels %d", d.tcpOK, st.Tunnels)
				}
				if st.DecodeErrs != 0 {
					t.Errorf("decode errors %d", st.DecodeErrs)
				}
				if n > 0 && d.meta.Src != netip.MustParseAddr("192.0.2.1") {
					t.Errorf("meta source %v", d.meta.Src)
				}
			})
		}
	}
}

// TestTunnelFilters pins the filter semantics: -f matches the outer
// headers, as tcpdump does.
func TestTunnelFilters(t *testing.T) {
	frame := ether(gtpU(t, ip4TCP(t, 1, []byte("tls"))))
	p := writeTemp(t, "gtp.pcap", pcapFile(le, false, layers.LinkTypeEthernet, rec{ts: t0, data: frame}))
	for _, c := range []struct {
		expr string
		keep bool
	}{
		{"udp port 2152", true},
		{"host 192.0.2.1", true},
		{"udp", true},
		{"tcp port 443", false},
		{"tcp", false},
		{"host 10.0.0.1", false},
	} {
		res, err := readAll(t, []string{p}, Options{Filter: c.expr})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(res.pkts); (n == 1) != c.keep || (c.keep && !res.pkts[0].TCP) {
			t.Errorf("%q: %d packets %+v, want kept %v", c.expr, n, res.pkts, c.keep)
		}
	}
}

// TestTunnelFragments: inner datagrams fragmented inside the tunnel, and a
// tunnel datagram fragmented outside it, are both reassembled.
func TestTunnelFragments(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef"), 20)
	t.Run("inner", func(t *testing.T) {
		var frames [][]byte
		for _, f := range ip4Fragments(t, payload, 128) {
			frames = append(frames, gtpU(t, f))
		}
		for _, f := range ip6Fragments(t, payload, 128) {
			frames = append(frames, greIn(t, false, layers.EthernetTypeIPv6, f))
		}
		d := newDecoder()
		var st Stats
		var whole int
		for _, f := range frames {
			d.decode(layers.LinkTypeRaw, f, gopacket.CaptureInfo{Timestamp: t0, Length: len(f)}, &st)
			if d.tcpOK {
				whole++
				if !bytes.Equal(d.tcp.Payload, payload) {
					t.Errorf("reassembled payload of %d bytes", len(d.tcp.Payload))
				}
			}
		}
		if whole != 2 || st.Reassembled != 2 || st.Fragments != uint64(len(frames)) || st.Tunnels != uint64(len(frames)) {
			t.Errorf("%d whole, stats %+v", whole, st)
		}
	})
	t.Run("outer", func(t *testing.T) {
		whole := gtpU(t, ip4TCP(t, 1, payload))
		l4 := whole[20:]
		d := newDecoder()
		var st Stats
		for off := 0; off < len(l4); off += 128 {
			end := min(off+128, len(l4))
			ip := &layers.IPv4{Version: 4, TTL: 64, Id: 5, Protocol: layers.IPProtocolUDP, SrcIP: tun4a, DstIP: tun4b, FragOffset: uint16(off / 8)}
			if end < len(l4) {
				ip.Flags = layers.IPv4MoreFragments
			}
			f := serialize(t, ip, gopacket.Payload(l4[off:end]))
			d.decode(layers.LinkTypeRaw, f, gopacket.CaptureInfo{Timestamp: t0, Length: len(f)}, &st)
			if d.tcpOK != (end == len(l4)) {
				t.Errorf("fragment at %d: tcp %v", off, d.tcpOK)
			}
		}
		if !bytes.Equal(d.tcp.Payload, payload) || st.Tunnels != 1 || st.Reassembled != 1 {
			t.Errorf("payload %d bytes, stats %+v", len(d.tcp.Payload), st)
		}
		if d.meta.DstPort != portGTPU || d.meta.Proto != uint8(layers.IPProtocolUDP) {
			t.Errorf("meta %+v", d.meta)
		}
	})
}

// TestTunnelMalformed decodes damaged tunnel headers, and every prefix of
// every tunneled frame, under recover(): no panic, no TCP from a damaged
// header, and the damage counted where the header is cut or invalid.
func TestTunnelMalformed(t *testing.T) {
	v4 := ip4TCP(t, 1, []byte("in4"))
	gtp := gtpUExt(t, v4)
	// Offsets in gtp: IPv4 20, UDP 8, then GTP flags at 28.
	const g = 28
	patch := func(b []byte, off int, vals ...byte) []byte {
		b = bytes.Clone(b)
		copy(b[off:], vals)
		return b
	}
	gre := greOpts(t, v4) // GRE flags at 20
	cases := []struct {
		name    string
		frame   []byte
		tunnels uint64
		errs    uint64
	}{
		{"gtp/version-2", patch(gtp, g, 0x40|0x10|0x02), 0, 1},
		{"gtp/prime", patch(gtp, g, 0x20|0x02), 0, 1},
		{"gtp/echo-request", patch(gtp, g+1, 1), 0, 0},
		{"gtp/extension-length-0", patch(gtp, g+12, 0), 0, 1},
		{"gtp/extension-overrun", patch(gtp, g+12, 0xff), 0, 1},
		{"gtp/length-short", patch(gtp, g+2, 0, 6), 0, 1},
		{"gtp/not-ip", patch(gtp, g+24, 0x21), 0, 0},
		{"gre/routing", patch(gre, 20, 0x40), 0, 0},
		{"gre/version-1", patch(gre, 21, 1), 0, 0},
		{"gre/unknown-protocol", patch(gre, 22, 0x88, 0x0b), 0, 0},
		{"gre/key-cut", gre[:20+10], 0, 1},
		{"vxlan/cut", vxlan(t, ether(v4))[:20+8+5], 0, 1},
		{"vxlan/not-ethernet", vxlan(t, []byte{1, 2, 3}), 1, 1},
		{"udp/length-cut", patch(gtp, 24, 0, 9), 0, 1},
		{"ipip/empty", ipInIP(t, false, nil), 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var st Stats
			d := newDecoder()
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v", r)
					}
				}()
				d.decode(layers.LinkTypeRaw, c.frame, gopacket.CaptureInfo{Length: len(c.frame)}, &st)
			}()
			if d.tcpOK || st.Tunnels != c.tunnels || st.DecodeErrs != c.errs {
				t.Errorf("tcp %v, stats %+v", d.tcpOK, st)
			}
			if d.meta.Src != netip.MustParseAddr("192.0.2.1") {
				t.Errorf("meta %+v", d.meta)
			}
		})
	}
	frames := [][]byte{gtp, gtpU(t, v4), gre, greIn(t, true, layers.EthernetTypeTransparentEthernetBridging, ether(v4, 1, 2)),
		vxlan(t, ether(v4)), ipInIP(t, true, v4), nest(t, maxTunnels+1, v4)}
	for i, f := range frames {
		d := newDecoder()
		for n := range len(f) {
			var st Stats
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("frame %d cut to %d bytes: panic: %v", i, n, r)
					}
				}()
				d.decode(layers.LinkTypeRaw, f[:n], gopacket.CaptureInfo{Length: len(f)}, &st)
			}()
			if d.tcpOK && len(d.tcp.Payload) >= 3 {
				t.Errorf("frame %d cut to %d bytes: TCP payload %q", i, n, d.tcp.Payload)
			}
		}
	}
}

// tunnelSeed is a pcap file of tunneled TCP packets: every tunnel kind,
// nested ones and a fragmented inner datagram, for FuzzReader.
func tunnelSeed(t testing.TB) []byte {
	v4 := ip4TCP(t, 1, []byte("in4"))
	v6 := ip6TCP(t, 1, []byte("in6"), layers.IPProtocolTCP, nil)
	var recs []rec
	for _, f := range [][]byte{gtpU(t, v4), gtpUExt(t, v6), greOpts(t, v6),
		greIn(t, true, layers.EthernetTypeTransparentEthernetBridging, ether(v4, 5)),
		vxlan(t, ether(v6)), ipInIP(t, true, v4), nest(t, maxTunnels+1, v4)} {
		recs = append(recs, rec{ts: t0, data: ether(f)})
	}
	for _, f := range ip4Fragments(t, make([]byte, 100), 48) {
		recs = append(recs, rec{ts: t0, data: ether(gtpU(t, f))})
	}
	return pcapFile(le, false, layers.LinkTypeEthernet, recs...)
}
