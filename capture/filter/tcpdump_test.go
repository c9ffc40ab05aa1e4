package filter

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// xcheckExprs are run through both Match and tcpdump on the same packets.
var xcheckExprs = []string{
	"tcp", "udp", "icmp", "icmp6", "arp", "ip", "ip6", "sctp",
	"host 192.168.1.10",
	"src host 192.168.1.10",
	"dst host 8.8.8.8 or 2001:db8::2",
	"host 192.168.1.1",
	"net 192.168.0.0/16",
	"net 10",
	"src net 192.168.1.0 mask 255.255.255.0",
	"net 2001:db8::/32",
	"dst net 2001:db8:1::/48",
	"port 443",
	"tcp port 80 or 443",
	"udp port domain",
	"portrange 50000-52000",
	"src port 51000 and dst port https",
	"src and dst port 5353",
	"port 53 or (icmp and not host 8.8.4.4)",
	"ether host 00:11:22:33:44:55",
	"ether dst ff:ff:ff:ff:ff:ff",
	"ether broadcast", "ether multicast", "ip multicast", "ip6 multicast", "ip broadcast",
	"ether proto 0x0806",
	`ether proto \ip6`,
	"ip proto 17",
	`ip proto \tcp`,
	"ip6 proto 58",
	"proto 6",
	"tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
	"tcp[tcpflags] & tcp-syn != 0",
	"tcp[13] & (tcp-fin|tcp-rst) != 0",
	"ip[6:2] & 0x1fff = 0",
	"not ip[6:2] & 0x1fff = 0",
	"icmp[icmptype] = icmp-echo",
	"icmp6[icmp6type] = icmp6-echo",
	"ip6[6] = 58",
	"udp[8:4] = 0x12345678",
	"arp[7] = 1",
	"ether[0] & 1 != 0",
	"len > 100", "less 60", "greater 200",
	"tcp[100] = 0 or udp",
	"not tcp[100] = 80",
	// With "tcp and": libpcap drops the protocol test of the right operand
	// of an arithmetic operator, so without it tcpdump would read tcp[12]
	// out of UDP and ICMP headers (see doc.go).
	"tcp and ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2) > 0",
	"ip[0] ^ 1 | 2 = 0x46",
	"ip[8] * 2 ^ 3 = 64",
	"not tcp and not arp",
	"host 192.168.1.10 and (port 53 or 443)",
	"tcp or udp and port 53",
	"not udp or icmp and host 8.8.8.8",
	"ip and not ip6 or arp",
	"arp src host 192.168.1.10",
	"arp net 192.168",
	"rarp",
	"host 192.168",
	"ether src 0011.2233.4455",
	"igmp",
	"udp port 5353 or 53",
	"sctp port 2905",
	"tcp portrange http-https",
	"greater 60 and less 60",
	"len - 14 = 46",
	`ip6 proto \tcp`,
	`proto \udp`,
	"icmp[icmpcode] = 0",
	"ip[0] % 3 * 2 = 2",
	"src or dst port 443 and not src and dst port 5353",
	"! (tcp || udp) && ! arp",
}

// xcheckVLANExprs begin with vlan, after which libpcap reads past the tags
// as Match does; they are also checked on the VLAN-tagged packets.
var xcheckVLANExprs = []string{
	"vlan",
	"vlan 100",
	"vlan 300",
	"vlan 100 and tcp port 443",
	"vlan 100 and ip host 10.0.0.1",
	"vlan and vlan and ip host 10.0.0.1",
	"vlan 200 and vlan 300 and udp",
	"vlan 300 and vlan",
}

// TestTcpdumpCrossCheck writes the test packets to a pcap file and checks
// that tcpdump selects the same packets as Match for each of xcheckExprs.
func TestTcpdumpCrossCheck(t *testing.T) {
	tcpdump := testenv.Tool(t, "tcpdump", "no cross-check against libpcap (apt-get install tcpdump)")
	pkts := buildPackets(t)
	path := filepath.Join(t.TempDir(), "xcheck.pcap")
	// A classic pcap file (little-endian, microseconds, LINKTYPE_ETHERNET),
	// written by hand: pcapgo would pull in a module this repository lacks.
	le := binary.LittleEndian
	buf := le.AppendUint32(nil, 0xa1b2c3d4)
	buf = le.AppendUint16(buf, 2)
	buf = le.AppendUint16(buf, 4)
	buf = le.AppendUint64(buf, 0) // thiszone, sigfigs
	buf = le.AppendUint32(buf, 65535)
	buf = le.AppendUint32(buf, 1)
	for i, p := range pkts {
		// Packet i has timestamp i+1 seconds: tcpdump -tt prints it back.
		buf = le.AppendUint32(buf, uint32(i+1))
		buf = le.AppendUint32(buf, 0)
		buf = le.AppendUint32(buf, uint32(len(p.frame)))
		buf = le.AppendUint32(buf, uint32(len(p.frame)))
		buf = append(buf, p.frame...)
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}

	vlanExpr := map[string]bool{}
	for _, e := range xcheckVLANExprs {
		vlanExpr[e] = true
	}
	for _, expr := range append(xcheckExprs[:len(xcheckExprs):len(xcheckExprs)], xcheckVLANExprs...) {
		t.Run(expr, func(t *testing.T) {
			f, err := Compile(expr)
			if err != nil {
				t.Fatalf("Compile(%q): %v", expr, err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var stderr bytes.Buffer
			cmd := exec.CommandContext(ctx, tcpdump, "-r", path, "-nn", "-tt", expr)
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("tcpdump %q: %v: %s", expr, err, stderr.String())
			}
			want := map[int]bool{}
			for _, line := range strings.Split(string(out), "\n") {
				ts, _, ok := strings.Cut(line, ".")
				if !ok {
					continue
				}
				n, err := strconv.Atoi(ts)
				if err != nil || n < 1 || n > len(pkts) {
					t.Fatalf("unexpected tcpdump line %q", line)
				}
				want[n-1] = true
			}
			for i, p := range pkts {
				if p.noXcheck && !vlanExpr[expr] {
					continue
				}
				if got := f.Match(metaOf(p.frame)); got != want[i] {
					t.Errorf("%q on %s: Match = %v, tcpdump = %v", expr, p.name, got, want[i])
				}
			}
		})
	}
}
