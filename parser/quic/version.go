package quic

import "fmt"

// Versions with their own wire images or key derivation.
const (
	VersionNegotiation uint32 = 0x00000000
	Version1           uint32 = 0x00000001 // RFC 9000
	Version2           uint32 = 0x6b3343cf // RFC 9369
	Draft29            uint32 = 0xff00001d
	Draft34            uint32 = 0xff000022
)

// Family tells how a version's packets are built and protected.
type Family uint8

const (
	FamilyUnknown Family = iota
	FamilyIETF           // v1, v2 and the IETF drafts: TLS 1.3 inside CRYPTO frames
	FamilyGoogle         // Google QUIC (Q0xx, T0xx): its own handshake, named only
)

// VersionInfo is what is known of a QUIC version number.
type VersionInfo struct {
	Family Family
	Name   string // "QUIC v1", "QUIC v2", "draft-29", "Q050", "T051", ...
	Draft  int    // the IETF draft number, 0 for RFC versions
}

// LookupVersion names version v. Reserved versions used to force version
// negotiation (0x?a?a?a?a, RFC 9000 section 15) are "reserved"; a version
// not known here has Family FamilyUnknown and its hex number as name.
func LookupVersion(v uint32) VersionInfo {
	switch {
	case v == Version1:
		return VersionInfo{Family: FamilyIETF, Name: "QUIC v1"}
	case v == Version2:
		return VersionInfo{Family: FamilyIETF, Name: "QUIC v2"}
	case v == VersionNegotiation:
		return VersionInfo{Name: "version negotiation"}
	case v>>8 == 0xff0000 && v&0xff >= 22 && v&0xff <= 34:
		d := int(v & 0xff)
		return VersionInfo{Family: FamilyIETF, Name: fmt.Sprintf("draft-%d", d), Draft: d}
	case v&0x0f0f0f0f == 0x0a0a0a0a:
		return VersionInfo{Name: "reserved"}
	case v == 0xfaceb001: // Facebook's mvfst, draft-22 wire image
		return VersionInfo{Family: FamilyIETF, Name: "mvfst-22", Draft: 22}
	case v == 0xfaceb002: // mvfst, draft-27 wire image
		return VersionInfo{Family: FamilyIETF, Name: "mvfst-27", Draft: 27}
	case v == 0xfaceb00e: // mvfst's experimental version, draft-27 wire image
		return VersionInfo{Family: FamilyIETF, Name: "mvfst-exp", Draft: 27}
	}
	// Google: 'Q' or 'T' followed by three ASCII digits.
	b := [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
	if (b[0] == 'Q' || b[0] == 'T') && isDigit(b[1]) && isDigit(b[2]) && isDigit(b[3]) {
		return VersionInfo{Family: FamilyGoogle, Name: string(b[:])}
	}
	return VersionInfo{Name: fmt.Sprintf("0x%08x", v)}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Known reports whether v is a version whose long headers this package
// decodes: the IETF ones, and the Google versions Q050 and T050 or later,
// whose long headers are those of the IETF drafts. (Q046 packs both
// connection ID lengths in one byte and has no Length field; Q043 and older
// have gQUIC's public header.)
func Known(v uint32) bool {
	i := LookupVersion(v)
	switch i.Family {
	case FamilyIETF:
		return true
	case FamilyGoogle:
		return googleNumber(v) >= 50
	}
	return false
}

// googleNumber is the three digits of a Google version as a number.
func googleNumber(v uint32) int {
	return int(byte(v>>16)-'0')*100 + int(byte(v>>8)-'0')*10 + int(byte(v)-'0')
}
