package pipeline

import (
	"net/netip"
	"time"

	"github.com/ssldissect/ssldissect/session"

	"github.com/ssldissect/ssldissect/parser"
)

// The parser hands its Sink events that are valid only during the call: a
// RecordEvent's Record.Payload and Plaintext point into reassembly and
// decryption buffers that are reused, and its Conn goes on changing. A
// recorder is a session.Sink that keeps materialised copies of the events it
// is given, so that they can be replayed on another goroutine (the writer
// of a sharded run), to an unchanged Sink (report.Writer, report.Auditor).
// A record's Wire bytes are copied only when the run asks for them
// (Options.Wire, for -X); else the copy has none.
//
// A replayed RecordEvent's Conn is a snapshot of the connection's identity
// and negotiated parameters as they were when the record was emitted
// (snapFields): the fields a Sink reads from a record's connection. The
// summary fields are all there in the Conn given to End, a copy of the
// connection taken when it ended.

// evKind tells what an event is.
type evKind uint8

const (
	evCreate evKind = iota // a connection was made (sharded runs: its global id is given)
	evRecord               // Sink.Record
	evEnd                  // Sink.End
	evBytes                // what a SinkPart wrote for one Sink call (recorder.part)
)

// event is one materialised Sink call (or a connection's creation).
type event struct {
	kind  evKind
	flush bool   // made by FlushIdle or FlushAll rather than by adding a packet
	pkt   uint64 // the packet being added (or, for a flush, the last packet before it)
	conn  uint64 // the connection's id as the emitting Analyzer numbered it
	rec   *session.RecordEvent
	end   *session.Conn
	// evBytes: the bytes [bOff, bEnd) of its answer's buf, with the id
	// marks [m0, m1) of its marks.
	bOff, bEnd, m0, m1 int
}

// snapFields are the connection fields copied into the Conn of a recorded
// RecordEvent. A new snapshot is made when one of them changes.
type snapFields struct {
	client, server   netip.AddrPort
	start            time.Time
	startTLS         string
	tls, guessed     bool
	resumed, decrypt bool
	hrr              bool
	version          parser.Version
	suite            parser.CipherSuite
	earlyData        string
	sni, alpn        string
	ja3, ja3s        string // and JA4, JA4S: --select settles on them (report.Select)
	ja4, ja4s        string
	notes            int // len(Notes), which only grows
	hasCH, hasSH     bool
	kx               session.KeyExchangeInfo
	endCause         string
	// history and quicHistory are len(History), len(QUIC.History): the
	// Zeek writer reads the letters each record added.
	history, quicHistory int
}

func fieldsOf(c *session.Conn) snapFields {
	return snapFields{
		client: c.Client, server: c.Server, start: c.Start, startTLS: c.StartTLS,
		tls: c.TLS, guessed: c.RolesGuessed, resumed: c.Resumed, decrypt: c.Decrypted,
		hrr: c.HelloRetryRequest, version: c.Version, suite: c.CipherSuite,
		earlyData: c.EarlyData, sni: c.SNI, alpn: c.ALPN,
		ja3: c.JA3, ja3s: c.JA3S, ja4: c.JA4, ja4s: c.JA4S, notes: len(c.Notes),
		hasCH: c.ClientHello != nil, hasSH: c.ServerHello != nil, kx: c.KeyExchange,
		endCause: c.EndCause, history: len(c.History), quicHistory: quicHistoryLen(c),
	}
}

func quicHistoryLen(c *session.Conn) int {
	if c.QUIC == nil {
		return -1
	}
	return len(c.QUIC.History)
}

func snapshot(c *session.Conn) *session.Conn {
	return &session.Conn{
		ID: c.ID, Transport: c.Transport, Client: c.Client, Server: c.Server, Start: c.Start, EndTime: c.EndTime,
		EndCause: c.EndCause, TLS: c.TLS, RolesGuessed: c.RolesGuessed, StartTLS: c.StartTLS,
		ClientHello: c.ClientHello, ServerHello: c.ServerHello, HelloRetryRequest: c.HelloRetryRequest,
		Version: c.Version, CipherSuite: c.CipherSuite, KeyExchange: c.KeyExchange,
		SNI: c.SNI, ALPN: c.ALPN, Resumed: c.Resumed, Decrypted: c.Decrypted, EarlyData: c.EarlyData,
		JA3: c.JA3, JA3S: c.JA3S, JA4: c.JA4, JA4S: c.JA4S,
		Notes:   c.Notes[:len(c.Notes):len(c.Notes)], // the notes so far; appends go elsewhere
		History: c.History[:len(c.History):len(c.History)],
		QUIC:    quicSnapshot(c.QUIC),
	}
}

// quicSnapshot is a copy of a QUIC connection's details, its history as
// it is now.
func quicSnapshot(q *session.QUICInfo) *session.QUICInfo {
	if q == nil {
		return nil
	}
	cp := *q
	cp.History = q.History[:len(q.History):len(q.History)]
	return &cp
}

// shadow is what a recorder knows of a live connection: the fields of its
// last snapshot (private to the recorder: the snapshot itself belongs to
// whoever replays it).
type shadow struct {
	f    snapFields
	snap *session.Conn
}

// recorder is a session.Sink that materialises events (see above).
type recorder struct {
	wire   bool // keep RecordEvent.Wire (Options.Wire)
	events []event
	pkt    uint64 // stamped on the events
	flush  bool
	conns  map[*session.Conn]*shadow
	// part, when set, formats the events on the worker: the recorder
	// keeps where each one's bytes end in the part's output (n bytes and
	// marks so far) instead of the events themselves.
	part  session.SinkPart
	n, nm int
}

func newRecorder(wire bool) *recorder {
	return &recorder{wire: wire, conns: map[*session.Conn]*shadow{}}
}

func (r *recorder) Record(ev *session.RecordEvent) {
	if r.part != nil {
		r.part.Record(ev)
		r.took(ev.Conn.ID)
		return
	}
	c := ev.Conn
	sh := r.conns[c]
	if f := fieldsOf(c); sh == nil || sh.f != f {
		if sh == nil {
			sh = new(shadow)
			r.conns[c] = sh
		}
		sh.f, sh.snap = f, snapshot(c)
	}
	cp := *ev
	cp.Conn = sh.snap
	cp.Record.Payload = clone(ev.Record.Payload)
	cp.Plaintext = clone(ev.Plaintext)
	cp.Wire = nil
	if r.wire {
		cp.Wire = clone(ev.Wire)
	}
	// Messages, Alerts, Heartbeat and Notes are made afresh for each event
	// and not changed afterwards: they are shared.
	r.events = append(r.events, event{kind: evRecord, flush: r.flush, pkt: r.pkt, conn: c.ID, rec: &cp})
}

func (r *recorder) End(c *session.Conn) {
	if r.part != nil {
		r.part.End(c)
		r.took(c.ID)
		return
	}
	delete(r.conns, c)
	cp := *c // the Conn is not changed after End; the copy guards its scalar fields anyway
	r.events = append(r.events, event{kind: evEnd, flush: r.flush, pkt: r.pkt, conn: c.ID, end: &cp})
}

// took records what the part wrote for a Sink call of connection conn.
func (r *recorder) took(conn uint64) {
	n, m := r.part.Written()
	if n > r.n {
		r.events = append(r.events, event{kind: evBytes, flush: r.flush, pkt: r.pkt, conn: conn, bOff: r.n, bEnd: n, m0: r.nm, m1: m})
	}
	r.n, r.nm = n, m
}

// takeBytes hands out the part's output of the events recorded since the
// last call, going on in buf and marks (recycled, or nil).
func (r *recorder) takeBytes(buf []byte, marks []session.IDMark) ([]byte, []session.IDMark) {
	r.n, r.nm = 0, 0
	if r.part == nil {
		return buf, marks
	}
	return r.part.Take(buf, marks)
}

// created notes that the connection with local id conn was made while
// adding packet r.pkt.
func (r *recorder) created(conn uint64) {
	r.events = append(r.events, event{kind: evCreate, pkt: r.pkt, conn: conn})
}

// take returns the events recorded so far and starts a new list.
func (r *recorder) take() []event {
	evs := r.events
	r.events = nil // a worker gives back a list the writer is done with
	return evs
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}

// replayOne hands one recorded event to sink, under connection id conn.
func replayOne(sink session.Sink, e *event, conn uint64) {
	switch e.kind {
	case evRecord:
		e.rec.Conn.ID = conn
		sink.Record(e.rec)
	case evEnd:
		e.end.ID = conn
		sink.End(e.end)
	}
}
