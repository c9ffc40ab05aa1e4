package session_test

import (
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// TestHeartbleedNote: the heartbleed note gives the bytes the declared
// payload and its 16 bytes of minimum padding need, and the bytes
// received, which differ (before, a payload that fitted without its
// padding read "16365 exceeds the 16365 bytes received").
func TestHeartbleedNote(t *testing.T) {
	for _, c := range []struct {
		name     string
		declared int
		received int
		want     string
	}{
		{"no_padding", 16365, 16365, "payload_length 16365 needs 16381 bytes with its 16 bytes of padding, 16365 received"},
		{"probe", 0x4000, 1, "payload_length 16384 needs 16400 bytes with its 16 bytes of padding, 1 received"},
		{"one_short", 4, 19, "payload_length 4 needs 20 bytes with its 16 bytes of padding, 19 received"},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, _ := capConn(t)
			payload := append([]byte{1, byte(c.declared >> 8), byte(c.declared)}, make([]byte, c.received)...)
			conn.Record(session.ClientToServer, rec(parser.ContentTypeHeartbeat, payload), session.Position{})
			var got []string
			for _, n := range conn.Notes {
				if n.Code == session.NoteHeartbleed {
					got = append(got, n.Detail)
				}
			}
			if len(got) != 1 || !strings.Contains(got[0], c.want) {
				t.Errorf("heartbleed notes %q, want one with %q", got, c.want)
			}
		})
	}
}
