// Package dtls is the DTLS transport: it finds DTLS 1.0, 1.2 and 1.3 in
// UDP datagrams by content, on any port, and tells it apart from STUN,
// TURN, ZRTP and RTP/RTCP on the same ports (RFC 7983), keeps one
// connection per address pair, splits each datagram into records,
// reassembles handshake messages from their fragments by message_seq and
// fragment_offset (out of order, retransmitted flights shown once), and
// feeds each record to a session.Conn with the handshake bytes it
// completed (session.Conn.DTLSRecord).
//
// RFCs: 6347 (DTLS 1.2), 9147 (DTLS 1.3), 9146 (connection IDs), 7983
// (demultiplexing).
//
// DTLS 1.0 and 1.2 records are decrypted by the session's TLS record
// protection, given each record's epoch and sequence number (RFC 6347
// section 4.1.2.1); the plaintext of a decrypted handshake record comes
// back here to be rebuilt (session.Conn.SetDTLSHandshake).
//
// Not yet (issue 12): the Finished check over the DTLS transcript, DTLS
// 1.3 record protection (its records stay opaque with a not_decrypted
// note), connection IDs on the wire of an unknown length, DTLS 1.3 ACK
// records beyond their framing.
package dtls
