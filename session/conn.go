package session

import (
	"github.com/ssldissect/ssldissect/parser"

	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Dir is the direction of a record once the connection's roles are known.
type Dir uint8

const (
	ClientToServer Dir = iota
	ServerToClient
)

func (d Dir) String() string {
	if d == ClientToServer {
		return "c2s"
	}
	return "s2c"
}

// Side is a TCP direction as reassembly numbers it: Side 0 is sent by the TCP
// initiator (A), Side 1 by the responder (B). Which side is the TLS client is
// decided by the ClientHello, not by the SYN.
type Side uint8

// MACResult is the outcome of verifying a record's MAC or AEAD tag.
type MACResult uint8

const (
	MACNone   MACResult = iota // nothing to verify (plaintext, no keys, NULL MAC)
	MACOK                      // verified
	MACFailed                  // did not verify
)

func (m MACResult) String() string {
	switch m {
	case MACOK:
		return "ok"
	case MACFailed:
		return "failed"
	}
	return "none"
}

// Note is an anomaly: parsing goes on after it (STYLE rule 11).
type Note struct {
	Code   string
	Dir    Dir
	HasDir bool
	Offset uint64 // stream offset in Dir where it applies
	Packet uint64 // the packet that showed it, 0 when none in particular
	Detail string
}

// Positioner tells which packet carried a byte of the data passed to
// Conn.Data, and when.
type Positioner interface {
	At(off int) (t time.Time, packet uint64)
}

// RecordEvent is one record as it was on the wire, with what was decoded
// from it. It is handed to the Sink and must not be kept after Record
// returns: each Conn reuses one RecordEvent for all its records, so the Sink
// copies what it needs (report.Writer, report.Auditor and internal/oracle's
// collector do). The slices it points to (Messages, Alerts, Notes,
// Plaintext, Record.Payload) are not reused by the next record, but
// Record.Payload and Plaintext may point into buffers that are.
type RecordEvent struct {
	Conn   *Conn
	Dir    Dir
	Time   time.Time
	Packet uint64        // the packet that carried the record's last byte
	Offset uint64        // stream offset of the record header in Dir
	Record parser.Record // header fields; Payload is the bytes on the wire
	// ContentType is the record's type as far as it is known: for a TLS 1.3
	// record once decrypted, the inner type; else Record.Type.
	ContentType parser.ContentType
	// Opaque is set when the record is protected and was not decrypted.
	Opaque    bool
	Messages  []parser.Message
	Alerts    []parser.Alert
	Heartbeat *parser.Heartbeat
	Decrypted bool
	// Readable marks a record protected by a NULL cipher read without keys:
	// its content is in clear, its MAC unchecked.
	Readable bool
	// EarlyData marks the client's 0-RTT application data (TLS 1.3): its
	// plaintext belongs to the stream only if the server accepts it
	// (Conn.EarlyData).
	EarlyData bool
	MAC       MACResult
	// Plaintext is the decrypted application data (or, for SSLv2 and
	// plaintext records, nothing).
	Plaintext []byte
	Notes     []Note
}

// Sink receives the events of every connection, in the order they happen.
type Sink interface {
	Record(ev *RecordEvent)
	// End is called once per connection that carried SSL/TLS.
	End(c *Conn)
}

// ConnAlert is an alert seen in a connection.
type ConnAlert struct {
	Dir   Dir
	Alert parser.Alert
	// Encrypted is set for an alert that could not be read.
	Encrypted bool
}

// KeyExchangeInfo describes the negotiated key exchange as far as the
// handshake showed it.
type KeyExchangeInfo struct {
	Kind  string            // "ECDHE", "DHE", "RSA", ... (from the suite, or TLS 1.3 key_share)
	Group parser.NamedGroup // ECDHE group / TLS 1.3 key share group
	Bits  int               // DHE modulus bits, RSA (export) modulus bits
}

// Conn is one TCP connection's SSL/TLS state: it is fed the two byte streams
// and produces RecordEvents and, at the end, its summary (the exported
// fields).
type Conn struct {
	ID       uint64
	Client   netip.AddrPort // known once roles are decided
	Server   netip.AddrPort
	Start    time.Time
	EndTime  time.Time
	EndCause string

	// TLS is set once SSL/TLS was recognised in either direction.
	TLS bool
	// RolesGuessed is set when no ClientHello was seen and the client was
	// guessed from the ports.
	RolesGuessed bool
	// StartTLS names the plaintext protocol seen before TLS ("smtp", ...),
	// "" when TLS started at the first byte.
	StartTLS string

	ClientHello       *parser.ClientHello // the first ClientHello
	ServerHello       *parser.ServerHello // the ServerHello that settled the version (not a HelloRetryRequest)
	HelloRetryRequest bool
	Version           parser.Version
	CipherSuite       parser.CipherSuite
	V2CipherSpec      parser.SSLv2CipherSpec // SSL 2.0: the cipher kind of the CLIENT-MASTER-KEY
	KeyExchange       KeyExchangeInfo
	SNI               string
	ALPN              string
	ALPNOffered       []string
	JA3, JA3Full      string
	JA3S, JA3SFull    string
	JA4, JA4S         string
	Resumed           bool
	Decrypted         bool
	Records           [2]int   // indexed by Dir
	PlaintextBytes    [2]int64 // indexed by Dir
	MACVerified       int
	MACFailed         int
	Alerts            []ConnAlert
	Gaps              int
	Notes             []Note
	ServerCerts       []parser.CertInfo
	ClientCerts       []parser.CertInfo
	History           []byte
	// EarlyData tells what became of the client's 0-RTT data (TLS 1.3):
	// "" none seen, "sent" (the server's answer was not seen), "accepted",
	// or "rejected" (known from a HelloRetryRequest or from
	// EncryptedExtensions without early_data). Rejected early data is
	// shown in its records but is not part of the plaintext stream.
	EarlyData  string
	earlyBytes int64 // decrypted 0-RTT bytes awaiting the server's verdict

	crypto        connCrypto
	hrrPending    bool   // a HelloRetryRequest awaits the second ClientHello
	earlyData     bool   // the client's 0-RTT data is being decrypted
	serverCertDER []byte // the server's end-entity certificate
	serverFlight  int    // server handshake messages after the ServerHello
	clientKX      bool   // the client sent a ClientKeyExchange (so not TLS 1.3)

	sink     Sink
	ev       RecordEvent       // the event of the record being processed, reused (see RecordEvent)
	addrs    [2]netip.AddrPort // by Side
	halves   [2]half           // by Side
	client   int               // Side of the client, -1 until known
	sniffed  int               // plaintext bytes skipped while looking for TLS
	prefix   [2][]byte         // first plaintext bytes of each side, for naming STARTTLS
	dead     bool              // no TLS found: stop looking
	sawFirst bool
}

type halfMode uint8

const (
	modeSniff  halfMode = iota // looking for where TLS starts
	modeTLS                    // in record sync
	modeResync                 // lost sync after a gap or a bad header: looking for the next record
	modeSSLv2                  // the peer speaks SSLv2 records
)

// half is one direction's parsing state.
type half struct {
	mode      halfMode
	base      uint64 // stream offset of the next byte Data will see
	hs        parser.HandshakeReader
	encrypted bool // records are protected (after change_cipher_spec, or TLS 1.3 keys)
	lastType  parser.ContentType
	appRun    bool // last history letter was application data
}

// Limits on the search for TLS in a connection's first bytes.
const (
	maxSniffBytes = 256 << 10 // plaintext skipped (both sides) before giving up
	maxHistory    = 100       // letters in History, as Zeek caps ssl_history
	prefixKeep    = 64
)

// NewConn starts the state of one TCP connection; a is the initiator's
// address (Side 0), b the responder's.
func NewConn(id uint64, a, b netip.AddrPort, start time.Time, sink Sink) *Conn {
	return &Conn{ID: id, addrs: [2]netip.AddrPort{a, b}, Start: start, EndTime: start, client: -1, sink: sink}
}

func (c *Conn) dirOf(s Side) Dir {
	if c.client < 0 || int(s) == c.client {
		return ClientToServer
	}
	return ServerToClient
}

func (c *Conn) note(n Note) {
	const maxNotes = 64
	if len(c.Notes) < maxNotes {
		c.Notes = append(c.Notes, n)
	} else if len(c.Notes) == maxNotes {
		c.Notes = append(c.Notes, Note{Code: "notes_truncated", Detail: "further notes dropped"})
	}
}

// setRoles fixes which side is the client.
func (c *Conn) setRoles(client Side, guessed bool) {
	if c.client >= 0 {
		return
	}
	c.client = int(client)
	c.RolesGuessed = guessed
	c.Client = c.addrs[client]
	c.Server = c.addrs[1-client]
	if guessed {
		c.note(Note{Code: "roles_guessed", Detail: "no ClientHello seen: client taken to be " + c.Client.String()})
	}
}

// guessClient picks the client side from the ports when no hello tells: the
// side with the lower (well-known) port is the server.
func (c *Conn) guessClient() Side {
	p0, p1 := c.addrs[0].Port(), c.addrs[1].Port()
	if p0 < p1 && p0 < 1024 {
		return 1
	}
	return 0
}

// Data takes in-order bytes of one side (after any bytes left unconsumed
// last time) and returns how many it consumed.
func (c *Conn) Data(s Side, data []byte, pos Positioner) int {
	if c.dead {
		c.halves[s].base += uint64(len(data))
		return len(data)
	}
	h := &c.halves[s]
	off := 0
	for off < len(data) {
		var n int
		var stop bool
		switch h.mode {
		case modeSniff:
			n, stop = c.sniff(s, data[off:], pos, off)
		case modeResync:
			n, stop = c.resync(s, data[off:])
		case modeTLS:
			n, stop = c.records(s, data[off:], pos, off)
		case modeSSLv2:
			n, stop = c.sslv2Records(s, data[off:], pos, off)
		}
		off += n
		h.base += uint64(n)
		if stop || c.dead {
			break
		}
	}
	if c.dead && off < len(data) {
		h.base += uint64(len(data) - off)
		off = len(data)
	}
	return off
}

// sniff looks for where SSL/TLS starts in one side's bytes.
func (c *Conn) sniff(s Side, b []byte, pos Positioner, base int) (n int, stop bool) {
	h := &c.halves[s]
	keepPrefix := func(skipped []byte) {
		if len(c.prefix[s]) < prefixKeep {
			k := min(prefixKeep-len(c.prefix[s]), len(skipped))
			c.prefix[s] = append(c.prefix[s], skipped[:k]...)
		}
	}
	start := func(at int, mode halfMode) {
		keepPrefix(b[:at])
		if at > 0 || h.base > 0 {
			c.sniffed += at
		}
		h.mode = mode
		if !c.TLS {
			c.TLS = true
		}
		if h.base+uint64(at) > 0 && c.StartTLS == "" {
			c.StartTLS = guessStartTLS(c.prefix[0], c.prefix[1])
			_, p := pos.At(base + at)
			c.note(Note{Code: "starttls", Dir: c.dirOf(s), HasDir: true, Offset: h.base + uint64(at), Packet: p,
				Detail: fmt.Sprintf("TLS starts after %d plaintext bytes (%s)", h.base+uint64(at), c.StartTLS)})
		}
	}
	skip := func(upto int) (int, bool) {
		keepPrefix(b[:upto])
		c.sniffed += upto
		if c.sniffed > maxSniffBytes {
			c.dead = true
		}
		return upto, true
	}

	if c.client < 0 {
		// Looking for the client's first flight.
		if h.base == 0 && len(b) > 0 && b[0]&0x80 != 0 {
			// An SSLv2-format ClientHello, which FindHello (TLS records
			// only) does not look for.
			switch parser.Sniff(b) {
			case parser.VerdictSSLv2Hello:
				c.setRoles(s, false)
				start(0, modeSSLv2)
				return 0, false
			case parser.VerdictNeedMore:
				return 0, true
			}
		}
		{
			off, v := parser.FindHello(b, parser.HandshakeTypeClientHello)
			switch v {
			case parser.VerdictTLS:
				c.setRoles(s, false)
				start(off, modeTLS)
				return off, false
			case parser.VerdictSSLv2Hello:
				c.setRoles(s, false)
				start(off, modeSSLv2)
				return off, false
			case parser.VerdictNeedMore:
				// A 0x16 byte near the end of a short read may be the
				// start of a hello, or the capture may start inside a TLS
				// stream: skipping to it would lose the mid-stream check.
				if ok, need := recordChain(b); h.base == 0 && (ok || need) {
					break
				}
				return skip(off)
			}
			// A ServerHello tells the roles too, when the client's hello
			// was not captured (and TLS may start after a proxy exchange).
			switch off, v := parser.FindHello(b, parser.HandshakeTypeServerHello); v {
			case parser.VerdictTLS:
				c.setRoles(1-s, false)
				start(off, modeTLS)
				return off, false
			case parser.VerdictNeedMore:
				if ok, need := recordChain(b); h.base != 0 || !ok && !need {
					return skip(off)
				}
			}
			// No hello: is this the middle of a TLS stream (capture started late)?
			if h.base == 0 {
				if ok, need := recordChain(b); ok {
					c.setRoles(c.guessClient(), true)
					c.note(Note{Code: "midstream", Dir: c.dirOf(s), HasDir: true, Detail: "capture starts inside the TLS stream: no handshake seen"})
					if parser.ContentType(b[0]) == parser.ContentTypeApplicationData {
						// The handshake is over: every record is protected,
						// alerts included.
						c.halves[0].encrypted, c.halves[1].encrypted = true, true
					}
					start(0, modeTLS)
					return 0, false
				} else if need {
					return 0, true
				}
			}
			return skip(max(0, len(b)-4))
		}
	}

	// The other side, once the client is known: TLS starts at the first
	// plausible record (a ServerHello, or an alert refusing the hello).
	switch parser.Sniff(b) {
	case parser.VerdictTLS:
		start(0, modeTLS)
		return 0, false
	case parser.VerdictSSLv2Hello:
		start(0, modeSSLv2)
		return 0, false
	case parser.VerdictNeedMore:
		if len(b) < 16 {
			return 0, true
		}
	}
	if sslv2ServerHello(b) {
		start(0, modeSSLv2)
		return 0, false
	}
	off, v := parser.FindHello(b, parser.HandshakeTypeServerHello)
	switch v {
	case parser.VerdictTLS:
		start(off, modeTLS)
		return off, false
	case parser.VerdictNeedMore:
		return skip(off)
	}
	if c.client >= 0 && h.base == 0 {
		if ok, need := recordChain(b); ok {
			start(0, modeTLS)
			return 0, false
		} else if need {
			return 0, true
		}
	}
	return skip(max(0, len(b)-4))
}

// sslv2ServerHello reports whether b starts with an SSLv2 SERVER-HELLO
// record (2-byte header, message type 4), or with an SSLv2 ERROR record
// (type 0, 3 bytes: the server refusing the CLIENT-HELLO, e.g.
// NO-CIPHER-ERROR).
func sslv2ServerHello(b []byte) bool {
	if len(b) < 3 || b[0]&0x80 == 0 {
		return false
	}
	n := int(b[0]&0x7f)<<8 | int(b[1])
	return b[2] == 4 && n >= 11 || b[2] == 0 && n == 3
}

// plausibleHeader reports whether b starts with a plausible SSL 3.0/TLS
// record header, and the record's total length.
func plausibleHeader(b []byte) (int, bool) {
	if len(b) < 5 {
		return 0, false
	}
	t := parser.ContentType(b[0])
	if t < parser.ContentTypeChangeCipherSpec || t > parser.ContentTypeHeartbeat {
		return 0, false
	}
	if b[1] != 3 || b[2] > 4 {
		return 0, false
	}
	n := int(b[3])<<8 | int(b[4])
	if n == 0 || n > parser.MaxRecordLen {
		return 0, false
	}
	return 5 + n, true
}

// recordChain reports whether b starts with two plausible records in a row
// (or with one that ends exactly where b ends). need is set when b is too
// short to tell.
func recordChain(b []byte) (ok, need bool) {
	n, ok := plausibleHeader(b)
	if !ok {
		if len(b) < 5 {
			return false, true
		}
		return false, false
	}
	if len(b) == n {
		return true, false
	}
	if len(b) < n+5 {
		return false, true
	}
	_, ok = plausibleHeader(b[n:])
	return ok, false
}

// resync looks for the next record header after a loss of sync.
func (c *Conn) resync(s Side, b []byte) (n int, stop bool) {
	h := &c.halves[s]
	for i := 0; i+5 <= len(b); i++ {
		ok, need := recordChain(b[i:])
		if ok {
			h.mode = modeTLS
			c.note(Note{Code: "resync", Dir: c.dirOf(s), HasDir: true, Offset: h.base + uint64(i),
				Detail: fmt.Sprintf("record boundary found again after %d bytes", i)})
			return i, false
		}
		if need {
			if _, plausible := plausibleHeader(b[i:]); plausible {
				return i, true
			}
		}
	}
	return max(0, len(b)-4), true
}

// desync notes a bad record header and starts looking for the next one.
func (c *Conn) desync(s Side, err error, packet uint64) {
	h := &c.halves[s]
	c.note(Note{Code: "record_desync", Dir: c.dirOf(s), HasDir: true, Offset: h.base, Packet: packet, Detail: err.Error()})
	h.mode = modeResync
	h.hs.Reset()
}

// records splits one side's bytes into records and processes each.
func (c *Conn) records(s Side, b []byte, pos Positioner, base int) (n int, stop bool) {
	off := 0
	for off < len(b) {
		rec, m, err := parser.ParseRecord(b[off:])
		if errors.Is(err, parser.ErrNeedMore) {
			return off, true
		}
		if err != nil {
			_, p := pos.At(base + off)
			c.desync(s, err, p)
			return off, false
		}
		t, p := pos.At(base + off + m - 1)
		c.record(s, rec, c.halves[s].base+uint64(off), t, p)
		off += m
	}
	return off, true
}

// sslv2Records handles records framed with SSLv2 headers: the SSLv2-format
// ClientHello, and whole SSLv2 sessions.
func (c *Conn) sslv2Records(s Side, b []byte, pos Positioner, base int) (n int, stop bool) {
	h := &c.halves[s]
	off := 0
	for off < len(b) {
		if b[off]&0x80 == 0 && off+5 <= len(b) && c.Version != parser.VersionSSL20 {
			if _, ok := plausibleHeader(b[off:]); ok {
				// The peer moved on to SSL 3.0/TLS records after its v2 hello.
				h.mode = modeTLS
				return off, false
			}
		}
		rec, m, err := parser.ParseSSLv2Record(b[off:])
		if errors.Is(err, parser.ErrNeedMore) {
			return off, true
		}
		if err != nil {
			_, p := pos.At(base + off)
			c.desync(s, err, p)
			return off, false
		}
		t, p := pos.At(base + off + m - 1)
		c.record(s, rec, h.base+uint64(off), t, p)
		off += m
	}
	return off, true
}

// history appends Zeek's ssl_history letter for an event: upper case for
// the client, lower case for the server.
func (c *Conn) history(d Dir, letter byte) {
	if len(c.History) >= maxHistory {
		return
	}
	if d == ServerToClient {
		letter += 'a' - 'A'
	}
	c.History = append(c.History, letter)
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

// record processes one record and hands it to the sink.
func (c *Conn) record(s Side, rec parser.Record, offset uint64, t time.Time, packet uint64) {
	h := &c.halves[s]
	d := c.dirOf(s)
	if c.Start.IsZero() || t.Before(c.Start) {
		c.Start = t
	}
	if t.After(c.EndTime) {
		c.EndTime = t
	}
	c.Records[d]++
	ev := &c.ev
	*ev = RecordEvent{Conn: c, Dir: d, Time: t, Packet: packet, Offset: offset, Record: rec, ContentType: rec.Type}
	defer func() {
		c.sink.Record(ev)
		*ev = RecordEvent{} // keep nothing of the record alive
	}()

	if rec.SSLv2 {
		c.sslv2Record(s, ev)
		return
	}
	tls13 := c.Version.IsTLS13()
	protected := h.encrypted && (!tls13 || rec.Type == parser.ContentTypeApplicationData)
	if !protected && c.earlyData && d == ClientToServer && rec.Type == parser.ContentTypeApplicationData && c.crypto.read[d] != nil {
		protected = true // 0-RTT data, before the ServerHello
	}
	payload, typ := rec.Payload, rec.Type
	if protected {
		pt, inner, mac, ok := c.decryptRecord(d, rec)
		if ok {
			ev.MAC = mac
			switch mac {
			case MACOK:
				c.MACVerified++
			case MACFailed:
				c.MACFailed++
				if !c.crypto.failNoted[d] {
					c.crypto.failNoted[d] = true
					ev.Notes = append(ev.Notes, c.recordNote(d, offset, packet, "mac_failed",
						fmt.Errorf("the record's MAC or tag does not verify: a wrong key, or a corrupted record (later failures in this direction are only counted)")))
				}
			}
		}
		// A record that does not verify stays opaque: CBC and stream
		// ciphers hand back their best-effort plaintext, garbage under a
		// wrong key, which must not reach the handshake reader.
		if !ok {
			if clear, ok := c.nullCipherPayload(rec.Payload); ok {
				// A NULL cipher protects nothing: the record is its
				// content and a MAC we cannot check without keys.
				ev.Readable = true
				payload = clear
				goto content
			}
		}
		if !ok || mac == MACFailed {
			ev.Opaque = true
			c.opaqueRecord(d)
			switch rec.Type {
			case parser.ContentTypeAlert:
				c.Alerts = append(c.Alerts, ConnAlert{Dir: d, Encrypted: true})
				c.history(d, 'L')
			case parser.ContentTypeHandshake:
				c.history(d, 'F') // an encrypted handshake message: the Finished, most often
			case parser.ContentTypeApplicationData:
				c.appHistory(h, d)
			case parser.ContentTypeChangeCipherSpec:
				c.history(d, 'I')
			}
			return
		}
		ev.Decrypted = true
		c.Decrypted = true
		payload, typ = pt, inner
		ev.EarlyData = d == ClientToServer && c.crypto.early != nil && c.crypto.read[d] == c.crypto.early
		ev.ContentType = typ
	}

content:
	switch typ {
	case parser.ContentTypeChangeCipherSpec:
		c.history(d, 'I')
		if err := parser.ParseChangeCipherSpec(payload); err != nil {
			ev.Notes = append(ev.Notes, c.recordNote(d, offset, packet, "bad_change_cipher_spec", err))
		}
		// In TLS 1.3 change_cipher_spec is only for middlebox
		// compatibility; before a ServerHello (after a HelloRetryRequest,
		// or with early data) it switches nothing either. Without a
		// ServerHello (not captured), a client that does not offer TLS 1.3,
		// or that sent a ClientKeyExchange, is in TLS 1.2 or older.
		if !tls13 && (c.ServerHello != nil || c.ClientHello == nil || c.clientKX || !c.ClientHello.MaxVersion().IsTLS13()) {
			if d == ServerToClient && c.ServerHello != nil && c.serverFlight == 0 && !c.Resumed {
				// Straight from ServerHello to change_cipher_spec: an
				// abbreviated handshake (session ticket, RFC 5077).
				c.Resumed = true
			}
			h.encrypted = true
			h.hs.Reset()
			c.changeCipherSpec(d)
		}
	case parser.ContentTypeAlert:
		c.history(d, 'L')
		alerts, err := parser.ParseAlert(payload)
		if err != nil {
			ev.Notes = append(ev.Notes, c.recordNote(d, offset, packet, "bad_alert", err))
		}
		ev.Alerts = alerts
		for _, a := range alerts {
			c.Alerts = append(c.Alerts, ConnAlert{Dir: d, Alert: a})
		}
	case parser.ContentTypeHandshake:
		c.handshake(s, ev, payload)
	case parser.ContentTypeApplicationData:
		c.appHistory(h, d)
		if ev.Decrypted || ev.Readable {
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
	case parser.ContentTypeHeartbeat:
		c.history(d, 'B')
		hb, err := parser.ParseHeartbeat(payload)
		if err != nil {
			ev.Notes = append(ev.Notes, c.recordNote(d, offset, packet, "bad_heartbeat", err))
			break
		}
		ev.Heartbeat = &hb
		if hb.Heartbleed {
			ev.Notes = append(ev.Notes, c.recordNote(d, offset, packet, "heartbleed",
				fmt.Errorf("heartbeat payload_length %d exceeds the %d bytes received", hb.PayloadLength, hb.Actual)))
		}
	default:
		c.history(d, 'Q')
		ev.Notes = append(ev.Notes, c.recordNote(d, offset, packet, "unknown_content_type", fmt.Errorf("content type %d", rec.Type)))
	}
}

func (c *Conn) appHistory(h *half, d Dir) {
	if h.lastType == parser.ContentTypeApplicationData {
		return
	}
	h.lastType = parser.ContentTypeApplicationData
	c.history(d, 'D')
}

// recordNote makes a note for a record and files it with the connection.
func (c *Conn) recordNote(d Dir, offset, packet uint64, code string, err error) Note {
	n := Note{Code: code, Dir: d, HasDir: true, Offset: offset, Packet: packet, Detail: err.Error()}
	c.note(n)
	return n
}

// handshake feeds a plaintext handshake record to the message reader.
func (c *Conn) handshake(s Side, ev *RecordEvent, payload []byte) {
	h := &c.halves[s]
	h.lastType = parser.ContentTypeHandshake
	if err := h.hs.Write(payload); err != nil {
		ev.Notes = append(ev.Notes, c.recordNote(ev.Dir, ev.Offset, ev.Packet, "handshake_too_large", err))
		h.hs.Reset()
		return
	}
	for {
		typ, body, raw, err := h.hs.Next()
		if errors.Is(err, parser.ErrNeedMore) {
			return
		}
		if err != nil {
			ev.Notes = append(ev.Notes, c.recordNote(ev.Dir, ev.Offset, ev.Packet, "bad_handshake", err))
			h.hs.Reset()
			return
		}
		ctx := parser.Context{Version: c.Version, CipherSuite: c.CipherSuite, FromServer: ev.Dir == ServerToClient}
		msg, err := parser.ParseHandshake(typ, body, ctx)
		if err != nil {
			ev.Notes = append(ev.Notes, c.recordNote(ev.Dir, ev.Offset, ev.Packet, "bad_"+typ.String(), err))
		}
		if msg == nil {
			msg = &parser.RawMessage{Typ: typ, Body: bytes.Clone(body)}
		}
		ev.Messages = append(ev.Messages, msg)
		if f, ok := msg.(*parser.Finished); ok {
			c.verifyFinished(ev.Dir, f, ev)
		}
		c.hsTranscript(ev.Dir, msg, raw)
		c.message(s, ev, msg)
		c.afterHandshakeMessage(ev.Dir, msg)
	}
}

// message updates the connection's state from one handshake message.
func (c *Conn) message(s Side, ev *RecordEvent, msg parser.Message) {
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
		if !m.Partial {
			c.clientFingerprints(m)
		}
	case *parser.ServerHello:
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
			c.History[len(c.History)-1] = 'j'
			if v := m.SelectedVersion(); v.IsTLS13() {
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
		if c.Version.IsTLS13() {
			c.Resumed = m.Extension(parser.ExtPreSharedKey) != nil
			// Everything after the ServerHello is protected, both ways.
			c.halves[0].encrypted = true
			c.halves[1].encrypted = true
		} else if ch := c.ClientHello; ch != nil && len(ch.SessionID) > 0 && bytes.Equal(ch.SessionID, m.SessionID) {
			c.Resumed = true
		}
		c.keyExchangeFromHello(m) // after Resumed, which tells PSK_DHE from ECDHE
	case *parser.EncryptedExtensions:
		for i := range m.Extensions {
			if a, ok := m.Extensions[i].Parsed.(parser.ALPNExt); ok && len(a.Protocols) > 0 {
				c.ALPN = a.Protocols[0]
			}
		}
	case *parser.Certificate:
		infos := make([]parser.CertInfo, 0, len(m.Entries))
		for _, e := range m.Entries {
			infos = append(infos, e.Info)
		}
		if d == ServerToClient {
			if c.ServerCerts == nil {
				c.ServerCerts = infos
				if len(m.Entries) > 0 {
					c.serverCertDER = m.Entries[0].Data
				}
			}
		} else if c.ClientCerts == nil {
			c.ClientCerts = infos
		}
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

// keyExchangeFromHello fills what the ServerHello tells of the key exchange.
func (c *Conn) keyExchangeFromHello(m *parser.ServerHello) {
	info, _ := parser.CipherSuiteInfo(m.CipherSuite)
	c.KeyExchange.Kind = info.KeyExchange
	if !c.Version.IsTLS13() {
		return
	}
	if e := m.Extension(parser.ExtKeyShare); e != nil {
		if ks, ok := e.Parsed.(parser.KeyShareExt); ok && len(ks.Entries) > 0 {
			c.KeyExchange.Group = ks.Entries[0].Group
		}
	}
	switch {
	case c.KeyExchange.Group != 0 && c.Resumed:
		c.KeyExchange.Kind = "PSK_DHE"
	case c.KeyExchange.Group != 0:
		c.KeyExchange.Kind = "ECDHE"
		if g := c.KeyExchange.Group; g >= 256 && g <= 260 {
			c.KeyExchange.Kind = "DHE"
		}
	case m.Extension(parser.ExtPreSharedKey) != nil:
		c.KeyExchange.Kind = "PSK"
	}
}

// sslv2Record handles a record framed with an SSLv2 header: the
// SSLv2-format ClientHello of an SSL 3.0/TLS client, or a message of an SSL
// 2.0 session. In SSL 2.0 the client's records are encrypted after its
// CLIENT-MASTER-KEY and the server's once it has received it (both after a
// SERVER-HELLO with session-id-hit); those are opaque, since SSL 2.0 is not
// decrypted. Only the message types sent in clear (ERROR, CLIENT-HELLO,
// CLIENT-MASTER-KEY, SERVER-HELLO) are parsed before that.
func (c *Conn) sslv2Record(s Side, ev *RecordEvent) {
	p := ev.Record.Payload
	if len(p) == 0 {
		return
	}
	if p[0] == 1 && ev.Dir == ClientToServer && c.ClientHello == nil {
		ch, err := parser.ParseSSLv2ClientHello(p)
		if err != nil {
			ev.Notes = append(ev.Notes, c.recordNote(ev.Dir, ev.Offset, ev.Packet, "bad_sslv2_client_hello", err))
			return
		}
		ev.Messages = append(ev.Messages, ch)
		// The handshake hashes cover the SSLv2 message itself (RFC 5246 E.2).
		c.hsTranscript(ev.Dir, ch, p)
		c.message(s, ev, ch)
		c.afterHandshakeMessage(ev.Dir, ch)
		return
	}
	typ := parser.SSLv2MessageType(p[0])
	clear := typ == parser.SSLv2MessageTypeError || typ == parser.SSLv2MessageTypeClientHello ||
		typ == parser.SSLv2MessageTypeClientMasterKey || typ == parser.SSLv2MessageTypeServerHello
	if c.halves[s].encrypted || !clear {
		ev.Opaque, ev.ContentType = true, 0
		return
	}
	msg, err := parser.ParseSSLv2Message(p)
	if err != nil {
		// Most likely a record encrypted under keys exchanged where the
		// capture did not show it.
		ev.Notes = append(ev.Notes, c.recordNote(ev.Dir, ev.Offset, ev.Packet, "bad_"+typ.String(), err))
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
		c.note(Note{Code: "sslv2", Dir: ev.Dir, HasDir: true, Offset: ev.Offset, Packet: ev.Packet, Detail: "the server answered in SSL 2.0"})
		c.KeyExchange.Kind = "RSA" // every SSL 2.0 cipher kind
		c.Resumed = m.SessionIDHit
		if len(m.Certificate) > 0 && c.ServerCerts == nil {
			c.ServerCerts = []parser.CertInfo{m.CertInfo}
			c.serverCertDER = m.Certificate
		}
		if len(m.CipherSpecs) == 1 && c.V2CipherSpec == 0 {
			c.V2CipherSpec = m.CipherSpecs[0]
		}
		if m.SessionIDHit {
			// No CLIENT-MASTER-KEY: the session's keys are in use at once.
			c.halves[0].encrypted, c.halves[1].encrypted = true, true
		}
	case *parser.SSLv2ClientMasterKey:
		c.history(ev.Dir, 'G')
		if ev.Dir == ClientToServer {
			c.V2CipherSpec = m.CipherKind
			c.halves[0].encrypted, c.halves[1].encrypted = true, true
		}
	case *parser.SSLv2Error:
		c.history(ev.Dir, 'L')
	case *parser.ClientHello:
		c.history(ev.Dir, 'C')
	}
}

// Gap tells that n bytes of a side's stream, from stream offset start, are
// missing. That side loses record sync; the other side is unaffected.
func (c *Conn) Gap(s Side, start uint64, n int, t time.Time) {
	h := &c.halves[s]
	c.Gaps++
	if !c.dead {
		c.note(Note{Code: "gap", Dir: c.dirOf(s), HasDir: true, Offset: start,
			Detail: fmt.Sprintf("%d bytes missing", n)})
	}
	h.base = start + uint64(max(n, 0))
	h.hs.Reset()
	c.crypto.lost[c.dirOf(s)] = true
	if h.mode == modeTLS || h.mode == modeSSLv2 {
		h.mode = modeResync
	}
}

// AddNote files a note that a lower layer (reassembly) made about this
// connection.
func (c *Conn) AddNote(s Side, code string, offset, packet uint64, detail string) {
	c.note(Note{Code: code, Dir: c.dirOf(s), HasDir: true, Offset: offset, Packet: packet, Detail: detail})
}

// Close ends the connection: the summary goes to the sink if the connection
// carried SSL/TLS.
func (c *Conn) Close(cause string, t time.Time) {
	if t.After(c.EndTime) {
		c.EndTime = t
	}
	c.EndCause = cause
	if !c.TLS {
		return
	}
	if c.client < 0 {
		c.setRoles(c.guessClient(), true)
	}
	for s := range c.halves {
		if p := c.halves[s].hs.Pending(); p > 0 {
			c.note(Note{Code: "handshake_truncated", Dir: c.dirOf(Side(s)), HasDir: true,
				Detail: fmt.Sprintf("%d bytes of an incomplete handshake message at the end", p)})
		}
	}
	c.sink.End(c)
}

// guessStartTLS names the plaintext protocol that came before TLS from the
// first bytes each side sent.
func guessStartTLS(a, b []byte) string {
	for _, p := range [][]byte{a, b} {
		up := bytes.ToUpper(p)
		switch {
		case len(p) >= 8 && bytes.Equal(p[:8], []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}):
			return "postgresql"
		case bytes.HasPrefix(up, []byte("EHLO")) || bytes.HasPrefix(up, []byte("HELO")) || bytes.HasPrefix(p, []byte("220 ")) && bytes.Contains(up, []byte("SMTP")):
			return "smtp"
		case bytes.HasPrefix(p, []byte("* OK")) || bytes.Contains(up, []byte("STARTTLS\r\n")) && bytes.Contains(up, []byte(" CAPABILITY")):
			return "imap"
		case bytes.HasPrefix(p, []byte("+OK")) || bytes.HasPrefix(up, []byte("STLS")):
			return "pop3"
		case bytes.HasPrefix(up, []byte("AUTH TLS")) || bytes.HasPrefix(p, []byte("220-")) || bytes.HasPrefix(p, []byte("220 ")) && bytes.Contains(up, []byte("FTP")):
			return "ftp"
		case bytes.Contains(p, []byte("<stream:stream")) || bytes.Contains(p, []byte("<?xml")):
			return "xmpp"
		case bytes.Contains(p, []byte("1.3.6.1.4.1.1466.20037")):
			return "ldap"
		case len(p) >= 5 && p[3] == 0 && p[4] == 10:
			return "mysql" // protocol version 10 greeting
		}
	}
	for _, p := range [][]byte{a, b} {
		if bytes.HasPrefix(p, []byte("220")) {
			return "smtp"
		}
	}
	return "unknown"
}
