package session

import "github.com/ssldissect/ssldissect/parser"

// ServerTrust is what the server sent for its identity to be checked: the
// certificate chain as sent (the DER of the certificates kept in
// ServerCerts, in the same order), whether an OCSP response was stapled,
// and the SCTs it sent in TLS. Verifying the chain is policy, left to the
// report package (report/trust.go); the session only keeps the bytes.
type ServerTrust struct {
	// ServerChain is the DER of each certificate in ServerCerts.
	ServerChain [][]byte
	// OCSPStapled is set when the server stapled an OCSP response: a
	// CertificateStatus message (RFC 6066 8, RFC 6961), or in TLS 1.3 a
	// status_request extension in its leaf's CertificateEntry (RFC 8446
	// 4.4.2.1).
	OCSPStapled bool
	// TLSSCTs counts the SCTs sent in a signed_certificate_timestamp
	// extension (RFC 6962 3.3): the ServerHello's, or in TLS 1.3 the leaf
	// CertificateEntry's. The SCTs embedded in the leaf are counted in
	// its parser.CertInfo.EmbeddedSCTs.
	TLSSCTs int
}

// CertificatesHidden tells whether the server's certificates were sent
// encrypted and not read: a TLS 1.3 (DTLS 1.3, QUIC) handshake that was
// not a resumption and was not decrypted, with no server certificate seen.
func (c *Conn) CertificatesHidden() bool {
	return c.ServerHello != nil && c.Version.TLSEquivalent().IsTLS13() && !c.Resumed &&
		len(c.ServerCerts) == 0 && !c.Decrypted
}

// serverChain keeps the DER of the server's certificates (the first n
// entries of m) and what the TLS 1.3 leaf entry's extensions staple.
func (c *Conn) serverChain(m *parser.Certificate, n int) {
	c.ServerChain = make([][]byte, 0, n)
	for _, e := range m.Entries[:n] {
		c.ServerChain = append(c.ServerChain, e.Data)
	}
	if len(m.Entries) == 0 {
		return
	}
	c.stapled(m.Entries[0].Extensions)
}

// stapled takes the OCSP response and SCTs that extensions carry.
func (c *Conn) stapled(exts []parser.Extension) {
	for i := range exts {
		switch e := exts[i].Parsed.(type) {
		case parser.StatusRequestExt:
			if len(e.OCSPResponse) > 0 {
				c.OCSPStapled = true
			}
		case parser.SCTListExt:
			c.TLSSCTs += len(e.SCTs)
		}
	}
}

// certificateStatus takes a CertificateStatus message from the server.
func (c *Conn) certificateStatus(d Dir, m *parser.CertificateStatus) {
	if d != ServerToClient {
		return
	}
	if len(m.OCSPResponse) > 0 {
		c.OCSPStapled = true
	}
	for _, r := range m.Responses {
		if len(r) > 0 {
			c.OCSPStapled = true
		}
	}
}
