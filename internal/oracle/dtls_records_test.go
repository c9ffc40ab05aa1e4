package oracle

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/internal/pipeline"
	"github.com/ssldissect/ssldissect/internal/testenv"
	"github.com/ssldissect/ssldissect/reassembly"
	"github.com/ssldissect/ssldissect/session"
)

// TestDTLSRecordsTshark compares, record by record, the DTLS 1.0 and 1.2
// records of the captures with keys (those of testdata/pcaps with their
// key logs, and hotplace's of the corpus with its sslkeylog) as tshark
// decrypts them with ours: each frame's records, in order, with their
// content type (for a tls12_cid record, RFC 9146, the inner type, which
// tshark shows once decrypted), epoch, sequence number, connection ID,
// length (the header's), whether it was decrypted (and then that our MAC
// or AEAD tag verified), the alerts (level and description), the
// handshake types of the records of epoch 1 or later (the Finished), and
// the decrypted application data, byte for byte.
//
// Left out: the ChaCha20-Poly1305 captures (openssl-dtls12-chacha20,
// hotplace's dtls12_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256), whose
// AEAD tags tshark 4.0 fails (its TLS debug log says "auth tag mismatch",
// see dtlsExceptions), and DTLS 1.3, which tshark 4.0 does not decrypt.
func TestDTLSRecordsTshark(t *testing.T) {
	t.Parallel()
	testenv.Need(t, "tshark", "the record-by-record DTLS comparison with tshark cannot run")
	type capture struct{ pcap, keylog string }
	var caps []capture
	for _, n := range []string{
		"openssl-dtls10-ecdhe-rsa-aes128-cbc", "openssl-dtls12-ecdhe-rsa-aes128-gcm", "openssl-dtls12-mtu-fragmented",
		"openssl-dtls12-resumption", "openssl-dtls12-resumption-id",
		"gnutls-dtls12-aes256-gcm", "gnutls-dtls10-ecdhe-rsa-aes128-cbc",
		"pion-dtls12-cid", "pion-dtls12-cid-oneway", "pion-dtls12-ccm8", "pion-dtls12-psk", "pion-dtls12-cbc", "pion-dtls12-ems-off",
	} {
		base := filepath.Join("..", "..", "testdata", "pcaps", n)
		caps = append(caps, capture{base + ".pcap", base + ".keylog"})
	}
	if dir, why := testenv.ConformanceDir(); dir != "" {
		for _, n := range []string{"dtls12", "dtls12_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "dtls12mtu1500", "dtls12netclient"} {
			caps = append(caps, capture{filepath.Join(dir, "hotplace", "dtls12", n+".pcapng"), filepath.Join(dir, "hotplace", "dtls12", "sslkeylog")})
		}
	} else if testenv.Required(t, "conformance") {
		t.Fatalf("conformance corpus: %s", why)
	}
	records, decrypted, appData, explained := 0, 0, 0, 0
	used := map[string]bool{}
	for _, c := range caps {
		t.Run(filepath.Base(c.pcap), func(t *testing.T) {
			theirs, err := tsharkDTLSRecords(c.pcap, c.keylog)
			if err != nil {
				t.Fatal(err)
			}
			ours, err := dissectDTLSRecords(c.keylog, c.pcap)
			if err != nil {
				t.Fatal(err)
			}
			check := func(where, field, got, want string) {
				if got == want {
					return
				}
				key := filepath.Base(c.pcap) + " " + where + " " + field
				if why, ok := dtlsRecordExceptions[key]; ok {
					used[key] = true
					explained++
					t.Logf("%s: ours %s, tshark %s: allowed: %s", key, got, want, why)
					return
				}
				t.Errorf("%s: ours %s, tshark %s", key, got, want)
			}
			for _, f := range dtlsFrameNumbers(theirs, ours) {
				tr, or := theirs[f], ours[f]
				check(fmt.Sprintf("frame %d", f), "records", strconv.Itoa(len(or)), strconv.Itoa(len(tr)))
				for i := range min(len(tr), len(or)) {
					a, b, w := or[i], tr[i], fmt.Sprintf("frame %d record %d", f, i)
					records++
					check(w, "content_type", strconv.Itoa(a.contentType), strconv.Itoa(b.contentType))
					check(w, "epoch", strconv.Itoa(a.epoch), strconv.Itoa(b.epoch))
					check(w, "seq", strconv.FormatUint(a.seq, 10), strconv.FormatUint(b.seq, 10))
					check(w, "cid", a.cid, b.cid)
					check(w, "length", strconv.Itoa(a.length), strconv.Itoa(b.length))
					check(w, "decrypted", strconv.FormatBool(a.decrypted), strconv.FormatBool(b.decrypted))
					check(w, "alerts", a.alerts, b.alerts)
					check(w, "handshake", a.handshake, b.handshake)
					if a.decrypted {
						check(w, "mac", a.mac, "ok")
					}
					if b.decrypted {
						decrypted++
					}
					if b.contentType == 23 && b.decrypted {
						appData++
						check(w, "application_data", describeAppData(a.data), describeAppData(b.data))
					}
				}
			}
		})
	}
	for key := range dtlsRecordExceptions {
		if !used[key] && !t.Failed() {
			t.Errorf("exception %q: no such difference any more", key)
		}
	}
	t.Logf("DTLS records: %d captures, %d records compared, %d explained differences", len(caps), records, explained)
	t.Logf("DTLS records: %d of them decrypted by tshark, %d application data records compared byte for byte", decrypted, appData)
	if records == 0 {
		t.Error("no DTLS record compared")
	}
}

// dtlsRecordExceptions are the differences with tshark found and
// explained: "FILE frame N record I FIELD" -> why.
var dtlsRecordExceptions = map[string]string{}

// dtlsRec is one DTLS record, as tshark or we see it.
type dtlsRec struct {
	contentType, epoch, length int
	seq                        uint64
	cid                        string // hex
	decrypted                  bool
	mac                        string // ours only
	data                       []byte // decrypted application data
	alerts                     string // "level/description,...", decimal
	handshake                  string // the handshake types, decimal, of a record of epoch 1 or later
}

// describeAppData is a record's application data in a failure message: its
// length and the first bytes.
func describeAppData(b []byte) string {
	const show = 16
	if len(b) <= show {
		return fmt.Sprintf("%d bytes %x", len(b), b)
	}
	return fmt.Sprintf("%d bytes %x... (FNV-1a %016x)", len(b), b[:show], fnv1a(b))
}

func fnv1a(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

func dtlsFrameNumbers(a, b map[uint64][]dtlsRec) []uint64 {
	seen := map[uint64]bool{}
	var ks []uint64
	for _, m := range []map[uint64][]dtlsRec{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				ks = append(ks, k)
			}
		}
	}
	slices.Sort(ks)
	return ks
}

// tsharkDTLSRecords runs tshark on pcap with the key log and returns the
// DTLS records of each frame, in order. A record is decrypted when its
// epoch is not 0 and tshark shows its content: its handshake message or
// alert, or for application data the bytes of a "data" layer (top-level
// layers of the frame, one per application data record tshark decrypted,
// in order).
func tsharkDTLSRecords(pcap, keylog string) (map[uint64][]dtlsRec, error) {
	out, err := runTshark(pcap, "-o", "tls.keylog_file:"+keylog, "-T", "json", "--no-duplicate-keys",
		"-J", "frame dtls data", "-Y", "dtls && !icmp && !icmpv6")
	if err != nil {
		return nil, err
	}
	var pkts []struct {
		Source struct {
			Layers struct {
				Frame struct {
					Number string `json:"frame.number"`
				} `json:"frame"`
				DTLS json.RawMessage `json:"dtls"`
				Data json.RawMessage `json:"data"`
			} `json:"layers"`
		} `json:"_source"`
	}
	if err := json.Unmarshal(out, &pkts); err != nil {
		return nil, fmt.Errorf("tshark JSON: %v", err)
	}
	recs := map[uint64][]dtlsRec{}
	for _, p := range pkts {
		l := p.Source.Layers
		frame, err := strconv.ParseUint(l.Frame.Number, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("frame number %q: %v", l.Frame.Number, err)
		}
		var dtls struct {
			Record json.RawMessage `json:"dtls.record"`
		}
		if err := json.Unmarshal(l.DTLS, &dtls); err != nil {
			return nil, fmt.Errorf("frame %d: dtls layer: %v", frame, err)
		}
		type field = map[string]json.RawMessage
		var rs []field
		if err := oneOrMany(dtls.Record, &rs); err != nil {
			return nil, fmt.Errorf("frame %d: dtls.record: %v", frame, err)
		}
		var data []struct {
			Data string `json:"data.data"`
		}
		if l.Data != nil {
			if err := oneOrMany(l.Data, &data); err != nil {
				return nil, fmt.Errorf("frame %d: data: %v", frame, err)
			}
		}
		str := func(r field, k string) string {
			var s string
			_ = json.Unmarshal(r[k], &s)
			return s
		}
		for _, r := range rs {
			var d dtlsRec
			d.contentType, _ = strconv.Atoi(str(r, "dtls.record.content_type"))
			d.epoch, _ = strconv.Atoi(str(r, "dtls.record.epoch"))
			d.seq, _ = strconv.ParseUint(str(r, "dtls.record.sequence_number"), 10, 64)
			d.length, _ = strconv.Atoi(str(r, "dtls.record.length"))
			d.cid = strings.ReplaceAll(str(r, "dtls.record.connection_id"), ":", "")
			// Under epoch 0 nothing is encrypted. Else a record not
			// decrypted shows as "Encrypted Record Content" (a tls12_cid
			// record, its inner type unknown), or with its outer type as
			// an empty handshake or alert item, or as application data
			// with no data layer.
			isTree := func(k string) bool {
				v := bytes.TrimSpace(r[k])
				return len(v) > 0 && (v[0] == '{' || v[0] == '[')
			}
			switch {
			case d.epoch == 0:
			case d.contentType == 22:
				d.decrypted = isTree("dtls.handshake")
			case d.contentType == 21:
				d.decrypted = isTree("dtls.alert_message")
			case d.contentType == 24:
				d.decrypted = isTree("dtls.heartbeat_message")
			case d.contentType == 20:
				_, d.decrypted = r["dtls.change_cipher_spec"]
			}
			if _, opaque := r["dtls.enc_content"]; opaque {
				d.decrypted = false
			}
			if isTree("dtls.alert_message") {
				var as []field
				if err := oneOrMany(r["dtls.alert_message"], &as); err != nil {
					return nil, fmt.Errorf("frame %d: dtls.alert_message: %v", frame, err)
				}
				var l []string
				for _, a := range as {
					l = append(l, str(a, "dtls.alert_message.level")+"/"+str(a, "dtls.alert_message.desc"))
				}
				d.alerts = strings.Join(l, ",")
			}
			if d.epoch != 0 && isTree("dtls.handshake") {
				var hs []field
				if err := oneOrMany(r["dtls.handshake"], &hs); err != nil {
					return nil, fmt.Errorf("frame %d: dtls.handshake: %v", frame, err)
				}
				var l []string
				for _, h := range hs {
					l = append(l, str(h, "dtls.handshake.type"))
				}
				d.handshake = strings.Join(l, ",")
			}
			if d.epoch != 0 && d.contentType == 23 {
				if len(data) > 0 {
					b, err := hex.DecodeString(strings.ReplaceAll(data[0].Data, ":", ""))
					if err != nil {
						return nil, fmt.Errorf("frame %d: data.data: %v", frame, err)
					}
					d.data, d.decrypted, data = b, true, data[1:]
				}
			}
			recs[frame] = append(recs[frame], d)
		}
		if len(data) > 0 {
			return nil, fmt.Errorf("frame %d: %d data layers past its application data records", frame, len(data))
		}
	}
	return recs, nil
}

// oneOrMany decodes a JSON value that tshark's --no-duplicate-keys makes an
// object when a key occurs once and an array of them when it repeats.
func oneOrMany[T any](raw json.RawMessage, out *[]T) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		return json.Unmarshal(raw, out)
	}
	var one T
	if err := json.Unmarshal(raw, &one); err != nil {
		return err
	}
	*out = append(*out, one)
	return nil
}

// dissectDTLSRecords runs the pipeline as DissectKeys does, with a sink
// that also keeps each DTLS record's decrypted application data, and
// returns the DTLS records of each frame, in order.
func dissectDTLSRecords(keylog, pcap string) (map[uint64][]dtlsRec, error) {
	var warnings []error
	warn := func(err error) { warnings = append(warnings, err) }
	keys, err := pipeline.LoadKeys([]string{keylog}, nil, warn)
	if err != nil {
		return nil, err
	}
	src, err := capture.OpenFiles([]string{pcap}, capture.Options{OnWarning: warn, OnSecrets: pipeline.SecretsLoader(keys, warn)})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	frameOf := map[uint64]uint64{}
	sink := &dtlsSink{}
	if _, err := pipeline.Run(src, sink, pipeline.Options{
		Keys: keys,
		Reassembly: reassembly.Options{
			MaxBufferedPagesTotal:         maxPages,
			MaxBufferedPagesPerConnection: maxConnPages,
			IdleTimeout:                   idleTimeout,
		},
		OnPacket: func(p *capture.Packet) error { frameOf[p.Num] = p.FileNum; return nil },
	}); err != nil {
		return nil, err
	}
	recs := map[uint64][]dtlsRec{}
	for i, r := range sink.recs {
		f := frameOf[sink.packets[i]]
		recs[f] = append(recs[f], r)
	}
	return recs, nil
}

// dtlsSink keeps the DTLS records of a run (and the packets that carried
// them), in output order.
type dtlsSink struct {
	recs    []dtlsRec
	packets []uint64
}

func (s *dtlsSink) Record(ev *session.RecordEvent) {
	x := ev.DTLS
	if x == nil || ev.QUIC != nil {
		return
	}
	var alerts, hs []string
	for _, a := range ev.Alerts {
		alerts = append(alerts, fmt.Sprintf("%d/%d", a.Level, a.Description))
	}
	if x.Epoch != 0 {
		for _, m := range ev.Messages {
			hs = append(hs, strconv.Itoa(int(m.Type())))
		}
	}
	s.recs = append(s.recs, dtlsRec{
		alerts:      strings.Join(alerts, ","),
		handshake:   strings.Join(hs, ","),
		contentType: int(ev.ContentType),
		epoch:       int(x.Epoch),
		seq:         x.Seq,
		cid:         hex.EncodeToString(x.CID),
		length:      len(ev.Record.Payload),
		decrypted:   ev.Decrypted,
		mac:         ev.MAC.String(),
		data:        bytes.Clone(ev.Plaintext),
	})
	s.packets = append(s.packets, ev.Packet)
}

func (s *dtlsSink) End(*session.Conn) {}
