package dns

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ssldissect/ssldissect/capture"
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
	// The DNS datagrams (queries and responses) of the ECH DNS capture.
	src, err := capture.OpenFiles([]string{"../../testdata/pcaps/gotls-ech-dns.pcap"}, capture.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer src.Close()
	n := 0
	for {
		p, err := src.Next()
		if err != nil {
			break
		}
		if p.UDP != nil && (p.UDP.SrcPort == 53 || p.UDP.DstPort == 53) {
			seeds = append(seeds, bytes.Clone(p.UDP.Payload))
			n++
		}
	}
	if n != 2 {
		f.Fatalf("%d DNS datagrams in the capture, want 2", n)
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
