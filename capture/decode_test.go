package capture

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ssldissect/ssldissect/capture/filter"
)

func TestLinkTypes(t *testing.T) {
	v4 := ip4TCP(t, 1, []byte("v4"))
	v6 := ip6TCP(t, 1, []byte("v6"), layers.IPProtocolTCP, nil)
	// Destination options (PadN) then a routing header (type 0, no
	// addresses), then TCP.
	ext := []byte{byte(layers.IPProtocolIPv6Routing), 0, 1, 4, 0, 0, 0, 0,
		byte(layers.IPProtocolTCP), 0, 0, 0, 0, 0, 0, 0}
	v6ext := ip6TCP(t, 1, []byte("v6ext"), layers.IPProtocolIPv6Destination, ext)
	hbh := []byte{byte(layers.IPProtocolTCP), 0, 1, 4, 0, 0, 0, 0}
	v6hbh := ip6TCP(t, 1, []byte("v6hbh"), layers.IPProtocolIPv6HopByHop, hbh)
	ip4net := "10.0.0.1->10.0.0.2"
	ip6net := "2001:db8::1->2001:db8::2"
	cases := []struct {
		name    string
		link    layers.LinkType
		frame   []byte
		net     string
		payload string
		vlans   []uint16
		ether   uint16
	}{
		{"ethernet/ipv4", layers.LinkTypeEthernet, ether(v4), ip4net, "v4", nil, 0x0800},
		{"ethernet/ipv6", layers.LinkTypeEthernet, ether(v6), ip6net, "v6", nil, 0x86dd},
		{"ethernet/ipv6-extension-headers", layers.LinkTypeEthernet, ether(v6ext), ip6net, "v6ext", nil, 0x86dd},
		{"ethernet/ipv6-hop-by-hop", layers.LinkTypeEthernet, ether(v6hbh), ip6net, "v6hbh", nil, 0x86dd},
		{"ethernet/802.1q", layers.LinkTypeEthernet, ether(v4, 100), ip4net, "v4", []uint16{100}, 0x0800},
		{"ethernet/802.1ad-stacked", layers.LinkTypeEthernet, ether(v6, 10, 20, 30), ip6net, "v6", []uint16{10, 20, 30}, 0x86dd},
		{"linux-sll/ipv4", layers.LinkTypeLinuxSLL, sll(v4), ip4net, "v4", nil, 0x0800},
		{"linux-sll/ipv6", layers.LinkTypeLinuxSLL, sll(v6), ip6net, "v6", nil, 0x86dd},
		{"linux-sll2/ipv4", layers.LinkTypeLinuxSLL2, sll2(v4), ip4net, "v4", nil, 0x0800},
		{"linux-sll2/ipv6", layers.LinkTypeLinuxSLL2, sll2(v6), ip6net, "v6", nil, 0x86dd},
		{"raw/ipv4", layers.LinkTypeRaw, v4, ip4net, "v4", nil, 0x0800},
		{"raw/ipv6", layers.LinkTypeRaw, v6, ip6net, "v6", nil, 0x86dd},
		{"raw-bsd-12", linkRawBSD12, v4, ip4net, "v4", nil, 0x0800},
		{"raw-bsd-14", linkRawBSD14, v6, ip6net, "v6", nil, 0x86dd},
		{"ipv4-linktype", layers.LinkTypeIPv4, v4, ip4net, "v4", nil, 0x0800},
		{"ipv6-linktype", layers.LinkTypeIPv6, v6, ip6net, "v6", nil, 0x86dd},
		{"null/ipv4-little-endian", layers.LinkTypeNull, loopback(le, v4), ip4net, "v4", nil, 0x0800},
		{"null/ipv6-big-endian", layers.LinkTypeNull, loopback(be, v6), ip6net, "v6", nil, 0x86dd},
		{"loop/ipv4", layers.LinkTypeLoop, loopback(be, v4), ip4net, "v4", nil, 0x0800},
		{"loop/ipv6", layers.LinkTypeLoop, loopback(be, v6), ip6net, "v6", nil, 0x86dd},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mr := &metaRecorder{}
			withFilter(t, mr)
			w := &ngWriter{order: le}
			w.shb().idb(c.link).epb(rec{ts: t0, data: c.frame}, 1e6)
			res, err := readAll(t, []string{writeTemp(t, "x.pcapng", w.b)}, Options{Filter: "tcp"})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.pkts) != 1 || len(res.warnings) != 0 {
				t.Fatalf("packets %+v, warnings %v", res.pkts, res.warnings)
			}
			g := res.pkts[0]
			if g.Link != c.link || g.Net != c.net || !g.TCP || g.Payload != c.payload ||
				g.Ports != [2]uint16{cliPort, srvPort} {
				t.Errorf("got %+v", g)
			}
			if !slices.Equal(g.VLANs, c.vlans) || g.EtherType != c.ether {
				t.Errorf("meta VLANs %v EtherType %#x, want %v %#x", g.VLANs, g.EtherType, c.vlans, c.ether)
			}
			m := mr.last
			if m.Proto != uint8(layers.IPProtocolTCP) || !m.HasPorts || m.SrcPort != cliPort ||
				m.DstPort != srvPort || m.TCPFlags != filter.TCPFlagACK|filter.TCPFlagPSH ||
				m.Length != len(c.frame) || !bytes.Equal(m.Link, c.frame) {
				t.Errorf("meta %+v", m)
			}
			if m.HasEther != (c.link == layers.LinkTypeEthernet) || m.Fragment {
				t.Errorf("meta HasEther %v Fragment %v", m.HasEther, m.Fragment)
			}
			if len(m.L3) == 0 || m.L3[0]>>4 != m.IPVersion || len(m.L4) < 20 ||
				binary.BigEndian.Uint16(m.L4) != cliPort {
				t.Errorf("meta L3 % x / L4 % x", m.L3, m.L4)
			}
			if s := fmt.Sprintf("%v->%v", m.Src, m.Dst); s != c.net {
				t.Errorf("meta addresses %s, want %s", s, c.net)
			}
		})
	}
}

func TestNotTCP(t *testing.T) {
	udp := func() []byte {
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: cli4, DstIP: srv4}
		u := &layers.UDP{SrcPort: 5353, DstPort: 53}
		u.SetNetworkLayerForChecksum(ip)
		return serialize(t, ip, u, gopacket.Payload("dns"))
	}()
	arp := append([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x06}, make([]byte, 28)...)
	badIP := ether([]byte{0x45, 0, 0, 40, 0, 0})    // IPv4 header cut short
	badTCP := ether(ip4TCP(t, 1, []byte("x"))[:24]) // TCP header cut short
	raw7 := []byte{0x70, 1, 2, 3}                   // raw link, IP version 7
	recs := []rec{
		{ts: t0, data: ether(udp)},
		{ts: t0, data: arp},
		{ts: t0, data: badIP},
		{ts: t0, data: badTCP},
	}
	rr := &metaRecorder{}
	withFilter(t, rr)
	w := &ngWriter{order: le}
	w.shb().idb(layers.LinkTypeEthernet).idb(layers.LinkTypeRaw)
	for _, r := range recs {
		w.epb(r, 1e6)
	}
	w.epb(rec{ts: t0, data: raw7, iface: 1}, 1e6)
	var metas []filter.Meta
	rr.keep = func(m *filter.Meta) bool { metas = append(metas, *m); return true }
	res, err := readAll(t, []string{writeTemp(t, "x.pcapng", w.b)}, Options{Filter: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.pkts) != 5 {
		t.Fatalf("%d packets", len(res.pkts))
	}
	for i, p := range res.pkts {
		if p.TCP || p.UDP != (i == 0) {
			t.Errorf("packet %d: TCP %v, UDP %v", i+1, p.TCP, p.UDP)
		}
	}
	if p := res.pkts[0]; p.Ports != [2]uint16{5353, 53} || p.Payload != "dns" {
		t.Errorf("UDP datagram: ports %v, payload %q", p.Ports, p.Payload)
	}
	if m := metas[0]; m.Proto != uint8(layers.IPProtocolUDP) || !m.HasPorts || m.SrcPort != 5353 || m.DstPort != 53 {
		t.Errorf("UDP meta %+v", m)
	}
	if m := metas[1]; m.EtherType != 0x0806 || m.IPVersion != 0 || !m.HasEther {
		t.Errorf("ARP meta %+v", m)
	}
	st := res.stats
	want := Stats{Files: 1, Packets: 5, Bytes: st.Bytes, Delivered: 5, NonIP: 3, NonTCP: 2, UDP: 1, DecodeErrs: 2}
	if st != want {
		t.Errorf("stats\n got %+v\nwant %+v", st, want)
	}
}

func TestFilterSkips(t *testing.T) {
	rr := &metaRecorder{keep: func(m *filter.Meta) bool { return m.DstPort == 443 }}
	withFilter(t, rr)
	other := ip4TCP(t, 1, []byte("other"))
	binary.BigEndian.PutUint16(other[22:], 80)
	p := writeTemp(t, "f.pcap", pcapFile(le, false, 1,
		rec{ts: t0, data: ether(other)},
		rec{ts: t0, data: ether(ip4TCP(t, 1, []byte("tls")))}))
	res, err := readAll(t, []string{p}, Options{Filter: "dst port 443"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.pkts) != 1 || res.pkts[0].Payload != "tls" || res.pkts[0].Num != 1 || res.pkts[0].FileNum != 2 {
		t.Errorf("got %+v", res.pkts)
	}
	if res.stats.Filtered != 1 || res.stats.Delivered != 1 || res.stats.Packets != 2 {
		t.Errorf("stats %+v", res.stats)
	}
}

func TestFragments(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef"), 20) // 320 bytes + 20 of TCP header
	cases := []struct {
		name  string
		frags [][]byte
		order []int
	}{
		{"ipv4/in-order", ip4Fragments(t, payload, 128), []int{0, 1, 2}},
		{"ipv4/reversed", ip4Fragments(t, payload, 128), []int{2, 1, 0}},
		{"ipv4/duplicate", ip4Fragments(t, payload, 128), []int{0, 1, 1, 2}},
		{"ipv6/in-order", ip6Fragments(t, payload, 128), []int{0, 1, 2}},
		{"ipv6/shuffled", ip6Fragments(t, payload, 128), []int{1, 2, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rr := &metaRecorder{}
			withFilter(t, rr)
			var metas []filter.Meta
			rr.keep = func(m *filter.Meta) bool { metas = append(metas, *m); return true }
			w := &ngWriter{order: le}
			w.shb().idb(layers.LinkTypeEthernet)
			for _, i := range c.order {
				w.epb(rec{ts: t0, data: ether(c.frags[i])}, 1e6)
			}
			res, err := readAll(t, []string{writeTemp(t, "frag.pcapng", w.b)}, Options{Filter: "x"})
			if err != nil {
				t.Fatal(err)
			}
			n := len(c.order)
			if len(res.pkts) != n {
				t.Fatalf("%d packets, want %d", len(res.pkts), n)
			}
			for i, p := range res.pkts[:n-1] {
				if p.TCP {
					t.Errorf("fragment %d carries TCP before the datagram is whole", i+1)
				}
				if first := c.order[i] == 0; metas[i].Fragment == first || (first && metas[i].SrcPort != cliPort) {
					t.Errorf("fragment %d meta: Fragment %v ports %d", i+1, metas[i].Fragment, metas[i].SrcPort)
				}
			}
			last := res.pkts[n-1]
			if !last.TCP || last.Payload != string(payload) || last.Ports != [2]uint16{cliPort, srvPort} {
				t.Errorf("last packet: TCP %v payload %d bytes", last.TCP, len(last.Payload))
			}
			if m := metas[n-1]; m.Fragment || !m.HasPorts || m.DstPort != srvPort || len(m.L4) != 20+len(payload) {
				t.Errorf("last packet meta: %+v", m)
			}
			st := res.stats
			if st.Fragments != uint64(n) || st.Reassembled != 1 || st.TCP != 1 || st.NonTCP != uint64(n-1) {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestFragmentMemoryCap(t *testing.T) {
	d := newDecoder()
	d.fragCap = 1 << 20
	var st Stats
	// First fragments of ever-new datagrams, never completed.
	frag := ip4Fragments(t, make([]byte, 1400), 1024)[0]
	n := d.fragCap/len(frag) + 10
	for i := range n {
		ip := bytes.Clone(frag)
		binary.BigEndian.PutUint16(ip[4:], uint16(i))
		binary.BigEndian.PutUint16(ip[10:], 0)
		d.decode(layers.LinkTypeRaw, ip, gopacket.CaptureInfo{Timestamp: t0, Length: len(ip)}, &st)
	}
	if st.FragDropped == 0 || d.fragHeld > d.fragCap {
		t.Errorf("held %d bytes, dropped %d", d.fragHeld, st.FragDropped)
	}
}

func TestMetaAddresses(t *testing.T) {
	d := newDecoder()
	var st Stats
	d.decode(layers.LinkTypeRaw, ip4TCP(t, 1, nil), gopacket.CaptureInfo{}, &st)
	if d.meta.Src != netip.MustParseAddr("10.0.0.1") || d.meta.Dst != netip.MustParseAddr("10.0.0.2") {
		t.Errorf("meta %v -> %v", d.meta.Src, d.meta.Dst)
	}
}
