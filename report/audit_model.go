package report

import (
	"cmp"
	"encoding/json"
	"io"
	"slices"
	"strings"

	"github.com/ssldissect/ssldissect/parser"
)

// AuditReport is the Audit JSON object of CONTRACT.md (`audit --format
// json`); the table, markdown and CSV formats print the same facts. Every
// list is sorted, so that the output of a capture is always the same.
type AuditReport struct {
	AsOf string `json:"as_of,omitempty"` // time of a live snapshot
	// Capture counters (from the pipeline's summary; 0 in a live snapshot).
	Packets         uint64 `json:"packets"`
	TCPConnections  uint64 `json:"tcp_connections"`
	QUICConnections uint64 `json:"quic_connections"`
	// Connections counts the SSL/TLS connections; WithoutServerHello those
	// of them whose handshake showed no ServerHello (no suite to count).
	Connections          int `json:"connections"`
	WithoutServerHello   int `json:"without_server_hello"`
	DecryptedConnections int `json:"decrypted_connections"`
	// HiddenCertificates counts the TLS 1.3 (DTLS 1.3, QUIC) connections
	// whose server certificates were encrypted and, without keys, not
	// read: their certificates are missing from the audit.
	HiddenCertificates int `json:"hidden_certificates"`
	// Validation counts the connections per validation status of their
	// server chain (Zeek's wording), most frequent first.
	Validation   []AuditValidation  `json:"validation"`
	Rating       string             `json:"rating"` // the worst rating seen, "" when nothing was
	Versions     []AuditVersion     `json:"versions"`
	CipherSuites []AuditCipherSuite `json:"cipher_suites"`
	KeyExchange  []AuditKeyExchange `json:"key_exchange"`
	Servers      []AuditServer      `json:"servers"`
	Clients      []AuditClient      `json:"clients"`
	Certificates []AuditCertificate `json:"certificates"`
	Findings     []AuditFinding     `json:"findings"`
	PostQuantum  AuditPostQuantum   `json:"post_quantum"`
	// Select is set with --select: the report is of the connections it
	// matched.
	Select *SelectSummary `json:"select,omitempty"`
}

// AuditVersion is one negotiated protocol version.
type AuditVersion struct {
	Version     string   `json:"version"`
	ID          string   `json:"id"`
	Connections int      `json:"connections"`
	Rating      string   `json:"rating"`
	Reasons     []string `json:"reasons"`
}

// AuditCipherSuite is one negotiated cipher suite, decomposed as the IANA
// registry names it.
type AuditCipherSuite struct {
	CipherSuite     string   `json:"cipher_suite"`
	ID              string   `json:"id"`
	KeyExchange     string   `json:"key_exchange"`
	Authentication  string   `json:"authentication"`
	Cipher          string   `json:"cipher"`
	MAC             string   `json:"mac"`
	IANARecommended bool     `json:"iana_recommended"`
	Connections     int      `json:"connections"`
	Rating          string   `json:"rating"`
	Reasons         []string `json:"reasons"`
}

// AuditKeyExchange is one key exchange with its parameters: the (EC)DHE
// group, or the DHE modulus or RSA key size in bits.
type AuditKeyExchange struct {
	Kind        string   `json:"kind"`
	Group       string   `json:"group"`
	Bits        int      `json:"bits"`
	Connections int      `json:"connections"`
	Rating      string   `json:"rating"`
	Reasons     []string `json:"reasons"`
}

// AuditServer is one server address with one SNI, and what it chose.
type AuditServer struct {
	Server       string   `json:"server"`
	SNI          string   `json:"sni"`
	Connections  int      `json:"connections"`
	Versions     []string `json:"versions"`
	CipherSuites []string `json:"cipher_suites"`
	Rating       string   `json:"rating"` // the worst of its versions and suites
}

// AuditClient is one client fingerprint.
type AuditClient struct {
	JA3             string   `json:"ja3"`
	JA4             string   `json:"ja4"`
	Connections     int      `json:"connections"`
	OffersInsecure  bool     `json:"offers_insecure"`
	InsecureOffered []string `json:"insecure_offered"`
	// InsecureOfferedDropped counts the insecure offers past
	// session.MaxInsecureOffers, left out of InsecureOffered.
	InsecureOfferedDropped int `json:"insecure_offered_dropped,omitempty"`
}

// AuditCertificate is one certificate (by SHA-256) seen in any chain.
type AuditCertificate struct {
	SHA256             string   `json:"sha256"`
	Subject            string   `json:"subject"`
	Issuer             string   `json:"issuer"`
	NotBefore          string   `json:"not_before"`
	NotAfter           string   `json:"not_after"`
	Key                string   `json:"key"`
	SignatureAlgorithm string   `json:"signature_algorithm"`
	SelfSigned         bool     `json:"self_signed"`
	Role               string   `json:"role"` // "server", "client" or "server,client"
	Leaf               bool     `json:"leaf"` // seen first in a chain
	Connections        int      `json:"connections"`
	Validity           string   `json:"validity"` // at capture time: "valid", "expired", "not yet valid"
	SNINotInSAN        []string `json:"sni_not_in_san"`
	Rating             string   `json:"rating"`
	Reasons            []string `json:"reasons"`
}

// AuditFinding is one problem, with the connections that showed it and a
// few of them as examples.
type AuditFinding struct {
	Severity    string         `json:"severity"`
	Code        string         `json:"code"`
	Message     string         `json:"message"`
	Connections int            `json:"connections"`
	Examples    []AuditExample `json:"examples"`
}

// AuditExample names a connection so that a finding can be followed up
// (with `ssldissect dissect`: Conn is the connection's id there).
type AuditExample struct {
	Conn   uint64 `json:"conn"`
	Time   string `json:"time"`
	Client string `json:"client"`
	Server string `json:"server"`
	SNI    string `json:"sni"`
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Snapshot is the report as it stands.
func (a *Auditor) Snapshot() AuditReport {
	a.mu.Lock()
	defer a.mu.Unlock()
	rep := AuditReport{
		Connections:          a.conns,
		WithoutServerHello:   a.noHello,
		DecryptedConnections: a.decrypted,
		Versions:             []AuditVersion{},
		CipherSuites:         []AuditCipherSuite{},
		KeyExchange:          []AuditKeyExchange{},
		Servers:              []AuditServer{},
		Clients:              []AuditClient{},
		Certificates:         []AuditCertificate{},
		Findings:             []AuditFinding{},
		PostQuantum:          a.pq.report(),
	}
	if a.summary != nil {
		rep.Select = a.summary.Select
		rep.Packets, rep.QUICConnections = a.summary.Packets, a.summary.QUICConnections
		rep.TCPConnections = a.summary.Connections - a.summary.QUICConnections - a.summary.DTLSConnections
	}
	if r, ok := a.worst(); ok {
		rep.Rating = r.String()
	}
	a.trustReport(&rep)

	vs := sortedKeys(a.versions)
	for _, v := range vs {
		r := RateVersion(v)
		rep.Versions = append(rep.Versions, AuditVersion{
			Version: v.String(), ID: hex16(uint16(v)), Connections: a.versions[v],
			Rating: r.Rating.String(), Reasons: nonNilStrings(r.Reasons),
		})
	}
	for _, cs := range sortedKeys(a.suites) {
		info, _ := parser.CipherSuiteInfo(cs)
		r := RateSuite(cs)
		rep.CipherSuites = append(rep.CipherSuites, AuditCipherSuite{
			CipherSuite: cs.String(), ID: hex16(uint16(cs)),
			KeyExchange: string(info.KeyExchange), Authentication: info.Auth, Cipher: info.Cipher, MAC: info.MAC,
			IANARecommended: info.Recommended, Connections: a.suites[cs],
			Rating: r.Rating.String(), Reasons: nonNilStrings(r.Reasons),
		})
	}
	kexs := make([]kexKey, 0, len(a.kex))
	for k := range a.kex {
		kexs = append(kexs, k)
	}
	slices.SortFunc(kexs, func(x, y kexKey) int {
		return cmp.Or(cmp.Compare(x.kind, y.kind), cmp.Compare(x.group, y.group), cmp.Compare(x.bits, y.bits))
	})
	for _, k := range kexs {
		r := RateKeyExchange(k.kind, k.group, k.bits)
		g := ""
		if k.group != 0 {
			g = k.group.String()
		}
		rep.KeyExchange = append(rep.KeyExchange, AuditKeyExchange{
			Kind: string(k.kind), Group: g, Bits: k.bits, Connections: a.kex[k],
			Rating: r.Rating.String(), Reasons: nonNilStrings(r.Reasons),
		})
	}

	sks := make([]serverKey, 0, len(a.servers))
	for k := range a.servers {
		sks = append(sks, k)
	}
	slices.SortFunc(sks, func(x, y serverKey) int {
		return cmp.Or(x.addr.Compare(y.addr), cmp.Compare(x.sni, y.sni))
	})
	for _, k := range sks {
		s := a.servers[k]
		out := AuditServer{Server: k.addr.String(), SNI: k.sni, Connections: s.conns, Versions: []string{}, CipherSuites: []string{}}
		worst, any := Recommended, false
		for _, v := range sortedKeys(s.versions) {
			out.Versions = append(out.Versions, v.String())
			worst, any = max(worst, RateVersion(v).Rating), true
		}
		for _, cs := range sortedKeys(s.suites) {
			out.CipherSuites = append(out.CipherSuites, cs.String())
			worst, any = max(worst, RateSuite(cs).Rating), true
		}
		if any {
			out.Rating = worst.String()
		}
		rep.Servers = append(rep.Servers, out)
	}

	for k, c := range a.clients {
		rep.Clients = append(rep.Clients, AuditClient{
			JA3: k.ja3, JA4: k.ja4, Connections: c.conns,
			OffersInsecure: len(c.offered) > 0, InsecureOffered: nonNilStrings(slices.Clone(c.offered)),
			InsecureOfferedDropped: c.more,
		})
	}
	slices.SortFunc(rep.Clients, func(x, y AuditClient) int {
		return cmp.Or(cmp.Compare(y.Connections, x.Connections), cmp.Compare(x.JA4, y.JA4), cmp.Compare(x.JA3, y.JA3))
	})

	for _, c := range a.certs {
		rep.Certificates = append(rep.Certificates, c.report())
	}
	slices.SortFunc(rep.Certificates, func(x, y AuditCertificate) int {
		return cmp.Or(cmp.Compare(x.Role, y.Role), cmp.Compare(x.Subject, y.Subject), cmp.Compare(x.SHA256, y.SHA256))
	})

	fks := make([]findingKey, 0, len(a.findings))
	for k := range a.findings {
		fks = append(fks, k)
	}
	slices.SortFunc(fks, func(x, y findingKey) int {
		fx, fy := a.findings[x], a.findings[y]
		return cmp.Or(cmp.Compare(fy.severity, fx.severity), cmp.Compare(x.code, y.code),
			cmp.Compare(fx.message, fy.message), cmp.Compare(x.subject, y.subject))
	})
	for _, k := range fks {
		f := a.findings[k]
		out := AuditFinding{Severity: f.severity.String(), Code: k.code, Message: f.message, Connections: f.conns, Examples: []AuditExample{}}
		for _, e := range f.examples {
			out.Examples = append(out.Examples, AuditExample{Conn: e.id, Time: timeString(e.t), Client: e.client, Server: e.server, SNI: e.sni})
		}
		rep.Findings = append(rep.Findings, out)
	}
	return rep
}

// report maps a certificate's aggregate to its row.
func (c *certAgg) report() AuditCertificate {
	ci := c.info
	out := AuditCertificate{
		SHA256: ci.SHA256, Subject: ci.Subject, Issuer: ci.Issuer,
		NotBefore: timeString(ci.NotBefore), NotAfter: timeString(ci.NotAfter),
		Key: ci.Key, SignatureAlgorithm: ci.SignatureAlgorithm, SelfSigned: ci.SelfSigned,
		Leaf: c.leaf, Connections: c.conns, SNINotInSAN: []string{},
	}
	roles := sortedKeys(c.roles)
	out.Role = strings.Join(roles, ",")
	var a Assessment
	a.Rating = Secure
	var validity []string
	if c.expired > 0 {
		validity = append(validity, "expired")
		a.add(Weak, "expired at capture time")
	}
	if c.notYetValid > 0 {
		validity = append(validity, "not yet valid")
		a.add(Weak, "not yet valid at capture time")
	}
	if len(validity) == 0 {
		validity = append(validity, "valid")
	}
	out.Validity = strings.Join(validity, ",")
	if r, why := rateCertKey(ci.Key); r >= Weak {
		a.add(r, why)
	}
	if c.leaf && ci.SelfSigned {
		a.add(Weak, "self-signed")
	} else if r, why := rateCertSignature(ci.SignatureAlgorithm); !ci.SelfSigned && r >= Weak {
		a.add(r, why)
	}
	if len(c.sniMismatch) > 0 {
		out.SNINotInSAN = sortedKeys(c.sniMismatch)
		if c.sniMismatchN > 0 {
			out.SNINotInSAN = append(out.SNINotInSAN, "...")
		}
		a.add(Weak, "SNI not in the subject alternative names")
	}
	if ci.Err != nil {
		a.Reasons = append(a.Reasons, "not parsed by crypto/x509: "+ci.Err.Error())
	}
	out.Rating = a.Rating.String()
	out.Reasons = nonNilStrings(a.Reasons)
	return out
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// writeAuditJSON writes the report as one indented JSON object.
func writeAuditJSON(w io.Writer, rep AuditReport) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
