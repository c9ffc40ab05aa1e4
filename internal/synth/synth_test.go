package synth

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

func inputs(t testing.TB) ([]string, []string) {
	p, k, err := Inputs("../../testdata/pcaps/*.pcap")
	if err != nil {
		t.Fatal(err)
	}
	if len(p) == 0 {
		t.Fatal("no captures in testdata/pcaps")
	}
	return p, k
}

// TestGenerate checks that the output is deterministic, of about the asked
// size, a well-formed pcap, and that copies get distinct client addresses
// with valid checksums.
func TestGenerate(t *testing.T) {
	pcaps, keylogs := inputs(t)
	tmpls, err := LoadTemplates(pcaps...)
	if err != nil {
		t.Fatal(err)
	}
	// Every TCP capture gives at least one template; the QUIC and DTLS
	// ones (UDP) none.
	tcp := 0
	for _, p := range pcaps {
		if !strings.Contains(p, "dtls") && !strings.Contains(p, "quicgo-") && !strings.Contains(p, "ngtcp2-") {
			tcp++
		}
	}
	if len(tmpls) < tcp {
		t.Fatalf("%d templates from %d TCP captures", len(tmpls), tcp)
	}
	var a, b bytes.Buffer
	opt := Options{Size: 1 << 20, Interleave: 4}
	st, err := Generate(&a, tmpls, opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(&b, tmpls, opt); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two runs differ")
	}
	if st.Bytes != int64(a.Len()) || st.Bytes < opt.Size || st.Bytes > opt.Size+1<<20 {
		t.Fatalf("stats %+v, file %d bytes", st, a.Len())
	}
	// Walk the records: count them, check checksums, collect client addresses.
	data := a.Bytes()
	clients := map[uint32]bool{}
	v6src := map[string]bool{}
	n := int64(0)
	for off := 24; off < len(data); n++ {
		l := int(binary.LittleEndian.Uint32(data[off+8:]))
		f := data[off+16 : off+16+l]
		off += 16 + l
		ip := f[14:]
		if ip[0]>>4 == 6 {
			// Each copy has its own client address; the server's is shared.
			v6src[string(ip[8:24])] = true
			continue
		}
		if ip[0]>>4 != 4 {
			continue
		}
		hl := int(ip[0]&0xf) * 4
		if fold(sum16(ip[:hl], 0)) != 0 {
			t.Fatalf("packet %d: bad IP checksum", n)
		}
		tcp := ip[hl:binary.BigEndian.Uint16(ip[2:])]
		if fold(sum16(tcp, sum16(ip[12:20], 0)+6+uint32(len(tcp)))) != 0 {
			t.Fatalf("packet %d: bad TCP checksum", n)
		}
		if ip[12] == 10 && ip[13] == 0 {
			clients[binary.BigEndian.Uint32(ip[12:])] = true
		}
	}
	if n != st.Packets {
		t.Fatalf("%d records, stats say %d", n, st.Packets)
	}
	v6clients := 0
	if len(v6src) > 0 {
		v6clients = len(v6src) - 1 // less the one server address
	}
	if len(clients)+v6clients != st.Connections {
		t.Fatalf("%d client addresses for %d connections", len(clients)+v6clients, st.Connections)
	}
	var kl bytes.Buffer
	if err := WriteKeyLog(&kl, keylogs...); err != nil {
		t.Fatal(err)
	}
	if len(keylogs) > 0 && !bytes.Contains(kl.Bytes(), []byte("CLIENT_")) {
		t.Fatal("key log without secrets")
	}
}
