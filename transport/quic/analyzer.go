package quic

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/decrypt"
	wire "github.com/ssldissect/ssldissect/parser/quic"
	"github.com/ssldissect/ssldissect/session"
	"github.com/ssldissect/ssldissect/transport/internal/lru"
)

// Options bound the transport's memory.
type Options struct {
	// MaxConns caps the open QUIC connections: past it the least recently
	// active one ends as "evicted". 0: DefaultMaxConns.
	MaxConns int
	// IdleTimeout ends a connection silent for that long (capture time).
	// 0: DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxHeldBytes caps the CRYPTO and stream bytes held out of order
	// across all connections (0: DefaultMaxHeldBytes); past it, such bytes
	// are refused and counted (a gap note at the connection's end).
	MaxHeldBytes int64
}

// Defaults of Options.
const (
	DefaultMaxConns    = 16384
	DefaultIdleTimeout = 5 * time.Minute
	// maxCIDsPerConn caps the connection IDs (and address pairs) a
	// connection is found by; NEW_CONNECTION_ID frames past it are not
	// followed.
	maxCIDsPerConn = 32
	// maxFramesParsed caps the frames read from one packet (each at
	// least a byte; a 64 KiB datagram of PINGs would be 65,536).
	maxFramesParsed = 4096
)

// Stats counts what the transport saw.
type Stats struct {
	Datagrams    int64 // UDP datagrams that carried QUIC
	Packets      int64 // QUIC packets (coalesced ones counted apart)
	Decrypted    int64 // packets decrypted and authenticated
	AuthFailed   int64 // packets whose AEAD tag did not verify
	NoKeys       int64 // packets with no keys for their level
	Malformed    int64 // packets that did not parse
	Connections  int64 // QUIC connections seen
	Evicted      int64 // connections ended by MaxConns
	CryptoDrops  int64 // CRYPTO bytes refused by the stream caps
	UnknownShort int64 // short-header packets of no known connection
	// TrailingBytes counts bytes after the last packet of a datagram that
	// are no packet of its connection (padding, junk).
	TrailingBytes int64
}

// Analyzer finds QUIC connections in UDP datagrams and reports them to a
// Sink, through session.Conn. Connection ids come from NextID, shared with
// the TCP transport so that ids follow the order of first packets.
type Analyzer struct {
	sink   session.Sink
	keys   *decrypt.KeyStore
	nextID func() uint64
	opt    Options

	byCID  map[string]route
	byAddr map[addrPair]route
	// cidLens counts the registered connection IDs by length: a short
	// header is matched by trying each length in use.
	cidLens map[int]int
	lru     lru.List[*conn]
	Stats   Stats

	held    budget // out-of-order bytes held by all connections
	scratch []byte // a packet copy, header protection removed in place
	plain   []byte // the decrypted payload
	hsBuf   []byte // handshake bytes released by one packet
}

// route is where a connection ID or address pair leads: the connection
// and the direction of the packets that carry it.
type route struct {
	c   *conn
	dir session.Dir
}

type addrPair struct{ src, dst netip.AddrPort }

// NewAnalyzer makes an Analyzer reporting to sink, decrypting with keys
// (nil: Initial packets only), numbering connections with nextID.
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
	return &Analyzer{sink: sink, keys: keys, nextID: nextID, opt: opt,
		byCID: map[string]route{}, byAddr: map[addrPair]route{}, cidLens: map[int]int{},
		held: budget{max: opt.MaxHeldBytes}}
}

// Open reports the connections still open.
func (a *Analyzer) Open() int { return a.lru.Len() }

// Held reports the bytes all connections hold out of order.
func (a *Analyzer) Held() int64 { return a.held.held }

// Datagram takes one UDP datagram and reports whether it was QUIC (a
// packet of a known connection, or one that starts a connection).
func (a *Analyzer) Datagram(p *capture.Packet) bool {
	if p.UDP == nil || len(p.UDP.Payload) == 0 {
		return false
	}
	src, dst := p.UDPEndpoints()
	payload := p.UDP.Payload
	r, ok := a.find(payload, src, dst)
	switch {
	case ok && r.c.google:
		// gQUIC's connection ID is the same both ways: the addresses tell.
		r.dir = session.ClientToServer
		if src != r.c.client {
			r.dir = session.ServerToClient
		}
	case ok:
	case wire.LooksLikeQUIC(payload):
		if r, ok = a.start(p, payload, src, dst); !ok {
			return false
		}
	default:
		gh, ok := wire.ParseGoogle(payload)
		if !ok {
			return false
		}
		r = route{c: a.newGoogleConn(gh, src, dst, p.CI.Timestamp), dir: session.ClientToServer}
	}
	a.Stats.Datagrams++
	c := r.c
	a.lru.Touch(c.elem)
	c.last = p.CI.Timestamp
	a.learnAddr(c, src, dst, r.dir)
	pos := session.Position{Time: p.CI.Timestamp, Packet: p.Num}
	if c.publicHeader {
		a.googlePacket(c, r.dir, payload, pos)
		return true
	}
	for first := true; len(payload) > 0; first = false {
		if !first && !a.coalesced(c, r.dir, payload) {
			a.Stats.TrailingBytes += int64(len(payload))
			break
		}
		rest := a.packet(c, r.dir, payload, pos)
		if len(rest) == len(payload) {
			break
		}
		payload = rest
	}
	return true
}

// coalesced reports whether what follows a packet in its datagram is
// another packet of the connection (RFC 9000 section 12.2): a long header
// of a known version (compatible version negotiation changes it within a
// datagram), or a short header with one of its connection IDs; the fixed
// bit is not asked for, as peers may grease it (RFC 9287). Else
// it is padding or junk after the packet (Chrome pads Initial datagrams
// with zeros and random bytes), counted and not parsed.
func (a *Analyzer) coalesced(c *conn, d session.Dir, b []byte) bool {
	if wire.IsLong(b[0]) {
		return len(b) >= 7 && wire.Known(uint32(b[1])<<24|uint32(b[2])<<16|uint32(b[3])<<8|uint32(b[4]))
	}
	n := c.cidLen[d]
	if len(b) < 1+n {
		return false
	}
	if n == 0 {
		return b[0]&0x40 != 0
	}
	r, ok := a.byCID[string(b[1:1+n])]
	return ok && r.c == c
}

// start makes a connection for the first packet of a datagram that no
// connection owns: an Initial of a known version.
func (a *Analyzer) start(p *capture.Packet, payload []byte, src, dst netip.AddrPort) (route, bool) {
	h, _, err := wire.ParseLong(payload)
	if (err != nil && !errors.Is(err, wire.ErrTruncated)) || h.Type != wire.PacketInitial ||
		wire.LookupVersion(h.Version).Family != wire.FamilyIETF && !isGoogleIETF(h.Version) {
		return route{}, false
	}
	size := len(payload)
	if n := int(p.UDP.Length) - 8; n > size {
		size = n // the datagram as sent, when the capture cut it
	}
	if size < minClientInitial && src.Port() < dst.Port() {
		// A client pads its first Initial datagram to 1200 bytes (RFC
		// 9000 section 14.1), and servers have the lower port: this is
		// the server's, whose client's first Initial (and with it the
		// Initial keys) was not seen.
		return route{c: a.newConnAtServer(h, dst, src, p.CI.Timestamp), dir: session.ServerToClient}, true
	}
	return route{c: a.newConn(h, src, dst, p.CI.Timestamp), dir: session.ClientToServer}, true
}

// isGoogleIETF: Google versions with IETF Initial protection.
func isGoogleIETF(v uint32) bool {
	return v == 0x51303530 || v == 0x54303530 || v == 0x54303531
}

// find looks a datagram's first packet up by its destination connection
// ID, then by its addresses: zero-length connection IDs, and DCIDs the
// connection announced where they could not be seen (in an encrypted
// NEW_CONNECTION_ID frame), which are then learnt. A client Initial found by its
// addresses only belongs to the connection if it opens with the
// connection's Initial keys: else it starts a new connection on the same
// ports.
func (a *Analyzer) find(payload []byte, src, dst netip.AddrPort) (route, bool) {
	if wire.IsLong(payload[0]) {
		if len(payload) < 6 {
			return route{}, false
		}
		n := int(payload[5])
		if n > 0 && len(payload) >= 6+n {
			if r, ok := a.byCID[string(payload[6:6+n])]; ok {
				return r, true
			}
		}
		r, ok := a.byAddr[addrPair{src, dst}]
		if !ok {
			return route{}, false
		}
		if h, _, err := wire.ParseLong(payload); err == nil && h.Type == wire.PacketInitial && r.dir == session.ClientToServer {
			if !a.opensInitial(r.c, h) {
				return route{}, false
			}
		}
		if n > 0 && len(payload) >= 6+n {
			a.addCID(r.c, payload[6:6+n], r.dir)
		}
		return r, true
	}
	for n := range a.cidLens {
		if n > 0 && len(payload) >= 1+n {
			if r, ok := a.byCID[string(payload[1:1+n])]; ok {
				return r, true
			}
		}
	}
	if r, ok := a.byAddr[addrPair{src, dst}]; ok {
		// Zero-length connection IDs, or one the receiver handed out in
		// an encrypted NEW_CONNECTION_ID frame (quic-go switches at once):
		// the same addresses, and the length of the receiver's others.
		if n := r.c.cidLen[r.dir]; n > 0 && len(payload) >= 1+n {
			a.addCID(r.c, payload[1:1+n], r.dir)
		}
		return r, true
	}
	if payload[0]&0x40 != 0 && len(a.byCID) > 0 {
		a.Stats.UnknownShort++
	}
	return route{}, false
}

// opensInitial reports whether a client Initial decrypts with c's
// Initial keys.
func (a *Analyzer) opensInitial(c *conn, h wire.Header) bool {
	k := c.keys[levelInitial][session.ClientToServer]
	if k == nil || h.Version != c.version {
		return false
	}
	pkt, hdr, end, pn, err := a.unprotect(k, h, c.largest[0][session.ClientToServer])
	if err != nil {
		return false
	}
	_, err = k.Open(a.plain[:0], pn, pkt[:hdr], pkt[hdr:end])
	return err == nil
}

// newGoogleConn starts a gQUIC connection (Q046 and older: the public or
// Q046 header) at a client's packet that carries its version.
func (a *Analyzer) newGoogleConn(h wire.GoogleHeader, client, server netip.AddrPort, t time.Time) *conn {
	c := a.newConn(wire.Header{Version: h.Version, DCID: nil, SCID: nil}, client, server, t)
	c.google, c.publicHeader = true, true
	c.keys[levelInitial] = [2]*decrypt.QUICKeys{}
	c.cidLen = [2]int{len(h.CID), 0}
	a.addCID(c, h.CID, session.ClientToServer)
	return c
}

// googlePacket reports a gQUIC packet, reading the client's CHLO (in clear
// up to Q046) for the server name and user agent.
func (a *Analyzer) googlePacket(c *conn, d session.Dir, b []byte, pos session.Position) {
	a.Stats.Packets++
	c.info.Packets[d]++
	p := &session.QUICPacket{Type: wire.PacketGoogle, Version: c.version, Length: len(b)}
	if d == session.ClientToServer && len(c.info.CYU) < session.MaxCHLOs {
		a.chlo(c, b)
	}
	pos.Wire = b
	c.s.QUICPacket(d, p, nil, pos)
}

// chlo takes a client hello of Google QUIC crypto, if b holds one.
func (a *Analyzer) chlo(c *conn, b []byte) {
	ch, ok := wire.FindCHLO(b)
	if !ok {
		return
	}
	v := c.version
	cyu := fmt.Sprintf("%c%c,%s", byte(v>>8), byte(v), strings.Join(ch.Tags, "-"))
	sum := md5.Sum([]byte(cyu))
	c.info.CYU = append(c.info.CYU, session.CYU{String: cyu, Hash: hex.EncodeToString(sum[:])})
	if c.sawHello[session.ClientToServer] {
		return
	}
	c.sawHello[session.ClientToServer] = true
	c.s.SNI = ch.SNI
	c.info.UserAgent, c.info.CHLOTags = ch.UAID, ch.Tags
	c.info.AddHistory(session.ClientToServer, 'S')
}

// minClientInitial is the smallest UDP payload of a client's Initial.
const minClientInitial = 1200

// newConnAtServer starts a connection at the server's Initial: its
// client's first Initial was not captured, so neither the original DCID
// nor the Initial keys are known.
func (a *Analyzer) newConnAtServer(h wire.Header, client, server netip.AddrPort, t time.Time) *conn {
	c := a.newConn(wire.Header{Version: h.Version, DCID: nil, SCID: h.DCID}, client, server, t)
	c.keys[levelInitial] = [2]*decrypt.QUICKeys{}
	c.s.AddNote(session.ServerToClient, session.NoteQUICNoInitialKeys, 0, 0,
		"the client's first Initial packet was not captured: its DCID, from which the Initial keys come, is unknown")
	return c
}

// newConn starts a connection at a client's first Initial packet.
func (a *Analyzer) newConn(h wire.Header, client, server netip.AddrPort, t time.Time) *conn {
	if a.lru.Len() >= a.opt.MaxConns {
		if old, ok := a.lru.Oldest(); ok {
			a.Stats.Evicted++
			a.end(old, "evicted", t)
		}
	}
	a.Stats.Connections++
	sc := session.NewConn(a.nextID(), t, a.sink)
	sc.SetKeys(a.keys)
	sc.Transport = session.TransportQUIC
	info := &session.QUICInfo{Version: h.Version, VersionName: wire.LookupVersion(h.Version).Name,
		OriginalDCID: append([]byte(nil), h.DCID...), ClientSCID: append([]byte{}, h.SCID...)}
	sc.QUIC = info
	sc.BeginTLS()
	sc.SetEndpoints(client, server, false)
	c := &conn{s: sc, info: info, version: h.Version, client: client, server: server, last: t}
	for i := range c.largest {
		c.largest[i] = [2]int64{-1, -1}
	}
	c.cidLen = [2]int{len(h.DCID), len(h.SCID)}
	c.google = wire.LookupVersion(h.Version).Family == wire.FamilyGoogle && h.Version>>24 == 'Q'
	c.elem = a.lru.Push(c)
	a.deriveInitial(c, h.DCID)
	a.addCID(c, h.DCID, session.ClientToServer)
	a.addCID(c, h.SCID, session.ServerToClient)
	return c
}

func (a *Analyzer) deriveInitial(c *conn, dcid []byte) {
	cl, sv, err := decrypt.QUICInitialKeys(c.version, dcid)
	if err != nil {
		c.s.AddNote(session.ClientToServer, session.NoteQUICNoInitialKeys, 0, 0, err.Error())
		return
	}
	c.keys[levelInitial] = [2]*decrypt.QUICKeys{cl, sv}
}

// addCID registers a connection ID: packets that carry it as their DCID
// go in direction d.
func (a *Analyzer) addCID(c *conn, cid []byte, d session.Dir) {
	if len(cid) == 0 || len(c.cids) >= maxCIDsPerConn {
		return
	}
	k := string(cid)
	if _, ok := a.byCID[k]; ok {
		return
	}
	a.byCID[k] = route{c, d}
	a.cidLens[len(cid)]++
	c.cids = append(c.cids, k)
}

// learnAddr registers the address pair of a packet of c (migration and
// rebinding give new ones; zero-length connection IDs need them).
func (a *Analyzer) learnAddr(c *conn, src, dst netip.AddrPort, d session.Dir) {
	k := addrPair{src, dst}
	if r, ok := a.byAddr[k]; ok && r.c == c {
		return
	}
	if len(c.addrs) >= maxCIDsPerConn {
		return
	}
	a.byAddr[k] = route{c, d}
	a.byAddr[addrPair{dst, src}] = route{c, 1 - d}
	c.addrs = append(c.addrs, k)
}

// end ends connection c and forgets its routes.
func (a *Analyzer) end(c *conn, cause string, t time.Time) {
	for _, k := range c.cids {
		if r, ok := a.byCID[k]; ok && r.c == c {
			delete(a.byCID, k)
			if a.cidLens[len(k)]--; a.cidLens[len(k)] == 0 {
				delete(a.cidLens, len(k))
			}
		}
	}
	for _, k := range c.addrs {
		for _, kk := range []addrPair{k, {k.dst, k.src}} {
			if r, ok := a.byAddr[kk]; ok && r.c == c {
				delete(a.byAddr, kk)
			}
		}
	}
	a.lru.Remove(c.elem)
	for d := range c.crypto {
		for l := range c.crypto[d] {
			cs := &c.crypto[d][l]
			a.Stats.CryptoDrops += int64(cs.dropped)
			if cs.held > 0 || cs.dropped > 0 {
				c.s.AddNote(session.Dir(d), session.NoteQUICCryptoGap, cs.next, 0, fmt.Sprintf(
					"%d bytes of the %s CRYPTO stream came after a hole at offset %d that was never filled (%d more refused by the caps): the handshake messages there were not read",
					cs.held, levelName[l], cs.next, cs.dropped))
			}
		}
	}
	streamGapNotes(c)
	for d := range c.crypto {
		for l := range c.crypto[d] {
			c.crypto[d][l].release(&a.held)
		}
	}
	for _, st := range c.streams {
		st.dirs[0].release(&a.held)
		st.dirs[1].release(&a.held)
	}
	c.s.End(cause, t)
}

var levelName = [numLevels]string{"Initial", "0-RTT", "Handshake", "1-RTT"}

// streamGapNotes files, per direction, a note for the streams whose data
// stops at a hole (a packet lost, or not captured): the bytes after it
// are counted, never written.
func streamGapNotes(c *conn) {
	for d := range 2 {
		var n, held int
		var first uint64
		var firstOff uint64
		for id, st := range c.streams {
			h := &st.dirs[d]
			if h.held == 0 && h.dropped == 0 {
				continue
			}
			if n == 0 || id < first {
				first, firstOff = id, h.next
			}
			n++
			held += h.held + h.dropped
		}
		if n > 0 {
			c.s.AddNote(session.Dir(d), session.NoteQUICStreamGap, firstOff, 0, fmt.Sprintf(
				"%d streams stop at a hole (packets lost or not captured), stream %d first at offset %d; %d bytes after the holes are not in the plaintext",
				n, first, firstOff, held))
		}
	}
}

// FlushIdle ends the connections idle since before now - IdleTimeout,
// in connection id order.
func (a *Analyzer) FlushIdle(now time.Time) {
	for _, c := range a.lru.IdleSince(now.Add(-a.opt.IdleTimeout)) {
		a.end(c, c.endCause("idle"), c.last)
	}
}

// FlushAll ends every open connection, in connection id order.
func (a *Analyzer) FlushAll(t time.Time) {
	for _, c := range a.lru.All() {
		a.end(c, c.endCause("flush"), c.last)
	}
}

// hexCID is a connection ID as notes print it.
func hexCID(b []byte) string {
	if len(b) == 0 {
		return "(empty)"
	}
	return hex.EncodeToString(b)
}
