package oracle

import (
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/report"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// dtlsExceptions are the differences with tshark found and explained:
// "FILE CLIENT FIELD" -> why.
var dtlsExceptions = map[string]string{
	"ndpi/pcap/dtls.pcap 127.0.0.1:40983 records":                                                      whyDTLS13Unified,
	"zeek/traces/dtls13-cid.pcap 10.168.36.147:47904 records":                                          whyDTLS13Unified,
	"zeek/traces/dtls13-cid.pcap 10.168.36.147:57488 records":                                          whyDTLS13Unified,
	"zeek/traces/dtls13-wolfssl.pcap 10.168.36.147:33714 records":                                      whyDTLS13Unified,
	"ndpi/pcap/dtls.pcap 127.0.0.1:40983 decryption":                                                   "tshark 4.0 decrypts no DTLS 1.3; every record verifies here under the DSB's secrets, both Finished too, and the data is what wolfSSL's examples send (transport/dtls TestNDPIDTLS13)",
	"hotplace/dtls12/dtls12_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256.pcapng [::1]:49229 decryption": "tshark 4.0's TLS debug log says AEAD auth tag mismatch for this DTLS ChaCha20-Poly1305 connection; every tag verifies here (the nonce is the IV XOR epoch||sequence, RFC 7905 with RFC 6347's 64-bit sequence), and the client's data is the line the OpenSSL server printed (transport/dtls TestHotplaceDTLS12)",
}

const whyDTLS13Unified = "DTLS 1.3: tshark 4.0 does not dissect records with the unified header (the encrypted ones, RFC 9147 section 4) and counts only the plaintext ones; we count every record, their unified headers parsed"

// TestDTLSTshark compares every DTLS flow of DTLS_TSHARK.tsv (tshark
// 4.0.17's view, made by the corpus collector) with our connection of the
// same addresses: the records counted, the first ClientHello's JA3, the
// ServerHello's cipher suite and JA3S, the SNI, and whether it decrypted
// with the capture's keys.
func TestDTLSTshark(t *testing.T) {
	t.Parallel()
	dir := needConformance(t)
	rows := testenv.TSVRows(t, filepath.Join(dir, "DTLS_TSHARK.tsv"))
	results := map[string]*Result{}
	keylogFor := func(row map[string]string) []string {
		if m := row["key_material"]; m != "" && m != "—" && m != "embedded pcapng DSB" {
			return []string{filepath.Join(dir, m)}
		}
		return nil
	}
	conns := 0
	fc := &fieldChecker{t: t, exceptions: dtlsExceptions, seen: map[string]bool{}}
	for _, row := range rows {
		file := row["file"]
		res := results[file]
		if res == nil {
			var err error
			if res, err = DissectKeys(keylogFor(row), nil, filepath.Join(dir, file)); err != nil {
				t.Errorf("%s: %v", file, err)
				continue
			}
			results[file] = res
		}
		client, _ := netip.ParseAddrPort(row["client"])
		server, _ := netip.ParseAddrPort(row["server"])
		var oc *report.Connection
		for i := range res.Conns {
			c := &res.Conns[i]
			if c.Transport != "dtls" {
				continue
			}
			if (c.Client == client.String() && c.Server == server.String()) || (c.Client == server.String() && c.Server == client.String()) {
				oc = c
				break
			}
		}
		conns++
		check := fc.forKey(file + " " + row["client"])
		if oc == nil {
			check("connection", "none", "DTLS "+row["record_versions"])
			continue
		}
		check("records", strconv.FormatInt(int64(oc.Records.C2S+oc.Records.S2C), 10), row["records"])
		if ja3, _, _ := strings.Cut(row["ch_ja3"], ","); ja3 != "" {
			check("ja3", oc.JA3, ja3)
		}
		if row["sh_cipher"] != "" {
			check("cipher_suite", oc.CipherSuiteID, row["sh_cipher"])
			// With a HelloRetryRequest tshark lists both JA3S; ours is
			// the ServerHello's, the last.
			js := strings.Split(row["sh_ja3s"], ",")
			check("ja3s", oc.JA3S, js[len(js)-1])
		}
		check("sni", oc.SNI, row["sni"])
		// Decryption (DTLS 1.0 and 1.2, with the corpus's key log): where
		// tshark decrypts, we do, every MAC verified.
		if td := row["tshark_decrypts"]; strings.HasPrefix(td, "yes") || strings.HasPrefix(td, "no (Finished 0→0") && row["key_material"] != "—" {
			want := "decrypted, 0 failed"
			if !strings.HasPrefix(td, "yes") {
				want = "not decrypted"
			}
			got := "not decrypted"
			if oc.Decrypted {
				got = "decrypted, " + strconv.Itoa(oc.MAC.Failed) + " failed"
			}
			check("decryption", got, want)
		}
	}
	fc.unused()
	t.Logf("DTLS: %d flows of DTLS_TSHARK.tsv, %d fields compared, %d differences explained", conns, fc.compared, len(fc.seen))
}
