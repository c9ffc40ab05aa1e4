package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// captures lists the shipped captures: testdata/pcaps/NAME.pcap[ng][.gz].
func captures(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"*.pcap", "*.pcapng", "*.pcap.gz", "*.pcapng.gz"} {
		m, err := filepath.Glob(filepath.Join("..", "..", "testdata", "pcaps", pat))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) == 0 {
		t.Fatal("no captures in testdata/pcaps")
	}
	return out
}

// captureName is NAME for testdata/pcaps/NAME.pcap[ng][.gz].
func captureName(path string) string {
	name := strings.TrimSuffix(filepath.Base(path), ".gz")
	return strings.TrimSuffix(strings.TrimSuffix(name, ".pcapng"), ".pcap")
}

// keyArgs gives the key flags for a capture: NAME.keylog and NAME.key
// beside it, when they exist.
func keyArgs(path string) []string {
	base := filepath.Join(filepath.Dir(path), captureName(path))
	var args []string
	if _, err := os.Stat(base + ".keylog"); err == nil {
		args = append(args, "-l", base+".keylog")
	}
	if _, err := os.Stat(base + ".key"); err == nil {
		args = append(args, "-k", base+".key")
	}
	return args
}

// fixedClock makes the summary's elapsed time zero.
func fixedClock(t *testing.T) {
	old := now
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now = func() time.Time { return at }
	t.Cleanup(func() { now = old })
}

// TestGolden runs every shipped capture with its keys through dissect, in
// text and in JSON, and compares the output with testdata/golden/NAME.txt
// and NAME.json. `make golden` (go test -run Golden -update) rewrites them.
func TestGolden(t *testing.T) {
	fixedClock(t)
	// SSLKEYLOGFILE must not leak into the runs.
	t.Setenv("SSLKEYLOGFILE", "")
	for _, pcap := range captures(t) {
		name := captureName(pcap)
		for _, format := range []string{"text", "json"} {
			t.Run(name+"/"+format, func(t *testing.T) {
				args := append([]string{"dissect", "--format", format}, keyArgs(pcap)...)
				args = append(args, pcap)
				var stdout, stderr bytes.Buffer
				if err := run(args, nil, &stdout, &stderr); err != nil {
					t.Fatalf("run %v: %v\n%s", args, err, stderr.String())
				}
				if stderr.Len() > 0 {
					t.Errorf("stderr: %s", stderr.String())
				}
				ext := map[string]string{"text": ".txt", "json": ".json"}[format]
				golden := filepath.Join("..", "..", "testdata", "golden", name+ext)
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, stdout.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run `make golden` to create it)", err)
				}
				if !bytes.Equal(stdout.Bytes(), want) {
					t.Errorf("output differs from %s (run `make golden` after checking the change):\n%s", golden, firstDiff(string(want), stdout.String()))
				}
			})
		}
	}
}

// firstDiff shows the first differing line.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, w, g)
		}
	}
	return "(same lines, different bytes)"
}

// TestPlaintext decrypts every shipped capture that comes with the exact
// application data its endpoints sent (testdata/pcaps/NAME.c2s and
// NAME.s2c) and compares --plaintext-dir's files with them byte for byte.
// Where a capture holds several connections (resumption), each carried
// those same bytes.
func TestPlaintext(t *testing.T) {
	t.Setenv("SSLKEYLOGFILE", "")
	checked := 0
	for _, pcap := range captures(t) {
		name := captureName(pcap)
		base := filepath.Join(filepath.Dir(pcap), name)
		wantC2S, errC := os.ReadFile(base + ".c2s")
		wantS2C, errS := os.ReadFile(base + ".s2c")
		if errC != nil || errS != nil {
			continue
		}
		checked++
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"dissect", "--format", "json", "--plaintext-dir", dir}, keyArgs(pcap)...)
			args = append(args, pcap)
			var stdout, stderr bytes.Buffer
			if err := run(args, nil, &stdout, &stderr); err != nil {
				t.Fatalf("run: %v\n%s", err, stderr.String())
			}
			conns := connections(t, stdout.Bytes())
			for _, c := range []struct {
				ext  string
				want []byte
			}{{"c2s", wantC2S}, {"s2c", wantS2C}} {
				// Every connection of the capture carried the same bytes.
				for _, conn := range conns {
					f := filepath.Join(dir, fmt.Sprintf("%d.%s", conn.ID, c.ext))
					got, err := os.ReadFile(f)
					if err != nil && len(c.want) > 0 {
						t.Errorf("connection %d: %v", conn.ID, err)
						continue
					}
					if !bytes.Equal(got, c.want) {
						t.Errorf("connection %d %s: %d bytes decrypted, want the %d bytes the endpoint sent (first difference at %d)",
							conn.ID, c.ext, len(got), len(c.want), diffAt(got, c.want))
					}
				}
			}
			for _, c := range conns {
				if c.MAC.Failed != 0 || c.MAC.Verified == 0 {
					t.Errorf("connection %d: mac %+v, want every record verified", c.ID, c.MAC)
				}
				if c.Finished.C2S != "ok" || c.Finished.S2C != "ok" {
					t.Errorf("connection %d: finished %+v, want both verified", c.ID, c.Finished)
				}
			}
		})
	}
	if checked == 0 {
		t.Fatal("no capture in testdata/pcaps has .c2s/.s2c files")
	}
}

func diffAt(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// connections decodes the connection objects of NDJSON output.
func connections(t *testing.T, ndjson []byte) []report.Connection {
	t.Helper()
	var out []report.Connection
	for _, line := range bytes.Split(ndjson, []byte("\n")) {
		if !bytes.HasPrefix(line, []byte(`{"type":"connection"`)) {
			continue
		}
		var c report.Connection
		if err := json.Unmarshal(line, &c); err != nil {
			t.Fatalf("bad connection line: %v\n%s", err, line)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		t.Fatal("no connection in the output")
	}
	return out
}
