package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/report"
	"github.com/ssldissect/ssldissect/trust"
)

// trustConns runs dissect --format json with args and returns its
// connection objects.
func trustConns(t *testing.T, args ...string) []report.Connection {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(append([]string{"dissect", "--format", "json"}, args...), nil, &stdout, &stderr); err != nil {
		t.Fatalf("run %v: %v\n%s", args, err, stderr.String())
	}
	var out []report.Connection
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		if !bytes.HasPrefix(sc.Bytes(), []byte(`{"type":"connection"`)) {
			continue
		}
		var c report.Connection
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// TestTrustShipped: the shipped captures use the certificates of
// testdata/gen/certs. With their CA as --ca-file every chain is "ok"; with
// the system roots, which do not hold that CA, it is "unable to get local
// issuer certificate", or "self signed certificate in certificate chain"
// where the server sent the CA itself (OpenSSL's wording for a chain
// that ends in a self-signed certificate not among the roots).
func TestTrustShipped(t *testing.T) {
	t.Setenv("SSLKEYLOGFILE", "")
	ca := filepath.Join("..", "..", "testdata", "gen", "certs", "ca.pem")
	checked := 0
	for _, pcap := range captures(t) {
		args := append(keyArgs(pcap), pcap)
		withCA := trustConns(t, append([]string{"--ca-file", ca}, args...)...)
		system := trustConns(t, args...)
		if len(withCA) != len(system) {
			t.Fatalf("%s: %d and %d connections", pcap, len(withCA), len(system))
		}
		for i, c := range withCA {
			if len(c.ServerCertificates) == 0 {
				if c.ValidationStatus != "" || system[i].ValidationStatus != "" {
					t.Errorf("%s #%d: a status without certificates", pcap, c.ID)
				}
				continue
			}
			checked++
			if c.ValidationStatus != trust.StatusOK {
				t.Errorf("%s #%d: with --ca-file %q, want ok", pcap, c.ID, c.ValidationStatus)
			}
			want := trust.StatusUnknownIssuer
			if c.ServerCertificates[len(c.ServerCertificates)-1].SelfSigned {
				want = trust.StatusSelfSignedInChain
			}
			if got := system[i].ValidationStatus; got != want {
				t.Errorf("%s #%d: with the system roots %q, want %q", pcap, c.ID, got, want)
			}
			if c.SNI != "" && c.SNIMatchesCert == nil {
				t.Errorf("%s #%d: SNI %s not checked", pcap, c.ID, c.SNI)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no chain checked")
	}
	t.Logf("%d chains checked", checked)
}

// zeekDifferences explains, per trace, why our validation_status differs
// from Zeek's baseline. Zeek validated against its own bundle (Mozilla's
// of the day, SSL::root_certs) with OpenSSL when its baseline was made; we
// use the system roots of the test machine with crypto/x509.
var zeekDifferences = map[string]struct{ ours, reason string }{
	"CVE-2015-3194.pcap": {trust.StatusUnknownIssuer,
		"the leaf is issued by \"Visa eCommerce Root\", which Zeek's bundle held: OpenSSL found the issuer and the " +
			"RSA-PSS signature with no mask generation parameter (the CVE) failed, \"certificate signature failure\"; " +
			"Mozilla removed that root in 2022, so today's system roots have no issuer for it"},
}

// TestTrustZeek compares validation_status with the Zeek baselines that
// log it (ssl.log with a validation_status column) and ocsp_stapled with
// the ocsp-stapling baseline (ssl_stapled_ocsp printed the response's
// length). The test fails if nothing is compared.
func TestTrustZeek(t *testing.T) {
	dir := haveConformance(t, "Zeek's validation_status is not compared")
	if dir == "" {
		t.Skip("no conformance corpus")
	}
	zeek := filepath.Join(dir, "zeek")
	// The baselines name no trace: a btest runs one, named after it.
	traces := map[string]string{
		"scripts.base.protocols.ssl.cve-2015-3194": "CVE-2015-3194.pcap",
	}
	compared := 0
	logs, _ := filepath.Glob(filepath.Join(zeek, "baseline", "*", "ssl.log"))
	for _, log := range logs {
		statuses := zeekColumn(t, log, "validation_status")
		if statuses == nil {
			continue
		}
		test := filepath.Base(filepath.Dir(log))
		trace, ok := traces[test]
		if !ok {
			t.Errorf("%s logs validation_status but names no trace here: add it to traces", test)
			continue
		}
		conns := trustConns(t, filepath.Join(zeek, "traces", trace))
		var ours []string
		for _, c := range conns {
			if len(c.ServerCertificates) > 0 {
				ours = append(ours, c.ValidationStatus)
			}
		}
		if len(ours) != len(statuses) {
			t.Errorf("%s: %d statuses, Zeek %d", trace, len(ours), len(statuses))
			continue
		}
		for i, z := range statuses {
			compared++
			if ours[i] == z {
				continue
			}
			if d, ok := zeekDifferences[trace]; ok && d.ours == ours[i] {
				t.Logf("%s: Zeek %q, ours %q: %s", trace, z, ours[i], d.reason)
				continue
			}
			t.Errorf("%s connection %d: validation_status %q, Zeek %q", trace, i+1, ours[i], z)
		}
	}
	// ocsp-stapling: Zeek's ssl_stapled_ocsp event printed "F, 1995"
	// (is_orig, the response's length).
	out, err := os.ReadFile(filepath.Join(zeek, "baseline", "scripts.base.protocols.ssl.ocsp-stapling", "_stdout.txt"))
	if err == nil && bytes.Contains(out, []byte("F, 1995")) {
		conns := trustConns(t, filepath.Join(zeek, "traces", "ocsp-stapling.pcap"))
		compared++
		if len(conns) != 1 || !conns[0].OCSPStapled {
			t.Errorf("ocsp-stapling.pcap: Zeek saw a stapled OCSP response, we did not")
		}
	}
	if compared == 0 {
		t.Fatal("nothing compared with Zeek")
	}
	t.Logf("%d values compared with Zeek", compared)
}

// zeekColumn is one column of a Zeek TSV log, nil when it has none.
func zeekColumn(t *testing.T, path, name string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, "\t")
		switch {
		case f[0] == "#fields":
			col = -1
			for i, n := range f[1:] {
				if n == name {
					col = i
				}
			}
		case strings.HasPrefix(line, "#") || line == "":
		case col >= 0 && col < len(f):
			out = append(out, f[col])
		}
	}
	return out
}
