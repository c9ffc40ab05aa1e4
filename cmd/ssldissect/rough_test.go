package main

import (
	"bytes"
	"strings"
	"testing"
)

// runArgs runs the command line and returns its stdout, stderr and error,
// the error printed as exitCode prints it.
func runArgs(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(args, strings.NewReader(""), &out, &errb)
	if err != nil {
		exitCode(err, &errb)
	}
	return out.String(), errb.String(), err
}

// TestAuditRefusesDissectFlags: the flags that only shape dissect's output
// are refused by audit, not silently ignored.
func TestAuditRefusesDissectFlags(t *testing.T) {
	for _, args := range [][]string{
		{"audit", "--plaintext-dir", t.TempDir(), "x.pcap"},
		{"audit", "--hex", "x.pcap"},
		{"audit", "-a", "x.pcap"},
	} {
		_, stderr, err := runArgs(t, args...)
		if err == nil || !strings.Contains(stderr, "dissect flag") {
			t.Errorf("%q: err %v, stderr %q; want a refusal naming it a dissect flag", args, err, stderr)
		}
	}
}
