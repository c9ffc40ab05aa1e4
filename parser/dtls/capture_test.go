package dtls

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/capture"
)

// conformanceDir is the conformance corpus, or "" when it is absent.
func conformanceDir() string {
	dirs := []string{os.Getenv("SSLDISSECT_CONFORMANCE"),
		filepath.Join("..", "..", "shared", "conformance"),
		filepath.Join("..", "..", "..", "shared", "conformance")}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "DTLS_TSHARK.tsv")); err == nil {
			return d
		}
	}
	return ""
}

// conn is a DTLS connection as DTLS_TSHARK.tsv lists it.
type conn struct {
	records        int
	client, server uint16 // UDP ports
}

// port is the port at the end of "addr:port".
func port(s string) uint16 {
	n, _ := strconv.Atoi(s[strings.LastIndexByte(s, ':')+1:])
	return uint16(n)
}

// tsharkConns reads DTLS_TSHARK.tsv for the files of a single DTLS
// connection.
func tsharkConns(t *testing.T, dir string) map[string]conn {
	f, err := os.Open(filepath.Join(dir, "DTLS_TSHARK.tsv"))
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	counts, rows := map[string]conn{}, map[string]int{}
	var cols []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if cols == nil {
			cols = fields
			continue
		}
		row := map[string]string{}
		for i, c := range cols {
			if i < len(fields) {
				row[c] = fields[i]
			}
		}
		n, err := strconv.Atoi(row["records"])
		if err != nil {
			continue
		}
		rows[row["file"]]++
		counts[row["file"]] = conn{records: n, client: port(row["client"]), server: port(row["server"])}
	}
	for file, n := range rows {
		if n != 1 {
			delete(counts, file)
		}
	}
	return counts
}

// TestCaptures reads every UDP datagram of real DTLS connections: each
// parses whole, the record count matches TShark's, every handshake
// record's fragments parse, and so do ClientHello cookies and
// HelloVerifyRequests.
func TestCaptures(t *testing.T) {
	dir := conformanceDir()
	if dir == "" {
		t.Skip("no conformance corpus")
	}
	want := tsharkConns(t, dir)
	files := []string{
		"arkime/pcap/cloudshark-dtls1.pcap",
		"arkime/pcap/wireshark-dtls0.pcap",
		"arkime/pcap/wireshark-dtls12.pcap",
		"hotplace/dtls12/dtls12.pcapng",
		"hotplace/dtls12/dtls12mtu1500.pcapng",
		"hotplace/dtls12/dtls12netclient.pcapng",
		"ndpi/pcap/dtls2.pcap",
		"ndpi/pcap/dtls_certificate.pcapng",
	}
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			path := filepath.Join(dir, rel)
			if _, err := os.Stat(path); err != nil {
				t.Skip(err)
			}
			src, err := capture.OpenFiles([]string{path}, capture.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			records, hellos, hvrs := 0, 0, 0
			for {
				p, err := src.Next()
				if err != nil {
					break
				}
				if p.UDP == nil || len(p.UDP.Payload) == 0 {
					continue
				}
				c, ok := want[rel]
				sp, dp := uint16(p.UDP.SrcPort), uint16(p.UDP.DstPort)
				if ok && !(sp == c.client && dp == c.server || sp == c.server && dp == c.client) {
					continue // another flow in the capture
				}
				d := p.UDP.Payload
				if Classify(d) != "dtls" || !LooksLikeDTLS(d) {
					t.Errorf("frame %d: not recognised as DTLS: %x", p.FileNum, d[:min(16, len(d))])
				}
				recs, more, err := ParseDatagram(d, 0, 64)
				if err != nil || more != 0 {
					t.Errorf("frame %d: %d records, %d more: %v", p.FileNum, len(recs), more, err)
				}
				records += len(recs)
				for _, rec := range recs {
					if rec.ContentType != ContentHandshake || rec.Epoch != 0 {
						continue
					}
					frags, _, err := ParseFragments(rec.Payload, 64)
					if err != nil {
						t.Errorf("frame %d: %v", p.FileNum, err)
					}
					for _, f := range frags {
						if f.Offset != 0 {
							continue
						}
						switch f.Type {
						case HandshakeClientHello:
							// The cookie is in the first fragment.
							hellos++
							if _, body, err := ClientHelloCookie(f.Data); err != nil || len(body) >= len(f.Data) {
								t.Errorf("frame %d: client hello: %v", p.FileNum, err)
							}
						case HandshakeHelloVerifyRequest:
							if !f.Whole() {
								continue
							}
							hvrs++
							if _, _, err := ParseHelloVerifyRequest(f.Data); err != nil {
								t.Errorf("frame %d: %v", p.FileNum, err)
							}
						}
					}
				}
			}
			if c, ok := want[rel]; !ok {
				t.Errorf("not in DTLS_TSHARK.tsv as one connection")
			} else if c.records != records {
				t.Errorf("%d records, TShark counts %d", records, c.records)
			}
			t.Logf("%d records, %d ClientHello first fragments, %d HelloVerifyRequests", records, hellos, hvrs)
		})
	}
}

// TestCaptureDemux classifies the datagrams of a WebRTC-like capture where
// STUN, DTLS and RTP share a port: the DTLS ones parse.
func TestCaptureDemux(t *testing.T) {
	dir := conformanceDir()
	path := filepath.Join(dir, "ndpi/pcap/stun_dtls_rtp.pcapng")
	if _, err := os.Stat(path); dir == "" || err != nil {
		t.Skip("capture absent")
	}
	src, err := capture.OpenFiles([]string{path}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	kinds := map[string]int{}
	for {
		p, err := src.Next()
		if err != nil {
			break
		}
		if p.UDP == nil {
			continue
		}
		d := p.UDP.Payload
		k := Classify(d)
		kinds[k]++
		if k == "dtls" {
			if _, _, err := ParseDatagram(d, 0, 64); err != nil {
				t.Errorf("frame %d: %v", p.FileNum, err)
			}
		}
	}
	t.Logf("%v", kinds)
	if kinds["dtls"] == 0 || kinds["stun"] == 0 {
		t.Errorf("kinds %v", kinds)
	}
}

// TestCaptureDTLS13 reads a DTLS 1.3 connection (wolfSSL, port 11111):
// four plain handshake records, then fourteen records with unified headers
// (16-bit sequence numbers, lengths, epochs 2 and 3) that TShark 4.0 does
// not dissect.
func TestCaptureDTLS13(t *testing.T) {
	dir := conformanceDir()
	path := filepath.Join(dir, "ndpi/pcap/dtls.pcap")
	if _, err := os.Stat(path); dir == "" || err != nil {
		t.Skip("capture absent")
	}
	src, err := capture.OpenFiles([]string{path}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	plainRecs, unified := 0, 0
	epochs := map[uint8]int{}
	for {
		p, err := src.Next()
		if err != nil {
			break
		}
		if p.UDP == nil || p.UDP.SrcPort != 11111 && p.UDP.DstPort != 11111 {
			continue
		}
		d := p.UDP.Payload
		if !LooksLikeDTLS(d) {
			t.Errorf("frame %d: not recognised as DTLS", p.FileNum)
		}
		recs, _, err := ParseDatagram(d, 0, 64)
		if err != nil {
			t.Errorf("frame %d: %v", p.FileNum, err)
		}
		for _, rec := range recs {
			if !rec.Unified {
				plainRecs++
				continue
			}
			unified++
			epochs[rec.EpochBits]++
			if rec.SeqLen != 2 || !rec.HasLength || len(rec.Header) != 5 || rec.CID != nil {
				t.Errorf("frame %d: %+v", p.FileNum, rec)
			}
		}
	}
	if plainRecs != 4 || unified != 14 || epochs[2]+epochs[3] != 14 || epochs[2] == 0 || epochs[3] == 0 {
		t.Errorf("%d plain records, %d unified, epochs %v", plainRecs, unified, epochs)
	}
}
