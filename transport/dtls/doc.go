// Package dtls is the DTLS transport: it finds DTLS 1.0, 1.2 and 1.3 in
// UDP datagrams by content, on any port, and tells it apart from STUN,
// TURN, ZRTP and RTP/RTCP on the same ports (RFC 7983), keeps one
// connection per address pair, splits each datagram into records,
// reassembles handshake messages from their fragments by message_seq and
// fragment_offset (out of order, retransmitted flights shown once), and
// feeds each record to a session.Conn with the handshake bytes it
// completed (session.Conn.DTLSRecord) and its bytes in the datagram,
// header included (session.Position.Wire, for -X).
//
// RFCs: 6347 (DTLS 1.2), 9147 (DTLS 1.3), 9146 (connection IDs), 7983
// (demultiplexing).
//
// Records are decrypted by the session (DTLS 1.0 and 1.2 by its TLS
// record protection given each record's epoch and sequence number, RFC
// 6347 section 4.1.2.1; DTLS 1.3 by decrypt.DTLS13Protection given the
// unified header); the plaintext of a decrypted handshake record comes
// back here to be rebuilt (session.Conn.SetDTLSHandshake), and each
// message rebuilt goes to the session's transcript in its DTLS form
// (session.Conn.DTLSTranscript). Connection IDs: each direction's length
// from the hellos the session read, else found from the records; a
// datagram from a new address carrying a known CID is routed to its
// connection (RFC 9146 section 6).
//
// Non-goals: DTLS 1.3 early data, CIDs changed by NewConnectionId
// messages, SRTP (use_srtp is shown; the media stays opaque). docs/DTLS.md
// has the details and the differences with other tools.
package dtls
