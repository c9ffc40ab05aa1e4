package selectexpr

import (
	"net/netip"
	"strings"
	"testing"
)

// seeds are expressions of the README and the tests, valid and not.
var seeds = []string{
	"sni == *.example.com",
	`version >= "TLS 1.2" and not resumed`,
	"version < TLS 1.2 or cipher == *CBC* or cipher == *RC4*",
	"server_ip in 10.0.0.0/8 && (port == 443 || port == 8443)",
	"ja3 == 771,4865-4866,0-11,29-23,0 or ja4 =~ ^t13",
	"note == bad_* and not decrypted",
	"client == [2001:db8::1]:40000 or server == *:443",
	"transport == quic and alpn == h3",
	"cipher_id == 0x1301",
	"!(sni == 'a b') && decrypted == true",
	"sni ==", "(", ")", "sni = x", "sni =~ \"(\"", "[", "sni == [abc", "version >= TLS1.4",
}

// FuzzParse: Parse never panics; an expression it accepts evaluates
// without panic on connections known in part and in full, a full one to
// a definite answer, and a part one to an answer that the full one
// agrees with when it is not unknown (an answer once given never
// changes). An error is an *Error with a column inside the input (or
// just past it).
func FuzzParse(f *testing.F) {
	if len(seeds) == 0 {
		f.Fatal("no seeds")
	}
	for _, s := range seeds {
		f.Add(s)
	}
	full := conn13()
	part := conn13()
	part.Final = Endpoints | Of(FieldTransport, FieldSNI, FieldJA3, FieldJA4)
	part.Notes = full.Notes[:1]
	empty := &Conn{Client: netip.AddrPort{}, Final: All}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src)
		if err != nil {
			pe, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %T %v", err, err)
			}
			if pe.Col < 1 || pe.Col > len(src)+1 {
				t.Fatalf("column %d outside %d bytes: %v", pe.Col, len(src), err)
			}
			if strings.TrimSpace(pe.Msg) == "" {
				t.Fatal("empty message")
			}
			return
		}
		if e.String() != src {
			t.Fatalf("String() = %q", e.String())
		}
		got := e.Eval(full)
		if got == Unknown {
			t.Fatalf("%q: unknown on a settled connection", src)
		}
		if p := e.Eval(part); p != Unknown && p != got {
			t.Fatalf("%q: %v on the part known, %v on the whole", src, p, got)
		}
		if e.Eval(empty) == Unknown {
			t.Fatalf("%q: unknown on an empty settled connection", src)
		}
	})
}
