// Package tlstest holds test-only builders shared by the tests of several
// packages: TLS and SSL 2.0 wire bytes built field by field (records,
// handshake messages, extensions, ClientHello bodies from their parts,
// SSLv2 messages), self-signed test certificates, and the record streams of
// a real crypto/tls handshake.
//
// It is imported only by _test.go files. It does not import package parser,
// so that parser's own in-package tests can use it: the builders take plain
// integer types through type parameters (~uint8, ~uint16), and callers pass
// parser's typed constants unchanged.
package tlstest
