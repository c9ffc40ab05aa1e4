package dtls

import (
	"container/list"
	"fmt"
	"net/netip"
	"time"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/parser"
	wire "github.com/ssldissect/ssldissect/parser/dtls"
	"github.com/ssldissect/ssldissect/session"
	"github.com/ssldissect/ssldissect/transport/internal/lru"
)

// Options bound the transport's memory.
type Options struct {
	MaxConns    int           // open connections; 0: DefaultMaxConns
	IdleTimeout time.Duration // 0: DefaultIdleTimeout
	// MaxHeldBytes caps the buffers of handshake messages being rebuilt
	// across all connections (0: DefaultMaxHeldBytes).
	MaxHeldBytes int64
}

// Defaults of Options, and the caps of one connection.
const (
	DefaultMaxConns    = 16384
	DefaultIdleTimeout = 5 * time.Minute
	maxRecords         = 64        // records read from one datagram
	maxPendingMessages = 8         // messages being reassembled per direction
	maxMessageBytes    = 256 << 10 // one handshake message
	// DefaultMaxHeldBytes is the budget of Options.MaxHeldBytes.
	DefaultMaxHeldBytes = 64 << 20
)

// Stats counts what the transport saw.
type Stats struct {
	Datagrams       int64 // UDP datagrams that carried DTLS
	Records         int64
	Connections     int64
	Evicted         int64
	OtherDatagrams  int64 // STUN, RTP, ... on a DTLS connection's ports
	Retransmissions int64 // handshake fragments already seen
	Malformed       int64
	Refused         int64 // fragments refused by the caps (messages in flight, the budget)
	Moved           int64 // datagrams from a new address, found by connection ID
}

// Analyzer finds DTLS connections in UDP datagrams and reports them to a
// Sink through session.Conn, numbering them with nextID (shared with the
// other transports).
type Analyzer struct {
	sink   session.Sink
	keys   *decrypt.KeyStore
	nextID func() uint64
	opt    Options
	byAddr map[addrPair]route
	// byCID finds a connection by the connection ID its records carry,
	// for a datagram from an address it has not used (RFC 9146 section
	// 6: a peer behind a NAT that rebound its port); cidLens counts the
	// lengths of those IDs.
	byCID   map[string]route
	cidLens map[int]int
	lru     lru.List[*conn]
	held    int64 // bytes of the messages being rebuilt, all connections
	Stats   Stats
}

type addrPair struct{ src, dst netip.AddrPort }

type route struct {
	c   *conn
	dir session.Dir
}

// NewAnalyzer makes an Analyzer.
func NewAnalyzer(sink session.Sink, keys *decrypt.KeyStore, nextID func() uint64, opt Options) *Analyzer {
	if opt.MaxConns <= 0 {
		opt.MaxConns = DefaultMaxConns
	}
	if opt.IdleTimeout <= 0 {
		opt.IdleTimeout = DefaultIdleTimeout
	}
	if opt.MaxHeldBytes <= 0 {
		opt.MaxHeldBytes = DefaultMaxHeldBytes
	}
	return &Analyzer{sink: sink, keys: keys, nextID: nextID, opt: opt, byAddr: map[addrPair]route{},
		byCID: map[string]route{}, cidLens: map[int]int{}}
}

// Open reports the connections still open.
func (a *Analyzer) Open() int { return a.lru.Len() }

// Held reports the bytes of the handshake messages being rebuilt.
func (a *Analyzer) Held() int64 { return a.held }

// conn is one DTLS connection's transport state.
type conn struct {
	s      *session.Conn
	client netip.AddrPort
	server netip.AddrPort
	last   time.Time
	elem   *list.Element
	hs     [2]assembler
	// cids are the connection IDs registered in byCID, by direction;
	// moved the address pairs a peer moved to.
	cids  [2]string
	moved []addrPair
	// guessedCID is the connection ID length found from the records of
	// each direction, -1 until then (see cidLen).
	guessedCID [2]int
}

// Datagram takes one UDP datagram and reports whether it was DTLS (or
// another protocol multiplexed on a DTLS connection's ports).
func (a *Analyzer) Datagram(p *capture.Packet) bool {
	if p.UDP == nil || len(p.UDP.Payload) == 0 {
		return false
	}
	src, dst := p.UDPEndpoints()
	payload := p.UDP.Payload
	r, ok := a.byAddr[addrPair{src, dst}]
	if ok && wire.Classify(payload) != "dtls" {
		a.Stats.OtherDatagrams++ // STUN, RTP, ... beside DTLS (RFC 7983)
		return true
	}
	if !ok {
		r, ok = a.moved(payload, src, dst, p.Num)
	}
	if !ok {
		if !wire.LooksLikeDTLS(payload) {
			return false
		}
		r, ok = a.start(payload, src, dst, p.CI.Timestamp)
		if !ok {
			return false
		}
	}
	a.Stats.Datagrams++
	c := r.c
	a.lru.Touch(c.elem)
	c.last = p.CI.Timestamp
	recs, more, err := wire.ParseDatagram(payload, c.cidLen(r.dir, payload), maxRecords)
	pos := session.Position{Time: p.CI.Timestamp, Packet: p.Num}
	at := 0 // the records of a datagram follow one another
	for i := range recs {
		n := len(recs[i].Header) + len(recs[i].Payload)
		pos.Wire = payload[at : at+n]
		at += n
		a.record(c, r.dir, &recs[i], pos)
	}
	a.learnCIDs(c)
	if err != nil || more > 0 {
		a.Stats.Malformed++
		detail := fmt.Sprintf("%d records after the first %d of the datagram not read", more, len(recs))
		if err != nil {
			detail = err.Error()
		}
		c.s.AddNote(r.dir, session.NoteDTLSBadRecord, 0, p.Num, detail)
	}
	return true
}

// start makes a connection for a datagram no connection owns (its first
// record plausible DTLS). A ClientHello tells the client; a server's
// first flight (HelloVerifyRequest, ServerHello) tells it the other way;
// anything else leaves the roles to the ports, and a first record that is
// not a handshake one starts the connection mid-stream.
func (a *Analyzer) start(payload []byte, src, dst netip.AddrPort, t time.Time) (route, bool) {
	rec, _, err := wire.ParseRecord(payload, 0)
	if err != nil {
		return route{}, false
	}
	client, server, guessed, midstream := src, dst, false, false
	var frags []wire.Fragment
	if !rec.Unified && rec.ContentType == 22 && rec.Epoch == 0 {
		frags, _, _ = wire.ParseFragments(rec.Payload, 1)
	}
	switch {
	case len(frags) > 0 && frags[0].Type == 1: // client_hello
	case len(frags) > 0 && (frags[0].Type == 2 || frags[0].Type == 3): // server_hello, hello_verify_request
		client, server = dst, src
	default:
		// The capture starts inside the connection: the server is taken
		// to be the side with the lower port.
		guessed, midstream = true, len(frags) == 0
		if src.Port() < dst.Port() {
			client, server = dst, src
		}
	}
	if a.lru.Len() >= a.opt.MaxConns {
		if old, ok := a.lru.Oldest(); ok {
			a.Stats.Evicted++
			a.end(old, "evicted", t)
		}
	}
	a.Stats.Connections++
	sc := session.NewConn(a.nextID(), t, a.sink)
	sc.Transport = session.TransportDTLS
	sc.SetKeys(a.keys)
	sc.BeginTLS()
	sc.SetEndpoints(client, server, guessed)
	if midstream {
		sc.AssumeProtected()
		sc.AddNote(session.ClientToServer, session.NoteMidstream, 0, 0, "the capture starts inside the DTLS connection: no handshake was seen")
	}
	c := &conn{s: sc, client: client, server: server, last: t, guessedCID: [2]int{-1, -1}}
	sc.SetDTLSHandshake(func(d session.Dir, frags []byte, pos session.Position) []byte {
		return c.hs[d].add(a, c, d, frags, pos)
	})
	c.elem = a.lru.Push(c)
	a.byAddr[addrPair{client, server}] = route{c, session.ClientToServer}
	a.byAddr[addrPair{server, client}] = route{c, session.ServerToClient}
	d := session.ClientToServer
	if src != client {
		d = session.ServerToClient
	}
	return route{c, d}, true
}

// maxMoves bounds the new addresses a connection is followed to.
const maxMoves = 16

// moved finds the connection of a datagram from an address pair no
// connection uses, by the connection ID of its first record (a tls12_cid
// record, or a unified header with the C bit), and routes that pair to
// it from now on.
func (a *Analyzer) moved(payload []byte, src, dst netip.AddrPort, packet uint64) (route, bool) {
	if len(a.byCID) == 0 || len(payload) == 0 {
		return route{}, false
	}
	off := 0
	switch {
	case payload[0] == wire.ContentTLS12CID:
		off = 11 // type, version, epoch, sequence number
	case payload[0]&(wire.UnifiedFixedMask|wire.UnifiedCID) == wire.UnifiedFixed|wire.UnifiedCID:
		off = 1
	default:
		return route{}, false
	}
	for n := range a.cidLens {
		if off+n > len(payload) {
			continue
		}
		r, ok := a.byCID[string(payload[off:off+n])]
		if !ok || len(r.c.moved) >= maxMoves {
			continue
		}
		c := r.c
		pair := addrPair{src, dst}
		a.byAddr[pair] = r
		a.byAddr[addrPair{dst, src}] = route{c, 1 - r.dir}
		c.moved = append(c.moved, pair)
		a.Stats.Moved++
		c.s.AddNote(r.dir, session.NoteDTLSPeerMoved, 0, packet, fmt.Sprintf("records with the connection's CID %x came from %s to %s: the peer moved (NAT rebinding, RFC 9146 section 6), followed", payload[off:off+n], src, dst))
		return r, true
	}
	return route{}, false
}

// learnCIDs registers the connection IDs the session learnt from the
// hellos, for moved.
func (a *Analyzer) learnCIDs(c *conn) {
	for d := range c.cids {
		if c.cids[d] != "" || !c.s.CIDSet[d] || len(c.s.CIDs[d]) == 0 {
			continue
		}
		cid := string(c.s.CIDs[d])
		if _, taken := a.byCID[cid]; taken {
			continue // another connection's: not a way to tell them apart
		}
		c.cids[d] = cid
		a.byCID[cid] = route{c, session.Dir(d)}
		a.cidLens[len(cid)]++
	}
}

// cidLen is the length of the connection ID in the records of direction d
// (RFC 9146): the one the receiver asked for in its hello (the session
// keeps it), else one found earlier from the records alone, else for this
// datagram: 0 when it parses so, or the shortest length that makes it
// parse, remembered when it is the only one. Without keys a DTLS 1.3
// server's CID is only in its encrypted EncryptedExtensions.
func (c *conn) cidLen(d session.Dir, payload []byte) int {
	switch {
	case c.s.CIDSet[d]:
		return len(c.s.CIDs[d])
	case c.guessedCID[d] >= 0:
		return c.guessedCID[d]
	}
	if _, _, err := wire.ParseDatagram(payload, 0, 0); err == nil {
		return 0
	}
	n, unique, ok := wire.GuessCIDLen(payload)
	if !ok {
		return 0
	}
	if unique {
		c.guessedCID[d] = n
	}
	return n
}

// record hands one record to the session, with the handshake messages its
// fragments completed.
func (a *Analyzer) record(c *conn, d session.Dir, r *wire.Record, pos session.Position) {
	a.Stats.Records++
	info := session.DTLSRecordInfo{Epoch: r.Epoch, Seq: r.Seq, Unified: r.Unified, CID: r.CID}
	if r.Unified {
		info.Header, info.SeqOffset, info.SeqLen, info.EpochBits = r.Header, 1+len(r.CID), r.SeqLen, r.EpochBits
	}
	rec := parser.Record{Type: parser.ContentType(r.ContentType), Version: parser.Version(r.Version), Payload: r.Payload}
	if r.Unified {
		// The real type is encrypted; a unified header carries no version,
		// and only DTLS 1.3 has it.
		rec.Type, rec.Version = parser.ContentTypeApplicationData, parser.VersionDTLS13
		c.s.AssumeProtectedDir(d)
	}
	var hs []byte
	if rec.Type == parser.ContentTypeHandshake && r.Epoch == 0 {
		hs = c.hs[d].add(a, c, d, r.Payload, pos)
	}
	c.s.DTLSRecord(d, rec, info, hs, pos)
}

// end ends connection c and forgets its routes.
func (a *Analyzer) end(c *conn, cause string, t time.Time) {
	delete(a.byAddr, addrPair{c.client, c.server})
	delete(a.byAddr, addrPair{c.server, c.client})
	for _, p := range c.moved {
		delete(a.byAddr, p)
		delete(a.byAddr, addrPair{p.dst, p.src})
	}
	for _, cid := range c.cids {
		if cid == "" {
			continue
		}
		delete(a.byCID, cid)
		if a.cidLens[len(cid)]--; a.cidLens[len(cid)] == 0 {
			delete(a.cidLens, len(cid))
		}
	}
	a.lru.Remove(c.elem)
	for d := range c.hs {
		c.hs[d].release(a)
		if n := c.hs[d].retrans; n > 0 {
			c.s.AddNote(session.Dir(d), session.NoteDTLSRetransmission, 0, 0,
				fmt.Sprintf("%d handshake fragments were sent again (retransmitted flights): each message is shown once", n))
		}
	}
	c.s.End(cause, t)
}

// FlushIdle ends the connections idle since before now - IdleTimeout, in
// connection id order.
func (a *Analyzer) FlushIdle(now time.Time) {
	for _, c := range a.lru.IdleSince(now.Add(-a.opt.IdleTimeout)) {
		a.end(c, "idle", c.last)
	}
}

// FlushAll ends every open connection, in connection id order.
func (a *Analyzer) FlushAll(t time.Time) {
	for _, c := range a.lru.All() {
		a.end(c, "flush", c.last)
	}
}

// ID and LastActive are what the list of open connections needs.
func (c *conn) ID() uint64            { return c.s.ID }
func (c *conn) LastActive() time.Time { return c.last }
