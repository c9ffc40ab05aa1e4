//go:build linux

package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/internal/testenv"
)

// TestLiveQUIC sniffs the loopback interface with a UDP filter while the
// test sends, from one UDP socket to another, the datagrams of the
// quic-go capture quicgo-v1 in their order (QUIC is found by content and
// its keys depend on the packets' bytes, not their addresses, so the
// replayed connection is the captured one). With the capture's key log,
// every packet must be decrypted and each stream's bytes written to
// --plaintext-dir must be those the quic-go client sent and received.
// The second run writes the key log only after the first datagrams went
// out, as a client logs its secrets during the handshake: the sniffer's
// --key-wait holds the packets until then.
func TestLiveQUIC(t *testing.T) {
	testenv.Need(t, "root", "a live capture needs root")
	bin := ssldissectBinary(t)
	for _, late := range []bool{false, true} {
		name := "keys-first"
		if late {
			name = "keys-late"
		}
		t.Run(name, func(t *testing.T) { liveQUIC(t, bin, late) })
	}
}

func liveQUIC(t *testing.T, bin string, late bool) {
	dir := t.TempDir()
	base := filepath.Join("..", "..", "testdata", "pcaps", "quicgo-v1")
	keys, err := os.ReadFile(base + ".keylog")
	if err != nil {
		t.Fatal(err)
	}
	keylog := filepath.Join(dir, "keys.log")
	first := keys
	if late {
		first = nil
	}
	if err := os.WriteFile(keylog, first, 0o644); err != nil {
		t.Fatal(err)
	}

	client, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		testenv.Unavailable(t, "socket", "udp socket: %v", err)
	}
	defer client.Close()
	server, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		testenv.Unavailable(t, "socket", "udp socket: %v", err)
	}
	defer server.Close()
	cp, sp := client.LocalAddr().(*net.UDPAddr).Port, server.LocalAddr().(*net.UDPAddr).Port
	filter := "udp port " + strconv.Itoa(cp) + " and udp port " + strconv.Itoa(sp)

	var out bytes.Buffer
	var errBuf lockedBuffer
	sniff := exec.Command(bin, "dissect", "-i", "lo", "-f", filter, "-l", keylog,
		"--plaintext-dir", "plain", "--format", "json")
	sniff.Dir, sniff.Stdout, sniff.Env = dir, &out, envWithout("SSLKEYLOGFILE")
	if err := os.Mkdir(filepath.Join(dir, "plain"), 0o755); err != nil {
		t.Fatal(err)
	}
	startAndWait(t, sniff, &errBuf, "listening on")

	src, err := capture.OpenFiles([]string{base + ".pcap"}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	for {
		p, err := src.Next()
		if err != nil {
			break
		}
		if p.UDP == nil {
			continue
		}
		from, to := client, server.LocalAddr()
		if p.UDP.SrcPort == 443 {
			from, to = server, client.LocalAddr()
		}
		if _, err := from.WriteTo(p.UDP.Payload, to); err != nil {
			t.Fatal(err)
		}
		sent++
		if late && sent == 3 { // the client's Initials and the server's first flight are out
			if err := os.WriteFile(keylog, keys, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Millisecond) // keep the kernel's order and the ring's pace
	}
	src.Close()
	// Wait for the sniffer to have seen them: its summary counts them.
	time.Sleep(500 * time.Millisecond)
	sniff.Process.Signal(syscall.SIGTERM)
	if err := sniff.Wait(); err != nil {
		t.Fatalf("ssldissect: %v\n%s", err, errBuf.String())
	}
	sum, conns := readNDJSON(t, out.Bytes())
	if len(conns) != 1 || conns[0]["transport"] != "quic" {
		t.Fatalf("%d connections (%v), want one QUIC connection:\n%s", len(conns), conns, errBuf.String())
	}
	if got := sum["quic_packets"]; got != sum["quic_decrypted_packets"] || got == float64(0) {
		t.Errorf("summary: %v QUIC packets, %v decrypted", got, sum["quic_decrypted_packets"])
	}
	if sum["packets"] != float64(sent) {
		t.Errorf("summary: %v packets, %d sent", sum["packets"], sent)
	}
	files, _ := filepath.Glob(base + ".s*.c2s")
	more, _ := filepath.Glob(base + ".s*.s2c")
	for _, f := range append(files, more...) {
		want, _ := os.ReadFile(f)
		name := "1." + strings.TrimPrefix(filepath.Base(f), "quicgo-v1.")
		got, err := os.ReadFile(filepath.Join(dir, "plain", name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes (%v), want the %d of %s", name, len(got), err, len(want), filepath.Base(f))
		}
	}
}
