// Package connrec records what is written through a net.Conn: the tests
// that run a real crypto/tls handshake (decrypt's round trips, parser's
// captured handshakes) keep every byte each side writes with it.
package connrec
