// Key shares and signatures follow the seed only with this setting (see
// GenerateTLS).
//
//go:debug cryptocustomrand=1
package synth_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/internal/pipeline"
	"github.com/ssldissect/ssldissect/internal/synth"
	"github.com/ssldissect/ssldissect/internal/testenv"
	"github.com/ssldissect/ssldissect/session"
)

// small writes a capture of every variant twice (n connections of b bytes).
func small(t *testing.T, n int, b int64, seed uint64) (pcap, keylog string, st synth.TLSStats) {
	t.Helper()
	dir := t.TempDir()
	pcap, keylog = filepath.Join(dir, "t.pcap"), filepath.Join(dir, "t.keylog")
	st, err := synth.GenerateTLSFile(pcap, keylog, synth.TLSOptions{Conns: n, Bytes: b, Seed: seed, Interleave: 4})
	if err != nil {
		t.Fatal(err)
	}
	return pcap, keylog, st
}

// TestGenerateTLSDeterministic: the same options give the same capture
// and key log, another seed another; one key log line per connection
// (TLS 1.2: CLIENT_RANDOM, TLS 1.3: 4 traffic secrets); IPv4 and TCP
// checksums hold.
func TestGenerateTLSDeterministic(t *testing.T) {
	n := 2 * len(synth.Variants)
	p1, k1, st := small(t, n, 4096, 7)
	p2, k2, _ := small(t, n, 4096, 7)
	p3, _, _ := small(t, n, 4096, 8)
	if !st.Deterministic {
		t.Fatal("key generation ignored the seed: is cryptocustomrand=1 in effect?")
	}
	read := func(f string) []byte {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := read(p1), read(p2), read(p3)
	if !bytes.Equal(a, b) || !bytes.Equal(read(k1), read(k2)) {
		t.Fatal("two runs with the same seed differ")
	}
	if bytes.Equal(a, c) {
		t.Fatal("another seed gave the same capture")
	}
	if st.Connections != n || int64(len(a)) != st.Bytes {
		t.Fatalf("stats %+v, file %d bytes", st.Stats, len(a))
	}
	for _, v := range synth.Variants {
		if st.Suites[v.Name] != 2 {
			t.Errorf("%s: %d connections, want 2", v.Name, st.Suites[v.Name])
		}
	}
	kl := string(read(k1))
	cr, ts := strings.Count(kl, "CLIENT_RANDOM "), strings.Count(kl, "CLIENT_TRAFFIC_SECRET_0 ")
	if cr+ts != n || cr == 0 || ts == 0 {
		t.Fatalf("key log: %d CLIENT_RANDOM, %d CLIENT_TRAFFIC_SECRET_0 for %d connections", cr, ts, n)
	}
	packets := 0
	for off := 24; off < len(a); packets++ {
		l := int(binary.LittleEndian.Uint32(a[off+8:]))
		ip := a[off+16+14 : off+16+l]
		off += 16 + l
		if ip[0] != 0x45 || sum(ip[:20], 0) != 0xffff {
			t.Fatalf("packet %d: bad IPv4 header or checksum", packets)
		}
		tcp := ip[20:]
		if sum(tcp, sum(ip[12:20], 0)+6+uint32(len(tcp))) != 0xffff {
			t.Fatalf("packet %d: bad TCP checksum", packets)
		}
	}
	if int64(packets) != st.Packets {
		t.Fatalf("%d packets, stats say %d", packets, st.Packets)
	}
}

func sum(b []byte, s uint32) uint32 {
	for ; len(b) >= 2; b = b[2:] {
		s += uint32(b[0])<<8 | uint32(b[1])
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return s
}

// plain collects each connection's decrypted application data.
type plain struct {
	conns []*session.Conn
	data  map[*session.Conn]*[2]bytes.Buffer
}

func (p *plain) Record(ev *session.RecordEvent) {
	if p.data[ev.Conn] == nil {
		p.data[ev.Conn] = &[2]bytes.Buffer{}
	}
	p.data[ev.Conn][ev.Dir].Write(ev.Plaintext)
}

func (p *plain) End(c *session.Conn) { p.conns = append(p.conns, c) }

func dissect(t *testing.T, pcap, keylog string) *plain {
	t.Helper()
	var keylogs []string
	if keylog != "" {
		keylogs = []string{keylog}
	}
	keys, err := pipeline.LoadKeys(keylogs, nil, func(err error) { t.Error(err) })
	if err != nil {
		t.Fatal(err)
	}
	src, err := capture.OpenFiles([]string{pcap}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	p := &plain{data: map[*session.Conn]*[2]bytes.Buffer{}}
	if _, err := pipeline.Run(src, p, pipeline.Options{Keys: keys}); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGenerateTLSDecrypts runs the capture through ssldissect's pipeline
// with the key log: every connection is found, has the variant's version
// and suite, and decrypts to exactly the application data the generator
// sent; without the key log none does.
func TestGenerateTLSDecrypts(t *testing.T) {
	n := 2*len(synth.Variants) + 1
	const size = 20000
	pcap, keylog, _ := small(t, n, size, 1)
	p := dissect(t, pcap, keylog)
	if len(p.conns) != n {
		t.Fatalf("%d connections, want %d", len(p.conns), n)
	}
	seen := map[int]bool{}
	for _, c := range p.conns {
		a := c.Client.Addr().As4()
		k := int(binary.BigEndian.Uint32(a[:])&0xffffff) - 1
		if a[0] != 10 || k < 0 || k >= n || seen[k] {
			t.Fatalf("client %v", c.Client)
		}
		seen[k] = true
		v := synth.Variants[k%len(synth.Variants)]
		if !c.Decrypted || c.MACFailed != 0 || uint16(c.Version) != v.Version || uint16(c.CipherSuite) != v.Suite {
			t.Errorf("connection %d (%s): decrypted %v, MAC failed %d, version %#x, suite %#x", k, v.Name, c.Decrypted, c.MACFailed, c.Version, c.CipherSuite)
			continue
		}
		req := synth.RequestLen(size)
		d := p.data[c]
		if d == nil || !bytes.Equal(d[session.ClientToServer].Bytes(), synth.AppData(k, true, req)) ||
			!bytes.Equal(d[session.ServerToClient].Bytes(), synth.AppData(k, false, size-req)) {
			t.Errorf("connection %d (%s): plaintext is not what was sent", k, v.Name)
		}
	}
	p = dissect(t, pcap, "")
	for _, c := range p.conns {
		if c.Decrypted || (p.data[c] != nil && p.data[c][0].Len()+p.data[c][1].Len() > 0) {
			t.Fatalf("%v decrypted without keys", c.Client)
		}
	}
}

// TestGenerateTLSTshark: tshark reads the capture without a warning and,
// with the key log, decrypts every connection to its HTTP request and
// response; without it, none.
func TestGenerateTLSTshark(t *testing.T) {
	tshark := testenv.Tool(t, "tshark", "the generated captures are not checked against tshark")
	n := len(synth.Variants) + 2
	pcap, keylog, _ := small(t, n, 8192, 3)
	streams := func(filter string, args ...string) int {
		args = append([]string{"-r", pcap, "-Y", filter, "-T", "fields", "-e", "tcp.stream"}, args...)
		out, err := exec.Command(tshark, args...).Output()
		if err != nil {
			t.Fatalf("tshark %v: %v", args, err)
		}
		u := map[string]bool{}
		for _, l := range strings.Fields(string(out)) {
			u[l] = true
		}
		return len(u)
	}
	key := []string{"-o", "tls.keylog_file:" + keylog}
	if got := streams("tcp.flags.syn == 1 && tcp.flags.ack == 0"); got != n {
		t.Fatalf("%d TCP connections, want %d", got, n)
	}
	if got := streams("_ws.expert.severity >= warning", key...); got != 0 {
		t.Fatalf("tshark warns in %d connections", got)
	}
	if got := streams("http.request", key...); got != n {
		t.Errorf("%d connections with a decrypted HTTP request, want %d", got, n)
	}
	if got := streams("http.response.code == 200", key...); got != n {
		t.Errorf("%d connections with a decrypted HTTP response, want %d", got, n)
	}
	if got := streams("http"); got != 0 {
		t.Errorf("%d connections readable without keys", got)
	}
}
