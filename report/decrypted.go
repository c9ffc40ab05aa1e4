package report

import (
	"io"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// DecryptedWriter is --write-decrypted: it turns the decrypted
// application data of each connection into synthetic packets in a pcapng
// file (Ethernet link type), for tools that read the application
// protocol from a capture (tshark, Zeek, Suricata):
//
//   - A TLS connection becomes one TCP connection between the original
//     client and server addresses and ports: a three-way handshake at the
//     time of its first decrypted application data, then each record's
//     plaintext, in record order, in segments of at most 1460 bytes at the
//     record's capture time, and a FIN/ACK close at the connection's end.
//     Sequence and acknowledgement numbers follow the bytes; each segment
//     acknowledges all the other direction sent.
//   - What is missing from the plaintext (records not decrypted, bytes
//     the capture lost; see plainGaps) is skipped in sequence numbers,
//     never invented: tshark shows "previous segment not captured".
//   - A QUIC connection becomes one TCP connection per stream, the QUIC
//     client as TCP client whichever end opened the stream: the first
//     stream seen keeps the client's port, the n-th after it takes the
//     client port + n (mod 65536, 0 skipped). A direction's FIN ends with
//     the stream's (both directions for a unidirectional stream).
//   - A DTLS connection becomes UDP datagrams, one per record of
//     application data, with its plaintext: datagram protocols (CoAP,
//     SCTP, SRTP) keep their message boundaries.
//
// Nothing is held for a connection but its state (sequence numbers, the
// gaps' counters), except the client's 0-RTT data while the server's
// verdict is not known, up to earlyHoldMax bytes.
type DecryptedWriter struct {
	ng    *capture.NGWriter
	frame []byte
	err   error
	conns map[uint64]*exportConn
}

// earlyHoldMax caps the 0-RTT data held until the server accepts or
// rejects it; past it, accepted early data is a gap.
const earlyHoldMax = 1 << 20

// exportConn is what DecryptedWriter keeps of one connection.
type exportConn struct {
	gaps plainGaps
	flow *synthFlow // TLS: made at the first plaintext
	// early holds the client's 0-RTT plaintext awaiting the server's
	// verdict (earlyOver: the bytes past earlyHoldMax, not held).
	early     []byte
	earlyTime time.Time
	earlyOver int64
	pending   bool
	quic      map[uint64]*synthFlow // by stream id
	quicN     int                   // QUIC streams given a flow
	ipID      [2]uint16             // DTLS datagrams
}

// synthFlow is one synthetic TCP connection.
type synthFlow struct {
	client, server netip.AddrPort
	seq            [2]uint32 // next sequence number, by session.Dir
	ipID           [2]uint16
	fin            [2]bool
	last           time.Time
}

// NewDecryptedWriter writes the pcapng file's header to w.
func NewDecryptedWriter(w io.Writer) (*DecryptedWriter, error) {
	ng, err := capture.NewNGWriter(w, uint16(layers.LinkTypeEthernet), 262144, "decrypted", "ssldissect --write-decrypted")
	if err != nil {
		return nil, err
	}
	return &DecryptedWriter{ng: ng, conns: map[uint64]*exportConn{}}, nil
}

// Err is the first error met while writing.
func (x *DecryptedWriter) Err() error { return x.err }

// Close flushes the file (the caller closes it).
func (x *DecryptedWriter) Close() error {
	if err := x.ng.Flush(); err != nil && x.err == nil {
		x.err = err
	}
	return x.err
}

func (x *DecryptedWriter) conn(c *session.Conn) *exportConn {
	ec := x.conns[c.ID]
	if ec == nil {
		ec = &exportConn{}
		x.conns[c.ID] = ec
	}
	return ec
}

// Record writes what a record's (or QUIC packet's) plaintext makes.
func (x *DecryptedWriter) Record(ev *session.RecordEvent) {
	if x.err != nil {
		return
	}
	c := ev.Conn
	switch {
	case ev.QUIC != nil:
		x.quicStreams(ev)
	case c.Transport == session.TransportDTLS:
		if len(ev.Plaintext) > 0 && ev.ContentType == parser.ContentTypeApplicationData && (!ev.EarlyData || c.EarlyData == "accepted") {
			ec := x.conn(c)
			src, dst := c.Client, c.Server
			if ev.Dir == session.ServerToClient {
				src, dst = dst, src
			}
			ec.ipID[ev.Dir&1]++
			x.frame = appendUDPFrame(x.frame[:0], src, dst, ev.Dir == session.ClientToServer, ec.ipID[ev.Dir&1], ev.Plaintext)
			x.write(ev.Time)
		}
	default:
		x.tlsRecord(ev)
	}
}

// tlsRecord is Record for a TLS record over TCP; 0-RTT data is kept or
// dropped as plaintextFiles does.
func (x *DecryptedWriter) tlsRecord(ev *session.RecordEvent) {
	c := ev.Conn
	ec := x.conn(c)
	x.settleEarly(ec, c)
	ec.gaps.record(ev)
	if len(ev.Plaintext) == 0 || ev.ContentType != parser.ContentTypeApplicationData {
		return
	}
	switch {
	case !ev.EarlyData && ec.pending && ev.Dir == session.ClientToServer:
		// The client's own data after its 0-RTT data and no verdict: the
		// server's answer was not captured; what was sent stays.
		x.flushEarly(ec, c)
	case !ev.EarlyData || c.EarlyData == "accepted":
	case c.EarlyData == "rejected":
		return
	default:
		if !ec.pending {
			ec.pending, ec.earlyTime = true, ev.Time
		}
		n := min(len(ev.Plaintext), max(0, earlyHoldMax-len(ec.early)))
		ec.early = append(ec.early, ev.Plaintext[:n]...)
		ec.earlyOver += int64(len(ev.Plaintext) - n)
		return
	}
	x.tcpData(ec, c, ev.Dir, ev.Time, ev.Plaintext)
}

// settleEarly writes or drops the 0-RTT data held once the server's
// verdict is known.
func (x *DecryptedWriter) settleEarly(ec *exportConn, c *session.Conn) {
	if !ec.pending {
		return
	}
	switch c.EarlyData {
	case "accepted":
		x.flushEarly(ec, c)
	case "rejected":
		ec.pending, ec.early, ec.earlyOver = false, nil, 0
	}
}

func (x *DecryptedWriter) flushEarly(ec *exportConn, c *session.Conn) {
	early, over := ec.early, ec.earlyOver
	ec.pending, ec.early, ec.earlyOver = false, nil, 0
	x.tcpData(ec, c, session.ClientToServer, ec.earlyTime, early)
	if over > 0 {
		ec.gaps.dirs[0].pending += over
	}
}

// tcpData writes plaintext b of direction d of a TLS connection, after
// the hole of what is missing before it.
func (x *DecryptedWriter) tcpData(ec *exportConn, c *session.Conn, d session.Dir, t time.Time, b []byte) {
	if len(b) == 0 {
		return
	}
	if ec.flow == nil {
		ec.flow = x.open(c.Client, c.Server, c.ID<<1, t)
	}
	ec.flow.seq[d&1] += uint32(ec.gaps.take(d))
	x.data(ec.flow, d, t, b)
}

// End closes the connection's synthetic TCP connections.
func (x *DecryptedWriter) End(c *session.Conn) {
	ec := x.conns[c.ID]
	if ec == nil {
		return
	}
	delete(x.conns, c.ID)
	if x.err != nil {
		return
	}
	x.settleEarly(ec, c)
	if ec.pending {
		x.flushEarly(ec, c)
	}
	if f := ec.flow; f != nil {
		for _, d := range []session.Dir{session.ClientToServer, session.ServerToClient} {
			f.seq[d] += uint32(ec.gaps.take(d))
		}
		x.close(f, c.EndTime)
	}
	for _, f := range ec.quic {
		x.close(f, c.EndTime)
	}
}

// quicStreams writes the stream data of a QUIC packet, each stream to its
// own TCP connection.
func (x *DecryptedWriter) quicStreams(ev *session.RecordEvent) {
	c := ev.Conn
	for _, s := range ev.QUIC.Streams {
		ec := x.conn(c)
		f := ec.quic[s.ID]
		if f == nil {
			if len(s.Data) == 0 {
				continue
			}
			client := c.Client
			if ec.quicN > 0 {
				p := int(client.Port()) + ec.quicN
				p = p%65536 + p/65536 // 0 skipped
				client = netip.AddrPortFrom(client.Addr(), uint16(p))
			}
			ec.quicN++
			if ec.quic == nil {
				ec.quic = map[uint64]*synthFlow{}
			}
			f = x.open(client, c.Server, c.ID<<1|1^s.ID<<20, ev.Time)
			ec.quic[s.ID] = f
		}
		x.data(f, ev.Dir, ev.Time, s.Data)
		if s.Fin {
			x.fin(f, ev.Dir, ev.Time)
			if s.ID&2 != 0 && !f.fin[1-ev.Dir&1] {
				x.fin(f, 1-ev.Dir&1, ev.Time) // a unidirectional stream
			}
			if f.fin[0] && f.fin[1] {
				delete(ec.quic, s.ID)
			}
		}
	}
}

// isn is a connection's initial sequence number for direction d, made
// from seed: arbitrary, but the same from run to run.
func isn(seed uint64, d session.Dir) uint32 {
	z := seed*2 + uint64(d&1) + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return uint32(z ^ z>>31)
}

// open writes the three-way handshake of a synthetic connection at t.
func (x *DecryptedWriter) open(client, server netip.AddrPort, seed uint64, t time.Time) *synthFlow {
	f := &synthFlow{client: client, server: server, last: t}
	f.seq[0], f.seq[1] = isn(seed, 0), isn(seed, 1)
	x.segment(f, session.ClientToServer, tcpSYN, nil, t)
	f.seq[0]++
	x.segment(f, session.ServerToClient, tcpSYN|tcpACK, nil, t)
	f.seq[1]++
	x.segment(f, session.ClientToServer, tcpACK, nil, t)
	return f
}

// data writes b from direction d in segments of at most synthMSS bytes,
// the last one pushed.
func (x *DecryptedWriter) data(f *synthFlow, d session.Dir, t time.Time, b []byte) {
	if f.fin[d&1] || len(b) == 0 {
		return // nothing can follow a FIN
	}
	for len(b) > 0 && x.err == nil {
		n := min(len(b), synthMSS)
		flags := uint8(tcpACK)
		if n == len(b) {
			flags |= tcpPSH
		}
		x.segment(f, d, flags, b[:n], t)
		f.seq[d&1] += uint32(n)
		b = b[n:]
	}
}

// fin sends direction d's FIN; once both ends have, the last FIN is
// acknowledged.
func (x *DecryptedWriter) fin(f *synthFlow, d session.Dir, t time.Time) {
	d &= 1
	if f.fin[d] {
		return
	}
	x.segment(f, d, tcpFIN|tcpACK, nil, t)
	f.seq[d]++
	f.fin[d] = true
	if f.fin[1-d] {
		x.segment(f, 1-d, tcpACK, nil, t)
	}
}

// close ends a synthetic connection at t (or at its last packet, if
// later): the client's FIN first.
func (x *DecryptedWriter) close(f *synthFlow, t time.Time) {
	if t.Before(f.last) {
		t = f.last
	}
	x.fin(f, session.ClientToServer, t)
	x.fin(f, session.ServerToClient, t)
}

// segment writes one segment of f from direction d, acknowledging all
// the other direction sent.
func (x *DecryptedWriter) segment(f *synthFlow, d session.Dir, flags uint8, payload []byte, t time.Time) {
	d &= 1
	if t.After(f.last) {
		f.last = t
	}
	s := tcpSeg{src: f.client, dst: f.server, fromCli: true, seq: f.seq[d], ack: f.seq[1-d], flags: flags, payload: payload}
	if d == session.ServerToClient {
		s.src, s.dst, s.fromCli = f.server, f.client, false
	}
	f.ipID[d]++
	s.ipID = f.ipID[d]
	x.frame = appendTCPFrame(x.frame[:0], &s)
	x.write(t)
}

func (x *DecryptedWriter) write(t time.Time) {
	if x.err != nil {
		return
	}
	x.err = x.ng.WritePacket(gopacket.CaptureInfo{Timestamp: t, CaptureLength: len(x.frame), Length: len(x.frame)}, x.frame)
}
