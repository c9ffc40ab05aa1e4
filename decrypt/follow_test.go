package decrypt

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func keyLine(label string, random, secret byte) string {
	return label + " " + hex.EncodeToString(bytes.Repeat([]byte{random}, 32)) + " " +
		hex.EncodeToString(bytes.Repeat([]byte{secret}, 48)) + "\n"
}

// TestFollower appends to a key log between polls, a line in two halves,
// then truncates and rewrites it, as a browser with SSLKEYLOGFILE may.
func TestFollower(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.log")
	k := &KeyLog{}
	fl := k.Follow(path)
	defer fl.Close()
	has := func(random byte) bool {
		_, ok := k.Lookup("CLIENT_RANDOM", bytes.Repeat([]byte{random}, 32))
		return ok
	}
	poll := func(wantLines string, wantAdded int) {
		t.Helper()
		lines, added, exists, errs := fl.Poll()
		if !exists || len(errs) > 0 || string(lines) != wantLines || added != wantAdded {
			t.Fatalf("Poll: lines %q added %d exists %v errs %v; want %q, %d", lines, added, exists, errs, wantLines, wantAdded)
		}
	}
	if _, _, exists, errs := fl.Poll(); exists || errs != nil {
		t.Fatalf("missing file: exists %v, errs %v", exists, errs)
	}
	l1, l2, l3 := keyLine("CLIENT_RANDOM", 1, 0xa1), keyLine("CLIENT_RANDOM", 2, 0xa2), keyLine("CLIENT_RANDOM", 3, 0xa3)
	appendFile(t, path, "# comment\n"+l1)
	poll("# comment\n"+l1, 1)
	if !has(1) {
		t.Fatal("line 1 not loaded")
	}
	poll("", 0)
	appendFile(t, path, l2[:40])
	poll("", 0)
	if has(2) {
		t.Fatal("half a line loaded")
	}
	appendFile(t, path, l2[40:])
	poll(l2, 1)
	if !has(2) {
		t.Fatal("line 2 not loaded")
	}
	// Truncated and rewritten: read from the start again.
	if err := os.WriteFile(path, []byte(l3), 0o644); err != nil {
		t.Fatal(err)
	}
	poll(l3, 1)
	if !has(3) {
		t.Fatal("line 3 not loaded")
	}
	// A bad line is an error that names the file; following goes on.
	appendFile(t, path, "CLIENT_RANDOM zz\n")
	_, _, _, errs := fl.Poll()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), path) {
		t.Errorf("bad line: %v", errs)
	}
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}
