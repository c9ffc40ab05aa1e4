// Package dns decodes DNS messages (RFC 1035 section 4) as far as
// ssldissect needs them: the header, the questions and the answer
// section's resource records, with the SVCB (type 64) and HTTPS (type 65)
// records of RFC 9460 decoded into their SvcPriority, TargetName and
// SvcParams, among which key 5, ech, holds an ECHConfigList (RFC 9848).
// ECHConfigLists lists the ech parameters of a response's answers.
//
// Like package parser it holds no state and does no I/O. It reads through
// golang.org/x/crypto/cryptobyte; compressed names (RFC 1035 4.1.4) are
// followed only backwards, with at most MaxPointers hops and MaxNameLen
// bytes, so no input loops; every count is capped (MaxQuestions,
// MaxAnswers, MaxSVCParams) before anything is allocated. Failures are
// *parser.Error values with Layer "dns" wrapping parser.ErrMalformed or
// parser.ErrTooLarge.
//
// Non-goals: the authority and additional sections, EDNS(0) options,
// DNSSEC, building messages, DNS over TCP framing beyond its 2-byte length
// (ParseTCP), and any record data other than SVCB/HTTPS, which are kept
// raw.
package dns
