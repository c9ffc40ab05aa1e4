// Package reassembly turns the TCP packets of a capture into the two
// in-order byte streams of each connection, for the TLS parser.
//
// It is built on gopacket's reassembly package
// (github.com/gopacket/gopacket/reassembly), which does the sequence
// arithmetic (RFC 9293, with wrap-around at 2^32), buffers out-of-order
// segments in pages and trims overlaps. This package adds what a passive
// analyzer needs on top:
//
//   - Directions: Dir0 is from the initiator (the SYN sender, or the
//     receiver of a SYN-ACK seen first, or else the sender of the first
//     packet seen), fixed when the connection is first seen. ConnKey.A sends
//     Dir0.
//   - Provenance: every delivered byte maps to the packet (capture.Packet.Num)
//     and time that carried it, through Chunk.Segments, also for bytes a
//     handler left unconsumed and sees again.
//   - Partial consumption: Handler.Data returns how many bytes it consumed;
//     the rest comes again in front of the next bytes, up to MaxPendingBytes.
//   - Gaps: bytes that never arrive (before a page cap, IdleTimeout or
//     FlushAll gives up on them) are reported with Handler.Gap, with their
//     stream offset and length, and delivery resumes after them. Bytes
//     missing before a FIN that arrived ahead of them are reported when the
//     connection ends. Stream
//     offsets count from 0 at the first byte of the direction (after the
//     SYN, or at the first segment seen).
//   - Anomalies as notes: a segment whose bytes differ from those of an
//     earlier one it overlaps (NoteRetransmissionMismatch,
//     NoteOverlapMismatch),
//     a handler leaving too much unconsumed (NotePendingOverflow), and
//     bytes after a RST (NoteDataAfterRST).
//   - One End per connection, with its reason, and before it (for a
//     WireHandler) the connection's figures per direction (Wire): segments,
//     frame bytes, payload bytes and retransmissions, counted with a few
//     additions per segment in Accept. A pure ACK of an open connection at
//     or before the next expected byte is counted without passing through
//     gopacket (Stats.PureACKs), which would only note its time and
//     acknowledgment number; gopacket still sees one at least every second
//     of packet time per connection, as its flushes go by that time.
//   - Counters (Stats), and no package-level state: an Assembler is used
//     from one goroutine, and several can run side by side, each with its
//     share of the connections.
//
// # Behaviour
//
// Connections that start mid-stream (no SYN seen) are followed from the
// first segment seen in each direction; bytes that arrive later with
// earlier sequence numbers are treated as retransmissions and not
// delivered. Out-of-order segments are buffered and delivered in order.
// Bytes already delivered are never delivered again: a retransmission or
// overlap only adds its new bytes. Among bytes still buffered, a later
// overlapping segment replaces earlier ones (gopacket's rule).
//
// Overlapping segments are checked against the last 16 segments of their
// direction (delivered or buffered out of order), kept as (sequence range,
// place in a ring of the direction's last 8 KiB of payload, by arrival):
// the overlapping bytes still in the ring are compared byte by byte, and
// no payload byte is hashed. A difference is a NoteRetransmissionMismatch
// when the earlier segment is wholly covered, a NoteOverlapMismatch when
// partly. An overlap with bytes gone from the ring is checked for the rest
// only, or not at all, and counted (Stats.OverlapsUnchecked); one with a
// segment older than those 16 is neither checked nor counted as such (it
// is a retransmission, Stats.Retransmissions). A direction given no ring
// (maxRings in use) hashes each remembered segment on arrival and compares
// whole retransmissions by hash. Like Zeek's reassembler, which compares a
// retransmission only with the bytes it still holds, this checks the
// recent past, not all of it. A segment that starts at or after the end of
// every remembered one (the in-order common case) is not compared.
//
// A FIN ends its direction once all bytes before it arrived; the connection
// ends (EndFIN) when both directions have. A RST elsewhere than at the next
// expected sequence number is ignored, as a receiver would (RFC 5961). One
// at it does not end the connection at once, as an injected RST may be
// followed by what the real peers go on sending: those bytes are delivered
// with a NoteDataAfterRST note, and the connection ends (EndRST) at the
// first FlushIdle after RSTGrace (packet time) without a packet, at
// FlushAll, or when a SYN with a new sequence number comes on its
// addresses (EndFIN if both directions end with FINs first). So a
// connection ended by a RST is reported at the next FlushIdle, not at the
// RST. After a connection ended by
// FINs or a RST, late ACKs and retransmissions are ignored (a retransmitted
// SYN too, known by its sequence number) and a new SYN on the same
// addresses and ports starts a new connection. FlushIdle ends connections
// by packet time (EndIdle, EndHalfClose); FlushAll ends the rest (EndFlush).
//
// Calls for one connection come in order. FlushIdle and FlushAll call the
// handlers connection by connection, in the order the connections were
// first seen (the order of the Factory calls), so that the same input
// always gives the same calls in the same order. gopacket's flushes visit
// connections in map order: what they deliver is queued, its bytes
// copied, and handed over afterwards in that order (flushq.go).
//
// # Caps
//
// Memory is bounded by Options, not by what the traffic sends:
//
//   - MaxConns bounds the open connections: a new one past it ends the
//     least recently active (EndEvicted, Stats.Evicted), which is reported
//     like any other end. Until a handler makes more of it, a connection
//     costs about 1.5 KB here and in gopacket.
//   - MaxBufferedPagesTotal bounds the out-of-order data buffered in
//     gopacket's pages (reaching it delivers what is buffered, reporting
//     the missing bytes as a Gap and counting Stats.CapGaps).
//     MaxBufferedPagesPerConnection bounds one connection's, in bytes: the
//     buffered data may reach that many pages' worth of bytes (1900 each)
//     past the next expected byte, however many segments carry it, so that
//     a stream sent in tiny segments out of order is not given up on. As
//     every segment takes a page, gopacket's own per-connection page cap is
//     set at four times as many pages, to bound the memory of tiny ones.
//   - MaxPendingBytes bounds the unconsumed bytes of each direction
//     (exceeding it drops them, reported with Gap and a note), and
//     MaxPendingBytesTotal those of all connections: past it, the
//     connections that have held pending bytes the longest end
//     (EndEvicted, Stats.EvictedPending).
//   - IdleTimeout bounds how long an idle connection or a hole is waited
//     for.
//
// Per connection, the overlap history is fixed at 16 segments per
// direction, and a direction that has sent payload keeps an 8 KiB ring of
// its latest bytes (at most maxRings, 1,024, rings per Assembler, reused
// after End; past them overlaps are checked by hash only, counted in
// Stats.RingsRefused). A connection that
// ended (FIN, RST, half close) is let go at once: what stays is a ~80-byte
// entry in a set of recently closed connections (a hash of the endpoints,
// the time of the last packet and the sequence numbers of its SYNs),
// kept IdleTimeout after the last packet so that late packets are
// ignored, at most 65,536 entries (the oldest are forgotten first).
// Connections ended idle or evicted are not kept there: a later packet of
// theirs starts a new connection, picked up mid-stream.
//
// # Cost
//
// Nothing visits every connection per packet or per flush, but gopacket's
// flush while some connection has bytes buffered out of order (once per
// IdleTimeout/16 of packet time) and FlushAll: the open connections are on
// intrusive lists (lists.go) by creation, by recent activity, half-closed,
// and holding pending bytes, so that eviction, the idle and half-close
// timeouts and the final flush take the connections they end from the
// front of a list, in time proportional to what they end.
//
// # Non-goals
//
// No IP defragmentation (capture does it), no checksum verification, no
// TCP state machine beyond SYN/FIN/RST as above, no guessing of which side
// is the TLS client (the parser decides from the ClientHello), no urgent
// data, and no following of a new connection that reuses the addresses and
// ports of one ended by a half close less than IdleTimeout before, nor of
// one that starts without a SYN on the addresses of one ended less than
// IdleTimeout before.
package reassembly
