package session_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"

	"github.com/ssldissect/ssldissect/internal/tlstest"
	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// capConn is a connection whose roles are known, fed records directly.
func capConn(t *testing.T) (*session.Conn, *sink) {
	t.Helper()
	s := &sink{}
	c := session.NewConn(1, time.Unix(1700000000, 0), s)
	c.SetEndpoints(netip.MustParseAddrPort("192.0.2.1:50000"), netip.MustParseAddrPort("192.0.2.2:443"), false)
	c.BeginTLS()
	return c, s
}

func rec(typ parser.ContentType, payload []byte) parser.Record {
	return parser.Record{Type: typ, Version: parser.VersionTLS12, Payload: payload}
}

// notesOf counts a connection's notes by code.
func notesOf(c *session.Conn) map[session.NoteCode]int {
	m := map[session.NoteCode]int{}
	for _, n := range c.Notes {
		m[n.Code]++
	}
	return m
}

// TestCapAlertsAndHistory: 100,000 alert records keep MaxAlerts alerts and
// MaxHistory letters, count the rest, and file one note of each kind.
// Before the caps, Alerts grew by one per record.
func TestCapAlertsAndHistory(t *testing.T) {
	c, s := capConn(t)
	const n = 100000
	alert := rec(parser.ContentTypeAlert, []byte{1, 100}) // warning no_renegotiation
	for i := range n {
		c.Record(session.ClientToServer, alert, session.Position{Offset: uint64(7 * i), Packet: uint64(i + 1)})
	}
	c.End("fin", time.Unix(1700000001, 0))
	if len(c.Alerts) != session.MaxAlerts || c.Dropped.Alerts != n-session.MaxAlerts {
		t.Errorf("alerts: %d kept, %d dropped; want %d and %d", len(c.Alerts), c.Dropped.Alerts, session.MaxAlerts, n-session.MaxAlerts)
	}
	if len(c.History) != session.MaxHistory || c.Dropped.History != n-session.MaxHistory {
		t.Errorf("history: %d letters, %d dropped; want %d and %d", len(c.History), c.Dropped.History, session.MaxHistory, n-session.MaxHistory)
	}
	if c.Records[session.ClientToServer] != n || len(s.events) != n {
		t.Errorf("%d records counted, %d events: every record is still processed", c.Records[session.ClientToServer], len(s.events))
	}
	notes := notesOf(c)
	if notes[session.NoteAlertsTruncated] != 1 || notes[session.NoteHistoryTruncated] != 1 || len(c.Notes) != 2 {
		t.Errorf("notes %v, want one alerts_truncated and one history_truncated", notes)
	}
	for _, nt := range c.Notes {
		if !strings.Contains(nt.Detail, "dropped.") || !nt.HasDir {
			t.Errorf("note %+v: the detail must name its count", nt)
		}
	}
	if nt := c.Notes[0]; nt.Code != session.NoteHistoryTruncated || nt.Packet != session.MaxHistory+1 {
		t.Errorf("first note %+v: want history_truncated at packet %d", nt, session.MaxHistory+1)
	}
	if nt := c.Notes[1]; nt.Code != session.NoteAlertsTruncated || nt.Packet != session.MaxAlerts+1 {
		t.Errorf("second note %+v: want alerts_truncated at packet %d", nt, session.MaxAlerts+1)
	}
}

// TestCapNotes: past MaxNotes, notes are counted, and a cap note is still
// filed.
func TestCapNotes(t *testing.T) {
	c, _ := capConn(t)
	bad := rec(parser.ContentTypeAlert, []byte{1}) // bad_alert
	for range session.MaxNotes + 10 {
		c.Record(session.ServerToClient, bad, session.Position{})
	}
	for range session.MaxAlerts + 1 { // and then an alert cap, past the notes cap
		c.Record(session.ServerToClient, rec(parser.ContentTypeAlert, []byte{1, 0}), session.Position{})
	}
	notes := notesOf(c)
	if notes[session.NoteBadAlert] != session.MaxNotes || c.Dropped.Notes != 10 {
		t.Errorf("%d bad_alert notes kept, %d dropped; want %d and 10", notes[session.NoteBadAlert], c.Dropped.Notes, session.MaxNotes)
	}
	if notes[session.NoteNotesTruncated] != 1 || notes[session.NoteAlertsTruncated] != 1 || notes[session.NoteHistoryTruncated] != 1 {
		t.Errorf("notes %v: want one of each *_truncated", notes)
	}
}

// TestCapRecordLists: one record with more handshake messages, alerts or
// notes than the record caps lists the first ones and counts the rest, on
// the record and (summed) on the connection; the connection still
// processes every message.
func TestCapRecordLists(t *testing.T) {
	c, s := capConn(t)
	// 100 hello_request messages with a 1-byte body: each is a message and
	// a bad_hello_request note.
	var hs []byte
	for range 100 {
		hs = append(hs, 0, 0, 0, 1, 0xff)
	}
	c.Record(session.ServerToClient, rec(parser.ContentTypeHandshake, hs), session.Position{Packet: 1})
	// 100 alerts in one record.
	alerts := make([]byte, 200)
	for i := range 100 {
		alerts[2*i] = 1
	}
	c.Record(session.ClientToServer, rec(parser.ContentTypeAlert, alerts), session.Position{Packet: 2})
	c.Record(session.ClientToServer, rec(parser.ContentTypeAlert, alerts), session.Position{Packet: 3})

	ev := s.events[0]
	if len(ev.Messages) != session.MaxRecordMessages || ev.Dropped.Messages != 100-session.MaxRecordMessages {
		t.Errorf("record 1: %d messages, %d dropped", len(ev.Messages), ev.Dropped.Messages)
	}
	// 16 bad_hello_request notes, then the two *_truncated notes filed by
	// this record.
	if ev.Dropped.Notes != 100-session.MaxRecordNotes || len(ev.Notes) != session.MaxRecordNotes+2 {
		t.Errorf("record 1: %d notes, %d dropped", len(ev.Notes), ev.Dropped.Notes)
	}
	var codes []session.NoteCode
	for _, n := range ev.Notes[session.MaxRecordNotes:] {
		codes = append(codes, n.Code)
	}
	if fmt.Sprint(codes) != fmt.Sprint([]session.NoteCode{session.NoteRecordMessagesTruncated, session.NoteRecordNotesTruncated}) {
		t.Errorf("record 1: cap notes %v", codes)
	}
	// Every message was processed: the history has a letter for each, up
	// to its cap.
	if len(c.History) != session.MaxHistory || c.History[0] != 'h' {
		t.Errorf("history %q: want %d letters, one per hello_request", c.History, session.MaxHistory)
	}
	for i, ev := range s.events[1:] {
		if len(ev.Alerts) != session.MaxRecordAlerts || ev.Dropped.Alerts != 100-session.MaxRecordAlerts {
			t.Errorf("record %d: %d alerts, %d dropped", i+2, len(ev.Alerts), ev.Dropped.Alerts)
		}
	}
	if len(s.events[1].Notes) != 1 || len(s.events[2].Notes) != 0 {
		t.Errorf("record_alerts_truncated must be filed once: %v, %v", s.events[1].Notes, s.events[2].Notes)
	}
	if len(c.Alerts) != 200 {
		t.Errorf("connection: %d alerts, want all 200 (under MaxAlerts)", len(c.Alerts))
	}
	// 100 bad_hello_request notes on the connection; the 100 letters
	// fill the history, the two alert records' letters are dropped.
	want := session.Dropped{Notes: 100 - session.MaxNotes, History: 2,
		RecordMessages: 100 - session.MaxRecordMessages, RecordAlerts: 2 * (100 - session.MaxRecordAlerts), RecordNotes: 100 - session.MaxRecordNotes}
	if c.Dropped != want {
		t.Errorf("connection dropped %+v, want %+v", c.Dropped, want)
	}
}

// TestCapCertificatesAndALPN: a chain longer than MaxCertificates and an
// ALPN list longer than MaxALPNOffered are kept to their caps and counted;
// the first chain of each side only is kept, as before.
func TestCapCertificatesAndALPN(t *testing.T) {
	c, s := capConn(t)
	const protos = 1000
	body := tlstest.ClientHelloParts{Extensions: func(b *cryptobyte.Builder) {
		tlstest.U16(b, func(b *cryptobyte.Builder) {
			tlstest.Ext(b, uint16(parser.ExtALPN), func(b *cryptobyte.Builder) {
				tlstest.U16(b, func(b *cryptobyte.Builder) {
					for i := range protos {
						tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddBytes(fmt.Appendf(nil, "p%d", i)) })
					}
				})
			})
		})
	}}.Body(t)
	c.Record(session.ClientToServer, rec(parser.ContentTypeHandshake, tlstest.HandshakeMsg(t, parser.HandshakeTypeClientHello, body)), session.Position{})
	if len(c.ALPNOffered) != session.MaxALPNOffered || c.Dropped.ALPNOffered != protos-session.MaxALPNOffered || c.ALPNOffered[0] != "p0" {
		t.Errorf("alpn_offered: %d kept (%q...), %d dropped", len(c.ALPNOffered), c.ALPNOffered[:1], c.Dropped.ALPNOffered)
	}
	if c.JA4 == "" {
		t.Error("no JA4: the hello's fingerprint must not depend on the cap")
	}
	if got := s.events[0].Messages[0].(*parser.ClientHello).ALPN(); len(got) != protos {
		t.Errorf("the record's ClientHello lists %d protocols, want all %d", len(got), protos)
	}

	const certs = 1000
	chain := tlstest.Build(t, func(b *cryptobyte.Builder) {
		tlstest.U24(b, func(b *cryptobyte.Builder) {
			for i := range certs {
				tlstest.U24(b, func(b *cryptobyte.Builder) { b.AddUint16(uint16(i)) })
			}
		})
	})
	msg := tlstest.HandshakeMsg(t, parser.HandshakeTypeCertificate, chain)
	for _, d := range []session.Dir{session.ServerToClient, session.ClientToServer, session.ServerToClient} {
		c.Record(d, rec(parser.ContentTypeHandshake, msg), session.Position{})
	}
	if len(c.ServerCerts) != session.MaxCertificates || c.Dropped.ServerCerts != certs-session.MaxCertificates {
		t.Errorf("server certificates: %d kept, %d dropped", len(c.ServerCerts), c.Dropped.ServerCerts)
	}
	if len(c.ClientCerts) != session.MaxCertificates || c.Dropped.ClientCerts != certs-session.MaxCertificates {
		t.Errorf("client certificates: %d kept, %d dropped", len(c.ClientCerts), c.Dropped.ClientCerts)
	}
	notes := notesOf(c)
	if notes[session.NoteALPNOfferedTruncated] != 1 || notes[session.NoteCertificatesTruncated] != 2 {
		t.Errorf("notes %v: want one alpn_offered_truncated, one certificates_truncated per side", notes)
	}
}

// TestCapsNotHitByHandshake: an ordinary handshake drops nothing.
func TestCapsNotHitByHandshake(t *testing.T) {
	c, s := capConn(t)
	c.Record(session.ClientToServer, clientHelloRecord(t), session.Position{})
	c.End("fin", time.Unix(1700000001, 0))
	if c.Dropped.Any() || s.events[0].Dropped.Any() {
		t.Errorf("dropped %+v, record %+v: want nothing", c.Dropped, s.events[0].Dropped)
	}
}
