package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/internal/synth"
	"github.com/ssldissect/ssldissect/report"
)

// selConn is what the tests read of a connection line, to say by
// themselves (not with selectexpr) which connections an expression keeps.
type selConn struct {
	ID        uint64 `json:"id"`
	SNI       string `json:"sni"`
	Version   string `json:"version"`
	Cipher    string `json:"cipher_suite"`
	Client    string `json:"client"`
	Server    string `json:"server"`
	Transport string `json:"transport"`
	Resumed   bool   `json:"resumed"`
	Decrypted bool   `json:"decrypted"`
	JA3S      string `json:"ja3s"`
	Notes     []struct {
		Code string `json:"code"`
	} `json:"notes"`
}

// jsonRun is one dissect --format json run taken apart: its lines but
// the summary, the connection id of each (a record's conn, a connection's
// id), the connections, and the summary.
type jsonRun struct {
	lines []string
	ids   []uint64
	conns []selConn
	sum   report.Summary
}

func runJSON(t *testing.T, args ...string) jsonRun {
	t.Helper()
	out, stderr, err := runArgs(t, append([]string{"dissect", "--format", "json"}, args...)...)
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, stderr)
	}
	var r jsonRun
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		line := sc.Text()
		var head struct {
			Type string `json:"type"`
			Conn uint64 `json:"conn"`
			ID   uint64 `json:"id"`
		}
		if err := json.Unmarshal([]byte(line), &head); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		switch head.Type {
		case "summary":
			if err := json.Unmarshal([]byte(line), &r.sum); err != nil {
				t.Fatal(err)
			}
			continue
		case "connection":
			var c selConn
			if err := json.Unmarshal([]byte(line), &c); err != nil {
				t.Fatal(err)
			}
			r.conns = append(r.conns, c)
			head.Conn = head.ID
		}
		if head.Conn == 0 {
			t.Fatalf("line without a connection: %q", line)
		}
		r.lines = append(r.lines, line)
		r.ids = append(r.ids, head.Conn)
	}
	return r
}

// synthCapture is a synthetic capture of the shipped ones, 64
// connections in flight, and its key log.
func synthCapture(t *testing.T, size int64) (pcap, keylog string) {
	t.Helper()
	pcaps, keylogs, err := synth.Inputs("../../testdata/pcaps/*.pcap")
	if err != nil || len(pcaps) == 0 {
		t.Fatalf("synthetic inputs: %v", err)
	}
	dir := t.TempDir()
	pcap, keylog = filepath.Join(dir, "synth.pcap"), filepath.Join(dir, "synth.keylog")
	if _, err := synth.GenerateFile(pcap, pcaps, keylog, keylogs, synth.Options{Size: size, Interleave: 64}); err != nil {
		t.Fatal(err)
	}
	return pcap, keylog
}

// TestSelectKeepsLines: the lines of dissect --select are exactly the
// lines of the connections selected in the run without it, in the same
// order (also with --workers 4), the connections chosen by the test's
// own reading of the connection lines; the summary counts all traffic
// and says how many matched.
func TestSelectKeepsLines(t *testing.T) {
	fixedClock(t)
	t.Setenv("SSLKEYLOGFILE", "")
	pcap, keylog := synthCapture(t, 3<<20)
	all := captures(t)
	var many []string // every shipped capture with its keys, as one
	for _, p := range all {
		many = append(many, keyArgs(p)...)
	}
	many = append(many, all...)
	dtls := "../../testdata/pcaps/openssl-dtls12-resumption-id.pcap"
	quic := "../../testdata/pcaps/quicgo-0rtt.pcap"
	type tc struct {
		name string
		args []string
		expr string
		want func(c selConn) bool
	}
	hasNote := func(c selConn, code string) bool {
		for _, n := range c.Notes {
			if n.Code == code {
				return true
			}
		}
		return false
	}
	cases := []tc{
		{"dtls/resumed", []string{dtls}, "resumed", func(c selConn) bool { return c.Resumed }},
		{"dtls/not-resumed", []string{dtls}, "not resumed", func(c selConn) bool { return !c.Resumed }},
		{"quic/resumed", append(keyArgs(quic), quic), "resumed", func(c selConn) bool { return c.Resumed }},
		{"quic/not-resumed", append(keyArgs(quic), quic), "!resumed && transport == quic", func(c selConn) bool { return !c.Resumed }},
		{"all/sni", many, "sni == *.example.com or sni == localhost", func(c selConn) bool {
			return strings.HasSuffix(strings.ToLower(c.SNI), ".example.com") || strings.EqualFold(c.SNI, "localhost")
		}},
		{"all/version", many, `version < "TLS 1.2"`, func(c selConn) bool {
			switch c.Version {
			case "SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1", "DTLS 1.0":
				return true
			}
			return false
		}},
		{"all/cipher", many, "cipher == *CBC*", func(c selConn) bool {
			return strings.Contains(c.Cipher, "CBC")
		}},
		{"all/port", many, "server_port != 443 or transport == dtls", func(c selConn) bool {
			return !strings.HasSuffix(c.Server, ":443") || c.Transport == "dtls"
		}},
		{"all/note", many, "note == starttls or note == early_*", func(c selConn) bool {
			if hasNote(c, "starttls") {
				return true
			}
			for _, n := range c.Notes {
				if strings.HasPrefix(n.Code, "early_") {
					return true
				}
			}
			return false
		}},
		{"all/none", many, "sni == no.such.name", func(selConn) bool { return false }},
		{"synth/tls13", []string{"-l", keylog, pcap}, "version == TLS1.3 and ja3s", func(c selConn) bool {
			return c.Version == "TLS 1.3" && c.JA3S != ""
		}},
		{"synth/decrypted", []string{"-l", keylog, pcap}, "decrypted and server_ip in 0.0.0.0/0", func(c selConn) bool {
			return c.Decrypted && !strings.HasPrefix(c.Server, "[")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			full := runJSON(t, c.args...)
			keep := map[uint64]bool{}
			for _, conn := range full.conns {
				if c.want(conn) {
					keep[conn.ID] = true
				}
			}
			var want []string
			for i, line := range full.lines {
				if keep[full.ids[i]] {
					want = append(want, line)
				}
			}
			if c.name != "all/none" && (len(keep) == 0 || len(keep) == len(full.conns)) {
				t.Fatalf("%d of %d connections match: the case tells nothing", len(keep), len(full.conns))
			}
			for _, workers := range []string{"1", "4"} {
				got := runJSON(t, append([]string{"--select", c.expr, "--workers", workers}, c.args...)...)
				if len(got.lines) != len(want) {
					t.Fatalf("--workers %s: %d lines, want %d", workers, len(got.lines), len(want))
				}
				for i := range want {
					if got.lines[i] != want[i] {
						t.Fatalf("--workers %s: line %d:\n got %s\nwant %s", workers, i+1, got.lines[i], want[i])
					}
				}
				s := got.sum
				if s.Select == nil {
					t.Fatal("no select in the summary")
				}
				wantSel := report.SelectSummary{Expression: c.expr, Matched: uint64(len(keep)), Dropped: uint64(len(full.conns) - len(keep))}
				if strings.Contains(c.expr, "note") || strings.Contains(c.expr, "decrypted") {
					// Settled at the end only: a connection of more than
					// the caps hold is decided early (the lines compared
					// above show it was decided right).
					wantSel.Forced = s.Select.Forced
				}
				if *s.Select != wantSel {
					t.Errorf("--workers %s: select %+v, want %+v", workers, *s.Select, wantSel)
				}
				if s.TLSConnections != full.sum.TLSConnections || s.Records != full.sum.Records ||
					s.DecryptedConnections != full.sum.DecryptedConnections || s.Packets != full.sum.Packets {
					t.Errorf("--workers %s: summary counts %d conns %d records %d decrypted %d packets, want those of all traffic %d %d %d %d", workers,
						s.TLSConnections, s.Records, s.DecryptedConnections, s.Packets,
						full.sum.TLSConnections, full.sum.Records, full.sum.DecryptedConnections, full.sum.Packets)
				}
			}
		})
	}
}

// TestSelectFormats: text, ecs and zeek output keep the selected
// connections only: text shows their connection blocks, ECS and Zeek's
// ssl.log one line each, with the ids of the JSON run.
func TestSelectFormats(t *testing.T) {
	fixedClock(t)
	t.Setenv("SSLKEYLOGFILE", "")
	dtls := "../../testdata/pcaps/openssl-dtls12-resumption-id.pcap"
	full := runJSON(t, dtls)
	var resumed selConn
	for _, c := range full.conns {
		if c.Resumed {
			resumed = c
		}
	}
	if resumed.ID == 0 || len(full.conns) != 2 {
		t.Fatalf("%d connections, resumed %+v", len(full.conns), resumed)
	}
	port := resumed.Client[strings.LastIndexByte(resumed.Client, ':')+1:]
	expr := "client_port == " + port

	text, stderr, err := runArgs(t, "dissect", "--select", expr, dtls)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	plain, _, _ := runArgs(t, "dissect", dtls)
	if !strings.Contains(text, "("+port+")") || len(text) >= len(plain) {
		t.Errorf("text output (%d bytes of %d) lacks the connection of %s", len(text), len(plain), resumed.Client)
	}
	if !strings.Contains(text, "Select: 1 connections matched, 1 did not: "+expr) {
		t.Errorf("text summary without the select line:\n%s", text[max(0, len(text)-600):])
	}
	for _, c := range full.conns {
		if c.ID != resumed.ID && strings.Contains(text, "("+c.Client[strings.LastIndexByte(c.Client, ':')+1:]+")") {
			t.Errorf("text output shows %s, not selected", c.Client)
		}
	}

	ecs, stderr, err := runArgs(t, "dissect", "--format", "ecs", "--select", expr, dtls)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(ecs), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"port":`+port) {
		t.Errorf("ecs: %d lines, want the connection's and the summary's:\n%s", len(lines), ecs)
	}

	dir := t.TempDir()
	if _, stderr, err := runArgs(t, "dissect", "--format", "zeek", "--log-dir", dir, "--select", expr, dtls); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "ssl.log"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" && l[0] != '#' {
			rows = append(rows, l)
		}
	}
	if len(rows) != 1 || !strings.Contains(rows[0], "\t"+port+"\t") {
		t.Errorf("ssl.log rows %q, want the one of client port %s", rows, port)
	}
}

// TestSelectAudit: audit --select audits the selected connections only,
// as an audit of a capture holding only them would.
func TestSelectAudit(t *testing.T) {
	t.Setenv("SSLKEYLOGFILE", "")
	all := captures(t)
	var args []string
	for _, p := range all {
		args = append(args, keyArgs(p)...)
	}
	args = append(args, all...)
	full := runJSON(t, args...)
	byVersion := map[string]int{}
	tls13 := 0
	for _, c := range full.conns {
		byVersion[c.Version]++
		if c.Version == "TLS 1.3" {
			tls13++
		}
	}
	out, stderr, err := runArgs(t, append([]string{"audit", "--format", "json", "--select", "version == TLS1.3"}, args...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var a struct {
		Connections int `json:"connections"`
		Versions    []struct {
			Version     string `json:"version"`
			Connections int    `json:"connections"`
		} `json:"versions"`
		Select *report.SelectSummary `json:"select"`
	}
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatal(err)
	}
	if tls13 == 0 || tls13 == len(full.conns) {
		t.Fatalf("%d of %d connections are TLS 1.3", tls13, len(full.conns))
	}
	if a.Connections != tls13 || len(a.Versions) != 1 || a.Versions[0].Version != "TLS 1.3" || a.Versions[0].Connections != tls13 {
		t.Errorf("audit --select: %d connections, versions %+v; want %d, all TLS 1.3 (of %v)", a.Connections, a.Versions, tls13, byVersion)
	}
	if a.Select == nil || a.Select.Matched != uint64(tls13) || a.Select.Dropped != uint64(len(full.conns)-tls13) {
		t.Errorf("audit select %+v, want %d matched, %d dropped", a.Select, tls13, len(full.conns)-tls13)
	}
}

// TestSelectPlaintext: --plaintext-dir writes the files of the selected
// connections only, the same as without --select.
func TestSelectPlaintext(t *testing.T) {
	t.Setenv("SSLKEYLOGFILE", "")
	pcap, keylog := synthCapture(t, 1<<20)
	full := runJSON(t, "-l", keylog, pcap)
	keep := map[string]bool{}
	for _, c := range full.conns {
		if c.Version == "TLS 1.2" {
			keep[fmt.Sprint(c.ID)] = true
		}
	}
	dirAll, dirSel := t.TempDir(), t.TempDir()
	if _, stderr, err := runArgs(t, "dissect", "-l", keylog, "--plaintext-dir", dirAll, pcap); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if _, stderr, err := runArgs(t, "dissect", "-l", keylog, "--plaintext-dir", dirSel, "--select", "version == TLS1.2", pcap); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	filesAll, filesSel := readDir(t, dirAll), readDir(t, dirSel)
	want := 0
	for name, b := range filesAll {
		if !keep[strings.SplitN(name, ".", 2)[0]] {
			continue
		}
		want++
		if filesSel[name] != b {
			t.Errorf("%s differs with --select", name)
		}
	}
	if want == 0 || want == len(filesAll) || len(filesSel) != want {
		t.Errorf("--select wrote %d files, want %d of %d", len(filesSel), want, len(filesAll))
	}
}

// TestSelectCaps: with caps on what is held made small, connections are
// decided early, on what is known of them then (counted as forced), and
// the output is still made of whole connections in their order: with an
// expression true of all, all of them; with one only the end settles
// (no_keys is noted at the end), those the caps left undecided the
// longest.
func TestSelectCaps(t *testing.T) {
	fixedClock(t)
	t.Setenv("SSLKEYLOGFILE", "")
	pcap, _ := synthCapture(t, 1<<20) // no keys: no_keys notes
	full := runJSON(t, pcap)
	old := selectCaps
	t.Cleanup(func() { selectCaps = old })
	for _, c := range []struct {
		name string
		caps report.SelectCaps
	}{
		{"conn-records", report.SelectCaps{ConnRecords: 4, ConnBytes: 1 << 30, Bytes: 1 << 40}},
		{"conn-bytes", report.SelectCaps{ConnRecords: 1 << 30, ConnBytes: 16 << 10, Bytes: 1 << 40}},
		{"total", report.SelectCaps{ConnRecords: 1 << 30, ConnBytes: 1 << 40, Bytes: 16 << 10}},
	} {
		t.Run(c.name, func(t *testing.T) {
			selectCaps = c.caps
			got := runJSON(t, "--select", "not note == no_such_code", pcap)
			if s := got.sum.Select; s == nil || s.Forced == 0 || s.Matched != uint64(len(full.conns)) || s.Dropped != 0 {
				t.Fatalf("select %+v, want %d matched, some forced", got.sum.Select, len(full.conns))
			}
			if strings.Join(got.lines, "\n") != strings.Join(full.lines, "\n") {
				t.Fatal("output differs from the run without --select")
			}
			got = runJSON(t, "--select", "note == no_keys", pcap)
			s := got.sum.Select
			if s == nil || s.Forced == 0 || s.Matched+s.Dropped != uint64(len(full.conns)) || s.Matched == 0 || s.Dropped == 0 {
				t.Fatalf("select %+v of %d connections", s, len(full.conns))
			}
			keep := map[uint64]bool{}
			for _, id := range got.ids {
				keep[id] = true
			}
			var want []string
			for i, line := range full.lines {
				if keep[full.ids[i]] {
					want = append(want, line)
				}
			}
			if strings.Join(got.lines, "\n") != strings.Join(want, "\n") {
				t.Fatal("output is not the whole lines of the connections it shows, in their order")
			}
			if len(keep) != int(s.Matched) {
				t.Errorf("%d connections shown, %d matched", len(keep), s.Matched)
			}
		})
	}
}

// TestSelectWorkersCapped: with caps small enough that most connections
// reach one, the decisions (forced ones included) and so the output are
// the same for --workers 1 and 4: the records of a sharded run carry the
// fingerprints (and every other field a decision reads) as a run on one
// worker sees them.
func TestSelectWorkersCapped(t *testing.T) {
	fixedClock(t)
	t.Setenv("SSLKEYLOGFILE", "")
	pcap, keylog := synthCapture(t, 2<<20)
	old := selectCaps
	t.Cleanup(func() { selectCaps = old })
	selectCaps = report.SelectCaps{ConnRecords: 3, ConnBytes: 1 << 30, Bytes: 1 << 40}
	for _, expr := range []string{"ja4 == t13*", "ja3s and version >= TLS1.2", "sni and not resumed", "note == no_keys or decrypted"} {
		one := runJSON(t, "--select", expr, "-l", keylog, pcap)
		four := runJSON(t, "--select", expr, "--workers", "4", "-l", keylog, pcap)
		if strings.Join(one.lines, "\n") != strings.Join(four.lines, "\n") || *one.sum.Select != *four.sum.Select {
			t.Errorf("%s: --workers 4 differs: %+v, %d lines; --workers 1 %+v, %d lines", expr, *four.sum.Select, len(four.lines), *one.sum.Select, len(one.lines))
		}
		if one.sum.Select.Matched == 0 {
			t.Errorf("%s: nothing matched", expr)
		}
		t.Logf("%s: %+v", expr, *one.sum.Select)
	}
}

// TestSelectErrors: a bad expression is a usage error (exit status 1)
// that names the column.
func TestSelectErrors(t *testing.T) {
	for expr, want := range map[string]string{
		"version == ":         `--select: column 12: expected a value after "=="`,
		"snii == x":           `--select: column 1: unknown field "snii" (did you mean sni?)`,
		"server_ip in 10/33":  `--select: column 14: expected a CIDR prefix`,
		"(sni == a or b == c": `--select: column 14: unknown field "b"`,
	} {
		for _, cmd := range []string{"dissect", "audit"} {
			_, stderr, err := runArgs(t, cmd, "--select", expr, "../../testdata/pcaps/quicgo-0rtt.pcap")
			if err == nil || exitCode(err, new(strings.Builder)) != 1 {
				t.Errorf("%s --select %q: %v, want exit status 1", cmd, expr, err)
			}
			if !strings.Contains(stderr, "ssldissect: error: "+want) {
				t.Errorf("%s --select %q: stderr %q, want %q", cmd, expr, stderr, want)
			}
		}
	}
}

// TestSelectWriteDecrypted: --write-decrypted gets the selected
// connections only: with an expression true of all, the same file as
// without --select; true of none, a file without a packet (its size that
// of a run on a capture with no TLS, the pcapng header alone).
func TestSelectWriteDecrypted(t *testing.T) {
	t.Setenv("SSLKEYLOGFILE", "")
	pcap, keylog := synthCapture(t, 1<<20)
	dir := t.TempDir()
	write := func(name string, extra ...string) []byte {
		t.Helper()
		out := filepath.Join(dir, name)
		args := append([]string{"dissect", "--format", "json", "-l", keylog, "--write-decrypted", out}, extra...)
		if _, stderr, err := runArgs(t, append(args, pcap)...); err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	all := write("all.pcapng")
	same := write("same.pcapng", "--select", "port or not port")
	none := write("none.pcapng", "--select", "sni == no.such.name")
	empty := write("empty.pcapng", "-c", "0", "-f", "arp")
	if string(same) != string(all) {
		t.Errorf("--select true of all: %d bytes, want the %d of the run without it", len(same), len(all))
	}
	if len(none) != len(empty) || len(all) <= len(empty) {
		t.Errorf("--select true of none: %d bytes, want %d (no packets; %d with all)", len(none), len(empty), len(all))
	}
}

// TestSelectHexRecords: records held until their connection ends keep
// their -X bytes (a held event is a copy: the transport's buffer is
// reused), on TLS, QUIC and DTLS, with 1 and 3 workers.
func TestSelectHexRecords(t *testing.T) {
	for _, name := range []string{"gotls-tls12", "quicgo-v1", "openssl-dtls12-ecdhe-rsa-aes128-gcm"} {
		pcap := filepath.Join("..", "..", "testdata", "pcaps", name+".pcap")
		keys := filepath.Join("..", "..", "testdata", "pcaps", name+".keylog")
		want := runJSON(t, "-X", "-l", keys, pcap)
		hexLines := 0
		for _, l := range want.lines {
			if strings.Contains(l, `"hex":"`) {
				hexLines++
			}
		}
		if hexLines == 0 {
			t.Fatalf("%s: no hex field with -X", name)
		}
		for _, w := range []string{"1", "3"} {
			// not note == zzz is settled only when the connection ends.
			got := runJSON(t, "-X", "--workers", w, "--select", "not note == zzz", "-l", keys, pcap)
			if strings.Join(got.lines, "\n") != strings.Join(want.lines, "\n") {
				t.Errorf("%s --workers %s: -X lines under --select differ from the unfiltered ones", name, w)
			}
		}
	}
}
