package parser

import (
	"crypto/x509"
	"encoding/asn1"

	"golang.org/x/crypto/cryptobyte"
)

// oidSCTList is the X.509v3 extension carrying a certificate's embedded
// SignedCertificateTimestampList (RFC 6962 3.3).
var oidSCTList = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 4, 2}

// embeddedSCTs counts the SCTs embedded in c (RFC 6962 3.3): the extension's
// value is an OCTET STRING holding the TLS-encoded list. A list that does
// not parse counts as none.
func embeddedSCTs(c *x509.Certificate) int {
	for _, e := range c.Extensions {
		if !e.Id.Equal(oidSCTList) {
			continue
		}
		var inner []byte
		if rest, err := asn1.Unmarshal(e.Value, &inner); err != nil || len(rest) != 0 {
			return 0
		}
		s := cryptobyte.String(inner)
		v, ok := parseSCTList(&s)
		if !ok || !s.Empty() {
			return 0
		}
		return len(v.SCTs)
	}
	return 0
}
