package report

import (
	"fmt"
	"slices"

	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// Post-quantum readiness: which key exchange groups resist a quantum
// adversary who records traffic now to decrypt it later, who offers and
// chooses them, and which certificates are signed with post-quantum or
// composite algorithms (authentication matters only once such an
// adversary exists: it is reported, not rated).

// postQuantumGroups are the key exchange groups counted as post-quantum:
// ML-KEM alone (draft-connolly-tls-mlkem-key-agreement) and its hybrids
// with X25519 or NIST curves (draft-ietf-tls-ecdhe-mlkem), and the
// pre-standard Kyber hybrid browsers deployed first.
var postQuantumGroups = []parser.NamedGroup{
	parser.GroupX25519MLKEM768, parser.GroupSecP256r1MLKEM768, parser.GroupSecP384r1MLKEM1024,
	parser.GroupMLKEM512, parser.GroupMLKEM768, parser.GroupMLKEM1024, parser.GroupX25519Kyber768D00,
}

// PostQuantumGroup reports whether g is a post-quantum (or hybrid) key
// exchange group.
func PostQuantumGroup(g parser.NamedGroup) bool { return slices.Contains(postQuantumGroups, g) }

// PostQuantumGroups names the groups PostQuantumGroup counts, for the
// ratings table.
func PostQuantumGroups() []string {
	out := make([]string, len(postQuantumGroups))
	for i, g := range postQuantumGroups {
		out[i] = g.String()
	}
	return out
}

// AuditPostQuantum is the post-quantum section of the audit. Each count is
// of connections with a ClientHello.
type AuditPostQuantum struct {
	// Groups are the groups counted as post-quantum.
	Groups []string `json:"groups"`
	// Offered: the client listed a post-quantum group in supported_groups;
	// KeyShareOffered: it also sent a key share for one.
	Offered         int `json:"offered"`
	KeyShareOffered int `json:"key_share_offered"`
	// Chosen: the server's key exchange used a post-quantum group;
	// Declined: the client offered one and the server chose a classical
	// group.
	Chosen   int `json:"chosen"`
	Declined int `json:"declined"`
	// HelloRetryForPQ: a HelloRetryRequest asked for the post-quantum
	// group the client offered without a key share.
	HelloRetryForPQ int `json:"hello_retry_for_pq"`
	// NotOffered: the client offered no post-quantum group.
	NotOffered int `json:"not_offered"`
	// PQCertificates: connections whose server certificate chain has a
	// post-quantum or composite key or signature (ML-DSA, SLH-DSA,
	// composite ML-DSA).
	PQCertificates int `json:"pq_certificates"`
}

type pqAgg struct {
	offered, keyShare, chosen, declined, hrr, notOffered, certs int
}

// postQuantum counts a connection in the post-quantum section and files
// its findings.
func (a *Auditor) postQuantum(c *session.Conn, ex example) {
	ch := c.ClientHello
	if ch == nil || ch.Partial {
		return
	}
	offered, share := false, map[parser.NamedGroup]bool{}
	if e := ch.Extension(parser.ExtSupportedGroups); e != nil {
		if sg, ok := e.Parsed.(parser.SupportedGroupsExt); ok {
			offered = slices.ContainsFunc(sg.Groups, PostQuantumGroup)
		}
	}
	if e := ch.Extension(parser.ExtKeyShare); e != nil {
		if ks, ok := e.Parsed.(parser.KeyShareExt); ok {
			for _, k := range ks.Entries {
				share[k.Group] = true
			}
		}
	}
	shared := false
	for g := range share {
		shared = shared || PostQuantumGroup(g)
	}
	chosen := c.ServerHello != nil && PostQuantumGroup(c.KeyExchange.Group)
	p := &a.pq
	switch {
	case offered:
		p.offered++
	default:
		p.notOffered++
		a.find(Secure, "pq_not_offered", clientName(c),
			fmt.Sprintf("client %s offered no post-quantum key exchange group (ML-KEM hybrids): its traffic can be recorded now and decrypted by a future quantum computer", clientName(c)), ex)
	}
	if shared {
		p.keyShare++
	}
	if chosen {
		p.chosen++
	}
	if offered && c.ServerHello != nil && c.KeyExchange.Group != 0 && !chosen {
		p.declined++
		a.find(Weak, "pq_declined", serverName(c),
			fmt.Sprintf("server %s chose %s, a classical group, though the client offered a post-quantum one", serverName(c), c.KeyExchange.Group), ex)
	}
	if chosen && c.HelloRetryRequest && !share[c.KeyExchange.Group] {
		p.hrr++
		a.find(Secure, "pq_hello_retry", serverName(c),
			fmt.Sprintf("server %s sent a HelloRetryRequest for %s, which the client offered without a key share: a round trip lost", serverName(c), c.KeyExchange.Group), ex)
	}
	for _, ci := range c.ServerCerts {
		if parser.PostQuantumAlgorithm(ci.Key) || parser.PostQuantumAlgorithm(ci.SignatureAlgorithm) {
			p.certs++
			break
		}
	}
}

func clientName(c *session.Conn) string {
	if c.JA4 != "" {
		return "JA4 " + c.JA4
	}
	return c.Client.Addr().String()
}

func serverName(c *session.Conn) string {
	if c.SNI != "" {
		return c.SNI
	}
	return c.Server.String()
}

func (p pqAgg) report() AuditPostQuantum {
	return AuditPostQuantum{Groups: PostQuantumGroups(), Offered: p.offered, KeyShareOffered: p.keyShare, Chosen: p.chosen,
		Declined: p.declined, HelloRetryForPQ: p.hrr, NotOffered: p.notOffered, PQCertificates: p.certs}
}
