package hostile

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRoundTrip: the frames written are the frames read back, and a
// shipped capture reads.
func TestRoundTrip(t *testing.T) {
	conv, err := Conversation(Options{Alerts: 1000, Certificates: 3, ALPN: 10, RecordMessages: 5, RecordAlerts: 5})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 123456789, time.UTC)
	frames, err := Frames(conv, netip.MustParseAddrPort("192.0.2.1:1"), netip.MustParseAddrPort("192.0.2.2:2"), t0, time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WritePcap(&b, frames); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "x.pcap")
	if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := ReadPcap(name)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(frames) {
		t.Fatalf("%d frames read, %d written", len(back), len(frames))
	}
	for i := range frames {
		if !back[i].Time.Equal(frames[i].Time) || !bytes.Equal(back[i].Data, frames[i].Data) {
			t.Fatalf("frame %d differs", i)
		}
	}
	if _, err := ReadPcap(filepath.Join("..", "..", "testdata", "pcaps", "curl-tls13-http.pcap")); err != nil {
		t.Fatal(err)
	}
}
