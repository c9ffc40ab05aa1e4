package report

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// Bounds on what the Auditor keeps per aggregate, so that its memory grows
// with the number of distinct servers, clients and certificates only.
const (
	maxExamples   = 3  // example connections per finding
	maxCertSNIs   = 10 // mismatching SNI names kept per certificate
	maxOfferNames = 8  // insecure offers named in a client finding's message
)

// Auditor aggregates finished connections into the audit report: counts per
// version, cipher suite, key exchange, server, client and certificate, each
// rated, and the findings. It implements session.Sink and keeps nothing per
// record or per connection once End returns. Its methods may be called from
// several goroutines (the live loop renders while the pipeline feeds it).
type Auditor struct {
	mu        sync.Mutex
	conns     int
	noHello   int
	versions  map[parser.Version]int
	suites    map[parser.CipherSuite]int
	kex       map[kexKey]int
	pq        pqAgg
	servers   map[serverKey]*serverAgg
	clients   map[clientKey]*clientAgg
	certs     map[string]*certAgg
	findings  map[findingKey]*findingAgg
	decrypted int
	summary   *Summary
	trust     auditTrust // audit_trust.go
}

type kexKey struct {
	kind  parser.KeyExchange
	group parser.NamedGroup
	bits  int
}

type serverKey struct {
	addr netip.AddrPort
	sni  string
}

type serverAgg struct {
	conns    int
	versions map[parser.Version]bool
	suites   map[parser.CipherSuite]bool
}

type clientKey struct{ ja3, ja4 string }

type clientAgg struct {
	conns   int
	offered []string // insecure versions and suites offered, in hello order (session.MaxInsecureOffers of them)
	more    int      // insecure offers past the cap
}

type certAgg struct {
	info         parser.CertInfo
	roles        map[string]bool
	leaf         bool
	conns        int
	expired      int // connections that started after NotAfter
	notYetValid  int // connections that started before NotBefore
	sniMismatch  map[string]bool
	sniMismatchN int // distinct names beyond the kept ones
}

type findingKey struct{ code, subject string }

type findingAgg struct {
	severity Rating
	message  string
	conns    int
	examples []example
}

type example struct {
	id             uint64
	t              time.Time
	client, server string
	sni            string
}

func (e example) less(o example) bool {
	if !e.t.Equal(o.t) {
		return e.t.Before(o.t)
	}
	if e.client != o.client {
		return e.client < o.client
	}
	if e.server != o.server {
		return e.server < o.server
	}
	return e.id < o.id
}

// NewAuditor makes an empty Auditor.
func NewAuditor() *Auditor {
	return &Auditor{
		versions: map[parser.Version]int{},
		suites:   map[parser.CipherSuite]int{},
		kex:      map[kexKey]int{},
		servers:  map[serverKey]*serverAgg{},
		clients:  map[clientKey]*clientAgg{},
		certs:    map[string]*certAgg{},
		findings: map[findingKey]*findingAgg{},
	}
}

// Record is part of session.Sink; the audit needs only the connection
// summaries.
func (a *Auditor) Record(*session.RecordEvent) {}

// End adds one finished connection to the aggregates.
func (a *Auditor) End(c *session.Conn) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.conns++
	if c.Decrypted {
		a.decrypted++
	}
	ex := example{id: c.ID, t: c.Start.UTC(), client: c.Client.String(), server: c.Server.String(), sni: c.SNI}

	sk := serverKey{c.Server, c.SNI}
	srv := a.servers[sk]
	if srv == nil {
		srv = &serverAgg{versions: map[parser.Version]bool{}, suites: map[parser.CipherSuite]bool{}}
		a.servers[sk] = srv
	}
	srv.conns++

	if c.Version != 0 {
		a.versions[c.Version]++
		srv.versions[c.Version] = true
		if r := RateVersion(c.Version); r.Rating >= Weak {
			a.find(r.Rating, "version", c.Version.String(),
				fmt.Sprintf("%s negotiated: %s", c.Version, strings.Join(r.Reasons, "; ")), ex)
		}
	}
	if c.ServerHello == nil {
		if c.Version != parser.VersionSSL20 { // an SSL 2.0 server answers with an SSLv2 SERVER-HELLO
			a.noHello++
		}
	} else {
		a.suites[c.CipherSuite]++
		srv.suites[c.CipherSuite] = true
		if r := RateSuite(c.CipherSuite); r.Rating >= Weak {
			a.find(r.Rating, "cipher_suite", c.CipherSuite.String(),
				fmt.Sprintf("%s (%s) negotiated: %s", c.CipherSuite, hex16(uint16(c.CipherSuite)), strings.Join(r.Reasons, "; ")), ex)
		}
		a.keyExchange(c, ex)
	}
	a.client(c, ex)
	a.postQuantum(c, ex)
	for i, ci := range c.ServerCerts {
		a.cert(ci, "server", i == 0, c, ex)
	}
	for i, ci := range c.ClientCerts {
		a.cert(ci, "client", i == 0, c, ex)
	}
	a.trustEnd(c, ex)
}

// find counts a connection in a finding, keeping the earliest examples.
func (a *Auditor) find(sev Rating, code, subject, message string, ex example) {
	k := findingKey{code, subject}
	f := a.findings[k]
	if f == nil {
		f = &findingAgg{severity: sev, message: message}
		a.findings[k] = f
	}
	f.conns++
	i := sort.Search(len(f.examples), func(i int) bool { return ex.less(f.examples[i]) })
	if i < maxExamples {
		f.examples = append(f.examples, example{})
		copy(f.examples[i+1:], f.examples[i:])
		f.examples[i] = ex
		if len(f.examples) > maxExamples {
			f.examples = f.examples[:maxExamples]
		}
	}
}

func (a *Auditor) keyExchange(c *session.Conn, ex example) {
	k := kexKey{kind: c.KeyExchange.Kind, group: c.KeyExchange.Group, bits: c.KeyExchange.Bits}
	if k.kind == "" {
		return
	}
	if info, ok := parser.CipherSuiteInfo(c.CipherSuite); ok && info.Auth == "anon" {
		k.kind += "_anon"
	}
	if k.bits == 0 && k.group == 0 && k.kind.UsesRSA() && len(c.ServerCerts) > 0 {
		if alg, b := certKeyBits(c.ServerCerts[0].Key); alg == "RSA" {
			k.bits = b
		}
	}
	a.kex[k]++
	if r := RateKeyExchange(k.kind, k.group, k.bits); r.Rating >= Weak {
		name := kexName(k)
		a.find(r.Rating, "key_exchange", name, fmt.Sprintf("%s key exchange: %s", name, strings.Join(r.Reasons, "; ")), ex)
	}
}

func kexName(k kexKey) string {
	switch {
	case k.group != 0:
		return string(k.kind) + " " + k.group.String()
	case k.bits != 0:
		return fmt.Sprintf("%s %d bits", k.kind, k.bits)
	}
	return string(k.kind)
}

func (a *Auditor) client(c *session.Conn, ex example) {
	if c.ClientHello == nil || c.ClientHello.Partial {
		return // a partial hello has no fingerprint to name the client by
	}
	k := clientKey{c.JA3, c.JA4}
	cl := a.clients[k]
	if cl == nil {
		offered, more := insecureOffers(c.ClientHello)
		cl = &clientAgg{offered: offered, more: more}
		a.clients[k] = cl
	}
	cl.conns++
	if len(cl.offered) > 0 {
		names := cl.offered
		more := ""
		if n := len(names) + cl.more; n > maxOfferNames {
			more = fmt.Sprintf(" and %d more", n-maxOfferNames)
			names = names[:maxOfferNames]
		}
		subject := k.ja3 + "/" + k.ja4
		a.find(Weak, "client_offers_insecure", subject,
			fmt.Sprintf("client JA3 %s JA4 %s offers %s%s", orDash(k.ja3), orDash(k.ja4), strings.Join(names, ", "), more), ex)
	}
}

// insecureOffers lists the insecure versions and cipher suites a
// ClientHello offers: the versions of supported_versions (else the legacy
// version; SSL 2.0 for an SSLv2-format hello) and the suites, in hello
// order, up to session.MaxInsecureOffers of them; more counts the rest.
func insecureOffers(ch *parser.ClientHello) (out []string, more int) {
	seen := map[string]bool{} // for this call only: bounded by the hello
	add := func(s string) {
		switch {
		case seen[s]:
		case len(out) == session.MaxInsecureOffers:
			seen[s] = true
			more++
		default:
			seen[s] = true
			out = append(out, s)
		}
	}
	versions := ch.SupportedVersions()
	if len(versions) == 0 {
		versions = []parser.Version{ch.LegacyVersion}
	}
	if ch.SSLv2 {
		versions = append([]parser.Version{parser.VersionSSL20}, versions...)
	}
	for _, v := range versions {
		if parser.IsGREASE(uint16(v)) {
			continue
		}
		if RateVersion(v).Rating == Insecure {
			add(v.String())
		}
	}
	for _, cs := range ch.CipherSuites {
		if _, ok := parser.CipherSuiteInfo(cs); !ok {
			continue // GREASE and unregistered values are not judged here
		}
		if RateSuite(cs).Rating == Insecure {
			add(cs.String())
		}
	}
	for _, s := range ch.V2CipherSpecs {
		if s>>16 != 0 {
			add(s.String()) // every SSL 2.0 cipher spec is SSL 2.0 only
		}
	}
	return out, more
}

func (a *Auditor) cert(ci parser.CertInfo, role string, leaf bool, c *session.Conn, ex example) {
	if ci.SHA256 == "" {
		return
	}
	ca := a.certs[ci.SHA256]
	if ca == nil {
		ca = &certAgg{info: ci, roles: map[string]bool{}, sniMismatch: map[string]bool{}}
		a.certs[ci.SHA256] = ca
	}
	ca.roles[role] = true
	ca.conns++
	name := certName(ci)
	t := c.Start
	if !ci.NotAfter.IsZero() && t.After(ci.NotAfter) {
		ca.expired++
		a.find(Weak, "cert_expired", ci.SHA256,
			fmt.Sprintf("%s certificate %s expired on %s", role, name, ci.NotAfter.UTC().Format(time.RFC3339)), ex)
	}
	if !ci.NotBefore.IsZero() && t.Before(ci.NotBefore) {
		ca.notYetValid++
		a.find(Weak, "cert_not_yet_valid", ci.SHA256,
			fmt.Sprintf("%s certificate %s is not valid before %s", role, name, ci.NotBefore.UTC().Format(time.RFC3339)), ex)
	}
	if r, why := rateCertKey(ci.Key); r >= Weak {
		a.find(r, "cert_key", ci.SHA256, fmt.Sprintf("%s certificate %s: %s", role, name, why), ex)
	}
	// A weak signature matters anywhere below the root (a root's own
	// signature is not checked by anyone).
	if r, why := rateCertSignature(ci.SignatureAlgorithm); r >= Weak && !ci.SelfSigned {
		a.find(r, "cert_signature", ci.SHA256, fmt.Sprintf("%s certificate %s: %s (%s)", role, name, why, ci.SignatureAlgorithm), ex)
	}
	if !leaf {
		return
	}
	ca.leaf = true
	if ci.SelfSigned {
		a.find(Weak, "cert_self_signed", ci.SHA256, fmt.Sprintf("%s certificate %s is self-signed", role, name), ex)
	}
	if role == "server" && c.SNI != "" && ci.Err == nil && !coversName(ci.SAN, c.SNI) {
		if !ca.sniMismatch[c.SNI] {
			if len(ca.sniMismatch) < maxCertSNIs {
				ca.sniMismatch[c.SNI] = true
			} else {
				ca.sniMismatchN++
			}
		}
		a.find(Weak, "cert_sni_mismatch", ci.SHA256+" "+c.SNI,
			fmt.Sprintf("server certificate %s does not cover SNI %s", name, c.SNI), ex)
	}
}

// certName is how findings name a certificate: its subject, else its hash.
func certName(ci parser.CertInfo) string {
	if ci.Subject != "" {
		return "'" + ci.Subject + "'"
	}
	return "sha256:" + ci.SHA256
}

// coversName reports whether a certificate whose subject alternative names
// are san (as parser.CertInfo lists them) is valid for host, by the rules
// of crypto/x509's VerifyHostname (the common name is not consulted).
func coversName(san []string, host string) bool {
	c := &x509.Certificate{}
	for _, n := range san {
		switch {
		case net.ParseIP(n) != nil:
			c.IPAddresses = append(c.IPAddresses, net.ParseIP(n))
		case strings.Contains(n, "://"):
			if u, err := url.Parse(n); err == nil {
				c.URIs = append(c.URIs, u)
			}
		case strings.Contains(n, "@"):
			c.EmailAddresses = append(c.EmailAddresses, n)
		default:
			c.DNSNames = append(c.DNSNames, n)
		}
	}
	return c.VerifyHostname(host) == nil
}

// SetSummary keeps the capture counters for the report's summary.
func (a *Auditor) SetSummary(s Summary) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.summary = &s
}

// Worst is the worst rating among the versions, cipher suites and
// findings seen; ok is false when nothing was seen.
func (a *Auditor) Worst() (r Rating, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.worst()
}

func (a *Auditor) worst() (r Rating, ok bool) {
	raise := func(x Rating) {
		if !ok || x > r {
			r, ok = x, true
		}
	}
	for v := range a.versions {
		raise(RateVersion(v).Rating)
	}
	for cs := range a.suites {
		raise(RateSuite(cs).Rating)
	}
	for _, f := range a.findings {
		raise(f.severity)
	}
	return r, ok
}

// Fails reports whether anything rated threshold or worse was seen (the
// test of --fail-on).
func (a *Auditor) Fails(threshold Rating) bool {
	r, ok := a.Worst()
	return ok && r >= threshold
}

// Render writes the report as it stands in format ("table", "json", "csv"
// or "markdown"). It may be called any number of times, also while
// connections are still being added (the live loop calls it on Ctrl-C and
// every --interval). A non-zero now is printed as the time of the snapshot;
// file runs pass the zero time so that their output is deterministic.
func (a *Auditor) Render(w io.Writer, format string, now time.Time) error {
	rep := a.Snapshot()
	if !now.IsZero() {
		rep.AsOf = now.UTC().Format(time.RFC3339)
	}
	switch format {
	case "json":
		return writeAuditJSON(w, rep)
	case "ndjson": // a live run's snapshots: one object per line
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(rep)
	case "table", "markdown", "csv":
		return writeAuditSections(w, format, rep)
	}
	return fmt.Errorf("unknown audit format %q", format)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
