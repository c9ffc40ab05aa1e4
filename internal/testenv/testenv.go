package testenv

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// RequireVar is the environment variable that lists the required oracles.
const RequireVar = "SSLDISSECT_REQUIRE"

// ConformanceVar names the conformance corpus directory, when it is not
// ../shared/conformance from the repository root.
const ConformanceVar = "SSLDISSECT_CONFORMANCE"

// Oracles are the names RequireVar and the functions of this package take.
var Oracles = []string{
	"bash",        // the completion scripts' syntax
	"conformance", // the shared conformance corpus
	"fish",
	"groff", // groff-base: the man page renders without warnings
	"ip",    // iproute2
	"netns", // network namespaces and veth pairs can be made
	"openssl",
	"root",   // the tests run as root
	"roots",  // the system's CA certificates (ca-certificates): x509.SystemCertPool is not empty
	"socket", // the kernel hands out an AF_INET socket
	"sysctl", // procps
	"tcpdump",
	"tshark",
	"zsh",
}

// probe checks an oracle that Need and Have can look for by themselves:
// root, the corpus, a tool. The test itself finds the others missing, and
// calls Unavailable.
func probe(oracle string) (ok bool, why string) {
	switch oracle {
	case "root":
		if os.Geteuid() == 0 {
			return true, ""
		}
		return false, fmt.Sprintf("not root (euid %d)", os.Geteuid())
	case "conformance":
		dir, why := ConformanceDir()
		return dir != "", why
	case "netns", "socket", "roots":
		panic("testenv: " + oracle + " cannot be probed: call Unavailable where the test fails to get it")
	}
	if _, err := exec.LookPath(oracle); err != nil {
		return false, oracle + " is not installed"
	}
	return true, ""
}

// Required reports whether RequireVar names the oracle, or is "all". It
// fails t when RequireVar or oracle names an unknown oracle.
func Required(t testing.TB, oracle string) bool {
	t.Helper()
	if !slices.Contains(Oracles, oracle) {
		t.Fatalf("testenv: unknown oracle %q (known: %s)", oracle, strings.Join(Oracles, ","))
	}
	req := false
	for _, name := range strings.Split(os.Getenv(RequireVar), ",") {
		switch name = strings.TrimSpace(name); {
		case name == "":
		case name == "all" || name == oracle:
			req = true
		case !slices.Contains(Oracles, name):
			t.Fatalf("%s=%q: unknown oracle %q (known: %s, or all)", RequireVar, os.Getenv(RequireVar), name, strings.Join(Oracles, ","))
		}
	}
	return req
}

// Unavailable ends the test because the oracle is missing, for the given
// reason: with t.Fatalf when RequireVar names the oracle, with t.Skipf
// otherwise.
func Unavailable(t testing.TB, oracle, format string, args ...any) {
	t.Helper()
	msg := oracle + " unavailable: " + fmt.Sprintf(format, args...)
	if Required(t, oracle) {
		t.Fatalf("%s (required: %s=%s)", msg, RequireVar, os.Getenv(RequireVar))
	}
	t.Skipf("%s (%s=%s would make this a failure)", msg, RequireVar, oracle)
}

// Need ends the test, as Unavailable does, unless the oracle is here:
// "root", "conformance", or a tool on $PATH. reason says what cannot run
// without it.
func Need(t testing.TB, oracle, reason string) {
	t.Helper()
	if ok, why := probe(oracle); !ok {
		Unavailable(t, oracle, "%s: %s", why, reason)
	}
}

// Have reports whether the oracle is here, for a test that goes on
// without it: when it is missing and required, it fails the test;
// otherwise it logs what is left out (without) and returns false.
func Have(t testing.TB, oracle, without string) bool {
	t.Helper()
	ok, why := probe(oracle)
	if ok {
		return true
	}
	if Required(t, oracle) {
		t.Fatalf("%s unavailable: %s: %s (required: %s=%s)", oracle, why, without, RequireVar, os.Getenv(RequireVar))
	}
	t.Logf("%s unavailable: %s: %s", oracle, why, without)
	return false
}

// Tool is Need for a tool on $PATH; it returns the tool's path.
func Tool(t testing.TB, name, reason string) string {
	t.Helper()
	Need(t, name, reason)
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Conformance is Need for the conformance corpus; it returns the corpus's
// absolute path.
func Conformance(t testing.TB, reason string) string {
	t.Helper()
	Need(t, "conformance", reason)
	dir, why := ConformanceDir()
	if dir == "" {
		t.Fatal(why)
	}
	return dir
}

// ConformanceDir returns the absolute path of the conformance corpus:
// $SSLDISSECT_CONFORMANCE, or ../shared/conformance from the repository
// root; it is the directory that holds SOURCES.md. When there is none it
// returns "" and why.
func ConformanceDir() (dir, why string) {
	dir = os.Getenv(ConformanceVar)
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			return "", err.Error()
		}
		dir = filepath.Join(root, "..", "shared", "conformance")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err.Error()
	}
	if fi, err := os.Stat(filepath.Join(abs, "SOURCES.md")); err != nil || fi.IsDir() {
		return "", fmt.Sprintf("no conformance corpus at %s (no SOURCES.md; set %s or check out ../shared/conformance next to the repository)", abs, ConformanceVar)
	}
	return abs, ""
}

// RepoRoot returns the directory of go.mod, above the test's working
// directory (the package's).
func RepoRoot(t testing.TB) string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		dir = up
	}
}

// SeedCorpus returns the files of the committed seed corpus of a fuzz
// target, testdata/fuzz/<target> in the package's directory, and fails t
// when there are none: the corpus is part of the repository.
func SeedCorpus(t testing.TB, target string) []string {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("no seed corpus for %s: %v", target, err)
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
		t.Fatalf("the seed corpus %s is empty", dir)
	}
	return files
}

// TSVRows reads a tab-separated table whose first line that is not a "#"
// comment names the columns (the conformance corpus's TSHARK_SUMMARY.tsv,
// QUIC_TSHARK.tsv, DTLS_TSHARK.tsv): one map per row, column -> value.
func TSVRows(t testing.TB, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var header []string
	var rows []map[string]string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		if header == nil {
			header = cols
			continue
		}
		r := map[string]string{}
		for i, h := range header {
			if i < len(cols) {
				r[h] = cols[i]
			}
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if header == nil {
		t.Fatalf("%s: no header line", path)
	}
	return rows
}

// CapturesUnder lists the capture files (pcap, pcapng, cap; gzipped or
// not) under dir, as slash-separated paths relative to dir, sorted; none
// when dir does not exist.
func CapturesUnder(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(d.Name(), ".gz")
		if !d.IsDir() && (strings.HasSuffix(name, ".pcap") || strings.HasSuffix(name, ".pcapng") || strings.HasSuffix(name, ".cap")) {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}
