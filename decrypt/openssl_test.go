package decrypt

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// The OpenSSL interop tests run `openssl s_client` against `openssl
// s_server -www` through a recording proxy on the loopback interface, for
// what Go's crypto/tls does not speak: ARIA and Camellia suites, AES-CCM,
// DHE, encrypt-then-MAC (which OpenSSL negotiates for CBC suites), and the
// TLS 1.3 CCM suites. They are skipped when no openssl binary is found
// (they fail instead when SSLDISSECT_REQUIRE names openssl).

type opensslCase struct {
	name    string
	flag    string // -tls1, -tls1_1, -tls1_2, -tls1_3
	cipher  string // OpenSSL cipher string (TLS 1.2 and earlier) or TLS 1.3 suite
	suite   uint16
	ecdsa   bool
	wantETM bool
}

var opensslCases = []opensslCase{
	{"TLS12/ARIA128-GCM-SHA256", "-tls1_2", "ARIA128-GCM-SHA256", 0xC050, false, false},
	{"TLS12/ECDHE-ARIA256-GCM-SHA384", "-tls1_2", "ECDHE-ARIA256-GCM-SHA384", 0xC061, false, false},
	{"TLS12/ECDHE-ECDSA-ARIA128-GCM-SHA256", "-tls1_2", "ECDHE-ECDSA-ARIA128-GCM-SHA256", 0xC05C, true, false},
	{"TLS12/CAMELLIA128-SHA256", "-tls1_2", "CAMELLIA128-SHA256", 0x00BA, false, true},
	{"TLS12/ECDHE-RSA-CAMELLIA256-SHA384", "-tls1_2", "ECDHE-RSA-CAMELLIA256-SHA384", 0xC077, false, true},
	{"TLS12/ECDHE-ECDSA-CAMELLIA128-SHA256", "-tls1_2", "ECDHE-ECDSA-CAMELLIA128-SHA256", 0xC072, true, true},
	{"TLS12/AES128-CCM", "-tls1_2", "AES128-CCM", 0xC09C, false, false},
	{"TLS12/AES256-CCM8", "-tls1_2", "AES256-CCM8", 0xC0A1, false, false},
	{"TLS12/DHE-RSA-AES256-CCM", "-tls1_2", "DHE-RSA-AES256-CCM", 0xC09F, false, false},
	{"TLS12/ECDHE-ECDSA-AES128-CCM8", "-tls1_2", "ECDHE-ECDSA-AES128-CCM8", 0xC0AE, true, false},
	{"TLS12/DHE-RSA-CHACHA20-POLY1305", "-tls1_2", "DHE-RSA-CHACHA20-POLY1305", 0xCCAA, false, false},
	{"TLS12/AES256-SHA256", "-tls1_2", "AES256-SHA256", 0x003D, false, true},
	{"TLS11/DHE-RSA-CAMELLIA256-SHA", "-tls1_1", "DHE-RSA-CAMELLIA256-SHA@SECLEVEL=0", 0x0088, false, true},
	{"TLS10/CAMELLIA128-SHA", "-tls1", "CAMELLIA128-SHA@SECLEVEL=0", 0x0041, false, true},
	{"TLS10/ECDHE-RSA-AES128-SHA", "-tls1", "ECDHE-RSA-AES128-SHA@SECLEVEL=0", 0xC013, false, true},
	{"TLS13/AES_128_CCM_SHA256", "-tls1_3", "TLS_AES_128_CCM_SHA256", 0x1304, false, false},
	{"TLS13/AES_128_CCM_8_SHA256", "-tls1_3", "TLS_AES_128_CCM_8_SHA256", 0x1305, false, false},
	{"TLS13/AES_256_GCM_SHA384", "-tls1_3", "TLS_AES_256_GCM_SHA384", 0x1302, true, false},
}

const opensslRequest = "GET / HTTP/1.0\r\n\r\n"

func TestOpenSSLInterop(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	bin := testenv.Tool(t, "openssl", "no interoperability check with OpenSSL")
	dir := t.TempDir()
	c := loadCerts(t)
	writePEM := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ecDER, _ := x509.MarshalPKCS8PrivateKey(c.ecCert.PrivateKey)
	files := map[bool][2]string{
		false: {writePEM("rsa.crt", "CERTIFICATE", c.rsaCert.Certificate[0]), writePEM("rsa.key", "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(c.rsaKey))},
		true:  {writePEM("ec.crt", "CERTIFICATE", c.ecCert.Certificate[0]), writePEM("ec.key", "PRIVATE KEY", ecDER)},
	}
	for _, tc := range opensslCases {
		t.Run(tc.name, func(t *testing.T) {
			s := runOpenSSL(t, bin, dir, files[tc.ecdsa], tc)
			var kl KeyLog
			if n, errs := kl.Load(bytes.NewReader(s.keylog), "openssl.keylog"); len(errs) > 0 || n == 0 {
				t.Fatalf("key log: %d added, errors %v", n, errs)
			}
			if tc.flag == "-tls1_3" {
				checkRoundTrip13(t, s, &kl, tc.suite)
				return
			}
			c := observe12(t, s, &kl)
			if c.sh.etm != tc.wantETM {
				t.Errorf("encrypt_then_mac negotiated: %v, want %v", c.sh.etm, tc.wantETM)
			}
			checkRoundTrip12(t, s, &kl, tc.suite)
		})
	}
}

// runOpenSSL runs one s_client/s_server exchange through a recording proxy.
func runOpenSSL(t *testing.T, bin, dir string, certKey [2]string, tc opensslCase) *session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sel := []string{"-cipher", tc.cipher}
	if tc.flag == "-tls1_3" {
		sel = []string{"-ciphersuites", tc.cipher}
	}

	// The server, on a port it is told; ready once it prints ACCEPT.
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srvAddr := probe.Addr().String()
	probe.Close()
	srvArgs := append([]string{"s_server", "-accept", srvAddr, "-naccept", "1", "-www",
		"-cert", certKey[0], "-key", certKey[1], tc.flag}, sel...)
	srv := exec.CommandContext(ctx, bin, srvArgs...)
	srvOut, _ := srv.StdoutPipe()
	var srvErr bytes.Buffer
	srv.Stderr = &srvErr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Wait()
	defer srv.Process.Kill()
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(srvOut)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "ACCEPT") {
				ready <- true
				io.Copy(io.Discard, srvOut)
				return
			}
		}
		ready <- false // the server exited
	}()
	if !<-ready {
		srv.Wait()
		t.Fatalf("s_server did not start: %s", srvErr.String())
	}

	// The proxy records what each side sends.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var c2s, s2c bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		cc, err := ln.Accept()
		if err != nil {
			return
		}
		defer cc.Close()
		sc, err := net.Dial("tcp", srvAddr)
		if err != nil {
			return
		}
		defer sc.Close()
		deadline, _ := ctx.Deadline()
		cc.SetDeadline(deadline)
		sc.SetDeadline(deadline)
		var inner sync.WaitGroup
		inner.Add(2)
		pipe := func(dst, src net.Conn, rec *bytes.Buffer) {
			defer inner.Done()
			io.Copy(io.MultiWriter(dst, rec), src)
			if tcp, ok := dst.(*net.TCPConn); ok {
				tcp.CloseWrite()
			}
		}
		go pipe(sc, cc, &c2s)
		go pipe(cc, sc, &s2c)
		inner.Wait()
	}()

	klPath := filepath.Join(dir, strings.ReplaceAll(tc.name, "/", "_")+".keylog")
	cliArgs := append([]string{"s_client", "-connect", ln.Addr().String(), "-quiet",
		"-keylogfile", klPath, tc.flag}, sel...)
	cli := exec.CommandContext(ctx, bin, cliArgs...)
	cli.Stdin = strings.NewReader(opensslRequest)
	var cliOut, cliErr bytes.Buffer
	cli.Stdout, cli.Stderr = &cliOut, &cliErr
	if err := cli.Run(); err != nil {
		t.Fatalf("s_client: %v\n%s\nserver: %s", err, cliErr.String(), srvErr.String())
	}
	wg.Wait()
	if !strings.HasPrefix(cliOut.String(), "HTTP/1.0 200 ok") {
		t.Fatalf("s_client got %.60q\n%s", cliOut.String(), cliErr.String())
	}
	kl, err := os.ReadFile(klPath)
	if err != nil {
		t.Fatal(err)
	}
	return &session{c2s: c2s.Bytes(), s2c: s2c.Bytes(), keylog: kl,
		clientData: []byte(opensslRequest), serverPrefix: []byte("HTTP/1.0 200 ok")}
}
