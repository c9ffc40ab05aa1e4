package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// runArgs runs the command line and returns its stdout, stderr and error,
// the error printed as exitCode prints it.
func runArgs(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(args, strings.NewReader(""), &out, &errb)
	if err != nil {
		exitCode(err, &errb)
	}
	return out.String(), errb.String(), err
}

// TestAuditRefusesDissectFlags: the flags that only shape dissect's output
// are refused by audit, not silently ignored.
func TestAuditRefusesDissectFlags(t *testing.T) {
	for _, args := range [][]string{
		{"audit", "--plaintext-dir", t.TempDir(), "x.pcap"},
		{"audit", "--hex", "x.pcap"},
		{"audit", "-a", "x.pcap"},
	} {
		_, stderr, err := runArgs(t, args...)
		if err == nil || !strings.Contains(stderr, "dissect flag") {
			t.Errorf("%q: err %v, stderr %q; want a refusal naming it a dissect flag", args, err, stderr)
		}
	}
}

// udpFrame is an Ethernet frame with a UDP datagram to port dport, 16
// bytes long.
func udpFrame(id, dport uint16) []byte {
	udp := []byte{0x30, 0x39, byte(dport >> 8), byte(dport), 0, 16, 0, 0, 'h', 'e', 'l', 'l', 'o', '!', '!', '!'}
	return ether(0x0800, ipv4(17, id, false, 0, udp))
}

// summaryOf runs args with --format json and returns the summary line.
func summaryOf(t *testing.T, args ...string) map[string]any {
	t.Helper()
	stdout, stderr, err := runArgs(t, append([]string{"--format", "json"}, args...)...)
	if err != nil {
		t.Fatalf("%q: %v: %s", args, err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var s map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDurationStopsBefore: --duration D takes the packets less than D
// after the first: the packet that ends the run is neither analysed nor
// counted in the summary. The frames are 1 s apart.
func TestDurationStopsBefore(t *testing.T) {
	path := pcapFile(t, udpFrame(1, 53), udpFrame(2, 53), udpFrame(3, 53), udpFrame(4, 53))
	for _, c := range []struct {
		duration string
		packets  float64
	}{
		{"10ms", 1},
		{"1s", 1},
		{"1500ms", 2},
		{"3s", 3},
		{"1h", 4},
	} {
		s := summaryOf(t, "--duration", c.duration, path)
		if s["packets"] != c.packets || s["bytes"] != c.packets*float64(len(udpFrame(1, 53))) {
			t.Errorf("--duration %s: summary packets %v, bytes %v; want %v packets", c.duration, s["packets"], s["bytes"], c.packets)
		}
	}
}

// TestFilterSummaryCounts: with -f, the summary of a file counts the
// packets that passed the filter, as a live run does, and the others in
// filtered_packets.
func TestFilterSummaryCounts(t *testing.T) {
	path := pcapFile(t, udpFrame(1, 53), udpFrame(2, 54), udpFrame(3, 53), udpFrame(4, 54), udpFrame(5, 54))
	s := summaryOf(t, "-f", "udp port 53", path)
	if s["packets"] != 2.0 || s["filtered_packets"] != 3.0 || s["bytes"] != 2.0*float64(len(udpFrame(1, 53))) {
		t.Errorf("-f 'udp port 53': packets %v, filtered_packets %v, bytes %v; want 2, 3 and two frames' bytes", s["packets"], s["filtered_packets"], s["bytes"])
	}
	// -c counts the same packets.
	if s := summaryOf(t, "-f", "udp port 54", "-c", "2", path); s["packets"] != 2.0 {
		t.Errorf("-f 'udp port 54' -c 2: packets %v, want 2", s["packets"])
	}
}
