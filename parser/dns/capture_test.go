package dns

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/internal/testenv"
)

// TestTshark decodes every DNS response (UDP from port 53) of the ECH
// DNS captures and of the conformance captures that have any (compressed
// names in many records, CNAME chains, A and AAAA), and holds the question name, the answers' owner names and types,
// and the HTTPS records' priority, target, SvcParam keys and ech value to
// tshark's.
func TestTshark(t *testing.T) {
	tshark := testenv.Tool(t, "tshark", "the oracle of the DNS decoding")
	conf := testenv.Conformance(t, "a capture of DNS responses with compressed names")
	files := []string{
		"../../testdata/pcaps/gotls-ech-dns.pcap",
		"../../testdata/pcaps/gotls-ech-dns-mismatch.pcap",
		filepath.Join(conf, "zeek/traces/dns-txt-multiple.pcap"),
		filepath.Join(conf, "ndpi/pcap/tls_certificate_too_long.pcap"),
		filepath.Join(conf, "ssldump/tls1.3_curl_google.pcap"),
		filepath.Join(conf, "arkime/pcap/curl-enabled-tls13.pcap"),
		filepath.Join(conf, "suricata-verify/tls13-draft18/tls13_draft18.pcap"),
		filepath.Join(conf, "community-id/pcaps/udp.pcap"),
	}
	total, https := 0, 0
	for _, f := range files {
		out, err := exec.Command(tshark, "-r", f, "-Y", "udp.srcport == 53", "-T", "fields", "-E", "separator=|",
			"-e", "frame.number", "-e", "dns.qry.name", "-e", "dns.count.answers", "-e", "dns.resp.name", "-e", "dns.resp.type",
			"-e", "dns.svcb.svcpriority", "-e", "dns.svcb.targetname", "-e", "dns.svcb.svcparam.key",
			"-e", "dns.svcb.svcparam.echconfig").Output()
		if err != nil {
			t.Fatalf("%s: tshark: %v", f, err)
		}
		want := map[uint64]string{}
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			fs := strings.Split(l, "|")
			if len(fs) != 9 {
				t.Fatalf("%s: tshark line %q", f, l)
			}
			n, _ := strconv.ParseUint(fs[0], 10, 64)
			an, _ := strconv.Atoi(fs[2])
			// dns.resp.* list every section's records: keep the answers.
			names, types := strings.Split(fs[3], ","), strings.Split(fs[4], ",")
			if an > len(names) || an > len(types) {
				t.Fatalf("%s frame %d: %d answers in %q", f, n, an, l)
			}
			target := fs[6]
			if target == "<Root>" {
				target = "."
			}
			if fs[5] == "" {
				target = ""
			}
			want[n] = fmt.Sprintf("q=%s an=%s/%s svcb=%s %s keys=%s ech=%s", fs[1],
				strings.Join(names[:an], ","), strings.Join(types[:an], ","), fs[5], target, fs[7], fs[8])
		}
		src, err := capture.OpenFiles([]string{f}, capture.Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[uint64]string{}
		for {
			p, err := src.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.UDP == nil || p.UDP.SrcPort != 53 {
				continue
			}
			m, err := Parse(p.UDP.Payload)
			if err != nil {
				t.Fatalf("%s frame %d: %v", f, p.FileNum, err)
			}
			var names, types []string
			var prio, target, keys, ech []string
			for _, a := range m.Answers {
				names = append(names, a.Name)
				types = append(types, strconv.Itoa(int(a.Type)))
				if a.SVCB != nil {
					prio = append(prio, strconv.Itoa(int(a.SVCB.Priority)))
					target = append(target, a.SVCB.Target)
					for _, sp := range a.SVCB.Params {
						keys = append(keys, strconv.Itoa(int(sp.Key)))
					}
				}
			}
			for _, l := range m.ECHConfigLists() {
				ech = append(ech, hex.EncodeToString(l.List))
				https++
			}
			q := ""
			if len(m.Questions) > 0 {
				q = m.Questions[0].Name
			}
			got[p.FileNum] = fmt.Sprintf("q=%s an=%s/%s svcb=%s %s keys=%s ech=%s", q, strings.Join(names, ","),
				strings.Join(types, ","), strings.Join(prio, ","), strings.Join(target, ","), strings.Join(keys, ","), strings.Join(ech, ","))
		}
		src.Close()
		if len(want) == 0 || len(got) != len(want) {
			t.Errorf("%s: %d responses decoded, tshark %d", f, len(got), len(want))
		}
		for n, w := range want {
			if got[n] != w {
				t.Errorf("%s frame %d:\n  got  %s\n  want %s", f, n, got[n], w)
			}
			total++
		}
	}
	if https != 2 {
		t.Errorf("%d ech parameters, want 2 (one per ECH DNS capture)", https)
	}
	t.Logf("%d DNS responses agree with tshark", total)
}
