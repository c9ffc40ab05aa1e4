package session

// QUICInfo is what the QUIC transport tells of one connection, for its
// summary: the session state machine reads none of it.
type QUICInfo struct {
	Version      uint32 // of the packets that settled it (after Version Negotiation)
	VersionName  string // "QUIC v1", "QUIC v2", "draft-29", ...
	OriginalDCID []byte // the destination connection ID of the client's first Initial
	// Retry: the server sent a Retry; VersionNegotiation: it sent a Version
	// Negotiation packet.
	Retry, VersionNegotiation bool
	// By Dir: key updates followed, packets seen, packets decrypted
	// (Initial ones too: their keys come from OriginalDCID).
	KeyUpdates, Packets, DecryptedPackets [2]int
	// History holds the letters of Zeek's quic.log history, in the order
	// seen (upper case from the client), capped at MaxHistory.
	History []byte
}

// Transport names of Conn.Transport.
const (
	TransportTCP  = ""
	TransportQUIC = "quic"
	TransportDTLS = "dtls"
)
