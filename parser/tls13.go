package parser

import "golang.org/x/crypto/cryptobyte"

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

func parseNewSessionTicket(body []byte, ctx Context) (*NewSessionTicket, error) {
	switch {
	case ctx.Version.IsTLS13():
		return parseNewSessionTicket13(body)
	case ctx.Version != 0:
		return parseNewSessionTicket12(body)
	}
	// Unknown version: the TLS 1.3 layout is the stricter one.
	if m, err := parseNewSessionTicket13(body); err == nil {
		return m, nil
	}
	return parseNewSessionTicket12(body)
}

func parseNewSessionTicket12(body []byte) (*NewSessionTicket, error) {
	const layer = "new_session_ticket"
	s := cryptobyte.String(body)
	m := &NewSessionTicket{}
	var ticket cryptobyte.String
	if !s.ReadUint32(&m.Lifetime) {
		return nil, malformed(layer, "ticket_lifetime_hint", 0)
	}
	if !s.ReadUint16LengthPrefixed(&ticket) || !s.Empty() {
		return nil, malformed(layer, "ticket", 4)
	}
	m.Ticket = clone(ticket)
	return m, nil
}

func parseNewSessionTicket13(body []byte) (*NewSessionTicket, error) {
	const layer = "new_session_ticket"
	s := cryptobyte.String(body)
	off := func() int { return len(body) - len(s) }
	m := &NewSessionTicket{TLS13: true}
	var nonce, ticket, exts cryptobyte.String
	if !s.ReadUint32(&m.Lifetime) || !s.ReadUint32(&m.AgeAdd) {
		return nil, malformed(layer, "ticket_lifetime", off())
	}
	if !s.ReadUint8LengthPrefixed(&nonce) {
		return nil, malformed(layer, "ticket_nonce", off())
	}
	if !s.ReadUint16LengthPrefixed(&ticket) || ticket.Empty() {
		return nil, malformed(layer, "ticket", off())
	}
	base := off() + 2
	if !s.ReadUint16LengthPrefixed(&exts) || !s.Empty() {
		return nil, malformed(layer, "extensions", off())
	}
	m.Nonce, m.Ticket = clone(nonce), clone(ticket)
	var err error
	if m.Extensions, err = ParseExtensions(exts, HandshakeTypeNewSessionTicket); err != nil {
		return nil, rebase(err, layer, base)
	}
	return m, nil
}

func parseEncryptedExtensions(body []byte) (*EncryptedExtensions, error) {
	const layer = "encrypted_extensions"
	s := cryptobyte.String(body)
	var exts cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&exts) || !s.Empty() {
		return nil, malformed(layer, "extensions", 0)
	}
	m := &EncryptedExtensions{}
	var err error
	if m.Extensions, err = ParseExtensions(exts, HandshakeTypeEncryptedExtensions); err != nil {
		return nil, rebase(err, layer, 2)
	}
	return m, nil
}

// Extension returns the first extension of type t, or nil.
func (m *EncryptedExtensions) Extension(t ExtensionType) *Extension {
	return findExtension(m.Extensions, t)
}

// ALPN is the selected application protocol, "" when none.
func (m *EncryptedExtensions) ALPN() string { return alpnOf(m.Extensions) }

func parseKeyUpdate(body []byte) (*KeyUpdate, error) {
	s := cryptobyte.String(body)
	m := &KeyUpdate{}
	if !s.ReadUint8((*uint8)(&m.Request)) || !s.Empty() || m.Request > UpdateRequested {
		return nil, malformed("key_update", "request_update", 0)
	}
	return m, nil
}
