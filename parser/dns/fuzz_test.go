package dns

import (
	"errors"
	"testing"

	"github.com/ssldissect/ssldissect/parser"
)

// FuzzDNS: Parse never panics, fails only with a dns *parser.Error,
// keeps its caps, and decodes the same bytes the same way.
func FuzzDNS(f *testing.F) {
	seeds := [][]byte{
		httpsResponse("public.test", []byte{0, 4, 0xfe, 0x0d, 0, 0}),
		httpsResponse("a.b.example", nil),
		pointerChain(3),
		pointerChain(MaxPointers),
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds")
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			var pe *parser.Error
			if !errors.As(err, &pe) || pe.Layer != "dns" ||
				!(errors.Is(err, parser.ErrMalformed) || errors.Is(err, parser.ErrTooLarge)) {
				t.Fatalf("error %v is not a dns *parser.Error", err)
			}
			return
		}
		if len(m.Questions) > MaxQuestions || len(m.Answers) > MaxAnswers {
			t.Fatalf("%d questions, %d answers", len(m.Questions), len(m.Answers))
		}
		for _, r := range m.Answers {
			// \DDD escapes make a name at most 4 bytes per wire byte.
			if len(r.Name) > 4*MaxNameLen {
				t.Fatalf("name of %d bytes", len(r.Name))
			}
			if r.SVCB != nil && len(r.SVCB.Params) > MaxSVCParams {
				t.Fatalf("%d params", len(r.SVCB.Params))
			}
		}
		for _, l := range m.ECHConfigLists() {
			if len(l.List) > len(b) {
				t.Fatal("ech param longer than the message")
			}
		}
		m2, err := Parse(b)
		if err != nil || len(m2.Answers) != len(m.Answers) || len(m2.Questions) != len(m.Questions) {
			t.Fatal("a second Parse differs")
		}
	})
}
