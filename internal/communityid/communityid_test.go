package communityid

import (
	"crypto/sha1"
	"encoding/base64"
	"net/netip"
	"testing"
)

var (
	v4a = netip.MustParseAddr("1.2.3.4")
	v4b = netip.MustParseAddr("5.6.7.8")
	v6a = netip.MustParseAddr("fe80:0001:0203:0405:0607:0809:0A0B:0C0D")
	v6b = netip.MustParseAddr("fe80:1011:1213:1415:1617:1819:1A1B:1C1D")
)

// specTables are the three tables of the spec's baseline/README.md
// ("Sample results"): the default seed 0 with base64, seed 1, and seed 0
// in hex. The ICMP rows give the type and code, the port-less rows (RSVP)
// no ports.
var specTables = []struct {
	proto            uint8
	src, dst         netip.Addr
	sport, dport     uint16 // ICMP: type and code
	ports            bool
	deflt, seed1, hx string
}{
	{6, v4a, v4b, 1122, 3344, true, "1:wCb3OG7yAFWelaUydu0D+125CLM=", "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=", "1:c026f7386ef200559e95a53276ed03fb5db908b3"},
	{6, v4b, v4a, 3344, 1122, true, "1:wCb3OG7yAFWelaUydu0D+125CLM=", "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=", "1:c026f7386ef200559e95a53276ed03fb5db908b3"},
	{17, v4a, v4b, 1122, 3344, true, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=", "1:OShq+iKDAMVouh/4bMxB9Sz4amw=", "1:d0cbbd227431eb3e1988264cffb1d78b658c84e8"},
	{17, v4b, v4a, 3344, 1122, true, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=", "1:OShq+iKDAMVouh/4bMxB9Sz4amw=", "1:d0cbbd227431eb3e1988264cffb1d78b658c84e8"},
	{132, v4a, v4b, 1122, 3344, true, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=", "1:uitchpn5MMGAQKBJh7bIr/bAr7s=", "1:10ab7832cc6ec9a13a98bfa19ab12443d72c0c3f"},
	{132, v4b, v4a, 3344, 1122, true, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=", "1:uitchpn5MMGAQKBJh7bIr/bAr7s=", "1:10ab7832cc6ec9a13a98bfa19ab12443d72c0c3f"},
	{1, v4a, v4b, 8, 0, true, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=", "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=", "1:72ba1d4472f6144b078dbbf752446b7dbb386d9d"},
	{1, v4b, v4a, 0, 0, true, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=", "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=", "1:72ba1d4472f6144b078dbbf752446b7dbb386d9d"},
	{1, v4a, v4b, 11, 0, true, "1:f/YiSyWqczrTgfUCZlBUnvHRcPk=", "1:1DD7cWGC/Yg91YGsQeni8du3pIA=", "1:7ff6224b25aa733ad381f5026650549ef1d170f9"},
	{58, v6a, v6b, 128, 0, true, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=", "1:IO27GQzPuCtNnwFvjWALMHu5tJE=", "1:d1b7fb872309530b777cc103ef3f0b21f46905ea"},
	{58, v6b, v6a, 129, 0, true, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=", "1:IO27GQzPuCtNnwFvjWALMHu5tJE=", "1:d1b7fb872309530b777cc103ef3f0b21f46905ea"},
	{58, v6a, v6b, 146, 0, true, "1:fYC8+pz24E+EhANP1EZhpX0Dw10=", "1:Cv4IKJe56BNkF0MBW2YxQ3Nwc3s=", "1:7d80bcfa9cf6e04f8484034fd44661a57d03c35d"},
	{46, v4a, v4b, 0, 0, false, "1:ikv3kmf89luf73WPz1jOs49S768=", "1:/buhqeOmaRCopOZFy9HnoJd5XW8=", "1:8a4bf79267fcf65b9fef758fcf58ceb38f52efaf"},
	{46, v4b, v4a, 0, 0, false, "1:ikv3kmf89luf73WPz1jOs49S768=", "1:/buhqeOmaRCopOZFy9HnoJd5XW8=", "1:8a4bf79267fcf65b9fef758fcf58ceb38f52efaf"},
	{46, v6a, v6b, 0, 0, false, "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=", "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=", "1:c10ff69b0ae75cfe259897077462f978f8d1f9ed"},
	{46, v6b, v6a, 0, 0, false, "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=", "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=", "1:c10ff69b0ae75cfe259897077462f978f8d1f9ed"},
}

func TestSpecTables(t *testing.T) {
	for _, tc := range specTables {
		for _, seed := range []uint16{0, 1} {
			var f Flow
			if tc.proto == ProtoICMP || tc.proto == ProtoICMPv6 {
				f = ICMP(seed, tc.proto, tc.src, tc.dst, uint8(tc.sport), uint8(tc.dport))
			} else {
				f = Flow{Seed: seed, Proto: tc.proto, Src: tc.src, Dst: tc.dst, SrcPort: tc.sport, DstPort: tc.dport, Ports: tc.ports}
			}
			want := tc.deflt
			if seed == 1 {
				want = tc.seed1
			}
			if got := f.String(); got != want {
				t.Errorf("proto %d %v:%d > %v:%d seed %d: %s, want %s", tc.proto, tc.src, tc.sport, tc.dst, tc.dport, seed, got, want)
			}
			if seed == 0 {
				if got := f.Hex(); got != tc.hx {
					t.Errorf("proto %d %v:%d > %v:%d hex: %s, want %s", tc.proto, tc.src, tc.sport, tc.dst, tc.dport, got, tc.hx)
				}
			}
			// V1 takes the port-bearing and the port-less protocols.
			if tc.proto != ProtoICMP && tc.proto != ProtoICMPv6 {
				got := V1(seed, tc.proto, netip.AddrPortFrom(tc.src, tc.sport), netip.AddrPortFrom(tc.dst, tc.dport))
				if got != want {
					t.Errorf("V1 proto %d %v:%d > %v:%d seed %d: %s, want %s", tc.proto, tc.src, tc.sport, tc.dst, tc.dport, seed, got, want)
				}
			}
		}
	}
}

// TestByteLayout hashes the spec's own example by hand: the 5-tuples
// 10.0.0.1:1234 > 127.0.0.1:80 and back both order into 10.0.0.1,
// 127.0.0.1, 1234, 80, after the 2-byte seed and before the protocol and
// its padding byte.
func TestByteLayout(t *testing.T) {
	in := []byte{
		0, 0, // seed
		10, 0, 0, 1, // smaller address
		127, 0, 0, 1,
		6, 0, // proto, padding
		0x04, 0xd2, // 1234
		0, 80,
	}
	sum := sha1.Sum(in)
	want := "1:" + base64.StdEncoding.EncodeToString(sum[:])
	a := netip.MustParseAddrPort("10.0.0.1:1234")
	b := netip.MustParseAddrPort("127.0.0.1:80")
	if got := V1(0, ProtoTCP, a, b); got != want {
		t.Errorf("out: %s, want %s", got, want)
	}
	if got := V1(0, ProtoTCP, b, a); got != want {
		t.Errorf("back: %s, want %s", got, want)
	}
}

func TestOrdering(t *testing.T) {
	for _, tc := range []struct {
		name   string
		proto  uint8
		a, b   string
		differ bool // the two endpoints swapped give another flow
	}{
		{"v4 addresses decide", ProtoTCP, "192.168.1.10:443", "10.0.0.1:50000", false},
		{"equal addresses, ports decide", ProtoTCP, "127.0.0.1:443", "127.0.0.1:50000", false},
		{"equal endpoints", ProtoUDP, "127.0.0.1:443", "127.0.0.1:443", false},
		{"v6", ProtoUDP, "[2001:db8::2]:443", "[2001:db8::1]:50000", false},
		{"v6 equal addresses", ProtoUDP, "[::1]:443", "[::1]:4433", false},
	} {
		a, b := netip.MustParseAddrPort(tc.a), netip.MustParseAddrPort(tc.b)
		x, y := V1(0, tc.proto, a, b), V1(0, tc.proto, b, a)
		if x == "" || x != y {
			t.Errorf("%s: %s and %s", tc.name, x, y)
		}
	}
	// A one-way ICMP message keeps its direction.
	x := ICMP(0, ProtoICMP, v4a, v4b, 3, 1).String()
	y := ICMP(0, ProtoICMP, v4b, v4a, 3, 1).String()
	if x == y {
		t.Errorf("destination unreachable both ways: %s", x)
	}
}

func TestMappedAndInvalid(t *testing.T) {
	// An IPv4-mapped IPv6 address hashes as the IPv4 address.
	v4 := V1(0, ProtoTCP, netip.MustParseAddrPort("10.0.0.1:1234"), netip.MustParseAddrPort("10.0.0.2:443"))
	mapped := V1(0, ProtoTCP, netip.MustParseAddrPort("[::ffff:10.0.0.1]:1234"), netip.MustParseAddrPort("10.0.0.2:443"))
	if v4 != mapped {
		t.Errorf("mapped %s, want %s", mapped, v4)
	}
	for _, tc := range [][2]netip.AddrPort{
		{{}, netip.MustParseAddrPort("10.0.0.2:443")},
		{netip.MustParseAddrPort("10.0.0.1:1234"), netip.MustParseAddrPort("[2001:db8::1]:443")},
	} {
		if got := V1(0, ProtoTCP, tc[0], tc[1]); got != "" {
			t.Errorf("%v > %v: %q, want \"\"", tc[0], tc[1], got)
		}
	}
}
