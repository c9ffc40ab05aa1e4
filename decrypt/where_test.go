package decrypt

import (
	"strings"
	"testing"
)

// TestKeyLogWhere: how a message names the key log, by its sources.
func TestKeyLogWhere(t *testing.T) {
	var k *KeyLog
	if got := k.Where(); got != "" {
		t.Errorf("nil: %q", got)
	}
	k = &KeyLog{}
	if got := k.Where(); got != "" {
		t.Errorf("none: %q", got)
	}
	k.Load(strings.NewReader("CLIENT_RANDOM "+strings.Repeat("01", 32)+" "+strings.Repeat("02", 48)+"\n"), "x")
	if got := k.Where(); got != "the key log" {
		t.Errorf("loaded, no source: %q", got)
	}
	for _, c := range []struct{ add, want string }{
		{"a.log", "the key log a.log"},
		{"a.log", "the key log a.log"},
		{"b.log", "the key logs a.log and b.log"},
		{"c.pcapng's secrets blocks", "the key logs a.log, b.log and c.pcapng's secrets blocks"},
		{"d.log", "the key logs a.log, b.log and 2 more"},
	} {
		k.AddSource(c.add)
		if got := k.Where(); got != c.want {
			t.Errorf("after %s: %q, want %q", c.add, got, c.want)
		}
	}
}
