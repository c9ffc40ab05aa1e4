package parser

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
