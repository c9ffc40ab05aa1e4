package oracle

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// repoRoot is the directory of go.mod, found by walking up from the
// package directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod above the package directory")
		}
		dir = up
	}
}

// conformanceDir is $SSLDISSECT_CONFORMANCE, or ../shared/conformance from
// the repository root; "" when it does not exist.
func conformanceDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SSLDISSECT_CONFORMANCE")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "..", "shared", "conformance")
	}
	if fi, err := os.Stat(filepath.Join(dir, "SOURCES.md")); err != nil || fi.IsDir() {
		return ""
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// needConformance skips the test when the corpus is absent.
func needConformance(t *testing.T) string {
	t.Helper()
	dir := conformanceDir(t)
	if dir == "" {
		t.Skip("conformance corpus not found: set SSLDISSECT_CONFORMANCE or check out ../shared/conformance next to the repository")
	}
	return dir
}

// needTshark skips the test when tshark is not installed.
func needTshark(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: the comparison with tshark cannot run")
	}
}

func isCapture(name string) bool {
	for _, ext := range []string{".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz", ".cap"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// capturesUnder lists the capture files under dir, as paths relative to
// dir, sorted.
func capturesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && isCapture(d.Name()) {
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

// summaryRow is one line of the corpus's TSHARK_SUMMARY.tsv.
type summaryRow map[string]string

// readSummary reads TSHARK_SUMMARY.tsv: capture path -> column -> value.
func readSummary(t *testing.T, dir string) map[string]summaryRow {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "TSHARK_SUMMARY.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]summaryRow{}
	var header []string
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
		r := summaryRow{}
		for i, c := range cols {
			if i < len(header) {
				r[header[i]] = c
			}
		}
		out[cols[0]] = r
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("TSHARK_SUMMARY.tsv has no rows")
	}
	return out
}
