package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// runArgs runs the command line and returns its stdout, stderr and error,
// the error printed as exitCode prints it.
func runArgs(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(args, strings.NewReader(""), &out, &errb)
	if err != nil {
		exitCode(err, &errb)
	}
	return out.String(), errb.String(), err
}

// TestAuditRefusesDissectFlags: the flags that only shape dissect's output
// are refused by audit, not silently ignored.
func TestAuditRefusesDissectFlags(t *testing.T) {
	for _, args := range [][]string{
		{"audit", "--plaintext-dir", t.TempDir(), "x.pcap"},
		{"audit", "--hex", "x.pcap"},
		{"audit", "-a", "x.pcap"},
	} {
		_, stderr, err := runArgs(t, args...)
		if err == nil || !strings.Contains(stderr, "dissect flag") {
			t.Errorf("%q: err %v, stderr %q; want a refusal naming it a dissect flag", args, err, stderr)
		}
	}
}

// udpFrame is an Ethernet frame with a UDP datagram to port dport, 16
// bytes long.
func udpFrame(id, dport uint16) []byte {
	udp := []byte{0x30, 0x39, byte(dport >> 8), byte(dport), 0, 16, 0, 0, 'h', 'e', 'l', 'l', 'o', '!', '!', '!'}
	return ether(0x0800, ipv4(17, id, false, 0, udp))
}

// summaryOf runs args with --format json and returns the summary line.
func summaryOf(t *testing.T, args ...string) map[string]any {
	t.Helper()
	stdout, stderr, err := runArgs(t, append([]string{"--format", "json"}, args...)...)
	if err != nil {
		t.Fatalf("%q: %v: %s", args, err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var s map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDurationStopsBefore: --duration D takes the packets less than D
// after the first: the packet that ends the run is neither analysed nor
// counted in the summary. The frames are 1 s apart.
func TestDurationStopsBefore(t *testing.T) {
	path := pcapFile(t, udpFrame(1, 53), udpFrame(2, 53), udpFrame(3, 53), udpFrame(4, 53))
	for _, c := range []struct {
		duration string
		packets  float64
	}{
		{"10ms", 1},
		{"1s", 1},
		{"1500ms", 2},
		{"3s", 3},
		{"1h", 4},
	} {
		s := summaryOf(t, "--duration", c.duration, path)
		if s["packets"] != c.packets || s["bytes"] != c.packets*float64(len(udpFrame(1, 53))) {
			t.Errorf("--duration %s: summary packets %v, bytes %v; want %v packets", c.duration, s["packets"], s["bytes"], c.packets)
		}
	}
}

// TestFilterSummaryCounts: with -f, the summary of a file counts the
// packets that passed the filter, as a live run does, and the others in
// filtered_packets.
func TestFilterSummaryCounts(t *testing.T) {
	path := pcapFile(t, udpFrame(1, 53), udpFrame(2, 54), udpFrame(3, 53), udpFrame(4, 54), udpFrame(5, 54))
	s := summaryOf(t, "-f", "udp port 53", path)
	if s["packets"] != 2.0 || s["filtered_packets"] != 3.0 || s["bytes"] != 2.0*float64(len(udpFrame(1, 53))) {
		t.Errorf("-f 'udp port 53': packets %v, filtered_packets %v, bytes %v; want 2, 3 and two frames' bytes", s["packets"], s["filtered_packets"], s["bytes"])
	}
	// The text summary says which packets it counts.
	if out, stderr, err := runArgs(t, "-f", "udp port 53", path); err != nil || !strings.Contains(out, "Summary: 2 packets (matching the filter; 3 more did not), 100 bytes,") {
		t.Errorf("text summary (%v %s):\n%s", err, stderr, out)
	}
	// -c counts the same packets.
	if s := summaryOf(t, "-f", "udp port 54", "-c", "2", path); s["packets"] != 2.0 {
		t.Errorf("-f 'udp port 54' -c 2: packets %v, want 2", s["packets"])
	}
}

// noKeysNotes runs dissect --format json on args and returns the details
// of the no_keys and quic_no_keys notes of its connections.
func noKeysNotes(t *testing.T, args ...string) []string {
	t.Helper()
	stdout, stderr, err := runArgs(t, append([]string{"--format", "json"}, args...)...)
	if err != nil {
		t.Fatalf("%q: %v: %s", args, err, stderr)
	}
	var got []string
	for _, c := range connections(t, []byte(stdout)) {
		for _, n := range c.Notes {
			if n.Code == "no_keys" || n.Code == "quic_no_keys" {
				got = append(got, n.Detail)
			}
		}
	}
	if len(got) == 0 {
		t.Fatalf("%q: no no_keys note", args)
	}
	return got
}

// TestNoKeysNamesWhatWasGiven: a no_keys note says that no key log was
// given when none was, and names the one given otherwise; for static RSA
// it says whether an RSA key was given.
func TestNoKeysNamesWhatWasGiven(t *testing.T) {
	t.Setenv("SSLKEYLOGFILE", "")
	pcaps := "../../testdata/pcaps/"
	other := pcaps + "openssl-tls13-aes128-gcm.keylog"
	for _, c := range []struct {
		name        string
		args        []string
		want, avoid []string
	}{
		{"tls12_none", []string{pcaps + "openssl-tls12-dhe-rsa-aes256-gcm.pcap"},
			[]string{"no key log was given", "no CLIENT_RANDOM for client random "}, []string{"in the key log"}},
		{"tls13_none", []string{pcaps + "openssl-tls13-chacha20.pcap"},
			[]string{"no key log was given", "no TLS 1.3 traffic secrets for client random "}, []string{"in the key log"}},
		{"tls12_other", []string{"-l", other, pcaps + "openssl-tls12-dhe-rsa-aes256-gcm.pcap"},
			[]string{"in the key log " + other}, []string{"was given"}},
		{"rsa_none", []string{pcaps + "openssl-tls12-rsa-aes128-gcm.pcap"},
			[]string{"no key log was given", "and no RSA private key (-k) was given"}, nil},
		{"quic_none", []string{pcaps + "quicgo-v1.pcap"},
			[]string{"no key log was given"}, []string{"in the key log"}},
		{"quic_other", []string{"-l", other, pcaps + "quicgo-v1.pcap"},
			[]string{"in the key log " + other}, []string{"was given"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, d := range noKeysNotes(t, c.args...) {
				for _, w := range c.want {
					if !strings.Contains(d, w) {
						t.Errorf("note %q lacks %q", d, w)
					}
				}
				for _, a := range c.avoid {
					if strings.Contains(d, a) {
						t.Errorf("note %q has %q", d, a)
					}
				}
			}
		})
	}
}

// flagNames are the long and short flags a help text lists.
var flagNames = regexp.MustCompile(`(?m)^    (?:(-[a-z]), )?\s*(--[a-z-]+)`)

// TestAuditHelp: audit --help, audit -h and help audit print the audit's
// own help, which lists every flag audit takes and none of dissect's own;
// every flag it lists is accepted by audit.
func TestAuditHelp(t *testing.T) {
	for _, args := range [][]string{{"audit", "--help"}, {"audit", "-h"}, {"help", "audit"}, {"audit", "x.pcap", "--help"}} {
		out, _, err := runArgs(t, args...)
		if err != nil || out != auditUsage {
			t.Errorf("%q: err %v, output:\n%s", args, err, out)
		}
	}
	if out, _, _ := runArgs(t, "--help"); out != usage {
		t.Errorf("--help is not the main usage")
	}
	listed := map[string]bool{}
	for _, m := range flagNames.FindAllStringSubmatch(auditUsage, -1) {
		listed[m[2]] = true
		if m[1] != "" {
			listed[m[1]] = true
		}
	}
	for _, f := range []string{"--plaintext-dir", "--hex", "-x", "--ascii", "-a", "--log-dir", "--zeek-json", "--write-decrypted"} {
		if listed[f] {
			t.Errorf("audit help lists the dissect flag %s", f)
		}
	}
	for _, m := range flagNames.FindAllStringSubmatch(usage, -1) {
		switch m[2] {
		case "--plaintext-dir", "--hex", "--ascii", "--log-dir", "--zeek-json", "--write-decrypted":
			continue
		}
		if !listed[m[2]] {
			t.Errorf("audit help lacks %s", m[2])
		}
	}
	for f := range listed {
		_, stderr, _ := runArgs(t, "audit", f, "1", "x.pcap")
		if strings.Contains(stderr, "not defined") || strings.Contains(stderr, "dissect flag") {
			t.Errorf("audit %s: %s", f, stderr)
		}
	}
}

// TestVersion: --version and version print "ssldissect <version>", the
// version from the build info: a tagged module version as installed, the
// commit (and -dirty) of a git checkout, never "dev".
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}, {"audit", "--version"}} {
		out, stderr, err := runArgs(t, args...)
		if err != nil || out != "ssldissect "+versionString()+"\n" || strings.Contains(out, "dev\n") {
			t.Errorf("%q: err %v, stdout %q, stderr %q", args, err, out, stderr)
		}
	}
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "e4a216e8abba2f3d169bbeff117591a26fff65f6"
	for _, c := range []struct {
		name     string
		version  string
		settings []debug.BuildSetting
		want     string
	}{
		{"installed", "v1.2.0", nil, "v1.2.0"},
		{"installed_pseudo", "v0.0.0-20261203141147-e4a216e8abba", nil, "v0.0.0-20261203141147-e4a216e8abba"},
		{"checkout_clean", "v0.0.0-20261203141147-e4a216e8abba", vcs(rev, "false"), "e4a216e8abba"},
		{"checkout_dirty", "v0.0.0-20261203141147-e4a216e8abba+dirty", vcs(rev, "true"), "e4a216e8abba-dirty"},
		{"checkout_tag", "v1.3.0", vcs(rev, "false"), "v1.3.0"},
		{"checkout_after_tag", "v1.3.1-0.20261203141147-e4a216e8abba+dirty", vcs(rev, "true"), "e4a216e8abba-dirty"},
		{"devel_vcs", "(devel)", vcs(rev, "true"), "e4a216e8abba-dirty"},
		{"devel", "(devel)", nil, "devel"},
	} {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/ssldissect/ssldissect", Version: c.version}, Settings: c.settings}
		if got := versionFrom(bi); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if got := versionFrom(nil); got != "devel" {
		t.Errorf("no build info: %q", got)
	}
}

// TestVersionFromCheckout builds the command in a clone of this checkout
// with VCS stamping on and checks that --version names HEAD.
func TestVersionFromCheckout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	root, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skip(err)
	}
	dir := filepath.Join(t.TempDir(), "clone")
	if out, err := exec.Command("git", "clone", "-q", "--no-checkout", strings.TrimSpace(string(root)), dir).CombinedOutput(); err != nil {
		t.Skipf("git clone: %v\n%s", err, out)
	}
	if out, err := exec.Command("git", "-C", dir, "checkout", "-q", strings.TrimSpace(string(head))).CombinedOutput(); err != nil {
		t.Fatalf("git checkout: %v\n%s", err, out)
	}
	bin := filepath.Join(t.TempDir(), "ssldissect")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, "./cmd/ssldissect")
	build.Dir = dir
	build.Env = append(envWithout("GOFLAGS"), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	want := "ssldissect " + string(head[:12]) + "\n"
	if err != nil || string(out) != want {
		t.Errorf("--version: %q (%v), want %q", out, err, want)
	}
}

// TestMistypedCommand: a first argument that is no file but close to a
// subcommand is refused with the subcommand meant; a file of that name,
// or a name far from every subcommand, is read as a file.
func TestMistypedCommand(t *testing.T) {
	for _, c := range []struct{ arg, want string }{
		{"disect", "dissect"}, {"dissct", "dissect"}, {"dissekt", "dissect"},
		{"audt", "audit"}, {"auidt", "audit"}, {"verison", "version"}, {"hlep", "help"},
	} {
		_, stderr, err := runArgs(t, c.arg, "x.pcap")
		want := `ssldissect: error: unknown command "` + c.arg + `", and no such file` + "\n" +
			"ssldissect: hint: did you mean " + c.want + "? (run 'ssldissect --help' for the commands)\n"
		if err == nil || stderr != want {
			t.Errorf("%s x.pcap: stderr %q, want %q", c.arg, stderr, want)
		}
	}
	// Far from every command, or a path: a missing file, as before.
	for _, arg := range []string{"capture", "disect.pcap", "./disect"} {
		_, stderr, err := runArgs(t, arg)
		if err == nil || strings.Contains(stderr, "did you mean") || !strings.Contains(stderr, arg) {
			t.Errorf("%s: %v, stderr %q; want a missing-file error", arg, err, stderr)
		}
	}
	// A file named like a mistyped command is read.
	t.Chdir(t.TempDir())
	if err := os.WriteFile("disect", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, _ := runArgs(t, "disect"); strings.Contains(stderr, "did you mean") {
		t.Errorf("an existing file disect: %q", stderr)
	}
}

// TestDurationNeedsUnit: a duration flag given a bare number says that it
// needs a unit, with examples; one that is no duration says what one looks
// like (flag.DurationVar said "parse error").
func TestDurationNeedsUnit(t *testing.T) {
	for _, c := range []struct{ flag, value, want string }{
		{"--duration", "5", `invalid value "5" for flag -duration: a duration needs a unit, e.g. 5s or 5m (units: ns, us, ms, s, m, h)`},
		{"--idle-timeout", "1.5", `invalid value "1.5" for flag -idle-timeout: a duration needs a unit, e.g. 1.5s or 1.5m`},
		{"--key-wait", "10", `flag -key-wait: a duration needs a unit`},
		{"--interval", "soon", `invalid value "soon" for flag -interval: not a duration: give a number with a unit, e.g. 5s, 10m or 1h30m`},
	} {
		_, stderr, err := runArgs(t, c.flag, c.value, "x.pcap")
		if err == nil || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "parse error") {
			t.Errorf("%s %s: stderr %q, want %q", c.flag, c.value, stderr, c.want)
		}
	}
	o, err := parseArgs([]string{"--duration", "1m30s", "--key-wait", "0s", "x.pcap"}, nil)
	if err != nil || o.duration != 90*time.Second || o.keyWait != 0 || o.idleTimeout != 2*time.Minute {
		t.Errorf("parsed %+v, %v", o, err)
	}
}
