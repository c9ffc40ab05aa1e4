// Package tcp is the TCP transport of the TLS engine: it takes the two byte
// streams of a connection from package reassembly, finds where SSL/TLS
// starts by content (at the first byte, after a plaintext STARTTLS exchange
// of SMTP, IMAP, POP3, FTP, LDAP, XMPP, PostgreSQL or MySQL, or in the middle
// of a stream whose handshake was not captured), tells the client from the
// ClientHello (or guesses it from the ports), frames SSL 3.0/TLS and SSLv2
// records, finds the next record boundary after a gap or a bad header, and
// feeds each record to a session.Conn through the transport interface,
// with its bytes as framed (session.Position.Wire: a slice of the stream,
// header included, never a copy).
//
// Specifications: RFC 5246 section 6.2 and RFC 8446 section 5.1 (record
// framing), RFC 5246 appendix E.2 (SSLv2-format ClientHello), RFC 3207,
// 2595, 4217, 4511, 6120 and the PostgreSQL and MySQL protocol documents
// for the STARTTLS exchanges that are named.
//
// Non-goals: the TLS state machine, decryption and fingerprints (package
// session and what it uses); TCP reassembly itself (package reassembly).
package tcp
