package session

import (
	"github.com/ssldissect/ssldissect/fingerprint"
	"github.com/ssldissect/ssldissect/parser"
)

// transportLetter is the JA4 transport of the connection.
func (c *Conn) transportLetter() byte {
	switch c.Transport {
	case TransportQUIC:
		return fingerprint.QUIC
	case TransportDTLS:
		return fingerprint.DTLS
	}
	return fingerprint.TCP
}

func (c *Conn) clientFingerprints(m *parser.ClientHello) {
	in := fingerprint.FromClientHello(m, c.transportLetter())
	c.JA3Full, c.JA3 = fingerprint.JA3(in)
	c.JA4 = fingerprint.JA4(in)
}

func (c *Conn) serverFingerprints(m *parser.ServerHello) {
	in := fingerprint.FromServerHello(m, c.transportLetter())
	c.JA3SFull, c.JA3S = fingerprint.JA3S(in)
	c.JA4S = fingerprint.JA4S(in)
}
