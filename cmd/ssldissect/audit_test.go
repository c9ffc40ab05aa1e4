package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ssldissect/ssldissect/internal/testenv"
	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/report"
)

// needConformance returns the conformance corpus (../shared/conformance
// from the repository root, or $SSLDISSECT_CONFORMANCE): public captures
// from other projects (SSL 3.0, RC4, 3DES, NULL, EXPORT suites...). It
// skips without it, or fails when SSLDISSECT_REQUIRE names it.
func needConformance(t *testing.T) string {
	t.Helper()
	return testenv.Conformance(t, "the audit scenarios on the corpus cannot run")
}

// haveConformance is the corpus for a test that goes on without it: ""
// when it is absent and not required.
func haveConformance(t *testing.T, without string) string {
	t.Helper()
	if !testenv.Have(t, "conformance", without) {
		return ""
	}
	dir, _ := testenv.ConformanceDir()
	return dir
}

// TestAuditConformance runs the scenarios of testdata/audit-conformance on
// the conformance captures ($CONFORMANCE): exact counts and ratings per
// version and cipher suite, and --fail-on.
func TestAuditConformance(t *testing.T) {
	dir := needConformance(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/audit-conformance",
		Setup: func(env *testscript.Env) error {
			env.Setenv("CONFORMANCE", dir)
			return nil
		},
	})
}

// legacySet has SSL 3.0, TLS 1.0 to 1.3, RC4, 3DES, DES, IDEA, SEED,
// Camellia, EXPORT, NULL, anonymous, CBC and AEAD suites.
var legacySet = []string{
	"arkime/pcap/openssl-ssl3.pcap",
	"snet/decrypt_by_keylog/ssl3_0.pcap",
	"wireshark-notes/ssl3/dump.pcapng",
	"arkime/pcap/openssl-tls1_2-tls1.pcap",
	"arkime/pcap/openssl-tls1.pcap",
	"arkime/pcap/openssl-tls1_1.pcap",
	"ndpi/pcap/ftp-start-tls.pcap",
	"snet/decrypt_by_keylog/TLS1_ECDHE-RSA-NULL-SHA.pcap",
	"snet/decrypt_by_keylog/TLS1_1_AECDH-NULL-SHA.pcap",
	"arkime/pcap/curl-enabled-tls13.pcap",
	"arkime/pcap/badcurveball.pcap",
}

// TestAuditAgainstTshark compares the audit's counts per version and
// cipher suite with tshark's ServerHellos (HelloRetryRequests left out),
// over the shipped captures and the conformance set, in the JSON and CSV
// formats, and checks that every suite is rated as RateSuite says.
func TestAuditAgainstTshark(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: tshark takes about a minute over these captures")
	}
	t.Parallel()
	testenv.Need(t, "tshark", "no comparison of the audit's counts")
	all, err := filepath.Glob("../../testdata/pcaps/*.pcap")
	if err != nil || len(all) == 0 {
		t.Fatalf("no captures in testdata/pcaps: %v", err)
	}
	// The DTLS captures are left out: tshark finds DTLS on these ports
	// only by heuristics that miss DTLS 1.3 (its ServerHello is then not
	// counted); their records are compared with tshark's one by one in
	// internal/oracle (TestDTLSRecordsTshark, TestDTLSTshark).
	var shipped []string
	for _, f := range all {
		if !strings.Contains(filepath.Base(f), "dtls") {
			shipped = append(shipped, f)
		}
	}
	sets := map[string][]string{"shipped": shipped}
	if dir := haveConformance(t, "only the shipped captures are compared"); dir != "" {
		for _, f := range legacySet {
			sets["legacy"] = append(sets["legacy"], filepath.Join(dir, f))
		}
	}
	for name, files := range sets {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want := tsharkCounts(t, files)
			var stdout, stderr bytes.Buffer
			if err := run(append([]string{"audit", "--format", "json"}, files...), nil, &stdout, &stderr); err != nil {
				t.Fatalf("audit: %v\n%s", err, stderr.String())
			}
			var rep report.AuditReport
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, v := range rep.Versions {
				got["version "+v.ID] += v.Connections
			}
			for _, s := range rep.CipherSuites {
				got["suite "+s.ID] += s.Connections
				var id uint16
				fmt.Sscanf(s.ID, "0x%x", &id)
				if r := report.RateSuite(parser.CipherSuite(id)); r.Rating.String() != s.Rating {
					t.Errorf("%s rated %s, RateSuite says %s", s.CipherSuite, s.Rating, r.Rating)
				}
			}
			if diff := diffCounts(got, want); diff != "" {
				t.Errorf("audit (-) vs tshark (+):\n%s", diff)
			}

			stdout.Reset()
			if err := run(append([]string{"audit", "--format", "csv"}, files...), nil, &stdout, &stderr); err != nil {
				t.Fatal(err)
			}
			gotCSV := map[string]int{}
			for _, line := range strings.Split(stdout.String(), "\n") {
				f := strings.Split(line, ",")
				switch f[0] {
				case "versions":
					gotCSV["version "+f[2]] += atoi(f[3])
				case "cipher_suites":
					gotCSV["suite "+f[2]] += atoi(f[8])
				}
			}
			if diff := diffCounts(gotCSV, want); diff != "" {
				t.Errorf("audit CSV (-) vs tshark (+):\n%s", diff)
			}
			n := 0
			for k, c := range want {
				if strings.HasPrefix(k, "version ") {
					n += c
				}
			}
			t.Logf("%d ServerHellos: counts per version and suite agree with tshark", n)
		})
	}
}

// tsharkCounts counts the ServerHellos of files by version (the
// supported_versions extension when present) and suite. tshark reads one
// file a run, and runs on as many files at once as there are CPUs.
func tsharkCounts(t *testing.T, files []string) map[string]int {
	const hrrRandom = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"
	outs := make([][]byte, len(files))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, f := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			outs[i], errs[i] = exec.Command("tshark", "-r", f, "-Y", "tls.handshake.type==2", "-T", "fields",
				"-e", "tls.handshake.version", "-e", "tls.handshake.extensions.supported_version",
				"-e", "tls.handshake.ciphersuite", "-e", "tls.handshake.random").Output()
		}()
	}
	wg.Wait()
	counts := map[string]int{}
	for i, f := range files {
		out, err := outs[i], errs[i]
		if err != nil {
			t.Fatalf("tshark %s: %v", f, err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if line == "" {
				continue
			}
			cols := strings.Split(line, "\t")
			for len(cols) < 4 {
				cols = append(cols, "")
			}
			hv, sv, cs, rnd := strings.Split(cols[0], ","), strings.Split(cols[1], ","), strings.Split(cols[2], ","), strings.Split(cols[3], ",")
			for i := range hv {
				if i < len(rnd) && strings.ReplaceAll(rnd[i], ":", "") == hrrRandom {
					continue
				}
				v := hv[i]
				if sv[0] != "" {
					v = sv[min(i, len(sv)-1)]
				}
				counts["version "+v]++
				if i < len(cs) {
					counts["suite "+cs[i]]++
				}
			}
		}
	}
	return counts
}

func diffCounts(got, want map[string]int) string {
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	var ks []string
	for k := range keys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var b strings.Builder
	for _, k := range ks {
		if got[k] != want[k] {
			fmt.Fprintf(&b, "-%s %d\n+%s %d\n", k, got[k], k, want[k])
		}
	}
	return b.String()
}

func atoi(s string) int {
	var n int
	fmt.Sscanf(s, "%d", &n)
	return n
}

// TestAuditFailOnStatus checks the exit statuses of --fail-on, as main
// computes them: 0 when only recommended things are seen, 3 otherwise.
func TestAuditFailOnStatus(t *testing.T) {
	shipped := "../../testdata/pcaps/"
	if _, err := os.Stat(shipped + "openssl-tls13-aes128-gcm.pcap"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"audit", "--fail-on", "weak", shipped + "openssl-tls13-aes128-gcm.pcap"}, exitOK},
		{[]string{"audit", "--fail-on", "insecure", shipped + "openssl-tls13-aes128-gcm.pcap"}, exitOK},
		{[]string{"audit", "--fail-on", "weak", shipped + "openssl-tls10-ecdhe-rsa-aes128-cbc.pcap"}, exitFailOn},
		{[]string{"audit", "--fail-on", "insecure", shipped + "openssl-tls10-ecdhe-rsa-aes128-cbc.pcap"}, exitOK},
		{[]string{"audit", shipped + "openssl-tls10-ecdhe-rsa-aes128-cbc.pcap"}, exitOK},
		{[]string{"audit", "--fail-on", "weak", shipped + "openssl-tls12-rsa-aes128-gcm.pcap"}, exitFailOn},
	}
	if dir := haveConformance(t, "no SSL 3.0 capture: --fail-on is checked on the shipped captures only"); dir != "" {
		ssl3 := filepath.Join(dir, "arkime/pcap/openssl-ssl3.pcap")
		tests = append(tests,
			struct {
				args []string
				want int
			}{[]string{"audit", "--fail-on", "insecure", ssl3}, exitFailOn},
			struct {
				args []string
				want int
			}{[]string{"audit", "--format", "json", "--fail-on", "weak", ssl3}, exitFailOn},
		)
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		got := exitCode(run(tt.args, nil, &stdout, &stderr), &stderr)
		if got != tt.want {
			t.Errorf("%q: exit %d, want %d; stderr %s", tt.args, got, tt.want, stderr.String())
		}
		if stdout.Len() == 0 {
			t.Errorf("%q: no report printed", tt.args)
		}
	}
}
