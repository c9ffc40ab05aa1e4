package report

import (
	"bytes"
	"reflect"
	"unsafe"

	"github.com/ssldissect/ssldissect/internal/selectexpr"
	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// SelectCaps are the caps on what a Select holds while a connection is
// undecided: per connection, its records and their bytes; in all (Bytes),
// the bytes of every event held (those of decided connections waiting behind an undecided
// one included). A held record's bytes are its payload twice (the bytes
// and the messages parsed from them), its plaintext, and selectEventCost
// for the event and its connection's copy.
type SelectCaps struct {
	ConnRecords int
	ConnBytes   int64
	Bytes       int64
}

// DefaultSelectCaps are the caps of --select.
var DefaultSelectCaps = SelectCaps{ConnRecords: 256, ConnBytes: 256 << 10, Bytes: 64 << 20}

const selectEventCost = int64(unsafe.Sizeof(session.RecordEvent{}) + unsafe.Sizeof(session.Conn{}))

// SelectSummary is the summary's select object: the expression, and the
// connections it kept (matched) and left out (dropped); forced counts
// those of either kind decided before their outcome was certain, because
// a cap on what is held was reached (or the run ended without the
// connection's end), on what was known of them then.
type SelectSummary struct {
	Expression string `json:"expression"`
	Matched    uint64 `json:"matched"`
	Dropped    uint64 `json:"dropped"`
	Forced     uint64 `json:"forced"`
}

// Select is a session.Sink that passes on to the next Sink the events of
// the connections a --select expression matches, and only those, in the
// order they came. A connection's events are held while the answer for it
// could still change (sni is known from the ClientHello, the version,
// cipher suite and JA3S from the ServerHello, notes and decrypted only at
// the end), then passed on or dropped. As the events of every connection
// come interleaved, one order for all, an event is passed on only once
// every event before it is: those of a connection decided early wait
// behind the undecided ones that came first. Holding is capped
// (SelectCaps): at a cap the
// connection is decided on what is known of it (Forced).
type Select struct {
	expr  *selectexpr.Expr
	next  session.Sink
	count *Writer // when set, counts the records and connections dropped
	conns map[uint64]*selConn
	queue []heldEvent // held events, in order, from head
	head  int
	bytes int64 // held in queue
	sum   SelectSummary
	fc    selectexpr.Conn // scratch
	caps  SelectCaps
	wire  bool // held records keep their bytes as captured (-X)
}

type selState uint8

const (
	selUndecided selState = iota
	selKeep
	selDrop
)

// selConn is what a Select knows of a connection.
type selConn struct {
	state   selState
	records int   // held while undecided
	bytes   int64 // held while undecided
	last    *session.Conn
	// done12: an application data record after a TLS 1.2 (or older)
	// ServerHello, so the handshake is over (resumed is settled);
	// done13: a decrypted TLS 1.3 application data record, so
	// EncryptedExtensions (alpn) came before it.
	done12, done13 bool
}

type heldEvent struct {
	sc   *selConn
	rec  *session.RecordEvent
	end  *session.Conn
	size int64
}

// NewSelect makes a Select passing matching connections to next. count,
// when not nil, is the Writer whose summary counts all traffic: the
// records and connections dropped are counted there too.
func NewSelect(expr *selectexpr.Expr, next session.Sink, count *Writer, caps SelectCaps) *Select {
	return &Select{expr: expr, next: next, count: count, conns: map[uint64]*selConn{}, caps: caps,
		sum: SelectSummary{Expression: expr.String()}}
}

// KeepWire makes held records keep their bytes as captured
// (RecordEvent.Wire), for -X; without it a held copy has none, so that
// holding costs no more than the output needs.
func (s *Select) KeepWire() { s.wire = true }

// Summary is the select counts so far.
func (s *Select) Summary() SelectSummary { return s.sum }

// Held is the bytes held now (for tests).
func (s *Select) Held() int64 { return s.bytes }

func (s *Select) conn(id uint64) *selConn {
	sc := s.conns[id]
	if sc == nil {
		sc = &selConn{}
		s.conns[id] = sc
	}
	return sc
}

// Record passes on, holds or drops a record.
func (s *Select) Record(ev *session.RecordEvent) {
	c := ev.Conn
	sc := s.conn(c.ID)
	sc.last = c
	if c.ServerHello != nil && ev.QUIC == nil && ev.Record.Type == parser.ContentTypeApplicationData {
		if c.Version.TLSEquivalent().IsTLS13() {
			sc.done13 = sc.done13 || (ev.Decrypted && ev.ContentType == parser.ContentTypeApplicationData)
		} else {
			sc.done12 = true
		}
	}
	if sc.state == selUndecided {
		s.decide(sc, c, false)
	}
	switch sc.state {
	case selDrop:
		s.dropRecord(ev)
		return
	case selKeep:
		if s.head == len(s.queue) {
			s.next.Record(ev)
			return
		}
		s.hold(sc, copyRecordEvent(ev, s.wire), nil)
	default:
		h := s.hold(sc, copyRecordEvent(ev, s.wire), nil)
		sc.records++
		sc.bytes += h
		if sc.records >= s.caps.ConnRecords || sc.bytes >= s.caps.ConnBytes {
			s.force(sc)
		}
	}
	s.drain()
}

// End decides the connection, now that everything of it is known, and
// passes on or drops its end.
func (s *Select) End(c *session.Conn) {
	sc := s.conn(c.ID)
	delete(s.conns, c.ID)
	sc.last = c
	if sc.state == selUndecided {
		s.decide(sc, c, true)
	}
	switch {
	case sc.state == selDrop:
		s.dropEnd(c)
	case s.head == len(s.queue):
		s.next.End(c)
	default:
		cp := *c
		s.hold(sc, nil, &cp)
	}
	s.drain()
}

// Flush decides every connection still held, on what is known of it
// (the run ended before its end did), and passes on what is kept.
func (s *Select) Flush() {
	for s.head < len(s.queue) {
		if sc := s.queue[s.head].sc; sc.state == selUndecided {
			s.force(sc)
		}
		s.drain()
	}
}

func (s *Select) hold(sc *selConn, rec *session.RecordEvent, end *session.Conn) int64 {
	size := selectEventCost
	if rec != nil {
		size += int64(2*len(rec.Record.Payload) + len(rec.Plaintext) + len(rec.Wire))
		if q := rec.QUIC; q != nil {
			for _, st := range q.Streams {
				size += int64(len(st.Data))
			}
		}
	}
	s.queue = append(s.queue, heldEvent{sc: sc, rec: rec, end: end, size: size})
	s.bytes += size
	return size
}

// drain passes on or drops the held events from the head while their
// connections are decided, then, while more than caps.Bytes is held,
// decides the connection at the head.
func (s *Select) drain() {
	for {
		for s.head < len(s.queue) {
			h := &s.queue[s.head]
			if h.sc.state == selUndecided {
				break
			}
			s.bytes -= h.size
			keep := h.sc.state == selKeep
			rec, end := h.rec, h.end
			*h = heldEvent{}
			s.head++
			switch {
			case rec != nil && keep:
				s.next.Record(rec)
			case rec != nil:
				s.dropRecord(rec)
			case keep:
				s.next.End(end)
			default:
				s.dropEnd(end)
			}
		}
		if s.head == len(s.queue) {
			s.queue, s.head = s.queue[:0], 0
			return
		}
		if s.head > 1024 && s.head*2 > len(s.queue) {
			n := copy(s.queue, s.queue[s.head:])
			clear(s.queue[n:])
			s.queue, s.head = s.queue[:n], 0
		}
		if s.bytes <= s.caps.Bytes {
			return
		}
		s.force(s.queue[s.head].sc)
	}
}

// decide evaluates the expression for a connection; ended: everything of
// it is known.
func (s *Select) decide(sc *selConn, c *session.Conn, ended bool) {
	s.fill(sc, c, ended)
	s.settle(sc, s.expr.Eval(&s.fc))
}

// force decides a connection on what is known of it now.
func (s *Select) force(sc *selConn) {
	s.fill(sc, sc.last, true)
	s.sum.Forced++
	s.settle(sc, s.expr.Eval(&s.fc))
}

func (s *Select) settle(sc *selConn, t selectexpr.Tri) {
	switch t {
	case selectexpr.True:
		sc.state = selKeep
		s.sum.Matched++
	case selectexpr.False:
		sc.state = selDrop
		s.sum.Dropped++
	default:
		return
	}
	sc.records, sc.bytes = 0, 0
}

func (s *Select) dropRecord(ev *session.RecordEvent) {
	if s.count != nil {
		s.count.countRecord(ev)
	}
}

func (s *Select) dropEnd(c *session.Conn) {
	if s.count != nil {
		s.count.countEnd(c)
	}
}

// fill sets s.fc to what is known of c: the fields settled by where its
// handshake stands, or all of them (ended). A field's value is settled
// once the message that gives it has been seen: the first ClientHello
// (sni; ja3 and ja4 as soon as they are there), the first ServerHello that
// is no HelloRetryRequest (version, cipher, ja3s, ja4s; alpn before TLS
// 1.3, and resumed in TLS 1.3), a decrypted TLS 1.3 application data
// record (alpn, from EncryptedExtensions), a TLS 1.2 application data
// record (resumed). Notes and decrypted only grow, and are settled at the
// end.
func (s *Select) fill(sc *selConn, c *session.Conn, ended bool) {
	fc := &s.fc
	notes := fc.Notes[:0]
	*fc = selectexpr.Conn{
		SNI: c.SNI, ALPN: c.ALPN, JA3: c.JA3, JA3S: c.JA3S, JA4: c.JA4, JA4S: c.JA4S,
		Transport: c.Transport, Version: uint16(c.Version),
		Client: c.Client, Server: c.Server, Decrypted: c.Decrypted, Resumed: c.Resumed,
	}
	if fc.Transport == session.TransportTCP {
		fc.Transport = "tcp"
	}
	if c.ServerHello != nil {
		fc.Cipher, fc.CipherID = c.CipherSuite.String(), uint16(c.CipherSuite)
	} else if c.V2CipherSpec != 0 {
		fc.Cipher = c.V2CipherSpec.String()
	}
	for i := range c.Notes {
		notes = append(notes, string(c.Notes[i].Code))
	}
	fc.Notes = notes
	if ended {
		fc.Final = selectexpr.All
		return
	}
	f := selectexpr.Of(selectexpr.FieldTransport, selectexpr.FieldIP, selectexpr.FieldPort)
	if c.ClientHello != nil || c.ServerHello != nil {
		f |= selectexpr.Endpoints // the roles are known
	}
	if c.ClientHello != nil {
		f |= selectexpr.Of(selectexpr.FieldSNI)
	}
	for _, x := range []struct {
		v string
		f selectexpr.Field
	}{{c.JA3, selectexpr.FieldJA3}, {c.JA4, selectexpr.FieldJA4}, {c.JA3S, selectexpr.FieldJA3S}, {c.JA4S, selectexpr.FieldJA4S}} {
		if x.v != "" {
			f |= selectexpr.Of(x.f)
		}
	}
	if c.ServerHello != nil {
		f |= selectexpr.Of(selectexpr.FieldVersion, selectexpr.FieldCipher, selectexpr.FieldCipherID)
		if c.Version.TLSEquivalent().IsTLS13() {
			f |= selectexpr.Of(selectexpr.FieldResumed)
			if sc.done13 || c.ALPN != "" {
				f |= selectexpr.Of(selectexpr.FieldALPN)
			}
		} else {
			f |= selectexpr.Of(selectexpr.FieldALPN)
			if sc.done12 {
				f |= selectexpr.Of(selectexpr.FieldResumed)
			}
		}
	}
	fc.Final = f
}

// connExported are the indices of session.Conn's exported fields.
var connExported = func() []int {
	var idx []int
	t := reflect.TypeFor[session.Conn]()
	for i := range t.NumField() {
		if t.Field(i).IsExported() {
			idx = append(idx, i)
		}
	}
	return idx
}()

// copyConn is a copy of c's exported fields, what a Sink reads of a
// record's connection (as the sharded pipeline's snapshots are): the
// analyser's own state, buffers included, is left behind, for the
// connection's end to free.
func copyConn(c *session.Conn) *session.Conn {
	cp := new(session.Conn)
	src, dst := reflect.ValueOf(c).Elem(), reflect.ValueOf(cp).Elem()
	for _, i := range connExported {
		dst.Field(i).Set(src.Field(i))
	}
	return cp
}

// copyRecordEvent is a copy of ev that stays as it is: the bytes that
// point into reused buffers are copied, and the connection is a copy of
// it as it stands.
func copyRecordEvent(ev *session.RecordEvent, wire bool) *session.RecordEvent {
	cp := *ev
	cp.Conn = copyConn(ev.Conn)
	cp.Record.Payload = bytes.Clone(ev.Record.Payload)
	cp.Plaintext = bytes.Clone(ev.Plaintext)
	cp.Wire = nil
	if wire {
		cp.Wire = bytes.Clone(ev.Wire)
	}
	if q := ev.QUIC; q != nil {
		qc := *q
		qc.DCID, qc.SCID, qc.Token = bytes.Clone(q.DCID), bytes.Clone(q.SCID), bytes.Clone(q.Token)
		qc.Streams = make([]session.QUICStreamData, len(q.Streams))
		for i, st := range q.Streams {
			st.Data = bytes.Clone(st.Data)
			qc.Streams[i] = st
		}
		cp.QUIC = &qc
	}
	if d := ev.DTLS; d != nil {
		dc := *d
		dc.CID, dc.Header = bytes.Clone(d.CID), bytes.Clone(d.Header)
		cp.DTLS = &dc
	}
	return &cp
}
