package pipeline

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/internal/hostile"
	"github.com/ssldissect/ssldissect/internal/synth"
	"github.com/ssldissect/ssldissect/session"
)

// countSink keeps nothing but counts: the benchmark measures capture,
// reassembly, the TLS state machine and decryption, not output.
type countSink struct {
	records, decrypted, ends int
	plaintext                int64
}

func (s *countSink) Record(ev *session.RecordEvent) {
	s.records++
	if ev.Decrypted {
		s.decrypted++
	}
	s.plaintext += int64(len(ev.Plaintext))
}

func (s *countSink) End(*session.Conn) { s.ends++ }

// BenchmarkRun runs the packet loop over a synthetic capture (8 MiB) made
// of the shipped captures' connections (testdata/pcaps), with and without
// their key logs, to a sink that only counts: the cost of the session
// state machine and of decryption, apart from formatting.
func BenchmarkRun(b *testing.B) {
	pcaps, keylogs, err := synth.Inputs("../../testdata/pcaps/*.pcap")
	if err != nil || len(pcaps) == 0 {
		b.Fatalf("synthetic inputs: %v", err)
	}
	dir := b.TempDir()
	pcap, keylog := filepath.Join(dir, "b.pcap"), filepath.Join(dir, "b.keylog")
	st, err := synth.GenerateFile(pcap, pcaps, keylog, keylogs, synth.Options{Size: 8 << 20, Interleave: 8})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		keylogs []string
	}{{"nokeys", nil}, {"keys", []string{keylog}}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(st.Bytes)
			b.ReportAllocs()
			var sink countSink
			cpu0 := cpuTime()
			for b.Loop() {
				keys, err := LoadKeys(c.keylogs, nil, func(err error) { b.Error(err) })
				if err != nil {
					b.Fatal(err)
				}
				src, err := capture.OpenFiles([]string{pcap}, capture.Options{})
				if err != nil {
					b.Fatal(err)
				}
				sink = countSink{}
				if _, err := Run(src, &sink, Options{Keys: keys}); err != nil {
					b.Fatal(err)
				}
				src.Close()
			}
			// Process CPU time (GC included) per run: steadier than ns/op
			// on a shared machine.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
			if sink.ends == 0 || (c.keylogs != nil) != (sink.decrypted > 0) {
				b.Fatalf("%d connections ended, %d of %d records decrypted", sink.ends, sink.decrypted, sink.records)
			}
		})
	}
}

// cpuTime is the user and system CPU time used by the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkOpenFlows runs floods of flows that send a SYN and a
// ClientHello and never close (internal/hostile.Flood) through the packet
// loop with the default caps: the CPU time per flow (cpu-µs/flow) should
// not grow with the number of flows, as nothing visits every open
// connection per packet or per flush and --max-conns evicts in constant
// time.
func BenchmarkOpenFlows(b *testing.B) {
	for _, flows := range []int{25000, 100000} {
		b.Run(strconv.Itoa(flows), func(b *testing.B) {
			name := filepath.Join(b.TempDir(), "flood.pcap")
			f, err := os.Create(name)
			if err != nil {
				b.Fatal(err)
			}
			if err := hostile.Flood(f, hostile.FloodOptions{Flows: flows, Hello: true, Start: time.Unix(1e9, 0)}); err != nil {
				b.Fatal(err)
			}
			if err := f.Close(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var sink countSink
			cpu0 := cpuTime()
			for b.Loop() {
				src, err := capture.OpenFiles([]string{name}, capture.Options{})
				if err != nil {
					b.Fatal(err)
				}
				sink = countSink{}
				if _, err := Run(src, &sink, Options{}); err != nil {
					b.Fatal(err)
				}
				src.Close()
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N)/float64(flows), "cpu-µs/flow")
			if sink.ends != flows {
				b.Fatalf("%d connections reported, want %d", sink.ends, flows)
			}
		})
	}
}
