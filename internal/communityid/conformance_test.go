package communityid

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/internal/testenv"
)

// baselineEntry is one flow tuple of the spec's baseline_*.json, as
// pycommunityid's community-id-pcap wrote it: for ICMP and ICMPv6 the
// ports are the type and its counterpart type, or the type and the code
// for a one-way message; port-less protocols have null ports.
type baselineEntry struct {
	Proto       uint8   `json:"proto"`
	Saddr       string  `json:"saddr"`
	Daddr       string  `json:"daddr"`
	Sport       *uint16 `json:"sport"`
	Dport       *uint16 `json:"dport"`
	CommunityID string  `json:"communityid"`
}

func (e baselineEntry) key() string {
	p := func(v *uint16) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprint(*v)
	}
	return fmt.Sprintf("%d %s %s %s %s", e.Proto, e.Saddr, e.Daddr, p(e.Sport), p(e.Dport))
}

// flow rebuilds the entry's flow for seed.
func (e baselineEntry) flow(t *testing.T, seed uint16) Flow {
	t.Helper()
	src, err1 := netip.ParseAddr(e.Saddr)
	dst, err2 := netip.ParseAddr(e.Daddr)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatalf("%s: %v", e.key(), err)
	}
	switch {
	case e.Sport == nil || e.Dport == nil:
		return Flow{Seed: seed, Proto: e.Proto, Src: src, Dst: dst}
	case e.Proto == ProtoICMP || e.Proto == ProtoICMPv6:
		// The type and code are enough: a type with a counterpart maps
		// to it whatever its code.
		return ICMP(seed, e.Proto, src, dst, uint8(*e.Sport), uint8(*e.Dport))
	}
	return Flow{Seed: seed, Proto: e.Proto, Src: src, Dst: dst, SrcPort: *e.Sport, DstPort: *e.Dport, Ports: true}
}

func readBaseline(t *testing.T, dir, name string) []baselineEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "baseline", name))
	if err != nil {
		t.Fatal(err)
	}
	var out []baselineEntry
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no entries", name)
	}
	return out
}

func conformanceDir(t *testing.T) string {
	return filepath.Join(testenv.Conformance(t, "the Community ID baselines (corelight/community-id-spec)"), "community-id")
}

// TestBaselines recomputes every tuple of the three baseline files: the
// default seed 0, seed 1, and seed 0 in hex. They hold TCP, UDP, SCTP,
// ICMP, ICMPv6 and RSVP (port-less) flows, all compared.
func TestBaselines(t *testing.T) {
	dir := conformanceDir(t)
	compared := map[uint8]int{}
	for _, b := range []struct {
		file string
		seed uint16
		hex  bool
	}{
		{"baseline_deflt.json", 0, false},
		{"baseline_seed1.json", 1, false},
		{"baseline_nob64.json", 0, true},
	} {
		for _, e := range readBaseline(t, dir, b.file) {
			f := e.flow(t, b.seed)
			got := f.String()
			if b.hex {
				got = f.Hex()
			}
			if got != e.CommunityID {
				t.Errorf("%s: %s: %s, want %s", b.file, e.key(), got, e.CommunityID)
			}
			compared[e.Proto]++
		}
	}
	if compared[ProtoTCP] == 0 || compared[ProtoUDP] == 0 {
		t.Fatalf("no TCP or UDP tuples compared: %v", compared)
	}
	t.Logf("tuples compared, by protocol: %v", compared)
}

// TestPcaps reads the spec's pcaps packet by packet, computes the
// Community ID of each from its headers, as a monitor would, and checks
// it against the default baseline's entry for that tuple. Every packet
// must find its entry, and every baseline entry of these pcaps must be
// met by a packet. The baseline's RSVP entries come from rsvp.pcap,
// which the corpus does not carry: 2 tuples, compared by TestBaselines
// only.
func TestPcaps(t *testing.T) {
	dir := conformanceDir(t)
	want := map[string]string{}
	for _, e := range readBaseline(t, dir, "baseline_deflt.json") {
		want[e.key()] = e.CommunityID
	}
	met := map[string]bool{}
	packets := map[uint8]int{}
	for _, name := range []string{"tcp.pcap", "udp.pcap", "ipv6.pcap", "sctp.pcap", "icmp.pcap", "icmp6.pcap"} {
		for i, e := range pcapTuples(t, filepath.Join(dir, "pcaps", name)) {
			w, ok := want[e.key()]
			if !ok {
				t.Errorf("%s packet %d: %s not in the baseline", name, i+1, e.key())
				continue
			}
			if e.CommunityID != w {
				t.Errorf("%s packet %d: %s: %s, want %s", name, i+1, e.key(), e.CommunityID, w)
			}
			met[e.key()] = true
			packets[e.Proto]++
		}
	}
	unmet := 0
	for k := range want {
		if !met[k] {
			unmet++
		}
	}
	// The RSVP flow, both ways.
	if unmet != 2 {
		t.Errorf("%d baseline tuples met by no packet, want 2 (RSVP)", unmet)
	}
	if packets[ProtoTCP] == 0 || packets[ProtoUDP] == 0 {
		t.Fatalf("no TCP or UDP packets compared: %v", packets)
	}
	t.Logf("%d distinct tuples met; packets compared, by protocol: %v", len(met), packets)
}

// pcapTuples is the tuple of each IP packet of the capture, with our
// Community ID of it in CommunityID. The packets come through
// capture.OpenFiles, as ssldissect reads them: the TCP and UDP ones take
// their addresses and ports from its decoding, the others (SCTP, ICMP,
// ICMPv6) are decoded again here with gopacket.
func pcapTuples(t *testing.T, path string) []baselineEntry {
	t.Helper()
	src, err := capture.OpenFiles([]string{path}, capture.Options{OnWarning: func(err error) { t.Errorf("%s: %v", path, err) }})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out []baselineEntry
	for {
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		saddr, ok1 := netip.AddrFromSlice(p.Net.Src().Raw())
		daddr, ok2 := netip.AddrFromSlice(p.Net.Dst().Raw())
		if !ok1 || !ok2 {
			t.Fatalf("%s packet %d: not IP", path, p.FileNum)
		}
		saddr, daddr = saddr.Unmap(), daddr.Unmap()
		e := baselineEntry{Saddr: saddr.String(), Daddr: daddr.String()}
		withPorts := func(proto uint8, s, d uint16) {
			e.Proto, e.Sport, e.Dport = proto, &s, &d
			e.CommunityID = V1(0, proto, netip.AddrPortFrom(saddr, s), netip.AddrPortFrom(daddr, d))
		}
		switch {
		case p.TCP != nil:
			withPorts(ProtoTCP, uint16(p.TCP.SrcPort), uint16(p.TCP.DstPort))
		case p.UDP != nil:
			withPorts(ProtoUDP, uint16(p.UDP.SrcPort), uint16(p.UDP.DstPort))
		default:
			pkt := gopacket.NewPacket(p.Data, p.LinkType, gopacket.Default)
			if l, ok := pkt.Layer(layers.LayerTypeSCTP).(*layers.SCTP); ok {
				withPorts(ProtoSCTP, uint16(l.SrcPort), uint16(l.DstPort))
				break
			}
			var icmp Flow
			if l, ok := pkt.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); ok {
				icmp = ICMP(0, ProtoICMP, saddr, daddr, l.TypeCode.Type(), l.TypeCode.Code())
			} else if l, ok := pkt.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6); ok {
				icmp = ICMP(0, ProtoICMPv6, saddr, daddr, l.TypeCode.Type(), l.TypeCode.Code())
			} else {
				t.Fatalf("%s packet %d: neither TCP, UDP, SCTP nor ICMP", path, p.FileNum)
			}
			e.Proto, e.Sport, e.Dport = icmp.Proto, &icmp.SrcPort, &icmp.DstPort
			e.CommunityID = icmp.String()
		}
		out = append(out, e)
	}
	return out
}
