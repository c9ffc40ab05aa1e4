package oracle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/session"
)

// capLists are the lists of a run's output that the per-connection caps
// of session/limits.go bound, with their caps.
type capLists struct {
	alerts, notes, certs, alpn, history, recMessages, recAlerts, recNotes int
}

var capsOf = capLists{
	alerts: session.MaxAlerts, notes: session.MaxNotes, certs: session.MaxCertificates, alpn: session.MaxALPNOffered,
	history: session.MaxHistory, recMessages: session.MaxRecordMessages, recAlerts: session.MaxRecordAlerts, recNotes: session.MaxRecordNotes,
}

// longest is the longest of each list in r.
func longest(r *Result) capLists {
	var m capLists
	for _, c := range r.Conns {
		m.alerts = max(m.alerts, len(c.Alerts))
		m.notes = max(m.notes, len(c.Notes))
		m.certs = max(m.certs, len(c.ServerCertificates), len(c.ClientCertificates))
		m.alpn = max(m.alpn, len(c.ALPNOffered))
		if c.Transport != "quic" {
			// QUIC's history has a letter per packet, capped at 100 as in
			// Zeek's quic.log: any connection of 100 packets fills it.
			m.history = max(m.history, len(c.History))
		}
	}
	for _, rec := range r.Records {
		m.recMessages = max(m.recMessages, len(rec.Handshake))
		m.recAlerts = max(m.recAlerts, len(rec.Alerts))
		m.recNotes = max(m.recNotes, len(rec.Notes))
	}
	return m
}

// TestCapsMargin: no real capture comes near the per-connection caps.
// Every capture in testdata/pcaps (with its keys) and in the conformance
// corpus (with the key material TSHARK_SUMMARY.tsv names) is dissected;
// nothing may be dropped, and no list may be longer than half its cap.
func TestCapsMargin(t *testing.T) {
	t.Parallel()
	type capture struct{ path, material string }
	var all []capture
	shipped, err := filepath.Glob(filepath.Join("..", "..", "testdata", "pcaps", "*.pcap*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range shipped {
		all = append(all, capture{path: p})
	}
	dir := needConformance(t)
	rows := readSummary(t, dir)
	for _, rel := range capturesUnder(t, dir) {
		material := rows[rel]["key_material"]
		if material == "—" { // the column's "none"
			material = ""
		}
		all = append(all, capture{path: filepath.Join(dir, rel), material: material})
	}
	var most capLists
	for _, c := range all {
		var keylogs, rsa []string
		if c.material == "" {
			base := strings.TrimSuffix(strings.TrimSuffix(c.path, ".gz"), filepath.Ext(strings.TrimSuffix(c.path, ".gz")))
			if _, err := os.Stat(base + ".keylog"); err == nil {
				keylogs = append(keylogs, base+".keylog")
			}
			if _, err := os.Stat(base + ".key"); err == nil {
				rsa = append(rsa, base+".key")
			}
		} else if strings.HasPrefix(c.material, "RSA ") {
			rsa = append(rsa, filepath.Join(dir, strings.TrimPrefix(c.material, "RSA ")))
		} else if c.material != "embedded pcapng DSB" && !strings.HasPrefix(c.material, "SSLv2 ") {
			for _, k := range strings.Fields(c.material) {
				keylogs = append(keylogs, filepath.Join(dir, k))
			}
		}
		r, err := DissectKeys(keylogs, rsa, c.path)
		if err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		for _, conn := range r.Conns {
			if conn.Dropped != nil {
				t.Errorf("%s: connection %d hit a cap: dropped %+v", c.path, conn.ID, *conn.Dropped)
			}
		}
		for _, rec := range r.Records {
			if rec.Dropped != nil {
				t.Errorf("%s: a record of connection %d hit a cap: dropped %+v", c.path, rec.Conn, *rec.Dropped)
			}
		}
		m := longest(r)
		most = capLists{max(most.alerts, m.alerts), max(most.notes, m.notes), max(most.certs, m.certs), max(most.alpn, m.alpn),
			max(most.history, m.history), max(most.recMessages, m.recMessages), max(most.recAlerts, m.recAlerts), max(most.recNotes, m.recNotes)}
	}
	t.Logf("%d captures; the longest lists: %+v; the caps: %+v", len(all), most, capsOf)
	for _, l := range []struct {
		name      string
		got, capN int
	}{
		{"alerts", most.alerts, capsOf.alerts}, {"notes", most.notes, capsOf.notes}, {"certificates", most.certs, capsOf.certs},
		{"alpn_offered", most.alpn, capsOf.alpn}, {"history", most.history, capsOf.history},
		{"a record's handshake", most.recMessages, capsOf.recMessages}, {"a record's alerts", most.recAlerts, capsOf.recAlerts},
		{"a record's notes", most.recNotes, capsOf.recNotes},
	} {
		if l.got > l.capN/2 {
			t.Errorf("%s: a capture has %d, more than half the cap (%d): raise the cap", l.name, l.got, l.capN)
		}
	}
}
