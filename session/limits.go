package session

import "fmt"

// Caps on the lists one connection keeps. Every input to a Conn is
// bounded already (a record by its length, a handshake message by the
// caps of parser.HandshakeReader), but a connection is not: an attacker
// who sends two million alert records, or a Certificate message with a
// thousand tiny certificates, must not make one connection hold or print
// without limit. Past each cap the items are counted in Conn.Dropped (or
// RecordEvent.Dropped), and the first one dropped files a note of the
// kind's code (the *_truncated codes), once per connection; those notes
// are filed even when the notes themselves are capped. What a Conn
// decides from the items (history, keys, verification) still sees every
// one: the caps shorten the lists, not the analysis.
//
// The values are far above what any capture in testdata/ or in the
// conformance corpus carries: internal/oracle's TestCapsMargin holds
// every list of those captures to at most half its cap.
const (
	// MaxAlerts caps Conn.Alerts. A connection closes with one alert each
	// way; a few warnings more in a long renegotiating session.
	MaxAlerts = 256
	// MaxNotes caps Conn.Notes (the *_truncated notes aside, at most one
	// per kind).
	MaxNotes = 64
	// MaxCertificates caps Conn.ServerCerts and Conn.ClientCerts: the
	// certificates kept of a chain. Real chains have 1 to 5; a
	// Certificate message (256 KiB at most) holds some 800 small real
	// certificates, or 65,000 one-byte entries.
	MaxCertificates = 64
	// MaxALPNOffered caps Conn.ALPNOffered. Browsers offer 2 or 3
	// protocols.
	MaxALPNOffered = 64
	// MaxHistory caps the letters in Conn.History, as Zeek caps
	// ssl_history (SSL::max_ssl_history_length, 100).
	MaxHistory = 100
	// MaxRecordMessages caps RecordEvent.Messages: the handshake messages
	// listed for one record (a full server flight in one record has 5).
	MaxRecordMessages = 64
	// MaxRecordAlerts caps RecordEvent.Alerts: the alerts listed for one
	// record (a record can hold 9216). A real one holds one, but an
	// encrypted alert read as clear (its change_cipher_spec not captured)
	// reads as 13 of them with AES-GCM, 40 with AES-CBC and SHA-384.
	MaxRecordAlerts = 64
	// MaxRecordNotes caps RecordEvent.Notes: the notes listed for one
	// record.
	MaxRecordNotes = 16
	// MaxInsecureOffers caps the insecure versions and cipher suites that
	// report's Auditor keeps per client (from one ClientHello). The
	// registry has 83 insecure suites; what the cap is for is SSL 2.0
	// cipher specs, three bytes each and every value a new name.
	MaxInsecureOffers = 128
)

// Dropped counts what the caps above left out of a connection's lists.
// The zero value means nothing was dropped.
type Dropped struct {
	Alerts      int // past MaxAlerts
	Notes       int // past MaxNotes
	ServerCerts int // past MaxCertificates, of the server's chain
	ClientCerts int // past MaxCertificates, of the client's chain
	ALPNOffered int // past MaxALPNOffered
	History     int // letters past MaxHistory
	// Summed over the connection's records (RecordDropped).
	RecordMessages int
	RecordAlerts   int
	RecordNotes    int
}

// Any reports whether anything was dropped.
func (d Dropped) Any() bool { return d != Dropped{} }

// Add adds o's counts to d's.
func (d *Dropped) Add(o Dropped) {
	d.Alerts += o.Alerts
	d.Notes += o.Notes
	d.ServerCerts += o.ServerCerts
	d.ClientCerts += o.ClientCerts
	d.ALPNOffered += o.ALPNOffered
	d.History += o.History
	d.RecordMessages += o.RecordMessages
	d.RecordAlerts += o.RecordAlerts
	d.RecordNotes += o.RecordNotes
}

// RecordDropped counts what MaxRecordMessages, MaxRecordAlerts and
// MaxRecordNotes left out of one record's lists.
type RecordDropped struct {
	Messages, Alerts, Notes int
}

// Any reports whether anything was dropped.
func (d RecordDropped) Any() bool { return d != RecordDropped{} }

// drop counts n items of a list that a cap left out (into *count), and
// files the note made by note the first time for that count: one note per
// kind and connection, past MaxNotes too. It returns the note filed, if
// any.
func (c *Conn) drop(count *int, n int, note func() Note) (Note, bool) {
	if n <= 0 {
		return Note{}, false
	}
	first := *count == 0
	*count += n
	if !first {
		return Note{}, false
	}
	nt := note()
	c.Notes = append(c.Notes, nt)
	return nt, true
}

// capRecord cuts the event's lists to the record caps before the sink sees
// them, counting what it cut.
func (c *Conn) capRecord(ev *RecordEvent) {
	var notes []Note // the notes filed here, listed on this record too
	cut := func(n, max int, rec, conn *int, code NoteCode, what, key string) {
		if n <= max {
			return
		}
		*rec = n - max
		if nt, ok := c.drop(conn, n-max, func() Note {
			return Note{Code: code, Dir: ev.Dir, HasDir: true, Offset: ev.Offset, Packet: ev.Packet,
				Detail: capDetail(max, what, key)}
		}); ok {
			notes = append(notes, nt)
		}
	}
	d := &ev.Dropped
	cut(len(ev.Messages), MaxRecordMessages, &d.Messages, &c.Dropped.RecordMessages,
		NoteRecordMessagesTruncated, "handshake messages in a record", "record_handshake")
	cut(len(ev.Alerts), MaxRecordAlerts, &d.Alerts, &c.Dropped.RecordAlerts,
		NoteRecordAlertsTruncated, "alerts in a record", "record_alerts")
	cut(len(ev.Notes), MaxRecordNotes, &d.Notes, &c.Dropped.RecordNotes,
		NoteRecordNotesTruncated, "notes on a record", "record_notes")
	ev.Messages = ev.Messages[:min(len(ev.Messages), MaxRecordMessages)]
	ev.Alerts = ev.Alerts[:min(len(ev.Alerts), MaxRecordAlerts)]
	if k := min(len(ev.Notes), MaxRecordNotes); k < len(ev.Notes) || len(notes) > 0 {
		ev.Notes = append(ev.Notes[:k:k], notes...)
	}
}

// capDetail is the detail of a *_truncated note: what was capped at max,
// and the key of the connection's "dropped" object that counts the rest.
func capDetail(max int, what, key string) string {
	return fmt.Sprintf("more than %d %s: the rest are only counted (dropped.%s)", max, what, key)
}
