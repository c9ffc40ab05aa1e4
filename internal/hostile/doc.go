// Package hostile builds captures of a TLS connection that sends more of
// everything than any real peer: a flood of alert records, a certificate
// chain of hundreds, a ClientHello offering thousands of ALPN protocols,
// records stuffed with handshake messages or alerts. It is what the tests
// of the per-connection caps (session/limits.go) and the memory figures of
// docs/PERFORMANCE.md are run on, mixed with a shipped capture whose
// connection must come out unharmed.
//
// The connection is plaintext TLS 1.2 up to the ServerHelloDone (no keys
// are needed to read any of it), carried in one IPv4 TCP connection with
// its three-way handshake and FINs, in Ethernet frames. Non-goals: valid
// cryptography, realistic timing, any other transport.
package hostile
