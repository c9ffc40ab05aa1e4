package report

import (
	"strconv"

	"github.com/ssldissect/ssldissect/session"
	"github.com/ssldissect/ssldissect/trust"
)

// The trust fields of a connection (Connection.Trust): what the server
// stapled, and the verdict on its chain (package trust).

// Trust is the server's identity as checked: Zeek's validation_status and
// sni_matches_cert (ssl.log), and what was stapled.
type Trust struct {
	// ValidationStatus is the chain's verdict at the connection's start,
	// in Zeek's (OpenSSL's) wording: "ok", "unable to get local issuer
	// certificate", "certificate has expired", ... Absent when the server
	// sent no certificate that could be read (none, TLS 1.3 without keys,
	// a leaf that is not X.509) or no verification was asked for.
	ValidationStatus string `json:"validation_status,omitempty"`
	// SNIMatchesCert tells whether the leaf is valid for the SNI; absent
	// without an SNI or a leaf.
	SNIMatchesCert *bool `json:"sni_matches_cert,omitempty"`
	// OCSPStapled: the server stapled an OCSP response.
	OCSPStapled bool `json:"ocsp_stapled"`
	// SCTs counts the signed certificate timestamps, sent in TLS
	// (signed_certificate_timestamp) or embedded in the leaf.
	SCTs int `json:"scts"`
}

// trustFacts fills what the session saw: the staple and the SCTs.
func trustFacts(c *session.Conn) Trust {
	t := Trust{OCSPStapled: c.OCSPStapled, SCTs: c.TLSSCTs}
	if len(c.ServerCerts) > 0 {
		t.SCTs += c.ServerCerts[0].EmbeddedSCTs
	}
	return t
}

// ConnectionWithTrust is ConnectionOf with the server chain verified by v
// at the connection's start (nothing verified when v is nil).
func ConnectionWithTrust(c *session.Conn, v *trust.Verifier) Connection {
	out := ConnectionOf(c)
	addVerdict(&out, checkChain(c, v))
	return out
}

// checkChain verifies the server's chain of c with v (a zero Result, no
// status, when v is nil).
func checkChain(c *session.Conn, v *trust.Verifier) trust.Result {
	if v == nil || len(c.ServerChain) == 0 {
		return trust.Result{Depth: -1}
	}
	return v.Check(c.ServerChain, c.Start, c.SNI)
}

func addVerdict(out *Connection, r trust.Result) {
	out.ValidationStatus = r.Status
	if r.NameChecked {
		m := r.NameMatches
		out.SNIMatchesCert = &m
	}
}

// validationText is the text form of the verdict: the status, and the
// name check when there was one.
func validationText(t Trust) string {
	s := t.ValidationStatus
	if m := t.SNIMatchesCert; m != nil {
		if *m {
			s += " (sni matches the certificate)"
		} else {
			s += " (sni does not match the certificate)"
		}
	}
	return s
}

// staplesText is the text form of the staple and SCTs, "" when neither.
func staplesText(t Trust) string {
	switch {
	case t.OCSPStapled && t.SCTs > 0:
		return "ocsp response, " + strconv.Itoa(t.SCTs) + " scts"
	case t.OCSPStapled:
		return "ocsp response"
	case t.SCTs > 0:
		return strconv.Itoa(t.SCTs) + " scts"
	}
	return ""
}
