package editdist

import (
	"strings"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"audit", "audit", 0}, {"adit", "audit", 1}, {"auditt", "audit", 1},
		{"dissekt", "dissect", 1}, {"kitten", "sitting", 3}, {"", "sni", 3}, {"ja3", "ja4s", 2},
		{strings.Repeat("x", 100), "sni", 100},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Distance(c.b, c.a); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.b, c.a, got, c.want)
		}
	}
}
