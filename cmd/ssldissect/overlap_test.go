package main

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// tcpv4 is a 20-byte TCP header from port 40000 to 443 with sequence number
// seq and the ACK and PSH flags, followed by payload (no checksum: nothing
// checks it).
func tcpv4(seq uint32, payload []byte) []byte {
	h := make([]byte, 20, 20+len(payload))
	binary.BigEndian.PutUint16(h[0:], 40000)
	binary.BigEndian.PutUint16(h[2:], 443)
	binary.BigEndian.PutUint32(h[4:], seq)
	binary.BigEndian.PutUint32(h[8:], 1)
	h[12], h[13] = 5<<4, 0x18
	binary.BigEndian.PutUint16(h[14:], 65535)
	return append(h, payload...)
}

// TestSummaryOverlaps: a direction's retransmissions are compared with its
// last 8 KiB (reassembly's ring): a changed copy of its latest segment is
// counted in retransmissions_differ, a changed copy of its first, sent
// 10 KB earlier, in overlaps_unchecked, in the JSON summary.
func TestSummaryOverlaps(t *testing.T) {
	const seg, n = 1000, 11
	stream := make([]byte, 0, seg*n)
	for i := range n { // TLS application data records, one a segment
		rec := []byte{0x17, 0x03, 0x03, (seg - 5) >> 8, (seg - 5) & 0xff}
		stream = append(stream, rec...)
		stream = append(stream, bytes.Repeat([]byte{byte('a' + i)}, seg-5)...)
	}
	var frames [][]byte
	add := func(off int, b []byte) {
		frames = append(frames, ether(0x0800, ipv4(6, uint16(len(frames)), false, 0, tcpv4(1000+uint32(off), b))))
	}
	for i := range n {
		add(i*seg, stream[i*seg:(i+1)*seg])
	}
	changed := func(b []byte) []byte { c := bytes.Clone(b); c[seg/2] ^= 1; return c }
	add((n-1)*seg, changed(stream[(n-1)*seg:])) // the last segment, in the ring: compared
	add(0, changed(stream[:seg]))               // the first, 10 KB back: gone from the ring
	s := jsonSummary(t, pcapFile(t, frames...))
	if s["retransmissions_differ"] != 1.0 || s["overlaps_unchecked"] != 1.0 || s["tls_connections"] != 1.0 {
		t.Errorf("summary %v, want 1 retransmission that differs, 1 overlap unchecked, 1 TLS connection", s)
	}
}
