package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/internal/testenv"
	"github.com/ssldissect/ssldissect/report"
)

// The ECH captures of testdata/gen/mkpcaps-ech.sh: Go crypto/tls on both
// sides, public name public.test, inner name secret.test.
const (
	echPublicName = "public.test"
	echInnerName  = "secret.test"
)

// dissectJSON runs dissect --format json with args and returns its
// connections; with plaintextDir set it writes the plaintext there.
func dissectJSON(t *testing.T, plaintextDir string, args ...string) []report.Connection {
	t.Helper()
	t.Setenv("SSLKEYLOGFILE", "")
	all := []string{"dissect", "--format", "json"}
	if plaintextDir != "" {
		all = append(all, "--plaintext-dir", plaintextDir)
	}
	all = append(all, args...)
	var stdout, stderr bytes.Buffer
	if err := run(all, nil, &stdout, &stderr); err != nil {
		t.Fatalf("run %v: %v\n%s", all, err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr: %s", stderr.String())
	}
	return connections(t, stdout.Bytes())
}

func echPcap(name string) string { return filepath.Join("..", "..", "testdata", "pcaps", name) }

// checkECHPlaintext compares connection id's plaintext files in dir with the
// capture's .c2s/.s2c.
func checkECHPlaintext(t *testing.T, dir, capture string, id uint64) {
	t.Helper()
	for _, ext := range []string{"c2s", "s2c"} {
		want, err := os.ReadFile(echPcap(capture + "." + ext))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%d.%s", id, ext)))
		if err != nil {
			t.Fatalf("connection %d: %v", id, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s connection %d %s: %d bytes decrypted, want the %d bytes sent (first difference at %d)",
				capture, id, ext, len(got), len(want), diffAt(got, want))
		}
	}
}

// TestECHTrialDecryption: an accepted ECH connection decrypts with the key
// log Go writes (no ECH lines, secrets keyed by the inner random the wire
// does not show): the one unmatched random's handshake secret opens the
// first server record. The plaintext is the bytes the endpoints sent; the
// Finished messages cannot be checked (the inner ClientHello is not known).
func TestECHTrialDecryption(t *testing.T) {
	for _, name := range []string{"gotls-ech-accept", "gotls-ech-chacha20", "gotls-ech-hrr"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			conns := dissectJSON(t, dir, "-l", echPcap(name+".noech.keylog"), echPcap(name+".pcap"))
			if len(conns) != 1 {
				t.Fatalf("%d connections, want 1", len(conns))
			}
			c := conns[0]
			e := c.ECH
			if e == nil {
				t.Fatal("no ech object")
			}
			if c.SNI != echPublicName {
				t.Errorf("sni %q, want the public name %q", c.SNI, echPublicName)
			}
			if e.Accepted == nil || !*e.Accepted || e.AcceptedBy != "inner_random_trial" || e.Grease != "no" || e.InnerRandomTrials != 1 {
				t.Errorf("ech %+v, want accepted by inner_random_trial after 1 trial, grease no", *e)
			}
			if !c.Decrypted || c.MAC.Failed != 0 || c.MAC.Verified == 0 || len(c.DecryptFailure) > 0 {
				t.Errorf("decrypted %v mac %+v failure %+v", c.Decrypted, c.MAC, c.DecryptFailure)
			}
			if c.Finished.C2S != "unchecked" || c.Finished.S2C != "unchecked" {
				t.Errorf("finished %+v: without the inner ClientHello the transcript is not known", c.Finished)
			}
			checkECHPlaintext(t, dir, name, c.ID)
		})
	}
}

// TestECHNoKeys: without keys, decrypt_failure is no_keys; with a key log
// that holds secrets for another connection only, ech_inner_random, having
// tried that connection's secrets.
func TestECHNoKeys(t *testing.T) {
	conns := dissectJSON(t, "", echPcap("gotls-ech-accept.pcap"))
	if len(conns) != 1 || conns[0].ECH == nil {
		t.Fatalf("connections %+v", conns)
	}
	c := conns[0]
	if c.ECH.Accepted != nil || c.ECH.Grease != "unknown" {
		t.Errorf("ech %+v: without keys neither acceptance nor grease can be told", *c.ECH)
	}
	for _, f := range c.DecryptFailure {
		if f.Code != "no_keys" {
			t.Errorf("decrypt_failure %+v, want no_keys", f)
		}
	}
	if len(c.DecryptFailure) != 2 {
		t.Errorf("decrypt_failure %+v, want both directions", c.DecryptFailure)
	}

	conns = dissectJSON(t, "", "-l", echPcap("gotls-ech-chacha20.noech.keylog"), echPcap("gotls-ech-accept.pcap"))
	c = conns[0]
	if len(c.DecryptFailure) != 2 {
		t.Fatalf("decrypt_failure %+v, want both directions", c.DecryptFailure)
	}
	for _, f := range c.DecryptFailure {
		if f.Code != "ech_inner_random" || !strings.Contains(f.Detail, "none of the 1 unmatched") {
			t.Errorf("decrypt_failure %+v, want ech_inner_random after 1 trial", f)
		}
	}
	if c.ECH.InnerRandomTrials != 1 || c.Decrypted {
		t.Errorf("ech %+v decrypted %v", *c.ECH, c.Decrypted)
	}
}

// TestECHRejectedIgnored: the rejected ECH (the server holds another key)
// decrypts under the outer random, carries retry_configs and is accepted
// false; the client's retry with those configs is accepted (found by
// trial). A server without ECH keys ignores the extension: accepted false,
// no retry_configs, grease likely.
func TestECHRejectedIgnored(t *testing.T) {
	conns := dissectJSON(t, "", "-l", echPcap("gotls-ech-reject.noech.keylog"), echPcap("gotls-ech-reject.pcap"))
	if len(conns) != 2 {
		t.Fatalf("%d connections, want 2", len(conns))
	}
	r, a := conns[0].ECH, conns[1].ECH
	if r == nil || a == nil {
		t.Fatal("no ech object")
	}
	if r.Accepted == nil || *r.Accepted || r.RetryConfigsLength == 0 || r.Grease != "unknown" || r.ConfigID != 7 {
		t.Errorf("rejected: ech %+v, want accepted false with retry_configs, config_id 7, grease unknown", *r)
	}
	if conns[0].Finished.C2S != "ok" || conns[0].Finished.S2C != "ok" {
		t.Errorf("rejected: finished %+v, want ok (the outer ClientHello is the transcript's)", conns[0].Finished)
	}
	if a.Accepted == nil || !*a.Accepted || a.ConfigID != 9 || !conns[1].Decrypted {
		t.Errorf("retry: ech %+v decrypted %v, want accepted with the retry config 9", *a, conns[1].Decrypted)
	}

	conns = dissectJSON(t, "", "-l", echPcap("gotls-ech-ignored.noech.keylog"), echPcap("gotls-ech-ignored.pcap"))
	e := conns[0].ECH
	if e == nil || e.Accepted == nil || *e.Accepted || e.RetryConfigsLength != 0 || e.Grease != "likely" {
		t.Errorf("ignored: ech %+v, want accepted false, no retry_configs, grease likely", e)
	}
}

// TestECHConformance compares the outer ECH connections of the public
// captures with their baselines: Zeek's tls13-ech.pcap (ssl.log
// server_name, and its per-hello extension list naming
// encrypted_client_hello) and nDPI's tls_ech.pcapng (Hostname/SNI, JA4,
// "ECH: version 0xfe0d").
func TestECHConformance(t *testing.T) {
	root := testenv.Conformance(t, "the ECH captures' baselines cannot be compared")

	zeek := filepath.Join(root, "zeek")
	conns := dissectJSON(t, "", filepath.Join(zeek, "traces", "tls13-ech.pcap"))
	rows := testenv.ReadZeekLog(filepath.Join(zeek, "baseline", "scripts.base.protocols.ssl.tls13-encrypted-client-hello", "ssl.log"))
	stdout, err := os.ReadFile(filepath.Join(zeek, "baseline", "scripts.base.protocols.ssl.tls13-encrypted-client-hello", "_stdout.txt"))
	if err != nil {
		t.Fatal(err)
	}
	wantECH := strings.Count(string(stdout), "T, encrypted_client_hello")
	var ech []report.Connection
	for _, c := range conns {
		if c.ECH != nil {
			ech = append(ech, c)
		}
	}
	if len(ech) != wantECH || len(ech) != len(rows) {
		t.Fatalf("zeek: %d connections with ech, Zeek's hellos with encrypted_client_hello %d, ssl.log rows %d", len(ech), wantECH, len(rows))
	}
	for i, row := range rows {
		c := ech[i]
		if c.Client != row["id.orig_h"]+":"+row["id.orig_p"] || c.SNI != row["server_name"] || c.CipherSuite != row["cipher"] {
			t.Errorf("zeek row %d: %s %s %s, ssldissect %s %s %s", i, row["id.orig_h"]+":"+row["id.orig_p"], row["server_name"], row["cipher"], c.Client, c.SNI, c.CipherSuite)
		}
		if c.ECH.Accepted != nil || c.ECH.Grease != "unknown" || c.ECH.PayloadLength == 0 || c.ECH.EncLength != 32 {
			t.Errorf("zeek row %d: ech %+v, want the outer fields and no verdict (no keys)", i, *c.ECH)
		}
	}

	ndpiOut := filepath.Join(root, "ndpi", "expected", "tls_ech.pcapng.out")
	f, err := os.Open(ndpiOut)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var flows []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "[ECH: version ") {
			flows = append(flows, sc.Text())
		}
	}
	conns = dissectJSON(t, "", filepath.Join(root, "ndpi", "pcap", "tls_ech.pcapng"))
	if len(flows) != 1 || len(conns) != 1 {
		t.Fatalf("ndpi: %d ECH flows, %d connections", len(flows), len(conns))
	}
	field := func(re string) string {
		m := regexp.MustCompile(re).FindStringSubmatch(flows[0])
		if m == nil {
			t.Fatalf("ndpi: no %s in %s", re, flows[0])
		}
		return m[1]
	}
	c := conns[0]
	if sni := field(`\[Hostname/SNI: ([^\]]+)\]`); c.SNI != sni {
		t.Errorf("ndpi: sni %q, nDPI %q", c.SNI, sni)
	}
	if ja4 := field(`\[JA4: ([^\]]+)\]`); c.JA4 != ja4 {
		t.Errorf("ndpi: ja4 %q, nDPI %q", c.JA4, ja4)
	}
	if v := field(`\[ECH: version (0x[0-9a-f]+)\]`); v != "0xfe0d" || c.ECH == nil {
		t.Errorf("ndpi: ECH version %s, ssldissect ech %+v", v, c.ECH)
	}
}

// TestECHInnerClientHello: with the RFC 9850 lines (NAME.keylog) the inner
// ClientHello decrypts: its name is the one the client asked for, not the
// public name; the accept confirmation tells accepted from rejected, the
// Finished messages verify over the inner transcript, and the plaintext is
// the bytes sent.
func TestECHInnerClientHello(t *testing.T) {
	for _, tc := range []struct {
		name     string
		accepted []bool
	}{
		{"gotls-ech-accept", []bool{true}},
		{"gotls-ech-chacha20", []bool{true}},
		{"gotls-ech-hrr", []bool{true}},
		{"gotls-ech-reject", []bool{false, true}},
		{"gotls-ech-ignored", []bool{false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			conns := dissectJSON(t, dir, "-l", echPcap(tc.name+".keylog"), echPcap(tc.name+".pcap"))
			if len(conns) != len(tc.accepted) {
				t.Fatalf("%d connections, want %d", len(conns), len(tc.accepted))
			}
			for i, c := range conns {
				e := c.ECH
				if e == nil {
					t.Fatalf("connection %d: no ech", c.ID)
				}
				if c.SNI != echPublicName || e.InnerSNI != echInnerName || e.InnerJA4 == "" || e.Grease != "no" {
					t.Errorf("connection %d: sni %q inner_sni %q inner_ja4 %q grease %q, want %q, %q, a JA4, no",
						c.ID, c.SNI, e.InnerSNI, e.InnerJA4, e.Grease, echPublicName, echInnerName)
				}
				if e.Accepted == nil || *e.Accepted != tc.accepted[i] || e.AcceptedBy != "accept_confirmation" {
					t.Errorf("connection %d: accepted %v by %q, want %v by accept_confirmation", c.ID, e.Accepted, e.AcceptedBy, tc.accepted[i])
				}
				if c.Finished.C2S != "ok" || c.Finished.S2C != "ok" || c.MAC.Failed != 0 {
					t.Errorf("connection %d: finished %+v mac %+v", c.ID, c.Finished, c.MAC)
				}
				if strings.Join(e.InnerALPN, ",") != "http/1.1" {
					t.Errorf("connection %d: inner_alpn %q, want the client's [http/1.1]", c.ID, e.InnerALPN)
				}
				if tc.accepted[i] && e.InnerRandomTrials != 0 {
					t.Errorf("connection %d: %d trials with the inner random known", c.ID, e.InnerRandomTrials)
				}
			}
			if _, err := os.Stat(echPcap(tc.name + ".c2s")); err == nil {
				checkECHPlaintext(t, dir, tc.name, conns[0].ID)
			}
		})
	}
}

// TestECHWrongSecret: an ECH_SECRET line that does not open the
// extension gives the note ech_decrypt_failed; the connection still
// decrypts by trying the unmatched handshake secrets.
func TestECHWrongSecret(t *testing.T) {
	b, err := os.ReadFile(echPcap("gotls-ech-accept.keylog"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "ECH_SECRET" {
			s := []byte(f[2])
			if s[0] == '0' { // another hex digit: a different secret
				s[0] = '1'
			} else {
				s[0] = '0'
			}
			l = f[0] + " " + f[1] + " " + string(s)
		}
		out = append(out, l)
	}
	kl := filepath.Join(t.TempDir(), "wrong.keylog")
	if err := os.WriteFile(kl, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	conns := dissectJSON(t, "", "-l", kl, echPcap("gotls-ech-accept.pcap"))
	c := conns[0]
	noted := false
	for _, n := range c.Notes {
		noted = noted || n.Code == "ech_decrypt_failed"
	}
	if !noted || c.ECH.InnerSNI != "" {
		t.Errorf("notes %+v inner_sni %q, want ech_decrypt_failed and no inner hello", c.Notes, c.ECH.InnerSNI)
	}
	if !c.Decrypted || c.ECH.AcceptedBy != "inner_random_trial" {
		t.Errorf("decrypted %v ech %+v, want decryption by trial", c.Decrypted, *c.ECH)
	}
}

// TestECHFormats: the ech object is under ssldissect.ech in ecs, and the
// text format has its line.
func TestECHFormats(t *testing.T) {
	t.Setenv("SSLKEYLOGFILE", "")
	args := []string{"-l", echPcap("gotls-ech-accept.keylog"), echPcap("gotls-ech-accept.pcap")}
	var stdout, stderr bytes.Buffer
	if err := run(append([]string{"dissect", "--format", "ecs"}, args...), nil, &stdout, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	var doc struct {
		TLS struct {
			Client struct {
				ServerName string `json:"server_name"`
			} `json:"client"`
		} `json:"tls"`
		SSLDissect struct {
			ECH *report.ECH `json:"ech"`
		} `json:"ssldissect"`
	}
	line, _, _ := bytes.Cut(stdout.Bytes(), []byte("\n"))
	if err := json.Unmarshal(line, &doc); err != nil {
		t.Fatal(err)
	}
	if e := doc.SSLDissect.ECH; e == nil || e.InnerSNI != echInnerName || doc.TLS.Client.ServerName != echPublicName {
		t.Errorf("ecs: tls.client.server_name %q, ssldissect.ech %+v", doc.TLS.Client.ServerName, e)
	}
	stdout.Reset()
	if err := run(append([]string{"dissect", "--format", "text"}, args...), nil, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^\s+ech\s+config_id 7 HKDF-SHA256/AES-128-GCM .*accepted \(accept_confirmation\).*inner sni secret\.test`).Match(stdout.Bytes()) {
		t.Error("text: no ech line with the inner name")
	}
}

// TestECHLinesOnly: a key log with only the ECH lines opens the inner
// ClientHello and tells acceptance (the accept confirmation needs no
// traffic secret), and the records stay encrypted with ech_inner_random
// naming the inner random.
func TestECHLinesOnly(t *testing.T) {
	b, err := os.ReadFile(echPcap("gotls-ech-accept.keylog"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "ECH_") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("%d ECH lines in the key log, want 2", len(lines))
	}
	kl := filepath.Join(t.TempDir(), "ech-only.keylog")
	if err := os.WriteFile(kl, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := dissectJSON(t, "", "-l", kl, echPcap("gotls-ech-accept.pcap"))[0]
	e := c.ECH
	if e.InnerSNI != echInnerName || e.Accepted == nil || !*e.Accepted || e.AcceptedBy != "accept_confirmation" {
		t.Errorf("ech %+v, want the inner hello and accepted by its confirmation", *e)
	}
	if c.Decrypted || len(c.DecryptFailure) != 2 {
		t.Fatalf("decrypted %v failure %+v", c.Decrypted, c.DecryptFailure)
	}
	for _, f := range c.DecryptFailure {
		if f.Code != "ech_inner_random" || !strings.Contains(f.Detail, "ECH was accepted") {
			t.Errorf("decrypt_failure %+v", f)
		}
	}
}

// TestECHFromDNS: without keys, the DNS response in gotls-ech-dns.pcap
// publishes the ECHConfig the ClientHello names (config_id, suite, public
// name), so the ECH is real: grease "no" and ech.dns. Without the DNS
// packets (-f 'not udp port 53') grease stays unknown, as it does in
// gotls-ech-dns-mismatch.pcap, whose DNS publishes another config_id. The
// text format says it too, and the summary counts the config.
func TestECHFromDNS(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		grease string
		dns    bool
	}{
		{"dns", []string{echPcap("gotls-ech-dns.pcap")}, "no", true},
		{"dns/workers", []string{"--workers", "3", echPcap("gotls-ech-dns.pcap")}, "no", true},
		{"dns filtered out", []string{"-f", "not udp port 53", echPcap("gotls-ech-dns.pcap")}, "unknown", false},
		{"mismatch", []string{echPcap("gotls-ech-dns-mismatch.pcap")}, "unknown", false},
		{"mismatch/keys", []string{"-l", echPcap("gotls-ech-dns-mismatch.keylog"), echPcap("gotls-ech-dns-mismatch.pcap")}, "no", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conns := dissectJSON(t, "", tc.args...)
			if len(conns) != 1 || conns[0].ECH == nil {
				t.Fatalf("connections %+v", conns)
			}
			e := conns[0].ECH
			if e.Grease != tc.grease {
				t.Errorf("grease %q, want %q", e.Grease, tc.grease)
			}
			if !tc.dns {
				if e.DNS != nil {
					t.Errorf("dns %+v, want none", *e.DNS)
				}
				return
			}
			if e.DNS == nil || *e.DNS != (report.ECHDNS{Query: echPublicName, Type: "HTTPS", PublicName: echPublicName}) {
				t.Errorf("dns %+v", e.DNS)
			}
			if e.Accepted != nil {
				t.Errorf("accepted %v: without keys it cannot be told", *e.Accepted)
			}
		})
	}
	t.Setenv("SSLKEYLOGFILE", "")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"dissect", echPcap("gotls-ech-dns.pcap")}, nil, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"grease no", "config from dns HTTPS public.test (public_name public.test)",
		"DNS: 1 ECHConfigs published in HTTPS/SVCB records (0 more not kept), 0 malformed"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("text output lacks %q", want)
		}
	}
	stdout.Reset()
	if err := run([]string{"dissect", "--format", "json", echPcap("gotls-ech-dns.pcap")}, nil, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), `"dns_ech_configs":1`) {
		t.Error("the summary lacks dns_ech_configs 1")
	}
}
