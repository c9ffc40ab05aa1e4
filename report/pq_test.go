package report

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// pqHello is a TLS 1.3 ClientHello offering groups, with key shares for
// shares.
func pqHello(groups []parser.NamedGroup, shares ...parser.NamedGroup) *parser.ClientHello {
	ch := hello(parser.VersionTLS12, []parser.Version{parser.VersionTLS13}, 0x1301)
	ks := parser.KeyShareExt{}
	for _, g := range shares {
		ks.Entries = append(ks.Entries, parser.KeyShareEntry{Group: g})
	}
	ch.Extensions = append(ch.Extensions,
		parser.Extension{Type: parser.ExtSupportedGroups, Parsed: parser.SupportedGroupsExt{Groups: groups}},
		parser.Extension{Type: parser.ExtKeyShare, Parsed: ks})
	return ch
}

// TestAuditPostQuantum audits five connections: a hybrid offered with its
// share and chosen; offered and declined by the server (a finding);
// offered without a share and asked for by a HelloRetryRequest (a
// finding); no post-quantum offer (a finding); and an ML-DSA certificate.
func TestAuditPostQuantum(t *testing.T) {
	pq, x := parser.GroupX25519MLKEM768, parser.GroupX25519
	conns := []struct {
		ch     *parser.ClientHello
		chosen parser.NamedGroup
		hrr    bool
		key    string
	}{
		{pqHello([]parser.NamedGroup{pq, x}, pq, x), pq, false, "ECDSA P-256"},
		{pqHello([]parser.NamedGroup{pq, x}, pq, x), x, false, "ECDSA P-256"},
		{pqHello([]parser.NamedGroup{x, pq}, x), pq, true, "ECDSA P-256"},
		{pqHello([]parser.NamedGroup{x, parser.GroupSecp256r1}, x), x, false, "ECDSA P-256"},
		{pqHello([]parser.NamedGroup{pq}, pq), pq, false, "ML-DSA-65"},
	}
	a := NewAuditor()
	for i, k := range conns {
		c := &session.Conn{ID: uint64(i + 1), Client: netip.MustParseAddrPort("10.0.0.1:40000"), Server: netip.MustParseAddrPort("10.0.0.2:443"),
			Start: t0, TLS: true, Version: parser.VersionTLS13, CipherSuite: 0x1301, ClientHello: k.ch,
			ServerHello: &parser.ServerHello{CipherSuite: 0x1301}, HelloRetryRequest: k.hrr, SNI: "pq.test"}
		c.KeyExchange.Kind, c.KeyExchange.Group = parser.KeyExchangeECDHE, k.chosen
		c.ServerCerts = []parser.CertInfo{{Subject: "CN=pq.test", Key: k.key, SignatureAlgorithm: "ECDSA-SHA256"}}
		a.End(c)
	}
	rep := a.Snapshot()
	got := rep.PostQuantum
	want := AuditPostQuantum{Groups: PostQuantumGroups(), Offered: 4, KeyShareOffered: 3, Chosen: 3, Declined: 1, HelloRetryForPQ: 1, NotOffered: 1, PQCertificates: 1}
	if !slices.Equal(got.Groups, want.Groups) || got.Offered != want.Offered || got.KeyShareOffered != want.KeyShareOffered ||
		got.Chosen != want.Chosen || got.Declined != want.Declined || got.HelloRetryForPQ != want.HelloRetryForPQ ||
		got.NotOffered != want.NotOffered || got.PQCertificates != want.PQCertificates {
		t.Errorf("post_quantum\n got %+v\nwant %+v", got, want)
	}
	codes := map[string]int{}
	for _, f := range rep.Findings {
		codes[f.Severity+" "+f.Code] += f.Connections
	}
	for code, n := range map[string]int{"weak pq_declined": 1, "secure pq_hello_retry": 1, "secure pq_not_offered": 1} {
		if codes[code] != n {
			t.Errorf("%s: %d connections, want %d (findings %v)", code, codes[code], n, codes)
		}
	}
	for _, g := range []parser.NamedGroup{parser.GroupX25519MLKEM768, parser.GroupSecP256r1MLKEM768, parser.GroupMLKEM1024, parser.GroupX25519Kyber768D00} {
		if !PostQuantumGroup(g) {
			t.Errorf("%s not counted as post-quantum", g)
		}
	}
	if PostQuantumGroup(parser.GroupX25519) || PostQuantumGroup(parser.GroupSecp384r1) {
		t.Error("a classical group counted as post-quantum")
	}
}
