package quic

import (
	"bytes"
	"container/list"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/ssldissect/ssldissect/decrypt"
	wire "github.com/ssldissect/ssldissect/parser/quic"
	"github.com/ssldissect/ssldissect/session"
)

// Encryption levels, as indexes.
const (
	levelInitial = iota
	levelEarly
	levelHandshake
	levelApp
	numLevels
)

// sessionLevel maps an index to session.Level.
var sessionLevel = [numLevels]session.Level{session.LevelInitial, session.LevelEarly, session.LevelHandshake, session.LevelApplication}

// Packet number spaces (RFC 9000 section 12.3): 0-RTT and 1-RTT share one.
func space(level int) int {
	switch level {
	case levelInitial:
		return 0
	case levelHandshake:
		return 1
	}
	return 2
}

// conn is one QUIC connection's transport state.
type conn struct {
	s       *session.Conn
	info    *session.QUICInfo
	version uint32
	client  netip.AddrPort
	server  netip.AddrPort
	last    time.Time
	elem    *list.Element
	closed  bool // a CONNECTION_CLOSE was seen

	cids  []string   // registered connection IDs
	addrs []addrPair // registered address pairs
	// cidLen is the length of the DCIDs of each direction's packets.
	cidLen [2]int

	// keys by level and direction; 1-RTT has its phases beside.
	keys     [numLevels][2]*decrypt.QUICKeys
	phase    [2]bool              // the key phase bit of the current 1-RTT keys
	prevApp  [2]*decrypt.QUICKeys // the phase before, for late packets
	nextApp  [2]*decrypt.QUICKeys // derived on the first packet of a new phase
	noKeys   [numLevels][2]bool   // a note was filed for the missing keys
	largest  [3][2]int64          // by space and direction; -1: none yet
	crypto   [2][numLevels]cryptoStream
	sawHello [2]bool
	// retrySCID is the server's SCID of the verified Retry the client
	// followed: the Initial keys come from it after; retryCands are the
	// SCIDs of the verified Retries seen.
	retrySCID  []byte
	retryCands [][]byte
	// streams are the open streams' reassembly state; done the streams
	// finished (their FIN delivered), whose late retransmissions are
	// duplicates.
	streams       map[uint64]*streamState
	done          map[uint64]struct{}
	streamsCapped bool
	// google: a Google QUIC version (its own crypto, not TLS);
	// publicHeader: one older than Q050, without IETF packets.
	google, publicHeader bool
}

// streamState is one stream's reassembly, both directions (a stream id
// names one stream; each side sends its own half).
type streamState struct {
	dirs [2]struct {
		cryptoStream
		fin   bool
		final uint64
		ended bool
	}
}

// maxStreams caps the streams a connection reassembles at once, and the
// finished ones it remembers.
const maxStreams = 1 << 12

// streamData takes a STREAM frame of direction d and returns the data it
// made contiguous (a fresh slice) and whether that ends the stream.
func (c *conn) streamData(b *budget, d session.Dir, f *wire.Frame) (data []byte, fin, ok bool) {
	key := f.StreamID<<1 | uint64(d)
	if _, finished := c.done[key]; finished {
		return nil, false, false
	}
	st := c.streams[f.StreamID]
	if st == nil {
		if len(c.streams) >= maxStreams {
			if !c.streamsCapped {
				c.streamsCapped = true
				c.s.AddNote(d, session.NoteQUICStreamsCapped, 0, 0, fmt.Sprintf("more than %d streams open at once: the data of the others is not reassembled", maxStreams))
			}
			return nil, false, false
		}
		if c.streams == nil {
			c.streams, c.done = map[uint64]*streamState{}, map[uint64]struct{}{}
		}
		st = new(streamState)
		c.streams[f.StreamID] = st
	}
	h := &st.dirs[d]
	if f.Fin {
		h.fin, h.final = true, f.Offset+uint64(len(f.Data))
	}
	data, _ = h.addCapped(b, nil, f.Offset, f.Data, maxStreamPending, maxStreamWindow)
	if h.fin && h.next >= h.final && !h.ended {
		h.ended, fin = true, true
		if len(c.done) < 1<<16 {
			c.done[key] = struct{}{}
		}
		if st.dirs[1-d].ended { // both halves done: forget the stream
			st.dirs[0].release(b)
			st.dirs[1].release(b)
			delete(c.streams, f.StreamID)
		}
	}
	return data, fin, len(data) > 0 || fin
}

// ID and LastActive are what the list of open connections needs.
func (c *conn) ID() uint64            { return c.s.ID }
func (c *conn) LastActive() time.Time { return c.last }

func (c *conn) endCause(otherwise string) string {
	if c.closed {
		return "close"
	}
	return otherwise
}

// levelOf is the encryption level of a packet type.
func levelOf(t wire.PacketType) int {
	switch t {
	case wire.PacketInitial:
		return levelInitial
	case wire.Packet0RTT:
		return levelEarly
	case wire.PacketHandshake:
		return levelHandshake
	}
	return levelApp
}

// historyLetter is the Zeek quic.log letter of a packet type.
func historyLetter(t wire.PacketType) byte {
	switch t {
	case wire.PacketInitial:
		return 'I'
	case wire.Packet0RTT:
		return 'Z'
	case wire.PacketHandshake:
		return 'H'
	case wire.PacketRetry:
		return 'R'
	case wire.PacketVersionNegotiation:
		return 'V'
	}
	return 'O'
}

// packet processes the packet at the start of b, a datagram of c in
// direction d, and returns what follows it (a coalesced packet).
func (a *Analyzer) packet(c *conn, d session.Dir, b []byte, pos session.Position) []byte {
	a.Stats.Packets++
	c.info.Packets[d]++
	var h wire.Header
	var rest []byte
	var err error
	if wire.IsLong(b[0]) {
		h, rest, err = wire.ParseLong(b)
		if err == nil && len(h.DCID) > 0 {
			if r, ok := a.byCID[string(h.DCID)]; ok && r.c == c {
				d = r.dir
			}
		}
	} else {
		h, err = wire.ParseShort(b, c.cidLen[d])
	}
	p := &session.QUICPacket{Type: h.Type, Version: h.Version, DCID: clone(h.DCID), SCID: clone(h.SCID),
		Token: clone(h.Token), Versions: h.Versions, Length: len(h.Raw)}
	pos.Wire = h.Raw // the packet as captured: header protection on
	if err != nil {
		a.Stats.Malformed++
		p.Length = len(b)
		pos.Wire = b
		p.Notes = append(p.Notes, session.Note{Code: session.NoteQUICMalformed, Dir: d, HasDir: true, Packet: pos.Packet, Detail: err.Error()})
		c.s.QUICPacket(d, p, nil, pos)
		return nil
	}
	c.info.AddHistory(d, historyLetter(h.Type))
	switch h.Type {
	case wire.PacketVersionNegotiation:
		c.info.VersionNegotiation = true
		c.s.QUICPacket(d, p, nil, pos)
		return rest
	case wire.PacketRetry:
		a.retry(c, h, p)
		c.s.QUICPacket(d, p, nil, pos)
		return rest
	}
	if h.Long {
		if h.Version != c.version && h.Type == wire.PacketInitial {
			// Compatible version negotiation (RFC 9368), or the client's
			// second try after Version Negotiation: the keys follow.
			c.version, c.info.Version, c.info.VersionName = h.Version, h.Version, wire.LookupVersion(h.Version).Name
			a.deriveInitial(c, c.initialDCID())
		}
		if d == session.ServerToClient && c.info.ServerSCID == nil {
			c.info.ServerSCID = append([]byte{}, h.SCID...)
		}
		if d == session.ServerToClient && len(h.SCID) > 0 {
			a.addCID(c, h.SCID, session.ClientToServer)
			c.cidLen[session.ClientToServer] = len(h.SCID)
		}
		if d == session.ClientToServer && h.Type == wire.PacketInitial {
			c.cidLen[session.ServerToClient] = len(h.SCID)
			if len(c.retryCands) > 0 {
				a.followRetry(c, h.DCID)
			}
		}
	}
	hs := a.protected(c, d, h, p, pos)
	c.s.QUICPacket(d, p, hs, pos)
	a.afterPacket(c, d)
	return rest
}

// initialDCID is the DCID the Initial keys come from: the original one,
// or the server's SCID after a Retry.
func (c *conn) initialDCID() []byte {
	if c.retrySCID != nil {
		return c.retrySCID
	}
	return c.info.OriginalDCID
}

// retry handles a Retry: its tag is checked against the original DCID and
// the client's next Initials are protected with keys from the new one.
func (a *Analyzer) retry(c *conn, h wire.Header, p *session.QUICPacket) {
	c.info.Retry = true
	ok, checked := decrypt.VerifyQUICRetry(h.Version, c.info.OriginalDCID, h.Raw)
	switch {
	case h.RetryODCID != nil && !bytes.Equal(h.RetryODCID, c.info.OriginalDCID):
		// A draft Retry names the DCID it answers.
		p.Notes = append(p.Notes, session.Note{Code: session.NoteQUICRetryTag, Dir: session.ServerToClient, HasDir: true,
			Detail: "the Retry names original DCID " + hexCID(h.RetryODCID) + ", not the client's " + hexCID(c.info.OriginalDCID)})
		return
	case !checked:
		p.MAC = decrypt.MACNone
	case ok:
		p.MAC = decrypt.MACOK
	default:
		p.MAC = decrypt.MACFailed
		p.Notes = append(p.Notes, session.Note{Code: session.NoteQUICRetryTag, Dir: session.ServerToClient, HasDir: true,
			Detail: "the Retry integrity tag does not verify against the original DCID " + hexCID(c.info.OriginalDCID)})
		return
	}
	// The client follows the first Retry it accepts and ignores the
	// others (RFC 9000 section 17.2.5.2), so each valid one is only a
	// candidate: the keys follow the DCID of its next Initials.
	a.addCID(c, h.SCID, session.ClientToServer)
	if len(c.retryCands) < 4 {
		c.retryCands = append(c.retryCands, append([]byte(nil), h.SCID...))
	}
}

// followRetry switches the Initial keys when a client Initial goes to the
// SCID of a Retry: its keys come from that DCID (RFC 9001 section 5.2).
func (a *Analyzer) followRetry(c *conn, dcid []byte) {
	if bytes.Equal(dcid, c.retrySCID) {
		return
	}
	for _, cand := range c.retryCands {
		if bytes.Equal(cand, dcid) {
			c.retrySCID = cand
			c.info.RetrySCID = cand
			a.deriveInitial(c, cand)
			return
		}
	}
}

// protected removes the protection of an Initial, 0-RTT, Handshake or
// 1-RTT packet, parses its frames and returns the handshake bytes its
// CRYPTO frames made contiguous.
func (a *Analyzer) protected(c *conn, d session.Dir, h wire.Header, p *session.QUICPacket, pos session.Position) []session.QUICHandshake {
	level := levelOf(h.Type)
	k := a.keysFor(c, level, d)
	if k == nil {
		a.Stats.NoKeys++
		if !c.noKeys[level][d] && level != levelInitial && !c.google {
			c.noKeys[level][d] = true
			c.s.AddNote(d, session.NoteQUICNoKeys, 0, pos.Packet, a.noKeysDetail(c, level, d))
		}
		return nil
	}
	sp := space(level)
	pkt, hdr, end, pn, err := a.unprotect(k, h, c.largest[sp][d])
	if err != nil {
		p.Notes = append(p.Notes, session.Note{Code: session.NoteQUICMalformed, Dir: d, HasDir: true, Packet: pos.Packet, Detail: err.Error()})
		a.Stats.Malformed++
		return nil
	}
	p.PN, p.HasPN = pn, true
	if level == levelApp {
		p.KeyPhase = pkt[0]&0x04 != 0
		k = a.phaseKeys(c, d, p.KeyPhase, pn, pkt[:hdr], pkt[hdr:end])
	}
	var plain []byte
	if k != nil {
		plain, err = k.Open(a.plain[:0], pn, pkt[:hdr], pkt[hdr:end])
	}
	if k == nil || err != nil {
		a.Stats.AuthFailed++
		c.s.MACFailed++
		p.MAC = decrypt.MACFailed
		return nil
	}
	a.plain = plain
	a.Stats.Decrypted++
	c.s.MACVerified++
	c.info.DecryptedPackets[d]++
	p.Decrypted, p.MAC = true, decrypt.MACOK
	if int64(pn) > c.largest[sp][d] {
		c.largest[sp][d] = int64(pn)
	}
	if level == levelApp || level == levelEarly {
		c.s.Decrypted = true
	}
	if c.google {
		// Q050: gQUIC frames (not RFC 9000's) inside IETF packets; the
		// client's CHLO is in clear once the Initial is decrypted.
		if d == session.ClientToServer && len(c.info.CYU) < session.MaxCHLOs {
			a.chlo(c, plain)
		}
		return nil
	}
	frames, more, ferr := wire.ParseFrames(plain, maxFramesParsed)
	if ferr != nil {
		p.Notes = append(p.Notes, session.Note{Code: session.NoteQUICBadFrame, Dir: d, HasDir: true, Packet: pos.Packet, Detail: ferr.Error()})
	}
	var out []session.QUICHandshake
	a.hsBuf = a.hsBuf[:0]
	for i := range frames {
		f := &frames[i]
		if !f.Type.AllowedIn(h.Type) {
			p.Notes = append(p.Notes, session.Note{Code: session.NoteQUICFrameNotAllowed, Dir: d, HasDir: true, Packet: pos.Packet,
				Detail: fmt.Sprintf("a %v frame in a %v packet", f.Type, h.Type)})
		}
		switch f.Type {
		case wire.FrameCrypto:
			start := len(a.hsBuf)
			a.hsBuf, _ = c.crypto[d][level].add(&a.held, a.hsBuf, f.Offset, f.Data)
			if len(a.hsBuf) > start {
				out = append(out, session.QUICHandshake{Level: sessionLevel[level], Data: a.hsBuf[start:len(a.hsBuf):len(a.hsBuf)]})
			}
		case wire.FrameNewConnectionID:
			a.addCID(c, f.ConnectionID, 1-d)
		case wire.FrameStream, wire.FrameStream + 1, wire.FrameStream + 2, wire.FrameStream + 3,
			wire.FrameStream + 4, wire.FrameStream + 5, wire.FrameStream + 6, wire.FrameStream + 7:
			if data, fin, ok := c.streamData(&a.held, d, f); ok {
				p.Streams = append(p.Streams, session.QUICStreamData{ID: f.StreamID, Data: data, Fin: fin})
			}
		case wire.FrameConnectionClose, wire.FrameConnectionCloseApp:
			c.closed = true
			c.info.AddHistory(d, 'C')
		}
	}
	if len(frames) > session.MaxPacketFrames {
		more += len(frames) - session.MaxPacketFrames
		frames = frames[:session.MaxPacketFrames]
	}
	if strings.HasPrefix(c.s.ALPN, "h3") {
		for i := range frames {
			if name := h3Start(&frames[i]); name != "" {
				if p.H3 == nil {
					p.H3 = map[int]string{}
				}
				p.H3[i] = name
			}
		}
	}
	p.Frames, p.MoreFrames = keepFrames(frames), more
	return out
}

// h3Start names what a STREAM frame at offset 0 starts its stream with
// (RFC 9114 section 6.2 and 7.2): a unidirectional stream's type, or a
// request stream's first frame; "" for any other frame.
func h3Start(f *wire.Frame) string {
	if !f.Type.IsStream() || f.Offset != 0 || len(f.Data) == 0 {
		return ""
	}
	v, n := wire.ReadVarint(f.Data)
	if n == 0 {
		return ""
	}
	if f.StreamID&0x2 != 0 {
		return "stream " + wire.H3StreamTypeName(v)
	}
	return "frame " + wire.H3FrameTypeName(v)
}

// keepFrames makes the frames of a packet's event independent of the
// buffers they were read from: the bulk data of STREAM, CRYPTO and
// DATAGRAM frames is left out (Length holds its length), the rest copied.
func keepFrames(fs []wire.Frame) []wire.Frame {
	for i := range fs {
		f := &fs[i]
		switch {
		case f.Type == wire.FrameCrypto || f.Type.IsStream() || f.Type == wire.FrameDatagram || f.Type == wire.FrameDatagramLen:
			f.Length, f.Data = len(f.Data), nil
		default:
			f.Data = clone(f.Data)
		}
		f.Reason, f.Token = clone(f.Reason), clone(f.Token)
		f.ConnectionID, f.StatelessResetToken = clone(f.ConnectionID), clone(f.StatelessResetToken)
	}
	return fs
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// unprotect copies a long or short header packet into the scratch buffer
// and removes its header protection with k: the packet, where its header
// and its protected payload end, and the full packet number, given the
// largest one of its space so far (-1 for none).
func (a *Analyzer) unprotect(k *decrypt.QUICKeys, h wire.Header, largest int64) (pkt []byte, hdr, end int, pn uint64, err error) {
	end = h.PNOffset + h.Length
	a.scratch = append(a.scratch[:0], h.Raw[:end]...)
	pnLen, trunc, err := k.Unprotect(a.scratch, h.PNOffset)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	return a.scratch, h.PNOffset + pnLen, end, wire.DecodePacketNumber(largest, trunc, pnLen), nil
}

// phaseKeys picks the 1-RTT keys of a packet's key phase (RFC 9001
// section 6): the current phase, the next one (a key update, counted once
// a packet opens with it) or the previous one (a late packet).
func (a *Analyzer) phaseKeys(c *conn, d session.Dir, phase bool, pn uint64, hdr, payload []byte) *decrypt.QUICKeys {
	cur := c.keys[levelApp][d]
	if phase == c.phase[d] {
		return cur
	}
	if c.nextApp[d] == nil {
		next, err := cur.NextPhase()
		if err != nil {
			return nil
		}
		c.nextApp[d] = next
	}
	// A packet of the other phase: the next keys if it opens with them,
	// else the previous phase's.
	if _, err := c.nextApp[d].Open(nil, pn, hdr, payload); err == nil {
		c.prevApp[d], c.keys[levelApp][d], c.nextApp[d] = cur, c.nextApp[d], nil
		c.phase[d] = phase
		c.info.KeyUpdates[d]++
		return c.keys[levelApp][d]
	}
	return c.prevApp[d]
}

// keysFor returns the keys of a level and direction, looking the secrets
// up in the key log once the handshake has shown the client random and
// the suite; nil when there are none.
func (a *Analyzer) keysFor(c *conn, level int, d session.Dir) *decrypt.QUICKeys {
	if k := c.keys[level][d]; k != nil || level == levelInitial || a.keys == nil || a.keys.Log == nil {
		return k
	}
	ch := c.s.ClientHello
	if ch == nil {
		return nil
	}
	label := secretLabel(level, d)
	if label == "" {
		return nil
	}
	secrets := a.keys.Log.LookupAll(label, ch.Random[:])
	if len(secrets) == 0 {
		return nil
	}
	var suites []uint16
	if sh := c.s.ServerHello; sh != nil {
		suites = []uint16{uint16(sh.CipherSuite)}
	} else {
		for _, cs := range ch.CipherSuites {
			if cs>>8 == 0x13 {
				suites = append(suites, uint16(cs))
			}
		}
	}
	for _, s := range suites {
		for _, secret := range secrets {
			if k, err := decrypt.NewQUICKeys(c.version, s, secret); err == nil {
				c.keys[level][d] = k
				return k
			}
		}
	}
	return nil
}

func secretLabel(level int, d session.Dir) string {
	switch {
	case level == levelEarly && d == session.ClientToServer:
		return decrypt.LabelClientEarlyTrafficSecret
	case level == levelHandshake && d == session.ClientToServer:
		return decrypt.LabelClientHandshakeTrafficSecret
	case level == levelHandshake:
		return decrypt.LabelServerHandshakeTrafficSecret
	case level == levelApp && d == session.ClientToServer:
		return decrypt.LabelClientTrafficSecret0
	case level == levelApp:
		return decrypt.LabelServerTrafficSecret0
	}
	return ""
}

func (a *Analyzer) noKeysDetail(c *conn, level int, d session.Dir) string {
	what := [numLevels]string{"Initial", "0-RTT", "Handshake", "1-RTT"}[level]
	switch {
	case a.keys == nil || a.keys.Log.Where() == "":
		return fmt.Sprintf("%s packets are protected with TLS secrets and no key log was given", what)
	case c.s.ClientHello == nil:
		return fmt.Sprintf("%s packets before any ClientHello: no client random to find their secrets by", what)
	}
	return fmt.Sprintf("no %s for client random %x in %s", secretLabel(level, d), c.s.ClientHello.Random, a.keys.Log.Where())
}

// afterPacket notes the hellos in the history, as Zeek does ('S' for the
// client's, 's' for the server's).
func (a *Analyzer) afterPacket(c *conn, d session.Dir) {
	if !c.sawHello[d] {
		if (d == session.ClientToServer && c.s.ClientHello != nil) || (d == session.ServerToClient && c.s.ServerHello != nil) {
			c.sawHello[d] = true
			c.info.AddHistory(d, 'S')
		}
	}
}
