// Package synth writes large synthetic captures for benchmarks and
// comparisons by repeating the TCP connections of real captures.
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
package synth
