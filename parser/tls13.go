package parser

// NewSessionTicket in the TLS 1.2 form (RFC 5077 3.3: lifetime hint and
// ticket) or, with TLS13 set, the TLS 1.3 form (RFC 8446 4.6.1). The form is
// chosen by Context.Version; with an unknown version the TLS 1.3 form is
// tried first when the body parses as one.
type NewSessionTicket struct {
	TLS13      bool
	Lifetime   uint32 // ticket_lifetime_hint (TLS 1.2) or ticket_lifetime (TLS 1.3), seconds
	AgeAdd     uint32
	Nonce      []byte
	Ticket     []byte
	Extensions []Extension
}

func (*NewSessionTicket) Type() HandshakeType { return HandshakeTypeNewSessionTicket }

// MaxEarlyDataSize is the early_data extension's value, 0 when absent.
func (m *NewSessionTicket) MaxEarlyDataSize() uint32 {
	for _, e := range m.Extensions {
		if ed, ok := e.Parsed.(EarlyDataExt); ok && ed.HasMax {
			return ed.MaxEarlyDataSize
		}
	}
	return 0
}

// EncryptedExtensions (RFC 8446 4.3.1).
type EncryptedExtensions struct {
	Extensions []Extension
}

func (*EncryptedExtensions) Type() HandshakeType { return HandshakeTypeEncryptedExtensions }

// KeyUpdate (RFC 8446 4.6.3).
type KeyUpdate struct {
	Request KeyUpdateRequest
}

func (*KeyUpdate) Type() HandshakeType { return HandshakeTypeKeyUpdate }

// MessageHash is the synthetic message_hash message (RFC 8446 4.4.1); it
// only appears on the wire in broken or test traffic.
type MessageHash struct {
	Hash []byte
}

func (*MessageHash) Type() HandshakeType { return HandshakeTypeMessageHash }
