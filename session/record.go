package session

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/parser"
	dtlswire "github.com/ssldissect/ssldissect/parser/dtls"
)

// begin starts the event of one input of direction d (a record, or
// handshake bytes outside records), extending the connection's time span.
func (c *Conn) begin(d Dir, rec parser.Record, pos Position) *RecordEvent {
	t := pos.Time
	if c.Start.IsZero() || t.Before(c.Start) {
		c.Start = t
	}
	if t.After(c.EndTime) {
		c.EndTime = t
	}
	ev := eventPool.Get().(*RecordEvent)
	*ev = RecordEvent{Conn: c, Dir: d, Time: t, Packet: pos.Packet, Offset: pos.Offset, Record: rec, ContentType: rec.Type, DTLS: c.nextDTLS, Wire: pos.Wire}
	c.nextDTLS = nil
	c.ev = ev
	return ev
}

// eventPool holds the RecordEvents of records being processed: one is
// needed per goroutine at a time, not one per open connection.
var eventPool = sync.Pool{New: func() any { return new(RecordEvent) }}

// emit hands the event, its lists cut to the record caps, to the sink and
// forgets it.
func (c *Conn) emit(ev *RecordEvent) {
	c.capRecord(ev)
	c.sink.Record(ev)
	*ev = RecordEvent{} // keep nothing of the record alive
	c.ev = nil
	eventPool.Put(ev)
	c.crypto.putBuffer() // the plaintext went with the event
}

// record processes one record and hands it to the sink.
func (c *Conn) record(d Dir, rec parser.Record, pos Position) {
	c.Records[d]++
	ev := c.begin(d, rec, pos)
	defer c.emit(ev)

	if rec.SSLv2 {
		c.sslv2Record(ev)
		return
	}
	h := &c.dirs[d]
	protected := h.encrypted && (!c.Version.TLSEquivalent().IsTLS13() || rec.Type == parser.ContentTypeApplicationData)
	if ev.DTLS != nil {
		// DTLS says it in each record: epoch 0 is in clear.
		protected = ev.DTLS.Unified || ev.DTLS.Epoch != 0
	}
	if !protected && c.earlyData && d == ClientToServer && rec.Type == parser.ContentTypeApplicationData && c.crypto.dirs[d].Active() {
		protected = true // 0-RTT data, before the ServerHello
	}
	payload, typ := rec.Payload, rec.Type
	if protected && ev.DTLS != nil && !ev.DTLS.Unified {
		c.crypto.dirs[d].SetSequence(uint64(ev.DTLS.Epoch)<<48 | ev.DTLS.Seq)
	}
	if protected {
		var readable bool
		payload, typ, readable = c.unprotect(ev)
		if !readable {
			return
		}
	}
	c.content(ev, typ, payload)
}

// unprotect decrypts a protected record. readable is false when its content
// stays hidden (no key, or a MAC that does not verify): the record is then
// counted as opaque in the history.
func (c *Conn) unprotect(ev *RecordEvent) (payload []byte, typ parser.ContentType, readable bool) {
	d, rec := ev.Dir, ev.Record
	var pt []byte
	var inner parser.ContentType
	var mac decrypt.MACResult
	var ok bool
	if ev.DTLS != nil && ev.DTLS.Unified {
		pt, inner, mac, ok = c.decryptUnified(ev)
	} else {
		pt, inner, mac, ok = c.decryptRecord(d, rec, ev.DTLS)
	}
	if ok {
		ev.MAC = mac
		switch mac {
		case decrypt.MACOK:
			c.MACVerified++
		case decrypt.MACFailed:
			c.MACFailed++
			if !c.crypto.failNoted[d] {
				c.crypto.failNoted[d] = true
				ev.Notes = append(ev.Notes, c.recordNote(d, ev.Offset, ev.Packet, NoteMACFailed,
					fmt.Errorf("the record's MAC or tag does not verify: a wrong key, or a corrupted record (later failures in this direction are only counted)")))
			}
		}
	}
	// A record that does not verify stays opaque: CBC and stream ciphers
	// hand back their best-effort plaintext, garbage under a wrong key,
	// which must not reach the handshake reader.
	if !ok {
		if clear, ok := c.nullCipherPayload(rec.Payload); ok {
			// A NULL cipher protects nothing: the record is its content
			// and a MAC we cannot check without keys.
			ev.Readable = true
			c.crypto.countProtected(d, true, false)
			return clear, rec.Type, true
		}
	}
	if !ok || mac == decrypt.MACFailed {
		c.crypto.countProtected(d, false, mac == decrypt.MACFailed)
		c.opaque(ev)
		return nil, 0, false
	}
	c.crypto.countProtected(d, true, false)
	ev.Decrypted = true
	c.Decrypted = true
	ev.EarlyData = d == ClientToServer && c.crypto.dirs[d].EarlyData()
	if ev.DTLS != nil && ev.DTLS.Unified {
		ev.EarlyData = ev.DTLS.Epoch == 1
	}
	ev.ContentType = inner
	return pt, inner, true
}

// opaque records a protected record whose content could not be read.
func (c *Conn) opaque(ev *RecordEvent) {
	d := ev.Dir
	ev.Opaque = true
	c.opaqueRecord(d)
	switch ev.Record.Type {
	case parser.ContentTypeAlert:
		c.alert(ConnAlert{Dir: d, Encrypted: true}, ev)
		c.history(d, 'L')
	case parser.ContentTypeHandshake:
		c.history(d, 'F') // an encrypted handshake message: the Finished, most often
	case parser.ContentTypeApplicationData:
		c.appHistory(d)
	case parser.ContentTypeChangeCipherSpec:
		c.history(d, 'I')
	}
}

// content handles a record's content of type typ, in clear.
func (c *Conn) content(ev *RecordEvent, typ parser.ContentType, payload []byte) {
	d := ev.Dir
	switch typ {
	case parser.ContentTypeChangeCipherSpec:
		c.changeCipherSpecRecord(ev, payload)
	case parser.ContentTypeAlert:
		c.history(d, 'L')
		alerts, err := parser.ParseAlert(payload)
		if err != nil {
			ev.Notes = append(ev.Notes, c.recordNote(d, ev.Offset, ev.Packet, NoteBadAlert, err))
		}
		ev.Alerts = alerts
		for _, a := range alerts {
			c.alert(ConnAlert{Dir: d, Alert: a}, ev)
		}
	case parser.ContentTypeHandshake:
		c.dirs[d].lastType = parser.ContentTypeHandshake
		if ev.DTLS != nil && c.dtlsHandshake != nil {
			// A decrypted DTLS handshake record: fragments, which the
			// transport rebuilds into messages.
			payload = c.dtlsHandshake(d, payload, Position{Offset: ev.Offset, Time: ev.Time, Packet: ev.Packet})
		}
		c.handshake(ev, payload)
	case parser.ContentTypeApplicationData:
		c.applicationData(ev, payload)
	case parser.ContentTypeHeartbeat:
		c.heartbeat(ev, payload)
	case parser.ContentTypeACK:
		// DTLS 1.3 acknowledgements (RFC 9147 section 7): the record
		// numbers the peer received; nothing to reassemble.
		if c.Transport != TransportDTLS {
			ev.Notes = append(ev.Notes, c.recordNote(d, ev.Offset, ev.Packet, NoteUnknownContentType, fmt.Errorf("content type %d outside DTLS", ev.Record.Type)))
			break
		}
		acks, err := dtlswire.ParseACK(payload)
		if err != nil {
			ev.Notes = append(ev.Notes, c.recordNote(d, ev.Offset, ev.Packet, NoteDTLSBadRecord, err))
		}
		ev.ACKs = acks
	default:
		c.history(d, 'Q')
		ev.Notes = append(ev.Notes, c.recordNote(d, ev.Offset, ev.Packet, NoteUnknownContentType, fmt.Errorf("content type %d", ev.Record.Type)))
	}
}

// alert keeps an alert of ev's record in Alerts, up to MaxAlerts; the rest
// are counted in Dropped.Alerts.
func (c *Conn) alert(a ConnAlert, ev *RecordEvent) {
	if len(c.Alerts) < MaxAlerts {
		c.Alerts = append(c.Alerts, a)
		return
	}
	c.drop(&c.Dropped.Alerts, 1, func() Note {
		return Note{Code: NoteAlertsTruncated, Dir: a.Dir, HasDir: true, Offset: ev.Offset, Packet: ev.Packet,
			Detail: capDetail(MaxAlerts, "alerts", "alerts")}
	})
}

// changeCipherSpecRecord handles a change_cipher_spec record.
func (c *Conn) changeCipherSpecRecord(ev *RecordEvent, payload []byte) {
	d := ev.Dir
	c.history(d, 'I')
	if err := parser.ParseChangeCipherSpec(payload); err != nil {
		ev.Notes = append(ev.Notes, c.recordNote(d, ev.Offset, ev.Packet, NoteBadChangeCipherSpec, err))
	}
	// In TLS 1.3 change_cipher_spec is only for middlebox compatibility;
	// before a ServerHello (after a HelloRetryRequest, or with early data)
	// it switches nothing either. Without a ServerHello (not captured), a
	// client that does not offer TLS 1.3, or that sent a ClientKeyExchange,
	// is in TLS 1.2 or older.
	if c.Version.TLSEquivalent().IsTLS13() || !(c.ServerHello != nil || c.ClientHello == nil || c.clientKX || !c.ClientHello.MaxVersion().IsTLS13()) {
		return
	}
	if d == ServerToClient && c.ServerHello != nil && c.serverFlight == 0 && !c.Resumed {
		// Straight from ServerHello to change_cipher_spec: an abbreviated
		// handshake (session ticket, RFC 5077).
		c.Resumed = true
	}
	c.dirs[d].encrypted = true
	c.dirs[d].hs.Reset()
	c.changeCipherSpec(d)
}

// applicationData counts a record's application data into the plaintext
// stream (0-RTT data only once the server accepted it).
func (c *Conn) applicationData(ev *RecordEvent, payload []byte) {
	d := ev.Dir
	c.appHistory(d)
	if !ev.Decrypted && !ev.Readable {
		return
	}
	ev.Plaintext = payload
	switch {
	case !ev.EarlyData:
		c.PlaintextBytes[d] += int64(len(payload))
	case c.EarlyData == "accepted":
		c.PlaintextBytes[d] += int64(len(payload))
	default:
		c.EarlyData = "sent"
		c.earlyBytes += int64(len(payload))
	}
}

// heartbeat handles a heartbeat record, flagging Heartbleed probes.
func (c *Conn) heartbeat(ev *RecordEvent, payload []byte) {
	d := ev.Dir
	c.history(d, 'B')
	hb, err := parser.ParseHeartbeat(payload)
	if err != nil {
		ev.Notes = append(ev.Notes, c.recordNote(d, ev.Offset, ev.Packet, NoteBadHeartbeat, err))
		return
	}
	ev.Heartbeat = &hb
	if hb.Heartbleed {
		ev.Notes = append(ev.Notes, c.recordNote(d, ev.Offset, ev.Packet, NoteHeartbleed,
			fmt.Errorf("heartbeat payload_length %d needs %d bytes with its 16 bytes of padding, %d received",
				hb.PayloadLength, int(hb.PayloadLength)+16, hb.Actual)))
	}
}

func (c *Conn) appHistory(d Dir) {
	h := &c.dirs[d]
	if h.lastType == parser.ContentTypeApplicationData {
		return
	}
	h.lastType = parser.ContentTypeApplicationData
	c.history(d, 'D')
}

// recordNote makes a note for a record and files it with the connection.
func (c *Conn) recordNote(d Dir, offset, packet uint64, code NoteCode, err error) Note {
	n := Note{Code: code, Dir: d, HasDir: true, Offset: offset, Packet: packet, Detail: err.Error()}
	c.note(n)
	return n
}

// handshake feeds plaintext handshake bytes of ev's direction to the message
// reader and processes every message completed.
func (c *Conn) handshake(ev *RecordEvent, payload []byte) {
	h := &c.dirs[ev.Dir]
	if err := h.hs.Write(payload); err != nil {
		// A message above the caps is skipped by its declared length (its
		// bytes are never read as messages); only a reader that holds too
		// much stops.
		ev.Notes = append(ev.Notes, c.recordNote(ev.Dir, ev.Offset, ev.Packet, NoteHandshakeTooLarge, err))
		if h.hs.Broken() {
			h.hs.Reset()
			return
		}
	}
	for {
		typ, body, raw, err := h.hs.Next()
		if errors.Is(err, parser.ErrNeedMore) {
			return
		}
		if errors.Is(err, parser.ErrTooLarge) && !h.hs.Broken() {
			ev.Notes = append(ev.Notes, c.recordNote(ev.Dir, ev.Offset, ev.Packet, NoteHandshakeTooLarge, err))
			continue
		}
		if err != nil {
			ev.Notes = append(ev.Notes, c.recordNote(ev.Dir, ev.Offset, ev.Packet, NoteBadHandshake, err))
			h.hs.Reset()
			return
		}
		ctx := parser.Context{Version: c.Version.TLSEquivalent(), CipherSuite: c.CipherSuite, FromServer: ev.Dir == ServerToClient}
		msg, err := parser.ParseHandshake(typ, body, ctx)
		if err != nil {
			ev.Notes = append(ev.Notes, c.recordNote(ev.Dir, ev.Offset, ev.Packet, badMessage(typ), err))
		}
		if msg == nil {
			msg = &parser.RawMessage{Typ: typ, Body: bytes.Clone(body)}
		}
		ev.Messages = append(ev.Messages, msg)
		if f, ok := msg.(*parser.Finished); ok {
			c.verifyFinished(ev.Dir, f, ev)
		}
		if c.Transport == TransportDTLS {
			c.dtlsMsg = c.dtlsForm(ev.Dir, uint8(typ))
		}
		c.hsTranscript(ev.Dir, msg, raw)
		c.message(ev, msg)
		c.afterHandshakeMessage(ev.Dir, msg)
	}
}
