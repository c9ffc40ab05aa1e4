package oracle

import (
	"bytes"
	"fmt"
	"net/netip"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// tsharkFields are the -T fields columns, in this order.
var tsharkFields = []string{
	"frame.number",
	"frame.time_epoch",
	"ip.src", "ipv6.src", "tcp.srcport",
	"ip.dst", "ipv6.dst", "tcp.dstport",
	"tcp.stream",
	"tls.record.version",
	"tls.record.content_type",
	"tls.record.opaque_type",
	"tls.handshake.type",
	"tls.handshake.version",
	"tls.handshake.random",
	"tls.handshake.connection_id",
	"tls.handshake.extensions.supported_version",
	"tls.handshake.ciphersuite",
	"tls.handshake.extensions_server_name",
	"tls.handshake.ja3",
	"tls.handshake.ja3_full",
	"tls.handshake.ja3s",
	"tls.handshake.ja3s_full",
}

// aggregator separates the values of a field that occurs more than once in
// a frame: ASCII RS, which no compared value contains (JA3 strings hold
// commas).
const aggregator = "\x1e"

// hrrRandom is the ServerHello.random of a HelloRetryRequest (RFC 8446
// section 4.1.3), as tshark prints it.
const hrrRandom = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"

type tsharkFrame map[string][]string

func (f tsharkFrame) one(name string) string {
	if v := f[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// tsConn is one tshark TCP stream, with what the comparison reads.
type tsConn struct {
	Stream int
	// A sent the stream's first frame, B received it.
	A, B  netip.AddrPort
	Start time.Time
	// Hello fields: from the first ClientHello and the first ServerHello
	// that is not a HelloRetryRequest. SSLv2Hello is set when the server
	// answered with an SSLv2 SERVER-HELLO.
	SawCH, SawSH       bool
	CHFrame, SHFrame   int
	SNI, JA3, JA3Full  string
	JA3S, JA3SFull     string
	Version, Suite     string
	HRR                bool
	HRRJA3S, HRRSuite  string
	SSLv2ServerHello   bool
	RecordsBy          map[netip.AddrPort]int // records sent by an endpoint
	RecordFrames       map[netip.AddrPort][]int
	ClientHelloFrom    netip.AddrPort
	HSTypes            map[netip.AddrPort][]string // handshake message types sent by an endpoint, in order
	OtherRecordsCounts int                         // records not matching content_type+opaque_type (SSLv2)
}

func (c *tsConn) tls() bool {
	n := 0
	for _, v := range c.RecordsBy {
		n += v
	}
	return n > 0 || c.SawCH || c.SawSH
}

// runTshark runs tshark -n -r pcap with args and returns its standard
// output.
func runTshark(pcap string, args ...string) ([]byte, error) {
	cmd := exec.Command("tshark", append([]string{"-n", "-r", pcap}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("tshark -r %s %v: %v\n%s", pcap, args, err, stderr.String())
	}
	return out, nil
}

// tsharkFrames runs tshark once on pcap (with decodeAs, e.g.
// "tcp.port==9000,tls", when not empty) and returns every frame's fields,
// in frame order.
func tsharkFrames(pcap, decodeAs string) ([]tsharkFrame, error) {
	// Out-of-order segments are put back in order, as the reassembly
	// package does: with tshark 4.0's default (false) the data of a
	// segment that arrives before a retransmitted earlier one is shown as
	// undissected "Continuation Data" (zeek/traces/hrr.pcap loses its
	// ServerHello that way).
	args := []string{"-o", "tcp.reassemble_out_of_order:TRUE",
		"-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=" + aggregator}
	if decodeAs != "" {
		args = append(args, "-d", decodeAs)
	}
	for _, f := range tsharkFields {
		args = append(args, "-e", f)
	}
	out, err := runTshark(pcap, args...)
	if err != nil {
		return nil, err
	}
	var frames []tsharkFrame
	for line := range strings.Lines(string(out)) {
		cols := strings.Split(strings.TrimRight(line, "\n"), "\t")
		if len(cols) != len(tsharkFields) {
			return nil, fmt.Errorf("tshark line has %d columns, want %d: %q", len(cols), len(tsharkFields), line)
		}
		f := tsharkFrame{}
		for i, c := range cols {
			if c != "" {
				f[tsharkFields[i]] = strings.Split(c, aggregator)
			}
		}
		frames = append(frames, f)
	}
	return frames, nil
}

// tsharkConns groups frames into TCP streams by tcp.stream. The frames
// may be a slice of a larger run over concatenated files: streams are
// renumbered from 0 in order of creation, as tshark numbers them in a run
// on the file alone, and frame numbers are made relative to the slice.
func tsharkConns(frames []tsharkFrame) (map[int]*tsConn, error) {
	if len(frames) == 0 {
		return map[int]*tsConn{}, nil
	}
	first, err := strconv.Atoi(frames[0].one("frame.number"))
	if err != nil {
		return nil, err
	}
	var order []int
	global := map[int]*tsConn{}
	for _, f := range frames {
		if n, err := strconv.Atoi(f.one("frame.number")); err != nil {
			return nil, err
		} else {
			f["frame.number"] = []string{strconv.Itoa(n - first + 1)}
		}
		id, err := addFrame(global, f)
		if err != nil {
			return nil, fmt.Errorf("frame %s: %v", f.one("frame.number"), err)
		}
		if id >= 0 && len(order) < len(global) {
			order = append(order, id)
		}
	}
	slices.Sort(order)
	conns := map[int]*tsConn{}
	for i, id := range order {
		global[id].Stream = i
		conns[i] = global[id]
	}
	return conns, nil
}

func addrPort(ip, port string) (netip.AddrPort, error) {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return netip.AddrPort{}, err
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(a, uint16(p)), nil
}

// lastOf is the innermost value of a field that tunnels repeat (IP in IP).
func lastOf(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

func epochTime(s string) (time.Time, error) {
	sec, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	frac = (frac + "000000000")[:9]
	ns, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(n, ns).UTC(), nil
}

// addFrame adds one frame to its stream and returns the stream's
// tcp.stream, -1 for a frame without TCP.
func addFrame(conns map[int]*tsConn, f tsharkFrame) (int, error) {
	streams := f["tcp.stream"]
	if len(streams) == 0 {
		return -1, nil
	}
	// ICMP errors quote a TCP header: the first tcp.stream is the outer one.
	id, err := strconv.Atoi(streams[0])
	if err != nil {
		return -1, err
	}
	srcIP, dstIP := lastOf(f["ip.src"]), lastOf(f["ip.dst"])
	if v := lastOf(f["ipv6.src"]); v != "" && srcIP == "" {
		srcIP, dstIP = v, lastOf(f["ipv6.dst"])
	}
	src, err := addrPort(srcIP, f["tcp.srcport"][0])
	if err != nil {
		return id, err
	}
	dst, err := addrPort(dstIP, f["tcp.dstport"][0])
	if err != nil {
		return id, err
	}
	c := conns[id]
	if c == nil {
		ts, err := epochTime(f.one("frame.time_epoch"))
		if err != nil {
			return id, err
		}
		c = &tsConn{Stream: id, A: src, B: dst, Start: ts, RecordsBy: map[netip.AddrPort]int{}, RecordFrames: map[netip.AddrPort][]int{}, HSTypes: map[netip.AddrPort][]string{}}
		conns[id] = c
	}
	frame, _ := strconv.Atoi(f.one("frame.number"))
	// Every record, TLS or SSLv2, has a tls.record.version (generated for
	// SSLv2 records); content_type and opaque_type miss SSLv2 records.
	nrec := len(f["tls.record.version"])
	typed := len(f["tls.record.content_type"]) + len(f["tls.record.opaque_type"])
	if typed > nrec {
		return id, fmt.Errorf("%d record types but %d record versions", typed, nrec)
	}
	c.OtherRecordsCounts += nrec - typed
	if nrec > 0 {
		c.RecordsBy[src] += nrec
		for range nrec {
			c.RecordFrames[src] = append(c.RecordFrames[src], frame)
		}
	}

	types := f["tls.handshake.type"]
	c.HSTypes[src] = append(c.HSTypes[src], types...)
	hasType := func(t string) bool {
		for _, v := range types {
			if v == t {
				return true
			}
		}
		return false
	}
	if hasType("1") && !c.SawCH {
		c.SawCH = true
		c.CHFrame = frame
		c.ClientHelloFrom = src
		c.SNI = f.one("tls.handshake.extensions_server_name")
		c.JA3 = f.one("tls.handshake.ja3")
		c.JA3Full = f.one("tls.handshake.ja3_full")
	}
	switch {
	case hasType("2") && f.one("tls.handshake.random") == hrrRandom:
		if !c.HRR {
			c.HRR = true
			c.HRRJA3S = f.one("tls.handshake.ja3s")
			c.HRRSuite = f.one("tls.handshake.ciphersuite")
		}
	case hasType("2") && !c.SawSH:
		c.SawSH = true
		c.SHFrame = frame
		// In a ServerHello frame the hello's own values come first; a
		// frame does not carry two hellos of one direction.
		c.Version = f.one("tls.handshake.version")
		if v := f.one("tls.handshake.extensions.supported_version"); v != "" {
			c.Version = v
		}
		c.Suite = f.one("tls.handshake.ciphersuite")
		c.JA3S = f.one("tls.handshake.ja3s")
		c.JA3SFull = f.one("tls.handshake.ja3s_full")
	case hasType("4") && len(f["tls.handshake.connection_id"]) > 0 && !c.SawSH:
		// SSLv2 SERVER-HELLO (message type 4, with a connection id).
		c.SawSH = true
		c.SSLv2ServerHello = true
		c.SHFrame = frame
		c.Version = f.one("tls.handshake.version")
	}
	return id, nil
}
