package report

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/internal/selectexpr"
	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// eventLog is a Sink that notes what reaches it: "A1" for record 1 of
// connection A, "A." for its end.
type eventLog struct{ got []string }

func (l *eventLog) Record(ev *session.RecordEvent) {
	bad := ""
	if p := string(ev.Record.Payload); p != "" && p != "xyz" {
		bad = "!" + string(ev.Record.Payload) // not the bytes the record had
	}
	l.got = append(l.got, fmt.Sprintf("%c%d%s", 'A'+ev.Conn.ID-1, ev.Offset, bad))
}
func (l *eventLog) End(c *session.Conn) { l.got = append(l.got, fmt.Sprintf("%c.", 'A'+c.ID-1)) }

// TestSelectOrder: events are passed on in the order they came, those of
// a connection decided early held behind an undecided one; a dropped
// connection's events go nowhere; nothing stays held.
func TestSelectOrder(t *testing.T) {
	newConn := func(id uint64, sni string) *session.Conn {
		return &session.Conn{ID: id, SNI: sni, ClientHello: &parser.ClientHello{},
			Client: netip.MustParseAddrPort("10.0.0.1:5000"), Server: netip.MustParseAddrPort("10.0.0.2:443")}
	}
	tests := []struct {
		expr   string
		noteA  bool
		want   string
		counts SelectSummary
	}{
		{"note", true, "A1 A2 A.", SelectSummary{Matched: 1, Dropped: 1}},
		{"note", false, "", SelectSummary{Dropped: 2}},
		{"sni == b or note", true, "A1 B1 A2 B2 B. A.", SelectSummary{Matched: 2}},
		{"sni == b or note", false, "B1 B2 B.", SelectSummary{Matched: 1, Dropped: 1}},
		{"sni == a", false, "A1 A2 A.", SelectSummary{Matched: 1, Dropped: 1}},
		{"port == 443", false, "A1 B1 A2 B2 B. A.", SelectSummary{Matched: 2}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%v", tt.expr, tt.noteA), func(t *testing.T) {
			e, err := selectexpr.Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			log := &eventLog{}
			s := NewSelect(e, log, nil, DefaultSelectCaps)
			a, b := newConn(1, "a"), newConn(2, "b")
			// One event and one payload buffer for every record, changed
			// once Record returns, as the parser does: what Select holds
			// must be its own copy.
			ev, buf := &session.RecordEvent{}, []byte("xyz")
			rec := func(c *session.Conn, n uint64) {
				copy(buf, "xyz")
				*ev = session.RecordEvent{Conn: c, Offset: n, Record: parser.Record{Payload: buf}}
				s.Record(ev)
				ev.Offset = 99
				copy(buf, "---")
			}
			rec(a, 1)
			rec(b, 1)
			rec(a, 2)
			rec(b, 2)
			s.End(b)
			if tt.noteA {
				a.Notes = append(a.Notes, session.Note{Code: session.NoteGap})
			}
			s.End(a)
			if got := strings.Join(log.got, " "); got != tt.want {
				t.Errorf("passed on %q, want %q", got, tt.want)
			}
			tt.counts.Expression = tt.expr
			if s.Summary() != tt.counts {
				t.Errorf("summary %+v, want %+v", s.Summary(), tt.counts)
			}
			if s.Held() != 0 {
				t.Errorf("%d bytes still held", s.Held())
			}
		})
	}
}

// TestSelectFlush: a connection that never ended is decided when the run
// ends, on what is known of it, and counted as forced.
func TestSelectFlush(t *testing.T) {
	e, _ := selectexpr.Parse("not decrypted")
	log := &eventLog{}
	s := NewSelect(e, log, nil, DefaultSelectCaps)
	c := &session.Conn{ID: 1}
	s.Record(&session.RecordEvent{Conn: c, Offset: 1})
	if len(log.got) != 0 || s.Held() == 0 {
		t.Fatalf("passed on %q before the answer was known", log.got)
	}
	s.Flush()
	if got := strings.Join(log.got, " "); got != "A1" || s.Summary().Forced != 1 || s.Held() != 0 {
		t.Errorf("after Flush: %q, %+v, %d held", got, s.Summary(), s.Held())
	}
}
