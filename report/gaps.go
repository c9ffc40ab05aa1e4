package report

import (
	"fmt"
	"os"

	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// plainGaps finds what is missing from a TLS or DTLS connection's
// plaintext streams, one per direction: the bytes the capture lost (a
// record starting past where the last one ended), and the application
// data records that were not decrypted. Nothing is ever invented for
// them: --plaintext-dir lists them in <id>.<dir>.gaps and
// --write-decrypted makes the TCP sequence numbers jump over them.
//
// How long a hole is in plaintext is not known (a record not decrypted
// hides its padding and tag, lost bytes their record boundaries): its
// length is the wire bytes missing, an upper bound. Gaps with no
// plaintext between them are one gap, so that what is held per
// direction is a few numbers however many records are lost.
type plainGaps struct {
	dirs [2]dirGaps
	// active: the connection has plaintext, so its gaps are listed.
	active bool
}

type dirGaps struct {
	next    uint64 // stream offset where the last record ended
	seen    bool
	pending int64 // wire bytes missing since the last plaintext
}

// record counts what ev (a TLS or DTLS record's event, not QUIC's)
// shows missing, before it and in it.
func (g *plainGaps) record(ev *session.RecordEvent) {
	d := &g.dirs[ev.Dir&1]
	if ev.Conn.Transport == session.TransportTCP && !ev.Record.SSLv2 {
		// DTLS records have no stream offsets: a datagram lost is simply
		// not there.
		if d.seen && ev.Offset > d.next {
			d.pending += int64(ev.Offset - d.next)
		}
		hdr := ev.Record.HeaderLen
		if hdr == 0 {
			hdr = 5
		}
		d.next, d.seen = ev.Offset+uint64(hdr+len(ev.Record.Payload)), true
	}
	if ev.Record.Type == parser.ContentTypeApplicationData && !ev.Decrypted && !ev.Readable && len(ev.Plaintext) == 0 {
		d.pending += int64(len(ev.Record.Payload))
	}
}

// take returns direction d's gap not yet reported and forgets it.
func (g *plainGaps) take(d session.Dir) int64 {
	n := g.dirs[d&1].pending
	g.dirs[d&1].pending = 0
	return n
}

// gapsOf returns connection conn's plainGaps, made on first use.
func (p *plaintextFiles) gapsOf(conn uint64) *plainGaps {
	g := p.gaps[conn]
	if g == nil {
		g = &plainGaps{}
		p.gaps[conn] = g
	}
	return g
}

// writeGap lists direction d's gap not yet reported, if any, in
// DIR/<conn>.<d>.gaps as "offset length": offset is where in <conn>.<d>
// the missing bytes belong (its size now). It is called before each
// write of plaintext, and at the connection's end; a connection never
// seen with plaintext has no gaps file.
func (p *plaintextFiles) writeGap(conn uint64, d session.Dir) error {
	g := p.gapsOf(conn)
	g.active = true
	n := g.take(d)
	if n == 0 {
		return nil
	}
	k := plainKey{conn: conn, dir: d}
	var off int64
	if f := p.files[k]; f != nil {
		off = f.size
	}
	gf := p.gapFiles[k]
	if gf == nil {
		var err error
		if gf, err = os.Create(p.name(k) + ".gaps"); err != nil {
			return err
		}
		p.gapFiles[k] = gf
	}
	_, err := fmt.Fprintf(gf, "%d %d\n", off, n)
	return err
}
