//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// TestLiveVeth sniffs a veth pair between two network namespaces while
// OpenSSL talks TLS 1.2 and TLS 1.3 across it, with a key log that the
// client writes during the capture. It checks that the decrypted
// application data is what the endpoints sent, byte for byte; that the
// summary counts as many packets as tcpdump on the same interface at the
// same time; and that the pcapng file written with -w decrypts without a
// key log. It skips where namespaces cannot be made (not root, no ip),
// or fails there when SSLDISSECT_REQUIRE says so (internal/testenv). It
// runs without a filter, and with one that goes to the kernel. It waits
// on what it needs to see (a port that accepts, the replies, the
// plaintext files), never for a fixed time.
func TestLiveVeth(t *testing.T) {
	if testing.Short() {
		t.Skip("live capture test: not in -short mode")
	}
	t.Parallel()
	testenv.Need(t, "root", "live capture test: network namespaces need root")
	for _, tool := range []string{"ip", "openssl", "sysctl"} {
		testenv.Need(t, tool, "live capture test: the namespaces and TLS peers need it")
	}
	bin := ssldissectBinary(t)
	for i, f := range []string{"", "tcp port 4433 or icmp"} {
		name := "no filter"
		if f != "" {
			name = "filter " + f
		}
		t.Run(name, func(t *testing.T) { liveVeth(t, bin, i, f) })
	}
}

func liveVeth(t *testing.T, bin string, n int, filter string) {
	dir := t.TempDir()
	id := (os.Getpid()*2 + n) % 100000
	nsA, nsB := fmt.Sprintf("sdlive%da", id), fmt.Sprintf("sdlive%db", id)
	net := fmt.Sprintf("10.%d.%d", 200+id%50, id%250)
	srvIP := net + ".1"
	ifA, ifB := "sdvA", "sdvB"
	if out, err := exec.Command("ip", "netns", "add", nsA).CombinedOutput(); err != nil {
		testenv.Unavailable(t, "netns", "ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", nsA).Run() })
	if out, err := exec.Command("ip", "netns", "add", nsB).CombinedOutput(); err != nil {
		testenv.Unavailable(t, "netns", "ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", nsB).Run() })
	setup := [][]string{
		{"ip", "link", "add", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB},
		{"ip", "netns", "exec", nsA, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"},
		{"ip", "netns", "exec", nsB, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"},
		{"ip", "-n", nsA, "addr", "add", srvIP + "/24", "dev", ifA},
		{"ip", "-n", nsB, "addr", "add", net + ".2/24", "dev", ifB},
		{"ip", "-n", nsA, "link", "set", ifA, "up"},
		{"ip", "-n", nsB, "link", "set", ifB, "up"},
	}
	for _, c := range setup {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			testenv.Unavailable(t, "netns", "%s: %v: %s", strings.Join(c, " "), err, out)
		}
	}
	nsExec := func(ns string, args ...string) *exec.Cmd {
		c := exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...)
		c.Dir = dir
		c.Env = envWithout("SSLKEYLOGFILE")
		return c
	}
	run := func(c *exec.Cmd) []byte {
		t.Helper()
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(c.Args, " "), err, out)
		}
		return out
	}
	run(nsExec(nsA, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", "key.pem", "-out", "cert.pem", "-days", "2", "-subj", "/CN=ssldissect-live-test"))

	// The sniffers: tcpdump (when installed) and ssldissect, on the
	// server's end of the pair.
	var tcpdump *exec.Cmd
	var tcpdumpErr lockedBuffer
	if testenv.Have(t, "tcpdump", "the packet count is not compared") {
		args := []string{"tcpdump", "-n", "-i", ifA, "-w", "tcpdump.pcap", "-U"}
		if filter != "" {
			args = append(args, filter)
		}
		tcpdump = nsExec(nsA, args...)
		startAndWait(t, tcpdump, &tcpdumpErr, "listening on")
	}
	var sniffOut bytes.Buffer
	var sniffErr lockedBuffer
	args := []string{bin, "dissect", "-i", ifA, "-l", "keys.log", "--plaintext-dir", "plain",
		"-w", "live.pcapng", "--format", "json"}
	if filter != "" {
		args = append(args, "-f", filter)
	}
	// How long the sniffer holds packets for late keys: its --key-wait.
	keyWait := 1500 * time.Millisecond
	if w := os.Getenv("SSLDISSECT_TEST_KEY_WAIT"); w != "" {
		args = append(args, "--key-wait", w)
		d, err := time.ParseDuration(w)
		if err != nil {
			t.Fatalf("SSLDISSECT_TEST_KEY_WAIT=%q: %v", w, err)
		}
		keyWait = d
	}
	sniff := nsExec(nsA, args...)
	sniff.Stdout = &sniffOut
	startAndWait(t, sniff, &sniffErr, "listening on")
	stopped := false
	stop := func(c *exec.Cmd) {
		if c != nil && c.Process != nil {
			c.Process.Signal(syscall.SIGTERM)
		}
	}
	t.Cleanup(func() {
		if !stopped {
			stop(tcpdump)
			stop(sniff)
			sniff.Wait()
			if tcpdump != nil {
				tcpdump.Wait()
			}
		}
	})

	server := nsExec(nsA, "openssl", "s_server", "-accept", srvIP+":4433", "-cert", "cert.pem", "-key", "key.pem",
		"-rev", "-naccept", "3", "-quiet")
	server.Stdout, server.Stderr = io.Discard, io.Discard
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Process.Kill(); server.Wait() })
	waitPort(t, nsB, srvIP+":4433")

	// The clients write their secrets to client-keys.log; the sniffer
	// follows keys.log, where each line lands 700 ms after the client
	// wrote it: after the records that need it have been captured.
	copyStop := make(chan struct{})
	copyDone := make(chan struct{})
	go func() {
		defer close(copyDone)
		copied := 0
		for {
			select {
			case <-copyStop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			b, _ := os.ReadFile(filepath.Join(dir, "client-keys.log"))
			if end := bytes.LastIndexByte(b, '\n') + 1; end > copied {
				chunk := b[copied:end]
				copied = end
				time.AfterFunc(700*time.Millisecond, func() {
					f, err := os.OpenFile(filepath.Join(dir, "keys.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
					if err == nil {
						f.Write(chunk)
						f.Close()
					}
				})
			}
		}
	}()
	type exchange struct{ sent, got []byte }
	want := map[string]exchange{}
	for _, v := range []string{"1.2", "1.3"} {
		sent := []byte(fmt.Sprintf("hello over TLS %s\nsecond line, with bytes \x01\x7f\nend\n", v))
		client := nsExec(nsB, "openssl", "s_client", "-connect", srvIP+":4433", "-tls"+strings.ReplaceAll(v, ".", "_"),
			"-keylogfile", "client-keys.log", "-quiet", "-no_ign_eof")
		// Stdin stays open until the replies have come (s_server -rev
		// sends each line back reversed: as many bytes as were sent),
		// so that the client does not close before.
		pr, pw := io.Pipe()
		client.Stdin = pr
		var got lockedBuffer
		client.Stdout = &got
		client.Stderr = io.Discard
		if err := client.Start(); err != nil {
			t.Fatal(err)
		}
		pw.Write(sent)
		waitFor(t, 10*time.Second, "the reply to s_client -tls"+v, func() bool { return len(got.String()) >= len(sent) })
		pw.Close()
		if err := client.Wait(); err != nil {
			t.Fatalf("s_client -tls%s: %v", v, err)
		}
		want["TLS "+v] = exchange{sent, []byte(got.String())}
	}
	// The sniffer holds each packet keyWait, and the keys come 700 ms
	// late: wait until it has written every byte both sides sent.
	waitFor(t, 10*time.Second+keyWait, "the plaintext of both connections in plain/", func() bool {
		files, _ := filepath.Glob(filepath.Join(dir, "plain", "*.c2s"))
		done := 0
		for _, ex := range want {
			for _, c2s := range files {
				a, _ := os.ReadFile(c2s)
				b, _ := os.ReadFile(strings.TrimSuffix(c2s, "c2s") + "s2c")
				if bytes.Equal(a, ex.sent) && bytes.Equal(b, ex.got) {
					done++
					break
				}
			}
		}
		return done == len(want)
	})
	close(copyStop)
	<-copyDone
	stopped = true
	stop(tcpdump)
	stop(sniff)
	if err := sniff.Wait(); err != nil {
		t.Fatalf("ssldissect: %v\n%s", err, sniffErr.String())
	}
	tcpdumpCount := -1
	if tcpdump != nil {
		tcpdump.Wait()
		m := regexp.MustCompile(`(\d+) packets? captured`).FindStringSubmatch(tcpdumpErr.String())
		if m == nil {
			t.Fatalf("tcpdump printed no count:\n%s", tcpdumpErr.String())
		}
		tcpdumpCount, _ = strconv.Atoi(m[1])
	}
	t.Logf("ssldissect stderr:\n%s", sniffErr.String())
	if filter != "" && !strings.Contains(sniffErr.String(), "filter in the kernel") {
		t.Errorf("the filter %q did not go to the kernel", filter)
	}

	sum, conns := readNDJSON(t, sniffOut.Bytes())
	t.Logf("summary: %v", sum)
	if tcpdumpCount >= 0 {
		t.Logf("packets: ssldissect %v, tcpdump %d", sum["packets"], tcpdumpCount)
		if int(sum["packets"].(float64)) != tcpdumpCount {
			t.Errorf("ssldissect counted %v packets, tcpdump %d", sum["packets"], tcpdumpCount)
		}
	}
	if _, ok := sum["kernel_drops"]; !ok {
		t.Errorf("the summary has no kernel_drops")
	}
	checkPlain := func(what, plainDir string, conns []map[string]any) {
		t.Helper()
		seen := map[string]bool{}
		for _, c := range conns {
			v, _ := c["version"].(string)
			ex, ok := want[v]
			if !ok {
				continue
			}
			seen[v] = true
			if c["decrypted"] != true {
				t.Errorf("%s: %s connection not decrypted: %v", what, v, c)
				continue
			}
			id := fmt.Sprint(c["id"])
			for _, f := range []struct {
				dir  string
				want []byte
			}{{"c2s", ex.sent}, {"s2c", ex.got}} {
				b, err := os.ReadFile(filepath.Join(plainDir, id+"."+f.dir))
				if err != nil {
					t.Errorf("%s: %s: %v", what, v, err)
					continue
				}
				if !bytes.Equal(b, f.want) {
					t.Errorf("%s: %s %s plaintext:\n got %q\nwant %q", what, v, f.dir, b, f.want)
				}
			}
		}
		for v := range want {
			if !seen[v] {
				t.Errorf("%s: no %s connection among %d", what, v, len(conns))
			}
		}
	}
	checkPlain("live", filepath.Join(dir, "plain"), conns)

	// The pcapng file alone decrypts: no key log, no SSLKEYLOGFILE.
	var out bytes.Buffer
	c := exec.Command(bin, "dissect", "--plaintext-dir", filepath.Join(dir, "plain2"), "--format", "json", filepath.Join(dir, "live.pcapng"))
	c.Env = envWithout("SSLKEYLOGFILE")
	var errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		t.Fatalf("reading live.pcapng: %v\n%s", err, errb.String())
	}
	sum2, conns2 := readNDJSON(t, out.Bytes())
	if sum2["packets"] != sum["packets"] {
		t.Errorf("live.pcapng holds %v packets, the live run counted %v", sum2["packets"], sum["packets"])
	}
	checkPlain("live.pcapng", filepath.Join(dir, "plain2"), conns2)

	if testenv.Have(t, "tshark", "live.pcapng is not checked with tshark") {
		out, err := exec.Command("tshark", "-n", "-r", filepath.Join(dir, "live.pcapng"), "-Y", "tls.handshake.type == 20").CombinedOutput()
		if err != nil {
			t.Errorf("tshark: %v\n%s", err, out)
		}
		n := strings.Count(string(out), "Finished")
		t.Logf("tshark shows %d decrypted Finished messages in live.pcapng", n)
		if n < 4 {
			t.Errorf("tshark decrypted %d Finished messages in live.pcapng, want 4:\n%s", n, out)
		}
	}
}

// ssldissectBinary builds the command for the child processes.
func ssldissectBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ssldissect")
	c := exec.Command("go", "build", "-o", bin, ".")
	c.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("cannot build ssldissect: %v\n%s", err, out)
	}
	return bin
}

func envWithout(name string) []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, name+"=") {
			env = append(env, e)
		}
	}
	return env
}

// lockedBuffer collects a child's stderr and tells when a marker shows.
type lockedBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	ready  chan struct{}
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if b.ready != nil && strings.Contains(b.buf.String(), b.marker) {
		close(b.ready)
		b.ready = nil
	}
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startAndWait starts c and waits for marker on its stderr, which goes to
// buf.
func startAndWait(t *testing.T, c *exec.Cmd, buf *lockedBuffer, marker string) {
	t.Helper()
	ready := make(chan struct{})
	buf.marker, buf.ready = marker, ready
	c.Stderr = buf
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		for c.ProcessState == nil {
			select {
			case <-ready:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if p, err := os.FindProcess(c.Process.Pid); err != nil || p.Signal(syscall.Signal(0)) != nil {
				close(exited)
				return
			}
		}
	}()
	select {
	case <-ready:
	case <-exited:
		t.Fatalf("%s ended:\n%s", strings.Join(c.Args, " "), buf.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not start:\n%s", strings.Join(c.Args, " "), buf.String())
	}
}

// waitPort waits until a TCP port accepts connections, seen from ns.
func waitPort(t *testing.T, ns, addr string) {
	t.Helper()
	host, port, _ := strings.Cut(addr, ":")
	waitFor(t, 10*time.Second, addr+" to accept connections", func() bool {
		return exec.Command("ip", "netns", "exec", ns, "bash", "-c", "exec 3<>/dev/tcp/"+host+"/"+port).Run() == nil
	})
}

// waitFor polls cond until it holds, and fails the test when it does not
// within timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readNDJSON returns the summary and the connection objects.
func readNDJSON(t *testing.T, b []byte) (map[string]any, []map[string]any) {
	t.Helper()
	var sum map[string]any
	var conns []map[string]any
	for _, line := range bytes.Split(b, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("bad JSON line %q: %v", line, err)
		}
		switch m["type"] {
		case "summary":
			sum = m
		case "connection":
			conns = append(conns, m)
		}
	}
	if sum == nil {
		t.Fatalf("no summary in the output:\n%s", b)
	}
	return sum, conns
}

// TestLivePermission runs -i as an unprivileged user: the error says to
// run as root or grant CAP_NET_RAW.
func TestLivePermission(t *testing.T) {
	if testing.Short() {
		t.Skip("live capture test: not in -short mode")
	}
	t.Parallel()
	testenv.Need(t, "root", "live capture test: switching to an unprivileged user needs root")
	bin := ssldissectBinary(t)
	for d := filepath.Dir(bin); d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	c := exec.Command(bin, "-i", "lo")
	c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := c.CombinedOutput()
	if err == nil {
		t.Fatalf("ssldissect -i lo as uid 65534 succeeded:\n%s", out)
	}
	if !strings.Contains(string(out), "run as root, or grant the capability with: setcap cap_net_raw+ep") {
		t.Errorf("no hint about permissions:\n%s", out)
	}
	t.Logf("%s", out)
}
