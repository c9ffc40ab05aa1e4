package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that records how a call ended: Fatal and Skip
// end the goroutine, as they do in a test.
type recorder struct {
	testing.TB
	ended string // "", "fatal" or "skip"
	msg   string
	logs  []string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatal(args ...any) {
	r.ended, r.msg = "fatal", fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.ended, r.msg = "fatal", fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Skipf(format string, args ...any) {
	r.ended, r.msg = "skip", fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

// call runs f with a recorder on a goroutine of its own.
func call(t *testing.T, f func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

// missingTool is an oracle name whose tool is not installed: "sysctl"
// with an empty $PATH.
const missingTool = "sysctl"

func TestRequired(t *testing.T) {
	tests := []struct {
		env    string
		oracle string
		want   bool
		fatal  string // part of the message when the call fails
	}{
		{"", "tshark", false, ""},
		{"all", "tshark", true, ""},
		{"tshark", "tshark", true, ""},
		{" tcpdump , tshark ", "tshark", true, ""},
		{"tcpdump,conformance", "tshark", false, ""},
		{"tcpdump,,root", "root", true, ""},
		{"tshrak", "tshark", false, `unknown oracle "tshrak"`},
		{"all", "wireshark", false, `unknown oracle "wireshark"`},
	}
	for _, tc := range tests {
		t.Run(tc.env+"/"+tc.oracle, func(t *testing.T) {
			t.Setenv(RequireVar, tc.env)
			var got bool
			r := call(t, func(tb testing.TB) { got = Required(tb, tc.oracle) })
			if tc.fatal != "" {
				if r.ended != "fatal" || !strings.Contains(r.msg, tc.fatal) {
					t.Fatalf("ended %q %q, want a failure with %q", r.ended, r.msg, tc.fatal)
				}
				return
			}
			if r.ended != "" || got != tc.want {
				t.Errorf("Required = %v (ended %q %q), want %v", got, r.ended, r.msg, tc.want)
			}
		})
	}
}

// TestMissing checks that each way of asking for a missing oracle skips,
// or fails when the oracle is required, and says why.
func TestMissing(t *testing.T) {
	t.Setenv("PATH", "")
	t.Setenv(ConformanceVar, t.TempDir())
	calls := []struct {
		name, oracle string
		f            func(tb testing.TB)
	}{
		{"Unavailable", "netns", func(tb testing.TB) { Unavailable(tb, "netns", "ip netns add: %s", "denied") }},
		{"Need", missingTool, func(tb testing.TB) { Need(tb, missingTool, "the reason") }},
		{"Tool", missingTool, func(tb testing.TB) { Tool(tb, missingTool, "the reason") }},
		{"Conformance", "conformance", func(tb testing.TB) { Conformance(tb, "the reason") }},
	}
	if os.Geteuid() != 0 {
		calls = append(calls, struct {
			name, oracle string
			f            func(tb testing.TB)
		}{"Need root", "root", func(tb testing.TB) { Need(tb, "root", "the reason") }})
	}
	for _, c := range calls {
		for _, env := range []string{"", "tshark", c.oracle, "all"} {
			t.Run(c.name+"/"+env, func(t *testing.T) {
				t.Setenv(RequireVar, env)
				r := call(t, c.f)
				want := "skip"
				if env == c.oracle || env == "all" {
					want = "fatal"
				}
				if r.ended != want || !strings.HasPrefix(r.msg, c.oracle+" unavailable: ") {
					t.Errorf("ended %q with %q, want %q", r.ended, r.msg, want)
				}
			})
		}
	}
}

func TestHave(t *testing.T) {
	t.Setenv("PATH", "")
	for _, env := range []string{"", missingTool, "all"} {
		t.Setenv(RequireVar, env)
		var got bool
		r := call(t, func(tb testing.TB) { got = Have(tb, missingTool, "left out") })
		switch {
		case env == "" && (got || r.ended != "" || len(r.logs) != 1 || !strings.Contains(r.logs[0], "left out")):
			t.Errorf("not required: Have = %v, ended %q, logs %q", got, r.ended, r.logs)
		case env != "" && r.ended != "fatal":
			t.Errorf("%s=%s: Have = %v, ended %q", RequireVar, env, got, r.ended)
		}
	}
}

func TestPresent(t *testing.T) {
	t.Setenv(RequireVar, "all")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "SOURCES.md"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(ConformanceVar, dir)
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, missingTool), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	var got, corpus string
	var have bool
	r := call(t, func(tb testing.TB) {
		got = Tool(tb, missingTool, "x")
		have = Have(tb, missingTool, "x")
		corpus = Conformance(tb, "x")
	})
	if r.ended != "" || got != filepath.Join(bin, missingTool) || !have || corpus != dir {
		t.Errorf("ended %q %q; Tool %q, Have %v, Conformance %q", r.ended, r.msg, got, have, corpus)
	}
}

func TestSeedCorpus(t *testing.T) {
	t.Chdir(t.TempDir())
	r := call(t, func(tb testing.TB) { SeedCorpus(tb, "FuzzX") })
	if r.ended != "fatal" {
		t.Errorf("no corpus: ended %q", r.ended)
	}
	if err := os.MkdirAll(filepath.Join("testdata", "fuzz", "FuzzX"), 0o755); err != nil {
		t.Fatal(err)
	}
	r = call(t, func(tb testing.TB) { SeedCorpus(tb, "FuzzX") })
	if r.ended != "fatal" || !strings.Contains(r.msg, "empty") {
		t.Errorf("empty corpus: ended %q %q", r.ended, r.msg)
	}
	if err := os.WriteFile(filepath.Join("testdata", "fuzz", "FuzzX", "a"), []byte("go test fuzz v1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var files []string
	r = call(t, func(tb testing.TB) { files = SeedCorpus(tb, "FuzzX") })
	if r.ended != "" || len(files) != 1 {
		t.Errorf("one seed: ended %q, files %q", r.ended, files)
	}
}
