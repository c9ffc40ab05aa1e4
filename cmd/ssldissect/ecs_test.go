package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/report"
)

// ecsField is one field of ECS's ecs_flat.yml: its type, and whether
// ECS normalizes it to an array.
type ecsField struct {
	typ   string
	array bool
}

// readECSFlat reads ecs_flat.yml, a map of dotted field names to their
// definitions, for the two things the test needs: each top-level key's
// `type:` and whether its `normalize:` list holds `array`. It is no YAML
// parser: it relies on the generated file's layout (keys at column 0,
// their attributes indented by two spaces, list items by "  - ").
func readECSFlat(t *testing.T, path string) map[string]ecsField {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fields := map[string]ecsField{}
	var key, list string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "" || line[0] == '#':
		case line[0] != ' ':
			if !strings.HasSuffix(line, ":") {
				t.Fatalf("ecs_flat.yml: unexpected top-level line %q", line)
			}
			key = strings.Trim(strings.TrimSuffix(line, ":"), `'"`)
			fields[key] = ecsField{}
			list = ""
		case strings.HasPrefix(line, "  - "):
			if list == "normalize" && strings.TrimSpace(line[4:]) == "array" {
				fd := fields[key]
				fd.array = true
				fields[key] = fd
			}
		case strings.HasPrefix(line, "  ") && line[2] != ' ':
			name, value, _ := strings.Cut(line[2:], ":")
			list = name
			value = strings.TrimSpace(value)
			if name == "type" {
				fd := fields[key]
				fd.typ = value
				fields[key] = fd
			}
			if name == "normalize" && value != "" && value != "[]" {
				// An inline list: normalize: [array]
				if strings.Contains(value, "array") {
					fd := fields[key]
					fd.array = true
					fields[key] = fd
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for k, fd := range fields {
		if fd.typ == "" {
			t.Fatalf("ecs_flat.yml: %s has no type", k)
		}
	}
	if len(fields) < 1000 || fields["@timestamp"].typ != "date" || !fields["tls.server.certificate_chain"].array ||
		fields["tls.server.x509.public_key_size"].typ != "long" || fields["tls.established"].typ != "boolean" {
		t.Fatalf("ecs_flat.yml: %d fields, not read as expected", len(fields))
	}
	return fields
}

// ecsChecker holds the output of --format ecs to ECS's field definitions.
type ecsChecker struct {
	t      testing.TB
	fields map[string]ecsField
	seen   map[string]int // the ECS fields checked, and how often
}

// doc checks one document: every leaf outside "ssldissect" is an ECS field,
// of its type, an array where ECS normalizes it to one.
func (c *ecsChecker) doc(where string, d map[string]any) {
	for k, v := range d {
		if k == "ssldissect" {
			if _, ok := v.(map[string]any); !ok {
				c.t.Errorf("%s: ssldissect is %T, not an object", where, v)
			}
			continue
		}
		c.value(where, k, v)
	}
}

func (c *ecsChecker) value(where, name string, v any) {
	fd, known := c.fields[name]
	if m, ok := v.(map[string]any); ok && !(known && (fd.typ == "object" || fd.typ == "flattened")) {
		if len(m) == 0 {
			c.t.Errorf("%s: %s is an empty object", where, name)
		}
		for k, x := range m {
			c.value(where, name+"."+k, x)
		}
		return
	}
	if !known {
		c.t.Errorf("%s: %s is not an ECS field (value %v)", where, name, v)
		return
	}
	c.seen[name]++
	if fd.array {
		list, ok := v.([]any)
		if !ok {
			c.t.Errorf("%s: %s is %T, ECS normalizes it to an array", where, name, v)
			return
		}
		if len(list) == 0 {
			c.t.Errorf("%s: %s is an empty array", where, name)
		}
		for _, x := range list {
			c.scalar(where, name, fd.typ, x)
		}
		return
	}
	if _, ok := v.([]any); ok {
		c.t.Errorf("%s: %s is an array; ECS has it as one %s", where, name, fd.typ)
		return
	}
	c.scalar(where, name, fd.typ, v)
}

// scalar checks one JSON value (numbers as json.Number) against an ECS type.
func (c *ecsChecker) scalar(where, name, typ string, v any) {
	bad := func(why string) { c.t.Errorf("%s: %s = %#v: not an ECS %s (%s)", where, name, v, typ, why) }
	switch typ {
	case "keyword", "wildcard", "constant_keyword", "text", "match_only_text":
		if s, ok := v.(string); !ok || s == "" {
			bad("a non-empty string")
		}
	case "long", "integer", "short", "byte", "unsigned_long":
		n, ok := v.(json.Number)
		if !ok {
			bad("a number")
			return
		}
		if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
			bad("an integer")
		}
	case "float", "double", "scaled_float", "half_float":
		n, ok := v.(json.Number)
		if !ok {
			bad("a number")
			return
		}
		if _, err := n.Float64(); err != nil {
			bad("a number")
		}
	case "date":
		s, ok := v.(string)
		if !ok {
			bad("a string")
			return
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			bad("RFC 3339")
		}
	case "ip":
		s, ok := v.(string)
		if !ok {
			bad("a string")
			return
		}
		if _, err := netip.ParseAddr(s); err != nil {
			bad("an IP address")
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("a JSON boolean")
		}
	case "object", "flattened":
		if _, ok := v.(map[string]any); !ok {
			bad("an object")
		}
	default:
		bad("a type this output has no business writing")
	}
}

// ecsRun runs dissect --format ecs (and --format json, for the values) on
// one capture and checks every document: the ECS names and types, one
// connection document per json connection line with the same addresses,
// SNI, JA3, JA3S, version and suite, and the summary last.
func (c *ecsChecker) run(t *testing.T, pcap string, keys []string, compare bool) (certs int) {
	t.Helper()
	out := func(format string) []byte {
		args := append([]string{"dissect", "--format", format}, keys...)
		var stdout, stderr bytes.Buffer
		if err := run(append(args, pcap), nil, &stdout, &stderr); err != nil {
			t.Fatalf("run %v: %v\n%s", args, err, stderr.String())
		}
		return stdout.Bytes()
	}
	docs := decodeLines(t, out("ecs"))
	if len(docs) == 0 {
		t.Fatal("no ECS documents")
	}
	summary := docs[len(docs)-1]
	docs = docs[:len(docs)-1]
	if path(summary, "event.dataset") != "ssldissect.summary" || path(summary, "event.kind") != "metric" {
		t.Fatalf("the last line is no summary document: %v", summary)
	}
	c.doc("summary", summary)
	n, _ := path(summary, "ssldissect.summary.tls_connections").(json.Number).Int64()
	if int(n) != len(docs) {
		t.Errorf("%d connection documents, the summary counts %d TLS connections", len(docs), n)
	}
	for i, d := range docs {
		where := "doc " + strconv.Itoa(i+1)
		if path(d, "event.dataset") != "ssldissect.connection" || path(d, "event.kind") != "event" {
			t.Fatalf("%s: no connection document: %v", where, d)
		}
		for _, req := range []string{"@timestamp", "ecs.version", "event.category", "event.type", "event.start", "event.end",
			"event.duration", "network.transport", "network.protocol", "source.ip", "source.port", "destination.ip",
			"destination.port", "tls.established", "tls.resumed"} {
			if path(d, req) == nil {
				t.Errorf("%s: no %s", where, req)
			}
		}
		if v := path(d, "ecs.version"); v != report.ECSVersion {
			t.Errorf("%s: ecs.version %v", where, v)
		}
		c.doc(where, d)
		if path(d, "tls.server.x509.subject.distinguished_name") != nil {
			certs++
		}
	}
	if !compare {
		return certs
	}
	conns := connections(t, out("json"))
	if len(conns) != len(docs) {
		t.Fatalf("%d json connections, %d ECS documents", len(conns), len(docs))
	}
	for i, j := range conns {
		d := docs[i]
		str := func(name string) string { s, _ := path(d, name).(string); return s }
		port := func(name string) string { n, _ := path(d, name).(json.Number); return n.String() }
		want := map[string]string{
			"ssldissect.conn_id":     strconv.FormatUint(j.ID, 10),
			"source":                 j.Client,
			"destination":            j.Server,
			"tls.client.server_name": j.SNI,
			"tls.client.ja3":         j.JA3,
			"tls.server.ja3s":        j.JA3S,
			"tls.cipher":             j.CipherSuite,
			"tls.next_protocol":      j.ALPN,
			"ssldissect.ja4":         j.JA4,
			"ssldissect.version":     j.Version,
			"event.start":            j.Start,
		}
		got := map[string]string{
			"ssldissect.conn_id":     port("ssldissect.conn_id"),
			"source":                 netip.AddrPortFrom(netip.MustParseAddr(str("source.ip")), uint16(atoi(port("source.port")))).String(),
			"destination":            netip.AddrPortFrom(netip.MustParseAddr(str("destination.ip")), uint16(atoi(port("destination.port")))).String(),
			"tls.client.server_name": str("tls.client.server_name"),
			"tls.client.ja3":         str("tls.client.ja3"),
			"tls.server.ja3s":        str("tls.server.ja3s"),
			"tls.cipher":             str("tls.cipher"),
			"tls.next_protocol":      str("tls.next_protocol"),
			"ssldissect.ja4":         str("ssldissect.ja4"),
			"ssldissect.version":     str("ssldissect.version"),
			"event.start":            str("event.start"),
		}
		for k := range want {
			if got[k] != want[k] {
				t.Errorf("connection %d: %s = %q, json has %q", j.ID, k, got[k], want[k])
			}
		}
		if v := str("tls.version"); v != "" && !strings.HasSuffix(j.Version, " "+v) && !strings.Contains(j.Version, " "+v+" ") {
			t.Errorf("connection %d: tls.version %q for %q", j.ID, v, j.Version)
		}
		if len(j.ServerCertificates) > 0 {
			leaf := j.ServerCertificates[0]
			if got := str("tls.server.hash.sha256"); got != strings.ToUpper(leaf.SHA256) {
				t.Errorf("connection %d: tls.server.hash.sha256 %q, json has %q", j.ID, got, leaf.SHA256)
			}
			if chain, _ := path(d, "tls.server.certificate_chain").([]any); len(chain) != len(j.ServerCertificates) {
				t.Errorf("connection %d: %d certificates in tls.server.certificate_chain, json has %d", j.ID, len(chain), len(j.ServerCertificates))
			}
			if got := str("tls.server.x509.subject.distinguished_name"); got != leaf.Subject {
				t.Errorf("connection %d: subject %q, json has %q", j.ID, got, leaf.Subject)
			}
		}
	}
	return certs
}

// path looks up a dotted name in a nested document.
func path(d map[string]any, name string) any {
	var v any = d
	for _, k := range strings.Split(name, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		if v, ok = m[k]; !ok {
			// "@timestamp" and the like have no dots to split on.
			return nil
		}
	}
	return v
}

func decodeLines(t *testing.T, ndjson []byte) []map[string]any {
	t.Helper()
	var docs []map[string]any
	for i, line := range bytes.Split(bytes.TrimSuffix(ndjson, []byte("\n")), []byte("\n")) {
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		var d map[string]any
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, line)
		}
		docs = append(docs, d)
	}
	return docs
}

// TestECSFields holds --format ecs to ECS's own field definitions
// (ecs_flat.yml in the conformance corpus): every field name outside
// ssldissect.* and the type of its value, for every shipped capture with
// its keys (values also compared with the json format's) and every
// conformance capture.
func TestECSFields(t *testing.T) {
	fixedClock(t)
	t.Setenv("SSLKEYLOGFILE", "")
	dir := needConformance(t)
	c := &ecsChecker{t: t, fields: readECSFlat(t, filepath.Join(dir, "ecs", "ecs_flat.yml")), seen: map[string]int{}}
	for k := range c.fields {
		if strings.HasPrefix(k, "ssldissect.") {
			t.Fatalf("ECS has a field %s: our own namespace collides", k)
		}
	}
	shippedCerts := 0
	for _, pcap := range captures(t) {
		t.Run(captureName(pcap), func(t *testing.T) {
			c.t = t
			shippedCerts += c.run(t, pcap, keyArgs(pcap), true)
		})
	}
	var corpus []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(e.Name(), ".gz")
		if !e.IsDir() && (strings.HasSuffix(name, ".pcap") || strings.HasSuffix(name, ".pcapng")) {
			corpus = append(corpus, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(corpus)
	corpusCerts := 0
	for _, pcap := range corpus {
		rel, _ := filepath.Rel(dir, pcap)
		t.Run(rel, func(t *testing.T) {
			c.t = t
			corpusCerts += c.run(t, pcap, nil, false)
		})
	}
	c.t = t
	var names []string
	for k := range c.seen {
		names = append(names, k)
	}
	slices.Sort(names)
	t.Logf("%d ECS fields checked over %d shipped and %d corpus captures (%d and %d connections with a server certificate): %s",
		len(names), len(captures(t)), len(corpus), shippedCerts, corpusCerts, strings.Join(names, " "))
	if len(names) < 30 {
		t.Errorf("only %d distinct ECS fields were checked", len(names))
	}
	for _, want := range []string{"tls.server.x509.subject.common_name", "tls.server.x509.public_key_curve",
		"tls.server.x509.public_key_exponent", "tls.client.x509.subject.common_name", "tls.server.certificate_chain",
		"tls.client.supported_ciphers", "network.protocol", "event.duration",
		"source.packets", "source.bytes", "destination.packets", "destination.bytes", "client.packets", "client.bytes",
		"server.packets", "server.bytes", "network.packets", "network.bytes"} {
		if c.seen[want] == 0 {
			t.Errorf("no capture gave %s", want)
		}
	}
	if shippedCerts == 0 || corpusCerts == 0 {
		t.Errorf("server certificates: %d connections in the shipped captures, %d in the corpus", shippedCerts, corpusCerts)
	}
}

// errorCounter counts the errors a check reports, instead of failing.
type errorCounter struct {
	testing.TB
	n int
}

func (e *errorCounter) Errorf(string, ...any) { e.n++ }

// TestECSCheckerCatches: the checker of TestECSFields rejects unknown
// names, wrong types and scalars where ECS wants arrays, and accepts a
// well-formed document.
func TestECSCheckerCatches(t *testing.T) {
	dir := needConformance(t)
	fields := readECSFlat(t, filepath.Join(dir, "ecs", "ecs_flat.yml"))
	check := func(doc string) int {
		e := &errorCounter{TB: t}
		c := &ecsChecker{t: e, fields: fields, seen: map[string]int{}}
		c.doc("test", decodeLines(t, []byte(doc))[0])
		return e.n
	}
	if n := check(`{"@timestamp":"2026-01-01T00:00:00.5Z","source":{"ip":"::1","port":443},"tls":{"established":true,` +
		`"server":{"x509":{"alternative_names":["a"],"public_key_size":2048,"subject":{"common_name":["x"]}}}},"ssldissect":{"anything":1}}`); n != 0 {
		t.Errorf("a good document: %d errors", n)
	}
	for _, bad := range []string{
		`{"tls":{"bogus":"x"}}`,
		`{"tls":{"cipher":5}}`,
		`{"tls":{"cipher":""}}`,
		`{"@timestamp":"yesterday"}`,
		`{"source":{"ip":"nope"}}`,
		`{"source":{"port":"443"}}`,
		`{"source":{"port":1.5}}`,
		`{"tls":{"established":"true"}}`,
		`{"tls":{"server":{"x509":{"alternative_names":"a"}}}}`,
		`{"tls":{"server":{"x509":{"subject":{"common_name":"x"}}}}}`,
		`{"tls":{"cipher":["a"]}}`,
		`{"tls":{"server":{}}}`,
		`{"ssldissect":"flat"}`,
	} {
		if check(bad) == 0 {
			t.Errorf("%s: passed", bad)
		}
	}
}

// TestECSNoRecords: --format ecs writes connection documents and the
// summary only, never a record or packet line.
func TestECSNoRecords(t *testing.T) {
	fixedClock(t)
	t.Setenv("SSLKEYLOGFILE", "")
	for _, pcap := range captures(t)[:3] {
		var stdout, stderr bytes.Buffer
		if err := run(append([]string{"dissect", "--format", "ecs"}, append(keyArgs(pcap), pcap)...), nil, &stdout, &stderr); err != nil {
			t.Fatal(err, stderr.String())
		}
		for _, d := range decodeLines(t, stdout.Bytes()) {
			if ds := path(d, "event.dataset"); ds != "ssldissect.connection" && ds != "ssldissect.summary" {
				t.Errorf("%s: a line that is neither a connection nor the summary: %v", captureName(pcap), d)
			}
			if _, ok := d["type"]; ok {
				t.Errorf("%s: a json-format line in ECS output: %v", captureName(pcap), d)
			}
		}
	}
}
