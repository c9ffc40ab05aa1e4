// Package selectexpr parses and evaluates the --select expressions of
// ssldissect: a small filter language over one connection's fields, in
// the manner of a tshark display filter but applied per connection.
//
//	expr    = or
//	or      = and { ("or" | "||") and }
//	and     = unary { ("and" | "&&") unary }
//	unary   = ("not" | "!") unary | primary
//	primary = "(" expr ")" | field [ op value ]
//	op      = "==" | "!=" | "=~" | "<" | "<=" | ">" | ">=" | "in"
//	value   = a "double" or 'single' quoted string, or a bare word
//
// Fields are listed in Fields (sni, version, cipher, cipher_id, alpn, ja3,
// ja3s, ja4, ja4s, client, server, client_ip, server_ip, client_port,
// server_port, ip, port, transport, note, decrypted, resumed). == and !=
// take glob patterns (*, ?, [...]) for string fields, case-insensitively;
// =~ a Go regular expression (RE2, case-sensitive unless it says (?i));
// < <= > >= numbers and versions; in (and == on an address field) a CIDR
// prefix. A field on its own is true when it has a value (a boolean field:
// when it is true). A field that has several values (ip and port, either
// side; note, every note code) matches when any of them does, and != is the
// negation of ==: none does.
//
// Evaluation is three-valued, since a connection's fields become known one
// after another as its handshake goes on: Eval answers True, False or
// Unknown for a Conn whose Final set says which fields are settled, and
// Unknown only while the answer could still change. and, or and not follow
// Kleene's logic (false and unknown is false, true or unknown is true).
//
// The package knows nothing of connections beyond the Conn struct its
// caller fills; it does no I/O. Parse errors are *Error values that name
// the column (1-based, in bytes) where the expression went wrong.
package selectexpr
