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
	all := keyedCaptures(t)
	var most capLists
	for _, c := range all {
		r, err := DissectKeys(c.keylogs, c.rsa, c.path)
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

// keyedCapture is a capture with the key material that decrypts it.
type keyedCapture struct {
	path         string
	keylogs, rsa []string
	dsb          bool // its secrets are in pcapng Decryption Secrets Blocks
}

// keyedCaptures lists every capture in testdata/pcaps, with its NAME.keylog
// and NAME.key when present, and every capture of the conformance corpus,
// with the key material TSHARK_SUMMARY.tsv names.
func keyedCaptures(t *testing.T) []keyedCapture {
	t.Helper()
	var all []keyedCapture
	shipped, err := filepath.Glob(filepath.Join("..", "..", "testdata", "pcaps", "*.pcap*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range shipped {
		all = append(all, besides(p))
	}
	dir := needConformance(t)
	rows := readSummary(t, dir)
	for _, rel := range capturesUnder(t, dir) {
		c := keyedCapture{path: filepath.Join(dir, rel)}
		switch material := rows[rel]["key_material"]; {
		case material == "" || material == "—": // the column's "none"
			c = besides(c.path)
		case material == "embedded pcapng DSB":
			c.dsb = true
		case strings.HasPrefix(material, "SSLv2 "):
		case strings.HasPrefix(material, "RSA "):
			c.rsa = append(c.rsa, filepath.Join(dir, strings.TrimPrefix(material, "RSA ")))
		default:
			for _, k := range strings.Fields(material) {
				c.keylogs = append(c.keylogs, filepath.Join(dir, k))
			}
		}
		all = append(all, c)
	}
	return all
}

// besides is the capture at path with the NAME.keylog and NAME.key beside
// it, where present.
func besides(path string) keyedCapture {
	c := keyedCapture{path: path}
	base := strings.TrimSuffix(strings.TrimSuffix(path, ".gz"), filepath.Ext(strings.TrimSuffix(path, ".gz")))
	if _, err := os.Stat(base + ".keylog"); err == nil {
		c.keylogs = append(c.keylogs, base+".keylog")
	}
	if _, err := os.Stat(base + ".key"); err == nil {
		c.rsa = append(c.rsa, base+".key")
	}
	return c
}
