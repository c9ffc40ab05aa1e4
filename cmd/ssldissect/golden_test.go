package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
