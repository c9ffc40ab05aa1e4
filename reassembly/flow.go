package reassembly

import (
	"fmt"
	"net/netip"
	"time"
)

// Dir is one direction of a TCP connection.
//
// Dir0 is the direction from the initiator: the sender of the SYN when the
// first packet seen of the connection is a SYN, its receiver when that first
// packet is a SYN-ACK, and otherwise the sender of the first packet seen.
// The direction is fixed when the connection is first seen and never swapped
// afterwards. Dir1 is the other way.
type Dir uint8

const (
	Dir0 Dir = 0 // from the initiator (ConnKey.A to ConnKey.B)
	Dir1 Dir = 1 // to the initiator (ConnKey.B to ConnKey.A)
)

// String returns "dir0" or "dir1".
func (d Dir) String() string {
	switch d {
	case Dir0:
		return "dir0"
	case Dir1:
		return "dir1"
	}
	return fmt.Sprintf("dir(%d)", uint8(d))
}

// Reverse returns the other direction.
func (d Dir) Reverse() Dir { return d ^ 1 }

// ConnKey names a connection: A is the initiator, which sends Dir0.
type ConnKey struct {
	A, B netip.AddrPort
}

// String returns "A -> B", with IPv6 addresses in brackets.
func (k ConnKey) String() string {
	return k.A.String() + " -> " + k.B.String()
}

// EndReason tells why a connection ended.
type EndReason uint8

const (
	// EndFIN: both directions were closed by a FIN, after all their bytes.
	EndFIN EndReason = iota + 1
	// EndRST: a RST at the next expected sequence number was seen in
	// either direction; the connection ended once no packet followed for
	// RSTGrace (at FlushIdle), at FlushAll, or at a new SYN on its
	// addresses. Bytes that came after the RST were delivered, with a
	// NoteDataAfterRST note.
	EndRST
	// EndHalfClose: one direction was closed by a FIN, and the connection
	// then saw no packet for Options.CloseTimeout.
	EndHalfClose
	// EndIdle: the connection saw no packet for Options.IdleTimeout.
	EndIdle
	// EndFlush: FlushAll, at the end of the input.
	EndFlush
	// EndEvicted: the connection was ended to make room, as the least
	// recently active past Options.MaxConns, or as the one holding pending
	// bytes the longest past Options.MaxPendingBytesTotal.
	EndEvicted
)

// String returns a lower-case name: "fin", "rst", "half_close", "idle",
// "flush", "evicted".
func (r EndReason) String() string {
	switch r {
	case EndFIN:
		return "fin"
	case EndRST:
		return "rst"
	case EndHalfClose:
		return "half_close"
	case EndIdle:
		return "idle"
	case EndFlush:
		return "flush"
	case EndEvicted:
		return "evicted"
	}
	return fmt.Sprintf("end_reason(%d)", uint8(r))
}

// Note codes.
const (
	// NoteRetransmissionMismatch: a segment carried bytes that differ from
	// an earlier segment for the same sequence range. Offset is the stream
	// offset of the first byte of the earlier segment's range.
	NoteRetransmissionMismatch = "retransmission_mismatch"
	// NoteOverlapMismatch: a segment overlapped part of an earlier one
	// (delivered or buffered out of order) with different bytes. Offset is
	// the stream offset of the first overlapping byte. Which copy is
	// delivered follows gopacket's rule (see the package documentation).
	NoteOverlapMismatch = "overlap_mismatch"
	// NotePendingOverflow: the handler left more than
	// Options.MaxPendingBytes unconsumed; they were dropped and reported as
	// a Gap starting at Offset.
	NotePendingOverflow = "pending_overflow"
	// NoteDataAfterRST: bytes came in packets after a RST at the next
	// expected sequence number (an injected RST, or peers that went on);
	// they were delivered. Offset is the first of them; one note per
	// direction, the bytes are counted in Stats.DataAfterRST.
	NoteDataAfterRST = "data_after_rst"
)

// Note is an anomaly seen while reassembling one direction. Reassembly goes
// on after a note.
type Note struct {
	Code   string    // one of the Note* constants
	Dir    Dir       // direction of the stream
	Offset uint64    // stream offset in Dir the note is about
	Packet uint64    // capture.Packet.Num of the packet that caused it, 0 if none
	Time   time.Time // packet time of that packet, or of the flush
	Detail string    // human-readable details
}

// Wire counts one direction's TCP segments as they came, for the figures
// of a connection (Handler.Wire). Every segment the Assembler takes for the
// connection while it is open counts: SYN, pure ACKs, FIN and RST ones too,
// those before its first payload and those after the direction's FIN.
// Segments that come after the connection ended (the last ACK after both
// FINs, late retransmissions, ignored as Stats.Ignored) do not.
type Wire struct {
	Packets uint64 // segments (counted up to 2^32-1, as Retransmissions)
	Bytes   uint64 // their frames' lengths on the wire (gopacket's CaptureInfo.Length)
	Payload uint64 // their TCP payload bytes, retransmitted ones included (a RST's too)
	// Retransmissions counts the segments with payload whose first byte
	// had come before: it starts before the next byte expected (and not
	// before the first byte of the direction seen, as bytes from before a
	// mid-stream pick-up were never seen), or where a segment buffered
	// out of order started, so that all or part of it had been seen (or
	// given up on as a gap: bytes reported missing that come late count
	// too). A segment that starts in new bytes and overlaps buffered ones
	// only further on does not count. Those are the segments counted in
	// Stats.Retransmissions but those from before the first byte, and
	// those with payload after the direction's FIN whose first byte is
	// before it.
	Retransmissions uint64
}

// IsValid reports whether both ends of k are valid.
func (k ConnKey) IsValid() bool { return k.A.IsValid() && k.B.IsValid() }
