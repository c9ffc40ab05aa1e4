package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/netip"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// The connections' wire figures (the "tcp" and "udp" objects, README
// "Wire figures") against tshark 4.0's decode of the same captures.
//
// TCP, per connection and direction: packets, frame bytes and payload
// bytes are tshark's frames of the TCP stream (what `-z conv,tcp` counts:
// frame.len, tcp.len), with two differences, each checked here rather than
// left out:
//
//   - ICMP errors that quote the connection's TCP header (tshark dissects
//     the quoted header and puts the frame in the stream) are not
//     segments of the connection.
//   - The connection ends, and its summary is written, with the packet
//     that completes the FINs of both directions: the frames after it
//     (the last ACK, retransmitted FINs) are not counted, tshark's are.
//
// Retransmissions are segments with payload whose first byte came in an
// earlier segment of the direction; the test counts them from tshark's
// sequence numbers and lengths (tcp.seq, tcp.len), and then holds each
// difference from tshark's own flags (tcp.analysis.retransmission,
// fast_retransmission, spurious_retransmission) to one of the reasons
// they differ by definition:
//
//   - tshark flags a segment whose sequence number is below the highest
//     seen, also when its bytes are new: the segments that fill a hole
//     left by a later one ("previous segment not captured"), and, where
//     the SYN-ACKs carry several initial sequence numbers, all the data.
//     Not ours: their bytes had not been seen.
//   - tshark calls a segment whose bytes were seen "out-of-order" rather
//     than a retransmission when it comes less than an RTT after the
//     first copy, and a one-byte segment just before the next expected
//     byte a "keep-alive". Ours: their bytes had been seen.
//
// UDP (QUIC, DTLS): datagrams and frame bytes per direction are tshark's
// frames of the UDP stream, where the connection kept to one address pair.

// wireCorpus are the conformance captures in which tshark flags
// retransmissions, out-of-order segments or keep-alives (found with
// tshark over the corpus's TCP captures, TSHARK_SUMMARY.tsv), beside the
// shipped captures.
var wireCorpus = []string{
	"arkime/pcap/socks4-https.pcap",
	"ndpi/pcap/tls_1.2_unidirectional_server.pcapng",
	"ndpi/pcap/tls_2_reasms_b.pcapng",
	"suricata-verify/tls13-draft22/tls13_draft22.pcap",
	"zeek/traces/dhe.pcap",
	"zeek/traces/hrr.pcap",
	"zeek/traces/ssl-v2.pcap",
	"zeek/traces/ssl.v3.pcap",
	"zeek/traces/tls-1.2-stream-keylog.pcap",
	"zeek/traces/tls13draft16-chrome55.0.2879.0-canary-aborted.pcap",
	"ndpi/pcap/ja3_lots_of_cipher_suites_2_anon.pcap",
	"ndpi/pcap/tls_certificate_too_long.pcap",
	"ndpi/pcap/google_ssl.pcap",
	"ndpi/pcap/tls_alert.pcap",
	"foxio-ja4/pcap/latest.pcapng",
	"ndpi/pcap/tls-appdata.pcap",
	"ndpi/pcap/tls_multiple_synack_different_seq.pcapng",
	"ndpi/pcap/tls_with_huge_ch.pcapng",
	"ndpi/pcap/tls_port_80.pcapng",
	"suricata-verify/bug-7264-tcp-3whs-ack-data-tls-01/input.pcap",
	"ndpi/pcap/ftp-start-tls.pcap",
	"foxio-ja4/pcap/browsers-x509.pcapng",
}

// tsFrame is one frame of tshark's TCP or UDP stream.
type tsFrame struct {
	num        int
	stream     string
	icmp       bool
	src, dst   string // addr:port as ssldissect writes them
	flen, plen int64
	seq        int64
	syn, fin   bool
	flagged    bool // tshark: retransmission, fast or spurious
	oooOrKA    bool // tshark: out-of-order or keep-alive
}

// tsharkFrames reads the frames of every TCP (or UDP) stream of file.
func tsharkFrames(t *testing.T, tshark, file, proto string) map[string][]tsFrame {
	t.Helper()
	fields := []string{"frame.number", proto + ".stream", "frame.protocols", "ip.src", "ipv6.src", proto + ".srcport",
		"ip.dst", "ipv6.dst", proto + ".dstport", "frame.len"}
	if proto == "tcp" {
		fields = append(fields, "tcp.len", "tcp.seq", "tcp.flags.syn", "tcp.flags.fin", "tcp.analysis.retransmission",
			"tcp.analysis.fast_retransmission", "tcp.analysis.spurious_retransmission", "tcp.analysis.out_of_order",
			"tcp.analysis.keep_alive")
	}
	args := []string{"-n", "-r", file, "-Y", proto, "-T", "fields", "-E", "occurrence=l", "-E", "separator=/t"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	out, err := exec.Command(tshark, args...).Output()
	if err != nil {
		t.Fatalf("tshark %v: %v", args, err)
	}
	addr := func(ip, ip6, port string) string {
		if ip == "" {
			ip = ip6
		}
		a, err := netip.ParseAddr(ip)
		if err != nil {
			t.Fatalf("%s: tshark address %q: %v", file, ip, err)
		}
		p, _ := strconv.Atoi(port)
		return netip.AddrPortFrom(a, uint16(p)).String()
	}
	num := func(s string) int64 {
		n, _ := strconv.ParseInt(s, 10, 64)
		return n
	}
	streams := map[string][]tsFrame{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) != len(fields) {
			t.Fatalf("%s: tshark line %q", file, sc.Text())
		}
		f := tsFrame{num: int(num(c[0])), stream: c[1], icmp: strings.Contains(c[2], "icmp"),
			src: addr(c[3], c[4], c[5]), dst: addr(c[6], c[7], c[8]), flen: num(c[9])}
		if proto == "tcp" {
			f.plen, f.seq = num(c[10]), num(c[11])
			f.syn, f.fin = c[12] == "1", c[13] == "1"
			f.flagged = c[14] != "" || c[15] != "" || c[16] != ""
			f.oooOrKA = c[17] != "" || c[18] != ""
		}
		streams[f.stream] = append(streams[f.stream], f)
	}
	return streams
}

// wireConn is what the test reads of a connection line.
type wireConn struct {
	ID        uint64 `json:"id"`
	Client    string `json:"client"`
	Server    string `json:"server"`
	EndCause  string `json:"end_cause"`
	Transport string `json:"transport"`
	TCP       *struct {
		Packets         map[string]int64 `json:"packets"`
		Bytes           map[string]int64 `json:"bytes"`
		PayloadBytes    map[string]int64 `json:"payload_bytes"`
		Retransmissions map[string]int64 `json:"retransmissions"`
	} `json:"tcp"`
	UDP *struct {
		Datagrams map[string]int64 `json:"datagrams"`
		Bytes     map[string]int64 `json:"bytes"`
	} `json:"udp"`
}

func wireConns(t *testing.T, file string, extra ...string) []wireConn {
	t.Helper()
	stdout, stderr, err := runArgs(t, append(append([]string{"--format", "json"}, extra...), file)...)
	if err != nil {
		t.Fatalf("%s: %v\n%s", file, err, stderr)
	}
	var cs []wireConn
	for _, l := range strings.Split(stdout, "\n") {
		if !strings.Contains(l, `"type":"connection"`) {
			continue
		}
		var c wireConn
		if err := json.Unmarshal([]byte(l), &c); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(a, b wireConn) int { return int(a.ID) - int(b.ID) })
	return cs
}

// figs is one direction's figures: packets, bytes, payload bytes,
// retransmissions.
type figs [4]int64

// tcpExpected is what the connection's figures should be, from tshark's
// frames of its stream, by direction ("c2s", "s2c"), and the differences
// from tshark's retransmission flags, with their reasons.
func tcpExpected(frames []tsFrame, client string) (map[string]figs, []string) {
	want := map[string]figs{"c2s": {}, "s2c": {}}
	type span struct{ lo, hi int64 }
	seen := map[string][]span{}
	fins := map[string]bool{}
	var why []string
	for _, f := range frames {
		if f.icmp {
			continue // an ICMP error quoting the TCP header: not a segment
		}
		d := "s2c"
		if f.src == client {
			d = "c2s"
		}
		w := want[d]
		w[0]++
		w[1] += f.flen
		w[2] += f.plen
		if f.plen > 0 {
			first := f.seq
			if f.syn {
				first++
			}
			again := slices.ContainsFunc(seen[d], func(s span) bool { return s.lo <= first && first < s.hi })
			if again {
				w[3]++
			}
			switch {
			case again && !f.flagged && f.oooOrKA:
				why = append(why, fmt.Sprintf("frame %d: tshark's out-of-order or keep-alive, bytes seen before: a retransmission", f.num))
			case again && !f.flagged:
				why = append(why, fmt.Sprintf("UNEXPLAINED frame %d: bytes seen before, tshark flags no retransmission", f.num))
			case !again && f.flagged:
				why = append(why, fmt.Sprintf("frame %d: tshark's retransmission below the highest sequence number, bytes new: not one", f.num))
			}
			seen[d] = append(seen[d], span{first, first + f.plen})
		}
		want[d] = w
		if f.fin {
			fins[d] = true
		}
		if fins["c2s"] && fins["s2c"] {
			break // the connection ended here; tshark counts the frames after
		}
	}
	return want, why
}

func TestWireFiguresTshark(t *testing.T) {
	tshark := testenv.Tool(t, "tshark", "the oracle of the tcp and udp figures")
	corpus := testenv.Conformance(t, "captures with retransmissions for the tcp figures")
	files := captures(t)
	for _, c := range wireCorpus {
		files = append(files, filepath.Join(corpus, c))
	}
	var mu sync.Mutex
	var conns, udpConns, flagged, explained int
	t.Run("captures", func(t *testing.T) {
		for _, file := range files {
			name := strings.TrimPrefix(strings.TrimPrefix(file, corpus+"/"), "../../testdata/pcaps/")
			t.Run(name, func(t *testing.T) {
				t.Parallel() // a tshark run each: seconds
				cs := wireConns(t, file, keyArgs(file)...)
				mu.Lock()
				defer mu.Unlock()
				var tcpStreams, udpStreams map[string][]tsFrame
				byPair := map[string][]string{} // address pair: tshark streams, in order
				pair := func(a, b string) string {
					if a > b {
						a, b = b, a
					}
					return a + " " + b
				}
				load := func(proto string) map[string][]tsFrame {
					m := tsharkFrames(t, tshark, file, proto)
					ids := make([]int, 0, len(m))
					for id := range m {
						n, _ := strconv.Atoi(id)
						ids = append(ids, n)
					}
					slices.Sort(ids)
					for _, n := range ids {
						f := m[strconv.Itoa(n)][0]
						k := proto + " " + pair(f.src, f.dst)
						byPair[k] = append(byPair[k], strconv.Itoa(n))
					}
					return m
				}
				for _, c := range cs {
					switch {
					case c.TCP != nil:
						if tcpStreams == nil {
							tcpStreams = load("tcp")
						}
						k := "tcp " + pair(c.Client, c.Server)
						if len(byPair[k]) == 0 {
							t.Errorf("connection %d %s -> %s: no tshark TCP stream left on its addresses", c.ID, c.Client, c.Server)
							continue
						}
						st := byPair[k][0]
						byPair[k] = byPair[k][1:]
						want, why := tcpExpected(tcpStreams[st], c.Client)
						for _, d := range []string{"c2s", "s2c"} {
							got := figs{c.TCP.Packets[d], c.TCP.Bytes[d], c.TCP.PayloadBytes[d], c.TCP.Retransmissions[d]}
							if got != want[d] {
								t.Errorf("connection %d (tshark stream %s, end %s) %s: packets, bytes, payload, retransmissions %v, tshark's frames give %v",
									c.ID, st, c.EndCause, d, got, want[d])
							}
						}
						for _, w := range why {
							if strings.HasPrefix(w, "UNEXPLAINED") {
								t.Errorf("connection %d: %s", c.ID, w)
							}
							t.Logf("connection %d: %s", c.ID, w)
							explained++
						}
						for _, f := range tcpStreams[st] {
							if f.flagged && f.plen > 0 {
								flagged++
							}
						}
						conns++
					case c.UDP != nil:
						if udpStreams == nil {
							udpStreams = load("udp")
						}
						k := "udp " + pair(c.Client, c.Server)
						if len(byPair[k]) != 1 {
							t.Logf("connection %d: %d UDP streams on its addresses: not compared", c.ID, len(byPair[k]))
							continue
						}
						want := map[string][2]int64{}
						for _, f := range udpStreams[byPair[k][0]] {
							d := "s2c"
							if f.src == c.Client {
								d = "c2s"
							}
							w := want[d]
							w[0]++
							w[1] += f.flen
							want[d] = w
						}
						for _, d := range []string{"c2s", "s2c"} {
							if got := [2]int64{c.UDP.Datagrams[d], c.UDP.Bytes[d]}; got != want[d] {
								t.Errorf("connection %d (%s) %s: datagrams, bytes %v, tshark's %v", c.ID, c.Transport, d, got, want[d])
							}
						}
						udpConns++
					default:
						t.Errorf("connection %d (%q): neither a tcp nor a udp object", c.ID, c.Transport)
					}
				}
			})
		}
	})
	t.Logf("%d TCP and %d UDP connections compared; tshark flags %d segments with payload as retransmissions; %d differences from its flags, explained",
		conns, udpConns, flagged, explained)
	if conns < 100 || udpConns < 10 || flagged == 0 || explained == 0 {
		t.Errorf("%d TCP and %d UDP connections, %d flagged, %d explained: too few for the comparison to mean much", conns, udpConns, flagged, explained)
	}
}
