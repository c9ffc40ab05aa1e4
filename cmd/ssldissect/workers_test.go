package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ssldissect/ssldissect/internal/synth"
)

// TestWorkersDeterministic checks that --workers N changes nothing in the
// output: the same records in the same order, the same connection ids and
// summaries, the same audit, for N = 1, 2 and 4, on every shipped capture
// (text and JSON, with its keys) and on a synthetic capture of thousands
// of interleaved connections (also with idle flushes ending connections,
// and cut short so that the final flush ends hundreds).
func TestWorkersDeterministic(t *testing.T) {
	fixedClock(t)
	t.Setenv("SSLKEYLOGFILE", "")
	type tc struct {
		name string
		args []string
	}
	var cases []tc
	for _, pcap := range captures(t) {
		for _, format := range []string{"text", "json", "ecs", "zeek"} {
			args := append([]string{"dissect", "--format", format}, keyArgs(pcap)...)
			if format == "zeek" {
				args = append(args, "--log-dir", "@DIR@")
			}
			cases = append(cases, tc{captureName(pcap) + "/" + format, append(args, pcap)})
		}
		args := append([]string{"dissect", "--format", "json", "-X"}, keyArgs(pcap)...)
		cases = append(cases, tc{captureName(pcap) + "/json-X", append(args, pcap)})
	}

	pcaps, keylogs, err := synth.Inputs("../../testdata/pcaps/*.pcap")
	if err != nil || len(pcaps) == 0 {
		t.Fatalf("synthetic inputs: %v", err)
	}
	dir := t.TempDir()
	pcap, keylog := filepath.Join(dir, "synth.pcap"), filepath.Join(dir, "synth.keylog")
	size := int64(20 << 20)
	if testing.Short() {
		size = 2 << 20
	}
	st, err := synth.GenerateFile(pcap, pcaps, keylog, keylogs, synth.Options{Size: size, Interleave: 512})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("synthetic capture: %d bytes, %d packets, %d connections, 512 in flight", st.Bytes, st.Packets, st.Connections)
	for _, v := range []struct {
		name string
		args []string
	}{
		{"", nil},
		{"idle", []string{"--idle-timeout", "20ms"}},            // FlushIdle ends connections all along
		{"cut", []string{"-c", fmt.Sprint(st.Packets * 2 / 3)}}, // FlushAll ends hundreds of them
	} {
		for _, format := range []string{"text", "json"} {
			args := append([]string{"dissect", "--format", format, "-l", keylog}, v.args...)
			cases = append(cases, tc{"synth" + v.name + "/" + format, append(args, pcap)})
		}
		args := append([]string{"audit", "--format", "json", "-l", keylog}, v.args...)
		cases = append(cases, tc{"synth" + v.name + "/audit", append(args, pcap)})
	}
	// --plaintext-dir: the same files.
	cases = append(cases, tc{"synth/plaintext", []string{"dissect", "-x", "-l", keylog, "--plaintext-dir", "@DIR@", pcap}})
	// Several files at once, with a filter (each worker that reads the
	// files compiles its own), one of them pcapng with its secrets; and a
	// gzip copy of the synthetic capture, which the workers do not each
	// read (the dispatcher hands its packets out).
	multi := []string{"dissect", "--format", "json", "-f", "not udp port 53"}
	for _, name := range []string{"curl-tls13-http.pcap", "gnutls-dtls12-aes256-gcm.pcap", "gotls-tls13.pcapng", "gnutls-tls12-ecdhe-rsa-aes128-gcm.pcap"} {
		p := filepath.Join("..", "..", "testdata", "pcaps", name)
		multi = append(append(multi, keyArgs(p)...), p)
	}
	cases = append(cases, tc{"multi/json", multi})
	raw, err := os.ReadFile(pcap)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	gzPath := pcap + ".gz"
	if err := os.WriteFile(gzPath, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cases = append(cases, tc{"synth-gzip/json", []string{"dissect", "--format", "json", "-l", keylog, "--idle-timeout", "20ms", gzPath}})

	// The cases run in parallel with each other (the clock and the
	// environment set above stay as they are until all have ended).
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var want []byte
			var wantFiles map[string]string
			for _, n := range []int{1, 2, 4} {
				args := append([]string{}, c.args...)
				pdir := ""
				for i, a := range args {
					if a == "@DIR@" {
						pdir = filepath.Join(t.TempDir(), "plain")
						args[i] = pdir
					}
				}
				args = append(args, "--workers", fmt.Sprint(n))
				var stdout, stderr bytes.Buffer
				if err := run(args, nil, &stdout, &stderr); err != nil {
					t.Fatalf("run %v: %v\n%s", args, err, stderr.String())
				}
				var files map[string]string
				if pdir != "" {
					files = readDir(t, pdir)
				}
				if n == 1 {
					want, wantFiles = stdout.Bytes(), files
					if stdout.Len() == 0 && len(files) == 0 {
						t.Fatal("no output")
					}
					continue
				}
				if got := stdout.Bytes(); !bytes.Equal(got, want) {
					t.Fatalf("--workers %d: output differs from --workers 1:\n%s", n, firstDiff(string(want), string(got)))
				}
				if len(files) != len(wantFiles) {
					t.Fatalf("--workers %d: %d files written, want %d", n, len(files), len(wantFiles))
				}
				for name, b := range wantFiles {
					if files[name] != b {
						t.Fatalf("--workers %d: file %s differs:\n%s", n, name, firstDiff(b, files[name]))
					}
				}
			}
		})
	}
}

func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = string(b)
	}
	return m
}
