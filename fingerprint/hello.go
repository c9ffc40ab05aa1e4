package fingerprint

import "github.com/ssldissect/ssldissect/parser"

// Transport letters of JA4's first character (JA4.md, "QUIC and DTLS").
const (
	TCP  byte = 't'
	QUIC byte = 'q'
	DTLS byte = 'd'
)

// FromClientHello extracts what JA3 and JA4 read from a ClientHello seen on
// transport (TCP, QUIC or DTLS).
func FromClientHello(m *parser.ClientHello, transport byte) *ClientInput {
	in := &ClientInput{Transport: transport, SSLv2: m.SSLv2, Version: uint16(m.LegacyVersion), SNI: m.SNI(), ALPN: m.ALPN()}
	for _, cs := range m.CipherSuites {
		in.CipherSuites = append(in.CipherSuites, uint16(cs))
	}
	for i := range m.Extensions {
		e := &m.Extensions[i]
		in.Extensions = append(in.Extensions, uint16(e.Type))
		switch x := e.Parsed.(type) {
		case parser.SupportedGroupsExt:
			for _, g := range x.Groups {
				in.SupportedGroups = append(in.SupportedGroups, uint16(g))
			}
		case parser.ECPointFormatsExt:
			for _, f := range x.Formats {
				in.ECPointFormats = append(in.ECPointFormats, uint8(f))
			}
		case parser.SignatureSchemesExt:
			if e.Type == parser.ExtSignatureAlgorithms {
				for _, s := range x.Schemes {
					in.SignatureAlgorithms = append(in.SignatureAlgorithms, uint16(s))
				}
			}
		case parser.SupportedVersionsExt:
			for _, v := range x.Versions {
				in.SupportedVersions = append(in.SupportedVersions, uint16(v))
			}
		}
	}
	return in
}

// FromServerHello extracts what JA3S and JA4S read from a ServerHello seen
// on transport.
func FromServerHello(m *parser.ServerHello, transport byte) *ServerInput {
	in := &ServerInput{Transport: transport, Version: uint16(m.LegacyVersion), CipherSuite: uint16(m.CipherSuite), ALPN: m.ALPN()}
	for i := range m.Extensions {
		e := &m.Extensions[i]
		in.Extensions = append(in.Extensions, uint16(e.Type))
		if sv, ok := e.Parsed.(parser.SupportedVersionsExt); ok {
			in.SelectedVersion = uint16(sv.Selected)
		}
	}
	return in
}
