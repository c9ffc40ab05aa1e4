package oracle

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/internal/testenv"
	"github.com/ssldissect/ssldissect/report"
)

// compared are the per-connection fields compared with tshark, in report
// order.
var compared = []string{"tls", "client", "version", "cipher_suite", "sni", "ja3", "ja3_full", "ja3s", "ja3s_full", "records_c2s", "records_s2c", "frames_c2s", "frames_s2c", "handshake_c2s", "handshake_s2c"}

// tally counts, per field, the connections where we agree with tshark, and
// those where we differ with a listed reason.
type tally struct {
	agree, allowed, differ map[string]int
	captures, conns        int
	keyedConns, decrypted  int             // connections also dissected with keys; of those, decrypted
	seen                   map[string]bool // exception keys that occurred
	ran                    map[string]bool // captures compared, named as exception keys name them
}

func newTally() *tally {
	return &tally{agree: map[string]int{}, allowed: map[string]int{}, differ: map[string]int{}, seen: map[string]bool{}, ran: map[string]bool{}}
}

// capture is one file to compare, as the test names it.
type captureFile struct {
	name     string // "conformance/<rel>" or "testdata/<rel>"
	path     string
	decodeAs string // tshark -d argument, from TSHARK_SUMMARY.tsv
	dsb      bool   // pcapng with Decryption Secrets Blocks
	// Key material shipped with the capture: key logs and PEM RSA keys.
	keylogs, rsaKeys []string
}

// TestTshark compares, connection by connection, what the pipeline reports
// with what tshark dissects, on every capture of testdata/pcaps and on the
// TLS-over-TCP captures of the conformance corpus (tcpCaptures).
func TestTshark(t *testing.T) {
	t.Parallel()
	testenv.Need(t, "tshark", "the comparison with tshark cannot run")
	var files []captureFile
	root := testenv.RepoRoot(t)
	rels := capturesUnder(t, filepath.Join(root, "testdata", "pcaps"))
	if len(rels) == 0 {
		t.Fatal("no captures in testdata/pcaps")
	}
	for _, rel := range rels {
		cf := captureFile{name: "testdata/" + rel, path: filepath.Join(root, "testdata", "pcaps", rel)}
		base := strings.TrimSuffix(strings.TrimSuffix(cf.path, ".gz"), filepath.Ext(strings.TrimSuffix(cf.path, ".gz")))
		if _, err := os.Stat(base + ".keylog"); err == nil {
			cf.keylogs = []string{base + ".keylog"}
		}
		files = append(files, cf)
	}
	if testenv.Have(t, "conformance", "only testdata/pcaps compared") {
		dir, _ := testenv.ConformanceDir()
		files = append(files, tcpCaptures(t, dir)...)
	}
	if testing.Short() {
		files = shortSubset(files)
	}

	jobs := make([]*job, len(files))
	for i, cf := range files {
		jobs[i] = &job{cf: cf}
		jobs[i].ours, jobs[i].err = Dissect(cf.path)
		if jobs[i].err == nil && len(cf.keylogs)+len(cf.rsaKeys) > 0 {
			jobs[i].keyed, jobs[i].err = DissectKeys(cf.keylogs, cf.rsaKeys, cf.path)
		}
	}
	runTsharkJobs(t, jobs)

	tl := newTally()
	for _, j := range jobs {
		t.Run(j.cf.name, func(t *testing.T) { compareCapture(t, j, tl) })
	}
	if !t.Failed() {
		for key, why := range tsharkExceptions {
			capture, _, _ := strings.Cut(key, "#")
			if tl.ran[capture] && !tl.seen[key] {
				t.Errorf("exception no longer needed (remove it): %q: %s", key, why)
			}
		}
	}
	t.Logf("%d captures, %d tshark TLS connections compared", tl.captures, tl.conns)
	t.Logf("with the shipped key material: %d connections dissected again, %d of them decrypted, compared fields unchanged", tl.keyedConns, tl.decrypted)
	for _, f := range compared {
		t.Logf("  %-13s agree %4d   differ with listed reason %3d   differ %3d", f, tl.agree[f], tl.allowed[f], tl.differ[f])
	}
}

// shortSubset keeps testdata and the first capture of each corpus folder.
func shortSubset(files []captureFile) []captureFile {
	var out []captureFile
	seen := map[string]bool{}
	for _, f := range files {
		top, _, _ := strings.Cut(strings.TrimPrefix(f.name, "conformance/"), "/")
		if strings.HasPrefix(f.name, "testdata/") || !seen[top] {
			seen[top] = true
			out = append(out, f)
		}
	}
	return out
}

func compareCapture(t *testing.T, j *job, tl *tally) {
	if j.err != nil {
		t.Fatal(j.err)
	}
	cf, ours, theirs := j.cf, j.ours, j.theirs
	tl.captures++
	tl.ran[strings.TrimPrefix(cf.name, "conformance/")] = true
	if j.keyed != nil {
		sameWithKeys(t, ours, j.keyed, tl)
	}

	ids := make([]int, 0, len(theirs))
	for id, c := range theirs {
		if c.tls() {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	used := map[int]bool{} // index into ours.Conns
	for _, id := range ids {
		tc := theirs[id]
		tl.conns++
		check := func(field, got, want string) {
			key := fmt.Sprintf("%s#%d %s", strings.TrimPrefix(cf.name, "conformance/"), id, field)
			if got == want {
				tl.agree[field]++
				if _, listed := tsharkExceptions[key]; listed {
					t.Errorf("%s: we agree with tshark (%q) but the exception is listed", key, got)
				}
				return
			}
			if why, ok := tsharkExceptions[key]; ok {
				tl.allowed[field]++
				tl.seen[key] = true
				t.Logf("%s: ours %q, tshark %q: allowed: %s", key, got, want, why)
				return
			}
			tl.differ[field]++
			t.Errorf("%s: ours %q, tshark %q (tshark frames: ClientHello %d, ServerHello %d)", key, got, want, tc.CHFrame, tc.SHFrame)
		}
		i := matchConn(ours.Conns, used, tc)
		if i < 0 {
			check("tls", "no connection", "TLS")
			continue
		}
		used[i] = true
		oc := &ours.Conns[i]
		check("tls", "TLS", "TLS")
		client, _ := netip.ParseAddrPort(oc.Client)
		server, _ := netip.ParseAddrPort(oc.Server)
		if tc.SawCH {
			check("client", oc.Client, tc.ClientHelloFrom.String())
		}
		check("version", oc.VersionID, tc.Version)
		check("cipher_suite", oc.CipherSuiteID, tc.Suite)
		check("sni", oc.SNI, tc.SNI)
		check("ja3", oc.JA3, tc.JA3)
		check("ja3_full", oc.JA3Full, tc.JA3Full)
		check("ja3s", oc.JA3S, tc.JA3S)
		check("ja3s_full", oc.JA3SFull, tc.JA3SFull)
		check("records_c2s", fmt.Sprint(oc.Records.C2S), fmt.Sprint(tc.RecordsBy[client]))
		check("records_s2c", fmt.Sprint(oc.Records.S2C), fmt.Sprint(tc.RecordsBy[server]))
		// The handshake message types each side sent in clear, in order
		// (tshark runs without keys; our decrypted records are left out).
		for _, d := range []struct {
			dir  string
			from netip.AddrPort
		}{{"c2s", client}, {"s2c", server}} {
			var got []string
			for _, r := range ours.Records {
				if r.Conn != oc.ID || r.Dir != d.dir || r.Decrypted {
					continue
				}
				for _, m := range r.Handshake {
					v, _ := m.Get("type_id")
					id, _ := v.(string)
					n, err := strconv.ParseUint(id, 0, 8)
					if err != nil {
						t.Fatalf("record %+v: handshake type_id %q", r, id)
					}
					got = append(got, strconv.FormatUint(n, 10))
				}
			}
			check("handshake_"+d.dir, strings.Join(got, ","), strings.Join(tc.HSTypes[d.from], ","))
		}
		// Where the counts agree, the records must be in the same frames:
		// tshark shows a record in the frame that completes it, we give
		// the packet that carried its last byte.
		for _, d := range []struct {
			dir  string
			from netip.AddrPort
			n    int64
		}{{"c2s", client, oc.Records.C2S}, {"s2c", server, oc.Records.S2C}} {
			want := slices.Clone(tc.RecordFrames[d.from])
			if int64(len(want)) != d.n {
				continue
			}
			var got []int
			for _, r := range ours.Records {
				if r.Conn == oc.ID && r.Dir == d.dir {
					got = append(got, int(ours.FrameOf[r.Packet]))
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			check("frames_"+d.dir, fmt.Sprint(got), fmt.Sprint(want))
		}
	}
	for i := range ours.Conns {
		if used[i] {
			continue
		}
		oc := &ours.Conns[i]
		if oc.Transport != "" {
			continue // QUIC: compared with QUIC_TSHARK.tsv (TestQUICTshark)
		}
		key := fmt.Sprintf("%s#ours%d tls", strings.TrimPrefix(cf.name, "conformance/"), oc.ID)
		if why, ok := tsharkExceptions[key]; ok {
			tl.allowed["tls"]++
			tl.seen[key] = true
			t.Logf("%s: we report TLS %s -> %s, tshark shows none: allowed: %s", key, oc.Client, oc.Server, why)
			continue
		}
		tl.differ["tls"]++
		t.Errorf("%s: we report TLS %s -> %s (%d+%d records), tshark shows none", key, oc.Client, oc.Server, oc.Records.C2S, oc.Records.S2C)
	}
}

// job is one capture's two sides.
type job struct {
	cf     captureFile
	ours   *Result
	keyed  *Result // with the capture's key material, when it has some
	theirs map[int]*tsConn
	err    error
}

// batchSize is how many captures one tshark run reads, concatenated with
// mergecap: tshark takes about half a second to start, longer than it
// takes to dissect most of these captures.
const batchSize = 32

// runTsharkJobs fills each job's tshark side. Captures that need tshark
// options of their own (decode-as, secrets to strip) get a run each; the
// others are read in batches. A batch is only trusted when it has exactly
// the frames of its captures and no tcp.stream spans two captures (the
// same endpoints in two files); otherwise its captures get a run each.
func runTsharkJobs(t *testing.T, jobs []*job) {
	tmp := t.TempDir()
	solo := func(j *job) {
		pcap := j.cf.path
		if j.cf.dsb {
			// Without its secrets tshark shows the records as they are on
			// the wire, as we count them.
			pcap = filepath.Join(tmp, "nosecrets.pcapng")
			if n, err := withoutSecrets(j.cf.path, pcap); err != nil || n == 0 {
				j.err = fmt.Errorf("removing the secrets of %s: %d blocks removed, %v", j.cf.path, n, err)
				return
			}
		}
		frames, err := tsharkFrames(pcap, j.cf.decodeAs)
		if err == nil {
			j.theirs, err = tsharkConns(frames)
		}
		if err != nil {
			j.err = err
		}
	}
	_, mergeErr := exec.LookPath("mergecap")
	var batch []*job
	runs, fallbacks := 0, 0
	flush := func() {
		if len(batch) == 0 {
			return
		}
		defer func() { batch = batch[:0] }()
		runs++
		if len(batch) == 1 {
			solo(batch[0])
			return
		}
		redo := tsharkBatch(filepath.Join(tmp, "batch.pcapng"), batch)
		for _, j := range redo {
			fallbacks++
			runs++
			solo(j)
		}
	}
	for _, j := range jobs {
		if j.err != nil {
			continue
		}
		if j.cf.dsb || j.cf.decodeAs != "" || mergeErr != nil {
			runs++
			solo(j)
			continue
		}
		batch = append(batch, j)
		if len(batch) == batchSize {
			flush()
		}
	}
	flush()
	t.Logf("tshark: %d runs for %d captures (%d read alone after a batch could not be split)", runs, len(jobs), fallbacks)
}

// tsharkBatch runs tshark once on the concatenation of the jobs' captures
// and splits its frames back. It returns the jobs it could not fill.
func tsharkBatch(merged string, jobs []*job) (redo []*job) {
	args := []string{"-a", "-F", "pcapng", "-w", merged}
	want := 0
	for _, j := range jobs {
		args = append(args, j.cf.path)
		want += int(j.ours.Capture.Packets)
	}
	if err := exec.Command("mergecap", args...).Run(); err != nil {
		return jobs
	}
	frames, err := tsharkFrames(merged, "")
	if err != nil || len(frames) != want {
		return jobs
	}
	owner := map[string]int{} // tcp.stream -> index of the job
	bad := map[int]bool{}
	off := 0
	for i, j := range jobs {
		for _, f := range frames[off : off+int(j.ours.Capture.Packets)] {
			if s := f.one("tcp.stream"); s != "" {
				if o, ok := owner[s]; ok && o != i {
					bad[o], bad[i] = true, true
				}
				owner[s] = i
			}
		}
		off += int(j.ours.Capture.Packets)
	}
	off = 0
	for i, j := range jobs {
		n := int(j.ours.Capture.Packets)
		if bad[i] {
			redo = append(redo, j)
		} else if j.theirs, err = tsharkConns(frames[off : off+n]); err != nil {
			j.err = err
		}
		off += n
	}
	return redo
}

// sameWithKeys checks that the key material changes none of the compared
// fields: records are counted as they are on the wire, decrypted or not
// (CONTRACT.md), and the hellos are in clear. Decryption must not make a
// connection appear or vanish either.
func sameWithKeys(t *testing.T, plain, keyed *Result, tl *tally) {
	t.Helper()
	if len(plain.Conns) != len(keyed.Conns) {
		t.Errorf("with keys: %d connections, without: %d", len(keyed.Conns), len(plain.Conns))
		return
	}
	byID := map[uint64]report.Connection{}
	for _, k := range keyed.Conns {
		byID[k.ID] = k
	}
	for _, p := range plain.Conns {
		k := byID[p.ID]
		tl.keyedConns++
		if k.Decrypted {
			tl.decrypted++
		}
		pf := []any{p.ID, p.Client, p.VersionID, p.CipherSuiteID, p.SNI, p.JA3Full, p.JA3SFull, p.JA4, p.JA4S, p.Records}
		kf := []any{k.ID, k.Client, k.VersionID, k.CipherSuiteID, k.SNI, k.JA3Full, k.JA3SFull, k.JA4, k.JA4S, k.Records}
		if fmt.Sprint(pf) != fmt.Sprint(kf) {
			t.Errorf("connection %d changes with keys:\n without %v\n with    %v", p.ID, pf, kf)
		}
	}
}

// matchConn finds our connection for a tshark stream: the same two
// endpoints, and of those not yet matched the one that started closest in
// time. -1 when there is none.
func matchConn(conns []report.Connection, used map[int]bool, tc *tsConn) int {
	best, bestD := -1, time.Duration(0)
	for i := range conns {
		if used[i] {
			continue
		}
		c, _ := netip.ParseAddrPort(conns[i].Client)
		s, _ := netip.ParseAddrPort(conns[i].Server)
		if !(c == tc.A && s == tc.B || c == tc.B && s == tc.A) {
			continue
		}
		st, err := time.Parse(time.RFC3339Nano, conns[i].Start)
		if err != nil {
			continue
		}
		d := st.Sub(tc.Start)
		if d < 0 {
			d = -d
		}
		if best < 0 || d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// extraDecodeAs adds tshark decode-as rules the corpus's TSHARK_SUMMARY.tsv
// does not give, for captures where tshark finds no TLS by itself and we
// do (we find TLS by content, on any port: CONTRACT.md). With the rule
// tshark dissects the same records as we do, so they are compared instead
// of being excepted.
var extraDecodeAs = map[string]string{
	// An SSLv2-only session to openssl s_server on port 4433: tshark's TLS
	// heuristics do not match SSLv2 records, so without the rule it shows
	// no TLS at all (TSHARK_SUMMARY: 0 records); with it, 8 SSLv2 records.
	"wireshark-notes/ssl3/sslv2.pcapng": "tcp.port==4433,tls",
	// Stream 20 is a Chromecast control channel (CASTV2 is TLS on port
	// 8009), captured after its handshake: one application_data record
	// each way, which tshark does not take as TLS on that port.
	"foxio-ja4/pcap/tls3.pcapng": "tcp.port==8009,tls",
}

// tsharkExceptions lists every difference with tshark that the test
// allows: "capture#stream field" (capture relative to the corpus, or
// testdata/...; "#oursN" for a connection of ours tshark does not show) ->
// who is right and why, checked against the bytes and the specs.
var tsharkExceptions = map[string]string{
	// --- Records after a gap (we are right). The capture misses TCP
	// segments; we resynchronise on the next record header (STYLE rule 10)
	// and count the records found after it, while tshark shows what
	// follows a hole as undissected continuation data.
	// Frames 31-116 of stream 1: the capture is sampled (sequence numbers
	// jump by up to 1.2 MB), yet every c2s segment pair carries one
	// 1467-byte application_data record (1452+20 bytes = 5+1467) and the s2c
	// records chain header to header; tshark dissects only the first
	// record each way.
	"ndpi/pcap/tls-appdata.pcap#1 records_c2s": whyGap,
	"ndpi/pcap/tls-appdata.pcap#1 records_s2c": whyGap,
	// The client's ClientHello is cut after 1024 of its 1505 bytes (frame 2,
	// then 481 bytes missing); frames 9-12 carry change_cipher_spec and
	// three application_data records (80 = 6+74, 1024+180 = 1204 = 5+1199,
	// 721 = 5+716 bytes), which tshark leaves as continuation data.
	"ndpi/pcap/tls_missing_ch_frag.pcap#0 records_c2s": whyGap,
	// Frame 7, after 43 missing bytes, is one whole 478-byte
	// application_data record (5+473), which we count and tshark does not.
	"ndpi/pcap/tls_invalid_reads.pcap#0 records_s2c": whyGap,

	// --- Which frame a record is in, when its segments arrived out of
	// order (a convention, both are defensible). session.RecordEvent.Packet
	// is the packet that carried the record's last byte; tshark shows the
	// record in the frame that completed it.
	// Frame 9 (seq 1468-1513) arrives before the retransmitted frame 11
	// (seq 100-1468): the 1248-byte application_data record ends in frame
	// 9 (ours), tshark completes it at frame 11.
	"zeek/traces/hrr.pcap#0 frames_s2c": whyFrameOrder,
	// Frame 6 (seq 2861-3165) arrives before the retransmissions 8 and 10:
	// the Certificate and ServerHelloDone records end in frame 6 (ours),
	// tshark completes them at frame 10.
	"ndpi/pcap/google_ssl.pcap#0 frames_s2c": whyFrameOrder,

	// Frame 6 (nDPI's fuzzed capture): after the ServerHello, a 758-byte
	// handshake record starts with type 9, which is unassigned. We keep it
	// as a raw message of type 9 (STYLE rule 4: unknown types are kept);
	// tshark calls the record an "Encrypted Handshake Message" and gives
	// no type.
	"ndpi/pcap/tls_invalid_reads.pcap#0 handshake_s2c": "unassigned handshake type 9: we keep it as a raw message, tshark calls the record encrypted",

	// --- Malformed ClientHellos (we are right). The hello does not parse,
	// so we note bad_client_hello and give no JA3 (STYLE rule 1: a
	// length-prefixed vector that does not fit is an error). tshark hashes
	// whatever it read before its parser gave up. We keep what was read
	// whole before the damage (parser.ClientHello.Partial: version, random,
	// suites, SNI/ALPN whose extensions parsed), but deliberately compute
	// no fingerprint from it: a JA3 of a damaged hello would be a false
	// identity. These entries stay for as long as that decision does.
	// Stream 3: cipher_suites length 0x84 (the original hello in stream 0
	// has 0x48): the vector swallows compression methods and extensions
	// and leaves 1 byte, so tshark's "ciphers" are extension bytes
	// (65279-10-256-57-0-...) and its JA3 string has empty extension
	// fields. nDPI prints the same garbage hash.
	"ndpi/pcap/tls_cipher_lens.pcap#3 ja3":      whyMalformedHello,
	"ndpi/pcap/tls_cipher_lens.pcap#3 ja3_full": whyMalformedHello,
	// Stream 4: cipher_suites length 0, which RFC 5246 7.4.1.2 forbids
	// (<2..2^16-2>), and the bytes after it do not parse as the rest of a
	// hello either; tshark prints "769,,".
	"ndpi/pcap/tls_cipher_lens.pcap#4 ja3":      whyMalformedHello,
	"ndpi/pcap/tls_cipher_lens.pcap#4 ja3_full": whyMalformedHello,
	// Frame 4: the hello's body ends with compression_methods length 0
	// (RFC 5246: <1..2^8-1>) and one stray byte. tshark's JA3 string
	// "769,4-5-10-9-100-98-3-6-19-18-37," has three fields, not five; nDPI
	// gives yet another hash (9d5430e6dfce44459702b74d790df353).
	"ndpi/pcap/tls_invalid_reads.pcap#0 ja3":      whyMalformedHello,
	"ndpi/pcap/tls_invalid_reads.pcap#0 ja3_full": whyMalformedHello,
	// (No exception for the SNI of ndpi/pcap/tls_invalid_reads.pcap#2: frame
	// 12, inside GTP-U, has a hello whose ALPN extension (16) is 11 bytes
	// long but says 47241 (b8 89) for its protocol_name_list, and the bytes
	// after it do not frame as extensions. We note bad_client_hello, give
	// no JA3, and like tshark read the server_name extension that comes
	// before the damage, e.crashlytics.com, from the partial hello.)

	// --- tshark misreads a TLS 1.3 draft ServerHello (we are right). The
	// server put 0x0304 in the hello's version field with the pre-draft-22
	// layout (no session id, no compression method): bytes after the
	// random are c0 2b (ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, which early
	// TLS 1.3 drafts still negotiated), 00 49 (extensions length), 00 28
	// 00 45 (key_share, draft code point 40, 69 bytes: secp256r1, 65-byte
	// point). tshark reads it as a TLS 1.2 hello: session id length 0xc0,
	// suite 0xacad, compression 107, no extensions. Suricata names the
	// connection "TLS 1.3 draft-<16" (its test.yaml).
	"suricata-verify/tls13-draft14/tls13_draft14.pcap#0 cipher_suite": whyDraftLayout,
	"suricata-verify/tls13-draft14/tls13_draft14.pcap#0 ja3s":         whyDraftLayout,
	"suricata-verify/tls13-draft14/tls13_draft14.pcap#0 ja3s_full":    whyDraftLayout,
}

const (
	whyFrameOrder     = "out-of-order segments: we name the packet with the record's last byte, tshark the frame that completed the record"
	whyGap            = "records after a gap: we resynchronise on the next record header and count them; tshark shows continuation data"
	whyMalformedHello = "malformed ClientHello: we give no JA3; tshark hashes a partial parse"
	whyDraftLayout    = "TLS 1.3 draft ServerHello with 0x0304 in its version field: we read the draft layout, tshark reads it as TLS 1.2"
)
