package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pcapFile writes a little-endian pcap of Ethernet frames, all at time
// 1700000000+i seconds.
func pcapFile(t *testing.T, frames ...[]byte) string {
	t.Helper()
	var b bytes.Buffer
	hdr := []uint32{0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1}
	for i, v := range hdr {
		if i == 1 {
			binary.Write(&b, binary.LittleEndian, uint16(2))
			binary.Write(&b, binary.LittleEndian, uint16(4))
			continue
		}
		binary.Write(&b, binary.LittleEndian, v)
	}
	for i, f := range frames {
		for _, v := range []uint32{uint32(1700000000 + i), 0, uint32(len(f)), uint32(len(f))} {
			binary.Write(&b, binary.LittleEndian, v)
		}
		b.Write(f)
	}
	p := filepath.Join(t.TempDir(), "skipped.pcap")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// ether frames an IPv4 (or other ethertype) payload.
func ether(ethertype uint16, payload []byte) []byte {
	f := make([]byte, 14, 14+len(payload))
	copy(f, []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1})
	binary.BigEndian.PutUint16(f[12:], ethertype)
	return append(f, payload...)
}

// ipv4 is a 20-byte IPv4 header for proto with the given fragment fields,
// followed by payload.
func ipv4(proto byte, id uint16, moreFragments bool, fragOffset8 uint16, payload []byte) []byte {
	h := make([]byte, 20)
	h[0] = 0x45
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(payload)))
	binary.BigEndian.PutUint16(h[4:], id)
	ff := fragOffset8
	if moreFragments {
		ff |= 0x2000
	}
	binary.BigEndian.PutUint16(h[6:], ff)
	h[8], h[9] = 64, proto
	copy(h[12:], []byte{192, 0, 2, 1, 192, 0, 2, 2})
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(h[10:], ^uint16(sum))
	return append(h, payload...)
}

// jsonSummary runs dissect --format json on path and returns its summary
// line, decoded.
func jsonSummary(t *testing.T, path string) map[string]any {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run([]string{"--format", "json", path}, nil, &out, &errb); err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var s map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSummarySkipped: what the capture layer could not pass on is in the
// summary, in JSON and in the text footer (issue 10 point 5): a frame whose
// IPv4 header is cut short (a decode error, and so not IP either), a non-IP
// frame, a UDP datagram, and a datagram rebuilt from two fragments.
func TestSummarySkipped(t *testing.T) {
	udp := []byte{0x30, 0x39, 0x00, 0x35, 0, 16, 0, 0, 'h', 'e', 'l', 'l', 'o', '!', '!', '!'}
	frames := [][]byte{
		ether(0x0800, []byte{0x45, 0, 0, 40, 0, 0}),   // IPv4 header cut short
		ether(0x0806, make([]byte, 28)),               // ARP
		ether(0x0800, ipv4(17, 1, false, 0, udp)),     // UDP
		ether(0x0800, ipv4(17, 2, true, 0, udp[:8])),  // first fragment
		ether(0x0800, ipv4(17, 2, false, 1, udp[8:])), // last fragment
	}
	path := pcapFile(t, frames...)
	s := jsonSummary(t, path)
	want := map[string]float64{"packets": 5, "decode_errors": 1, "non_ip_packets": 2, "ip_fragments": 2, "fragments_reassembled": 1, "fragments_dropped": 0}
	for k, v := range want {
		if s[k] != v {
			t.Errorf("summary %s = %v, want %v (summary %v)", k, s[k], v, s)
		}
	}
	if s["non_tcp_packets"].(float64) < 2 {
		t.Errorf("non_tcp_packets %v: the UDP datagram and the rebuilt one carry no TCP", s["non_tcp_packets"])
	}
	var out, errb bytes.Buffer
	if err := run([]string{path}, nil, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Not analysed: 1 frames with a malformed or truncated header") {
		t.Errorf("text footer:\n%s", out.String())
	}
}

// TestUnreadableFileAmongSeveral: a missing file, an empty one and one that
// is not a capture, among readable ones: each is named on stderr, the
// others are read and reported, the summary counts the three, and the run
// ends with status 1. A single unreadable file is an error with no output.
func TestUnreadableFileAmongSeveral(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pcap")
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(empty, nil, 0o644)
	os.WriteFile(text, []byte("not a capture at all\n"), 0o644)
	missing := filepath.Join(dir, "missing.pcap")
	good := "../../testdata/pcaps/openssl-tls13-aes128-gcm.pcap"
	var out, errb bytes.Buffer
	err := run([]string{"--format", "json", "-l", "../../testdata/pcaps/openssl-tls13-aes128-gcm.keylog", missing, good, empty, text}, nil, &out, &errb)
	if err == nil || exitCode(err, &errb) != 1 {
		t.Fatalf("err %v: want exit status 1", err)
	}
	for _, name := range []string{missing, empty, text} {
		if !strings.Contains(errb.String(), name) {
			t.Errorf("stderr does not name %s:\n%s", name, errb.String())
		}
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var s map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s); err != nil {
		t.Fatal(err)
	}
	if s["unreadable_files"] != 3.0 || s["decrypted_connections"] != 1.0 {
		t.Errorf("summary %v: want 3 unreadable files and the good capture's connection decrypted", s)
	}
	out.Reset()
	errb.Reset()
	if err := run([]string{missing}, nil, &out, &errb); err == nil || out.Len() != 0 {
		t.Errorf("a single missing file: err %v, output %q", err, out.String())
	}
}

// TestWarningsRateLimited: 5,000 bad key-log lines give at most a dozen
// stderr lines of that kind, with the final count, while the summary counts
// all 5,000 and the capture still decrypts with the good line among them.
func TestWarningsRateLimited(t *testing.T) {
	good, err := os.ReadFile("../../testdata/pcaps/openssl-tls13-aes128-gcm.keylog")
	if err != nil {
		t.Fatal(err)
	}
	var kl bytes.Buffer
	for i := range 5000 {
		fmt.Fprintf(&kl, "CLIENT_RANDOM %064x nothex\n", i)
	}
	kl.Write(good)
	path := filepath.Join(t.TempDir(), "bad.keylog")
	os.WriteFile(path, kl.Bytes(), 0o644)
	var out, errb bytes.Buffer
	if err := run([]string{"--format", "json", "-l", path, "../../testdata/pcaps/openssl-tls13-aes128-gcm.pcap"}, nil, &out, &errb); err != nil {
		t.Fatal(err)
	}
	stderr := strings.Split(strings.TrimSpace(errb.String()), "\n")
	if len(stderr) > 12 || !strings.Contains(errb.String(), "4990 more like this one") {
		t.Errorf("%d stderr lines:\n%s", len(stderr), errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var s map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s); err != nil {
		t.Fatal(err)
	}
	if s["warnings"] != 5000.0 || s["decrypted_connections"] != 1.0 {
		t.Errorf("summary %v", s)
	}
}

// TestKeyFileErrors: a key file that cannot serve is an error that names
// the file and says what is wanted, the same for -l and -k, and never
// shows a decoder's internals.
func TestKeyFileErrors(t *testing.T) {
	dir := t.TempDir()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sec1, _ := x509.MarshalECPrivateKey(ec)
	ecPath := filepath.Join(dir, "ec.pem")
	os.WriteFile(ecPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}), 0o644)
	garbage := filepath.Join(dir, "garbage.pem")
	os.WriteFile(garbage, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte{0x30, 3, 2, 1, 9}}), 0o644)
	pcap := "../../testdata/pcaps/openssl-tls13-aes128-gcm.pcap"
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-l", dir}, "key log: " + dir + " is a directory; give a key log file"},
		{[]string{"-k", dir}, "rsa key: " + dir + " is a directory; give a PEM private key file"},
		{[]string{"-k", ecPath}, "PEM block 1 is an EC private key; only RSA key exchange can be decrypted with a private key (for (EC)DHE connections use a key log, -l)"},
		{[]string{"-k", garbage}, "garbage.pem: PEM block 1 (RSA PRIVATE KEY): malformed private key: the DER inside does not parse"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		err := run(append(tt.args, pcap), nil, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "asn1") {
			t.Errorf("%v: error %v, want it to contain %q", tt.args, err, tt.want)
		}
		if out.Len() != 0 {
			t.Errorf("%v: output despite the fatal key error:\n%s", tt.args, out.String())
		}
	}
}

// TestKeyLogConflictTried: a key log that logs a second, wrong master
// secret for a connection's client random after the right one warns about
// the conflict with its line, and the connection is still decrypted with
// the earlier value, both Finished messages verified, with a note saying
// so. The clean order gives no note.
func TestKeyLogConflictTried(t *testing.T) {
	const base = "../../testdata/pcaps/gnutls-tls12-ecdhe-rsa-aes128-gcm"
	good, err := os.ReadFile(base + ".keylog")
	if err != nil {
		t.Fatal(err)
	}
	var wrong bytes.Buffer
	for _, line := range strings.Split(strings.TrimSpace(string(good)), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "CLIENT_RANDOM" {
			fmt.Fprintf(&wrong, "CLIENT_RANDOM %s %s\n", f[1], strings.Repeat("5a", 48))
		}
	}
	if wrong.Len() == 0 {
		t.Fatal("no CLIENT_RANDOM line in the key log")
	}
	path := filepath.Join(t.TempDir(), "conflict.keylog")
	os.WriteFile(path, append(append(good, '\n'), wrong.Bytes()...), 0o644)
	var out, errb bytes.Buffer
	if err := run([]string{"--format", "json", "-l", path, base + ".pcap"}, nil, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errb.String(), "conflicting key log secret: CLIENT_RANDOM") {
		t.Errorf("no conflict warning:\n%s", errb.String())
	}
	var conns, notes int
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var v struct {
			Type      string `json:"type"`
			Decrypted bool   `json:"decrypted"`
			Finished  struct {
				C2S string `json:"c2s"`
				S2C string `json:"s2c"`
			} `json:"finished"`
			Notes []struct {
				Code string `json:"code"`
			} `json:"notes"`
			MAC struct {
				Failed int `json:"failed"`
			} `json:"mac"`
		}
		if !strings.HasPrefix(line, `{"type":"connection"`) {
			continue
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatal(err)
		}
		conns++
		if !v.Decrypted || v.MAC.Failed != 0 || v.Finished.C2S != "ok" || v.Finished.S2C != "ok" {
			t.Errorf("connection: decrypted %v, mac failed %d, finished %+v", v.Decrypted, v.MAC.Failed, v.Finished)
		}
		for _, n := range v.Notes {
			if n.Code == "key_log_conflict" {
				notes++
			}
		}
	}
	if conns != 1 || notes != 1 {
		t.Errorf("%d connections, %d key_log_conflict notes", conns, notes)
	}
}
