package oracle

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestSSLv2Sessions checks the two SSL 2.0 sessions of the corpus against
// what tshark shows of them (tls.handshake.* with the SSLv2 dissector) and
// the key material in the pcapng comment of wireshark-notes/ssl3/sslv2.pcapng
// (SOURCES.md "Derived files": its Key-Arg is F2D9D5CEAA7A86E8). SSL 2.0 is
// not decrypted: every record after the CLIENT-MASTER-KEY is encrypted.
func TestSSLv2Sessions(t *testing.T) {
	t.Parallel()
	dir := needConformance(t)
	tests := []struct {
		file           string
		suite, subject string
		records        [2]int64
		msgs           string // per record: dir and message types, "enc" when encrypted
		keyArg         string
	}{
		{"wireshark-notes/ssl3/sslv2.pcapng", "SSL_CK_IDEA_128_CBC_WITH_MD5", "CN=Very Secure", [2]int64{4, 4},
			"c2s:client_hello s2c:sslv2_server_hello c2s:sslv2_client_master_key s2c:enc c2s:enc s2c:enc c2s:enc s2c:enc", "f2d9d5ceaa7a86e8"},
		{"zeek/traces/ssl-v2.pcap", "SSL_CK_DES_192_EDE3_CBC_WITH_MD5", "emailAddress=info@plesk.com,CN=plesk,OU=Plesk,O=Parallels,L=Herndon,ST=Virginia,C=US", [2]int64{6, 4},
			"c2s:client_hello s2c:sslv2_server_hello c2s:sslv2_client_master_key s2c:enc c2s:enc s2c:enc c2s:enc c2s:enc c2s:enc s2c:enc", "32e1cd6d536f78fd"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			res, err := Dissect(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Conns) != 1 {
				t.Fatalf("%d connections", len(res.Conns))
			}
			c := res.Conns[0]
			if c.Version != "SSL 2.0" || c.VersionID != "0x0002" || c.CipherSuite != tc.suite || c.CipherSuiteID != "" || c.KeyExchange != "RSA" {
				t.Errorf("version %q %q, cipher %q %q, key exchange %q", c.Version, c.VersionID, c.CipherSuite, c.CipherSuiteID, c.KeyExchange)
			}
			if len(c.ServerCertificates) != 1 || !strings.HasPrefix(c.ServerCertificates[0].Subject, tc.subject) {
				t.Errorf("server certificates %+v", c.ServerCertificates)
			}
			if c.Records.C2S != tc.records[0] || c.Records.S2C != tc.records[1] {
				t.Errorf("records %+v", c.Records)
			}
			var got []string
			keyArg := ""
			for _, r := range res.Records {
				s := r.Dir + ":"
				if r.Encrypted {
					s += "enc"
					if len(r.Handshake) > 0 || r.ContentTypeID != "" {
						t.Errorf("encrypted record with messages or a type: %+v", r)
					}
				}
				for _, m := range r.Handshake {
					typ, _ := m.Get("type")
					s += fmt.Sprint(typ)
					if ka, ok := m.Get("key_arg"); ok {
						keyArg = fmt.Sprint(ka)
					}
				}
				got = append(got, s)
			}
			if g := strings.Join(got, " "); g != tc.msgs {
				t.Errorf("records\n got %s\nwant %s", g, tc.msgs)
			}
			if keyArg != tc.keyArg {
				t.Errorf("CLIENT-MASTER-KEY key_arg %q, want %q", keyArg, tc.keyArg)
			}
		})
	}
}
