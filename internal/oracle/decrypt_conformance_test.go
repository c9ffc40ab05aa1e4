package oracle

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/report"
)

// decryptCapture runs a capture with its key material as
// TSHARK_SUMMARY.tsv's key_material column names it: key log files, "RSA
// <pem>", or "embedded pcapng DSB". It returns the connections and the
// number of records decrypted.
func decryptCapture(t *testing.T, dir, file, material string) ([]report.Connection, int) {
	t.Helper()
	var keylogs, rsa []string
	switch {
	case material == "embedded pcapng DSB", strings.HasPrefix(material, "SSLv2 "):
		// DSB: the secrets are in the file. SSLv2: an SSL 2.0 master key,
		// which has no key-log form (SSL 2.0 is not decrypted).
	case strings.HasPrefix(material, "RSA "):
		rsa = append(rsa, filepath.Join(dir, strings.TrimPrefix(material, "RSA ")))
	default:
		for _, k := range strings.Fields(material) {
			keylogs = append(keylogs, filepath.Join(dir, k))
		}
	}
	r, err := DissectKeys(keylogs, rsa, filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	decrypted := 0
	for _, rec := range r.Records {
		if rec.Decrypted {
			decrypted++
		}
	}
	return r.Conns, decrypted
}

// notDecryptable lists the keyed captures, or connections in them, that
// cannot decrypt, with the reason. Everything else must.
var notDecryptable = map[string]string{
	// SSL 2.0 record protection is out of scope (only the SSLv2-format
	// ClientHello of SSL 3.0/TLS clients is dissected); tshark cannot
	// either.
	"wireshark-notes/ssl3/sslv2.pcapng": "SSL 2.0 session",
	// The only TLS 1.3 connection fails before any encrypted record.
	"hotplace/tls13/handshake_failure.pcapng": "no encrypted record",
}

// snetDiffers lists where our count of decrypted records differs from
// snet's on purpose. snet counts a NULL-cipher record as not decrypted
// (there is nothing to decrypt); we count it as decrypted, since its
// plaintext is read with the keys' MAC verified (mac "ok" on each).
var snetDiffers = map[string]string{
	"snet/decrypt_by_keylog/TLS1_1_ECDHE-RSA-NULL-SHA.pcap": "NULL cipher",
	"snet/decrypt_by_keylog/TLS1_1_AECDH-NULL-SHA.pcap":     "NULL cipher",
	"snet/decrypt_by_keylog/TLS1_AECDH-NULL-SHA.pcap":       "NULL cipher",
	"snet/decrypt_by_keylog/TLS1_ECDHE-RSA-NULL-SHA.pcap":   "NULL cipher",
	"snet/decrypt_by_keylog/TLS1_ECDHE-ECDSA-NULL-SHA.pcap": "NULL cipher",
}

// TestDecryptConformance decrypts every keyed capture of the conformance
// corpus (the ones TSHARK_SUMMARY.tsv lists key material for): no record
// may fail its MAC or AEAD tag, no Finished may mismatch, and every
// connection whose handshake finished is decrypted, the ARIA-GCM ones
// tshark 4.0 cannot decrypt included. Where Voev/snet's tests.conf gives
// its own decoder's count of decrypted records, ours must equal it.
func TestDecryptConformance(t *testing.T) {
	t.Parallel()
	dir := needConformance(t)
	rows := readSummary(t, dir)
	snet := readSnetCounts(t, dir)
	checked, snetChecked := 0, 0
	for file, row := range rows {
		material := row["key_material"]
		if material == "" || material == "—" {
			continue
		}
		checked++
		t.Run(file, func(t *testing.T) {
			conns, decryptedRecords := decryptCapture(t, dir, file, material)
			if len(conns) == 0 {
				t.Fatal("no SSL/TLS connection")
			}
			decrypted, finished := 0, 0
			for _, c := range conns {
				if c.MAC.Failed != 0 {
					t.Errorf("connection %d (%s): %d records failed their MAC", c.ID, c.CipherSuite, c.MAC.Failed)
				}
				if c.Finished.C2S == "failed" || c.Finished.S2C == "failed" {
					t.Errorf("connection %d: Finished %+v", c.ID, c.Finished)
				}
				if c.Decrypted {
					decrypted++
				}
				if c.Finished.C2S == "ok" && c.Finished.S2C == "ok" {
					finished++
				}
				// A connection whose two Finished messages were sent
				// (history has both F and f) must decrypt.
				if strings.Contains(c.History, "F") && strings.Contains(c.History, "f") && !c.Decrypted {
					t.Errorf("connection %d (%s %s) finished its handshake but was not decrypted: notes %+v", c.ID, c.Version, c.CipherSuite, c.Notes)
				}
			}
			if why, ok := notDecryptable[file]; ok {
				if decrypted != 0 {
					t.Errorf("listed as not decryptable (%s) but %d connections decrypted: update the list", why, decrypted)
				}
				return
			}
			if decrypted == 0 || finished == 0 {
				t.Errorf("%d of %d connections decrypted, %d with both Finished verified", decrypted, len(conns), finished)
			}
			if want, ok := snet[file]; ok {
				snetChecked++
				if why, ok := snetDiffers[file]; ok {
					if decryptedRecords == want {
						t.Errorf("listed as differing from snet (%s) but equal: update the list", why)
					}
				} else if decryptedRecords != want {
					t.Errorf("%d records decrypted; snet's tests.conf says %d", decryptedRecords, want)
				}
			}
		})
	}
	if checked == 0 {
		t.Fatal("no keyed capture in TSHARK_SUMMARY.tsv")
	}
	t.Logf("%d keyed captures decrypted; %d decrypted-record counts compared with snet", checked, snetChecked)
}

// readSnetCounts reads snet/tests.conf: capture (as a path in the corpus)
// -> decrypted_records_count.
func readSnetCounts(t *testing.T, dir string) map[string]int {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "snet", "tests.conf"))
	if err != nil {
		t.Logf("no snet/tests.conf: %v", err)
		return nil
	}
	defer f.Close()
	out := map[string]int{}
	var pcap string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "pcap":
			base := filepath.Base(v)
			pcap = "snet/decrypt_by_keylog/" + base
			if _, err := os.Stat(filepath.Join(dir, pcap)); err != nil {
				pcap = "ssldump/" + base // the ssldump samples were de-duplicated
			}
		case "decrypted_records_count":
			n, err := strconv.Atoi(v)
			if err == nil && pcap != "" {
				out[pcap] = n
			}
		}
	}
	return out
}
