// Package aria implements the ARIA block cipher as specified in RFC 5794
// ("A Description of the ARIA Encryption Algorithm"), with 128-, 192- and
// 256-bit keys (12, 14 and 16 rounds) and a 128-bit block.
//
// ARIA is used by the TLS cipher suites of RFC 6209 (for example
// TLS_RSA_WITH_ARIA_128_CBC_SHA256); ssldissect needs it to decrypt captured
// sessions that negotiated one of them.
//
// The cipher is exposed through crypto/cipher.Block, so the standard modes
// (cipher.NewCBCDecrypter, cipher.NewGCM, ...) work on top of it.
//
// As with the standard library's block ciphers, Encrypt and Decrypt panic if
// src or dst is shorter than BlockSize ("aria: input not full block",
// "aria: output not full block"); only the first BlockSize bytes are used.
// src and dst may be the same slice.
//
// Non-goals: this implementation uses table look-ups indexed by secret data
// and makes no constant-time or side-channel guarantees. It exists so that a
// passive analyzer can decrypt recorded traffic with known keys; it must not
// be used to protect live data. There is no assembly and no key wiping.
//
// Tables: SB1 and SB2 are the S-boxes printed in RFC 5794 section 2.4.2
// (SB1 is, as the RFC notes, the AES S-box); SB3 and SB4 are their inverses
// and are derived from them when the package initialises. The tests check
// the tables against their algebraic definitions and the cipher against the
// example data of RFC 5794 Appendix A.
package aria
