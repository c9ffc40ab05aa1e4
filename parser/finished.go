package parser

import "golang.org/x/crypto/cryptobyte"

// Finished (RFC 5246 7.4.9, RFC 8446 4.4.4).
type Finished struct {
	VerifyData []byte
}

func (*Finished) Type() HandshakeType { return HandshakeTypeFinished }

// NextProtocol is the NPN message (draft-agl-tls-nextprotoneg-04):
// the selected protocol and the length of its padding.
type NextProtocol struct {
	Protocol   string
	PaddingLen int
}

func (*NextProtocol) Type() HandshakeType { return HandshakeTypeNextProtocol }

// SupplementalData (RFC 4680).
type SupplementalData struct {
	Entries []SupplementalDataEntry
}

// SupplementalDataEntry is one SupplementalDataEntry.
type SupplementalDataEntry struct {
	Type uint16
	Data []byte
}

func (*SupplementalData) Type() HandshakeType { return HandshakeTypeSupplementalData }

func parseFinished(body []byte) (*Finished, error) {
	// verify_data is 12 bytes up to TLS 1.2, 36 in SSL 3.0, the hash length
	// in TLS 1.3; anything empty or implausibly long is malformed.
	if len(body) == 0 || len(body) > 64 {
		return nil, malformed("finished", "verify_data", 0)
	}
	return &Finished{VerifyData: clone(body)}, nil
}

func parseNextProtocol(body []byte) (*NextProtocol, error) {
	const layer = "next_protocol"
	s := cryptobyte.String(body)
	var proto, pad cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&proto) {
		return nil, malformed(layer, "selected_protocol", 0)
	}
	if !s.ReadUint8LengthPrefixed(&pad) || !s.Empty() {
		return nil, malformed(layer, "padding", 1+len(proto))
	}
	return &NextProtocol{Protocol: string(proto), PaddingLen: len(pad)}, nil
}

func parseSupplementalData(body []byte) (*SupplementalData, error) {
	const layer = "supplemental_data"
	s := cryptobyte.String(body)
	var list cryptobyte.String
	if !s.ReadUint24LengthPrefixed(&list) || list.Empty() || !s.Empty() {
		return nil, malformed(layer, "supp_data", 0)
	}
	m := &SupplementalData{}
	for !list.Empty() {
		var e SupplementalDataEntry
		var data cryptobyte.String
		off := len(body) - len(list)
		if !list.ReadUint16(&e.Type) || !list.ReadUint16LengthPrefixed(&data) {
			return nil, malformed(layer, "supp_data_entry", off)
		}
		e.Data = clone(data)
		m.Entries = append(m.Entries, e)
	}
	return m, nil
}
