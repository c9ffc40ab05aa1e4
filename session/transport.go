package session

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/ssldissect/ssldissect/parser"
)

// The transport interface: what a transport tells a Conn. A transport
// frames what it carries (TCP: records from the reassembled byte streams;
// DTLS: records from datagrams; QUIC: CRYPTO frames from decrypted packets)
// and knows which side is the client; the Conn does the rest.
//
//	SetEndpoints  once, before the first Record, DTLSRecord or QUICPacket
//	Record        a TLS record as framed on the wire, protected or not (TCP)
//	DTLSRecord    a DTLS record, with the handshake bytes its fragments completed
//	QUICPacket    a QUIC packet, with the handshake bytes its CRYPTO frames completed
//	Gap           bytes of a direction lost: record and message sync are gone
//	AddNote       an anomaly the transport saw
//	End           once, at FIN/RST, idle timeout or end of input

// Level is the encryption level that handshake bytes were protected at
// (RFC 9001 section 4.1.4): in TCP and DTLS it follows from the records, in
// QUIC from the packet type that carried the CRYPTO frame.
type Level uint8

const (
	LevelInitial     Level = iota // QUIC Initial packets; TLS records before any keys
	LevelEarly                    // 0-RTT
	LevelHandshake                // handshake traffic keys
	LevelApplication              // application traffic keys
)

func (l Level) String() string {
	switch l {
	case LevelInitial:
		return "initial"
	case LevelEarly:
		return "early"
	case LevelHandshake:
		return "handshake"
	case LevelApplication:
		return "application"
	}
	return fmt.Sprintf("level(%d)", uint8(l))
}

// SetEndpoints fixes the client and server addresses (once; later calls are
// ignored). guessed says the transport had no hello to tell by and picked
// the client from the ports: a roles_guessed note says so.
func (c *Conn) SetEndpoints(client, server netip.AddrPort, guessed bool) {
	if c.rolesSet {
		return
	}
	c.rolesSet = true
	c.Client, c.Server, c.RolesGuessed = client, server, guessed
	if guessed {
		c.note(Note{Code: NoteRolesGuessed, Detail: "no ClientHello seen: client taken to be " + client.String()})
	}
}

// EndpointsSet reports whether SetEndpoints was called.
func (c *Conn) EndpointsSet() bool { return c.rolesSet }

// BeginTLS marks the connection as carrying SSL/TLS. startTLS names the
// plaintext protocol that came before it ("" when TLS started at the first
// byte); the transport's note says where.
func (c *Conn) BeginTLS() { c.TLS = true }

// AssumeProtected marks both directions as protected from the next record
// on: the capture started after the handshake (a transport that found the
// middle of a TLS stream whose first record is application data).
func (c *Conn) AssumeProtected() {
	c.dirs[ClientToServer].encrypted, c.dirs[ServerToClient].encrypted = true, true
}

// AssumeProtectedDir marks direction d as protected from the next record
// on (DTLS 1.3: a record with the unified header is always encrypted).
func (c *Conn) AssumeProtectedDir(d Dir) { c.dirs[d].encrypted = true }

// Record processes one record of direction d, framed by the transport at
// pos, and hands it to the sink.
func (c *Conn) Record(d Dir, rec parser.Record, pos Position) {
	c.record(d, rec, pos)
}

// Gap tells that n bytes of direction d, from stream offset start, are
// missing. That direction loses handshake-message sync, and decryption
// looks for the sequence number again; the other direction is unaffected.
func (c *Conn) Gap(d Dir, start uint64, n int, t time.Time) {
	c.Gaps++
	c.note(Note{Code: NoteGap, Dir: d, HasDir: true, Offset: start,
		Detail: fmt.Sprintf("%d bytes missing", n)})
	c.dirs[d].hs.Reset()
	c.crypto.dirs[d].Lose()
}

// LoseRecordSync drops direction d's partial handshake message: the
// transport lost record sync there on a bad record header (nothing is
// missing, so decryption goes on at the next sequence number).
func (c *Conn) LoseRecordSync(d Dir) {
	c.dirs[d].hs.Reset()
}

// AddNote files a note that a lower layer (the transport, reassembly) made
// about direction d of this connection.
func (c *Conn) AddNote(d Dir, code NoteCode, offset, packet uint64, detail string) {
	c.note(Note{Code: code, Dir: d, HasDir: true, Offset: offset, Packet: packet, Detail: detail})
}

// Note files a note the transport made, as it is.
func (c *Conn) Note(n Note) { c.note(n) }

// End ends the connection: the summary goes to the sink if the connection
// carried SSL/TLS. The transport sets the endpoints first (guessed, when it
// never could tell).
func (c *Conn) End(cause string, t time.Time) {
	if t.After(c.EndTime) {
		c.EndTime = t
	}
	c.EndCause = cause
	defer c.crypto.release()
	if !c.TLS {
		return
	}
	c.decryptFailures()
	for d := range c.dtlsSeqs {
		s := &c.dtlsSeqs[d]
		if n := s.lost(); n > 0 {
			detail := fmt.Sprintf("%d records never came (gaps in the sequence numbers): lost on the way or by the capture; the records after them were read", n)
			if s.over > 0 {
				detail += fmt.Sprintf(" (%d records of epochs past the first %d were not followed)", s.over, maxSeqEpochs)
			}
			c.note(Note{Code: NoteDTLSRecordsLost, Dir: Dir(d), HasDir: true, Detail: detail})
		}
	}
	for d := range c.dirs {
		if p := c.dirs[d].hs.Pending(); p > 0 {
			c.note(Note{Code: NoteHandshakeTruncated, Dir: Dir(d), HasDir: true,
				Detail: fmt.Sprintf("%d bytes of an incomplete handshake message at the end", p)})
		}
	}
	c.sink.End(c)
}
