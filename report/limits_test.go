package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// cappedConn is a connection that hit some of the per-connection caps.
func cappedConn() *session.Conn {
	c := &session.Conn{ID: 7, TLS: true, Start: t0, EndTime: t0,
		Client: netip.MustParseAddrPort("10.0.0.1:50000"), Server: netip.MustParseAddrPort("10.0.0.2:443")}
	c.Dropped = session.Dropped{Alerts: 99744, History: 99901, RecordAlerts: 3}
	return c
}

// TestDroppedOutput: what the caps dropped is in the JSON of the record,
// the connection and the summary, and in their text, and absent where
// nothing was dropped.
func TestDroppedOutput(t *testing.T) {
	c := cappedConn()
	ev := &session.RecordEvent{Conn: c, Time: t0, Record: parser.Record{Type: parser.ContentTypeAlert, Version: parser.VersionTLS12},
		ContentType: parser.ContentTypeAlert, Dropped: session.RecordDropped{Alerts: 3}}
	clean := &session.RecordEvent{Conn: c, Time: t0, Record: ev.Record, ContentType: ev.ContentType}

	var js bytes.Buffer
	w := NewWriter(&js, Options{Format: "json"})
	w.Record(ev)
	w.Record(clean)
	w.End(c)
	w.End(&session.Conn{ID: 8, TLS: true})
	w.Summary(Summary{})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(js.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines:\n%s", len(lines), js.String())
	}
	wants := []string{
		`"dropped":{"alerts":3}`,
		"",
		`"dropped":{"alerts":99744,"history":99901,"record_alerts":3}`,
		"",
		`"capped_connections":1,"dropped":{"alerts":99744,"history":99901,"record_alerts":3}`,
	}
	for i, want := range wants {
		if want == "" {
			if strings.Contains(lines[i], `"dropped"`) || strings.Contains(lines[i], "capped_connections") {
				t.Errorf("line %d: nothing was dropped, yet\n%s", i+1, lines[i])
			}
			continue
		}
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d: no %s in\n%s", i+1, want, lines[i])
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &v); err != nil {
			t.Errorf("line %d: %v", i+1, err)
		}
	}

	var txt bytes.Buffer
	w = NewWriter(&txt, Options{Format: "text"})
	w.Record(ev)
	w.End(c)
	w.Summary(Summary{})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\n    dropped: alerts 3\n",
		"\n      dropped              alerts 99744, history 99901, record_alerts 3\n",
		"\nDropped by the per-connection caps, in 1 connections: alerts 99744, history 99901, record_alerts 3\n",
	} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, txt.String())
		}
	}
}

// TestPlaintextEarlyData: 0-RTT plaintext goes to --plaintext-dir at once,
// not held in memory until the server answers, and is cut off again when
// the server rejects it. Before, the Writer held all of it in memory
// until the verdict (as much as the client sent).
func TestPlaintextEarlyData(t *testing.T) {
	early := bytes.Repeat([]byte("E"), 1<<20)
	for _, verdict := range []string{"accepted", "rejected", ""} {
		t.Run(fmt.Sprintf("verdict=%q", verdict), func(t *testing.T) {
			dir := t.TempDir()
			w := NewWriter(&bytes.Buffer{}, Options{Format: "json", PlaintextDir: dir})
			c := &session.Conn{ID: 3, TLS: true}
			file := filepath.Join(dir, "3.c2s")
			data := func(d session.Dir, isEarly bool, b []byte) {
				w.Record(&session.RecordEvent{Conn: c, Dir: d, ContentType: parser.ContentTypeApplicationData,
					Decrypted: true, EarlyData: isEarly, Plaintext: b})
			}
			for range 4 {
				data(session.ClientToServer, true, early)
			}
			if st, err := os.Stat(file); err != nil || st.Size() != 4<<20 {
				t.Fatalf("before the verdict: %v, want the 4 MiB of 0-RTT data already in the file", err)
			}
			c.EarlyData = verdict
			if verdict == "" {
				c.EarlyData = "sent"
			} else {
				// The record that carried the verdict, then 0-RTT data
				// still in flight, then the client's 1-RTT data.
				data(session.ServerToClient, false, []byte("answer"))
				data(session.ClientToServer, true, []byte("late"))
				data(session.ClientToServer, false, []byte("REAL"))
			}
			w.End(c)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var want []byte
			switch verdict {
			case "accepted":
				want = append(bytes.Repeat(early, 4), "lateREAL"...)
			case "rejected":
				want = []byte("REAL")
			default:
				want = bytes.Repeat(early, 4) // no answer seen: what was sent stays
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s: %d bytes (%.20q...), want %d", file, len(got), got, len(want))
			}
		})
	}
	// Rejected with nothing after: no file, as if nothing had been written.
	dir := t.TempDir()
	w := NewWriter(&bytes.Buffer{}, Options{Format: "json", PlaintextDir: dir})
	c := &session.Conn{ID: 4, TLS: true}
	w.Record(&session.RecordEvent{Conn: c, ContentType: parser.ContentTypeApplicationData, Decrypted: true, EarlyData: true, Plaintext: []byte("x")})
	c.EarlyData = "rejected"
	w.End(c)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "4.c2s")); !os.IsNotExist(err) {
		t.Errorf("rejected 0-RTT data only: %v, want no file", err)
	}
}

// TestAuditInsecureOffersCapped: a ClientHello with thousands of distinct
// SSL 2.0 cipher specs (each its own insecure name) keeps
// session.MaxInsecureOffers of them per client and counts the rest.
func TestAuditInsecureOffersCapped(t *testing.T) {
	ch := hello(parser.VersionTLS10, nil)
	ch.SSLv2 = true
	for i := range 5000 {
		ch.V2CipherSpecs = append(ch.V2CipherSpecs, parser.SSLv2CipherSpec(0x100000+i))
	}
	a := NewAuditor()
	a.End(&session.Conn{ID: 1, TLS: true, Start: t0, ClientHello: ch, JA3: "j", JA4: "k"})
	rep := a.Snapshot()
	if len(rep.Clients) != 1 {
		t.Fatalf("%d clients", len(rep.Clients))
	}
	cl := rep.Clients[0]
	// SSL 2.0 itself, then the specs.
	if len(cl.InsecureOffered) != session.MaxInsecureOffers || cl.InsecureOfferedDropped != 5001-session.MaxInsecureOffers {
		t.Errorf("%d insecure offers kept, %d dropped; want %d and %d", len(cl.InsecureOffered), cl.InsecureOfferedDropped,
			session.MaxInsecureOffers, 5001-session.MaxInsecureOffers)
	}
	var table bytes.Buffer
	if err := a.Render(&table, "csv", t0); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("(and %d more)", cl.InsecureOfferedDropped); !strings.Contains(table.String(), want) {
		t.Errorf("the clients table does not say %q", want)
	}
	found := false
	for _, f := range rep.Findings {
		if f.Code == "client_offers_insecure" {
			found = true
			if !strings.Contains(f.Message, "and 4993 more") {
				t.Errorf("finding %q: want every offer past the first 8 counted", f.Message)
			}
		}
	}
	if !found {
		t.Error("no client_offers_insecure finding")
	}
}
