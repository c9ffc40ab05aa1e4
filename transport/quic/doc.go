// Package quic is the QUIC transport: it finds QUIC in UDP datagrams by
// content, on any port (a long header of a known version; a short header
// by a destination connection ID it has seen), keeps one connection per
// set of connection IDs (so a new 4-tuple with a known connection ID, NAT
// rebinding or migration, stays the same connection), removes header and
// packet protection (Initial keys from the client's original destination
// connection ID, RFC 9001 section 5.2; the other levels from the key log's
// TLS 1.3 traffic secrets), follows key updates, reassembles each
// encryption level's CRYPTO stream (out of order, duplicated, across
// packets and datagrams) and feeds the handshake bytes to a session.Conn,
// one event per QUIC packet (session.Conn.QUICPacket), with the packet as
// captured, header protection on (session.Position.Wire, for -X: header
// protection is removed on a copy).
//
// RFCs: 8999 (invariants), 9000 (transport), 9001 (TLS in QUIC), 9369
// (QUIC v2), 9221 (DATAGRAM), 9368 (compatible version negotiation).
//
// Non-goals: loss recovery and congestion control state; Google QUIC's own
// crypto handshake (Q043 to Q050: the versions are named, their packets
// are counted, nothing is decrypted); 0-RTT and 1-RTT without a key log.
package quic
