package report

import (
	"path/filepath"
	"testing"

	"github.com/ssldissect/ssldissect/internal/synth"
	"github.com/ssldissect/ssldissect/internal/testenv"
	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// msgJSONSink compares, for every handshake message of every record, the
// JSON appendMessageJSON writes with messageObject's (Object.appendJSON).
type msgJSONSink struct {
	t       *testing.T
	name    string
	byType  map[string]int // messages compared, by type name
	exts    map[string]int // extensions of the hellos compared, by name
	failed  int
	records int
}

func (s *msgJSONSink) Record(ev *session.RecordEvent) {
	s.records++
	var a objArena
	for _, m := range ev.Messages {
		want, err := messageObject(nil, m).appendJSON(nil)
		if err != nil {
			s.t.Fatalf("%s: messageObject: %v", s.name, err)
		}
		got, err := appendMessageJSON(nil, &a, m)
		if err != nil {
			s.t.Fatalf("%s: appendMessageJSON: %v", s.name, err)
		}
		a.reset()
		s.byType[parser.MessageName(m)]++
		var exts []parser.Extension
		switch h := m.(type) {
		case *parser.ClientHello:
			exts = h.Extensions
		case *parser.ServerHello:
			exts = h.Extensions
		}
		for _, e := range exts {
			s.exts[e.Type.String()]++
		}
		if string(got) != string(want) {
			s.t.Errorf("%s: conn %d packet %d %s:\n got %s\nwant %s", s.name, ev.Conn.ID, ev.Packet, parser.MessageName(m), got, want)
			if s.failed++; s.failed == 5 {
				s.t.Fatal("and so on")
			}
		}
	}
}

func (s *msgJSONSink) End(*session.Conn) {}

func (s *msgJSONSink) run(t *testing.T, path string, keylogs, rsaKeys []string) {
	t.Helper()
	s.name = path
	runCapture(t, s, path, keylogs, rsaKeys)
}

// TestMessageJSONCaptures: the handshake messages written straight from
// the parser's structs (appendMessageJSON, the Writer's JSON records) are
// byte for byte those of the Objects of messageObject, for every message
// of the shipped captures, of the generator's variants, and of the
// conformance captures (with the key logs their tables name).
func TestMessageJSONCaptures(t *testing.T) {
	s := &msgJSONSink{t: t, byType: map[string]int{}, exts: map[string]int{}}
	paths, keylogs, rsaKeys := shippedCaptures(t)
	for _, p := range paths {
		s.run(t, p, keylogs[p], rsaKeys[p])
	}
	// The generator's variants (the bench's captures), with their keys.
	dir := t.TempDir()
	pcap, keylog := filepath.Join(dir, "synth.pcap"), filepath.Join(dir, "synth.keylog")
	if _, err := synth.GenerateTLSFile(pcap, keylog, synth.TLSOptions{Conns: 2 * len(synth.Variants), Bytes: 2048, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	s.run(t, pcap, []string{keylog}, nil)

	cdir := testenv.Conformance(t, "the conformance captures' messages are not compared")
	km := corpusKeyMaterial(t, cdir)
	corpus := corpusCaptures(t, cdir)
	for _, p := range corpus {
		rel, _ := filepath.Rel(cdir, p)
		var logs []string
		if k, ok := km[filepath.ToSlash(rel)]; ok {
			logs = []string{k}
		}
		s.run(t, p, logs, nil)
	}
	// What the comparison covered: both hellos, many times, and the
	// common extensions.
	for typ, least := range map[string]int{"client_hello": 1000, "server_hello": 500, "certificate": 300, "server_key_exchange": 200, "client_key_exchange": 200} {
		if s.byType[typ] < least {
			t.Errorf("%d %s messages compared, want %d or more", s.byType[typ], typ, least)
		}
	}
	for _, e := range []string{"server_name", "supported_groups", "key_share", "supported_versions", "signature_algorithms",
		"application_layer_protocol_negotiation", "ec_point_formats", "session_ticket", "psk_key_exchange_modes", "renegotiation_info"} {
		if s.exts[e] == 0 {
			t.Errorf("no %s extension compared (%v)", e, s.exts)
		}
	}
	t.Logf("%d records; messages compared: %v", s.records, s.byType)
}
