package oracle

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/report"
)

// suricataExtensionIDs maps the extension names of Suricata's quic events
// to their type ids.
var suricataExtensionIDs = map[string]string{
	"server_name": "0x0000", "status_request": "0x0005", "supported_groups": "0x000a", "alpn": "0x0010",
	"extended_master_secret": "0x0017", "supported_versions": "0x002b", "key_share": "0x0033",
}

var suricataKey = regexp.MustCompile(`^\s+(quic\.[a-z0-9_.\[\]]+|event_type):\s*"?([^"]*?)"?\s*$`)

// suricataQUICChecks reads the match blocks of a suricata-verify test
// file whose event_type is quic: each is a map of quic.* keys to values.
func suricataQUICChecks(t *testing.T, path string) []map[string]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]string
	var cur map[string]string
	flush := func() {
		if cur != nil && cur["event_type"] == "quic" {
			delete(cur, "event_type")
			if len(cur) > 0 {
				out = append(out, cur)
			}
		}
		cur = nil
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, "- filter:") {
			flush()
			cur = map[string]string{}
			continue
		}
		if m := suricataKey.FindStringSubmatch(line); m != nil && cur != nil {
			cur[m[1]] = m[2]
		}
	}
	flush()
	return out
}

var extIndex = regexp.MustCompile(`^quic\.extensions\[(\d+)\]\.(name|values\[0\])$`)

// TestQUICSuricata checks the quic event expectations of suricata-verify
// (the client's extensions in order, JA4, and the CYU fingerprint of
// Google QUIC) against our connections: every match block must be met
// by one QUIC connection of its capture.
func TestQUICSuricata(t *testing.T) {
	t.Parallel()
	dir := needConformance(t)
	tests, _ := filepath.Glob(filepath.Join(dir, "suricata-verify", "*", "test*.yaml"))
	blocks, keys := 0, 0
	for _, yml := range tests {
		checks := suricataQUICChecks(t, yml)
		if len(checks) == 0 {
			continue
		}
		pcap := filepath.Join(filepath.Dir(yml), "input.pcap")
		res, err := Dissect(pcap)
		if err != nil {
			t.Errorf("%s: %v", pcap, err)
			continue
		}
		hellos := clientHelloExtensions(res)
		rel, _ := filepath.Rel(dir, yml)
		for _, want := range checks {
			blocks++
			matched := false
			// A quic event of Suricata's is one packet's: the client's
			// hello and its extensions, or the server's.
			for i := range res.Conns {
				c := &res.Conns[i]
				if c.Transport != "quic" {
					continue
				}
				for _, exts := range hellos[c.ID] {
					ok := true
					for k, v := range want {
						got, known := suricataValue(c, exts, k)
						if known && got != v && !strings.HasPrefix(k, "quic.cyu") {
							ok = false
						}
					}
					ok = ok && cyuMatches(c, want)
					matched = matched || ok
				}
			}
			for k := range want {
				if _, known := suricataValue(&report.Connection{}, nil, k); known {
					keys++
				}
			}
			if !matched {
				t.Errorf("%s: no QUIC connection of %s matches %v", rel, filepath.Base(pcap), want)
			}
		}
	}
	t.Logf("suricata-verify: %d quic match blocks, %d keys compared", blocks, keys)
	if blocks == 0 {
		t.Fatal("no quic expectations found in suricata-verify")
	}
}

// clientHelloExtensions lists, by connection, the (type id, first value)
// of each extension of the first ClientHello and of the first
// ServerHello its QUIC packets carried (an empty list for a hello not
// seen, so that the other keys of a block are still checked).
func clientHelloExtensions(res *Result) map[uint64][2][][2]string {
	out := map[uint64][2][][2]string{}
	for _, p := range res.QUICPackets {
		for _, m := range p.Handshake {
			typ, _ := m.Get("type")
			side := map[any]int{"client_hello": 0, "server_hello": 1}
			k, ok := side[typ]
			if h := out[p.Conn]; !ok || h[k] != nil {
				continue
			}
			exts, _ := m.Get("extensions")
			list, _ := exts.([]report.Object)
			var l [][2]string
			for _, e := range list {
				id, _ := e.Get("type_id")
				first := ""
				if v, ok := e.Get("server_names"); ok {
					if s, _ := v.([]string); len(s) > 0 {
						first = s[0]
					}
				}
				if v, ok := e.Get("protocols"); ok {
					if s, _ := v.([]string); len(s) > 0 {
						first = s[0]
					}
				}
				l = append(l, [2]string{id.(string), first})
			}
			h := out[p.Conn]
			h[k] = l
			out[p.Conn] = h
		}
	}
	return out
}

// suricataValue is our value for a Suricata quic.* key; known is false
// for keys we do not produce.
func suricataValue(c *report.Connection, exts [][2]string, key string) (v string, known bool) {
	switch key {
	case "quic.ja4":
		return c.JA4, true
	case "quic.sni":
		return c.SNI, true
	case "quic.cyu[0].hash", "quic.cyu[0].string":
		// One CHLO per Suricata event: any of the connection's.
		return "", true
	}
	m := extIndex.FindStringSubmatch(key)
	if m == nil {
		return "", false
	}
	i, _ := strconv.Atoi(m[1])
	if i >= len(exts) {
		return "", true
	}
	if m[2] == "name" {
		for name, id := range suricataExtensionIDs {
			if id == exts[i][0] {
				return name, true
			}
		}
		return exts[i][0], true
	}
	return exts[i][1], true
}

// cyuMatches reports whether one of c's CHLOs has the CYU string and
// hash a block asks for (either may be absent from the block).
func cyuMatches(c *report.Connection, want map[string]string) bool {
	s, hasS := want["quic.cyu[0].string"]
	h, hasH := want["quic.cyu[0].hash"]
	if !hasS && !hasH {
		return true
	}
	if c.QUICConn == nil {
		return false
	}
	for _, y := range c.QUICConn.CYU {
		if (!hasS || y.String == s) && (!hasH || y.Hash == h) {
			return true
		}
	}
	return false
}
