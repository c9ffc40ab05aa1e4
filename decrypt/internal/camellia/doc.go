// Package camellia implements the Camellia block cipher as specified in
// RFC 3713 ("A Description of the Camellia Encryption Algorithm"), with
// 128-, 192- and 256-bit keys (18 or 24 rounds) and a 128-bit block.
//
// Camellia is used by the TLS cipher suites of RFC 5932 and RFC 6367 (for
// example TLS_RSA_WITH_CAMELLIA_128_CBC_SHA); ssldissect needs it to decrypt
// captured sessions that negotiated one of them.
//
// The cipher is exposed through crypto/cipher.Block, so the standard modes
// (cipher.NewCBCDecrypter, cipher.NewGCM, ...) work on top of it.
//
// As with the standard library's block ciphers, Encrypt and Decrypt panic if
// src or dst is shorter than BlockSize ("camellia: input not full block",
// "camellia: output not full block"); only the first BlockSize bytes are
// used. src and dst may be the same slice.
//
// Non-goals: this implementation uses table look-ups indexed by secret data
// and makes no constant-time or side-channel guarantees. It exists so that a
// passive analyzer can decrypt recorded traffic with known keys; it must not
// be used to protect live data. There is no assembly and no key wiping.
//
// Tables: SBOX1 is the table of RFC 3713 section 2.4.4; SBOX2, SBOX3 and
// SBOX4 are defined there as rotations of SBOX1 and are derived from it,
// together with the combined S-box/P-function look-up tables, when the
// package initialises. The tests check the cipher against RFC 3713
// Appendix A for all three key sizes.
package camellia
