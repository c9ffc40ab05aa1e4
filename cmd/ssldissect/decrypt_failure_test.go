package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/capture"
)

// failures runs dissect with args and gives each connection's
// decrypt_failure as "dir code" strings, and the summary's
// keylog_lines_unused.
func failures(t *testing.T, args ...string) (out [][]string, details []string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(append([]string{"dissect", "--format", "json"}, args...), nil, &stdout, &stderr); err != nil {
		t.Fatalf("run %v: %v\n%s", args, err, stderr.String())
	}
	for _, c := range connections(t, stdout.Bytes()) {
		var fs []string
		for _, f := range c.DecryptFailure {
			fs = append(fs, f.Dir+" "+f.Code)
			details = append(details, f.Detail)
		}
		out = append(out, fs)
	}
	return out, details
}

// keylogWithout writes the lines of a key log whose label is not in drop,
// with every hex secret's last digit changed when corrupt is set.
func keylogWithout(t *testing.T, src string, corrupt bool, drop ...string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(l)
		if len(f) != 3 || contains(drop, f[0]) {
			continue
		}
		if corrupt {
			last := f[2][len(f[2])-1]
			f[2] = f[2][:len(f[2])-1] + map[bool]string{true: "1", false: "0"}[last == '0']
		}
		out = append(out, strings.Join(f, " "))
	}
	p := filepath.Join(t.TempDir(), "keys.log")
	if err := os.WriteFile(p, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// skipPackets writes a copy of pcap without its first n packets (the
// handshake), as pcapng.
func skipPackets(t *testing.T, pcap string, n uint64) string {
	t.Helper()
	src, err := capture.OpenFiles([]string{pcap}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	p := filepath.Join(t.TempDir(), "cut.pcapng")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var w *capture.NGWriter
	for {
		pkt, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if w == nil {
			if w, err = capture.NewNGWriter(f, uint16(pkt.LinkType), 65535, "test", "ssldissect test"); err != nil {
				t.Fatal(err)
			}
		}
		if pkt.Num > n {
			if err := w.WritePacket(pkt.CI, pkt.Data); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDecryptFailure checks each reason a connection gives for the
// directions it did not decrypt (CONTRACT.md "Why not decrypted"), on
// shipped captures with the key material changed to cause it.
func TestDecryptFailure(t *testing.T) {
	t.Setenv("SSLKEYLOGFILE", "")
	pc := filepath.Join("..", "..", "testdata", "pcaps")
	tls13 := filepath.Join(pc, "curl-tls13-http")
	tls12 := filepath.Join(pc, "gnutls-tls12-ecdhe-rsa-aes128-gcm")
	rsaCap := filepath.Join(pc, "openssl-tls12-rsa-aes128-gcm")
	quic := filepath.Join(pc, "quicgo-v1")
	serverKey := filepath.Join("..", "..", "testdata", "gen", "certs", "server-rsa.key")

	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	otherKey := filepath.Join(t.TempDir(), "other.key")
	if err := os.WriteFile(otherKey, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: mustPKCS8(t, other)}), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name string
		args []string
		want string // each connection's failures, joined
		in   string // a word its detail must hold
	}{
		{"no keys", []string{tls13 + ".pcap"}, "c2s no_keys,s2c no_keys", "no key log"},
		{"another capture's key log", []string{"-l", tls12 + ".keylog", tls13 + ".pcap"}, "c2s no_secret,s2c no_secret", "5bbec01d"},
		{"the client's secrets left out", []string{"-l", keylogWithout(t, tls13+".keylog", false, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0"), tls13 + ".pcap"},
			"c2s missing_secret", "CLIENT_TRAFFIC_SECRET_0"},
		{"a corrupted master secret", []string{"-l", keylogWithout(t, tls12+".keylog", true), tls12 + ".pcap"}, "c2s wrong_secret,s2c wrong_secret", "MAC"},
		{"an RSA key for ECDHE", []string{"-k", serverKey, tls12 + ".pcap"}, "c2s rsa_not_applicable,s2c rsa_not_applicable", "ECDHE"},
		{"another RSA key", []string{"-k", otherKey, rsaCap + ".pcap"}, "c2s rsa_key_mismatch,s2c rsa_key_mismatch", "RSA"},
		{"the handshake not captured", []string{"-l", tls12 + ".keylog", skipPackets(t, tls12+".pcap", 12)}, "s2c handshake_not_seen", "handshake"},
		{"everything given", []string{"-l", tls12 + ".keylog", tls12 + ".pcap"}, "", ""},
		// The handshake opens, the application data does not.
		{"handshake secrets only", []string{"-l", keylogWithout(t, tls13+".keylog", false, "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"), tls13 + ".pcap"},
			"c2s missing_secret,s2c missing_secret", "TRAFFIC_SECRET_0, which"},
		// QUIC: the transport derives packet keys from the same secrets.
		{"quic no keys", []string{quic + ".pcap"}, "c2s no_keys,s2c no_keys", "no key log"},
		{"quic another capture's key log", []string{"-l", tls13 + ".keylog", quic + ".pcap"}, "c2s no_secret,s2c no_secret", "no secret in the key log for client random"},
		{"quic handshake secrets only", []string{"-l", keylogWithout(t, quic+".keylog", false, "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"), quic + ".pcap"},
			"c2s missing_secret,s2c missing_secret", "TRAFFIC_SECRET_0, which"},
		{"quic corrupted secrets", []string{"-l", keylogWithout(t, quic+".keylog", true), quic + ".pcap"}, "c2s wrong_secret,s2c wrong_secret", "AEAD tag"},
		{"quic an RSA key", []string{"-k", serverKey, quic + ".pcap"}, "c2s rsa_not_applicable,s2c rsa_not_applicable", "TLS 1.3 key exchange only"},
		{"quic everything given", []string{"-l", quic + ".keylog", quic + ".pcap"}, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			conns, details := failures(t, c.args...)
			if len(conns) != 1 {
				t.Fatalf("%d connections", len(conns))
			}
			if got := strings.Join(conns[0], ","); got != c.want {
				t.Errorf("decrypt_failure %q, want %q (%q)", got, c.want, details)
			}
			for _, d := range details {
				if !strings.Contains(d, c.in) {
					t.Errorf("detail %q does not say %q", d, c.in)
				}
			}
		})
	}
}

func mustPKCS8(t *testing.T, k *rsa.PrivateKey) []byte {
	b, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
