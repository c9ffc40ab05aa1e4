package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/internal/hostile"
	"github.com/ssldissect/ssldissect/report"
	"github.com/ssldissect/ssldissect/session"
)

// TestCapsHostileConnection runs a capture of one hostile connection
// (100,000 alert records, a chain of 200 certificates, 5,000 ALPN
// protocols offered, a record of 200 malformed hello_requests, a record of
// 100 alerts) whose packets are mixed with those of a shipped TLS 1.3
// capture, with that capture's key log (issue 10 point 3). The hostile
// connection's lists are cut to the caps of session/limits.go, what was
// cut is counted in "dropped" and noted once per kind; the neighbour is
// untouched: its connection line is the one it has alone, its data
// decrypts byte for byte. Before the caps, the hostile connection's line
// listed every alert (some 7 MB here; 914 MB for 2 million).
func TestCapsHostileConnection(t *testing.T) {
	t.Setenv("SSLKEYLOGFILE", "")
	const (
		alerts, certs, alpn, msgs, recAlerts = 100000, 200, 5000, 200, 100
	)
	neighbour := filepath.Join("..", "..", "testdata", "pcaps", "curl-tls13-http.pcap")
	conv, err := hostile.Conversation(hostile.Options{Alerts: alerts, Certificates: certs, ALPN: alpn, RecordMessages: msgs, RecordAlerts: recAlerts})
	if err != nil {
		t.Fatal(err)
	}
	other, err := hostile.ReadPcap(neighbour)
	if err != nil {
		t.Fatal(err)
	}
	// The hostile connection starts before the neighbour and its alert
	// flood goes on around it.
	step := other[len(other)-1].Time.Sub(other[0].Time) / 1000
	frames, err := hostile.Frames(conv, netip.MustParseAddrPort("192.0.2.66:40000"), netip.MustParseAddrPort("192.0.2.67:443"), other[0].Time.Add(-20*step), step)
	if err != nil {
		t.Fatal(err)
	}
	var pcap bytes.Buffer
	if err := hostile.WritePcap(&pcap, hostile.Merge(frames, other)); err != nil {
		t.Fatal(err)
	}
	mixed := filepath.Join(t.TempDir(), "mixed.pcap")
	if err := os.WriteFile(mixed, pcap.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	dissect := func(t *testing.T, format, pcap string, plain string) []byte {
		t.Helper()
		args := append([]string{"dissect", "--format", format}, keyArgs(neighbour)...)
		if plain != "" {
			args = append(args, "--plaintext-dir", plain)
		}
		var stdout, stderr bytes.Buffer
		if err := run(append(args, pcap), nil, &stdout, &stderr); err != nil {
			t.Fatalf("run: %v\n%s", err, stderr.String())
		}
		return stdout.Bytes()
	}
	alone := connections(t, dissect(t, "json", neighbour, ""))
	plain := t.TempDir()
	out := dissect(t, "json", mixed, plain)
	conns := connections(t, out)
	if len(alone) != 1 || len(conns) != 2 {
		t.Fatalf("%d connections alone, %d mixed; want 1 and 2", len(alone), len(conns))
	}
	var bad, good report.Connection
	for _, c := range conns {
		if c.SNI == "hostile.test" {
			bad = c
		} else {
			good = c
		}
	}

	// The neighbour: as alone, but for its id.
	id := good.ID
	good.ID = alone[0].ID
	if !reflect.DeepEqual(good, alone[0]) {
		g, _ := json.Marshal(good)
		a, _ := json.Marshal(alone[0])
		t.Errorf("the neighbour's connection differs from the capture alone:\n%s\n%s", g, a)
	}
	if !good.Decrypted || good.Finished.C2S != "ok" || good.Finished.S2C != "ok" || good.Dropped != nil {
		t.Errorf("neighbour: decrypted %v, finished %+v, dropped %+v", good.Decrypted, good.Finished, good.Dropped)
	}
	checkPlaintext(t, neighbour, plain, id)

	// The hostile connection: cut to the caps, and counted.
	if len(bad.Alerts) != session.MaxAlerts || len(bad.ServerCertificates) != session.MaxCertificates ||
		len(bad.ALPNOffered) != session.MaxALPNOffered || len(bad.History) != session.MaxHistory || len(bad.Notes) > session.MaxNotes+8 {
		t.Errorf("hostile: %d alerts, %d certificates, %d ALPN, %d history letters, %d notes: want the caps",
			len(bad.Alerts), len(bad.ServerCertificates), len(bad.ALPNOffered), len(bad.History), len(bad.Notes))
	}
	want := report.Dropped{
		Alerts:             alerts + recAlerts - session.MaxAlerts,
		Notes:              msgs - session.MaxNotes,
		ServerCertificates: certs - session.MaxCertificates,
		ALPNOffered:        alpn - session.MaxALPNOffered,
		// C s x n, a letter per hello_request, one per alert record.
		History:         4 + msgs + 1 + alerts - session.MaxHistory,
		RecordHandshake: msgs - session.MaxRecordMessages,
		RecordAlerts:    recAlerts - session.MaxRecordAlerts,
		RecordNotes:     msgs - session.MaxRecordNotes,
	}
	if bad.Dropped == nil || *bad.Dropped != want {
		t.Errorf("hostile: dropped %+v, want %+v", bad.Dropped, want)
	}
	codes := map[string]int{}
	for _, n := range bad.Notes {
		codes[n.Code]++
	}
	for _, code := range []session.NoteCode{session.NoteAlertsTruncated, session.NoteNotesTruncated, session.NoteCertificatesTruncated,
		session.NoteALPNOfferedTruncated, session.NoteHistoryTruncated, session.NoteRecordMessagesTruncated,
		session.NoteRecordAlertsTruncated, session.NoteRecordNotesTruncated} {
		if codes[string(code)] != 1 {
			t.Errorf("hostile: %d %s notes, want 1", codes[string(code)], code)
		}
	}
	var line []byte
	type record struct {
		Handshake []json.RawMessage
		Dropped   *report.RecordDropped
	}
	var stuffed *record
	var summary report.Summary
	for _, l := range bytes.Split(out, []byte("\n")) {
		switch {
		case bytes.HasPrefix(l, []byte(`{"type":"connection"`)) && bytes.Contains(l, []byte("hostile.test")):
			line = l
		case bytes.HasPrefix(l, []byte(`{"type":"record"`)) && bytes.Contains(l, []byte(`"dropped":{"handshake"`)):
			stuffed = new(record)
			if err := json.Unmarshal(l, stuffed); err != nil {
				t.Fatal(err)
			}
		case bytes.HasPrefix(l, []byte(`{"type":"summary"`)):
			if err := json.Unmarshal(l, &summary); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(line) > 96<<10 {
		t.Errorf("hostile: a connection line of %d bytes", len(line))
	}
	if stuffed == nil || len(stuffed.Handshake) != session.MaxRecordMessages ||
		*stuffed.Dropped != (report.RecordDropped{Handshake: msgs - session.MaxRecordMessages, Notes: msgs - session.MaxRecordNotes}) {
		t.Errorf("the record of %d hello_requests: %+v", msgs, stuffed)
	}
	if summary.CappedConnections != 1 || summary.Dropped == nil || *summary.Dropped != want {
		t.Errorf("summary: capped_connections %d, dropped %+v; want 1 and the hostile connection's", summary.CappedConnections, summary.Dropped)
	}

	// Sharded, the same: the dropped counts travel with the recorded
	// events and connections.
	fixedClock(t)
	var outs [2][]byte
	for i, n := range []string{"1", "2"} {
		var stdout, stderr bytes.Buffer
		args := append(append([]string{"dissect", "--format", "json", "--workers", n}, keyArgs(neighbour)...), mixed)
		if err := run(args, nil, &stdout, &stderr); err != nil {
			t.Fatalf("run: %v\n%s", err, stderr.String())
		}
		outs[i] = stdout.Bytes()
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Errorf("--workers 2: output differs from --workers 1:\n%s", firstDiff(string(outs[0]), string(outs[1])))
	}

	text := dissect(t, "text", mixed, "")
	for _, want := range []string{"      dropped              alerts 99844, notes 136, server_certificates 136,",
		"\nDropped by the per-connection caps, in 1 connections: alerts 99844,"} {
		if !bytes.Contains(text, []byte(want)) {
			t.Errorf("text output lacks %q", want)
		}
	}
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// checkPlaintext checks that connection id's plaintext files in dir hold
// the bytes each endpoint of the shipped capture pcap sent (its .c2s and
// .s2c files).
func checkPlaintext(t *testing.T, pcap, dir string, id uint64) {
	t.Helper()
	for _, ext := range []string{"c2s", "s2c"} {
		want, err := os.ReadFile(strings.TrimSuffix(pcap, ".pcap") + "." + ext)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, itoa(id)+"."+ext))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s %s: %d bytes decrypted (%v), want the %d the endpoint sent", filepath.Base(pcap), ext, len(got), err, len(want))
		}
	}
}
