package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
	"github.com/ssldissect/ssldissect/trust"
)

// Options shapes a Writer's output.
type Options struct {
	Format string // "text", "json" or "ecs" (ecs.go: connections and the summary only)
	// Hex and ASCII show decrypted application data in text output.
	Hex, ASCII bool
	// HexRecords (-X) shows every record (QUIC: every packet) as it was
	// captured, header and protected fragment (RecordEvent.Wire): a hex
	// dump under its lines in text, a "hex" field in JSON.
	HexRecords bool
	// PlaintextDir, when set, receives each connection's decrypted
	// application data as <id>.c2s and <id>.s2c.
	PlaintextDir string
	// Trust, when set, verifies each connection's server chain
	// (validation_status, sni_matches_cert).
	Trust *trust.Verifier
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
	// lastECS is the latest event.end of the ECS documents written, the
	// summary document's @timestamp.
	lastECS string
	// Counters for the summary.
	TLSConnections       uint64
	DecryptedConnections uint64
	Records              uint64
	// The connections that hit a per-connection cap, and their counts
	// summed (Summary.CappedConnections, Summary.Dropped).
	CappedConnections uint64
	Dropped           session.Dropped
	// part, in a Writer made by Split, receives its output; nil in the
	// run's Writer.
	part *partOut
}

// partOut is the output of a Writer made by Split: the bytes written
// since the last Take, and the marks of the connection ids in them.
type partOut struct {
	buf   []byte
	marks []session.IDMark
}

func (p *partOut) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	return len(b), nil
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
		wr.plain = newPlaintextFiles(opt.PlaintextDir)
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
	w.countRecord(ev)
	if w.plain != nil && ev.QUIC != nil {
		w.setErr(w.plain.quicStreams(ev))
	} else if w.plain != nil {
		w.setErr(w.plain.settleEarly(ev.Conn))
		w.plain.gapsOf(ev.Conn.ID).record(ev)
		if len(ev.Plaintext) > 0 && ev.ContentType == parser.ContentTypeApplicationData {
			w.setErr(w.plain.data(ev))
		}
	}
	if w.err != nil {
		return
	}
	if w.opt.Format == "ecs" {
		return // ECS documents are connections
	}
	if ev.QUIC != nil {
		w.quicPacket(ev)
		return
	}
	if w.opt.Format == "json" {
		r := recordWith(&w.arena, ev, true)
		if w.opt.HexRecords {
			r.Hex = ev.Wire
		}
		w.setErr(w.writeRecord(&r))
		w.arena.reset()
		return
	}
	w.textRecord(ev)
}

// quicPacket writes the event of a QUIC packet.
func (w *Writer) quicPacket(ev *session.RecordEvent) {
	if w.opt.Format == "json" {
		p := quicPacketOf(&w.arena, ev)
		if w.opt.HexRecords {
			p.Hex = ev.Wire
		}
		at := w.markStart()
		w.setErr(w.writeLine(&p))
		w.markID(at, `"conn":`, ev.Conn.ID)
		w.arena.reset()
		return
	}
	w.textQUICPacket(ev)
}

// End writes a connection's summary.
func (w *Writer) End(c *session.Conn) {
	w.countEnd(c)
	if w.plain != nil {
		w.setErr(w.plain.settleEarly(c))
		// The server's answer was never seen: what was sent stays.
		delete(w.plain.early, c.ID)
		w.setErr(w.plain.close(c.ID))
	}
	if w.err != nil {
		return
	}
	switch w.opt.Format {
	case "json":
		out := ConnectionWithTrust(c, w.opt.Trust)
		w.setErr(w.writeConnection(&out))
		return
	case "ecs":
		d := ECSOf(c)
		w.lastECS = max(w.lastECS, d.Event.End)
		at := w.markStart()
		w.setErr(w.enc.Encode(&d))
		w.markID(at, `"conn_id":`, c.ID)
		return
	}
	w.textEnd(c)
}

// countRecord counts a record for the summary (Select: also one it
// leaves out).
func (w *Writer) countRecord(*session.RecordEvent) { w.Records++ }

// countEnd counts a connection for the summary (Select: also one it
// leaves out).
func (w *Writer) countEnd(c *session.Conn) {
	w.TLSConnections++
	if c.Decrypted {
		w.DecryptedConnections++
	}
	if c.Dropped.Any() {
		w.CappedConnections++
		w.Dropped.Add(c.Dropped)
	}
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
	switch w.opt.Format {
	case "json":
		w.setErr(w.writeLine(&s))
		return
	case "ecs":
		d := ECSSummaryOf(s, w.lastECS)
		w.setErr(w.enc.Encode(&d))
		return
	}
	quicConns := ""
	if s.QUICConnections > 0 {
		quicConns = fmt.Sprintf(", %d QUIC connections (%d of %d packets decrypted)", s.QUICConnections, s.QUICDecryptedPackets, s.QUICPackets)
	}
	if s.DTLSConnections > 0 {
		quicConns += fmt.Sprintf(", %d DTLS connections", s.DTLSConnections)
	}
	filtered := ""
	if s.FilteredPackets > 0 {
		// Packets count what passed the filter (-f).
		filtered = fmt.Sprintf(" (matching the filter; %d more did not)", s.FilteredPackets)
	}
	_, err := fmt.Fprintf(w.out, "\nSummary: %d packets%s, %d bytes, %d TCP connections%s, %d SSL/TLS (%d decrypted), %d records, %d gaps (%d bytes), %.3fs\n",
		s.Packets, filtered, s.Bytes, s.Connections-s.QUICConnections-s.DTLSConnections, quicConns, s.TLSConnections, s.DecryptedConnections, s.Records, s.Gaps, s.GapBytes, s.ElapsedSeconds)
	if err == nil && s.DecodeErrors+s.FragmentsDropped+s.DroppedByCaps > 0 {
		_, err = fmt.Fprintf(w.out, "Not analysed: %d frames with a malformed or truncated header, %d IP fragments refused, %d stream ranges dropped by the reassembly caps\n",
			s.DecodeErrors, s.FragmentsDropped, s.DroppedByCaps)
	}
	if err == nil && s.KeylogLinesUnused > 0 {
		_, err = fmt.Fprintf(w.out, "Key log: %d secrets matched no connection\n", s.KeylogLinesUnused)
	}
	if err == nil && s.EvictedConnections > 0 {
		_, err = fmt.Fprintf(w.out, "Evicted: %d connections ended early to keep within --max-conns (or the budget of bytes waiting for a record's end)\n",
			s.EvictedConnections)
	}
	if err == nil && s.Dropped != nil {
		_, err = fmt.Fprintf(w.out, "Dropped by the per-connection caps, in %d connections: %s\n",
			s.CappedConnections, droppedText(s.Dropped.counts()))
	}
	if err == nil && s.DNSECHConfigs+s.DNSECHConfigsDropped+s.DNSMalformed > 0 {
		_, err = fmt.Fprintf(w.out, "DNS: %d ECHConfigs published in HTTPS/SVCB records (%d more not kept), %d malformed\n",
			s.DNSECHConfigs, s.DNSECHConfigsDropped, s.DNSMalformed)
	}
	if err == nil && s.Select != nil {
		forced := ""
		if s.Select.Forced > 0 {
			forced = fmt.Sprintf(" (%d decided before their end, on what was known when a cap on what is held was reached)", s.Select.Forced)
		}
		_, err = fmt.Fprintf(w.out, "Select: %d connections matched, %d did not%s: %s\n",
			s.Select.Matched, s.Select.Dropped, forced, s.Select.Expression)
	}
	if err == nil && s.KernelDrops != nil {
		var kp, qd uint64
		if s.KernelPackets != nil {
			kp = *s.KernelPackets
		}
		if s.QueueDrops != nil {
			qd = *s.QueueDrops
		}
		how := ""
		if s.CaptureMethod != "" {
			how = " (" + s.CaptureMethod
			if s.KernelFreezes != nil {
				how += fmt.Sprintf(", ring full %d times", *s.KernelFreezes)
			}
			if s.FanoutGroup != nil {
				how += fmt.Sprintf(", fanout group %d", *s.FanoutGroup)
			}
			how += ")"
		}
		_, err = fmt.Fprintf(w.out, "Live capture on %s%s: %d packets received by the kernel filter, %d dropped by the kernel, %d dropped by ssldissect\n",
			s.Interface, how, kp, *s.KernelDrops, qd)
	}
	w.setErr(err)
}

// writeLine writes one NDJSON line: v is a *Record, *Connection or
// *Summary. Every JSON line goes through here (a record straight to
// writeRecord, which keeps it off the heap), and each is what json.Encoder
// (SetEscapeHTML(false)) writes for v: a record and a connection by the
// fast paths, appendRecordJSON and appendConnectionJSON (End calls
// writeConnection itself), the others by the Encoder itself.
// TestSchemaLines holds every type's output to the Encoder's.
func (w *Writer) writeLine(v any) error {
	if r, ok := v.(*Record); ok {
		return w.writeRecord(r)
	}
	if c, ok := v.(*Connection); ok {
		return w.writeConnection(c)
	}
	return w.enc.Encode(v)
}

// writeRecord is writeLine for a record.
func (w *Writer) writeRecord(r *Record) error {
	if w.part != nil {
		return w.appendPart(func(b []byte) ([]byte, error) { return appendRecordJSON(b, r) }, `"conn":`, r.Conn)
	}
	b, err := appendRecordJSON(w.jbuf[:0], r)
	return w.writeJSON(b, err, `"conn":`, r.Conn)
}

// appendPart, in a Writer made by Split, appends a line made by f to the
// part's output itself (not through w.out, a copy less), whose connection
// id, after key, is conn (markID).
func (w *Writer) appendPart(f func([]byte) ([]byte, error), key string, conn uint64) error {
	if w.out.Buffered() > 0 {
		if err := w.out.Flush(); err != nil {
			return err
		}
	}
	p := w.part
	start := len(p.buf)
	b, err := f(p.buf)
	if err != nil {
		return err
	}
	p.buf = b
	w.markAt(start, b[start:], key, conn)
	return nil
}

// writeJSON writes a line b made in w.jbuf (unless its encoder failed
// with err), whose connection id, after key, is conn (markIn).
func (w *Writer) writeJSON(b []byte, err error, key string, conn uint64) error {
	if err != nil {
		return err
	}
	w.jbuf = b
	w.markIn(b, key, conn)
	_, err = w.out.Write(b)
	return err
}

// Split returns a Writer for one worker of a sharded run
// (session.Splitter): it formats the events of its worker's connections,
// numbered by the worker, into bytes that the run's writer merges and
// hands to WriteMerged with the run's ids in place. A Writer with
// PlaintextDir cannot be split (its files are named by the run's ids).
func (w *Writer) Split() session.SinkPart {
	if w.plain != nil {
		return nil
	}
	p := &partOut{}
	wr := &Writer{opt: w.opt, out: bufio.NewWriterSize(p, 16<<10), conns: map[uint64]*textConn{}, part: p}
	wr.enc = json.NewEncoder(wr.out)
	wr.enc.SetEscapeHTML(false)
	return wr
}

// Written is how much a Writer made by Split wrote since the last Take
// (session.SinkPart).
func (w *Writer) Written() (n, marks int) {
	if w.out.Buffered() > 0 {
		w.setErr(w.out.Flush())
	}
	return len(w.part.buf), len(w.part.marks)
}

// Take hands out what a Writer made by Split wrote since the last call
// and goes on in buf and marks (session.SinkPart).
func (w *Writer) Take(buf []byte, marks []session.IDMark) ([]byte, []session.IDMark) {
	p := w.part
	if w.out.Buffered() > 0 {
		w.setErr(w.out.Flush())
	}
	out, outMarks := p.buf, p.marks
	if buf == nil {
		// As much room as the last one needed, rather than growing
		// from nothing.
		buf = make([]byte, 0, cap(out))
	}
	p.buf, p.marks = buf[:0], marks[:0]
	return out, outMarks
}

// WriteMerged writes the merged output of the Writers made by Split
// (session.Splitter).
func (w *Writer) WriteMerged(b []byte) {
	if w.err == nil {
		_, err := w.out.Write(b)
		w.setErr(err)
	}
}

// Join adds the counts of a Writer made by Split to w's (session.Splitter).
func (w *Writer) Join(sp session.SinkPart) {
	p := sp.(*Writer)
	w.setErr(p.err)
	w.TLSConnections += p.TLSConnections
	w.DecryptedConnections += p.DecryptedConnections
	w.Records += p.Records
	w.CappedConnections += p.CappedConnections
	w.Dropped.Add(p.Dropped)
	w.lastECS = max(w.lastECS, p.lastECS)
}

// markStart, in a Writer made by Split, is where the next bytes written
// will be in its output (0 otherwise).
func (w *Writer) markStart() int {
	if w.part == nil {
		return 0
	}
	return len(w.part.buf) + w.out.Buffered()
}

// markID, in a Writer made by Split, marks connection id as written in its
// output since start (markStart), right after the first key there ("" for
// id at start itself): the run's writer puts the run's id in its place.
func (w *Writer) markID(start int, key string, id uint64) {
	if w.part == nil {
		return
	}
	w.setErr(w.out.Flush())
	w.markAt(start, w.part.buf[start:], key, id)
}

// markIn is markID for bytes b about to be written (w.out.Write(b)).
func (w *Writer) markIn(b []byte, key string, id uint64) {
	if w.part != nil {
		w.markAt(len(w.part.buf)+w.out.Buffered(), b, key, id)
	}
}

// markAt marks id as written after key in s, which is at pos in the part's
// output.
func (w *Writer) markAt(pos int, s []byte, key string, id uint64) {
	i := 0
	if key != "" {
		// In a JSON line the key ("conn", "id") comes second, right after
		// the type: looked for there first, not searched across the line
		// (bytes.Index was 2.6% of the handshakes capture).
		i = -1
		if len(s) > 9 && string(s[:9]) == `{"type":"` {
			if c := bytes.IndexByte(s[9:], ','); c >= 0 && bytes.HasPrefix(s[9+c+1:], []byte(key)) {
				i = 9 + c + 1
			}
		}
		if i < 0 {
			i = bytes.Index(s, []byte(key))
		}
		if i < 0 {
			w.setErr(fmt.Errorf("report: internal error: no %s in a line written by a worker", key))
			return
		}
		i += len(key)
	}
	var d [20]byte
	digits := strconv.AppendUint(d[:0], id, 10)
	if !bytes.HasPrefix(s[i:], digits) || (len(s) > i+len(digits) && '0' <= s[i+len(digits)] && s[i+len(digits)] <= '9') {
		w.setErr(fmt.Errorf("report: internal error: connection %d not where a worker wrote it", id))
		return
	}
	w.part.marks = append(w.part.marks, session.IDMark{Off: pos + i, Len: len(digits), Conn: id})
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
	conn   uint64
	dir    session.Dir
	quic   bool   // a QUIC stream's file
	stream uint64 // its stream id
}

// plaintextFiles writes --plaintext-dir files, opened on first data.
//
// The client's 0-RTT data belongs to the stream only if the server accepts
// it, which is known a flight later. Rather than hold it in memory until
// then (as much as the client cares to send), it is written at once, its
// start in the file remembered, and cut off again (the file truncated) if
// the server rejects it. Nothing of the client's comes between: its
// 1-RTT data follows its Finished, which follows the server's answer.
type plaintextFiles struct {
	dir   string
	files map[plainKey]*plainFile
	early map[uint64]int64 // connections whose 0-RTT data awaits the server's verdict: where it starts in the c2s file
	// streams lists the QUIC stream files each connection opened; written
	// has the same keys, to look them up.
	streams map[uint64][]plainKey
	written map[plainKey]struct{}
	// gaps follows what is missing from each connection's streams, and
	// gapFiles are the <id>.<dir>.gaps files open (gaps.go).
	gaps     map[uint64]*plainGaps
	gapFiles map[plainKey]*os.File
}

func newPlaintextFiles(dir string) *plaintextFiles {
	return &plaintextFiles{dir: dir, files: map[plainKey]*plainFile{}, early: map[uint64]int64{},
		streams: map[uint64][]plainKey{}, written: map[plainKey]struct{}{},
		gaps: map[uint64]*plainGaps{}, gapFiles: map[plainKey]*os.File{}}
}

// plainFile is an open --plaintext-dir file and how many bytes it holds.
type plainFile struct {
	f    *os.File
	size int64
}

// data writes a record's application data to its file.
func (p *plaintextFiles) data(ev *session.RecordEvent) error {
	c := ev.Conn
	start, pending := p.early[c.ID]
	switch {
	case !ev.EarlyData && pending && ev.Dir == session.ClientToServer:
		// The client's own data after its 0-RTT data, and no verdict
		// seen: the server's answer was not captured. What was sent
		// stays.
		delete(p.early, c.ID)
	case !ev.EarlyData || c.EarlyData == "accepted":
	case c.EarlyData == "rejected":
		return nil // 0-RTT data that came after the server's answer
	case !pending:
		start = 0
		if f := p.files[plainKey{conn: c.ID, dir: session.ClientToServer}]; f != nil {
			start = f.size
		}
		p.early[c.ID] = start
	}
	if err := p.writeGap(c.ID, ev.Dir); err != nil {
		return err
	}
	return p.write(c.ID, ev.Dir, ev.Plaintext)
}

// settleEarly keeps or cuts off a connection's 0-RTT plaintext once the
// server has answered.
func (p *plaintextFiles) settleEarly(c *session.Conn) error {
	start, ok := p.early[c.ID]
	if !ok {
		return nil
	}
	switch c.EarlyData {
	case "accepted":
		delete(p.early, c.ID)
	case "rejected":
		delete(p.early, c.ID)
		return p.truncate(c.ID, session.ClientToServer, start)
	}
	return nil
}

func (p *plaintextFiles) write(conn uint64, d session.Dir, b []byte) error {
	k := plainKey{conn: conn, dir: d}
	f := p.files[k]
	if f == nil {
		fh, err := os.Create(p.name(k))
		if err != nil {
			return err
		}
		f = &plainFile{f: fh}
		p.files[k] = f
	}
	n, err := f.f.Write(b)
	f.size += int64(n)
	return err
}

func (p *plaintextFiles) name(k plainKey) string {
	if k.quic {
		return filepath.Join(p.dir, fmt.Sprintf("%d.s%d.%s", k.conn, k.stream, k.dir))
	}
	return filepath.Join(p.dir, fmt.Sprintf("%d.%s", k.conn, k.dir))
}

// quicStreams writes the stream data of a QUIC packet, each stream to its
// own file (DIR/<conn>.s<stream>.<dir>); a file is closed at its stream's
// FIN, so that a connection with many streams does not hold as many
// files open.
func (p *plaintextFiles) quicStreams(ev *session.RecordEvent) error {
	for _, s := range ev.QUIC.Streams {
		k := plainKey{conn: ev.Conn.ID, dir: ev.Dir, quic: true, stream: s.ID}
		f := p.files[k]
		if f == nil {
			// A stream written before (data after its FIN) is appended to;
			// a new one replaces any file of an earlier run.
			flag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			if _, again := p.written[k]; again {
				flag = os.O_WRONLY | os.O_APPEND
			} else {
				p.written[k] = struct{}{}
				p.streams[ev.Conn.ID] = append(p.streams[ev.Conn.ID], k)
			}
			fh, err := os.OpenFile(p.name(k), flag, 0o666)
			if err != nil {
				return err
			}
			f = &plainFile{f: fh}
			p.files[k] = f
		}
		n, err := f.f.Write(s.Data)
		f.size += int64(n)
		if err != nil {
			return err
		}
		if s.Fin {
			delete(p.files, k)
			if err := f.f.Close(); err != nil {
				return err
			}
		}
	}
	return nil
}

// truncate cuts a file back to size bytes; a file cut to nothing is
// removed, as if it had never been written.
func (p *plaintextFiles) truncate(conn uint64, d session.Dir, size int64) error {
	k := plainKey{conn: conn, dir: d}
	f := p.files[k]
	if f == nil || f.size <= size {
		return nil
	}
	if size == 0 {
		delete(p.files, k)
		if err := f.f.Close(); err != nil {
			return err
		}
		return os.Remove(p.name(k))
	}
	if err := f.f.Truncate(size); err != nil {
		return err
	}
	f.size = size
	_, err := f.f.Seek(size, io.SeekStart)
	return err
}

func (p *plaintextFiles) close(conn uint64) error {
	var first error
	if g := p.gaps[conn]; g != nil && g.active {
		// What is missing at the end of a stream is listed too.
		for _, d := range []session.Dir{session.ClientToServer, session.ServerToClient} {
			if err := p.writeGap(conn, d); err != nil && first == nil {
				first = err
			}
			k := plainKey{conn: conn, dir: d}
			if f := p.gapFiles[k]; f != nil {
				if err := f.Close(); err != nil && first == nil {
					first = err
				}
				delete(p.gapFiles, k)
			}
		}
	}
	delete(p.gaps, conn)
	for _, k := range p.streams[conn] {
		delete(p.written, k)
		if f := p.files[k]; f != nil {
			if err := f.f.Close(); err != nil && first == nil {
				first = err
			}
			delete(p.files, k)
		}
	}
	delete(p.streams, conn)
	for _, d := range []session.Dir{session.ClientToServer, session.ServerToClient} {
		k := plainKey{conn: conn, dir: d}
		if f := p.files[k]; f != nil {
			if err := f.f.Close(); err != nil && first == nil {
				first = err
			}
			delete(p.files, k)
		}
	}
	return first
}

func (p *plaintextFiles) closeAll() error {
	var first error
	for k, f := range p.gapFiles {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
		delete(p.gapFiles, k)
	}
	for k, f := range p.files {
		if err := f.f.Close(); err != nil && first == nil {
			first = err
		}
		delete(p.files, k)
	}
	return first
}
