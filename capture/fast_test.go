package capture

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// decodePair decodes frames twice: with the direct decoder (fast.go) and
// with gopacket's parser alone, the oracle.
type decodePair struct {
	fast, slow       *decoder
	stFast, stSlow   Stats
	frames, directly int
	skimmed          int
}

func newDecodePair() *decodePair {
	p := &decodePair{fast: newDecoder(), slow: newDecoder()}
	p.slow.noFast = true
	return p
}

// check decodes one frame both ways and fails on any difference in what
// the decoder leaves for deliver, the filter and the reassembler.
func (p *decodePair) check(t testing.TB, link layers.LinkType, data []byte) {
	t.Helper()
	ci := gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(data), Length: len(data)}
	// The decoders keep slices into the frame: each gets its own copy, so
	// that a slice of the wrong bytes shows.
	df, ds := bytes.Clone(data), bytes.Clone(data)
	direct, tunnels := p.fast.direct, p.stFast.Tunnels
	p.fast.decode(link, df, ci, &p.stFast)
	p.slow.decode(link, ds, ci, &p.stSlow)
	p.frames++
	if p.fast.direct > direct {
		p.directly++
	}
	if p.slow.direct != 0 {
		t.Fatal("the decoder without the direct path took a frame directly")
	}
	f, s := p.fast, p.slow
	type result struct {
		Bad, Unsupported, TCPOK, UDPOK bool
		IPVersion                      uint8
		Net                            string
		Meta, Inner                    string
		TCP, UDP                       string
	}
	view := func(d *decoder) result {
		r := result{Bad: d.bad, Unsupported: d.unsupported, TCPOK: d.tcpOK, UDPOK: d.udpOK,
			IPVersion: d.ipVersion, Net: d.net.String(),
			Meta: metaString(d.meta), Inner: metaString(d.inner)}
		if d.tcpOK {
			c := d.tcp
			r.TCP = fmtAny(c.SrcPort, c.DstPort, c.Seq, c.Ack, c.DataOffset, c.FIN, c.SYN, c.RST, c.PSH, c.ACK,
				c.URG, c.ECE, c.CWR, c.NS, c.Window, c.Checksum, c.Urgent, c.Options, c.Padding, c.Multipath,
				c.Contents, c.Payload)
		}
		if d.udpOK {
			c := d.udp
			r.UDP = fmtAny(c.SrcPort, c.DstPort, c.Length, c.Checksum, c.Contents, c.Payload)
		}
		return r
	}
	if a, b := view(f), view(s); a != b {
		t.Fatalf("frame %x (link %v): direct decoder\n%+v\ngopacket's parser\n%+v", data, link, a, b)
	}
	if p.stFast != p.stSlow {
		t.Fatalf("frame %x (link %v): stats %+v, gopacket's parser %+v", data, link, p.stFast, p.stSlow)
	}
	// skim (a shard's look at another's frames) takes exactly the frames
	// the direct decoder decodes as TCP, with their flow's hash.
	h, ok := p.fast.skim(link, data)
	took := p.fast.direct > direct && f.tcpOK && p.stFast.Tunnels == tunnels
	if ok != took {
		t.Fatalf("frame %x (link %v): skim %v, the direct decoder decoded it as TCP: %v", data, link, ok, took)
	}
	if ok {
		p.skimmed++
		if want := FlowHash(f.net.Src().Raw(), f.net.Dst().Raw(), uint16(f.tcp.SrcPort), uint16(f.tcp.DstPort)); h != want {
			t.Fatalf("frame %x (link %v): skim's hash %x, the decoded flow's %x", data, link, h, want)
		}
	}
	if _, ok := p.slow.skim(link, data); ok {
		t.Fatal("skim took a frame with the direct decoder off")
	}
}

func metaString(m any) string { return fmtAny(m) }

func fmtAny(v ...any) string { return fmt.Sprintf("%#v", v) }

// TestFastDecoderSameAsGopacket decodes every frame of the shipped
// captures, of the conformance captures and of the reader's fuzz seeds,
// and frames made to sit on each edge of the direct decoder (VLAN tags,
// IPv4 options, TSO lengths, trailers, truncation, fragments, extension
// headers, tunnels, ports gopacket decodes further), with the direct
// decoder and with gopacket's parser alone: the results must be the same,
// and the direct decoder must have taken most frames of the captures.
func TestFastDecoderSameAsGopacket(t *testing.T) {
	p := newDecodePair()
	var files []string
	dirs := []string{filepath.Join("..", "testdata", "pcaps")}
	if testenv.Have(t, "conformance", "the shipped captures only") {
		dir, _ := testenv.ConformanceDir()
		dirs = append(dirs, dir)
	}
	for _, dir := range dirs {
		for _, pat := range []string{"*.pcap", "*.pcapng", "*.cap", "*.pcap.gz"} {
			m, err := filepath.Glob(filepath.Join(dir, pat))
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, m...)
		}
	}
	if len(files) < 100 {
		t.Fatalf("only %d captures found", len(files))
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		eachFrame(t, b, func(link layers.LinkType, data []byte) { p.check(t, link, data) })
	}
	if p.frames < 3000 || p.directly < p.frames*3/4 {
		t.Fatalf("%d frames, %d of them decoded directly", p.frames, p.directly)
	}
	if p.skimmed < p.frames/2 {
		t.Fatalf("%d frames, %d of them could be skimmed", p.frames, p.skimmed)
	}
	t.Logf("%d frames of %d captures, %d decoded directly, %d could be skimmed", p.frames, len(files), p.directly, p.skimmed)
	edges := newDecodePair()
	for _, c := range fastEdgeFrames(t) {
		edges.check(t, c.link, c.data)
		for n := range len(c.data) { // every truncation too
			edges.check(t, c.link, c.data[:n])
		}
	}
	if edges.directly == 0 || edges.directly == edges.frames {
		t.Fatalf("edge frames: %d of %d decoded directly", edges.directly, edges.frames)
	}
}

// eachFrame calls fn with every frame of the capture file b.
func eachFrame(t testing.TB, b []byte, fn func(layers.LinkType, []byte)) {
	f, err := newFileReader("x", 0, bytes.NewReader(b), nil, func(error) {}, func(Secret) {})
	if err != nil {
		return
	}
	defer f.close()
	for {
		if err := f.next(); err != nil {
			return // io.EOF, or damage (the fuzz seeds have some)
		}
		fn(f.fr.link, f.fr.data)
	}
}

type linkFrame struct {
	link layers.LinkType
	data []byte
}

// fastEdgeFrames are frames on the edges of what the direct decoder takes.
func fastEdgeFrames(t testing.TB) []linkFrame {
	v4 := ip4TCP(t, 1, []byte("v4 payload"))
	v6 := ip6TCP(t, 1, []byte("v6 payload"), layers.IPProtocolTCP, nil)
	hbh := []byte{byte(layers.IPProtocolTCP), 0, 1, 4, 0, 0, 0, 0}
	v6hbh := ip6TCP(t, 1, []byte("v6hbh"), layers.IPProtocolIPv6HopByHop, hbh)
	udp4 := func(sport, dport layers.UDPPort, payload []byte) []byte {
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: cli4, DstIP: srv4}
		u := &layers.UDP{SrcPort: sport, DstPort: dport}
		u.SetNetworkLayerForChecksum(ip)
		return serialize(t, ip, u, gopacket.Payload(payload))
	}
	opts4 := func() []byte { // IPv4 with a 4-byte option (NOPs)
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: cli4, DstIP: srv4,
			Options: []layers.IPv4Option{{OptionType: 1}, {OptionType: 1}, {OptionType: 1}, {OptionType: 0}}}
		tcp := tcpLayer(5)
		tcp.SetNetworkLayerForChecksum(ip)
		return serialize(t, ip, tcp, gopacket.Payload("opts"))
	}
	set := func(b []byte, off int, v uint16) []byte {
		b = bytes.Clone(b)
		binary.BigEndian.PutUint16(b[off:], v)
		return b
	}
	trailer := append(bytes.Clone(v4), 0xde, 0xad, 0xbe, 0xef)
	var out []linkFrame
	add := func(link layers.LinkType, frames ...[]byte) {
		for _, f := range frames {
			out = append(out, linkFrame{link, f})
		}
	}
	ips := [][]byte{v4, v6, v6hbh, opts4(), trailer,
		set(v4, 2, 0),                // TSO: total length 0
		set(v4, 2, 19),               // total length too small
		set(v4, 2, 30),               // total length inside the TCP header
		set(v4, 2, 2000),             // total length past the frame
		set(v4, 6, 0x2000),           // MF: a first fragment
		set(v4, 6, 0x0003),           // a later fragment
		set(v4, 6, 0x4000),           // DF only
		set(v6, 4, 0),                // IPv6 length 0, no hop-by-hop
		set(v6, 4, 8),                // IPv6 length inside the TCP header
		set(v6, 4, 3000),             // IPv6 length past the frame
		set(v4, 0, 0x4500|uint16(6)), // version 4, IHL 5, TOS 6
		set(v4, 0, 0x6500),           // version 6 in an IPv4 slot
		set(v6, 0, 0x4000),           // version 4 in an IPv6 slot
		set(v4, 32, 0x4012),          // TCP data offset 4
		set(v4, 32, 0xf012),          // TCP data offset past the segment
		ip4TCP(t, 1, nil),            // no payload
		udp4(5000, 443, []byte("quic")),
		udp4(5000, 4789, make([]byte, 60)), // VXLAN
		udp4(5000, 2152, make([]byte, 20)), // GTP-U
		udp4(5000, 6080, []byte{0x45, 1, 2, 3}),
		udp4(5000, 53, []byte{0, 1, 2, 3}),
		set(udp4(5000, 443, []byte("x")), 24, 3), // UDP length too small
		set(udp4(5000, 443, []byte("x")), 24, 0), // UDP length 0
	}
	for _, ip := range ips {
		add(layers.LinkTypeRaw, ip)
		add(layers.LinkTypeIPv4, ip)
		add(layers.LinkTypeIPv6, ip)
		add(layers.LinkTypeEthernet, ether(ip), ether(ip, 7), ether(ip, 1, 2, 3))
		e := ether(ip)
		add(layers.LinkTypeEthernet, set(e, 12, 0x0800), set(e, 12, 0x86dd), set(e, 12, 0x0040), set(e, 12, 0x0806))
	}
	for _, f := range ip4Fragments(t, make([]byte, 100), 48) {
		add(layers.LinkTypeEthernet, ether(f))
	}
	for _, f := range ip6Fragments(t, make([]byte, 100), 48) {
		add(layers.LinkTypeEthernet, ether(f))
	}
	for _, b := range append(fuzzSeeds(t), tunnelSeed(t)) {
		eachFrame(t, b, func(link layers.LinkType, data []byte) { add(link, bytes.Clone(data)) })
	}
	return out
}

// FuzzDecodeDirect decodes arbitrary frames as Ethernet, raw IP, IPv4 and
// IPv6 link types with the direct decoder and with gopacket's parser
// alone: the results must be the same (decodePair.check).
func FuzzDecodeDirect(f *testing.F) {
	testenv.SeedCorpus(f, "FuzzDecodeDirect")
	links := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6}
	for _, c := range fastEdgeFrames(f) {
		for i, l := range links {
			if l == c.link && len(c.data) <= 2048 {
				f.Add(uint8(i), c.data)
			}
		}
	}
	p := newDecodePair()
	f.Fuzz(func(t *testing.T, link uint8, data []byte) {
		p.check(t, links[int(link)%len(links)], data)
	})
}
