package session

import (
	"net/netip"
	"time"

	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/parser"
	dtlswire "github.com/ssldissect/ssldissect/parser/dtls"
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

// Note is an anomaly: parsing goes on after it (STYLE rule 11).
type Note struct {
	Code   NoteCode
	Dir    Dir
	HasDir bool
	Offset uint64 // stream offset in Dir where it applies
	Packet uint64 // the packet that showed it, 0 when none in particular
	Detail string
}

// RecordEvent is one record as it was on the wire, with what was decoded
// from it. It is handed to the Sink and must not be kept after Record
// returns: each Conn reuses one RecordEvent for all its records, so the Sink
// copies what it needs (report.Writer, report.Auditor and internal/oracle's
// collector do). Messages, Alerts and Notes are not reused by the next
// record; Record.Payload points into the transport's buffers, and
// Plaintext into a decryption buffer (decrypt.RecordProtection.Open) that
// goes back to a pool once the event is emitted, both reused.
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
	// ACKs are the record numbers a DTLS 1.3 ACK record acknowledges.
	ACKs      []dtlswire.RecordNumber
	Decrypted bool
	// Readable marks a record protected by a NULL cipher read without keys:
	// its content is in clear, its MAC unchecked.
	Readable bool
	// EarlyData marks the client's 0-RTT application data (TLS 1.3): its
	// plaintext belongs to the stream only if the server accepts it
	// (Conn.EarlyData).
	EarlyData bool
	MAC       decrypt.MACResult // the record's MAC or AEAD tag: none (plaintext, no keys, NULL MAC), ok, failed
	// Plaintext is the decrypted application data (or, for SSLv2 and
	// plaintext records, nothing).
	Plaintext []byte
	Notes     []Note
	// Dropped counts what the record caps (limits.go) left out of
	// Messages, Alerts and Notes.
	Dropped RecordDropped
	// QUIC is set for the event of a QUIC packet (Conn.QUICPacket):
	// Messages are those its CRYPTO frames completed; Record is empty.
	QUIC *QUICPacket
	// DTLS is set for a DTLS record's event (Conn.DTLSRecord).
	DTLS *DTLSRecordInfo
	// Wire is the record as captured, header and (still protected)
	// fragment, when the transport gave it (Position.Wire): a TCP record
	// whole even when it spanned segments, an SSLv2 record with its 2- or
	// 3-byte header, a DTLS record with its header (a DTLS 1.3 unified
	// header with its sequence number still encrypted), a QUIC packet with
	// its header protection still on. It points into the transport's
	// buffers, as Record.Payload does: a Sink that keeps it copies it.
	Wire []byte
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
	Kind  parser.KeyExchange // from the suite, or the TLS 1.3 key_share and pre_shared_key
	Group parser.NamedGroup  // ECDHE group / TLS 1.3 key share group
	Bits  int                // DHE modulus bits, RSA (export) modulus bits
}

// Position is where an input to a Conn was in its transport: the stream
// offset (TCP) of its first byte in its direction, and the packet that
// carried its last byte, with that packet's time.
type Position struct {
	Offset uint64
	Time   time.Time
	Packet uint64
	// Wire, when set, is the input's bytes as captured (RecordEvent.Wire):
	// a slice of the transport's buffer, never a copy.
	Wire []byte
}

// Conn is one connection's SSL/TLS state. A transport (transport/tcp,
// transport/quic, transport/dtls) feeds it through the transport
// interface (transport.go): SetEndpoints once the client is known, then
// Record for each TLS record framed on the wire (DTLSRecord for a DTLS
// record, QUICPacket for a QUIC packet, both with the handshake bytes
// they completed), Gap for lost bytes, AddNote for the transport's own
// anomalies and End once. It produces a
// RecordEvent per record and, at the end, its summary (the exported
// fields).
type Conn struct {
	ID       uint64
	Client   netip.AddrPort // known once roles are decided
	Server   netip.AddrPort
	Start    time.Time
	EndTime  time.Time
	EndCause string
	// Transport is TransportTCP (""), TransportQUIC or TransportDTLS; QUIC
	// is set by the QUIC transport.
	Transport string
	QUIC      *QUICInfo

	// CIDs are the DTLS connection IDs (RFC 9146) that the records of each
	// direction carry, as their receiver asked for them (CIDSet: known;
	// an empty CID: none).
	CIDs   [2][]byte
	CIDSet [2]bool

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
	Records           [2]int   // indexed by Dir; QUIC: packets
	PlaintextBytes    [2]int64 // indexed by Dir
	MACVerified       int
	MACFailed         int
	Alerts            []ConnAlert
	Gaps              int
	Notes             []Note
	ServerCerts       []parser.CertInfo
	ClientCerts       []parser.CertInfo
	ServerTrust       // the server chain's DER, OCSP staple and SCTs (trustdata.go)
	History           []byte
	// DecryptFailures says, for each direction whose protected records
	// all stayed encrypted, why (set at the end).
	DecryptFailures []DecryptFailure
	// Dropped counts what the caps of limits.go left out of the lists
	// above and of the records' lists.
	Dropped Dropped
	// Wire is what the connection's packets were on the wire (wire.go).
	Wire Wire
	// EarlyData tells what became of the client's 0-RTT data (TLS 1.3):
	// "" none seen, "sent" (the server's answer was not seen), "accepted",
	// or "rejected" (known from a HelloRetryRequest or from
	// EncryptedExtensions without early_data). Rejected early data is
	// shown in its records but is not part of the plaintext stream.
	EarlyData  string
	earlyBytes int64 // decrypted 0-RTT bytes awaiting the server's verdict
	// ECH is set when the first ClientHello carries an outer
	// encrypted_client_hello (ech.go).
	ECH        *ECHInfo
	outerHello []byte // the first ClientHello as hashed, until echClientHello takes it

	crypto   connCrypto
	nextDTLS *DTLSRecordInfo // for the event begin makes next
	// dtlsHandshake: see SetDTLSHandshake.
	dtlsHandshake func(d Dir, fragments []byte, pos Position) []byte
	dtlsForms     [2][][]byte // see DTLSTranscript
	dtlsSeqs      [2]dtlsSeqs // the records' sequence numbers, for the ones lost
	dtlsMsg       []byte      // the DTLS form of the message being processed
	dtlsCH        []byte      // the DTLS form of a ClientHello awaiting the version
	dtls13        bool        // the ServerHello chose DTLS 1.3
	hrrPending    bool        // a HelloRetryRequest awaits the second ClientHello
	earlyData     bool        // the client's 0-RTT data is being decrypted
	serverCertDER []byte      // the server's end-entity certificate
	serverFlight  int         // server handshake messages after the ServerHello
	clientKX      bool        // the client sent a ClientKeyExchange (so not TLS 1.3)

	sink     Sink
	ev       *RecordEvent // the event of the record being processed, nil between records
	dirs     [2]dirState  // by Dir
	rolesSet bool         // SetEndpoints was called
	// historyCapped: the last history letter was dropped (History full).
	historyCapped bool
	notesKept     int // notes in Notes but for the *_truncated ones
}

// dirState is one direction's protocol state.
type dirState struct {
	hs        parser.HandshakeReader
	encrypted bool // records are protected (after change_cipher_spec, or TLS 1.3 keys)
	lastType  parser.ContentType
}

// NewConn starts the state of one connection, first seen at start.
func NewConn(id uint64, start time.Time, sink Sink) *Conn {
	return &Conn{ID: id, Start: start, EndTime: start, sink: sink}
}

// note files a note with the connection, up to MaxNotes; the rest are
// counted in Dropped.Notes.
func (c *Conn) note(n Note) {
	if c.notesKept < MaxNotes {
		c.notesKept++
		c.Notes = append(c.Notes, n)
		return
	}
	c.drop(&c.Dropped.Notes, 1, func() Note {
		return Note{Code: NoteNotesTruncated, Detail: capDetail(MaxNotes, "notes", "notes")}
	})
}
