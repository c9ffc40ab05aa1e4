package tcp

import (
	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/session"

	"github.com/ssldissect/ssldissect/parser"

	"bytes"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	capsrc "github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/reassembly"
)

// collectSink keeps every event of a run.
type collectSink struct {
	plain [2][]byte
	conns []*session.Conn
}

func (s *collectSink) Record(ev *session.RecordEvent) {
	if ev.Decrypted && ev.ContentType == parser.ContentTypeApplicationData {
		s.plain[ev.Dir] = append(s.plain[ev.Dir], ev.Plaintext...)
	}
}
func (s *collectSink) End(c *session.Conn) { s.conns = append(s.conns, c) }

// runCapture feeds a shipped capture through reassembly and the analyzer,
// leaving out the packets drop selects.
func runCapture(t *testing.T, name string, drop func(num uint64) bool) *collectSink {
	t.Helper()
	base := "../../testdata/pcaps/" + name
	keys := decrypt.NewKeyStore()
	kl, err := os.Open(base + ".keylog")
	if err != nil {
		t.Fatal(err)
	}
	defer kl.Close()
	if _, errs := keys.Log.Load(kl, name); len(errs) > 0 {
		t.Fatal(errs)
	}
	src, err := capsrc.OpenFiles([]string{base + ".pcap"}, capsrc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	sink := &collectSink{}
	asm := reassembly.New(NewAnalyzer(sink, keys).Factory, reassembly.Options{})
	var last time.Time
	for {
		p, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		last = p.CI.Timestamp
		if p.TCP != nil && !drop(p.Num) {
			asm.Add(p)
		}
	}
	asm.FlushAll(last)
	return sink
}

// TestGapResumesDecryption drops packets in the middle of a large TLS 1.2
// response (records span many segments): the direction resyncs on the
// next record header, finds the sequence number again, and decrypts the
// rest with no MAC failure; the plaintext after the gap is the end of what
// the server sent.
func TestGapResumesDecryption(t *testing.T) {
	const name = "openssl-tls12-ecdhe-rsa-aes128-cbc-sha256"
	whole := runCapture(t, name, func(uint64) bool { return false })
	sink := runCapture(t, name, func(n uint64) bool { return n >= 30 && n <= 34 })
	if len(sink.conns) != 1 || len(whole.conns) != 1 {
		t.Fatalf("%d connections, want 1", len(sink.conns))
	}
	c := sink.conns[0]
	if c.Gaps != 1 || c.MACFailed != 0 {
		t.Errorf("gaps %d, mac failed %d; want 1 gap and no failure", c.Gaps, c.MACFailed)
	}
	codes := map[string]bool{}
	for _, n := range c.Notes {
		codes[string(n.Code)] = true
	}
	for _, want := range []string{"gap", "resync", "sequence_resync"} {
		if !codes[want] {
			t.Errorf("no %q note in %+v", want, c.Notes)
		}
	}
	full, got := whole.plain[session.ServerToClient], sink.plain[session.ServerToClient]
	if len(got) == 0 || len(got) >= len(full) {
		t.Fatalf("decrypted %d of %d bytes after the gap", len(got), len(full))
	}
	// What was decrypted is the start of the response up to the lost
	// record, then its end after it.
	if !bytes.HasSuffix(full, got[len(got)-1000:]) {
		t.Error("the bytes decrypted after the gap are not the end of the response")
	}
	if !bytes.Equal(sink.plain[session.ClientToServer], whole.plain[session.ClientToServer]) {
		t.Error("the client direction, which lost nothing, decrypted differently")
	}
}
