package parser

// Glue between the parsed hellos and the fingerprint functions of
// fingerprint.go, which take plain numbers so that they can be tested alone.

// FingerprintInput extracts what JA3 and JA4 read from a ClientHello.
func (m *ClientHello) FingerprintInput() *HelloFingerprintInput {
	in := &HelloFingerprintInput{Transport: 't', SSLv2: m.SSLv2, Version: uint16(m.LegacyVersion), SNI: m.SNI(), ALPN: m.ALPN()}
	for _, cs := range m.CipherSuites {
		in.CipherSuites = append(in.CipherSuites, uint16(cs))
	}
	for i := range m.Extensions {
		e := &m.Extensions[i]
		in.Extensions = append(in.Extensions, uint16(e.Type))
		switch x := e.Parsed.(type) {
		case SupportedGroupsExt:
			for _, g := range x.Groups {
				in.SupportedGroups = append(in.SupportedGroups, uint16(g))
			}
		case ECPointFormatsExt:
			for _, f := range x.Formats {
				in.ECPointFormats = append(in.ECPointFormats, uint8(f))
			}
		case SignatureSchemesExt:
			if e.Type == ExtSignatureAlgorithms {
				for _, s := range x.Schemes {
					in.SignatureAlgorithms = append(in.SignatureAlgorithms, uint16(s))
				}
			}
		case SupportedVersionsExt:
			for _, v := range x.Versions {
				in.SupportedVersions = append(in.SupportedVersions, uint16(v))
			}
		}
	}
	return in
}

// FingerprintInput extracts what JA3S and JA4S read from a ServerHello.
func (m *ServerHello) FingerprintInput() *ServerFingerprintInput {
	in := &ServerFingerprintInput{Transport: 't', Version: uint16(m.LegacyVersion), CipherSuite: uint16(m.CipherSuite), ALPN: m.ALPN()}
	for i := range m.Extensions {
		e := &m.Extensions[i]
		in.Extensions = append(in.Extensions, uint16(e.Type))
		if sv, ok := e.Parsed.(SupportedVersionsExt); ok {
			in.SelectedVersion = uint16(sv.Selected)
		}
	}
	return in
}

func (c *Conn) clientFingerprints(m *ClientHello) {
	in := m.FingerprintInput()
	c.JA3Full, c.JA3 = JA3(in)
	c.JA4 = JA4(in)
}

func (c *Conn) serverFingerprints(m *ServerHello) {
	in := m.FingerprintInput()
	c.JA3SFull, c.JA3S = JA3S(in)
	c.JA4S = JA4S(in)
}
