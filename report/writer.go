package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// Options shapes a Writer's output.
type Options struct {
	Format string // "text" or "json"
	// Hex and ASCII show decrypted application data in text output.
	Hex, ASCII bool
	// PlaintextDir, when set, receives each connection's decrypted
	// application data as <id>.c2s and <id>.s2c.
	PlaintextDir string
}

// Writer turns parser events into text or NDJSON. It implements
// session.Sink. Output is buffered: call Close at the end.
type Writer struct {
	opt   Options
	out   *bufio.Writer
	enc   *json.Encoder
	jbuf  []byte   // a record's JSON, reused
	arena objArena // a record's handshake Objects, reused
	err   error
	conns map[uint64]*textConn
	plain *plaintextFiles
	// Counters for the summary.
	TLSConnections       uint64
	DecryptedConnections uint64
	Records              uint64
	// The connections that hit a per-connection cap, and their counts
	// summed (Summary.CappedConnections, Summary.Dropped).
	CappedConnections uint64
	Dropped           session.Dropped
}

type textConn struct {
	start, last time.Time
	n           int
}

// NewWriter makes a Writer on w.
func NewWriter(w io.Writer, opt Options) *Writer {
	wr := &Writer{opt: opt, out: bufio.NewWriterSize(w, 64<<10), conns: map[uint64]*textConn{}}
	wr.enc = json.NewEncoder(wr.out)
	wr.enc.SetEscapeHTML(false)
	if opt.PlaintextDir != "" {
		wr.plain = &plaintextFiles{dir: opt.PlaintextDir, files: map[plainKey]*os.File{}, early: map[uint64][]byte{}}
	}
	return wr
}

func (w *Writer) setErr(err error) {
	if err != nil && w.err == nil {
		w.err = err
	}
}

// Err is the first error met while writing.
func (w *Writer) Err() error { return w.err }

// Record writes one record.
func (w *Writer) Record(ev *session.RecordEvent) {
	w.Records++
	if w.plain != nil {
		w.setErr(w.plain.settleEarly(ev.Conn))
		if len(ev.Plaintext) > 0 && ev.ContentType == parser.ContentTypeApplicationData {
			if ev.EarlyData && ev.Conn.EarlyData != "accepted" {
				// 0-RTT data joins the stream only once the server has
				// accepted it.
				w.plain.early[ev.Conn.ID] = append(w.plain.early[ev.Conn.ID], ev.Plaintext...)
			} else {
				w.setErr(w.plain.write(ev.Conn.ID, ev.Dir, ev.Plaintext))
			}
		}
	}
	if w.err != nil {
		return
	}
	if w.opt.Format == "json" {
		r := recordOf(&w.arena, ev)
		w.setErr(w.writeRecord(&r))
		w.arena.reset()
		return
	}
	w.textRecord(ev)
}

// End writes a connection's summary.
func (w *Writer) End(c *session.Conn) {
	w.TLSConnections++
	if c.Decrypted {
		w.DecryptedConnections++
	}
	if c.Dropped.Any() {
		w.CappedConnections++
		w.Dropped.Add(c.Dropped)
	}
	if w.plain != nil {
		w.setErr(w.plain.settleEarly(c))
		if b := w.plain.early[c.ID]; len(b) > 0 {
			// The server's answer was never seen: keep what was sent.
			w.setErr(w.plain.write(c.ID, session.ClientToServer, b))
			delete(w.plain.early, c.ID)
		}
		w.setErr(w.plain.close(c.ID))
	}
	if w.err != nil {
		return
	}
	if w.opt.Format == "json" {
		out := ConnectionOf(c)
		w.setErr(w.writeLine(&out))
		return
	}
	w.textEnd(c)
}

// Summary writes the last line of a run.
func (w *Writer) Summary(s Summary) {
	if w.err != nil {
		return
	}
	s.Type = "summary"
	s.TLSConnections = w.TLSConnections
	s.DecryptedConnections = w.DecryptedConnections
	s.Records = w.Records
	if w.CappedConnections > 0 {
		d := droppedOf(w.Dropped)
		s.CappedConnections, s.Dropped = w.CappedConnections, &d
	}
	if w.opt.Format == "json" {
		w.setErr(w.writeLine(&s))
		return
	}
	_, err := fmt.Fprintf(w.out, "\nSummary: %d packets, %d bytes, %d TCP connections, %d SSL/TLS (%d decrypted), %d records, %d gaps (%d bytes), %.3fs\n",
		s.Packets, s.Bytes, s.Connections, s.TLSConnections, s.DecryptedConnections, s.Records, s.Gaps, s.GapBytes, s.ElapsedSeconds)
	if err == nil && s.DecodeErrors+s.FragmentsDropped+s.DroppedByCaps > 0 {
		_, err = fmt.Fprintf(w.out, "Not analysed: %d frames with a malformed or truncated header, %d IP fragments refused, %d stream ranges dropped by the reassembly caps\n",
			s.DecodeErrors, s.FragmentsDropped, s.DroppedByCaps)
	}
	if err == nil && s.Dropped != nil {
		_, err = fmt.Fprintf(w.out, "Dropped by the per-connection caps, in %d connections: %s\n",
			s.CappedConnections, droppedText(s.Dropped.counts()))
	}
	if err == nil && s.KernelDrops != nil {
		var kp, qd uint64
		if s.KernelPackets != nil {
			kp = *s.KernelPackets
		}
		if s.QueueDrops != nil {
			qd = *s.QueueDrops
		}
		_, err = fmt.Fprintf(w.out, "Live capture on %s: %d packets received by the kernel filter, %d dropped by the kernel, %d dropped by ssldissect\n",
			s.Interface, kp, *s.KernelDrops, qd)
	}
	w.setErr(err)
}

// writeLine writes one NDJSON line: v is a *Record, *Connection or
// *Summary. Every JSON line goes through here (a record straight to
// writeRecord, which keeps it off the heap), and each is what json.Encoder
// (SetEscapeHTML(false)) writes for v: a record by the fast path,
// appendRecordJSON, the others by the Encoder itself. TestSchemaLines
// holds every type's output to the Encoder's.
func (w *Writer) writeLine(v any) error {
	if r, ok := v.(*Record); ok {
		return w.writeRecord(r)
	}
	return w.enc.Encode(v)
}

// writeRecord is writeLine for a record.
func (w *Writer) writeRecord(r *Record) error {
	b, err := appendRecordJSON(w.jbuf[:0], r)
	if err != nil {
		return err
	}
	w.jbuf = b
	_, err = w.out.Write(b)
	return err
}

// Close flushes the output and closes plaintext files.
func (w *Writer) Close() error {
	if w.plain != nil {
		w.setErr(w.plain.closeAll())
	}
	w.setErr(w.out.Flush())
	return w.err
}

type plainKey struct {
	conn uint64
	dir  session.Dir
}

// plaintextFiles writes --plaintext-dir files, opened on first data.
type plaintextFiles struct {
	dir   string
	files map[plainKey]*os.File
	early map[uint64][]byte // 0-RTT plaintext awaiting the server's verdict
}

// settleEarly writes or drops a connection's held 0-RTT plaintext once the
// server has answered.
func (p *plaintextFiles) settleEarly(c *session.Conn) error {
	b, ok := p.early[c.ID]
	if !ok {
		return nil
	}
	switch c.EarlyData {
	case "accepted":
		delete(p.early, c.ID)
		return p.write(c.ID, session.ClientToServer, b)
	case "rejected":
		delete(p.early, c.ID)
	}
	return nil
}

func (p *plaintextFiles) write(conn uint64, d session.Dir, b []byte) error {
	k := plainKey{conn, d}
	f := p.files[k]
	if f == nil {
		var err error
		f, err = os.Create(filepath.Join(p.dir, fmt.Sprintf("%d.%s", conn, d)))
		if err != nil {
			return err
		}
		p.files[k] = f
	}
	_, err := f.Write(b)
	return err
}

func (p *plaintextFiles) close(conn uint64) error {
	var first error
	for _, d := range []session.Dir{session.ClientToServer, session.ServerToClient} {
		k := plainKey{conn, d}
		if f := p.files[k]; f != nil {
			if err := f.Close(); err != nil && first == nil {
				first = err
			}
			delete(p.files, k)
		}
	}
	return first
}

func (p *plaintextFiles) closeAll() error {
	var first error
	for k, f := range p.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
		delete(p.files, k)
	}
	return first
}
