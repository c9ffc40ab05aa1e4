// Package synth writes large synthetic captures for benchmarks and
// comparisons: by repeating the TCP connections of real captures
// (Generate), or from real TLS connections made by crypto/tls in this
// process (GenerateTLS, tls.go).
//
// Each TCP connection found in the input captures becomes a template. The
// output repeats the templates round robin; copy k of a template gets its
// own client address (10.0.0.0/8 for IPv4, the low 32 bits replaced for
// IPv6) and client port, so every copy is a distinct connection, while the
// server side stays as captured. Interleave copies are in flight at any
// time and their packets alternate one by one, so the reader always has
// that many open connections. Timestamps are rewritten: packet i of the
// output is at Start + i*Step, so time only moves forward. IPv4 header and
// TCP checksums are recomputed. Every output packet is Ethernet II.
//
// The output is a function of the inputs and Options only: the same call
// writes the same bytes.
//
// The client randoms of the copies repeat those of the template, so the
// templates' key logs, concatenated once (WriteKeyLog), decrypt every copy.
//
// GenerateTLS runs a crypto/tls client and server per connection over an
// in-memory connection, taking turns (lockstep), with a seeded source of
// randomness, and frames what each side wrote as a TCP connection (SYN,
// SYN-ACK, ACK, 1448-byte segments, ACKs, FINs) that the same interleaving
// writer as Generate's puts in the file, with the same client addresses.
// The versions and suites cycle through Variants; the client's key log is
// written alongside. The output is a function of TLSOptions when GODEBUG
// cryptocustomrand=1 is in effect (TLSStats.Deterministic). Both writers
// are streaming: memory holds the connections in flight, not the file.
package synth
