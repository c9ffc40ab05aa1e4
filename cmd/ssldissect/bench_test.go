package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/internal/synth"
)

// benchCapture writes, once per benchmark, a synthetic capture of
// $SSLDISSECT_BENCH_MB megabytes (default 32) made of the shipped
// captures' connections, 8 in flight at a time, and their key log.
func benchCapture(b *testing.B) (pcap, keylog string, st synth.Stats) {
	mb := 32
	if s := os.Getenv("SSLDISSECT_BENCH_MB"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("SSLDISSECT_BENCH_MB=%q", s)
		}
		mb = n
	}
	pcaps, keylogs, err := synth.Inputs("../../testdata/pcaps/*.pcap")
	if err != nil {
		b.Fatal(err)
	}
	if len(pcaps) == 0 {
		b.Fatal("no captures in testdata/pcaps")
	}
	dir := b.TempDir()
	pcap, keylog = filepath.Join(dir, "bench.pcap"), filepath.Join(dir, "bench.keylog")
	st, err = synth.GenerateFile(pcap, pcaps, keylog, keylogs, synth.Options{Size: int64(mb) << 20, Interleave: 8})
	if err != nil {
		b.Fatal(err)
	}
	return pcap, keylog, st
}

// BenchmarkPipeline runs the whole command (capture, reassembly, parser,
// report) over a synthetic capture, output to io.Discard. MB/s is capture
// file bytes per second; packets/s and conns/s are the input's.
func BenchmarkPipeline(b *testing.B) {
	b.Setenv("SSLKEYLOGFILE", "")
	pcap, keylog, st := benchCapture(b)
	cases := []struct {
		name string
		args []string
	}{
		{"text", []string{pcap}},
		{"json", []string{"--format", "json", pcap}},
		{"text-keys", []string{"-l", keylog, pcap}},
		{"json-keys", []string{"-l", keylog, "--format", "json", pcap}},
		{"audit", []string{"audit", pcap}},
		{"audit-keys", []string{"audit", "-l", keylog, pcap}},
	}
	// The same with two workers (--workers 2): wall time (ns/op) against
	// CPU time (cpu-ms/op) tells what the cores gave.
	for _, c := range cases[:6] {
		cases = append(cases, struct {
			name string
			args []string
		}{c.name + "-w2", append(append([]string{}, c.args...), "--workers", "2")})
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(st.Bytes)
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if err := run(c.args, nil, io.Discard, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			// CPU time of the process (all threads, GC included) per
			// run: steadier than ns/op on a shared, loaded machine.
			b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
			sec := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(st.Packets)/sec, "packets/s")
			b.ReportMetric(float64(st.Connections)/sec, "conns/s")
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

// TestBenchCapture makes sure the benchmark's input is dissected as
// expected, so that the benchmark measures real work: every synthetic
// connection is found and, with the key log, decrypted.
func TestBenchCapture(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	t.Setenv("SSLKEYLOGFILE", "")
	pcaps, keylogs, err := synth.Inputs("../../testdata/pcaps/*.pcap")
	if err != nil {
		t.Fatal(err)
	}
	if len(pcaps) == 0 {
		t.Fatal("no captures in testdata/pcaps")
	}
	dir := t.TempDir()
	pcap, keylog := filepath.Join(dir, "t.pcap"), filepath.Join(dir, "t.keylog")
	st, err := synth.GenerateFile(pcap, pcaps, keylog, keylogs, synth.Options{Size: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var out summaryTail
	if err := run([]string{"-l", keylog, pcap}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d TCP connections, %d SSL/TLS (%d decrypted)", st.Connections, st.Connections, st.Connections)
	if !out.contains(want) {
		t.Fatalf("summary %q lacks %q", out.last, want)
	}
}

// summaryTail keeps at least the last 4 KB written to it.
type summaryTail struct{ last []byte }

func (s *summaryTail) Write(p []byte) (int, error) {
	s.last = append(s.last, p...)
	if len(s.last) > 8192 {
		s.last = append(s.last[:0], s.last[len(s.last)-4096:]...)
	}
	return len(p), nil
}

func (s *summaryTail) contains(x string) bool { return strings.Contains(string(s.last), x) }

// BenchmarkFile runs `dissect --format json` over the capture named by
// $SSLDISSECT_BENCH_FILE, with the key log $SSLDISSECT_BENCH_KEYLOG (case
// json-keys) and without (case json), output to io.Discard: for profiling
// a given capture, e.g. a tlspcap one, with -cpuprofile. It is skipped
// when the variable is unset (it measures nothing then; no test counts on
// it).
func BenchmarkFile(b *testing.B) {
	pcap := os.Getenv("SSLDISSECT_BENCH_FILE")
	if pcap == "" {
		b.Skip("SSLDISSECT_BENCH_FILE is unset")
	}
	keylog := os.Getenv("SSLDISSECT_BENCH_KEYLOG")
	if keylog == "" {
		keylog = strings.TrimSuffix(pcap, filepath.Ext(pcap)) + ".keylog"
	}
	b.Setenv("SSLKEYLOGFILE", "")
	fi, err := os.Stat(pcap)
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
	}{
		{"json", []string{"--format", "json", pcap}},
		{"json-keys", []string{"--format", "json", "-l", keylog, pcap}},
		{"json-keys-w2", []string{"--format", "json", "-l", keylog, "--workers", "2", pcap}},
		{"json-w2", []string{"--format", "json", "--workers", "2", pcap}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(fi.Size())
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if err := run(c.args, nil, io.Discard, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}
