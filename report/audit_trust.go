package report

import (
	"fmt"
	"slices"

	"github.com/ssldissect/ssldissect/session"
	"github.com/ssldissect/ssldissect/trust"
)

// The audit's trust checks: each server chain verified at its
// connection's start (package trust), counted per validation status, and
// the connections whose certificates were not seen because TLS 1.3
// encrypted them.

// auditTrust is the Auditor's part for trust.
type auditTrust struct {
	verifier   *trust.Verifier
	validation map[string]int // connections per validation status
	hidden     int            // TLS 1.3 connections whose certificates were encrypted and not read
}

// AuditValidation counts the connections of one validation status.
type AuditValidation struct {
	Status      string `json:"status"`
	Connections int    `json:"connections"`
}

// SetTrust makes the Auditor verify each server chain with v (nil: no
// verification).
func (a *Auditor) SetTrust(v *trust.Verifier) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.trust.verifier = v
}

// trustEnd audits the server chain of c. Expired and not yet valid
// certificates, weak keys and signatures have their own findings
// (Auditor.cert); this adds the chain's verdict.
func (a *Auditor) trustEnd(c *session.Conn, ex example) {
	if c.CertificatesHidden() {
		a.trust.hidden++
		return
	}
	if a.trust.verifier == nil || len(c.ServerChain) == 0 {
		return
	}
	r := checkChain(c, a.trust.verifier)
	if r.Status == "" {
		return
	}
	if a.trust.validation == nil {
		a.trust.validation = map[string]int{}
	}
	a.trust.validation[r.Status]++
	switch r.Status {
	case trust.StatusOK, trust.StatusExpired, trust.StatusNotYetValid:
		return
	}
	leaf := c.ServerCerts[0]
	a.find(Weak, "cert_untrusted", leaf.SHA256+" "+r.Status,
		fmt.Sprintf("server certificate %s is not trusted: %s", certName(leaf), r.Status), ex)
}

// trustReport fills the report's trust counts.
func (a *Auditor) trustReport(rep *AuditReport) {
	rep.HiddenCertificates = a.trust.hidden
	rep.Validation = []AuditValidation{}
	for _, s := range sortedKeys(a.trust.validation) {
		rep.Validation = append(rep.Validation, AuditValidation{Status: s, Connections: a.trust.validation[s]})
	}
	slices.SortStableFunc(rep.Validation, func(x, y AuditValidation) int { return y.Connections - x.Connections })
}
