package oracle

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// needConformance skips the test (or fails it, when SSLDISSECT_REQUIRE
// names the corpus) when the corpus is absent.
func needConformance(t *testing.T) string {
	t.Helper()
	return testenv.Conformance(t, "the comparisons with the corpus's expectations cannot run")
}

// capturesUnder lists the capture files under dir, as paths relative to
// dir, sorted (testenv.CapturesUnder).
func capturesUnder(t *testing.T, dir string) []string { return testenv.CapturesUnder(t, dir) }

// summaryRow is one line of the corpus's TSHARK_SUMMARY.tsv.
type summaryRow map[string]string

// readSummary reads TSHARK_SUMMARY.tsv: capture path -> column -> value.
func readSummary(t *testing.T, dir string) map[string]summaryRow {
	t.Helper()
	out := map[string]summaryRow{}
	for _, r := range testenv.TSVRows(t, filepath.Join(dir, "TSHARK_SUMMARY.tsv")) {
		out[r["file"]] = r
	}
	if len(out) == 0 {
		t.Fatal("TSHARK_SUMMARY.tsv has no rows")
	}
	return out
}

// unlistedTCP are the captures that carry TLS over TCP although
// TSHARK_SUMMARY.tsv does not list them: that file covers the TLS-over-TCP
// captures of the corpus, and these came with its QUIC and DTLS additions
// (SOURCES.md "QUIC and DTLS"), which it leaves out whole. Their TCP
// connections are compared with tshark as the listed captures' are; the
// value is their key material, as TSHARK_SUMMARY.tsv's key_material column
// would give it. The other 116 captures the summary leaves out (QUIC,
// DTLS, and community-id's flow captures) hold no TLS over TCP: tshark
// 4.0.17 shows none in them, and neither did ssldissect when this list was
// made.
var unlistedTCP = map[string]string{
	// Chrome to cloudflare-quic.com: a TLS 1.3 connection over TCP
	// (HTTP/2, 49 of the 83 frames) beside the QUIC one, with the session's
	// secrets in a Decryption Secrets Block; the same session as the
	// listed suricata-verify/ja4-rules/input.pcap, which has no DSB. As
	// an unlisted file it used to be compared as a keyless one: tshark
	// read it with its secrets, decrypted the records, and showed frame
	// 8's one record with both its outer opaque_type and its decrypted
	// content_type ("2 record types but 1 record versions"). As for every
	// DSB capture, tshark now reads it without its secrets
	// (withoutSecrets; editcap refuses to write this file), and its
	// records, hellos, JA3/JA3S and frames are ours.
	"foxio-ja4/pcap/chrome-cloudflare-quic-with-secrets.pcapng": "embedded pcapng DSB",
	// Chrome to www.google.com: a TLS 1.3 connection over TCP, raced
	// against the HTTP/3 one and closed by the client (FIN, then RST)
	// before the server's first flight came in (10 frames, 2-32). The key
	// log holds the QUIC connection's secrets only, so it stays encrypted.
	"hotplace/http3/http3.pcapng": "hotplace/http3/sslkeylog",
}

// tcpCaptures lists the conformance captures TestTshark compares: every
// row of TSHARK_SUMMARY.tsv, with its key material and decode-as rule,
// and unlistedTCP. A listed capture that is missing is an error, and so is
// an unlistedTCP entry that the summary lists (remove the entry).
func tcpCaptures(t *testing.T, dir string) []captureFile {
	t.Helper()
	summary := readSummary(t, dir)
	rels := make([]string, 0, len(summary))
	for rel := range summary {
		rels = append(rels, rel)
	}
	for rel, km := range unlistedTCP {
		if _, ok := summary[rel]; ok {
			t.Errorf("%s: listed in TSHARK_SUMMARY.tsv now: remove it from unlistedTCP", rel)
			continue
		}
		summary[rel] = summaryRow{"file": rel, "key_material": km}
		rels = append(rels, rel)
	}
	slices.Sort(rels)
	var files []captureFile
	for _, rel := range rels {
		row := summary[rel]
		cf := captureFile{name: "conformance/" + rel, path: filepath.Join(dir, rel), dsb: strings.Contains(row["key_material"], "DSB")}
		if fi, err := os.Stat(cf.path); err != nil || fi.IsDir() {
			t.Errorf("%s: in TSHARK_SUMMARY.tsv or unlistedTCP, but not a file in the corpus", rel)
			continue
		}
		if d := row["decode_as"]; d != "" {
			cf.decodeAs = strings.TrimSpace(strings.TrimPrefix(d, "-d"))
		}
		if d, ok := extraDecodeAs[rel]; ok {
			cf.decodeAs = d
		}
		switch km := row["key_material"]; {
		case strings.HasPrefix(km, "RSA "):
			cf.rsaKeys = []string{filepath.Join(dir, strings.TrimPrefix(km, "RSA "))}
		case km != "" && km != "—" && !cf.dsb:
			// A key log path; wireshark-notes/ssl3/sslv2.pcapng names
			// SSLv2 key material in words instead, which no option of
			// ours takes.
			if _, err := os.Stat(filepath.Join(dir, km)); err == nil {
				cf.keylogs = []string{filepath.Join(dir, km)}
			}
		}
		files = append(files, cf)
	}
	return files
}
