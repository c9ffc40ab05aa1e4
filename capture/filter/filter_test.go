package filter

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
)

func netipFrom(ip net.IP) (netip.Addr, bool) {
	a, ok := netip.AddrFromSlice(ip)
	return a.Unmap(), ok
}

// matchCases: expression, packet name, expected match.
var matchCases = []struct {
	name, expr, pkt string
	want            bool
}{
	// protocols
	{"tcp/tcp", "tcp", "tcp4syn", true},
	{"tcp/udp", "tcp", "udp4dns", false},
	{"tcp/tcp6", "tcp", "tcp6", true},
	{"udp", "udp", "udp4dns", true},
	{"udp/frag", "udp", "frag4", true},
	{"icmp", "icmp", "icmp4echo", true},
	{"icmp/icmp6", "icmp", "icmp6echo", false},
	{"icmp6", "icmp6", "icmp6echo", true},
	{"ip", "ip", "tcp4syn", true},
	{"ip/ip6", "ip", "tcp6", false},
	{"ip6", "ip6", "tcp6", true},
	{"arp", "arp", "arp", true},
	{"arp/ip", "arp", "tcp4syn", false},
	{"rarp", "rarp", "arp", false},
	{"sctp", "sctp", "sctp4", true},
	{"igmp", "igmp", "udp4dns", false},

	// host
	{"host/src", "host 192.168.1.10", "tcp4syn", true},
	{"host/dst", "host 93.184.216.34", "tcp4syn", true},
	{"host/no", "host 1.2.3.4", "tcp4syn", false},
	{"src host", "src host 192.168.1.10", "tcp4syn", true},
	{"src host/no", "src host 192.168.1.10", "tcp4synack", false},
	{"dst host", "dst host 192.168.1.10", "tcp4synack", true},
	{"src or dst host", "src or dst host 192.168.1.10", "tcp4synack", true},
	{"src and dst host", "src and dst host 192.168.1.10", "tcp4synack", false},
	{"ip host", "ip host 192.168.1.10", "tcp4syn", true},
	{"ip src", "ip src 192.168.1.10", "tcp4syn", true},
	{"src without host", "src 192.168.1.10", "tcp4syn", true},
	{"host/arp", "host 192.168.1.1", "arp", true},
	{"arp host", "arp dst host 192.168.1.1", "arp", true},
	{"arp src host", "arp src host 192.168.1.1", "arp", false},
	{"ip host/arp", "ip host 192.168.1.1", "arp", false},
	{"host6", "host 2001:db8::1", "tcp6", true},
	{"host6 compressed", "host 2001:0db8:0::0001", "tcp6", true},
	{"ip6 dst host", "ip6 dst host 2001:db8:1::443", "tcp6", true},
	{"host6/v4", "host 2001:db8::1", "tcp4syn", false},
	{"host number", "host 0xc0a8010a", "tcp4syn", true},
	{"host partial", "host 192.168", "tcp4syn", true},

	// net
	{"net/len", "net 192.168.0.0/16", "tcp4syn", true},
	{"net/len no", "net 192.169.0.0/16", "tcp4syn", false},
	{"net/mask", "net 192.168.1.0 mask 255.255.255.0", "tcp4syn", true},
	{"net/partial", "net 10", "tcp4http", true},
	{"net/partial2", "net 10.9", "tcp4http", true},
	{"src net", "src net 10.9.0.0/16", "tcp4http", false},
	{"dst net", "dst net 10.9.0.0/16", "tcp4http", true},
	{"net6", "net 2001:db8::/32", "tcp6", true},
	{"net6 /48", "dst net 2001:db8:1::/48", "tcp6", true},
	{"net6 no", "src net 2001:db8:1::/48", "tcp6", false},
	{"ip6 net", "ip6 net fe80::/10", "udp6mcast", true},
	{"net/0", "net 0.0.0.0/0", "tcp4syn", true},

	// port
	{"port", "port 443", "tcp4syn", true},
	{"port/udp", "port 53", "udp4dns", true},
	{"port/no", "port 80", "tcp4syn", false},
	{"port name", "port https", "tcp4syn", true},
	{"port name domain", "port domain", "udp4dns", true},
	{"tcp port", "tcp port 443", "tcp4syn", true},
	{"udp port/tcp", "udp port 443", "tcp4syn", false},
	{"src port", "src port 51000", "tcp4syn", true},
	{"dst port/no", "dst port 51000", "tcp4syn", false},
	{"src and dst port", "src and dst port 5353", "udp4mcast", true},
	{"port/icmp", "port 0", "icmp4echo", false},
	{"port/frag", "port 53", "frag4", false},
	{"port6", "port 443", "tcp6", true},
	{"sctp port", "sctp port 2905", "sctp4", true},
	{"portrange", "portrange 50000-52000", "tcp4syn", true},
	{"portrange/no", "portrange 1-442", "tcp4syn", false},
	{"portrange names", "tcp portrange http-https", "tcp4syn", true},
	{"dst portrange", "dst portrange 400-500", "tcp4syn", true},

	// ether
	{"ether host", "ether host 00:11:22:33:44:55", "tcp4syn", true},
	{"ether src", "ether src 00:11:22:33:44:55", "tcp4synack", false},
	{"ether dst", "ether dst 0:11:22:33:44:55", "tcp4synack", true},
	{"ether dot form", "ether src 0011.2233.4455", "tcp4syn", true},
	{"ether dash form", "ether src 00-11-22-33-44-55", "tcp4syn", true},
	{"ether broadcast", "ether broadcast", "arp", true},
	{"broadcast", "broadcast", "tcp4syn", false},
	{"ether multicast", "ether multicast", "udp6mcast", true},
	{"multicast/bcast", "multicast", "arp", true},
	{"ether proto", "ether proto 0x0806", "arp", true},
	{"ether proto name", `ether proto \ip6`, "tcp6", true},
	{"ether proto name bare", "ether proto arp", "tcp6", false},

	// ip proto, broadcast, multicast
	{"ip proto", "ip proto 17", "udp4dns", true},
	{"ip proto esc", `ip proto \tcp`, "tcp4syn", true},
	{"ip proto/v6", "ip proto 6", "tcp6", false},
	{"ip6 proto", "ip6 proto 58", "icmp6echo", true},
	{"proto", "proto 6", "tcp6", true},
	{"proto name", "proto udp", "udp4dns", true},
	{"ip multicast", "ip multicast", "udp4mcast", true},
	{"ip multicast/no", "ip multicast", "udp4dns", false},
	{"ip broadcast", "ip broadcast", "udp4bcast", true},
	{"ip6 multicast", "ip6 multicast", "udp6mcast", true},

	// vlan
	{"vlan", "vlan", "vlan100", true},
	{"vlan/untagged", "vlan", "tcp4syn", false},
	{"vlan id", "vlan 100", "vlan100", true},
	{"vlan id/no", "vlan 101", "vlan100", false},
	{"vlan and tcp", "vlan 100 and tcp port 443", "vlan100", true},
	{"qinq", "vlan 200 and vlan 300", "qinq", true},
	{"qinq order", "vlan 300 and vlan 200", "qinq", false},
	{"qinq inner only", "vlan and vlan 300 and udp", "qinq", true},

	// length
	{"less", "less 60", "tcp4syn", true},
	{"less/no", "less 60", "tcp4data", false},
	{"greater", "greater 200", "tcp4data", true},
	{"greater/no", "greater 200", "tcp4syn", false},
	{"len", "len = 60", "tcp4syn", true},
	{"len arith", "len - 14 = 46", "tcp4syn", true},

	// qualifier carry-over
	{"carry host", "host 1.2.3.4 or 192.168.1.10", "tcp4syn", true},
	{"carry src host", "src host 1.2.3.4 or 93.184.216.34", "tcp4syn", false},
	{"carry tcp port", "tcp port 80 or 443", "tcp4syn", true},
	{"carry tcp port/udp", "tcp port 80 or 53", "udp4dns", false},
	{"carry not", "host 192.168.1.10 and not 8.8.8.8", "udp4dns", false},
	{"carry not 2", "host 192.168.1.10 and not 8.8.4.4", "udp4dns", true},
	{"carry paren", "port 80 and (443 or 51000)", "tcp4syn", false},
	{"carry paren 2", "port 443 and (80 or 51000)", "tcp4syn", true},
	{"carry net", "net 10.0.0.0/8 or 192.168.0.0/16", "tcp4syn", true},
	{"carry portrange", "portrange 1-2 or 440-450", "tcp4syn", true},
	{"carry then relation", "port 443 and 100 - 40 = 60", "tcp4syn", true},
	{"carry then relation 2", "net 10 or len / 2 = 30", "tcp4syn", true},
	{"carry ether", "ether src 66:77:88:99:aa:bb or 00:11:22:33:44:55", "tcp4syn", true},
	{"carry ip6", "host ::1 or 2001:db8::1", "tcp6", true},

	// precedence: not binds tighter; and/or equal, left-associative
	{"not", "not tcp", "udp4dns", true},
	{"not and", "not tcp and udp", "udp4dns", true},
	{"left assoc 1", "tcp or udp and port 80", "udp4dns", false},   // (tcp or udp) and port 80
	{"left assoc 2", "tcp or udp and port 53", "udp4dns", true},    // (tcp or udp) and port 53
	{"left assoc 3", "udp and port 80 or icmp", "icmp4echo", true}, // (udp and port 80) or icmp
	{"left assoc 4", "port 443 or udp and tcp", "tcp4syn", true},   // (port 443 or udp) and tcp
	{"left assoc 5", "port 443 or icmp and udp", "tcp4syn", false}, // (port 443 or icmp) and udp
	{"parens", "port 443 or (icmp and udp)", "tcp4syn", true},
	{"symbols", "!udp && (tcp || icmp)", "tcp4syn", true},
	{"not not", "not not tcp", "tcp4syn", true},
	{"not paren", "not (tcp or udp)", "icmp4echo", true},

	// accessors and arithmetic
	{"tcpflags syn", "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn", "tcp4syn", true},
	{"tcpflags synack", "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn", "tcp4synack", false},
	{"tcpflags fin", "tcp[13] & tcp-fin != 0", "tcp4http", true},
	{"tcpflags push", "tcp[tcpflags] & tcp-push != 0", "tcp4data", true},
	{"tcpflags rst", "tcp[tcpflags] & tcp-rst != 0", "tcp4data", false},
	{"tcpflags ece/cwr/urg", "tcp[tcpflags] & (tcp-ece|tcp-cwr|tcp-urg) = 0", "tcp4data", true},
	{"tcp[] on udp", "tcp[13] = 2", "udp4dns", false},
	{"tcp[] on ip6", "tcp[13] = 2", "tcp6", false},
	{"not tcp[] on udp", "not tcp[13] = 2", "udp4dns", true},
	{"frag offset zero", "ip[6:2] & 0x1fff = 0", "tcp4syn", true},
	{"frag offset", "ip[6:2] & 0x1fff = 0", "frag4", false},
	{"ip version", "ip[0] >> 4 = 4", "udp4dns", true},
	{"ip hl", "ip[0] & 0xf != 5", "udp4dns", false},
	{"right operand proto", "ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2) > 0", "udp4dns", false},
	{"ip payload len", "ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2) = 200", "tcp4data", true},
	{"ip6 next header", "ip6[6] = 58", "icmp6echo", true},
	{"ip6 on ip", "ip6[6] = 6", "tcp4syn", false},
	{"udp word", "udp[8:4] = 0x12345678", "udp4dns", true},
	{"udp half", "udp[2:2] = 53", "udp4dns", true},
	{"icmptype", "icmp[icmptype] = icmp-echo", "icmp4echo", true},
	{"icmptype reply", "icmp[icmptype] = icmp-echoreply", "icmp4echo", false},
	{"icmpcode", "icmp[icmpcode] = 0", "icmp4echo", true},
	{"icmp6type", "icmp6[icmp6type] = icmp6-echo", "icmp6echo", true},
	{"ether[]", "ether[12:2] = 0x0800", "tcp4syn", true},
	{"ether[] mac", "ether[0] & 1 = 1", "udp6mcast", true},
	{"link[]", "link[12:2] = 0x86dd", "tcp6", true},
	{"arp[]", "arp[7] = 1", "arp", true},
	{"sctp[]", "sctp[0:2] = 2905", "sctp4", true},
	{"index expr", "tcp[6 + 7] = 2", "tcp4syn", true},
	{"index load", "ip[ip[0] & 0xf] = 0x80", "udp4dns", false},
	{"arith ops", "(1 + 2) * 3 - 4 / 2 = 7", "tcp4syn", true},
	{"xor rightish", "ip[0] ^ 1 | 2 = 0x46", "tcp4syn", true},
	{"mod", "len % 10 = 0", "tcp4syn", true},
	{"shift", "1 << 4 = 16 and 256 >> 4 = 16", "tcp4syn", true},
	{"neg", "-1 = 0xffffffff", "tcp4syn", true},
	{"neg len", "-len = 0xffffffc4", "tcp4syn", true},
	{"relops", "len > 59 and len >= 60 and len < 61 and len <= 60 and len != 1 and len == 60", "tcp4syn", true},
	{"octal", "len = 074", "tcp4syn", true},

	// out-of-range loads reject the whole packet, even under not/or
	{"oob", "tcp[100] = 0", "tcp4syn", false},
	{"oob not", "not tcp[100] = 0", "tcp4syn", false},
	{"oob or later", "tcp[100] = 0 or tcp", "tcp4syn", false},
	{"oob or earlier", "tcp or tcp[100] = 0", "tcp4syn", true},
	{"oob skipped", "tcp[100] = 0 or udp", "udp4dns", true},
	{"in range", "tcp[100] = 80", "tcp4data", true},
	{"oob ether", "ether[1000:4] = 0 or 1 = 1", "tcp4syn", false},

	// empty expression
	{"empty", "", "arp", true},
	{"blank", "  \t", "arp", true},
}

func packetsByName(t testing.TB) map[string]*Meta {
	ms := map[string]*Meta{}
	for _, p := range buildPackets(t) {
		ms[p.name] = metaOf(p.frame)
	}
	return ms
}

func TestMatch(t *testing.T) {
	ms := packetsByName(t)
	for _, c := range matchCases {
		t.Run(c.name, func(t *testing.T) {
			m, ok := ms[c.pkt]
			if !ok {
				t.Fatalf("no packet %q", c.pkt)
			}
			f, err := Compile(c.expr)
			if err != nil {
				t.Fatalf("Compile(%q): %v", c.expr, err)
			}
			if got := f.Match(m); got != c.want {
				t.Errorf("Compile(%q) [%s] Match(%s) = %v, want %v", c.expr, f, c.pkt, got, c.want)
			}
			// The canonical form means the same.
			g, err := Compile(f.String())
			if err != nil {
				t.Fatalf("Compile(String() = %q): %v", f.String(), err)
			}
			if got := g.Match(m); got != c.want {
				t.Errorf("canonical %q Match(%s) = %v, want %v", f, c.pkt, got, c.want)
			}
		})
	}
}

func TestString(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"host 1.2.3.4 or 5.6.7.8", "host 1.2.3.4 or host 5.6.7.8"},
		{"tcp port 80 or 443", "tcp port 80 or tcp port 443"},
		{"tcp port 80 or 443 and not 8080", "(tcp port 80 or tcp port 443) and not tcp port 8080"},
		{"a or b", ""}, // hostnames: error, checked below
		{"tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn", "(tcp[13:1] & 18) = 2"},
		{"ip[6:2] & 0x1fff = 0", "(ip[6:2] & 8191) = 0"},
		{"src or dst port https", "port 443"},
		{"ip src and dst host 10.0.0.1", "ip src and dst host 10.0.0.1"},
		{"ether src 0:1:2:3:4:5", "ether src host 00:01:02:03:04:05"},
		{"net 10", "net 10.0.0.0/8"},
		{"host 10.1", "net 10.1.0.0/16"},
		{"net 192.168.0.0 mask 255.255.0.0", "net 192.168.0.0/16"},
		{"net 2001:DB8::/32", "net 2001:db8::/32"},
		{"portrange 2000-1000", "portrange 1000-2000"},
		{`ether proto \arp`, "ether proto 2054"},
		{"ip proto tcp", "ip proto 6"},
		{"ip[0] * 2 ^ 3 = 1", "(ip[0:1] * 1) = 1"},
		{"ip[0] ^ 1 + 1 = 1", "(ip[0:1] ^ 2) = 1"},
		{"len - 1 - 1 > 0", "((len - 1) - 1) > 0"},
		{"-len = 1", "-len = 1"},
		{"vlan and vlan 3", "vlan and vlan 3"},
		{"not (tcp and udp)", "not (tcp and udp)"},
		{"less 10 or greater 0x10", "less 10 or greater 16"},
		{"ip broadcast or ip6 multicast", "ip broadcast or ip6 multicast"},
	} {
		f, err := Compile(c.in)
		if c.want == "" {
			if err == nil {
				t.Errorf("Compile(%q) = %q, want error", c.in, f)
			}
			continue
		}
		if err != nil {
			t.Errorf("Compile(%q): %v", c.in, err)
			continue
		}
		if got := f.String(); got != c.want {
			t.Errorf("Compile(%q).String() = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"gateway 1.2.3.4", `filter: "gateway" is not supported (at column 1)`},
		{"tcp and atalk", `filter: "atalk" is not supported (at column 9)`},
		{"decnet src 1.2", `"decnet" is not supported (at column 1)`},
		{"wlan host 1:2:3:4:5:6", `"wlan" is not supported`},
		{"mpls 3", `"mpls" is not supported`},
		{"pppoes", `"pppoes" is not supported`},
		{"geneve", `"geneve" is not supported`},
		{"ip protochain 6", `"protochain" is not supported (at column 4)`},
		{"host example.com", `hostnames are not supported: "example.com"; use a numeric address (at column 6)`},
		{"src host foo", `hostnames are not supported: "foo"`},
		{"ether host myrouter", `hostnames are not supported: "myrouter"`},
		{"example.com", `hostnames are not supported: "example.com"`},
		{"10.0.0.1", `"10.0.0.1" needs a qualifier such as host, net or port (at column 1)`},
		{"tcp or 80", `"80" needs a qualifier`},
		{"port 80 and", "unexpected end of expression (at column 12)"},
		{"host", "missing value"},
		{"(tcp", `expected ')'`},
		{"tcp)", `syntax error: unexpected ")" (at column 4)`},
		{"tcp[13 = 2", `expected ']'`},
		{"tcp[13:3] = 2", "data size must be 1, 2, or 4 (at column 8)"},
		{"tcp[13] & 2", "expected a comparison"},
		{"port 70000", "illegal port number 70000 > 65535 (at column 6)"},
		{"port nosuchservice", `unknown port name "nosuchservice"`},
		{"net 10.0.0.1/8", `non-network bits set in "10.0.0.1"`},
		{"net 10.0.0.0/33", "bad prefix length"},
		{"net 10.0.0.0 mask 255.0.255.0", "non-contiguous netmask"},
		{"tcp host 1.2.3.4", "'tcp' modifier applied to host"},
		{"ip host ::1", "'ip' modifier applied to ip6 host"},
		{"ip6 host 1.2.3.4", "'ip6' modifier applied to ip host"},
		{"ether port 80", "'ether' modifier applied to port"},
		{"ip port 80", "'ip' modifier applied to port"},
		{"ip6 portrange 1-2", "'ip6' modifier applied to port"},
		{"ether 00:11:22:33:44:55", `"ether" needs a qualifier`},
		{"host 1:2:3:4:5:6", "ethernet address \"1:2:3:4:5:6\" used in non-ether expression"},
		{"ether host 1.2.3.4", "bad ethernet address"},
		{"ether", `"ether" needs a qualifier`},
		{"vlan 4096", "VLAN id 4096 greater than maximum 4095"},
		{"tcp[0] / 0 = 1", "division by zero (at column 8)"},
		{"len % 0 = 1", "modulus by zero"},
		{"len << 32 = 0", "shift by more than 31 bits"},
		{"ip proto 256", "bad ip proto"},
		{"ether proto 0x10000", "bad ether proto"},
		{"ether proto \\ipx", `ether proto "ipx" is not supported`},
		{"ip6 broadcast", `"ip6" broadcast is not supported`},
		{"host 1.2.3.4 $", "unexpected character '$' (at column 14)"},
		{"len = 99999999999", "bad number"},
		{"src src host 1.2.3.4", "syntax error"},
		{"not", "unexpected end of expression"},
		{strings.Repeat("(", 300) + "tcp" + strings.Repeat(")", 300), "nested deeper than"},
	} {
		f, err := Compile(c.in)
		if err == nil {
			t.Errorf("Compile(%q) = %q, want error containing %q", c.in, f, c.want)
			continue
		}
		var fe *Error
		if !errors.As(err, &fe) {
			t.Errorf("Compile(%q) error %T is not *Error", c.in, err)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Compile(%q) error = %q, want it to contain %q", c.in, err, c.want)
		}
	}
}

// TestNoPanic runs every expression of the tables against crafted Metas:
// empty, inconsistent and truncated ones. Nothing may panic.
func TestNoPanic(t *testing.T) {
	ms := packetsByName(t)
	var metas []*Meta
	metas = append(metas, &Meta{}, &Meta{IPVersion: 4, Proto: 6, HasPorts: true},
		&Meta{IPVersion: 6, Proto: 58}, &Meta{EtherType: 0x0806, HasEther: true, Link: []byte{1, 2, 3}},
		&Meta{EtherType: 0x0806, HasEther: true, VLANs: []uint16{1, 2, 3, 4, 5, 6, 7, 8}},
		&Meta{VLANs: []uint16{0xffff}, Length: -1}, &Meta{IPVersion: 9, L3: []byte{0}})
	for _, m := range ms {
		metas = append(metas, m)
		for _, n := range []int{0, 1, 13, 14, 20} {
			c := *m
			c.Link = c.Link[:min(n, len(c.Link))]
			c.L3 = c.L3[:min(n, len(c.L3))]
			c.L4 = c.L4[:min(n, len(c.L4))]
			metas = append(metas, &c)
		}
	}
	for _, c := range matchCases {
		f, err := Compile(c.expr)
		if err != nil {
			t.Fatalf("Compile(%q): %v", c.expr, err)
		}
		for _, m := range metas {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("Match(%q) panicked on %+v: %v", c.expr, m, r)
					}
				}()
				f.Match(m)
			}()
		}
	}
	var nilF *Filter
	if !nilF.Match(&Meta{}) {
		t.Error("nil Filter should match")
	}
	f, _ := Compile("tcp")
	if f.Match(nil) {
		t.Error("Match(nil) should be false")
	}
}

func BenchmarkMatch(b *testing.B) {
	ms := packetsByName(b)
	for _, c := range []struct{ name, expr string }{
		{"port", "tcp port 443"},
		{"host_or_net", "host 10.0.0.1 or net 192.168.0.0/16"},
		{"flags", "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn"},
		{"complex", "(tcp port 443 or udp port 53) and not host 8.8.4.4 and ip[6:2] & 0x1fff = 0"},
	} {
		f, err := Compile(c.expr)
		if err != nil {
			b.Fatal(err)
		}
		m := ms["tcp4syn"]
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f.Match(m)
			}
		})
	}
}
