package session

import (
	"github.com/ssldissect/ssldissect/fingerprint"
	"github.com/ssldissect/ssldissect/parser"
)

func (c *Conn) clientFingerprints(m *parser.ClientHello) {
	in := fingerprint.FromClientHello(m, fingerprint.TCP)
	c.JA3Full, c.JA3 = fingerprint.JA3(in)
	c.JA4 = fingerprint.JA4(in)
}

func (c *Conn) serverFingerprints(m *parser.ServerHello) {
	in := fingerprint.FromServerHello(m, fingerprint.TCP)
	c.JA3SFull, c.JA3S = fingerprint.JA3S(in)
	c.JA4S = fingerprint.JA4S(in)
}
