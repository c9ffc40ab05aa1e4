package session

import (
	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/parser/quic"
)

// QUICInfo is what the QUIC transport tells of one connection, for its
// summary: the session state machine reads none of it.
type QUICInfo struct {
	Version      uint32 // of the packets that settled it (after Version Negotiation)
	VersionName  string // "QUIC v1", "QUIC v2", "draft-29", ...
	OriginalDCID []byte // the destination connection ID of the client's first Initial
	// ClientSCID is the source connection ID of the client's first
	// Initial; ServerSCID that of the server's first long-header packet
	// (nil until seen); RetrySCID the SCID of a Retry, which the client's
	// Initials then go to.
	ClientSCID, ServerSCID, RetrySCID []byte
	// Retry: the server sent a Retry; VersionNegotiation: it sent a Version
	// Negotiation packet.
	Retry, VersionNegotiation bool
	// Google QUIC: the client's CHLO named the browser (UAID) and listed
	// these tags.
	UserAgent string
	CHLOTags  []string
	// CYU is the fingerprint of each CHLO (up to MaxCHLOs; a client sends
	// another after the server's REJ) as Suricata and Cisco's Joy write
	// it.
	CYU []CYU
	// By Dir: key updates followed, packets seen, packets decrypted
	// (Initial ones too: their keys come from OriginalDCID).
	KeyUpdates, Packets, DecryptedPackets [2]int
	// History holds the letters of Zeek's quic.log history, in the order
	// seen (upper case from the client), capped at MaxHistory.
	History []byte
}

// CYU is a gQUIC CHLO's fingerprint: String is the version number, a
// comma and the tags joined by "-"; Hash its MD5 in hex.
type CYU struct{ String, Hash string }

// MaxCHLOs caps QUICInfo.CYU.
const MaxCHLOs = 4

// Transport names of Conn.Transport.
const (
	TransportTCP  = ""
	TransportQUIC = "quic"
	TransportDTLS = "dtls"
)

// AddHistory appends a letter to the QUIC history, upper case for the
// client, while there is room (MaxHistory, as for the TLS history).
func (q *QUICInfo) AddHistory(d Dir, letter byte) {
	if len(q.History) >= MaxHistory {
		return
	}
	if d == ServerToClient && letter >= 'A' && letter <= 'Z' {
		letter += 'a' - 'A'
	}
	q.History = append(q.History, letter)
}

// QUICPacket is one QUIC packet as the transport read it, for the
// packet's event (RecordEvent.QUIC).
type QUICPacket struct {
	Type    quic.PacketType
	Version uint32 // 0 for short headers
	DCID    []byte
	SCID    []byte
	// Token is the Initial's token or the Retry token; Versions the
	// versions a Version Negotiation packet offers.
	Token    []byte
	Versions []uint32
	// Length is the packet's length on the wire, header included.
	Length int
	// PN is the full packet number, when HasPN (header protection removed).
	PN    uint64
	HasPN bool
	// KeyPhase is the key phase bit of a 1-RTT packet.
	KeyPhase  bool
	Decrypted bool
	MAC       decrypt.MACResult
	// For a Retry, MAC tells of its integrity tag (none: a version
	// without a known tag key).
	// Frames are the packet's frames, up to MaxPacketFrames, without
	// their bulk data: the Length of a STREAM, CRYPTO or DATAGRAM frame is
	// the length of its data.
	Frames     []quic.Frame
	MoreFrames int // frames past the cap, not kept
	// H3 names, by index in Frames, what a STREAM frame at the start of
	// its stream begins with on an HTTP/3 connection: the type of a
	// unidirectional stream ("control", "qpack_encoder", ...) or the
	// first HTTP/3 frame of a request stream ("headers", ...).
	H3 map[int]string
	// Streams is the stream data the packet's STREAM frames made
	// contiguous: the next bytes, in order, of each stream (decrypted
	// packets only).
	Streams []QUICStreamData
	Notes   []Note
}

// QUICStreamData is the next bytes of one stream, in stream order, that
// a packet made contiguous; Fin: they end the stream.
type QUICStreamData struct {
	ID   uint64
	Data []byte
	Fin  bool
}

// MaxPacketFrames caps QUICPacket.Frames (a packet of 1-byte PINGs could
// hold 1,500).
const MaxPacketFrames = 64

// QUICHandshake is handshake data a QUIC packet's CRYPTO frames released:
// the next bytes, in order, of one encryption level's stream.
type QUICHandshake struct {
	Level Level
	Data  []byte
}

// QUICPacket reports one QUIC packet of direction d: its header, frames
// and the handshake bytes its CRYPTO frames made contiguous, which the
// session parses as messages. It is one event for the sink, with
// RecordEvent.QUIC set and Record an empty handshake record. The packet
// and its slices must stay valid until the call returns.
func (c *Conn) QUICPacket(d Dir, p *QUICPacket, hs []QUICHandshake, pos Position) {
	rec := parser.Record{Type: parser.ContentTypeHandshake, Version: parser.VersionTLS13}
	ev := c.begin(d, rec, pos)
	ev.QUIC = p
	ev.Decrypted = p.Decrypted
	ev.MAC = p.MAC
	ev.Notes = append(ev.Notes, p.Notes...)
	c.Records[d]++ // for QUIC: packets
	switch p.Type {
	case quic.Packet0RTT, quic.PacketHandshake, quic.Packet1RTT:
		// Protected with TLS secrets (Initials need none): what
		// decrypt_failure is about.
		c.crypto.countProtected(d, p.Decrypted, p.MAC == decrypt.MACFailed)
	}
	for _, s := range p.Streams {
		c.PlaintextBytes[d] += int64(len(s.Data))
	}
	for _, h := range hs {
		c.handshake(ev, h.Data)
	}
	c.emit(ev)
}

// DTLSRecordInfo is what a DTLS record's header says beside the fields
// of a TLS record (RecordEvent.DTLS).
type DTLSRecordInfo struct {
	// Epoch and Seq are the header's; for a DTLS 1.3 unified header, the
	// full values once the record is decrypted, else the low bits as sent
	// (Seq encrypted).
	Epoch   uint16
	Seq     uint64 // 48 bits
	Unified bool   // DTLS 1.3's unified header
	CID     []byte
	// For a unified header: the header as sent, where its sequence number
	// starts and its length in bytes, and the epoch's low two bits.
	Header    []byte
	SeqOffset int
	SeqLen    int
	EpochBits uint8
	rebuilt   bool // a unified header's Epoch and Seq are the full values
}

// DTLSRecord processes one DTLS record of direction d. For a handshake
// record in clear (epoch 0), hs holds the handshake bytes (in TLS framing: type,
// 24-bit length, body) that the record's fragments completed after the
// transport's reassembly, and they are parsed instead of the record's
// payload; other records go through as TLS records do. The event carries
// info.
func (c *Conn) DTLSRecord(d Dir, rec parser.Record, info DTLSRecordInfo, hs []byte, pos Position) {
	c.nextDTLS = &info
	if rec.Type == parser.ContentTypeHandshake && info.Epoch == 0 && !info.Unified {
		c.Records[d]++
		ev := c.begin(d, rec, pos)
		c.handshake(ev, hs)
		c.emit(ev)
	} else {
		c.record(d, rec, pos)
	}
	// A unified header's numbers are known once it is decrypted.
	if !info.Unified || info.rebuilt {
		c.dtlsSeqs[d].see(info.Epoch, info.Seq)
	}
}

// dtlsSeqs follows the sequence numbers of one direction's DTLS records,
// per epoch, to count the records that never came (RFC 6347 section
// 4.1: each record has its own number, retransmissions too).
type dtlsSeqs struct {
	epochs []epochSeqs
	over   int // records of epochs past maxSeqEpochs: not followed
}

type epochSeqs struct {
	epoch    uint16
	lo, hi   uint64
	received uint64
}

// maxSeqEpochs bounds the epochs followed per direction.
const maxSeqEpochs = 8

func (s *dtlsSeqs) see(epoch uint16, seq uint64) {
	for i := range s.epochs {
		e := &s.epochs[i]
		if e.epoch == epoch {
			e.lo, e.hi = min(e.lo, seq), max(e.hi, seq)
			e.received++
			return
		}
	}
	if len(s.epochs) >= maxSeqEpochs {
		s.over++
		return
	}
	s.epochs = append(s.epochs, epochSeqs{epoch: epoch, lo: seq, hi: seq, received: 1})
}

// lost is how many sequence numbers between the first and the last of
// each epoch no record had (a record seen twice, duplicated on the way,
// does not make up for a lost one beyond its epoch).
func (s *dtlsSeqs) lost() uint64 {
	var n uint64
	for _, e := range s.epochs {
		if span := e.hi - e.lo + 1; span > e.received {
			n += span - e.received
		}
	}
	return n
}

// SetDTLSHandshake gives the DTLS transport's rebuilding of handshake
// messages: f turns the plaintext of a decrypted DTLS handshake record
// (fragments with their DTLS headers) into the handshake bytes, in TLS
// framing, of the messages it completes.
func (c *Conn) SetDTLSHandshake(f func(d Dir, fragments []byte, pos Position) []byte) {
	c.dtlsHandshake = f
}
