package session

import (
	"bytes"

	"github.com/ssldissect/ssldissect/parser"
)

// history appends Zeek's ssl_history letter for an event: upper case for
// the client, lower case for the server. Past MaxHistory letters, they are
// only counted, in Dropped.History.
func (c *Conn) history(d Dir, letter byte) {
	c.historyCapped = len(c.History) >= MaxHistory
	if c.historyCapped {
		c.drop(&c.Dropped.History, 1, func() Note {
			return Note{Code: NoteHistoryTruncated, Dir: d, HasDir: true, Offset: c.ev.Offset, Packet: c.ev.Packet,
				Detail: capDetail(MaxHistory, "history letters", "history")}
		})
		return
	}
	if d == ServerToClient {
		letter += 'a' - 'A'
	}
	c.History = append(c.History, letter)
}

// rewriteLastHistory replaces the letter the last history call appended
// (from, in either case) by to, in the same case; when that call found the
// history capped it appended nothing, and nothing is rewritten.
func (c *Conn) rewriteLastHistory(from, to byte) {
	n := len(c.History)
	if c.historyCapped || n == 0 {
		return
	}
	switch c.History[n-1] {
	case from:
		c.History[n-1] = to
	case from + 'a' - 'A':
		c.History[n-1] = to + 'a' - 'A'
	}
}

// handshakeLetters are Zeek's ssl_history letters for handshake messages.
var handshakeLetters = map[parser.HandshakeType]byte{
	parser.HandshakeTypeHelloRequest:        'H',
	parser.HandshakeTypeClientHello:         'C',
	parser.HandshakeTypeServerHello:         'S',
	parser.HandshakeTypeHelloVerifyRequest:  'V',
	parser.HandshakeTypeNewSessionTicket:    'T',
	parser.HandshakeTypeCertificate:         'X',
	parser.HandshakeTypeServerKeyExchange:   'K',
	parser.HandshakeTypeCertificateRequest:  'R',
	parser.HandshakeTypeServerHelloDone:     'N',
	parser.HandshakeTypeCertificateVerify:   'Y',
	parser.HandshakeTypeClientKeyExchange:   'G',
	parser.HandshakeTypeFinished:            'F',
	parser.HandshakeTypeCertificateURL:      'W',
	parser.HandshakeTypeCertificateStatus:   'U',
	parser.HandshakeTypeSupplementalData:    'A',
	parser.HandshakeTypeEndOfEarlyData:      'E',
	parser.HandshakeTypeEncryptedExtensions: 'O',
	parser.HandshakeTypeKeyUpdate:           'P',
	parser.HandshakeTypeMessageHash:         'M',
}

// message updates the connection's state from one handshake message.
func (c *Conn) message(ev *RecordEvent, msg parser.Message) {
	d := ev.Dir
	if d == ServerToClient && c.ServerHello != nil {
		c.serverFlight++
	}
	if d == ClientToServer && msg.Type() == parser.HandshakeTypeClientKeyExchange {
		c.clientKX = true
	}
	if l, ok := handshakeLetters[msg.Type()]; ok {
		c.history(d, l)
	} else {
		c.history(d, 'Z')
	}
	switch m := msg.(type) {
	case *parser.ClientHello:
		c.clientHello(m)
		c.connectionID(d, m.Extensions)
	case *parser.ServerHello:
		c.serverHello(m)
		if c.ServerHello == m {
			c.stapled(m.Extensions)
		}
		c.connectionID(d, m.Extensions)
	case *parser.EncryptedExtensions:
		c.connectionID(d, m.Extensions)
		for i := range m.Extensions {
			if a, ok := m.Extensions[i].Parsed.(parser.ALPNExt); ok && len(a.Protocols) > 0 {
				c.ALPN = a.Protocols[0]
			}
		}
	case *parser.Certificate:
		c.certificate(d, m)
	case *parser.CertificateStatus:
		c.certificateStatus(d, m)
	case *parser.ServerKeyExchange:
		switch {
		case len(m.DHP) > 0:
			c.KeyExchange.Bits = m.DHBits()
		case len(m.RSAModulus) > 0:
			c.KeyExchange.Bits = m.RSABits()
		case m.Group != 0:
			c.KeyExchange.Group = m.Group
		}
	}
}

// connectionID keeps the DTLS connection ID that a hello (DTLS 1.3: the
// server's EncryptedExtensions) of direction d asks for: the records sent
// to its sender carry it (RFC 9146 section 3, RFC 9147 section 9).
func (c *Conn) connectionID(d Dir, exts []parser.Extension) {
	if c.Transport != TransportDTLS {
		return
	}
	for i := range exts {
		if e, ok := exts[i].Parsed.(parser.ConnectionIDExt); ok {
			c.CIDs[1-d], c.CIDSet[1-d] = bytes.Clone(e.CID), true
		}
	}
}

// clientHello takes what the first ClientHello tells.
func (c *Conn) clientHello(m *parser.ClientHello) {
	if c.ClientHello != nil {
		return // after a HelloRetryRequest, or a renegotiation
	}
	// A partial hello (malformed after its random; ParseHandshake
	// returned it with the error noted as bad_client_hello) is kept as
	// c.ClientHello, Partial set, for what was read whole before the
	// damage: the version, random (key log lookup), session id and
	// cipher suites when their vectors were read, and SNI and ALPN when
	// their own extensions parsed (SNI and ALPN read only extensions
	// without Err). Its JA3/JA4 are not computed: a fingerprint of a
	// damaged hello would be a false identity (the oracle's
	// "malformed ClientHello" exceptions, where tshark hashes a partial
	// parse).
	c.ClientHello = m
	c.SNI = m.SNI()
	c.ALPNOffered = m.ALPN()
	if n := len(c.ALPNOffered); n > MaxALPNOffered {
		c.ALPNOffered = c.ALPNOffered[:MaxALPNOffered:MaxALPNOffered]
		c.drop(&c.Dropped.ALPNOffered, n-MaxALPNOffered, func() Note {
			return Note{Code: NoteALPNOfferedTruncated, Dir: ClientToServer, HasDir: true, Offset: c.ev.Offset, Packet: c.ev.Packet,
				Detail: capDetail(MaxALPNOffered, "protocols offered in ALPN", "alpn_offered")}
		})
	}
	if !m.Partial {
		c.clientFingerprints(m)
	}
	c.echClientHello(m)
}

// serverHello takes what the ServerHello settles (or notes a
// HelloRetryRequest).
func (c *Conn) serverHello(m *parser.ServerHello) {
	if m.Partial {
		// A partial ServerHello does not drive the handshake: the
		// version, suite and TLS 1.3 switch to encrypted records would
		// be a guess (a supported_versions after the damage changes
		// them all). Only a selected ALPN whose extension parsed is
		// taken; no JA3S/JA4S, as for a partial ClientHello.
		if p := m.ALPN(); p != "" && c.ServerHello == nil {
			c.ALPN = p
		}
		return
	}
	if m.IsHelloRetryRequest() {
		c.HelloRetryRequest = true
		c.earlyVerdict(false) // RFC 8446 4.2.10: a HelloRetryRequest rejects 0-RTT
		c.rewriteLastHistory('S', 'J')
		if v := m.SelectedVersion(); v.TLSEquivalent().IsTLS13() {
			c.Version = v
		}
		return
	}
	if c.ServerHello != nil {
		return // renegotiation: the first handshake names the connection
	}
	c.ServerHello = m
	c.Version = m.SelectedVersion()
	c.CipherSuite = m.CipherSuite
	if p := m.ALPN(); p != "" {
		c.ALPN = p
	}
	c.serverFingerprints(m)
	if c.Version.TLSEquivalent().IsTLS13() {
		c.Resumed = m.Extension(parser.ExtPreSharedKey) != nil
		// Everything after the ServerHello is protected, both ways.
		c.AssumeProtected()
	} else if ch := c.ClientHello; ch != nil && len(ch.SessionID) > 0 && bytes.Equal(ch.SessionID, m.SessionID) {
		c.Resumed = true
	}
	c.keyExchangeFromHello(m) // after Resumed, which tells PSK_DHE from ECDHE
}

// certificate keeps the first certificate chain each side sent, up to
// MaxCertificates of it; the rest are counted in Dropped.ServerCerts or
// Dropped.ClientCerts.
func (c *Conn) certificate(d Dir, m *parser.Certificate) {
	certs, dropped := &c.ClientCerts, &c.Dropped.ClientCerts
	if d == ServerToClient {
		certs, dropped = &c.ServerCerts, &c.Dropped.ServerCerts
	}
	if *certs != nil {
		return
	}
	n := min(len(m.Entries), MaxCertificates)
	infos := make([]parser.CertInfo, 0, n)
	for _, e := range m.Entries[:n] {
		infos = append(infos, e.Info)
	}
	*certs = infos
	if d == ServerToClient && len(m.Entries) > 0 {
		c.serverCertDER = m.Entries[0].Data
		c.serverChain(m, n)
	}
	c.drop(dropped, len(m.Entries)-n, func() Note {
		return Note{Code: NoteCertificatesTruncated, Dir: d, HasDir: true, Offset: c.ev.Offset, Packet: c.ev.Packet,
			Detail: capDetail(MaxCertificates, "certificates in the "+side(d).String()+"'s chain", side(d).String()+"_certificates")}
	})
}

// keyExchangeFromHello fills what the ServerHello tells of the key exchange.
func (c *Conn) keyExchangeFromHello(m *parser.ServerHello) {
	info, _ := parser.CipherSuiteInfo(m.CipherSuite)
	c.KeyExchange.Kind = info.KeyExchange
	if !c.Version.TLSEquivalent().IsTLS13() {
		return
	}
	if e := m.Extension(parser.ExtKeyShare); e != nil {
		if ks, ok := e.Parsed.(parser.KeyShareExt); ok && len(ks.Entries) > 0 {
			c.KeyExchange.Group = ks.Entries[0].Group
		}
	}
	switch {
	case c.KeyExchange.Group != 0 && c.Resumed:
		c.KeyExchange.Kind = parser.KeyExchangePSKDHE
	case c.KeyExchange.Group != 0:
		c.KeyExchange.Kind = parser.KeyExchangeECDHE
		if g := c.KeyExchange.Group; g >= 256 && g <= 260 {
			c.KeyExchange.Kind = parser.KeyExchangeDHE
		}
	case m.Extension(parser.ExtPreSharedKey) != nil:
		c.KeyExchange.Kind = parser.KeyExchangePSK
	}
}

// sslv2Record handles a record framed with an SSLv2 header: the
// SSLv2-format ClientHello of an SSL 3.0/TLS client, or a message of an SSL
// 2.0 session. In SSL 2.0 the client's records are encrypted after its
// CLIENT-MASTER-KEY and the server's once it has received it (both after a
// SERVER-HELLO with session-id-hit); those are opaque, since SSL 2.0 is not
// decrypted. Only the message types sent in clear (ERROR, CLIENT-HELLO,
// CLIENT-MASTER-KEY, SERVER-HELLO) are parsed before that.
func (c *Conn) sslv2Record(ev *RecordEvent) {
	p := ev.Record.Payload
	if len(p) == 0 {
		return
	}
	if p[0] == 1 && ev.Dir == ClientToServer && c.ClientHello == nil {
		ch, err := parser.ParseSSLv2ClientHello(p)
		if err != nil {
			ev.Notes = append(ev.Notes, c.recordNote(ev.Dir, ev.Offset, ev.Packet, NoteBadSSLv2ClientHello, err))
			return
		}
		ev.Messages = append(ev.Messages, ch)
		// The handshake hashes cover the SSLv2 message itself (RFC 5246
		// E.2); the transcript keeps it, and p is the transport's.
		c.hsTranscript(ev.Dir, ch, bytes.Clone(p))
		c.message(ev, ch)
		c.afterHandshakeMessage(ev.Dir, ch)
		return
	}
	typ := parser.SSLv2MessageType(p[0])
	clear := typ == parser.SSLv2MessageTypeError || typ == parser.SSLv2MessageTypeClientHello ||
		typ == parser.SSLv2MessageTypeClientMasterKey || typ == parser.SSLv2MessageTypeServerHello
	if c.dirs[ev.Dir].encrypted || !clear {
		ev.Opaque, ev.ContentType = true, 0
		c.crypto.countProtected(ev.Dir, false, false) // SSL 2.0 is not decrypted (decrypt_failure)
		return
	}
	msg, err := parser.ParseSSLv2Message(p)
	if err != nil {
		// Most likely a record encrypted under keys exchanged where the
		// capture did not show it.
		ev.Notes = append(ev.Notes, c.recordNote(ev.Dir, ev.Offset, ev.Packet, BadMessage(typ.String()), err))
		ev.Opaque, ev.ContentType = true, 0
		return
	}
	ev.Messages = append(ev.Messages, msg)
	switch m := msg.(type) {
	case *parser.SSLv2ServerHello:
		c.history(ev.Dir, 'S')
		if ev.Dir != ServerToClient || c.Version != 0 {
			return // the first hello that settled the version names the connection
		}
		c.Version = parser.VersionSSL20
		c.note(Note{Code: NoteSSLv2, Dir: ev.Dir, HasDir: true, Offset: ev.Offset, Packet: ev.Packet, Detail: "the server answered in SSL 2.0"})
		c.KeyExchange.Kind = parser.KeyExchangeRSA // every SSL 2.0 cipher kind
		c.Resumed = m.SessionIDHit
		if len(m.Certificate) > 0 && c.ServerCerts == nil {
			c.ServerCerts = []parser.CertInfo{m.CertInfo}
			c.serverCertDER = m.Certificate
			c.ServerChain = [][]byte{m.Certificate}
		}
		if len(m.CipherSpecs) == 1 && c.V2CipherSpec == 0 {
			c.V2CipherSpec = m.CipherSpecs[0]
		}
		if m.SessionIDHit {
			// No CLIENT-MASTER-KEY: the session's keys are in use at once.
			c.AssumeProtected()
		}
	case *parser.SSLv2ClientMasterKey:
		c.history(ev.Dir, 'G')
		if ev.Dir == ClientToServer {
			c.V2CipherSpec = m.CipherKind
			c.AssumeProtected()
		}
	case *parser.SSLv2Error:
		c.history(ev.Dir, 'L')
	case *parser.ClientHello:
		c.history(ev.Dir, 'C')
	}
}
