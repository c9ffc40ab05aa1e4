package pipeline

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/internal/synth"
	"github.com/ssldissect/ssldissect/session"
)

// collector writes down every Sink call.
type collector struct{ lines []string }

func (c *collector) Record(ev *session.RecordEvent) {
	c.lines = append(c.lines, fmt.Sprintf("R %d %s %s %d %d %s len=%d dec=%v pt=%x", ev.Conn.ID, ev.Conn.Client, ev.Dir,
		ev.Packet, ev.Offset, ev.ContentType, len(ev.Record.Payload), ev.Decrypted, ev.Plaintext))
}

func (c *collector) End(conn *session.Conn) {
	c.lines = append(c.lines, fmt.Sprintf("E %d %s %s %s %v %s %d/%d", conn.ID, conn.Client, conn.Server, conn.EndCause,
		conn.Decrypted, conn.History, conn.Records[0], conn.Records[1]))
}

// TestRunWorkers checks Run's own results (the Sink calls and the counts)
// for 1 to 3 workers, on a synthetic capture with keys, idle flushes and a
// final flush ending many connections.
func TestRunWorkers(t *testing.T) {
	pcaps, keylogs, err := synth.Inputs("../../testdata/pcaps/*.pcap")
	if err != nil || len(pcaps) == 0 {
		t.Fatalf("synthetic inputs: %v", err)
	}
	dir := t.TempDir()
	pcap, keylog := filepath.Join(dir, "s.pcap"), filepath.Join(dir, "s.keylog")
	st, err := synth.GenerateFile(pcap, pcaps, keylog, keylogs, synth.Options{Size: 6 << 20, Interleave: 300})
	if err != nil {
		t.Fatal(err)
	}
	if st.Packets*3/4 < 2*FlushEvery {
		t.Fatalf("%d packets: too few for idle flushes (every %d)", st.Packets, FlushEvery)
	}
	run := func(workers int) ([]string, Result) {
		opt := Options{Workers: workers, Count: st.Packets * 3 / 4}
		opt.Reassembly.IdleTimeout = 5e6 // 5ms of capture time: idle flushes end connections
		return collect(t, pcap, keylog, opt)
	}
	want, wantRes := run(1)
	ends := 0
	for _, l := range want {
		if strings.HasPrefix(l, "E ") {
			ends++
		}
	}
	if ends < 100 {
		t.Fatalf("only %d connections ended", ends)
	}
	for _, n := range []int{2, 3} {
		got, res := run(n)
		// Assembly.MaxOpen is the sum of the workers' maxima, an upper
		// bound of the single loop's that equals it only when they peak
		// together (no output shows it).
		if res.Assembly.MaxOpen < wantRes.Assembly.MaxOpen {
			t.Errorf("%d workers: max open %d, below the single loop's %d", n, res.Assembly.MaxOpen, wantRes.Assembly.MaxOpen)
		}
		res.Assembly.MaxOpen = wantRes.Assembly.MaxOpen
		if !reflect.DeepEqual(res, wantRes) {
			t.Errorf("%d workers: result %+v, want %+v", n, res, wantRes)
		}
		sameCalls(t, n, got, want)
	}
}

// collect runs pcap with the key log through Run with opt, and returns the
// Sink calls. With several workers it runs both ways a sharded run reads
// a file (every worker reading it, and the dispatcher handing packets
// out, as for standard input) and wants the same calls and result.
func collect(t *testing.T, pcap, keylog string, opt Options) ([]string, Result) {
	t.Helper()
	lines, res := collectOnce(t, pcap, keylog, opt, false)
	if opt.Workers > 1 {
		lines2, res2 := collectOnce(t, pcap, keylog, opt, true)
		sameCalls(t, opt.Workers, lines2, lines)
		if !reflect.DeepEqual(res2, res) {
			t.Errorf("%d workers: the dispatcher's result %+v, the readers' %+v", opt.Workers, res2, res)
		}
	}
	return lines, res
}

// notReopener hides a Source's Reopen: a sharded run then dispatches.
type notReopener struct{ capture.Source }

func collectOnce(t *testing.T, pcap, keylog string, opt Options, dispatch bool) ([]string, Result) {
	t.Helper()
	keys, err := LoadKeys([]string{keylog}, nil, func(err error) { t.Error(err) })
	if err != nil {
		t.Fatal(err)
	}
	src, err := capture.OpenFiles([]string{pcap}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, ok := src.(capture.Reopener); !ok {
		t.Fatal("a file source cannot be reopened")
	}
	if dispatch {
		src = notReopener{src}
	}
	var c collector
	opt.Keys = keys
	res, err := Run(src, &c, opt)
	if err != nil {
		t.Fatal(err)
	}
	return c.lines, res
}

// sameCalls fails at the first Sink call of a run with n workers that
// differs from the single loop's.
func sameCalls(t *testing.T, n int, got, want []string) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Fatalf("%d workers: call %d:\n  got  %.300s\n  want %.300s", n, i, g, w)
		}
	}
}

// TestRunWorkersResumption runs many interleaved copies of the captures
// whose resumed connections decrypt only through the session cache (the
// key log lacks their secrets) on 1 to 4 workers: the copies of one
// capture hash to every worker, so most resumptions find their session
// stored by another worker, and each must see the cache as the single
// loop did (decrypt.ShardClock).
func TestRunWorkersResumption(t *testing.T) {
	pcaps, keylogs, err := synth.Inputs("../../testdata/pcaps/openssl-tls12-resume-*-nolog.pcap")
	if err != nil || len(pcaps) != 2 {
		t.Fatalf("synthetic inputs %v: %v", pcaps, err)
	}
	dir := t.TempDir()
	pcap, keylog := filepath.Join(dir, "s.pcap"), filepath.Join(dir, "s.keylog")
	if _, err := synth.GenerateFile(pcap, pcaps, keylog, keylogs, synth.Options{Size: 1 << 20, Interleave: 16}); err != nil {
		t.Fatal(err)
	}
	run := func(workers int) []string {
		lines, _ := collect(t, pcap, keylog, Options{Workers: workers})
		return lines
	}
	want := run(1)
	resumed := 0
	for _, l := range want {
		if strings.HasPrefix(l, "E ") && strings.Contains(l, " true ") && !strings.Contains(l, "Certificate") {
			resumed++
		}
	}
	if resumed < 100 {
		t.Fatalf("single loop: %d resumed connections decrypted", resumed)
	}
	t.Logf("%d calls, %d resumed connections decrypted", len(want), resumed)
	for _, n := range []int{2, 3, 4} {
		sameCalls(t, n, run(n), want)
	}
}
