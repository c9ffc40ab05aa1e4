package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/internal/hostile"
	"github.com/ssldissect/ssldissect/report"
)

// TestMaxConnsFlood: 3,000 flows that send a SYN and a ClientHello and
// never close, spread over the time of a shipped connection, with
// --max-conns far below that. Every flow is still reported (as evicted,
// or at the end of the input), the evictions are counted in the summary,
// and the shipped connection comes out as it does alone, decrypted byte
// for byte; with one worker and with two.
func TestMaxConnsFlood(t *testing.T) {
	t.Setenv("SSLKEYLOGFILE", "")
	const flows, maxConns = 3000, 1000
	neighbour := filepath.Join("..", "..", "testdata", "pcaps", "curl-tls13-http.pcap")
	other, err := hostile.ReadPcap(neighbour)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	span := other[len(other)-1].Time.Sub(other[0].Time)
	floodFile := filepath.Join(dir, "flood.pcap")
	f, err := os.Create(floodFile)
	if err != nil {
		t.Fatal(err)
	}
	step := span / (2 * flows)
	err = hostile.Flood(f, hostile.FloodOptions{Flows: flows, Hello: true, Start: other[0].Time.Add(-time.Duration(flows/4) * step), Step: step})
	if cerr := f.Close(); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}
	frames, err := hostile.ReadPcap(floodFile)
	if err != nil {
		t.Fatal(err)
	}
	var pcap bytes.Buffer
	if err := hostile.WritePcap(&pcap, hostile.Merge(frames, other)); err != nil {
		t.Fatal(err)
	}
	mixed := filepath.Join(dir, "mixed.pcap")
	if err := os.WriteFile(mixed, pcap.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	dissect := func(t *testing.T, pcap, plain string, extra ...string) []byte {
		t.Helper()
		args := append([]string{"dissect", "--format", "json"}, keyArgs(neighbour)...)
		if plain != "" {
			args = append(args, "--plaintext-dir", plain)
		}
		args = append(args, extra...)
		var stdout, stderr bytes.Buffer
		if err := run(append(args, pcap), nil, &stdout, &stderr); err != nil {
			t.Fatalf("run: %v\n%s", err, stderr.String())
		}
		return stdout.Bytes()
	}
	alone := connections(t, dissect(t, neighbour, ""))
	if len(alone) != 1 {
		t.Fatalf("%d connections alone, want 1", len(alone))
	}
	for _, workers := range []string{"1", "2"} {
		t.Run("workers"+workers, func(t *testing.T) {
			plain := t.TempDir()
			out := dissect(t, mixed, plain, "--max-conns", itoa(maxConns), "--workers", workers)
			conns := connections(t, out)
			var good []report.Connection
			flooded, evicted := 0, 0
			for _, c := range conns {
				if c.SNI != "hostile.test" {
					good = append(good, c)
					continue
				}
				flooded++
				if c.EndCause == "evicted" {
					evicted++
				} else if c.EndCause != "flush" {
					t.Fatalf("a flood connection ended with %q", c.EndCause)
				}
			}
			if flooded != flows || len(good) != 1 {
				t.Fatalf("%d flood connections and %d others reported, want %d and 1", flooded, len(good), flows)
			}
			if evicted < flows-maxConns {
				t.Errorf("%d flood connections evicted, want at least %d", evicted, flows-maxConns)
			}
			var summary report.Summary
			lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
			if err := json.Unmarshal(lines[len(lines)-1], &summary); err != nil {
				t.Fatal(err)
			}
			if summary.EvictedConnections != uint64(evicted) || summary.Connections != flows+1 {
				t.Errorf("summary: %d evicted of %d connections, want %d of %d", summary.EvictedConnections, summary.Connections, evicted, flows+1)
			}
			id := good[0].ID
			good[0].ID = alone[0].ID
			if !reflect.DeepEqual(good[0], alone[0]) {
				g, _ := json.Marshal(good[0])
				a, _ := json.Marshal(alone[0])
				t.Errorf("the neighbour's connection differs from the capture alone:\n%s\n%s", g, a)
			}
			checkPlaintext(t, neighbour, plain, id)
		})
	}
}
