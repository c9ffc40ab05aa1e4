package report

import (
	"encoding/hex"
	"fmt"

	"github.com/ssldissect/ssldissect/internal/communityid"
	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// RecordOf maps a record event to its JSON form.
func RecordOf(ev *session.RecordEvent) Record { return recordOf(nil, ev) }

// recordOf is RecordOf with the handshake Objects taken from a.
func recordOf(a *objArena, ev *session.RecordEvent) Record {
	return recordWith(a, ev, false)
}

// recordWith is recordOf; with direct, the handshake messages are left
// for appendRecordJSON to write (Record.messages) rather than made into
// Objects.
func recordWith(a *objArena, ev *session.RecordEvent, direct bool) Record {
	r := Record{
		Type:          "record",
		Conn:          ev.Conn.ID,
		Dir:           ev.Dir.String(),
		Packet:        ev.Packet,
		Offset:        ev.Offset,
		ContentType:   recordContentType(ev),
		ContentTypeID: hex8(uint8(ev.ContentType)),
		Version:       ev.Record.Version.String(),
		VersionID:     hex16(uint16(ev.Record.Version)),
		Length:        len(ev.Record.Payload),
		SSLv2:         ev.Record.SSLv2,
		Encrypted:     ev.Opaque || ev.Decrypted || ev.Readable,
		NullCipher:    ev.Readable,
		Decrypted:     ev.Decrypted,
		EarlyData:     ev.EarlyData,
		MAC:           ev.MAC.String(),
		Plaintext:     len(ev.Plaintext),
	}
	if ev.Record.SSLv2 {
		r.ContentTypeID = ""
		if len(ev.Record.Payload) > 0 && !ev.Opaque { // an encrypted record's first byte is no type
			r.ContentTypeID = hex8(ev.Record.Payload[0])
		}
	}
	if direct {
		// appendRecordJSON writes the time stamp itself, and the names
		// and ids unchecked.
		r.ts, r.plain = ev.Time, true
	} else {
		r.TS = timeString(ev.Time)
	}
	if direct {
		r.messages, r.arena = ev.Messages, a
	} else {
		for _, m := range ev.Messages {
			r.Handshake = append(r.Handshake, messageObject(a, m))
		}
	}
	r.Alerts = make([]Alert, 0, len(ev.Alerts)) // never nil, "alerts":[]; no allocation when empty
	for _, a := range ev.Alerts {
		r.Alerts = append(r.Alerts, alertOf(a, ""))
	}
	for _, a := range ev.ACKs {
		r.ACKs = append(r.ACKs, RecordNumber{Epoch: a.Epoch, Seq: a.Seq})
	}
	if hb := ev.Heartbeat; hb != nil {
		r.Heartbeat = &Heartbeat{Type: hb.Type.String(), PayloadLength: int(hb.PayloadLength), Received: hb.Actual, Heartbleed: hb.Heartbleed}
	}
	for _, n := range ev.Notes {
		r.Notes = append(r.Notes, noteOf(n))
	}
	if d := ev.Dropped; d.Any() {
		r.Dropped = &RecordDropped{Handshake: d.Messages, Alerts: d.Alerts, Notes: d.Notes}
	}
	if x := ev.DTLS; x != nil {
		epoch, seq := x.Epoch, x.Seq
		r.Epoch, r.Seq = &epoch, &seq
		r.CID = hex.EncodeToString(x.CID)
	}
	return r
}

// recordContentType is Record.ContentType.
func recordContentType(ev *session.RecordEvent) string {
	switch {
	case ev.Record.SSLv2:
		return "sslv2"
	case ev.Opaque && ev.ContentType == parser.ContentTypeApplicationData && ev.Conn.Version.TLSEquivalent().IsTLS13():
		return "application_data"
	}
	return ev.ContentType.String()
}

func alertOf(a parser.Alert, dir string) Alert {
	return Alert{
		Dir:           dir,
		Level:         a.Level.String(),
		LevelID:       hex8(uint8(a.Level)),
		Description:   a.Description.String(),
		DescriptionID: hex8(uint8(a.Description)),
	}
}

func noteOf(n session.Note) Note {
	out := Note{Code: string(n.Code), Offset: n.Offset, Packet: n.Packet, Detail: n.Detail}
	if n.HasDir {
		out.Dir = n.Dir.String()
	}
	return out
}

// communityID is the Community ID v1 (seed 0) of the connection's flow:
// TCP, or UDP for QUIC and DTLS.
func communityID(c *session.Conn) string {
	proto := uint8(communityid.ProtoTCP)
	if c.Transport == session.TransportQUIC || c.Transport == session.TransportDTLS {
		proto = communityid.ProtoUDP
	}
	return communityid.V1(0, proto, c.Client, c.Server)
}

// ConnectionOf maps a finished connection to its JSON form.
func ConnectionOf(c *session.Conn) Connection {
	out := Connection{
		Type:              "connection",
		ID:                c.ID,
		Client:            c.Client.String(),
		Server:            c.Server.String(),
		CommunityID:       communityID(c),
		Start:             timeString(c.Start),
		End:               timeString(c.EndTime),
		EndCause:          c.EndCause,
		SNI:               c.SNI,
		ALPN:              c.ALPN,
		ALPNOffered:       nonNil(c.ALPNOffered),
		JA3:               c.JA3,
		JA3Full:           c.JA3Full,
		JA3S:              c.JA3S,
		JA3SFull:          c.JA3SFull,
		JA4:               c.JA4,
		JA4S:              c.JA4S,
		HelloRetryRequest: c.HelloRetryRequest,
		Resumed:           c.Resumed,
		EarlyData:         c.EarlyData,
		Decrypted:         c.Decrypted,
		StartTLS:          c.StartTLS,
		RolesGuessed:      c.RolesGuessed,
		Records:           PerDir{C2S: int64(c.Records[session.ClientToServer]), S2C: int64(c.Records[session.ServerToClient])},
		PlaintextBytes:    PerDir{C2S: c.PlaintextBytes[session.ClientToServer], S2C: c.PlaintextBytes[session.ServerToClient]},
		MAC:               MACCounts{Verified: c.MACVerified, Failed: c.MACFailed},
		Finished:          finishedOf(c.FinishedVerified()),
		Alerts:            []Alert{},
		Gaps:              c.Gaps,
		Notes:             []Note{},
		History:           string(c.History),
	}
	if c.Version != 0 {
		out.Version = c.Version.String()
		out.VersionID = hex16(uint16(c.Version))
	}
	for _, f := range c.DecryptFailures {
		out.DecryptFailure = append(out.DecryptFailure, DecryptFailure{Dir: f.Dir.String(), Code: f.Code, Detail: f.Detail})
	}
	out.Transport = c.Transport
	out.TCP, out.UDP = wireOf(c)
	out.ECH = echOf(c.ECH)
	if q := c.QUIC; q != nil {
		out.QUICConn = quicConnOf(q)
		out.History = string(q.History)
	}
	if c.ServerHello != nil {
		out.CipherSuite = c.CipherSuite.String()
		out.CipherSuiteID = hex16(uint16(c.CipherSuite))
	} else if c.V2CipherSpec != 0 {
		// SSL 2.0: a 3-byte cipher kind, no TLS suite id.
		out.CipherSuite = c.V2CipherSpec.String()
	}
	out.KeyExchange = string(c.KeyExchange.Kind)
	if c.KeyExchange.Group != 0 {
		out.KeyExchangeGroup = c.KeyExchange.Group.String()
	}
	out.KeyExchangeBits = c.KeyExchange.Bits
	for _, a := range c.Alerts {
		if a.Encrypted {
			out.Alerts = append(out.Alerts, Alert{Dir: a.Dir.String(), Level: "encrypted", Description: "encrypted", Encrypted: true})
			continue
		}
		out.Alerts = append(out.Alerts, alertOf(a.Alert, a.Dir.String()))
	}
	for _, n := range c.Notes {
		out.Notes = append(out.Notes, noteOf(n))
	}
	out.ServerCertificates = make([]Certificate, 0, len(c.ServerCerts))
	for _, ci := range c.ServerCerts {
		out.ServerCertificates = append(out.ServerCertificates, certificate(ci))
	}
	out.ClientCertificates = make([]Certificate, 0, len(c.ClientCerts))
	for _, ci := range c.ClientCerts {
		out.ClientCertificates = append(out.ClientCertificates, certificate(ci))
	}
	if c.Dropped.Any() {
		d := droppedOf(c.Dropped)
		out.Dropped = &d
	}
	out.Trust = trustFacts(c)
	return out
}

// wireOf is the "tcp" or "udp" object of c's wire figures (nil when the
// transport gave none).
func wireOf(c *session.Conn) (*TCPFigures, *UDPFigures) {
	w := &c.Wire
	if !w.Set {
		return nil, nil
	}
	perDir := func(v [2]uint64) PerDir {
		return PerDir{C2S: int64(v[session.ClientToServer]), S2C: int64(v[session.ServerToClient])}
	}
	if c.Transport == session.TransportQUIC || c.Transport == session.TransportDTLS {
		return nil, &UDPFigures{Datagrams: perDir(w.Packets), Bytes: perDir(w.Bytes)}
	}
	return &TCPFigures{Packets: perDir(w.Packets), Bytes: perDir(w.Bytes),
		PayloadBytes: perDir(w.PayloadBytes), Retransmissions: perDir(w.Retransmissions)}, nil
}

func droppedOf(d session.Dropped) Dropped {
	return Dropped{
		Alerts:             d.Alerts,
		Notes:              d.Notes,
		ServerCertificates: d.ServerCerts,
		ClientCertificates: d.ClientCerts,
		ALPNOffered:        d.ALPNOffered,
		History:            d.History,
		RecordHandshake:    d.RecordMessages,
		RecordAlerts:       d.RecordAlerts,
		RecordNotes:        d.RecordNotes,
	}
}

func finishedOf(v [2]int) Finished {
	name := func(x int) string {
		switch x {
		case 1:
			return "ok"
		case -1:
			return "failed"
		}
		return "unchecked"
	}
	return Finished{C2S: name(v[session.ClientToServer]), S2C: name(v[session.ServerToClient])}
}

func quicConnOf(q *session.QUICInfo) *QUICConn {
	perDir := func(v [2]int) PerDir {
		return PerDir{C2S: int64(v[session.ClientToServer]), S2C: int64(v[session.ServerToClient])}
	}
	var cyu []CYU
	for _, c := range q.CYU {
		cyu = append(cyu, CYU{String: c.String, Hash: c.Hash})
	}
	return &QUICConn{
		CYU:                cyu,
		QUICVersion:        fmt.Sprintf("0x%08x", q.Version),
		QUICVersionName:    q.VersionName,
		OriginalDCID:       hex.EncodeToString(q.OriginalDCID),
		ClientSCID:         hex.EncodeToString(q.ClientSCID),
		ServerSCID:         hex.EncodeToString(q.ServerSCID),
		Retry:              q.Retry,
		UserAgent:          q.UserAgent,
		CHLOTags:           q.CHLOTags,
		VersionNegotiation: q.VersionNegotiation,
		KeyUpdates:         perDir(q.KeyUpdates),
		Packets:            perDir(q.Packets),
		DecryptedPackets:   perDir(q.DecryptedPackets),
	}
}
