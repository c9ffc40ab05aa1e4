package oracle

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/report"
)

// TestFingerprintReferences compares our connections' JA4 and JA4S (and,
// where the reference has them, JA3/JA3S) with the values shipped with the
// corpus's captures:
//   - FoxIO's reference implementations (foxio-ja4/expected): the Python
//     JSON (JA4.1 is the first ClientHello of a TCP stream, JA4S its
//     ServerHello) and the Rust insta snapshots (ja4, ja4s per TCP stream).
//     A connection reports the JA4 of its first ClientHello, as Rust does:
//     Python's JA4.2, the second ClientHello after a HelloRetryRequest
//     (foxio-ja4 SOURCES.md, tls-handshake.pcapng streams 38, 41, 42, 44,
//     45), has nothing of ours to compare with. JA4S is the ServerHello
//     that follows the retry in both references and in ours. QUIC entries
//     of the Rust snapshots are skipped (we dissect TCP only);
//   - Arkime's session expectations (arkime/expected/*.test: tls.ja4,
//     ja3, ja3string, ja3s, ja3sstring);
//   - Suricata's eve.json checks (suricata-verify/*/test*.yaml: tls.ja4,
//     tls.ja3.*, tls.ja3s.*, tls.sni).
//
// The pipeline is the command's (Dissect): this checks the whole path from
// the capture to the fingerprint, not only the fingerprint functions
// (parser/fingerprint_test.go does that from tshark's fields). Every
// difference must be listed in refExceptions, or, for the QUIC and DTLS
// connections we do not dissect yet, in pendingRefs.
func TestFingerprintReferences(t *testing.T) {
	t.Parallel()
	dir := needConformance(t)
	var refs []reference
	refs = append(refs, foxioPython(t, dir)...)
	refs = append(refs, foxioRust(t, dir)...)
	refs = append(refs, arkimeRefs(t, dir)...)
	suricata := suricataRefs(t, dir)
	if len(refs) == 0 || len(suricata) == 0 {
		t.Fatalf("no reference values found under %s", dir)
	}

	results := map[string]*Result{}
	dissect := func(t *testing.T, capture string) *Result {
		if r, ok := results[capture]; ok {
			return r
		}
		r, err := Dissect(filepath.Join(dir, capture))
		if err != nil {
			t.Fatalf("%s: %v", capture, err)
		}
		results[capture] = r
		return r
	}
	seen := map[string]bool{}
	agree, allowed, pending := map[string]int{}, map[string]int{}, map[string]int{}
	check := func(t *testing.T, key, field, got, want string) {
		t.Helper()
		if why, ok := pendingRefs[key]; ok {
			seen[key] = true
			switch got {
			case "no connection":
				pending[field]++
				t.Logf("%s: ours %q, reference %q: pending: %s", key, got, want, why)
			case want:
				t.Errorf("%s: we agree now (%q): remove it from pendingRefs (%s)", key, got, why)
			default:
				t.Errorf("%s: ours %q, reference %q: listed in pendingRefs (%s), but the connection is found now: fix the value, or move the entry to refExceptions with the reason", key, got, want, why)
			}
			return
		}
		if got == want {
			agree[field]++
			if _, ok := refExceptions[key]; ok {
				t.Errorf("%s: we agree (%q) but an exception is listed", key, got)
			}
			return
		}
		if why, ok := refExceptions[key]; ok {
			allowed[field]++
			seen[key] = true
			t.Logf("%s: ours %q, reference %q: allowed: %s", key, got, want, why)
			return
		}
		t.Errorf("%s: ours %q, reference %q", key, got, want)
	}

	// Per-connection references: the n-th reference of an endpoint pair
	// is the n-th of our connections between those endpoints.
	byCapture := map[string][]reference{}
	for _, r := range refs {
		byCapture[r.capture] = append(byCapture[r.capture], r)
	}
	captures := make([]string, 0, len(byCapture))
	for c := range byCapture {
		captures = append(captures, c)
	}
	slices.Sort(captures)
	for _, capture := range captures {
		t.Run(capture, func(t *testing.T) {
			res := dissect(t, capture)
			for _, r := range byCapture[capture] {
				key := fmt.Sprintf("%s %s %s %s", r.source, capture, r.conn, r.field)
				c := r.find(res.Conns)
				got := "no connection"
				if c != nil {
					got = fieldOf(c, r.field)
				}
				check(t, key, r.field, got, r.want)
			}
		})
	}
	for _, s := range suricata {
		t.Run(s.capture, func(t *testing.T) {
			res := dissect(t, s.capture)
			n := 0
			for i := range res.Conns {
				ok := true
				for f, want := range s.match {
					ok = ok && fieldOf(&res.Conns[i], f) == want
				}
				if ok {
					n++
				}
			}
			key := fmt.Sprintf("suricata %s %s", s.capture, s.name)
			got, want := strconv.Itoa(n), strconv.Itoa(s.count)
			if !s.exact && n > 0 && s.count > 0 {
				got = want // some keys are not compared: at least one is enough
			}
			check(t, key, "suricata", got, want)
		})
	}
	if !t.Failed() {
		for key, why := range refExceptions {
			if !seen[key] {
				t.Errorf("exception no longer needed (remove it): %q: %s", key, why)
			}
		}
	}
	for key, why := range pendingRefs {
		if !seen[key] {
			t.Errorf("pending reference not found in the corpus (remove it from pendingRefs): %q: %s", key, why)
		}
	}
	var fields []string
	for _, m := range []map[string]int{agree, allowed, pending} {
		for f := range m {
			if !slices.Contains(fields, f) {
				fields = append(fields, f)
			}
		}
	}
	slices.Sort(fields)
	for _, f := range fields {
		t.Logf("  %-10s agree %4d   differ with listed reason %3d   pending (QUIC, DTLS) %3d", f, agree[f], allowed[f], pending[f])
	}
}

// reference is one expected value of one connection.
type reference struct {
	source  string // "python", "rust", "arkime"
	capture string // path relative to the corpus
	client  netip.AddrPort
	server  netip.AddrPort
	nth     int    // among the references of this source for the same endpoints
	conn    string // how the key names the connection ("stream5", "50122")
	field   string // "ja4", "ja4s", "ja3", "ja3_full", "ja3s", "ja3s_full"
	want    string
}

// find returns the nth of our connections between the two endpoints, in
// either direction, by connection id (the order they started in).
func (r reference) find(conns []report.Connection) *report.Connection {
	n := 0
	for i := range conns {
		c, _ := netip.ParseAddrPort(conns[i].Client)
		s, _ := netip.ParseAddrPort(conns[i].Server)
		if c == r.client && s == r.server || c == r.server && s == r.client {
			if n == r.nth {
				return &conns[i]
			}
			n++
		}
	}
	return nil
}

func fieldOf(c *report.Connection, field string) string {
	switch field {
	case "ja4":
		return c.JA4
	case "ja4s":
		return c.JA4S
	case "ja3":
		return c.JA3
	case "ja3_full":
		return c.JA3Full
	case "ja3s":
		return c.JA3S
	case "ja3s_full":
		return c.JA3SFull
	case "sni":
		return c.SNI
	}
	panic("unknown field " + field)
}

// numberRefs sets nth: the order of each reference among those of the
// same source and endpoints, by the order they are given in (stream order).
func numberRefs(refs []reference) []reference {
	count := map[string]int{}
	conns := map[string]int{} // source+endpoints+conn -> nth
	for i := range refs {
		r := &refs[i]
		ends := r.source + " " + r.client.String() + " " + r.server.String()
		id := ends + " " + r.conn
		n, ok := conns[id]
		if !ok {
			n = count[ends]
			count[ends]++
			conns[id] = n
		}
		r.nth = n
	}
	return refs
}

func mustAddrPort(t *testing.T, ip string, port any) netip.AddrPort {
	t.Helper()
	ap, err := netip.ParseAddrPort(netip.MustParseAddr(ip).String() + ":" + fmt.Sprint(port))
	if err != nil {
		ap, err = netip.ParseAddrPort("[" + ip + "]:" + fmt.Sprint(port))
	}
	if err != nil {
		t.Fatalf("%s port %v: %v", ip, port, err)
	}
	return ap
}

// foxioPython reads foxio-ja4/expected/python/*.json.
func foxioPython(t *testing.T, dir string) []reference {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "foxio-ja4", "expected", "python", "*.json"))
	var refs []reference
	for _, f := range files {
		capture := "foxio-ja4/pcap/" + strings.TrimSuffix(filepath.Base(f), ".json")
		var entries []map[string]any
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &entries); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, e := range entries {
			src := mustAddrPort(t, e["src"].(string), e["srcport"])
			dst := mustAddrPort(t, e["dst"].(string), e["dstport"])
			conn := fmt.Sprintf("stream%v", e["stream"])
			for k, field := range map[string]string{"JA4.1": "ja4", "JA4S": "ja4s"} {
				if v, ok := e[k].(string); ok {
					refs = append(refs, reference{source: "python", capture: capture, client: src, server: dst, conn: conn, field: field, want: v})
				}
			}
		}
	}
	sortRefs(refs)
	return numberRefs(refs)
}

func sortRefs(refs []reference) {
	slices.SortStableFunc(refs, func(a, b reference) int {
		if c := strings.Compare(a.capture, b.capture); c != 0 {
			return c
		}
		an, _ := strconv.Atoi(strings.TrimPrefix(a.conn, "stream"))
		bn, _ := strconv.Atoi(strings.TrimPrefix(b.conn, "stream"))
		return an - bn
	})
}

// foxioRust reads the TCP entries of foxio-ja4/expected/rust/*.snap
// (insta YAML: a list of maps; QUIC entries have transport udp).
func foxioRust(t *testing.T, dir string) []reference {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "foxio-ja4", "expected", "rust", "*.snap"))
	var refs []reference
	for _, f := range files {
		capture := "foxio-ja4/pcap/" + strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "ja4__insta@"), ".snap")
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		var entries []map[string]string
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "- "):
				entries = append(entries, map[string]string{})
				line = "  " + line[2:]
			case !strings.HasPrefix(line, "  ") || strings.HasPrefix(line, "   ") || len(entries) == 0:
				continue // header, or nested (tls_certs, http)
			}
			k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
			if ok {
				entries[len(entries)-1][k] = strings.Trim(strings.TrimSpace(v), `"'`)
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e["transport"] != "tcp" {
				continue
			}
			src := mustAddrPort(t, e["src"], e["src_port"])
			dst := mustAddrPort(t, e["dst"], e["dst_port"])
			for _, field := range []string{"ja4", "ja4s"} {
				if v := e[field]; v != "" {
					refs = append(refs, reference{source: "rust", capture: capture, client: src, server: dst, conn: "stream" + e["stream"], field: field, want: v})
				}
			}
		}
	}
	sortRefs(refs)
	return numberRefs(refs)
}

// arkimeRefs reads arkime/expected/*.test (Arkime session JSON).
func arkimeRefs(t *testing.T, dir string) []reference {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "arkime", "expected", "*.test"))
	var refs []reference
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".test")
		capture := ""
		for _, c := range []string{"arkime/pcap/" + name + ".pcap", "foxio-ja4/pcap/" + name + ".pcap", "foxio-ja4/pcap/" + name + ".pcapng"} {
			if _, err := os.Stat(filepath.Join(dir, c)); err == nil {
				capture = c
				break
			}
		}
		if capture == "" {
			t.Errorf("%s: no capture for it", f)
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Sessions []struct {
				Body struct {
					Source struct {
						IP   string
						Port int
					}
					Destination struct {
						IP   string
						Port int
					}
					TLS map[string]any `json:"tls"`
				} `json:"body"`
			} `json:"sessions3"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, s := range doc.Sessions {
			if s.Body.TLS == nil || s.Body.Source.IP == "" {
				continue
			}
			src := mustAddrPort(t, s.Body.Source.IP, s.Body.Source.Port)
			dst := mustAddrPort(t, s.Body.Destination.IP, s.Body.Destination.Port)
			conn := fmt.Sprint(s.Body.Source.Port)
			for k, field := range map[string]string{"ja4": "ja4", "ja3": "ja3", "ja3string": "ja3_full", "ja3s": "ja3s", "ja3sstring": "ja3s_full"} {
				vs, _ := s.Body.TLS[k].([]any)
				if len(vs) == 1 {
					refs = append(refs, reference{source: "arkime", capture: capture, client: src, server: dst, conn: conn, field: field, want: vs[0].(string)})
				} else if len(vs) > 1 {
					t.Errorf("%s: %d values of tls.%s in one session", f, len(vs), k)
				}
			}
		}
	}
	slices.SortStableFunc(refs, func(a, b reference) int { return strings.Compare(a.capture, b.capture) })
	return numberRefs(refs)
}

// suricataCheck is one `filter:` of a suricata-verify test.yaml on tls
// events: count events whose fields match.
type suricataCheck struct {
	capture string
	name    string // the match, as the exception key names it
	match   map[string]string
	count   int
	exact   bool // every key of the match is compared
}

// suricataFields maps eve.json tls fields to ours.
var suricataFields = map[string]string{
	"tls.ja4":         "ja4",
	"tls.ja3.hash":    "ja3",
	"tls.ja3.string":  "ja3_full",
	"tls.ja3s.hash":   "ja3s",
	"tls.ja3s.string": "ja3s_full",
	"tls.sni":         "sni",
}

// suricataRefs reads the tls checks of suricata-verify/*/test*.yaml that
// name a fingerprint or the SNI. The YAML is read line by line: the
// checks are flat "- filter:" blocks with "count:" and a "match:" map.
func suricataRefs(t *testing.T, dir string) []suricataCheck {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "suricata-verify", "*", "test*.yaml"))
	var out []suricataCheck
	for _, f := range files {
		pcaps, _ := filepath.Glob(filepath.Join(filepath.Dir(f), "*.pcap"))
		if len(pcaps) != 1 {
			continue
		}
		capture, _ := filepath.Rel(dir, pcaps[0])
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cur *suricataCheck
		var all map[string]string
		inMatch := false
		flush := func() {
			if cur != nil && all["event_type"] == "tls" && len(cur.match) > 0 {
				cur.exact = len(cur.match) == len(all)-1
				keys := make([]string, 0, len(cur.match))
				for k := range cur.match {
					keys = append(keys, k+"="+cur.match[k])
				}
				slices.Sort(keys)
				cur.name = strings.Join(keys, " ")
				out = append(out, *cur)
			}
			cur, all, inMatch = nil, nil, false
		}
		for line := range strings.Lines(string(b)) {
			trim := strings.TrimSpace(line)
			switch {
			case trim == "- filter:":
				flush()
				cur = &suricataCheck{capture: filepath.ToSlash(capture), match: map[string]string{}, count: -1}
				all = map[string]string{}
			case cur == nil || trim == "" || strings.HasPrefix(trim, "#"):
			case strings.HasPrefix(trim, "count:"):
				cur.count, _ = strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(trim, "count:")))
			case trim == "match:":
				inMatch = true
			case inMatch && strings.Contains(trim, ": "):
				k, v, _ := strings.Cut(trim, ": ")
				v = strings.Trim(strings.TrimSpace(v), `"'`)
				all[k] = v
				if f, ok := suricataFields[k]; ok {
					cur.match[f] = v
				}
			case !strings.HasPrefix(line, "      "):
				inMatch = false
			}
		}
		flush()
	}
	for i := range out {
		if out[i].count < 0 {
			out[i].count, out[i].exact = 1, false
		}
	}
	return out
}

// refExceptions lists every difference with a reference that the test
// allows: "source capture connection field" -> who is right and why.
var refExceptions = map[string]string{
	// The first ALPN value is the two bytes 0xba 0xad. JA4.md ("ALPN
	// Extension Value"): "If the first or last byte of the first ALPN is
	// non-alphanumeric (meaning not 0x30-0x39, 0x41-0x5A, or 0x61-0x7A),
	// then we print the first and last characters of the hex
	// representation of the first ALPN instead", with the example "0xAB
	// 0xCD would be printed as "ad"": here "bd", as we print (and as
	// Suricata's JA4 code does). FoxIO's Python and Rust print "99", an
	// older rule their code kept. We follow the spec text.
	"python foxio-ja4/pcap/tls-non-ascii-alpn.pcapng stream0 ja4": whyALPNHex,
	"rust foxio-ja4/pcap/tls-non-ascii-alpn.pcapng stream0 ja4":   whyALPNHex,
	// The ClientHello (frame 4) has no signature_algorithms extension; its
	// extensions sort to 0005,000a,000b,0017,0023,ff01. JA4.md ("Extension
	// hash"): "If there are no signature algorithms in the hello packet,
	// then the string ends without an underscore and is hashed":
	// sha256("0005,000a,000b,0017,0023,ff01") starts c39ab67fec8e, our
	// value. Suricata 8 hashes the string with a trailing "_"
	// (sha256("0005,000a,000b,0017,0023,ff01_") starts ce66f3b797c1, its
	// expectation). We follow the spec (and its own no-signature-algorithms
	// example, checked in parser/fingerprint_test.go).
	"suricata suricata-verify/bug-5713-02-ja4/TLSv1-Extracted-MaliciousC2.pcap ja4=t10i070600_c50f5591e341_ce66f3b797c1": whyNoSigAlgsUnderscore,
}

// pendingRefs lists the references of connections we do not find yet,
// because the transport that carries them is not implemented: DTLS
// (../shared/CONTRACT.md "QUIC and DTLS"). Each key is one reference
// that fails today with "no connection". An entry allows that and nothing
// else: once the connection is found, a value equal to the reference fails
// the test until the entry is removed, and a different value fails it
// until it is fixed or moved to refExceptions with its reason. So the QUIC
// and DTLS work turns these green by deleting them.
var pendingRefs = map[string]string{}

const (
	whyALPNHex             = "non-alphanumeric ALPN 0xba 0xad: the spec prints the hex digits (bd), FoxIO Python and Rust print 99"
	whyNoSigAlgsUnderscore = "hello without signature_algorithms: the spec hashes the extension list without a trailing underscore, Suricata adds one"
)
