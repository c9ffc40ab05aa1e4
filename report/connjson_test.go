package report

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/internal/pipeline"
	"github.com/ssldissect/ssldissect/internal/testenv"
	"github.com/ssldissect/ssldissect/session"
	"github.com/ssldissect/ssldissect/trust"
)

// connJSONSink compares, for every connection a run ends, the connection
// line of appendConnectionJSON with json.Encoder's, without and with
// chain verification (each verifier of verifiers).
type connJSONSink struct {
	t         *testing.T
	name      string
	verifiers []*trust.Verifier
	conns     int // connections compared
	quic      int // of them QUIC ones (with the embedded QUICConn)
	trusted   int // lines with a validation_status
	failed    int
}

func (s *connJSONSink) Record(*session.RecordEvent) {}

func (s *connJSONSink) End(c *session.Conn) {
	s.conns++
	for _, v := range s.verifiers {
		out := ConnectionWithTrust(c, v)
		if out.QUICConn != nil && v == nil {
			s.quic++
		}
		if out.ValidationStatus != "" {
			s.trusted++
		}
		want, err := encoderJSON(&out)
		if err != nil {
			s.t.Fatalf("%s #%d: encoding/json: %v", s.name, c.ID, err)
		}
		got, err := appendConnectionJSON(nil, &out)
		if err != nil {
			s.t.Fatalf("%s #%d: %v", s.name, c.ID, err)
		}
		if !sameJSON(s.t, s.name, got, want) {
			if s.failed++; s.failed == 10 {
				s.t.Fatal("and so on")
			}
		}
	}
}

// connJSONRun runs the capture at path through a connJSONSink
// (runCapture).
func connJSONRun(t *testing.T, s *connJSONSink, path string, keylogs, rsaKeys []string) {
	t.Helper()
	s.name = path
	runCapture(t, s, path, keylogs, rsaKeys)
}

// runCapture runs the capture at path, with the key logs and RSA keys
// given and its pcapng secrets, through sink. A damaged capture may end
// with an error; what came before it reached the sink all the same.
func runCapture(t *testing.T, sink session.Sink, path string, keylogs, rsaKeys []string) {
	t.Helper()
	keys, err := pipeline.LoadKeys(keylogs, rsaKeys, func(error) {})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	src, err := capture.OpenFiles([]string{path}, capture.Options{OnSecrets: pipeline.SecretsLoader(keys, func(error) {})})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer src.Close()
	_, _ = pipeline.Run(src, sink, pipeline.Options{Keys: keys})
}

// shippedCaptures lists testdata/pcaps/NAME.pcap[ng][.gz] with the key log
// (NAME.keylog) and RSA key (NAME.key) beside each, where there are.
func shippedCaptures(t *testing.T) (paths []string, keylogs, rsaKeys map[string][]string) {
	t.Helper()
	dir := filepath.Join(testenv.RepoRoot(t), "testdata", "pcaps")
	keylogs, rsaKeys = map[string][]string{}, map[string][]string{}
	for _, pat := range []string{"*.pcap", "*.pcapng", "*.pcap.gz", "*.pcapng.gz"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		t.Fatal("no captures in testdata/pcaps")
	}
	slices.Sort(paths)
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".gz")
		base := filepath.Join(dir, strings.TrimSuffix(strings.TrimSuffix(name, ".pcapng"), ".pcap"))
		if _, err := os.Stat(base + ".keylog"); err == nil {
			keylogs[p] = []string{base + ".keylog"}
		}
		if _, err := os.Stat(base + ".key"); err == nil {
			rsaKeys[p] = []string{base + ".key"}
		}
	}
	return paths, keylogs, rsaKeys
}

// corpusKeyMaterial reads the key_material column of the corpus's tshark
// tables (TSHARK_SUMMARY, QUIC_TSHARK, DTLS_TSHARK): capture -> the key
// log file, where the column names a file of the corpus.
func corpusKeyMaterial(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range []string{"TSHARK_SUMMARY.tsv", "QUIC_TSHARK.tsv", "DTLS_TSHARK.tsv"} {
		for _, row := range testenv.TSVRows(t, filepath.Join(dir, table)) {
			km := row["key_material"]
			if km == "" || strings.ContainsAny(km, " (") {
				continue
			}
			if st, err := os.Stat(filepath.Join(dir, km)); err == nil && st.Mode().IsRegular() {
				out[row["file"]] = filepath.Join(dir, km)
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("the corpus's tables name no key log")
	}
	return out
}

// corpusCaptures lists the capture files under dir, as paths, sorted.
func corpusCaptures(t *testing.T, dir string) []string {
	var out []string
	for _, rel := range testenv.CapturesUnder(t, dir) {
		out = append(out, filepath.Join(dir, filepath.FromSlash(rel)))
	}
	return out
}

// TestConnectionJSONCaptures compares appendConnectionJSON with
// json.Encoder, byte for byte, for every connection of every shipped
// capture (with its keys, and with chain verification against the
// generator's CA and against the system roots) and of every conformance
// capture (with the key log its tshark tables name, and pcapng secrets).
func TestConnectionJSONCaptures(t *testing.T) {
	roots, err := trust.LoadCAFile(filepath.Join(testenv.RepoRoot(t), "testdata", "gen", "certs", "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	system := trust.New(trust.SystemRoots())
	s := &connJSONSink{t: t, verifiers: []*trust.Verifier{nil, trust.New(roots), system}}
	paths, keylogs, rsaKeys := shippedCaptures(t)
	for _, p := range paths {
		connJSONRun(t, s, p, keylogs[p], rsaKeys[p])
	}
	shipped := s.conns
	if shipped < len(paths) || s.quic == 0 || s.trusted == 0 {
		t.Fatalf("shipped captures: %d connections compared over %d captures, %d QUIC, %d lines with a validation_status",
			shipped, len(paths), s.quic, s.trusted)
	}

	dir := testenv.Conformance(t, "the conformance captures' connections are not compared")
	km := corpusKeyMaterial(t, dir)
	corpus := corpusCaptures(t, dir)
	s.verifiers = []*trust.Verifier{nil, system} // the corpus's chains: the system roots
	withKeys := 0
	for _, p := range corpus {
		rel, _ := filepath.Rel(dir, p)
		var logs []string
		if k, ok := km[filepath.ToSlash(rel)]; ok {
			logs = []string{k}
			withKeys++
		}
		connJSONRun(t, s, p, logs, nil)
	}
	if len(corpus) < 100 || withKeys < 10 || s.conns-shipped < len(corpus) {
		t.Fatalf("conformance: %d captures (%d with a key log), %d connections", len(corpus), withKeys, s.conns-shipped)
	}
	t.Logf("%d connections compared: %d of %d shipped captures, %d of %d conformance captures (%d with a key log); %d QUIC, %d lines with a validation_status",
		s.conns, shipped, len(paths), s.conns-shipped, len(corpus), withKeys, s.quic, s.trusted)
}

// TestConnectionJSONFilled: a Connection with every field filled (by
// reflection: filler, so a field added later is filled too), so that
// every omitempty key is written, the same with the embedded *QUICConn
// nil, and the zero Connection, compared with the Encoder.
func TestConnectionJSONFilled(t *testing.T) {
	f := &filler{t: t}
	full := f.filled(reflect.TypeFor[Connection](), "Connection", 0).Interface().(Connection)
	noQUIC := full
	noQUIC.QUICConn = nil
	for name, c := range map[string]*Connection{"filled": &full, "no QUIC": &noQUIC, "zero": {}} {
		want, err := encoderJSON(c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendConnectionJSON(nil, c)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, name, got, want)
	}
	got, _ := appendConnectionJSON(nil, &full)
	var decoded any
	if err := json.Unmarshal(got, &decoded); err != nil {
		t.Fatal(err)
	}
	keysPresent(t, reflect.TypeFor[Connection](), decoded, "Connection")
	// "id" comes second, after "type".
	if !bytes.HasPrefix(got, []byte(`{"type":`)) || !bytes.Contains(got[:bytes.IndexByte(got, ',')+6], []byte(`,"id":`)) {
		t.Errorf("the line does not start with type and id: %.60s", got)
	}
}

// oddStrings are strings JSON must escape (or must not: '<', '>' and '&'
// are written as they are with SetEscapeHTML(false)).
var oddStrings = []string{
	"", "plain", "<a href=\"x\">&amp;</a>", "\x00\x01\x1f\x7f", "\b\f\n\r\t", "\u2028\u2029",
	"\xff", "a\xc3", "\xed\xa0\x80", "é€😀", "\\", "\"", "\ufffd", "\xf4\x90\x80\x80",
}

// randomString is a string of up to 24 bytes drawn from ASCII, control
// characters, the HTML characters, multi-byte UTF-8, U+2028/9 and bytes
// that are not UTF-8.
func randomString(r *rand.Rand) string {
	var b []byte
	for range r.IntN(25) {
		switch r.IntN(6) {
		case 0:
			b = append(b, byte(r.IntN(0x20)))
		case 1:
			b = append(b, "<>&\"\\/"[r.IntN(6)])
		case 2:
			b = utf8.AppendRune(b, []rune{'\u2028', '\u2029', 'é', '😀', '\ufffd', 0x7f}[r.IntN(6)])
		case 3:
			b = append(b, byte(0x80+r.IntN(0x80)))
		default:
			b = append(b, byte(0x20+r.IntN(0x5f)))
		}
	}
	return string(b)
}

// setStrings sets every string field under v (fieldsOf's walk) with next.
func setStrings(v reflect.Value, next func() string) {
	for _, fv := range fieldsOf(v, "") {
		switch {
		case fv.v.Kind() == reflect.String:
			fv.v.SetString(next())
		case fv.v.Kind() == reflect.Slice && fv.v.Type().Elem().Kind() == reflect.String:
			for i := range fv.v.Len() {
				fv.v.Index(i).SetString(next())
			}
		}
	}
}

// TestConnectionJSONStrings puts odd and random strings in every string
// field of a filled Connection and compares with the Encoder.
func TestConnectionJSONStrings(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 0
	for round := range 300 {
		got, ok := filledWithStrings(t, "random strings", func() string {
			n++
			if round < 20 {
				return oddStrings[n%len(oddStrings)]
			}
			return randomString(r)
		})
		if !ok {
			return
		}
		if round == 0 && !bytes.Contains(got, []byte("<a href=")) {
			t.Fatalf("'<' was escaped: %s", got)
		}
	}
}

// FuzzConnectionJSON puts the fuzzer's strings in every string field of a
// filled Connection and compares with the Encoder.
func FuzzConnectionJSON(f *testing.F) {
	for _, s := range oddStrings {
		f.Add(s, "x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		i := 0
		filledWithStrings(t, "fuzz", func() string {
			i++
			switch i % 3 {
			case 0:
				return a
			case 1:
				return b
			}
			return a + b
		})
	})
}

// filledWithStrings fills a Connection, its strings from next, and
// compares appendConnectionJSON's line with the Encoder's (sameJSON).
func filledWithStrings(t *testing.T, what string, next func() string) ([]byte, bool) {
	t.Helper()
	f := &filler{t: t}
	c := f.filled(reflect.TypeFor[Connection](), "Connection", 0)
	setStrings(c, next)
	conn := c.Addr().Interface().(*Connection)
	want, err := encoderJSON(conn)
	if err != nil {
		t.Fatal(err)
	}
	got, err := appendConnectionJSON(nil, conn)
	if err != nil {
		t.Fatal(err)
	}
	return got, sameJSON(t, what, got, want)
}

// benchConnections are the connections of a few shipped captures, as the
// Writer builds them: a TLS 1.3 one with keys, a TLS 1.2 one, a QUIC one.
func benchConnections(b *testing.B) []Connection {
	var out []Connection
	sink := &collectConns{conns: &out}
	root := testenv.RepoRoot(b)
	for _, name := range []string{"curl-tls13-http", "gnutls-tls12-ecdhe-rsa-aes128-gcm", "quicgo-v1"} {
		base := filepath.Join(root, "testdata", "pcaps", name)
		keys, err := pipeline.LoadKeys([]string{base + ".keylog"}, nil, func(error) {})
		if err != nil {
			b.Fatal(err)
		}
		src, err := capture.OpenFiles([]string{base + ".pcap"}, capture.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := pipeline.Run(src, sink, pipeline.Options{Keys: keys}); err != nil {
			b.Fatal(err)
		}
		src.Close()
	}
	if len(out) < 3 {
		b.Fatalf("%d connections", len(out))
	}
	return out
}

type collectConns struct{ conns *[]Connection }

func (c *collectConns) Record(*session.RecordEvent) {}
func (c *collectConns) End(s *session.Conn)         { *c.conns = append(*c.conns, ConnectionOf(s)) }

// BenchmarkConnectionJSON writes the connections of benchConnections with
// the Writer's Encoder and with appendConnectionJSON.
func BenchmarkConnectionJSON(b *testing.B) {
	conns := benchConnections(b)
	b.Run("encoder", func(b *testing.B) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			buf.Reset()
			if err := enc.Encode(&conns[i%len(conns)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fast", func(b *testing.B) {
		var buf []byte
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			var err error
			if buf, err = appendConnectionJSON(buf[:0], &conns[i%len(conns)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
