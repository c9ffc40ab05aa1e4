package fingerprint

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// Conformance against the FoxIO captures and expectations in
// ../shared/conformance (relative to the repository root; see its
// SOURCES.md). The packet pipeline is not used: tshark extracts the hello
// fields, this file fills the input structs from them, and the results are
// compared with
//   - tshark's own tls.handshake.ja3_full/ja3 and ja3s_full/ja3s, per frame;
//   - the FoxIO Python reference (expected/python): JA4, JA4_r, JA4_o,
//     JA4_ro for every ClientHello of a TCP stream, JA4S and JA4S_r;
//   - the FoxIO Rust reference (expected/rust): JA4 and JA4S per TCP or
//     QUIC stream;
//   - the FoxIO Wireshark plugin (expected/wireshark-plugin): JA4S per
//     frame.
// Every difference must be listed in conformanceKnown with the reason, and
// every listed difference must still occur.

// conformanceDir is the corpus, set by TestFingerprintConformance
// (testenv.Conformance: $SSLDISSECT_CONFORMANCE or ../shared/conformance).
var conformanceDir string

// conformanceCaptures are the FoxIO captures, each with Python, Rust and
// Wireshark-plugin expectations. By default only those marked short run
// (tshark takes about half a second a capture); SSLDISSECT_FINGERPRINT_ALL=1
// runs every capture listed here, in arkimeCaptures and in ja3Captures.
var conformanceCaptures = []struct {
	name  string
	short bool
}{
	{"badcurveball.pcap", false},
	{"browsers-x509.pcapng", false},
	{"http2-with-cookies.pcapng", false},
	{"https-connect.pcap", false},
	{"https3-301-get.pcap", false},
	{"latest.pcapng", false},
	{"macos_tcp_flags.pcap", false},
	{"socks-https-example.pcap", true}, // SSLv3-era suites, SNI the only extension
	{"tls-alpn-h2.pcap", false},
	{"tls-handshake.pcapng", true}, // HelloRetryRequest, QUIC, GREASE
	{"tls-non-ascii-alpn.pcapng", true},
	{"tls-sni.pcapng", false},
	{"tls12.pcap", true}, // delegated_credentials sig algs
	{"tls3.pcapng", false},
}

// arkimeCaptures have Arkime session expectations (arkime/expected/NAME.test:
// tls.ja3, ja3string, ja3s, ja3sstring, ja4, ja4_r per session). Those that
// duplicate FoxIO captures are left out. By default only tls13 and
// https2-301-get run.
var arkimeCaptures = []string{
	"badcurveball",
	"curl-enabled-tls13",
	"https-generalizedtime",
	"https2-301-get", // SSLv2-format ClientHello
	"ldap-ssl",
	"mysql-tls",
	"openssl-ssl3",
	"openssl-tls1-tls1_2",
	"openssl-tls1",
	"openssl-tls1_1",
	"openssl-tls1_2-tls1",
	"openssl-tls1_2",
	"smtp-starttls",
	"ssl-selfsign",
	"tls-client-sessionid",
	"tls-split-client-hello",
	"tls13", // TLS 1.3 draft in supported_versions: "00"
}

// ja3Captures have no JA4 expectations: JA3/JA3S are compared with tshark
// and the JA4/JA4S outputs are checked for shape only. Only with
// SSLDISSECT_FINGERPRINT_ALL=1.
var ja3Captures = []string{
	"wireshark-notes/all/dump.pcapng", // 70+ OpenSSL suites, TLS 1.2 and older extensions
	"zeek/traces/ssl.v3.pcap",
	"zeek/traces/hrr.pcap",
}

// Reasons for the differences with the references; we follow the spec text.
const (
	// JA4.md "ALPN Extension Value": a first or last byte outside
	// [0-9A-Za-z] prints the first and last hex digits of the value; the
	// ALPN here is 0xba 0xad, so "bd". Python and Rust print "99" (Rust's
	// first_last maps every non-ASCII char to '9'), an older rule.
	whyALPNHex = "non-alphanumeric ALPN: spec prints hex first/last digits (bd), references print 99"
	// JA4.md "Raw Output": the "o" form keeps SNI (0000) and ALPN (0010).
	// The only extension here is SNI, so the JA4_o extension list is
	// "0000", not empty, and hashes to 9af15b336e6a. Python prints "0000" in
	// its own JA4_ro but sets JA4_o's hash to 000000000000 because the
	// sorted list (without SNI/ALPN) is empty; Rust's hash12 hashes any
	// non-empty string, as we do.
	whyJA4oSNIOnly = "JA4_o with SNI as the only extension: spec keeps SNI in the o list, so it is not empty; Python zeroes it"
	// An SSLv2-format ClientHello (RFC 5246 appendix E.2) offering TLS 1.0:
	// Arkime gives it no JA4. JA4.md's version table includes SSL 2.0, so
	// JA4 covers SSLv2-format hellos; the version is the hello's (0x0301,
	// "10") per "TLS and DTLS Version".
	whySSLv2JA4 = "SSLv2-format ClientHello: Arkime gives no JA4, the JA4 spec covers SSL 2.0 hellos"
)

// conformanceKnown maps "capture source key field" to the reason we differ
// from that reference.
var conformanceKnown = map[string]string{
	"tls-non-ascii-alpn.pcapng python stream0 JA4.1":          whyALPNHex,
	"tls-non-ascii-alpn.pcapng python stream0 JA4_r.1":        whyALPNHex,
	"tls-non-ascii-alpn.pcapng python stream0 JA4_o.1":        whyALPNHex,
	"tls-non-ascii-alpn.pcapng python stream0 JA4_ro.1":       whyALPNHex,
	"tls-non-ascii-alpn.pcapng rust tcp/0 ja4":                whyALPNHex,
	"https3-301-get.pcap python stream0 JA4_o.1":              whyJA4oSNIOnly,
	"socks-https-example.pcap python stream0 JA4_o.1":         whyJA4oSNIOnly,
	"socks-https-example.pcap python stream2 JA4_o.1":         whyJA4oSNIOnly,
	"socks-https-example.pcap python stream4 JA4_o.1":         whyJA4oSNIOnly,
	"arkime/https2-301-get arkime 10.180.156.141:50754 ja4":   whySSLv2JA4,
	"arkime/https2-301-get arkime 10.180.156.141:50754 ja4_r": whySSLv2JA4,
}

// tsharkFields are the -T fields columns, in order.
var tsharkFields = []string{
	"frame.number",
	"tcp.stream",
	"udp.stream",
	"ip.src",
	"ipv6.src",
	"tcp.srcport",
	"tls.handshake.type",
	"tls.handshake.version",
	"tls.handshake.ciphersuite",
	"tls.handshake.cipherspec",
	"tls.handshake.extension.type",
	"tls.handshake.extensions_supported_group",
	"tls.handshake.extensions_ec_point_format",
	"tls.handshake.sig_hash_alg_len",
	"tls.handshake.sig_hash_alg",
	"tls.handshake.extensions_alpn_str",
	"tls.handshake.extensions.supported_version",
	"tls.handshake.extensions_server_name",
	"tls.handshake.ja3_full",
	"tls.handshake.ja3",
	"tls.handshake.ja3s_full",
	"tls.handshake.ja3s",
}

const tsharkAggregator = "\x1e" // ASCII RS: never inside an ALPN string we compare

type tsharkRow map[string][]string

func (r tsharkRow) one(f string) string {
	if v := r[f]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (r tsharkRow) u16s(t *testing.T, f string) []uint16 {
	t.Helper()
	var out []uint16
	for _, s := range r[f] {
		v, err := strconv.ParseUint(s, 0, 16)
		if err != nil {
			t.Fatalf("field %s: %q: %v", f, s, err)
		}
		out = append(out, uint16(v))
	}
	return out
}

func runTshark(t *testing.T, pcap string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("tshark", append([]string{"-n", "-r", pcap}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

func tsharkHellos(t *testing.T, pcap string) []tsharkRow {
	t.Helper()
	args := []string{"-Y", "tls.handshake.type == 1 || tls.handshake.type == 2", "-T", "fields",
		"-E", "separator=/t", "-E", "aggregator=" + tsharkAggregator, "-E", "occurrence=a"}
	for _, f := range tsharkFields {
		args = append(args, "-e", f)
	}
	var rows []tsharkRow
	for line := range strings.Lines(string(runTshark(t, pcap, args...))) {
		cols := strings.Split(strings.TrimRight(line, "\n"), "\t")
		if len(cols) != len(tsharkFields) {
			t.Fatalf("tshark line has %d columns, want %d: %q", len(cols), len(tsharkFields), line)
		}
		r := tsharkRow{}
		for i, c := range cols {
			if c != "" {
				r[tsharkFields[i]] = strings.Split(c, tsharkAggregator)
			}
		}
		rows = append(rows, r)
	}
	return rows
}

var alpnRawRE = regexp.MustCompile(`"tls\.handshake\.extensions_alpn_str_raw":\s*\[\s*"([0-9a-f]*)"`)

// helloFromRow builds the JA3/JA4 input of a ClientHello row.
func helloFromRow(t *testing.T, pcap string, r tsharkRow) *ClientInput {
	t.Helper()
	h := &ClientInput{Transport: 't'}
	if r.one("tcp.stream") == "" {
		h.Transport = 'q' // a ClientHello over UDP in these captures is QUIC
	}
	if vs := r.u16s(t, "tls.handshake.version"); len(vs) > 0 {
		h.Version = vs[0]
	}
	h.CipherSuites = r.u16s(t, "tls.handshake.ciphersuite")
	if specs := r["tls.handshake.cipherspec"]; len(specs) > 0 {
		// An SSLv2-format ClientHello: 3-byte cipher specs, of which those
		// with a zero first byte are TLS suites (RFC 6101 appendix E.1).
		h.SSLv2 = true
		for _, sp := range specs {
			v, err := strconv.ParseUint(sp, 0, 24)
			if err != nil {
				t.Fatalf("cipher spec %q: %v", sp, err)
			}
			if v>>16 == 0 {
				h.CipherSuites = append(h.CipherSuites, uint16(v))
			}
		}
	}
	h.Extensions = r.u16s(t, "tls.handshake.extension.type")
	h.SupportedGroups = r.u16s(t, "tls.handshake.extensions_supported_group")
	for _, v := range r.u16s(t, "tls.handshake.extensions_ec_point_format") {
		h.ECPointFormats = append(h.ECPointFormats, uint8(v))
	}
	h.SupportedVersions = r.u16s(t, "tls.handshake.extensions.supported_version")
	h.SNI = r.one("tls.handshake.extensions_server_name")
	h.ALPN = r["tls.handshake.extensions_alpn_str"]
	if len(h.ALPN) > 0 && strings.ContainsRune(h.ALPN[0], '\uFFFD') {
		// tshark prints non-UTF-8 ALPN bytes as U+FFFD; take the bytes
		// from the JSON dump of that frame instead.
		js := runTshark(t, pcap, "-Y", "frame.number == "+r.one("frame.number"), "-T", "json", "-x")
		m := alpnRawRE.FindSubmatch(js)
		if m == nil {
			t.Fatalf("frame %s: no raw ALPN in tshark JSON", r.one("frame.number"))
		}
		raw, err := hex.DecodeString(string(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		h.ALPN = append([]string{string(raw)}, h.ALPN[1:]...)
	}
	// tls.handshake.sig_hash_alg also appears in signature_algorithms_cert
	// (50) and delegated_credentials (34); each list is preceded by its own
	// sig_hash_alg_len, in extension order. Keep the signature_algorithms
	// (13) list only.
	var sigExts []uint16
	for _, e := range h.Extensions {
		if e == 13 || e == 50 || e == 34 {
			sigExts = append(sigExts, e)
		}
	}
	lens := r.u16s(t, "tls.handshake.sig_hash_alg_len")
	algs := r.u16s(t, "tls.handshake.sig_hash_alg")
	if len(lens) != len(sigExts) {
		t.Fatalf("frame %s: %d sig_hash_alg_len for extensions %v", r.one("frame.number"), len(lens), sigExts)
	}
	for i, e := range sigExts {
		n := min(int(lens[i])/2, len(algs))
		if e == 13 {
			h.SignatureAlgorithms = algs[:n]
		}
		algs = algs[n:]
	}
	return h
}

func serverFromRow(t *testing.T, r tsharkRow) *ServerInput {
	t.Helper()
	s := &ServerInput{Transport: 't'}
	if r.one("tcp.stream") == "" {
		s.Transport = 'q'
	}
	if vs := r.u16s(t, "tls.handshake.version"); len(vs) > 0 {
		s.Version = vs[0]
	}
	if cs := r.u16s(t, "tls.handshake.ciphersuite"); len(cs) > 0 {
		s.CipherSuite = cs[0]
	}
	s.Extensions = r.u16s(t, "tls.handshake.extension.type")
	if vs := r.u16s(t, "tls.handshake.extensions.supported_version"); len(vs) > 0 {
		s.SelectedVersion = vs[0]
	}
	s.ALPN = r.one("tls.handshake.extensions_alpn_str")
	return s
}

func hasType(r tsharkRow, typ string) bool {
	return slices.Contains(r["tls.handshake.type"], typ)
}

// streamKey is "tcp/N" or "udp/N".
func streamKey(r tsharkRow) string {
	if s := r.one("tcp.stream"); s != "" {
		return "tcp/" + s
	}
	return "udp/" + r.one("udp.stream")
}

type conformanceTally struct {
	compared, known int
	seen            map[string]bool
	bySource        map[string]int // comparisons per reference
}

// check compares one value with one reference.
func (c *conformanceTally) check(t *testing.T, key, got, want string) {
	t.Helper()
	c.compared++
	if f := strings.Fields(key); len(f) > 1 {
		c.bySource[f[1]]++
	}
	reason, known := conformanceKnown[key]
	switch {
	case got == want && known:
		t.Errorf("%s: listed as a known difference (%s) but now equal: %s", key, reason, got)
	case got != want && known:
		c.known++
		c.seen[key] = true
		t.Logf("known difference %s\n  ours %s\n  ref  %s\n  why  %s", key, got, want, reason)
	case got != want:
		t.Errorf("%s\n  ours %s\n  ref  %s", key, got, want)
	}
}

func TestFingerprintConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the conformance test runs tshark")
	}
	full := os.Getenv("SSLDISSECT_FINGERPRINT_ALL") != ""
	conformanceDir = testenv.Conformance(t, "the FoxIO and Arkime fingerprint references")
	testenv.Need(t, "tshark", "the conformance test extracts the hello fields with tshark")
	tally := &conformanceTally{seen: map[string]bool{}, bySource: map[string]int{}}
	streams, clients := 0, 0
	ran := map[string]bool{}
	for _, c := range conformanceCaptures {
		name := c.name
		if !full && !c.short {
			continue
		}
		t.Run(name, func(t *testing.T) {
			ran[name] = true
			pcap := filepath.Join(conformanceDir, "foxio-ja4", "pcap", name)
			rows := tsharkHellos(t, pcap)

			clientsBy := map[string][]*ClientInput{}
			serverBy := map[string]*ServerInput{}
			serverByFrame := map[string]*ServerInput{}
			for _, r := range rows {
				frame := r.one("frame.number")
				switch {
				case hasType(r, "1"):
					h := helloFromRow(t, pcap, r)
					clientsBy[streamKey(r)] = append(clientsBy[streamKey(r)], h)
					clients++
					full, hash := JA3(h)
					tally.check(t, name+" tshark frame"+frame+" ja3_full", full, r.one("tls.handshake.ja3_full"))
					tally.check(t, name+" tshark frame"+frame+" ja3", hash, r.one("tls.handshake.ja3"))
				case hasType(r, "2"):
					s := serverFromRow(t, r)
					serverByFrame[frame] = s
					if serverBy[streamKey(r)] == nil {
						serverBy[streamKey(r)] = s
					}
					full, hash := JA3S(s)
					tally.check(t, name+" tshark frame"+frame+" ja3s_full", full, r.one("tls.handshake.ja3s_full"))
					tally.check(t, name+" tshark frame"+frame+" ja3s", hash, r.one("tls.handshake.ja3s"))
				}
			}
			streams += len(clientsBy)

			// FoxIO Python reference.
			var py []map[string]any
			readJSON(t, filepath.Join(conformanceDir, "foxio-ja4", "expected", "python", name+".json"), &py)
			for _, e := range py {
				st := fmt.Sprint(e["stream"])
				key := "tcp/" + st
				for n := 1; ; n++ {
					want, ok := e[fmt.Sprintf("JA4.%d", n)].(string)
					if !ok {
						break
					}
					hs := clientsBy[key]
					if len(hs) < n {
						t.Errorf("python stream %s: JA4.%d %s but we saw %d ClientHellos", st, n, want, len(hs))
						continue
					}
					h := hs[n-1]
					k := fmt.Sprintf("%s python stream%s ", name, st)
					tally.check(t, k+fmt.Sprintf("JA4.%d", n), JA4(h), want)
					tally.check(t, k+fmt.Sprintf("JA4_r.%d", n), JA4Raw(h, false), fmt.Sprint(e[fmt.Sprintf("JA4_r.%d", n)]))
					tally.check(t, k+fmt.Sprintf("JA4_o.%d", n), ja4Hashed(h, true), fmt.Sprint(e[fmt.Sprintf("JA4_o.%d", n)]))
					tally.check(t, k+fmt.Sprintf("JA4_ro.%d", n), JA4Raw(h, true), fmt.Sprint(e[fmt.Sprintf("JA4_ro.%d", n)]))
				}
				if want, ok := e["JA4S"].(string); ok {
					s := serverBy[key]
					if s == nil {
						t.Errorf("python stream %s: JA4S %s but we saw no ServerHello", st, want)
						continue
					}
					k := fmt.Sprintf("%s python stream%s ", name, st)
					tally.check(t, k+"JA4S", JA4S(s), want)
					tally.check(t, k+"JA4S_r", JA4SRaw(s), fmt.Sprint(e["JA4S_r"]))
				}
			}

			// FoxIO Rust reference (insta snapshot, YAML).
			for _, rec := range readRustSnap(t, filepath.Join(conformanceDir, "foxio-ja4", "expected", "rust", "ja4__insta@"+name+".snap")) {
				key := rec["transport"] + "/" + rec["stream"]
				k := fmt.Sprintf("%s rust %s ", name, key)
				if want := rec["ja4"]; want != "" {
					if hs := clientsBy[key]; len(hs) == 0 {
						t.Errorf("rust %s: ja4 %s but we saw no ClientHello", key, want)
					} else {
						tally.check(t, k+"ja4", JA4(hs[0]), want)
					}
				}
				if want := rec["ja4s"]; want != "" {
					if s := serverBy[key]; s == nil {
						t.Errorf("rust %s: ja4s %s but we saw no ServerHello", key, want)
					} else {
						tally.check(t, k+"ja4s", JA4S(s), want)
					}
				}
			}

			// FoxIO Wireshark plugin: JA4S per frame.
			var ws []struct {
				Source struct {
					Layers map[string][]string `json:"layers"`
				} `json:"_source"`
			}
			readJSON(t, filepath.Join(conformanceDir, "foxio-ja4", "expected", "wireshark-plugin", name+".json"), &ws)
			for _, p := range ws {
				l := p.Source.Layers
				if len(l["ja4.ja4s"]) == 0 {
					continue
				}
				frame := l["frame.number"][0]
				s := serverByFrame[frame]
				if s == nil {
					t.Errorf("wireshark-plugin frame %s: ja4s %s but we saw no ServerHello there", frame, l["ja4.ja4s"][0])
					continue
				}
				k := fmt.Sprintf("%s wireshark frame%s ", name, frame)
				tally.check(t, k+"ja4s", JA4S(s), l["ja4.ja4s"][0])
				tally.check(t, k+"ja4s_r", JA4SRaw(s), l["ja4.ja4s_r"][0])
			}
		})
	}
	for _, base := range arkimeCaptures {
		if !full && base != "tls13" && base != "https2-301-get" {
			continue
		}
		name := "arkime/" + base
		t.Run(name, func(t *testing.T) {
			ran[name] = true
			pcap := filepath.Join(conformanceDir, "arkime", "pcap", base+".pcap")
			clientsBy := map[string][]*ClientInput{} // by client "ip:port"
			serverBy := map[string]*ServerInput{}    // by tcp stream
			streamOf := map[string]string{}          // client → tcp stream
			for _, r := range tsharkHellos(t, pcap) {
				switch {
				case hasType(r, "1"):
					ip := r.one("ip.src") + r.one("ipv6.src")
					c := ip + ":" + r.one("tcp.srcport")
					clientsBy[c] = append(clientsBy[c], helloFromRow(t, pcap, r))
					streamOf[c] = streamKey(r)
					clients++
				case hasType(r, "2"):
					if serverBy[streamKey(r)] == nil {
						serverBy[streamKey(r)] = serverFromRow(t, r)
					}
				}
			}
			var ex struct {
				Sessions []struct {
					Body struct {
						Source struct {
							IP   string `json:"ip"`
							Port int    `json:"port"`
						} `json:"source"`
						TLS map[string]any `json:"tls"`
					} `json:"body"`
				} `json:"sessions3"`
			}
			readJSON(t, filepath.Join(conformanceDir, "arkime", "expected", base+".test"), &ex)
			for _, sess := range ex.Sessions {
				tl := sess.Body.TLS
				if tl["ja4"] == nil && tl["ja3"] == nil && tl["ja3s"] == nil {
					continue
				}
				c := fmt.Sprintf("%s:%d", arkimeIP(sess.Body.Source.IP), sess.Body.Source.Port)
				k := fmt.Sprintf("%s arkime %s ", name, c)
				hs := clientsBy[c]
				var ja4s, ja4rs, ja3s, ja3fulls []string
				for _, h := range hs {
					ja4s = append(ja4s, JA4(h))
					ja4rs = append(ja4rs, JA4Raw(h, false))
					full, hash := JA3(h)
					ja3fulls = append(ja3fulls, full)
					ja3s = append(ja3s, hash)
				}
				tally.check(t, k+"ja4", arkimeSet(ja4s), arkimeList(tl["ja4"]))
				tally.check(t, k+"ja4_r", arkimeSet(ja4rs), arkimeList(tl["ja4_r"]))
				tally.check(t, k+"ja3", arkimeSet(ja3s), arkimeList(tl["ja3"]))
				tally.check(t, k+"ja3string", arkimeSet(ja3fulls), arkimeList(tl["ja3string"]))
				if sv := serverBy[streamOf[c]]; sv != nil || tl["ja3s"] != nil {
					var full, hash string
					if sv != nil {
						full, hash = JA3S(sv)
					}
					tally.check(t, k+"ja3s", hash, arkimeList(tl["ja3s"]))
					tally.check(t, k+"ja3sstring", full, arkimeList(tl["ja3sstring"]))
				}
			}
		})
	}
	for _, name := range ja3Captures {
		if !full {
			break
		}
		t.Run(name, func(t *testing.T) {
			ran[name] = true
			pcap := filepath.Join(conformanceDir, name)
			for _, r := range tsharkHellos(t, pcap) {
				frame := r.one("frame.number")
				switch {
				case hasType(r, "1"):
					h := helloFromRow(t, pcap, r)
					clients++
					full, hash := JA3(h)
					tally.check(t, name+" tshark frame"+frame+" ja3_full", full, r.one("tls.handshake.ja3_full"))
					tally.check(t, name+" tshark frame"+frame+" ja3", hash, r.one("tls.handshake.ja3"))
					checkHelloInvariants(t, h)
				case hasType(r, "2"):
					s := serverFromRow(t, r)
					full, hash := JA3S(s)
					tally.check(t, name+" tshark frame"+frame+" ja3s_full", full, r.one("tls.handshake.ja3s_full"))
					tally.check(t, name+" tshark frame"+frame+" ja3s", hash, r.one("tls.handshake.ja3s"))
					checkServerInvariants(t, s)
				}
			}
		})
	}
	for k, why := range conformanceKnown {
		capture, _, _ := strings.Cut(k, " ")
		if ran[capture] && !tally.seen[k] {
			t.Errorf("known difference %s (%s) was not seen", k, why)
		}
	}
	t.Logf("conformance: %d captures, %d ClientHellos (%d TCP/QUIC streams with FoxIO expectations); comparisons: %v; %d known differences",
		len(ran), clients, streams, tally.bySource, tally.known)
}

// arkimeIP undoes Arkime's zero-padded IPv6 notation.
func arkimeIP(s string) string {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.String()
	}
	return s
}

// arkimeList renders an Arkime multi-valued field (a JSON list, which
// Arkime keeps sorted and de-duplicated) as comma-separated text.
func arkimeList(v any) string {
	l, _ := v.([]any)
	var ss []string
	for _, x := range l {
		ss = append(ss, fmt.Sprint(x))
	}
	return arkimeSet(ss)
}

func arkimeSet(ss []string) string {
	ss = slices.Clone(ss)
	slices.Sort(ss)
	return strings.Join(slices.Compact(ss), " ")
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// readRustSnap reads the top-level "- stream:" records of an insta YAML
// snapshot: only the two-space-indented scalar keys of each record.
func readRustSnap(t *testing.T, path string) []map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var recs []map[string]string
	for line := range strings.Lines(string(b)) {
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "- stream: "):
			recs = append(recs, map[string]string{"stream": strings.TrimPrefix(line, "- stream: ")})
		case len(recs) > 0 && strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "   ") && !strings.HasPrefix(line, "  -"):
			k, v, ok := strings.Cut(strings.TrimSpace(line), ": ")
			if ok {
				recs[len(recs)-1][k] = v
			}
		}
	}
	return recs
}
