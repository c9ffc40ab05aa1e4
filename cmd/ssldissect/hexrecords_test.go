package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// -X (--hex-records) shows each record as captured. The oracle is tshark
// 4.0's own framing of the same capture: with -T json -x it gives the raw
// bytes of every tls.record and dtls.record it dissects (a TCP record
// that spans segments from its reassembled data, an SSLv2 record with its
// 2- or 3-byte header) and of every QUIC packet of a datagram (quic_raw,
// coalesced packets apart, header protection as sent). Per direction of
// each connection, our list of records must be tshark's, byte for byte.
// tshark 4.0 does not read DTLS 1.3's unified header: for those captures
// the records of each datagram, put end to end, must be the datagram
// tshark shows (its undissected data, or its DTLS 1.2-framed records).

// wireCase is one capture of the comparison.
type wireCase struct {
	file   string // under testdata/pcaps, or the conformance corpus with corpus set
	corpus bool
	kind   string // "tls", "dtls", "dtls13" or "quic"
	// spans: the capture has records that tshark reassembles from several
	// TCP segments (asserted, so that the case keeps testing that).
	spans bool
	sslv2 bool // the capture has SSLv2 records (asserted)
}

var wireCases = []wireCase{
	{file: "gotls-tls12.pcap", kind: "tls", spans: true},
	{file: "openssl-tls13-aes128-gcm.pcap", kind: "tls"},
	{file: "openssl-dtls12-ecdhe-rsa-aes128-gcm.pcap", kind: "dtls"},
	{file: "pion-dtls13-aes128-gcm.pcap", kind: "dtls13"},
	{file: "wolfssl-dtls13-cid.pcap", kind: "dtls13"},
	{file: "quicgo-v1.pcap", kind: "quic"},
	{file: "quicgo-retry.pcap", kind: "quic"},
	{file: "zeek/traces/client-certificate.pcap", corpus: true, kind: "tls", spans: true},
	{file: "zeek/traces/ssl-v2.pcap", corpus: true, kind: "tls", sslv2: true},
}

// ourWire is what -X --format json printed: the hex of each record and
// quic_packet, by connection direction ("client>server" of its
// connection, or the other way), and by packet.
type ourWire struct {
	byDir    map[string][]string
	byPacket map[uint64][]string
	inOrder  []string // every record and packet, in output order
	sslv2    int
}

func TestHexRecordsTshark(t *testing.T) {
	testenv.Need(t, "tshark", "the -X bytes cannot be compared with tshark's")
	for _, c := range wireCases {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			path := filepath.Join("../../testdata/pcaps", c.file)
			if c.corpus {
				if !testenv.Have(t, "conformance", "the corpus captures of -X are not compared") {
					t.Skip("no conformance corpus")
				}
				dir, _ := testenv.ConformanceDir()
				path = filepath.Join(dir, c.file)
			}
			args := []string{"--format", "json", "-X"}
			if kl := strings.TrimSuffix(path, filepath.Ext(path)) + ".keylog"; fileExists(kl) {
				// Decrypted records must still show their ciphertext.
				args = append(args, "-l", kl)
			}
			out := runOut(t, append(args, path)...)
			ours := parseOurWire(t, out)
			if len(ours.inOrder) == 0 {
				t.Fatal("no records")
			}
			for _, h := range ours.inOrder {
				if h == "" {
					t.Fatal("a record without its hex field")
				}
			}
			ts := tsharkWire(t, path, c.kind)
			switch c.kind {
			case "dtls13":
				compareDatagrams(t, ours, ts)
			default:
				compareDirs(t, ours.byDir, ts.byDir)
			}
			if c.spans && ts.reassembled == 0 {
				t.Errorf("tshark reassembles no record from several segments: the case no longer tests that")
			}
			if c.sslv2 && ours.sslv2 == 0 {
				t.Errorf("no SSLv2 record: the case no longer tests them")
			}

			// With workers, the events are copied for the merge: the
			// bytes must survive it, and the lines be the same.
			many := runOut(t, append(append(args, "--workers", "3"), path)...)
			if a, b := recordLines(out), recordLines(many); a != b {
				t.Errorf("--workers 3 changes the record lines")
			}
			// The text dump holds the same bytes, record after record.
			text := runOut(t, append(slicesWithout(args, "--format", "json"), path)...)
			dumps := textDumps(t, text)
			if len(dumps) != len(ours.inOrder) {
				t.Fatalf("text shows %d dumps, json %d records", len(dumps), len(ours.inOrder))
			}
			for i := range dumps {
				if dumps[i] != ours.inOrder[i] {
					t.Errorf("record %d: the text dump is not the json hex", i)
				}
			}
		})
	}
}

// TestHexRecordsDefault: without -X no hex, in either format, also with
// workers (the goldens hold the rest of the default output).
func TestHexRecordsDefault(t *testing.T) {
	path := "../../testdata/pcaps/quicgo-v1.pcap"
	for _, args := range [][]string{{"--format", "json"}, {"--format", "json", "--workers", "2"}} {
		out := runOut(t, append(args, path, "../../testdata/pcaps/gotls-tls12.pcap")...)
		if bytes.Contains(out, []byte(`"hex"`)) {
			t.Errorf("%v: a hex field without -X", args)
		}
	}
	text := runOut(t, "../../testdata/pcaps/gotls-tls12.pcap")
	if d := textDumps(t, text); len(d) != 0 {
		t.Errorf("text without -X has %d dumps", len(d))
	}
	// -X is for text and json only, and a dissect flag.
	for _, args := range [][]string{{"-X", "--format", "ecs", path}, {"audit", "-X", path}, {"-X", "--format", "zeek", "--log-dir", t.TempDir(), path}} {
		if err := run(args, nil, io.Discard, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func slicesWithout(args []string, flag, val string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if args[i] == flag && i+1 < len(args) && args[i+1] == val {
			i++
			continue
		}
		out = append(out, args[i])
	}
	return out
}

func runOut(t *testing.T, args ...string) []byte {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(args, nil, &out, &errb); err != nil {
		t.Fatalf("ssldissect %v: %v\n%s", args, err, errb.String())
	}
	return out.Bytes()
}

// recordLines is the record and quic_packet lines of a JSON output.
func recordLines(out []byte) string {
	var b strings.Builder
	for line := range strings.Lines(string(out)) {
		if strings.HasPrefix(line, `{"type":"record"`) || strings.HasPrefix(line, `{"type":"quic_packet"`) {
			b.WriteString(line)
		}
	}
	return b.String()
}

func parseOurWire(t *testing.T, out []byte) ourWire {
	t.Helper()
	type line struct {
		Type   string `json:"type"`
		Conn   uint64 `json:"conn"`
		Dir    string `json:"dir"`
		Packet uint64 `json:"packet"`
		Hex    string `json:"hex"`
		SSLv2  bool   `json:"sslv2"`
		ID     uint64 `json:"id"`
		Client string `json:"client"`
		Server string `json:"server"`
	}
	var recs []line
	ends := map[uint64]line{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%v: %s", err, sc.Bytes())
		}
		switch l.Type {
		case "record", "quic_packet":
			recs = append(recs, l)
		case "connection":
			ends[l.ID] = l
		}
	}
	w := ourWire{byDir: map[string][]string{}, byPacket: map[uint64][]string{}}
	for _, r := range recs {
		c, ok := ends[r.Conn]
		if !ok {
			t.Fatalf("record of connection %d, which never ends", r.Conn)
		}
		key := c.Client + ">" + c.Server
		if r.Dir == "s2c" {
			key = c.Server + ">" + c.Client
		}
		w.byDir[key] = append(w.byDir[key], r.Hex)
		w.byPacket[r.Packet] = append(w.byPacket[r.Packet], r.Hex)
		w.inOrder = append(w.inOrder, r.Hex)
		if r.SSLv2 {
			w.sslv2++
		}
	}
	return w
}

// tsWire is what tshark shows of a capture's records.
type tsWire struct {
	byDir map[string][]string
	// datagram is, per frame, the records tshark found end to end, or
	// the data it could not dissect (DTLS 1.3).
	datagram    map[uint64]string
	reassembled int // frames that complete a record from several segments
}

// tsharkWire runs tshark -T json -x on pcap.
func tsharkWire(t *testing.T, pcap, kind string) tsWire {
	t.Helper()
	cmd := exec.Command("tshark", "-n", "-r", pcap, "-o", "tcp.reassemble_out_of_order:TRUE",
		"-T", "json", "-x", "--no-duplicate-keys", "-j", "ip ipv6 tcp udp tls dtls")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, stderr.String())
	}
	var frames []struct {
		Source struct {
			Layers map[string]json.RawMessage `json:"layers"`
		} `json:"_source"`
	}
	if err := json.Unmarshal(out, &frames); err != nil {
		t.Fatalf("tshark json: %v", err)
	}
	w := tsWire{byDir: map[string][]string{}, datagram: map[uint64]string{}}
	for i, f := range frames {
		L := f.Source.Layers
		src, dst := endpoints(t, L)
		key := src + ">" + dst
		var recs []string
		switch kind {
		case "tls":
			for _, layer := range objects(L["tls"]) {
				recs = append(recs, rawHexes(layer["tls.record_raw"])...)
			}
			// "[N Reassembled TCP Segments]" is a top-level item.
			if _, ok := L["tcp.segments"]; ok && len(recs) > 0 {
				w.reassembled++
			}
		case "dtls", "dtls13":
			for _, layer := range objects(L["dtls"]) {
				recs = append(recs, rawHexes(layer["dtls.record_raw"])...)
			}
			if kind == "dtls13" {
				d := strings.Join(recs, "") + strings.Join(rawHexes(L["data_raw"]), "")
				if d != "" {
					w.datagram[uint64(i+1)] = d
				}
			}
		case "quic":
			recs = rawHexes(L["quic_raw"])
		}
		w.byDir[key] = append(w.byDir[key], recs...)
	}
	for k, v := range w.byDir {
		if len(v) == 0 {
			delete(w.byDir, k)
		}
	}
	return w
}

// endpoints are the frame's source and destination as netip.AddrPort
// writes them (the connection lines' client and server).
func endpoints(t *testing.T, L map[string]json.RawMessage) (src, dst string) {
	t.Helper()
	addr := func(layer, field string) string {
		for _, o := range objects(L[layer]) {
			var s string
			if json.Unmarshal(o[field], &s) == nil {
				return s
			}
		}
		return ""
	}
	sa, da := addr("ip", "ip.src"), addr("ip", "ip.dst")
	if sa == "" {
		sa, da = addr("ipv6", "ipv6.src"), addr("ipv6", "ipv6.dst")
	}
	sp, dp := addr("tcp", "tcp.srcport"), addr("tcp", "tcp.dstport")
	if sp == "" {
		sp, dp = addr("udp", "udp.srcport"), addr("udp", "udp.dstport")
	}
	ap := func(a, p string) string {
		ip, err1 := netip.ParseAddr(a)
		port, err2 := strconv.ParseUint(p, 10, 16)
		if err1 != nil || err2 != nil {
			return a + ":" + p
		}
		return netip.AddrPortFrom(ip, uint16(port)).String()
	}
	return ap(sa, sp), ap(da, dp)
}

// objects reads a layer that --no-duplicate-keys makes an object, or a
// list of them when the protocol occurs more than once in the frame.
func objects(m json.RawMessage) []map[string]json.RawMessage {
	if len(m) == 0 {
		return nil
	}
	var one map[string]json.RawMessage
	if json.Unmarshal(m, &one) == nil {
		return []map[string]json.RawMessage{one}
	}
	var many []map[string]json.RawMessage
	json.Unmarshal(m, &many)
	return many
}

// rawHexes reads a _raw field: ["hex", offset, length, mask, type], or a
// list of those.
func rawHexes(m json.RawMessage) []string {
	if len(m) == 0 {
		return nil
	}
	var one []any
	if json.Unmarshal(m, &one) == nil && len(one) > 0 {
		if s, ok := one[0].(string); ok {
			return []string{s}
		}
	}
	var many [][]any
	json.Unmarshal(m, &many)
	var out []string
	for _, r := range many {
		if len(r) > 0 {
			if s, ok := r[0].(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func compareDirs(t *testing.T, ours, theirs map[string][]string) {
	t.Helper()
	if len(theirs) == 0 {
		t.Fatal("tshark shows no records")
	}
	for key, want := range theirs {
		got := ours[key]
		if len(got) != len(want) {
			t.Errorf("%s: %d records, tshark %d", key, len(got), len(want))
		}
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Errorf("%s record %d:\n got %s\nwant %s", key, i, clip(got[i]), clip(want[i]))
			}
		}
	}
	for key := range ours {
		if _, ok := theirs[key]; !ok {
			t.Errorf("%s: %d records tshark does not show", key, len(ours[key]))
		}
	}
}

// compareDatagrams: the records of each datagram, end to end, are the
// datagram tshark shows.
func compareDatagrams(t *testing.T, ours ourWire, ts tsWire) {
	t.Helper()
	if len(ts.datagram) == 0 {
		t.Fatal("tshark shows no datagrams")
	}
	for frame, want := range ts.datagram {
		got := strings.Join(ours.byPacket[frame], "")
		if got != want {
			t.Errorf("frame %d: records\n %s\ntshark's datagram\n %s", frame, clip(got), clip(want))
		}
	}
	for frame := range ours.byPacket {
		if _, ok := ts.datagram[frame]; !ok {
			t.Errorf("frame %d: records in a frame tshark shows no datagram in", frame)
		}
	}
}

func clip(s string) string {
	if len(s) > 96 {
		return fmt.Sprintf("%s... (%d bytes)", s[:96], len(s)/2)
	}
	return s
}

// textDumps reads the -X dumps back from text output: each is a run of
// "    OOOO  xx xx ..." lines whose offsets start at 0000 and go up by 16.
func textDumps(t *testing.T, out []byte) []string {
	t.Helper()
	var dumps []string
	var cur []byte
	next := -1
	flush := func() {
		if next >= 0 {
			dumps = append(dumps, hex.EncodeToString(cur))
		}
		cur, next = nil, -1
	}
	for line := range strings.Lines(string(out)) {
		line = strings.TrimSuffix(line, "\n")
		off, ok := dumpOffset(line)
		if !ok {
			flush()
			continue
		}
		if off == 0 {
			flush()
			next = 0
		}
		if off != next {
			t.Fatalf("dump line at offset %#x, want %#x: %q", off, next, line)
		}
		cols := line[10:min(len(line), 10+16*3+1)]
		n := 0
		for _, f := range strings.Fields(cols) {
			b, err := hex.DecodeString(f)
			if err != nil || len(b) != 1 {
				t.Fatalf("bad hex column %q in %q", f, line)
			}
			cur = append(cur, b[0])
			n++
		}
		// The ASCII column shows the same bytes.
		if ascii := line[min(len(line), 10+16*3+1):]; strings.TrimPrefix(ascii, " ") != asciiOf(cur[len(cur)-n:]) {
			t.Errorf("ASCII column %q, want %q", ascii, asciiOf(cur[len(cur)-n:]))
		}
		next += 16
	}
	flush()
	return dumps
}

// dumpOffset reads the offset of a dump line: 4 spaces, 4 hex digits, 2
// spaces, a hex byte.
func dumpOffset(l string) (int, bool) {
	if len(l) < 12 || l[:4] != "    " || l[8:10] != "  " || l[4] == ' ' {
		return 0, false
	}
	n, err := strconv.ParseUint(l[4:8], 16, 32)
	if err != nil {
		return 0, false
	}
	if _, err := hex.DecodeString(l[10:12]); err != nil {
		return 0, false
	}
	return int(n), true
}

func asciiOf(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		out[i] = c
	}
	return string(out)
}
