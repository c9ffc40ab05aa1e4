package oracle

import (
	"net/netip"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/report"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// quicRow is one connection of QUIC_TSHARK.tsv: what tshark 4.0 shows of
// it, without keys and, where the corpus has them, with keys.
type quicRow map[string]string

func readQUICTshark(t *testing.T, dir string) []quicRow {
	t.Helper()
	var rows []quicRow
	for _, r := range testenv.TSVRows(t, filepath.Join(dir, "QUIC_TSHARK.tsv")) {
		rows = append(rows, quicRow(r))
	}
	return rows
}

// mergeQUICRows joins the rows of one file with the same client and
// server: tshark starts a new connection where the client moves to a
// connection ID it learnt in an encrypted frame, or after a Retry, where
// we (and Zeek) keep one. Counts "a/b" are summed, other fields taken from
// the first row that has them.
func mergeQUICRows(rows []quicRow) []quicRow {
	var out []quicRow
	at := map[string]int{}
	for _, r := range rows {
		k := r["file"] + " " + r["client"] + " " + r["server"]
		i, ok := at[k]
		if !ok {
			at[k] = len(out)
			out = append(out, r)
			continue
		}
		m := out[i]
		for f, v := range r {
			switch {
			case f == "initial_decrypted" && v != "" && m[f] != "":
				m[f] = sumCounts(m[f], v)
			case m[f] == "" || m[f] == "—":
				m[f] = v
			}
		}
	}
	return out
}

// sumCounts adds two "a/b" counts.
func sumCounts(x, y string) string {
	xa, xb, _ := strings.Cut(x, "/")
	ya, yb, _ := strings.Cut(y, "/")
	a1, _ := strconv.Atoi(xa)
	b1, _ := strconv.Atoi(xb)
	a2, _ := strconv.Atoi(ya)
	b2, _ := strconv.Atoi(yb)
	return strconv.Itoa(a1+a2) + "/" + strconv.Itoa(b1+b2)
}

// quicVersionName maps tshark's version column to ours.
func quicVersionName(v string) (string, bool) {
	switch {
	case v == "v1":
		return "QUIC v1", true
	case v == "v2":
		return "QUIC v2", true
	case strings.HasPrefix(v, "draft-") && !strings.Contains(v, ","):
		return v, true
	case strings.HasPrefix(v, "0xfaceb") && strings.HasSuffix(v, ")") && !strings.Contains(v, ","): // mvfst
		_, name, _ := strings.Cut(strings.TrimSuffix(v, ")"), "(")
		return name, true
	case len(v) == 4 && v[0] == 'Q' && !strings.Contains(v, ","): // Google QUIC: named, SNI and UAID read
		return v, true
	}
	return "", false
}

// quicExceptions are the differences with tshark found and explained:
// "FILE CLIENT FIELD" -> why we are right (or why neither can be). Our
// decrypted packets passed their AEAD tag, which a wrong key cannot.
var quicExceptions = map[string]string{
	"zeek/traces/quic/interop/quic-go_quic-go/zerortt.pcap 193.167.0.100:49394 initial_decrypted": whyTsharkSplit,
	"zeek/traces/quic/quicv2-echo-443.pcap 127.0.0.1:49320 initial_decrypted":                     whyTsharkSplit,
	"zeek/traces/quic/quicv2-echo-dpd-custom-port-4433.pcap 127.0.0.1:49320 initial_decrypted":    whyTsharkSplit,
	"zeek/traces/quic/nat-rebinding-min.pcapng 127.0.0.1:59442 initial_decrypted":                 whyNATLegs,
	"zeek/traces/quic/nat-rebinding-min.pcapng 127.0.0.1:59440 connection":                        whyNATLegs,
}

const (
	whyTsharkSplit = "the client's later Initials go to a DCID the server gave in an encrypted frame: tshark takes them for a new connection and derives its Initial keys from that DCID (0 decrypted); the Initial keys stay those of the original DCID (RFC 9001 5.2), with which ours authenticate, as Zeek's history ('I', not 'X') agrees"
	whyNATLegs     = "the capture holds both legs of a NAT (client 59442 -> 59443, then 59444 -> 59440) carrying one QUIC connection with the same connection IDs: we keep it one connection (found by its CIDs, with each packet seen twice), tshark makes three and cannot decrypt the Initials of the legs it split off"
)

var decryptCounts = regexp.MustCompile(`(Handshake|1-RTT|0-RTT) 0→(\d+)/(\d+)`)

// TestQUICTshark compares every IETF QUIC connection of QUIC_TSHARK.tsv
// (tshark 4.0.17's view, made by the corpus collector) with ours: the
// version, SNI, offered ALPN, JA3, the server's cipher suite and JA3S, the
// Initial packets decrypted (tshark decrypts them without keys, as we
// do), and for the captures with keys the Handshake, 0-RTT and 1-RTT
// packets decrypted and both Finished messages.
func TestQUICTshark(t *testing.T) {
	t.Parallel()
	dir := needConformance(t)
	rows := mergeQUICRows(readQUICTshark(t, dir))
	results := map[string]*Result{}
	conns := 0
	fc := &fieldChecker{t: t, exceptions: quicExceptions, seen: map[string]bool{}}
	for _, row := range rows {
		want, ok := quicVersionName(row["quic_versions"])
		if !ok {
			continue
		}
		file := row["file"]
		res := results[file]
		if res == nil {
			var keylogs []string
			if m := row["key_material"]; m != "" && m != "—" && m != "embedded pcapng DSB" {
				keylogs = append(keylogs, filepath.Join(dir, m))
			}
			var err error
			if res, err = DissectKeys(keylogs, nil, filepath.Join(dir, file)); err != nil {
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
			if c.Transport == "quic" && c.Client == client.String() && c.Server == server.String() {
				oc = c
				break
			}
		}
		conns++
		check := fc.forKey(file + " " + row["client"])
		if oc == nil {
			check("connection", "none", "QUIC "+row["quic_versions"])
			continue
		}
		check("version", oc.QUICVersionName, want)
		check("sni", oc.SNI, row["sni"])
		if strings.HasPrefix(row["quic_versions"], "Q0") {
			ua, _ := strings.CutPrefix(row["notes"], "UAID ")
			check("user_agent", oc.UserAgent, ua)
			continue // gQUIC crypto: nothing more that tshark shows
		}
		check("alpn_offered", strings.Join(oc.ALPNOffered, ","), row["alpn_offered"])
		if row["ch_ja3"] != "" {
			check("ja3", oc.JA3, row["ch_ja3"])
		}
		if row["sh_cipher"] != "" {
			check("cipher_suite", oc.CipherSuiteID, row["sh_cipher"])
			check("ja3s", oc.JA3S, row["sh_ja3s"])
		}
		// Initial packets: decrypted/total, as tshark counts them.
		var initial, initialOK int
		byType := map[string][2]int{}
		for _, p := range res.QUICPackets {
			if p.Conn != oc.ID {
				continue
			}
			n := byType[p.PacketType]
			n[1]++
			if p.Decrypted {
				n[0]++
			}
			byType[p.PacketType] = n
		}
		initialOK, initial = byType["initial"][0], byType["initial"][1]
		if row["initial_decrypted"] != "" {
			check("initial_decrypted", strconv.Itoa(initialOK)+"/"+strconv.Itoa(initial), row["initial_decrypted"])
		}
		if strings.HasPrefix(row["tshark_decrypts"], "yes") {
			for _, m := range decryptCounts.FindAllStringSubmatch(row["tshark_decrypts"], -1) {
				typ := map[string]string{"Handshake": "handshake", "1-RTT": "1rtt", "0-RTT": "0rtt"}[m[1]]
				n := byType[typ]
				check(m[1]+"_decrypted", strconv.Itoa(n[0])+"/"+strconv.Itoa(n[1]), m[2]+"/"+m[3])
			}
			if strings.Contains(row["tshark_decrypts"], "Finished 0→2") {
				check("finished", oc.Finished.C2S+","+oc.Finished.S2C, "ok,ok")
			}
		}
	}
	fc.unused()
	t.Logf("QUIC: %d connections of QUIC_TSHARK.tsv, %d fields compared, %d differences explained", conns, fc.compared, len(fc.seen))
	if conns == 0 {
		t.Fatal("no IETF QUIC connection in QUIC_TSHARK.tsv")
	}
}

// fieldChecker compares our fields with an oracle's, allowing the
// differences listed in exceptions ("<key> <field>" -> why), and counts.
type fieldChecker struct {
	t          *testing.T
	exceptions map[string]string
	seen       map[string]bool
	compared   int
}

// forKey returns the check of one connection's fields.
func (fc *fieldChecker) forKey(key string) func(field, got, want string) {
	return func(field, got, want string) {
		fc.t.Helper()
		fc.compared++
		if got == want {
			return
		}
		if why, ok := fc.exceptions[key+" "+field]; ok {
			fc.seen[key+" "+field] = true
			fc.t.Logf("%s %s: ours %q, the oracle %q: allowed: %s", key, field, got, want, why)
			return
		}
		fc.t.Errorf("%s %s: ours %q, the oracle %q", key, field, got, want)
	}
}

// unused fails the test for the exceptions no longer met.
func (fc *fieldChecker) unused() {
	for k := range fc.exceptions {
		if !fc.seen[k] {
			fc.t.Errorf("exception %q no longer needed: remove it", k)
		}
	}
}
