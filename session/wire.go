package session

// Wire is what a connection's packets were on the wire, by Dir: figures
// the transport counts and the Conn only carries to the report. TCP's
// (transport/tcp, from package reassembly's counts) are set once, at the
// end; UDP's (DTLS, QUIC) grow with each datagram (CountDatagram).
type Wire struct {
	// Set is true once a transport gave figures.
	Set bool
	// Packets: TCP segments (SYN, ACK, FIN and RST ones included), or UDP
	// datagrams.
	Packets [2]uint64
	// Bytes: the frames' lengths on the wire, link-layer header included.
	Bytes [2]uint64
	// PayloadBytes (TCP): segment payload bytes, retransmitted ones
	// included.
	PayloadBytes [2]uint64
	// Retransmissions (TCP): segments whose payload had come before, all
	// or in part (see reassembly.Wire).
	Retransmissions [2]uint64
}

// CountDatagram counts one UDP datagram of direction d, of frameLen bytes
// on the wire, in Wire.
func (c *Conn) CountDatagram(d Dir, frameLen int) {
	w := &c.Wire
	w.Set = true
	w.Packets[d]++
	w.Bytes[d] += uint64(max(frameLen, 0))
}
