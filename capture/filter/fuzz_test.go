package filter

import (
	"errors"
	"testing"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// FuzzCompile: Compile never panics and returns *Error on failure; a
// compiled filter's String compiles again to the same canonical form, and
// both filters agree on every test packet (whole and truncated). Its
// seeds are the filters of the Match and tcpdump tables, and the committed
// corpus (testdata/fuzz/FuzzCompile, which must not be empty).
func FuzzCompile(f *testing.F) {
	testenv.SeedCorpus(f, "FuzzCompile")
	seeds := 0
	for _, c := range matchCases {
		f.Add(c.expr)
		seeds++
	}
	for _, e := range xcheckExprs {
		f.Add(e)
		seeds++
	}
	for _, e := range []string{"host 1.2.3.4 or 5.6.7.8", "ip[0] * 2 ^ 3 = 1", "net 10 or 2001:db8::/32",
		"not (tcp[13] & 3 != 0 and vlan) or ether src 0:1:2:3:4:5", "gateway x", "tcp[", "((", "\\"} {
		f.Add(e)
		seeds++
	}
	if seeds == 0 {
		f.Fatal("no seeds")
	}
	var metas []*Meta
	for _, p := range buildPackets(f) {
		m := metaOf(p.frame)
		metas = append(metas, m)
		for _, n := range []int{0, 14, 30} {
			c := *m
			c.Link = c.Link[:min(n, len(c.Link))]
			c.L3 = c.L3[:min(n, len(c.L3))]
			c.L4 = c.L4[:min(n/2, len(c.L4))]
			metas = append(metas, &c)
		}
	}
	metas = append(metas, &Meta{})

	f.Fuzz(func(t *testing.T, expr string) {
		flt, err := Compile(expr)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || fe.Column < 1 {
				t.Fatalf("Compile(%q) error %v is not an *Error with a column", expr, err)
			}
			return
		}
		s := flt.String()
		again, err := Compile(s)
		if err != nil {
			t.Fatalf("Compile(%q) ok, but its String %q does not compile: %v", expr, s, err)
		}
		if s2 := again.String(); s2 != s {
			t.Fatalf("Compile(%q): String %q compiles to %q", expr, s, s2)
		}
		for _, m := range metas {
			if a, b := flt.Match(m), again.Match(m); a != b {
				t.Fatalf("Compile(%q) = %v and its String %q = %v disagree on %+v", expr, a, s, b, m)
			}
		}
	})
}
