package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

var update = flag.Bool("update", false, "rewrite the audit golden files in testdata/audit")

var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func hello(legacy parser.Version, versions []parser.Version, suites ...parser.CipherSuite) *parser.ClientHello {
	ch := &parser.ClientHello{LegacyVersion: legacy, CipherSuites: suites}
	if versions != nil {
		ch.Extensions = []parser.Extension{{Type: parser.ExtSupportedVersions, Parsed: parser.SupportedVersionsExt{Versions: versions}}}
		ch.HasExtensions = true
	}
	return ch
}

var (
	goodCert = parser.CertInfo{
		Subject: "CN=server.test", Issuer: "CN=Test CA", Serial: "01",
		NotBefore: t0.AddDate(-1, 0, 0), NotAfter: t0.AddDate(1, 0, 0),
		Key: "ECDSA P-256", SignatureAlgorithm: "ECDSA-SHA256", SHA256: strings.Repeat("aa", 32),
		SAN: []string{"server.test", "10.0.0.2"},
	}
	caCert = parser.CertInfo{
		Subject: "CN=Test CA", Issuer: "CN=Test CA", Serial: "02",
		NotBefore: t0.AddDate(-5, 0, 0), NotAfter: t0.AddDate(5, 0, 0),
		Key: "RSA 4096", SignatureAlgorithm: "SHA1-RSA", SHA256: strings.Repeat("bb", 32), SelfSigned: true,
	}
	oldCert = parser.CertInfo{
		Subject: "CN=legacy.test", Issuer: "CN=legacy.test", Serial: "03",
		NotBefore: t0.AddDate(-3, 0, 0), NotAfter: t0.AddDate(-1, 0, 0),
		Key: "RSA 1024", SignatureAlgorithm: "MD5-RSA", SHA256: strings.Repeat("cc", 32), SelfSigned: true,
		SAN: []string{"legacy.test"},
	}
	md5Cert = parser.CertInfo{
		Subject: "CN=md5.test", Issuer: "CN=Test CA", Serial: "04",
		NotBefore: t0.AddDate(0, 1, 0), NotAfter: t0.AddDate(2, 0, 0),
		Key: "RSA 2048", SignatureAlgorithm: "MD5-RSA", SHA256: strings.Repeat("dd", 32),
		SAN: []string{"md5.test"},
	}
)

// syntheticConns covers SSL 3.0, TLS 1.0 to 1.3, RC4, 3DES, NULL, CBC and
// AEAD suites, static RSA, small DHE, certificate problems and a
// connection without a ServerHello.
func syntheticConns() []*session.Conn {
	ap := netip.MustParseAddrPort
	mk := func(id uint64, client, server string, min int, v parser.Version, cs parser.CipherSuite) *session.Conn {
		c := &session.Conn{ID: id, Client: ap(client), Server: ap(server), Start: t0.Add(time.Duration(min) * time.Minute), TLS: true,
			Version: v, CipherSuite: cs}
		c.EndTime = c.Start.Add(time.Second)
		if v != 0 {
			c.ServerHello = &parser.ServerHello{CipherSuite: cs}
		}
		return c
	}
	var cs []*session.Conn

	// A modern client, twice: TLS 1.3 and TLS 1.2 with ECDHE AEAD.
	c := mk(1, "10.0.0.1:50001", "10.0.0.2:443", 0, parser.VersionTLS13, 0x1301)
	c.ClientHello = hello(parser.VersionTLS12, []parser.Version{0x1a1a, parser.VersionTLS13, parser.VersionTLS12}, 0x2a2a, 0x1301, 0x1302, 0xc02f, 0x00ff)
	c.JA3, c.JA4, c.SNI = "modernja3", "t13d0304h2_modern", "server.test"
	c.KeyExchange = session.KeyExchangeInfo{Kind: "ECDHE", Group: parser.GroupX25519}
	c.ServerCerts = []parser.CertInfo{goodCert, caCert}
	c.Decrypted = true
	cs = append(cs, c)

	c = mk(2, "10.0.0.1:50002", "10.0.0.2:443", 1, parser.VersionTLS12, 0xc02f)
	c.ClientHello = cs[0].ClientHello
	c.JA3, c.JA4, c.SNI = "modernja3", "t13d0304h2_modern", "server.test"
	c.KeyExchange = session.KeyExchangeInfo{Kind: "ECDHE", Group: parser.GroupSecp256r1}
	c.ServerCerts = []parser.CertInfo{goodCert, caCert}
	cs = append(cs, c)

	// An old client offering SSL 3.0 and RC4, against a legacy server:
	// SSL 3.0 with RC4-MD5 and TLS 1.0 with 3DES, static RSA, an expired
	// self-signed 1024-bit certificate that does not cover the SNI.
	old := hello(parser.VersionSSL30, nil, 0x0004, 0x0005, 0x000a, 0x002f)
	c = mk(3, "10.0.0.3:40000", "10.0.0.4:443", 2, parser.VersionSSL30, 0x0004)
	c.ClientHello, c.JA3, c.JA4 = old, "oldja3", "ts3i040000_old"
	c.KeyExchange = session.KeyExchangeInfo{Kind: "RSA"}
	c.ServerCerts = []parser.CertInfo{oldCert}
	cs = append(cs, c)

	c = mk(4, "10.0.0.3:40001", "10.0.0.4:443", 3, parser.VersionTLS10, 0x000a)
	c.ClientHello, c.JA3, c.JA4 = hello(parser.VersionTLS10, nil, 0x000a, 0x002f), "tls10ja3", "t10i020000_tls10"
	c.SNI = "www.legacy.test"
	c.KeyExchange = session.KeyExchangeInfo{Kind: "RSA"}
	c.ServerCerts = []parser.CertInfo{oldCert}
	cs = append(cs, c)

	// TLS 1.1 with a CBC-SHA suite and a 1024-bit DHE group; TLS 1.2 with
	// NULL encryption and a not-yet-valid MD5-signed certificate.
	c = mk(5, "10.0.0.5:40000", "10.0.0.6:8443", 4, parser.VersionTLS11, 0x0033)
	c.ClientHello, c.JA3, c.JA4 = hello(parser.VersionTLS11, nil, 0x0033), "tls11ja3", "t11i010000_tls11"
	c.KeyExchange = session.KeyExchangeInfo{Kind: "DHE", Bits: 1024}
	cs = append(cs, c)

	c = mk(6, "10.0.0.5:40001", "10.0.0.6:8443", 5, parser.VersionTLS12, 0x003b)
	c.ClientHello, c.JA3, c.JA4 = hello(parser.VersionTLS12, nil, 0x003b), "nullja3", "t12i010000_null"
	c.SNI = "md5.test"
	c.KeyExchange = session.KeyExchangeInfo{Kind: "RSA"}
	c.ServerCerts = []parser.CertInfo{md5Cert}
	cs = append(cs, c)

	// A connection that showed no ServerHello.
	c = mk(7, "10.0.0.7:40000", "10.0.0.2:443", 6, 0, 0)
	c.ClientHello, c.JA3, c.JA4, c.SNI = cs[0].ClientHello, "modernja3", "t13d0304h2_modern", "server.test"
	cs = append(cs, c)
	return cs
}

func syntheticAuditor() *Auditor {
	a := NewAuditor()
	for _, c := range syntheticConns() {
		a.End(c)
	}
	return a
}

func TestAuditAggregation(t *testing.T) {
	rep := syntheticAuditor().Snapshot()
	if rep.Connections != 7 || rep.WithoutServerHello != 1 || rep.DecryptedConnections != 1 || rep.Rating != "insecure" {
		t.Errorf("connections %d, without ServerHello %d, decrypted %d, rating %q; want 7, 1, 1, insecure",
			rep.Connections, rep.WithoutServerHello, rep.DecryptedConnections, rep.Rating)
	}
	var versions []string
	for _, v := range rep.Versions {
		versions = append(versions, v.Version+"="+itoa(v.Connections)+"/"+v.Rating)
	}
	wantV := []string{"SSL 3.0=1/insecure", "TLS 1.0=1/weak", "TLS 1.1=1/weak", "TLS 1.2=2/secure", "TLS 1.3=1/recommended"}
	if !reflect.DeepEqual(versions, wantV) {
		t.Errorf("versions\n got %q\nwant %q", versions, wantV)
	}
	var suites []string
	for _, s := range rep.CipherSuites {
		suites = append(suites, s.ID+" "+s.CipherSuite+"="+itoa(s.Connections)+"/"+s.Rating)
	}
	wantS := []string{
		"0x0004 TLS_RSA_WITH_RC4_128_MD5=1/insecure",
		"0x000a TLS_RSA_WITH_3DES_EDE_CBC_SHA=1/weak",
		"0x0033 TLS_DHE_RSA_WITH_AES_128_CBC_SHA=1/weak",
		"0x003b TLS_RSA_WITH_NULL_SHA256=1/insecure",
		"0x1301 TLS_AES_128_GCM_SHA256=1/recommended",
		"0xc02f TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256=1/recommended",
	}
	if !reflect.DeepEqual(suites, wantS) {
		t.Errorf("suites\n got %q\nwant %q", suites, wantS)
	}
	var kex []string
	for _, k := range rep.KeyExchange {
		kex = append(kex, k.Kind+" "+k.Group+" "+itoa(k.Bits)+"="+itoa(k.Connections)+"/"+k.Rating)
	}
	wantK := []string{"DHE  1024=1/weak", "ECDHE secp256r1 0=1/recommended", "ECDHE x25519 0=1/recommended",
		"RSA  1024=2/weak", "RSA  2048=1/secure"}
	if !reflect.DeepEqual(kex, wantK) {
		t.Errorf("key exchange\n got %q\nwant %q", kex, wantK)
	}

	if len(rep.Servers) != 5 {
		t.Fatalf("%d servers, want 5: %+v", len(rep.Servers), rep.Servers)
	}
	s := rep.Servers[0] // 10.0.0.2:443 server.test
	if s.Server != "10.0.0.2:443" || s.SNI != "server.test" || s.Connections != 3 ||
		!reflect.DeepEqual(s.Versions, []string{"TLS 1.2", "TLS 1.3"}) || s.Rating != "secure" {
		t.Errorf("server 0: %+v", s)
	}

	clients := map[string]AuditClient{}
	for _, c := range rep.Clients {
		clients[c.JA3] = c
	}
	if c := clients["modernja3"]; c.Connections != 3 || c.OffersInsecure {
		t.Errorf("modern client: %+v", c)
	}
	if c := clients["oldja3"]; !c.OffersInsecure || !reflect.DeepEqual(c.InsecureOffered,
		[]string{"SSL 3.0", "TLS_RSA_WITH_RC4_128_MD5", "TLS_RSA_WITH_RC4_128_SHA"}) {
		t.Errorf("old client: %+v", c)
	}
	if c := clients["tls10ja3"]; c.OffersInsecure {
		t.Errorf("TLS 1.0 client offers nothing insecure: %+v", c)
	}

	certs := map[string]AuditCertificate{}
	for _, c := range rep.Certificates {
		certs[c.Subject] = c
	}
	if c := certs["CN=server.test"]; c.Rating != "secure" || c.Validity != "valid" || c.Connections != 2 || !c.Leaf {
		t.Errorf("good cert: %+v", c)
	}
	if c := certs["CN=Test CA"]; c.Rating != "secure" || c.Leaf {
		t.Errorf("CA cert (self-signed, SHA-1, not a leaf) should be secure: %+v", c)
	}
	if c := certs["CN=legacy.test"]; c.Rating != "weak" || c.Validity != "expired" ||
		!reflect.DeepEqual(c.SNINotInSAN, []string{"www.legacy.test"}) || !c.SelfSigned {
		t.Errorf("legacy cert: %+v", c)
	}
	if c := certs["CN=md5.test"]; c.Rating != "insecure" || c.Validity != "not yet valid" {
		t.Errorf("md5 cert: %+v", c)
	}

	var codes []string
	for _, f := range rep.Findings {
		codes = append(codes, f.Severity+" "+f.Code+" "+itoa(f.Connections))
	}
	wantF := []string{
		"insecure cert_signature 1",
		"insecure cipher_suite 1", // NULL (message order: TLS_RSA_WITH_NULL_SHA256 > TLS_RSA_WITH_RC4)
		"insecure cipher_suite 1",
		"insecure version 1",
		"weak cert_expired 2",
		"weak cert_key 2",
		"weak cert_not_yet_valid 1",
		"weak cert_self_signed 2",
		"weak cert_sni_mismatch 1",
		"weak cipher_suite 1",
		"weak cipher_suite 1",
		"weak client_offers_insecure 1",
		"weak client_offers_insecure 1",
		"weak key_exchange 1",
		"weak key_exchange 2",
		"weak version 1",
		"weak version 1",
		// No synthetic client offers a post-quantum group: one finding
		// per client (JA4, or address without a ClientHello's JA4).
		"secure pq_not_offered 1",
		"secure pq_not_offered 1",
		"secure pq_not_offered 1",
		"secure pq_not_offered 3",
		"secure pq_not_offered 1",
	}
	if !reflect.DeepEqual(codes, wantF) {
		t.Errorf("findings\n got %q\nwant %q", codes, wantF)
		for _, f := range rep.Findings {
			t.Logf("%s %s %s", f.Severity, f.Code, f.Message)
		}
	}
	for _, f := range rep.Findings {
		if len(f.Examples) == 0 || len(f.Examples) > maxExamples {
			t.Errorf("%s: %d examples", f.Message, len(f.Examples))
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestAuditExamplesCapped checks that a finding keeps only the earliest
// examples, whatever the order in which connections end, and that the
// Auditor's memory does not grow with connections to the same places.
func TestAuditExamplesCapped(t *testing.T) {
	a := NewAuditor()
	base := syntheticConns()[2] // SSL 3.0, RC4
	for i := 100; i > 0; i-- {
		c := *base
		c.ID = uint64(i)
		c.Start = t0.Add(time.Duration(i) * time.Second)
		a.End(&c)
	}
	rep := a.Snapshot()
	if rep.Connections != 100 || len(rep.Servers) != 1 || len(rep.Clients) != 1 || len(rep.Certificates) != 1 {
		t.Fatalf("aggregates grew: %d servers, %d clients, %d certs", len(rep.Servers), len(rep.Clients), len(rep.Certificates))
	}
	for _, f := range rep.Findings {
		if f.Connections != 100 || len(f.Examples) != maxExamples {
			t.Fatalf("%s: %d connections, %d examples", f.Code, f.Connections, len(f.Examples))
		}
		for i, e := range f.Examples {
			if e.Conn != uint64(i+1) {
				t.Errorf("%s: example %d is conn %d, want %d", f.Code, i, e.Conn, i+1)
			}
		}
	}
}

func TestAuditFails(t *testing.T) {
	a := NewAuditor()
	if a.Fails(Weak) || a.Fails(Insecure) {
		t.Error("an empty audit fails")
	}
	conns := syntheticConns()
	a.End(conns[0]) // TLS 1.3, recommended everything
	if a.Fails(Weak) {
		t.Errorf("recommended-only audit fails --fail-on weak: %+v", a.Snapshot().Findings)
	}
	a.End(conns[3]) // TLS 1.0, 3DES: weak
	if !a.Fails(Weak) || a.Fails(Insecure) {
		t.Error("weak audit: want fail on weak only")
	}
	a.End(conns[2]) // SSL 3.0
	if !a.Fails(Insecure) {
		t.Error("insecure audit does not fail --fail-on insecure")
	}
}

// TestAuditConcurrent renders while connections are added, as the live
// loop does (run with -race).
func TestAuditConcurrent(t *testing.T) {
	a := NewAuditor()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 50; i++ {
			for _, c := range syntheticConns() {
				a.End(c)
			}
		}
	}()
	for i := 0; i < 20; i++ {
		var b bytes.Buffer
		if err := a.Render(&b, "json", t0); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if got := a.Snapshot().Connections; got != 350 {
		t.Errorf("%d connections, want 350", got)
	}
}

// TestAuditFormats renders the synthetic set in the four formats, checks
// them against testdata/audit/synthetic.* (rewritten with -update), and
// checks that they carry the same facts: the JSON decodes to the snapshot,
// the CSV rows are the sections' rows, and every row's cells appear in the
// table and markdown output.
func TestAuditFormats(t *testing.T) {
	a := syntheticAuditor()
	out := map[string][]byte{}
	for _, f := range []string{"table", "json", "csv", "markdown"} {
		var b, b2 bytes.Buffer
		if err := a.Render(&b, f, time.Time{}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := a.Render(&b2, f, time.Time{}); err != nil || !bytes.Equal(b.Bytes(), b2.Bytes()) {
			t.Fatalf("%s: two renders differ", f)
		}
		out[f] = b.Bytes()
		ext := map[string]string{"table": "txt", "json": "json", "csv": "csv", "markdown": "md"}[f]
		golden := filepath.Join("testdata", "audit", "synthetic."+ext)
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./report -run AuditFormats -update)", err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s output differs from %s (rerun with -update after a deliberate change)\n%s", f, golden, b.String())
		}
	}

	rep := a.Snapshot()
	var got AuditReport
	if err := json.Unmarshal(out["json"], &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rep) {
		t.Errorf("JSON does not decode to the snapshot")
	}
	var top map[string]json.RawMessage
	json.Unmarshal(out["json"], &top)
	for _, k := range []string{"connections", "versions", "cipher_suites", "findings", "servers", "clients", "certificates", "key_exchange"} {
		if _, ok := top[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}

	cr := csv.NewReader(bytes.NewReader(out["csv"]))
	cr.FieldsPerRecord = -1 // each section has its own columns
	records, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("csv: %v", err)
	}
	var want [][]string
	for _, s := range auditSections(rep, listSep["csv"]) {
		want = append(want, append([]string{"table"}, s.header...))
		for _, r := range s.rows {
			want = append(want, append([]string{s.name}, r...))
		}
	}
	if !reflect.DeepEqual(records, want) {
		t.Errorf("CSV rows differ from the sections")
	}

	for _, f := range []string{"table", "markdown"} {
		text := string(out[f])
		for _, s := range auditSections(rep, listSep[f]) {
			for _, r := range s.rows {
				for _, cell := range r {
					for _, line := range strings.Split(cell, listSep[f]) {
						if f == "markdown" {
							line = markdownCell(line)
						}
						if !strings.Contains(text, line) {
							t.Errorf("%s output lacks %s cell %q", f, s.name, line)
						}
					}
				}
			}
		}
	}
	if !strings.Contains(string(out["markdown"]), "## Cipher suites\n\n| cipher_suite") {
		t.Errorf("markdown lacks the cipher suites table:\n%s", out["markdown"])
	}
}

func TestAuditSnapshotTime(t *testing.T) {
	a := syntheticAuditor()
	var b bytes.Buffer
	if err := a.Render(&b, "json", t0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"as_of": "2024-03-01T12:00:00Z"`) {
		t.Errorf("snapshot lacks as_of:\n%s", b.String())
	}
	if err := a.Render(&b, "yaml", t0); err == nil {
		t.Error("unknown format accepted")
	}
}
