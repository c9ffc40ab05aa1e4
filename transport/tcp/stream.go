package tcp

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/reassembly"
	"github.com/ssldissect/ssldissect/session"
)

// Side is a TCP direction as reassembly numbers it: Side 0 is sent by the
// TCP initiator (A), Side 1 by the responder (B). Which side is the TLS
// client is decided by the ClientHello, not by the SYN; from then on each
// side maps to one session.Dir.
type Side uint8

// Positioner tells which packet carried a byte of the data passed to
// Stream.Data, and when.
type Positioner interface {
	At(off int) (t time.Time, packet uint64)
}

// Stream is one TCP connection seen as TLS: it frames the two reassembled
// byte streams into records (finding where TLS starts, also after a
// STARTTLS exchange or in the middle of a stream, and finding the next
// record after a gap) and feeds them to its session.Conn, which it embeds
// so that the connection's summary reads through it.
type Stream struct {
	// Conn is nil until the connection shows SSL/TLS (or reassembly has
	// a gap or a note to tell of it): a connection that never does costs
	// no session state. sess makes it.
	*session.Conn
	id      uint64
	start   time.Time
	sink    session.Sink
	keys    *decrypt.KeyStore
	addrs   [2]netip.AddrPort // by Side
	halves  [2]half           // by Side
	client  int               // Side of the client, -1 until known
	sniffed int               // plaintext bytes skipped while looking for TLS
	prefix  [2][]byte         // first plaintext bytes of each side, for naming STARTTLS
	dead    bool              // no TLS found: stop looking
}

// SetWire puts the figures of the connection's segments on the wire, by
// Side (reassembly.Wire), in the summary (session.Conn.Wire), by
// direction: call it just before Close. A connection that has no
// session.Conn (never TLS) has no summary.
func (c *Stream) SetWire(w [2]reassembly.Wire) {
	if c.Conn == nil {
		return
	}
	c.fixRoles()
	cw := &c.Conn.Wire
	cw.Set = true
	for s, f := range w {
		d := c.dirOf(Side(s))
		cw.Packets[d], cw.Bytes[d] = f.Packets, f.Bytes
		cw.PayloadBytes[d], cw.Retransmissions[d] = f.Payload, f.Retransmissions
	}
}

// fixRoles guesses the client from the ports, if TLS was seen and no hello
// told.
func (c *Stream) fixRoles() {
	if c.TLS && c.client < 0 {
		c.setRoles(c.guessClient(), true)
	}
}

type halfMode uint8

const (
	modeSniff  halfMode = iota // looking for where TLS starts
	modeTLS                    // in record sync
	modeResync                 // lost sync after a gap or a bad header: looking for the next record
	modeSSLv2                  // the peer speaks SSLv2 records
)

// half is one side's framing state.
type half struct {
	base uint64 // stream offset of the next byte Data will see
	mode halfMode
	cut  cutRecord
}

// cutRecord is the start of a record left unconsumed for want of its
// other bytes, at stream offset base (records consumes up to it), so that
// a gap (or the end) that cuts it can say what it cut. Small: every open
// connection has two.
type cutRecord struct {
	hdr [5]byte
	n   uint8 // bytes of hdr known
	ok  bool
	got uint32 // bytes of the record seen
}

// Limits on the search for TLS in a connection's first bytes.
const (
	maxSniffBytes = 256 << 10 // plaintext skipped (both sides) before giving up
	prefixKeep    = 64
)

// NewStream starts one TCP connection; a is the initiator's address (Side
// 0), b the responder's. The Conn it feeds has the given id and reports to
// sink.
func NewStream(id uint64, a, b netip.AddrPort, start time.Time, sink session.Sink) *Stream {
	return &Stream{id: id, start: start, sink: sink, addrs: [2]netip.AddrPort{a, b}, client: -1}
}

// sess returns the connection's session.Conn, made on first use.
func (c *Stream) sess() *session.Conn {
	if c.Conn == nil {
		c.Conn = session.NewConn(c.id, c.start, c.sink)
		c.Conn.SetKeys(c.keys)
	}
	return c.Conn
}

// SetKeys sets the key store the connection decrypts with.
func (c *Stream) SetKeys(k *decrypt.KeyStore) {
	c.keys = k
	if c.Conn != nil {
		c.Conn.SetKeys(k)
	}
}

func (c *Stream) dirOf(s Side) session.Dir {
	if c.client < 0 || int(s) == c.client {
		return session.ClientToServer
	}
	return session.ServerToClient
}

// setRoles fixes which side is the client.
func (c *Stream) setRoles(client Side, guessed bool) {
	if c.client >= 0 {
		return
	}
	c.client = int(client)
	c.sess().SetEndpoints(c.addrs[client], c.addrs[1-client], guessed)
}

// guessClient picks the client side from the ports when no hello tells: the
// side with the lower (well-known) port is the server.
func (c *Stream) guessClient() Side {
	p0, p1 := c.addrs[0].Port(), c.addrs[1].Port()
	if p0 < p1 && p0 < 1024 {
		return 1
	}
	return 0
}

// Data takes in-order bytes of one side (after any bytes left unconsumed
// last time) and returns how many it consumed.
func (c *Stream) Data(s Side, data []byte, pos Positioner) int {
	if c.dead {
		c.halves[s].base += uint64(len(data))
		return len(data)
	}
	h := &c.halves[s]
	off := 0
	for off < len(data) {
		var n int
		var stop bool
		switch h.mode {
		case modeSniff:
			n, stop = c.sniff(s, data[off:], pos, off)
		case modeResync:
			n, stop = c.resync(s, data[off:])
		case modeTLS:
			n, stop = c.records(s, data[off:], pos, off)
		case modeSSLv2:
			n, stop = c.sslv2Records(s, data[off:], pos, off)
		}
		off += n
		h.base += uint64(n)
		if stop || c.dead {
			break
		}
	}
	if c.dead && off < len(data) {
		h.base += uint64(len(data) - off)
		off = len(data)
	}
	return off
}

// resync looks for the next record header after a loss of sync.
func (c *Stream) resync(s Side, b []byte) (n int, stop bool) {
	h := &c.halves[s]
	for i := 0; i+5 <= len(b); i++ {
		ok, need := recordChain(b[i:])
		if ok {
			h.mode = modeTLS
			c.Note(session.Note{Code: session.NoteResync, Dir: c.dirOf(s), HasDir: true, Offset: h.base + uint64(i),
				Detail: fmt.Sprintf("record boundary found again after %d bytes", i)})
			return i, false
		}
		if need {
			if _, plausible := plausibleHeader(b[i:]); plausible {
				return i, true
			}
		}
	}
	return max(0, len(b)-4), true
}

// desync notes a bad record header and starts looking for the next one.
func (c *Stream) desync(s Side, err error, packet uint64) {
	h := &c.halves[s]
	d := c.dirOf(s)
	c.Note(session.Note{Code: session.NoteRecordDesync, Dir: d, HasDir: true, Offset: h.base, Packet: packet, Detail: err.Error()})
	h.mode = modeResync
	c.LoseRecordSync(d)
}

// records splits one side's bytes into records and processes each.
func (c *Stream) records(s Side, b []byte, pos Positioner, base int) (n int, stop bool) {
	off := 0
	c.halves[s].cut.ok = false
	for off < len(b) {
		rec, m, err := parser.ParseRecord(b[off:])
		if errors.Is(err, parser.ErrNeedMore) {
			h := &c.halves[s]
			h.cut = cutRecord{ok: true, got: uint32(min(len(b)-off, math.MaxUint32))}
			h.cut.n = uint8(copy(h.cut.hdr[:], b[off:]))
			return off, true
		}
		if err != nil {
			_, p := pos.At(base + off)
			c.desync(s, err, p)
			return off, false
		}
		t, p := pos.At(base + off + m - 1)
		c.Record(c.dirOf(s), rec, session.Position{Offset: c.halves[s].base + uint64(off), Time: t, Packet: p, Wire: b[off : off+m]})
		off += m
	}
	return off, true
}

// sslv2Records handles records framed with SSLv2 headers: the SSLv2-format
// ClientHello, and whole SSLv2 sessions.
func (c *Stream) sslv2Records(s Side, b []byte, pos Positioner, base int) (n int, stop bool) {
	h := &c.halves[s]
	off := 0
	for off < len(b) {
		if b[off]&0x80 == 0 && off+5 <= len(b) && c.Version != parser.VersionSSL20 {
			if _, ok := plausibleHeader(b[off:]); ok {
				// The peer moved on to SSL 3.0/TLS records after its v2 hello.
				h.mode = modeTLS
				return off, false
			}
		}
		rec, m, err := parser.ParseSSLv2Record(b[off:])
		if errors.Is(err, parser.ErrNeedMore) {
			return off, true
		}
		if err != nil {
			_, p := pos.At(base + off)
			c.desync(s, err, p)
			return off, false
		}
		t, p := pos.At(base + off + m - 1)
		c.Record(c.dirOf(s), rec, session.Position{Offset: h.base + uint64(off), Time: t, Packet: p, Wire: b[off : off+m]})
		off += m
	}
	return off, true
}

// Gap tells that n bytes of a side's stream, from stream offset start, are
// missing. That side loses record sync; the other side is unaffected.
func (c *Stream) Gap(s Side, start uint64, n int, t time.Time) {
	h := &c.halves[s]
	if !c.dead {
		c.sess().Gap(c.dirOf(s), start, n, t)
		c.noteCut(s, fmt.Sprintf("the gap at offset %d", start))
	}
	h.base = start + uint64(max(n, 0))
	if h.mode == modeTLS || h.mode == modeSSLv2 {
		h.mode = modeResync
	}
}

// AddNote files a note that reassembly made about one side.
func (c *Stream) AddNote(s Side, code string, offset, packet uint64, detail string) {
	c.sess().AddNote(c.dirOf(s), session.NoteCode(code), offset, packet, detail)
}

// Close ends the connection: the summary goes to the sink if the
// connection carried SSL/TLS.
func (c *Stream) Close(cause string, t time.Time) {
	if c.Conn == nil {
		return // never SSL/TLS: nothing to report
	}
	for s := range c.halves {
		c.noteCut(Side(s), "the end of the stream")
	}
	c.fixRoles()
	c.Conn.End(cause, t)
}

// guessStartTLS names the plaintext protocol that came before TLS from the
// first bytes each side sent.
func guessStartTLS(a, b []byte) string {
	for _, p := range [][]byte{a, b} {
		up := bytes.ToUpper(p)
		switch {
		case len(p) >= 8 && bytes.Equal(p[:8], []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}):
			return "postgresql"
		case bytes.HasPrefix(up, []byte("EHLO")) || bytes.HasPrefix(up, []byte("HELO")) || bytes.HasPrefix(p, []byte("220 ")) && bytes.Contains(up, []byte("SMTP")):
			return "smtp"
		case bytes.HasPrefix(p, []byte("* OK")) || bytes.Contains(up, []byte("STARTTLS\r\n")) && bytes.Contains(up, []byte(" CAPABILITY")):
			return "imap"
		case bytes.HasPrefix(p, []byte("+OK")) || bytes.HasPrefix(up, []byte("STLS")):
			return "pop3"
		case bytes.HasPrefix(up, []byte("AUTH TLS")) || bytes.HasPrefix(p, []byte("220-")) || bytes.HasPrefix(p, []byte("220 ")) && bytes.Contains(up, []byte("FTP")):
			return "ftp"
		case bytes.Contains(p, []byte("<stream:stream")) || bytes.Contains(p, []byte("<?xml")):
			return "xmpp"
		case bytes.Contains(p, []byte("1.3.6.1.4.1.1466.20037")):
			return "ldap"
		case len(p) >= 5 && p[3] == 0 && p[4] == 10:
			return "mysql" // protocol version 10 greeting
		}
	}
	for _, p := range [][]byte{a, b} {
		if bytes.HasPrefix(p, []byte("220")) {
			return "smtp"
		}
	}
	return "unknown"
}

// IsTLS reports whether SSL/TLS was recognised in either direction.
func (c *Stream) IsTLS() bool { return c.Conn != nil && c.TLS }

// noteCut notes the record that side s left waiting for its other bytes,
// if any, as cut by what: the bytes of it that came are dropped.
func (c *Stream) noteCut(s Side, by string) {
	h := &c.halves[s]
	if !h.cut.ok || h.mode != modeTLS {
		h.cut.ok = false
		return
	}
	h.cut.ok = false
	detail := fmt.Sprintf("a record was cut by %s: %d bytes of its header arrived", by, h.cut.got)
	if h.cut.n == 5 {
		if rh, err := parser.ParseRecordHeader(h.cut.hdr[:]); err == nil {
			detail = fmt.Sprintf("a %s record of %d bytes was cut by %s: %d of its bytes arrived", rh.Type, 5+rh.Length, by, h.cut.got)
		}
	}
	c.Note(session.Note{Code: session.NoteRecordCut, Dir: c.dirOf(s), HasDir: true, Offset: h.base, Detail: detail})
}
