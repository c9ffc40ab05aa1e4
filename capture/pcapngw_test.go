package capture

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestNGWriterRoundTrip writes packets and secrets blocks and reads them
// back: the secrets arrive before the packets written after them.
func TestNGWriterRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewNGWriter(&buf, uint16(layers.LinkTypeEthernet), 65535, "veth0", "ssldissect test")
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	frame := ether(ip4TCP(t, 1000, []byte("hello")))
	keys1 := []byte("CLIENT_RANDOM 00 11\n")
	keys2 := []byte("CLIENT_RANDOM 22 33\nCLIENT_RANDOM 44 55\n") // 2 mod 4: padded
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.WriteSecrets(SecretsTypeTLSKeyLog, keys1))
	must(w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(frame), Length: len(frame) + 10}, frame))
	must(w.WriteSecrets(SecretsTypeTLSKeyLog, keys2))
	must(w.WritePacket(gopacket.CaptureInfo{Timestamp: ts.Add(time.Millisecond), CaptureLength: len(frame) - 1, Length: len(frame)}, frame[:len(frame)-1]))
	must(w.Flush())
	path := filepath.Join(t.TempDir(), "w.pcapng")
	must(os.WriteFile(path, buf.Bytes(), 0o644))

	var events []string
	src, err := OpenFiles([]string{path}, Options{
		OnSecrets: func(s Secret) {
			if s.Type != SecretsTypeTLSKeyLog {
				t.Errorf("secrets type %#x", s.Type)
			}
			events = append(events, "secrets:"+string(s.Data))
		},
		OnWarning: func(err error) { t.Errorf("warning: %v", err) },
	})
	must(err)
	defer src.Close()
	var got []*Packet
	for {
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		must(err)
		events = append(events, "packet")
		c := *p
		c.Data = append([]byte(nil), p.Data...)
		got = append(got, &c)
	}
	want := []string{"secrets:" + string(keys1), "packet", "secrets:" + string(keys2), "packet"}
	if len(events) != len(want) {
		t.Fatalf("events %q, want %q", events, want)
	}
	for i := range want {
		if events[i] != want[i] {
			t.Errorf("event %d: %q, want %q", i, events[i], want[i])
		}
	}
	if !got[0].CI.Timestamp.Equal(ts) || got[0].CI.Length != len(frame)+10 || !bytes.Equal(got[0].Data, frame) {
		t.Errorf("packet 1: %v, %x", got[0].CI, got[0].Data)
	}
	if got[0].LinkType != layers.LinkTypeEthernet || got[0].TCP == nil {
		t.Errorf("packet 1: link %v, TCP %v", got[0].LinkType, got[0].TCP)
	}
	if got[1].CI.CaptureLength != len(frame)-1 || got[1].CI.Length != len(frame) {
		t.Errorf("packet 2: %v", got[1].CI)
	}
}
