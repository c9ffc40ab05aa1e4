//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// TestLiveDTLS sniffs the loopback interface, with the kernel filter "udp
// port P", while OpenSSL's s_server -dtls1_2 -listen and s_client -dtls1_2
// talk DTLS 1.2 on 127.0.0.1:P. The client writes its key log during the
// handshake; the sniffer follows it, and its --key-wait holds the packets
// until the secrets are there. The client sends a known request in two
// 300-byte writes and the server a known reply in three 350-byte writes,
// each fed on stdin once the handshake is done (one read, one record, one
// datagram: OpenSSL does not split DTLS writes), then the client closes.
// There must be one DTLS 1.2 connection, every encrypted record's MAC
// verified, both Finished messages ok, and the --plaintext-dir files
// exactly the bytes fed to each side, which are also what the other side
// printed.
func TestLiveDTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("live capture test: not in -short mode")
	}
	t.Parallel()
	testenv.Need(t, "root", "live capture test: sniffing lo needs root")
	openssl := testenv.Tool(t, "openssl", "live DTLS test: the DTLS peers are OpenSSL's s_server and s_client")
	bin := ssldissectBinary(t)
	dir := t.TempDir()
	certs, err := filepath.Abs(filepath.Join("..", "..", "testdata", "gen", "certs"))
	if err != nil {
		t.Fatal(err)
	}
	env := envWithout("SSLKEYLOGFILE")

	// The bytes each side sends: printable and binary, no byte of a
	// command letter's meaning (the peers run -quiet / -nocommands).
	mk := func(label string, n int) []byte {
		b := make([]byte, 0, n)
		for i := 0; len(b) < n; i++ {
			b = append(b, fmt.Sprintf("%s %04d \x00\x01\xfe\xff|", label, i)...)
		}
		return b[:n]
	}
	request := mk("ssldissect live DTLS request", 600)
	reply := mk("ssldissect live DTLS reply", 1050)
	const reqChunk, repChunk = 300, 350

	// The server, on a free port: a UDP port the kernel hands out, freed
	// and given to s_server; another one if s_server cannot bind it.
	var server *exec.Cmd
	var serverIn io.WriteCloser
	var serverOut, serverErr lockedBuffer
	var port int
	serverDone := make(chan error, 1)
	for try := 0; ; try++ {
		port = freeUDPPort(t)
		server = exec.Command(openssl, "s_server", "-dtls1_2", "-listen", "-accept", "127.0.0.1:"+strconv.Itoa(port),
			"-cert", filepath.Join(certs, "server-rsa.pem"), "-key", filepath.Join(certs, "server-rsa.key"),
			"-naccept", "1", "-quiet")
		server.Dir, server.Env = dir, env
		serverOut, serverErr = lockedBuffer{}, lockedBuffer{}
		server.Stdout, server.Stderr = &serverOut, &serverErr
		serverIn, err = server.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := server.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- server.Wait() }()
		bound := false
		deadline := time.Now().Add(10 * time.Second)
		for !bound && time.Now().Before(deadline) {
			select {
			case err := <-done:
				done <- err
				deadline = time.Time{}
				continue
			case <-time.After(20 * time.Millisecond):
			}
			bound = udpBound(server.Process.Pid, port)
		}
		if bound {
			serverDone = done
			break
		}
		server.Process.Kill()
		err := <-done
		if try == 4 {
			t.Fatalf("s_server did not listen on 127.0.0.1:%d (%v):\n%s", port, err, serverErr.String())
		}
		t.Logf("s_server did not listen on 127.0.0.1:%d (%v), another port:\n%s", port, err, serverErr.String())
	}
	t.Cleanup(func() {
		serverIn.Close()
		server.Process.Kill()
		<-serverDone
	})

	// The sniffer.
	keylog := filepath.Join(dir, "keys.log")
	var sniffOut bytes.Buffer
	var sniffErr lockedBuffer
	filter := "udp port " + strconv.Itoa(port)
	args := []string{"dissect", "-i", "lo", "-f", filter, "-l", keylog,
		"--plaintext-dir", "plain", "--format", "json"}
	keyWait := 1500 * time.Millisecond // ssldissect's default --key-wait
	if w := os.Getenv("SSLDISSECT_TEST_KEY_WAIT"); w != "" {
		args = append(args, "--key-wait", w)
		if keyWait, err = time.ParseDuration(w); err != nil {
			t.Fatalf("SSLDISSECT_TEST_KEY_WAIT=%q: %v", w, err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "plain"), 0o755); err != nil {
		t.Fatal(err)
	}
	sniff := exec.Command(bin, args...)
	sniff.Dir, sniff.Stdout, sniff.Env = dir, &sniffOut, env
	startAndWait(t, sniff, &sniffErr, "listening on")
	sniffDone := make(chan error, 1)
	go func() { sniffDone <- sniff.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			sniff.Process.Kill()
			<-sniffDone
		}
	})

	// The client: its key log is the one the sniffer follows.
	client := exec.Command(openssl, "s_client", "-dtls1_2", "-connect", "127.0.0.1:"+strconv.Itoa(port),
		"-servername", "server.test", "-CAfile", filepath.Join(certs, "ca.pem"), "-verify_return_error",
		"-keylogfile", keylog, "-quiet", "-no_ign_eof", "-nocommands")
	client.Dir, client.Env = dir, env
	var clientOut, clientErr lockedBuffer
	client.Stdout, client.Stderr = &clientOut, &clientErr
	clientIn, err := client.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(); err != nil {
		t.Fatal(err)
	}
	clientDone := make(chan error, 1)
	go func() { clientDone <- client.Wait() }()
	clientExited := false
	t.Cleanup(func() {
		if !clientExited {
			clientIn.Close()
			client.Process.Kill()
			<-clientDone
		}
	})

	// The handshake is done once the client logged its secrets (it does
	// before its Finished goes out; 300 ms more for the server's).
	waitFor(t, 15*time.Second, "the client's CLIENT_RANDOM line in the key log", func() bool {
		b, _ := os.ReadFile(keylog)
		return bytes.Contains(b, []byte("CLIENT_RANDOM "))
	})
	time.Sleep(300 * time.Millisecond)
	feed := func(w io.Writer, b []byte, chunk int, what string) {
		t.Helper()
		for i := 0; i < len(b); i += chunk {
			if _, err := w.Write(b[i:min(i+chunk, len(b))]); err != nil {
				t.Fatalf("writing the %s: %v", what, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	feed(clientIn, request, reqChunk, "request to s_client")
	waitFor(t, 10*time.Second, "s_server to print the request", func() bool { return len(serverOut.String()) >= len(request) })
	feed(serverIn, reply, repChunk, "reply to s_server")
	waitFor(t, 10*time.Second, "s_client to print the reply", func() bool { return len(clientOut.String()) >= len(reply) })
	// The client closes (close_notify; s_server answers with its own and,
	// with -naccept 1, ends).
	clientIn.Close()
	select {
	case err := <-clientDone:
		clientExited = true
		if err != nil {
			t.Fatalf("s_client: %v\n%s", err, clientErr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("s_client did not end after its stdin closed:\n%s", clientErr.String())
	}
	select {
	case err := <-serverDone:
		serverDone <- err
		if err != nil {
			t.Logf("s_server: %v\n%s", err, serverErr.String())
		}
	case <-time.After(10 * time.Second):
		t.Logf("s_server did not end after the client closed:\n%s", serverErr.String())
	}
	if got := []byte(serverOut.String()); !bytes.Equal(got, request) {
		t.Fatalf("s_server printed %d bytes, not the %d-byte request:\n got %q\nwant %q", len(got), len(request), got, request)
	}
	if got := []byte(clientOut.String()); !bytes.Equal(got, reply) {
		t.Fatalf("s_client printed %d bytes, not the %d-byte reply:\n got %q\nwant %q", len(got), len(reply), got, reply)
	}

	// The sniffer holds each packet keyWait: wait for the plaintext,
	// then for the last datagrams (the alerts), then stop it: what it
	// captured is still dissected.
	waitFor(t, 10*time.Second+keyWait, "the plaintext in plain/", func() bool {
		a, _ := os.ReadFile(filepath.Join(dir, "plain", "1.c2s"))
		b, _ := os.ReadFile(filepath.Join(dir, "plain", "1.s2c"))
		return len(a) >= len(request) && len(b) >= len(reply)
	})
	time.Sleep(300 * time.Millisecond)
	stopped = true
	sniff.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-sniffDone:
		if err != nil {
			t.Fatalf("ssldissect: %v\n%s", err, sniffErr.String())
		}
	case <-time.After(10*time.Second + keyWait):
		sniff.Process.Kill()
		<-sniffDone
		t.Fatalf("ssldissect did not stop on SIGTERM:\n%s", sniffErr.String())
	}
	t.Logf("ssldissect stderr:\n%s", sniffErr.String())
	if !strings.Contains(sniffErr.String(), "filter in the kernel") {
		t.Errorf("the filter %q did not go to the kernel", filter)
	}

	sum, conns := readNDJSON(t, sniffOut.Bytes())
	t.Logf("summary: %v", sum)
	if len(conns) != 1 {
		t.Fatalf("%d connections, want one DTLS connection: %v", len(conns), conns)
	}
	c := conns[0]
	if c["transport"] != "dtls" || c["version"] != "DTLS 1.2" || c["decrypted"] != true {
		t.Errorf("connection: transport %v, version %v, decrypted %v; want dtls, DTLS 1.2, true",
			c["transport"], c["version"], c["decrypted"])
	}
	if sum["dtls_connections"] != float64(1) {
		t.Errorf("summary: %v DTLS connections, want 1", sum["dtls_connections"])
	}
	mac, _ := c["mac"].(map[string]any)
	fin, _ := c["finished"].(map[string]any)
	if verified, _ := mac["verified"].(float64); mac["failed"] != float64(0) || verified <= 0 {
		t.Errorf("mac %v: want none failed, some verified", mac)
	}
	if fin["c2s"] != "ok" || fin["s2c"] != "ok" {
		t.Errorf("finished %v: want both ok", fin)
	}
	// Every encrypted record is decrypted, its MAC verified, and counted.
	encrypted, data := 0, map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(sniffOut.Bytes()))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var r map[string]any
		if json.Unmarshal(sc.Bytes(), &r) != nil || r["type"] != "record" || r["encrypted"] != true {
			continue
		}
		encrypted++
		if r["decrypted"] != true || r["mac"] != "ok" {
			t.Errorf("record %v %v (epoch %v, seq %v): decrypted %v, mac %v", r["dir"], r["content_type"],
				r["epoch"], r["seq"], r["decrypted"], r["mac"])
		}
		if r["content_type"] == "application_data" {
			data[r["dir"].(string)]++
		}
	}
	if mac["verified"] != float64(encrypted) {
		t.Errorf("mac: %v verified, %d encrypted records", mac["verified"], encrypted)
	}
	if want := map[string]int{"c2s": len(request) / reqChunk, "s2c": len(reply) / repChunk}; fmt.Sprint(data) != fmt.Sprint(want) {
		t.Errorf("application data records %v, want %v (one per write)", data, want)
	}
	t.Logf("%d encrypted records, mac %v, finished %v, alerts %v", encrypted, mac, fin, c["alerts"])
	id := fmt.Sprint(c["id"])
	for _, f := range []struct {
		dir, who string
		want     []byte
	}{{"c2s", "the request fed to s_client and printed by s_server", request}, {"s2c", "the reply fed to s_server and printed by s_client", reply}} {
		got, err := os.ReadFile(filepath.Join(dir, "plain", id+"."+f.dir))
		if err != nil {
			t.Errorf("%s: %v", f.dir, err)
			continue
		}
		if !bytes.Equal(got, f.want) {
			t.Errorf("plain/%s.%s is not %s:\n got %q\nwant %q", id, f.dir, f.who, got, f.want)
		}
	}
}

// freeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		testenv.Unavailable(t, "socket", "udp socket: %v", err)
	}
	port := c.LocalAddr().(*net.UDPAddr).Port
	c.Close()
	return port
}

// udpBound reports whether a UDP socket is bound to 127.0.0.1:port
// in the netns of process pid (/proc/PID/net/udp).
func udpBound(pid, port int) bool {
	// The server's own view: /proc/net is the netns of this process's
	// main thread, which a parallel test may have moved into a namespace
	// of its own.
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/udp", pid))
	if err != nil {
		return false
	}
	le, be := fmt.Sprintf("0100007F:%04X", port), fmt.Sprintf("7F000001:%04X", port)
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 1 && (f[1] == le || f[1] == be) {
			return true
		}
	}
	return false
}
