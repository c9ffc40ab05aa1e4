package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// synthPacket is one packet of a --write-decrypted file, decoded.
type synthPacket struct {
	ip4     *layers.IPv4
	ip6     *layers.IPv6
	tcp     *layers.TCP
	udp     *layers.UDP
	payload []byte
}

// readSynth reads the Enhanced Packet Blocks of a pcapng file the way
// capture.NGWriter writes them (little-endian, one interface) and decodes
// each as Ethernet.
func readSynth(t *testing.T, path string) []synthPacket {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	var out []synthPacket
	for len(b) >= 12 {
		typ, n := le.Uint32(b), int(le.Uint32(b[4:]))
		if n < 12 || n > len(b) {
			t.Fatalf("bad block length %d", n)
		}
		if typ == 6 {
			capLen := int(le.Uint32(b[20:]))
			data := b[28 : 28+capLen]
			p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
			if el := p.ErrorLayer(); el != nil {
				t.Fatalf("packet %d: %v", len(out)+1, el.Error())
			}
			var sp synthPacket
			if l, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
				sp.ip4 = l
			}
			if l, ok := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6); ok {
				sp.ip6 = l
			}
			if l, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP); ok {
				sp.tcp, sp.payload = l, l.Payload
			}
			if l, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP); ok {
				sp.udp, sp.payload = l, l.Payload
			}
			checkChecksums(t, len(out)+1, &sp)
			out = append(out, sp)
		}
		b = b[n:]
	}
	return out
}

// checkChecksums recomputes the packet's IP and TCP/UDP checksums with
// gopacket's serializer and compares them with the ones written.
func checkChecksums(t *testing.T, n int, sp *synthPacket) {
	t.Helper()
	var nl gopacket.NetworkLayer
	var ls []gopacket.SerializableLayer
	switch {
	case sp.ip4 != nil:
		ip := *sp.ip4
		nl, ls = &ip, append(ls, &ip)
	case sp.ip6 != nil:
		ip := *sp.ip6
		nl, ls = &ip, append(ls, &ip)
	default:
		t.Fatalf("packet %d: not IP", n)
	}
	var want uint16
	switch {
	case sp.tcp != nil:
		l := *sp.tcp
		want = l.Checksum
		l.SetNetworkLayerForChecksum(nl)
		ls = append(ls, &l, gopacket.Payload(sp.payload))
	case sp.udp != nil:
		l := *sp.udp
		want = l.Checksum
		l.SetNetworkLayerForChecksum(nl)
		ls = append(ls, &l, gopacket.Payload(sp.payload))
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true, FixLengths: true}, ls...); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	hl := 40
	if sp.ip4 != nil {
		hl = int(b[0]&15) * 4
		if got := binary.BigEndian.Uint16(b[10:]); got != sp.ip4.Checksum {
			t.Errorf("packet %d: IPv4 checksum %#04x, want %#04x", n, sp.ip4.Checksum, got)
		}
	}
	at := 16
	if sp.udp != nil {
		at = 6
	}
	if got := binary.BigEndian.Uint16(b[hl+at:]); got != want {
		t.Errorf("packet %d: transport checksum %#04x, want %#04x", n, want, got)
	}
}

// synthStream is one synthetic TCP connection of the file, checked.
type synthStream struct {
	client, server string
	data           [2][]byte   // c2s, s2c: the payload, holes left out
	holes          [2][][2]int // offset in data, length skipped
}

// tcpStreams checks the TCP connections of a --write-decrypted file (a
// handshake first, FIN/ACK last, no segment above 1460 bytes, sequence
// numbers that follow the bytes, acknowledgements of what the other end
// sent) and returns their payloads, by client address, in order.
func tcpStreams(t *testing.T, pkts []synthPacket) []*synthStream {
	t.Helper()
	type state struct {
		s      *synthStream
		isn    [2]uint32
		next   [2]uint32
		n      int
		fin    [2]bool
		closed bool
	}
	flows := map[string]*state{}
	var order []*synthStream
	addr := func(p synthPacket, src bool) string {
		var a net.IP
		if p.ip4 != nil {
			a = p.ip4.SrcIP
			if !src {
				a = p.ip4.DstIP
			}
		} else {
			a = p.ip6.SrcIP
			if !src {
				a = p.ip6.DstIP
			}
		}
		port := p.tcp.SrcPort
		if !src {
			port = p.tcp.DstPort
		}
		return net.JoinHostPort(a.String(), strconv.Itoa(int(port)))
	}
	for i, p := range pkts {
		if p.tcp == nil {
			continue
		}
		src, dst := addr(p, true), addr(p, false)
		st := flows[src+" "+dst]
		d := 0
		if st == nil {
			st, d = flows[dst+" "+src], 1
		}
		tcp := p.tcp
		if st == nil || st.closed {
			if !tcp.SYN || tcp.ACK {
				t.Fatalf("packet %d: %s > %s starts without a SYN", i+1, src, dst)
			}
			st = &state{s: &synthStream{client: src, server: dst}}
			st.isn[0], st.next[0] = tcp.Seq, tcp.Seq+1
			flows[src+" "+dst] = st
			delete(flows, dst+" "+src)
			order = append(order, st.s)
			st.n = 1
			continue
		}
		st.n++
		switch st.n {
		case 2:
			if d != 1 || !tcp.SYN || !tcp.ACK || tcp.Ack != st.next[0] {
				t.Fatalf("packet %d: not the SYN/ACK", i+1)
			}
			st.isn[1], st.next[1] = tcp.Seq, tcp.Seq+1
			continue
		case 3:
			if d != 0 || tcp.SYN || !tcp.ACK || tcp.Ack != st.next[1] || len(p.payload) > 0 {
				t.Fatalf("packet %d: not the handshake's ACK", i+1)
			}
			continue
		}
		if tcp.SYN || tcp.RST {
			t.Fatalf("packet %d: SYN or RST mid-connection", i+1)
		}
		if len(p.payload) > 1460 {
			t.Errorf("packet %d: %d bytes, above the MSS", i+1, len(p.payload))
		}
		if !tcp.ACK || tcp.Ack != st.next[1-d] {
			t.Errorf("packet %d: ack %d, the other end's next sequence number is %d", i+1, tcp.Ack, st.next[1-d])
		}
		if st.fin[d] && (len(p.payload) > 0 || tcp.FIN) {
			t.Errorf("packet %d: data after a FIN", i+1)
		}
		if hole := int(tcp.Seq - st.next[d]); hole != 0 {
			if hole < 0 {
				t.Fatalf("packet %d: sequence number goes back", i+1)
			}
			st.s.holes[d] = append(st.s.holes[d], [2]int{len(st.s.data[d]), hole})
		}
		st.s.data[d] = append(st.s.data[d], p.payload...)
		st.next[d] = tcp.Seq + uint32(len(p.payload))
		if tcp.FIN {
			st.next[d]++
			st.fin[d] = true
		}
		if st.fin[0] && st.fin[1] && !tcp.FIN && len(p.payload) == 0 {
			st.closed = true // the last ACK
		}
	}
	for _, st := range flows {
		if !st.closed {
			t.Errorf("%s > %s not closed by FIN, FIN, ACK", st.s.client, st.s.server)
		}
	}
	return order
}

// connAddrs maps a dissect --format json output's connection ids to
// their client address.
func connAddrs(t *testing.T, out []byte) map[string]string {
	t.Helper()
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var c struct {
			Type, Client string
			ID           uint64
		}
		if json.Unmarshal(sc.Bytes(), &c) == nil && c.Type == "connection" {
			m[strconv.FormatUint(c.ID, 10)] = c.Client
		}
	}
	return m
}

// httpCaptures are the shipped TCP captures whose client sends HTTP
// requests, with the flags that give their keys.
func httpCaptures(t *testing.T) map[string][]string {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "pcaps")
	c2s, err := filepath.Glob(filepath.Join(dir, "*.c2s"))
	if err != nil {
		t.Fatal(err)
	}
	caps := map[string][]string{}
	for _, f := range c2s {
		name := strings.TrimSuffix(filepath.Base(f), ".c2s")
		if strings.Contains(name, "dtls") || strings.Contains(name, ".") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil || !regexp.MustCompile(`^(GET|POST|HEAD) `).Match(b) {
			continue
		}
		pcaps, _ := filepath.Glob(filepath.Join(dir, name+".pcap*"))
		if len(pcaps) != 1 {
			continue
		}
		args := []string{pcaps[0]}
		if _, err := os.Stat(filepath.Join(dir, name+".keylog")); err == nil {
			args = append(args, "-l", filepath.Join(dir, name+".keylog"))
		}
		if _, err := os.Stat(filepath.Join(dir, name+".key")); err == nil {
			args = append(args, "-k", filepath.Join(dir, name+".key"))
		}
		caps[name] = args
	}
	if len(caps) < 20 {
		t.Fatalf("only %d HTTP captures found", len(caps))
	}
	return caps
}

// exportRun runs dissect --format json --plaintext-dir --write-decrypted
// on args, in dir.
func exportRun(t *testing.T, dir string, args ...string) (pcapng, plain string, ids map[string]string) {
	t.Helper()
	pcapng, plain = filepath.Join(dir, "out.pcapng"), filepath.Join(dir, "plain")
	var out, errb bytes.Buffer
	args = append([]string{"dissect", "--format", "json", "--plaintext-dir", plain, "--write-decrypted", pcapng}, args...)
	if err := run(args, nil, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	return pcapng, plain, connAddrs(t, out.Bytes())
}

// TestWriteDecrypted: every shipped HTTP capture, exported, holds as TCP
// streams exactly the bytes --plaintext-dir writes, in clean connections
// with valid checksums (checked here without tshark, by gopacket).
func TestWriteDecrypted(t *testing.T) {
	for name, args := range httpCaptures(t) {
		t.Run(name, func(t *testing.T) {
			pcapng, plain, ids := exportRun(t, t.TempDir(), args...)
			streams := tcpStreams(t, readSynth(t, pcapng))
			byClient := map[string]*synthStream{}
			for _, s := range streams {
				byClient[s.client] = s
			}
			files, _ := filepath.Glob(filepath.Join(plain, "*.c2s"))
			if len(files) == 0 {
				t.Fatal("no plaintext")
			}
			n := 0
			for id, client := range ids {
				s := byClient[client]
				for d, dir := range []string{"c2s", "s2c"} {
					want, err := os.ReadFile(filepath.Join(plain, id+"."+dir))
					if err != nil && !os.IsNotExist(err) {
						t.Fatal(err)
					}
					if _, err := os.Stat(filepath.Join(plain, id+"."+dir+".gaps")); err == nil {
						t.Errorf("connection %s: a gaps file", id)
					}
					if s == nil {
						if len(want) > 0 {
							t.Errorf("connection %s (%s): %d bytes of %s plaintext, no TCP stream", id, client, len(want), dir)
						}
						continue
					}
					if !bytes.Equal(s.data[d], want) || len(s.holes[d]) > 0 {
						t.Errorf("connection %s %s: %d bytes in the TCP stream (holes %v), %d in the plaintext file", id, dir, len(s.data[d]), s.holes[d], len(want))
					}
				}
				if s != nil {
					n++
				}
			}
			if n != len(streams) {
				t.Errorf("%d TCP streams, %d matched a connection", len(streams), n)
			}
		})
	}
}

// TestWriteDecryptedTshark: tshark reads from the exported file the HTTP
// requests --plaintext-dir holds (method, URI, Host), follows each TCP
// stream to the same bytes as the plaintext files, and finds no bad
// checksum and no malformed packet.
func TestWriteDecryptedTshark(t *testing.T) {
	tshark := testenv.Tool(t, "tshark", "reading the --write-decrypted file as tshark does")
	caps := httpCaptures(t)
	// A few tshark runs per capture take seconds: the captures that
	// differ in what the export must do (TLS 1.3 and 1.2, IPv6, two
	// connections, 0-RTT data, a static-RSA key, many records); the others
	// are TestWriteDecrypted's.
	names := []string{"curl-tls13-http", "gotls-tls12", "openssl-tls13-ipv6", "openssl-tls12-resume-id",
		"openssl-tls13-early-data-accepted", "openssl-tls12-rsa-aes128-gcm-noems-keyonly"}
	for _, name := range names {
		if caps[name] == nil {
			t.Fatalf("%s: not among the HTTP captures", name)
		}
		t.Run(name, func(t *testing.T) {
			pcapng, plain, ids := exportRun(t, t.TempDir(), caps[name]...)
			streams := tcpStreams(t, readSynth(t, pcapng))
			if len(streams) == 0 {
				t.Fatal("no TCP stream")
			}
			byClient := map[string]string{}
			for id, c := range ids {
				byClient[c] = id
			}
			port := streams[0].server[strings.LastIndexByte(streams[0].server, ':')+1:]
			ts := func(args ...string) string {
				args = append([]string{"-n", "-r", pcapng, "-d", "tcp.port==" + port + ",http", "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"}, args...)
				out, err := exec.Command(tshark, args...).Output()
				if err != nil {
					t.Fatalf("tshark %v: %v", args, err)
				}
				return string(out)
			}
			// The requests, as the plaintext files have them.
			var want []string
			for _, s := range streams {
				b, err := os.ReadFile(filepath.Join(plain, byClient[s.client]+".c2s"))
				if err != nil {
					t.Fatal(err)
				}
				for _, req := range regexp.MustCompile(`(?m)^(GET|POST|HEAD) (\S+) HTTP/1\.[01]\r\n((?:[^\r\n]+\r\n)*)\r\n`).FindAllSubmatch(b, -1) {
					host := ""
					if m := regexp.MustCompile(`(?mi)^Host: *([^\r]*)\r$`).FindSubmatch(req[3]); m != nil {
						host = string(m[1])
					}
					want = append(want, fmt.Sprintf("%s\t%s\t%s", req[1], req[2], host))
				}
			}
			got := strings.Fields(strings.ReplaceAll(strings.TrimSpace(ts("-Y", "http.request", "-T", "fields", "-e", "http.request.method", "-e", "http.request.uri", "-e", "http.host")), "\t", "|"))
			if len(want) == 0 || strings.Join(got, "\n") != strings.ReplaceAll(strings.Join(want, "\n"), "\t", "|") {
				t.Errorf("tshark's requests:\n%s\nthe plaintext files':\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			// Each stream, byte for byte.
			for i, s := range streams {
				id := byClient[s.client]
				follow := ts("-q", "-z", fmt.Sprintf("follow,tcp,raw,%d", i))
				var data [2][]byte
				for _, line := range strings.Split(follow, "\n") {
					if line == "" || strings.HasPrefix(line, "=") || strings.Contains(line, ":") {
						continue
					}
					d := 0
					if strings.HasPrefix(line, "\t") {
						d = 1
					}
					b, err := hex.DecodeString(strings.TrimSpace(line))
					if err != nil {
						t.Fatalf("follow: %q: %v", line, err)
					}
					data[d] = append(data[d], b...)
				}
				for d, dir := range []string{"c2s", "s2c"} {
					want, _ := os.ReadFile(filepath.Join(plain, id+"."+dir))
					if !bytes.Equal(data[d], want) {
						t.Errorf("tshark's stream %d %s: %d bytes, the plaintext file %d", i, dir, len(data[d]), len(want))
					}
				}
			}
			expert := ts("-q", "-z", "expert")
			for _, bad := range []string{"Errors (", "checksum", "Malformed", "Previous segment", "ACKed segment", "Retransmission", "Out-Of-Order", "Window"} {
				if strings.Contains(expert, bad) {
					t.Errorf("tshark's expert info has %q:\n%s", bad, expert)
				}
			}
		})
	}
}

// dropPcapPacket copies a classic pcap file without its packet number n
// (from 1).
func dropPcapPacket(t *testing.T, src, dst string, n int) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 24 || binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 {
		t.Fatalf("%s: not a little-endian microsecond pcap", src)
	}
	out := append([]byte(nil), b[:24]...)
	b = b[24:]
	for i := 1; len(b) >= 16; i++ {
		l := 16 + int(binary.LittleEndian.Uint32(b[8:]))
		if i != n {
			out = append(out, b[:l]...)
		}
		b = b[l:]
	}
	if err := os.WriteFile(dst, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWriteDecryptedGap: a packet of the server's response lost in the
// middle. The plaintext file holds the response less what was lost, the
// .gaps file beside it says where and how much (at least the plaintext
// lost: the wire bytes), and the exported TCP stream jumps over exactly
// that many sequence numbers at that offset, where tshark sees a segment
// not captured.
func TestWriteDecryptedGap(t *testing.T) {
	const name = "gotls-tls12"
	dir := filepath.Join("..", "..", "testdata", "pcaps")
	whole, err := os.ReadFile(filepath.Join(dir, name+".s2c"))
	if err != nil {
		t.Fatal(err)
	}
	// Packets 11, 13, 17, 22, 27 and 29 end the server's application
	// data records; 15 is within the third (TestWriteDecryptedGap's
	// premise is checked below: plaintext on both sides of the hole).
	tmp := t.TempDir()
	lost := filepath.Join(tmp, "lost.pcap")
	dropPcapPacket(t, filepath.Join(dir, name+".pcap"), lost, 15)
	pcapng, plain, ids := exportRun(t, tmp, lost, "-l", filepath.Join(dir, name+".keylog"))
	if len(ids) != 1 {
		t.Fatalf("%d connections", len(ids))
	}
	got, err := os.ReadFile(filepath.Join(plain, "1.s2c"))
	if err != nil {
		t.Fatal(err)
	}
	gaps, err := os.ReadFile(filepath.Join(plain, "1.s2c.gaps"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(plain, "1.c2s.gaps")); err == nil {
		t.Error("a c2s gaps file; nothing of the client's was lost")
	}
	var off, n int
	if _, err := fmt.Sscanf(string(gaps), "%d %d\n", &off, &n); err != nil || strings.Count(string(gaps), "\n") != 1 {
		t.Fatalf("gaps file %q: want one line", gaps)
	}
	cut := len(whole) - len(got)
	if off <= 0 || off >= len(got) || cut <= 0 || n < cut ||
		!bytes.Equal(got[:off], whole[:off]) || !bytes.Equal(got[off:], whole[off+cut:]) {
		t.Fatalf("gap %d %d: the plaintext file has %d bytes of %d, not the whole less %d bytes at %d", off, n, len(got), len(whole), cut, off)
	}
	t.Logf("gap at %d: %d bytes on the wire, %d of plaintext", off, n, cut)
	streams := tcpStreams(t, readSynth(t, pcapng))
	if len(streams) != 1 {
		t.Fatalf("%d TCP streams", len(streams))
	}
	s := streams[0]
	if !bytes.Equal(s.data[1], got) || len(s.holes[1]) != 1 || s.holes[1][0] != [2]int{off, n} || len(s.holes[0]) != 0 {
		t.Errorf("exported s2c stream: %d bytes, holes %v; want %d bytes, hole {%d %d}", len(s.data[1]), s.holes[1], len(got), off, n)
	}
	if testenv.Have(t, "tshark", "tshark's view of the hole not checked") {
		out, err := exec.Command("tshark", "-n", "-r", pcapng, "-Y", "tcp.analysis.lost_segment", "-T", "fields", "-e", "tcp.seq").Output()
		if err != nil {
			t.Fatal(err)
		}
		// tshark's relative sequence number of the segment after the
		// hole: 1 (the SYN) + the bytes before + the hole.
		if strings.TrimSpace(string(out)) != strconv.Itoa(1+off+n) {
			t.Errorf("tshark's segments after a hole: %q, want one at %d", out, 1+off+n)
		}
	}
}

// TestWriteDecryptedQUICAndDTLS: a QUIC connection's streams are TCP
// connections, each holding its stream files' bytes, on distinct client
// ports; a DTLS connection's plaintext is UDP datagrams, in order the
// bytes of the plaintext files.
func TestWriteDecryptedQUICAndDTLS(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "pcaps")
	pcapng, plain, _ := exportRun(t, t.TempDir(), filepath.Join(dir, "ngtcp2-aes256.pcap"), "-l", filepath.Join(dir, "ngtcp2-aes256.keylog"))
	streams := tcpStreams(t, readSynth(t, pcapng))
	files, _ := filepath.Glob(filepath.Join(plain, "1.s*.*"))
	var want, got []string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		want = append(want, hex.EncodeToString(b))
	}
	ports := map[string]bool{}
	for _, s := range streams {
		ports[s.client] = true
		for d := range s.data {
			if len(s.data[d]) > 0 {
				got = append(got, hex.EncodeToString(s.data[d]))
			}
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if len(want) < 4 || !slices.Equal(got, want) || len(ports) != len(streams) {
		t.Errorf("QUIC: %d stream files, %d TCP directions with data, %d streams on %d client ports", len(want), len(got), len(streams), len(ports))
	}

	pcapng, plain, _ = exportRun(t, t.TempDir(), filepath.Join(dir, "openssl-dtls12-chacha20.pcap"), "-l", filepath.Join(dir, "openssl-dtls12-chacha20.keylog"))
	var data [2][]byte
	var client string
	for _, p := range readSynth(t, pcapng) {
		if p.udp == nil {
			t.Fatal("DTLS exported as not UDP")
		}
		if client == "" {
			client = p.udp.SrcPort.String()
			if p.udp.SrcPort == 443 || p.udp.SrcPort == 4433 {
				client = p.udp.DstPort.String()
			}
		}
		d := 0
		if p.udp.DstPort.String() == client {
			d = 1
		}
		data[d] = append(data[d], p.payload...)
	}
	for d, name := range []string{"1.c2s", "1.s2c"} {
		b, _ := os.ReadFile(filepath.Join(plain, name))
		if !bytes.Equal(data[d], b) {
			t.Errorf("DTLS %s: %d bytes in UDP, %d in the plaintext file", name, len(data[d]), len(b))
		}
	}
}
